"""Per-container runtime shared by the chassis extensions: settings, engine, sessions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nameko import config as nameko_config
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from chassis.db import make_engine
from chassis.settings import ChassisSettings

#: nameko config key holding overrides applied to every service's settings (tests use it)
SETTINGS_OVERRIDES_KEY = "PLATFORM_SETTINGS_OVERRIDES"
_ATTRIBUTE = "_platform_runtime"


@dataclass
class Runtime:
    settings: ChassisSettings
    _engine: Engine | None = field(default=None, repr=False)
    _sessions: sessionmaker[Session] | None = field(default=None, repr=False)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.settings)
        return self._engine

    @property
    def sessions(self) -> sessionmaker[Session]:
        if self._sessions is None:
            self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        return self._sessions

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
            self._sessions = None


def settings_for(service_cls: Any) -> ChassisSettings:
    overrides: dict[str, Any] = dict(nameko_config.get(SETTINGS_OVERRIDES_KEY) or {})
    settings_class: type[ChassisSettings] = service_cls.settings_class
    return settings_class(**overrides)


def runtime_of(container: Any) -> Runtime:
    runtime = getattr(container, _ATTRIBUTE, None)
    if runtime is None:
        runtime = Runtime(settings_for(container.service_cls))
        setattr(container, _ATTRIBUTE, runtime)
    return runtime
