"""Run services as subprocesses for end-to-end tests (no eventlet in the test process)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

from chassis.testing.infra import DATABASE_URL


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServiceProcess:
    """One service in its own process, with its output kept in a log file for failures."""

    def __init__(self, target: str, amqp_uri: str, schema_prefix: str, **env: str) -> None:
        self.target = target
        self.http_port = free_port()
        self.log_path = Path(
            tempfile.mkstemp(prefix=f"sp-{target.split(':')[-1]}-", suffix=".log")[1]
        )
        self.env = {
            **os.environ,
            "SP_AMQP_URI": amqp_uri,
            "SP_SCHEMA_PREFIX": schema_prefix,
            "SP_DATABASE_URL": DATABASE_URL,
            "SP_HTTP_PORT": str(self.http_port),
            # a test's ledger witness lives beside its log, not in the working tree
            "SP_LEDGER_WITNESS_PATH": str(self.log_path.with_suffix(".witness.jsonl")),
            **env,
        }
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def start(self) -> ServiceProcess:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "chassis.run", self.target],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self

    def wait_ready(self, timeout: float = 60.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(f"{self.target} exited:\n{self.output()}")
            try:
                response = requests.get(f"{self.base_url}/readyz", timeout=2)
                if response.status_code == 200:
                    body: dict[str, Any] = response.json()
                    return body
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"{self.target} not ready within {timeout}s:\n{self.output()}")

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:]

    def stop(self, timeout: float = 15.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def __enter__(self) -> ServiceProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self.log_path.unlink(missing_ok=True)
