"""The committed gRPC stubs are what `make proto` makes of the .proto files today."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROTOS = sorted((ROOT / "contracts" / "proto").glob("*.proto"))


def test_the_stubs_match_the_protos(tmp_path: Path) -> None:
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            f"-I{ROOT}",
            f"--python_out={tmp_path}",
            f"--grpc_python_out={tmp_path}",
            f"--mypy_out={tmp_path}",
            f"--mypy_grpc_out={tmp_path}",
            *(str(p.relative_to(ROOT)) for p in PROTOS),
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    generated = sorted((tmp_path / "contracts" / "proto").glob("*_pb2*"))
    assert generated, "protoc made nothing"
    for made in generated:
        committed = ROOT / "contracts" / "proto" / made.name
        assert committed.exists(), f"{made.name} is not committed: run `make proto`"
        assert committed.read_text() == made.read_text(), f"{made.name} drifted: run `make proto`"
