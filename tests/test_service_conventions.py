"""Conventions every service must keep, checked across the tree."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR
from nameko.timer import Timer

from chassis.discovery import service_class
from chassis.entrypoints import EventConsumer, PlatformHttp, PlatformRpc
from chassis.service import PlatformService
from tests.test_migrations import SERVICES

ROOT = Path(__file__).resolve().parent.parent
CHASSIS_ENTRYPOINTS = (PlatformRpc, EventConsumer, PlatformHttp, Timer)  # timers declare no queue
FORBIDDEN_IN_DOMAIN = ("nameko", "eventlet", "sqlalchemy", "kombu", "amqp", "requests", "socket")


@pytest.mark.parametrize("service", SERVICES)
def test_services_use_only_chassis_entrypoints(service: str) -> None:
    """nameko's own entrypoints would declare queues with other arguments."""
    cls = service_class(service)
    assert issubclass(cls, PlatformService)
    assert cls.name == service == cls.settings_class().service_name
    for name, method in inspect.getmembers(cls, inspect.isfunction):
        for entrypoint in getattr(method, ENTRYPOINT_EXTENSIONS_ATTR, ()):
            assert isinstance(entrypoint, CHASSIS_ENTRYPOINTS), (service, name, entrypoint)


@pytest.mark.parametrize("service", SERVICES)
def test_domain_code_imports_no_framework_database_or_network(service: str) -> None:
    for path in (ROOT / "services" / service / "domain").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN_IN_DOMAIN, (path, name)


@pytest.mark.parametrize("service", SERVICES)
def test_every_data_class_has_a_retention_period_and_real_columns(service: str) -> None:
    """No class of data is kept forever by omission."""
    cls = service_class(service)
    periods = cls.settings_class().retention_days
    for data_class in cls.retention_classes:
        assert data_class.name in periods, (service, data_class.name)
        assert periods[data_class.name] > 0
        assert data_class.timestamp_column is not None and data_class.key_column is not None
