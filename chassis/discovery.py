"""Finding services by folder name: no list to keep in step with the tree."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from chassis.settings import ChassisSettings

SERVICES_DIR = Path(__file__).resolve().parent.parent / "services"


def all_services() -> list[str]:
    return sorted(p.name for p in SERVICES_DIR.iterdir() if (p / "migrations" / "env.py").exists())


def service_class(service: str) -> Any:
    """`data` names services/data; `package.module:Class` names any other service class."""
    if ":" in service:
        module_name, class_name = service.split(":", 1)
        return getattr(importlib.import_module(module_name), class_name)
    return importlib.import_module(f"services.{service}.service").SERVICE


def settings_of(service: str) -> ChassisSettings:
    settings: ChassisSettings = importlib.import_module(f"services.{service}.settings").Settings()
    return settings
