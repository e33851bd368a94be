"""Fixtures for the asyncio / end-to-end tier: no eventlet here; services run as subprocesses."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chassis.testing.infra import isolated_vhost
from tests.support.platform import gateway, gateway_factory, platform  # noqa: F401 (fixtures)


@pytest.fixture
def vhost() -> Iterator[str]:
    with isolated_vhost() as name:
        yield name


@pytest.fixture(autouse=True)
def _no_monkey_patching() -> Iterator[None]:
    """This tier runs asyncio code: nothing may have monkey-patched the standard library."""
    import socket

    yield
    assert "eventlet" not in str(socket.socket), "eventlet monkey-patched this test process"
