"""The witness: copies of signed tree heads kept outside the platform's database.

One JSON line per head, appended and flushed to disk. Whoever keeps the file (another machine's
disk, write-once storage) can later check that the ledger still extends every head in it
(`python -m services.management.ledger_check witness FILE …`); an operator who rewrote the
ledger's history in the database cannot make those checks pass.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson


def witness_copy(path: Path, head: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("ab") as file:
        file.write(orjson.dumps(head) + b"\n")
        file.flush()
        os.fsync(file.fileno())


def read_witness(path: Path) -> list[dict[str, Any]]:
    with path.open("rb") as file:
        return [orjson.loads(line) for line in file if line.strip()]
