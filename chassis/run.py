"""Run one service: `python -m chassis.run <service>` (e.g. `data`).

Patches eventlet and the database driver first, then configures logs, tracing and nameko from
the service's settings, and runs until SIGTERM or Ctrl-C.
"""

from __future__ import annotations

from chassis.green import monkey_patch

monkey_patch()

import argparse  # noqa: E402
import gc  # noqa: E402
import logging  # noqa: E402
import signal  # noqa: E402
from typing import Any  # noqa: E402

import eventlet  # noqa: E402
from nameko import config as nameko_config  # noqa: E402
from nameko.runners import ServiceRunner  # noqa: E402

from chassis.discovery import service_class  # noqa: E402
from chassis.logs import configure_logging  # noqa: E402
from chassis.serialization import use_orjson  # noqa: E402
from chassis.settings import ChassisSettings, LogFormat  # noqa: E402
from chassis.tracing import configure_tracing  # noqa: E402

log = logging.getLogger("chassis.run")


def nameko_settings(settings: ChassisSettings) -> dict[str, Any]:
    return {
        "AMQP_URI": settings.amqp_uri,
        "max_workers": settings.max_workers,
        "PREFETCH_COUNT": settings.prefetch_count,
        "serializer": "json",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("service", help="folder name under services/")
    args = parser.parse_args()
    use_orjson()
    cls = service_class(args.service)
    settings: ChassisSettings = cls.settings_class()
    configure_logging(
        settings.service_name,
        settings.log_level,
        for_people=settings.log_format is LogFormat.CONSOLE,
    )
    configure_tracing(
        settings.service_name,
        settings.otlp_endpoint,
        trace_store_amqp_uri=settings.amqp_uri if settings.trace_store_enabled else None,
        untraced=[f"{cls.name}.{method}" for method in cls.untraced_entrypoints],
    )
    nameko_config.update(nameko_settings(settings))

    runner = ServiceRunner()
    runner.add_service(cls)

    def shutdown(signum: int, frame: Any) -> None:
        eventlet.spawn_n(runner.stop)

    signal.signal(signal.SIGTERM, shutdown)
    runner.start()
    gc.freeze()  # start-up objects never change: keep the collector off them
    log.info("service started", extra={"http_port": settings.http_port})
    try:
        runner.wait()
    except KeyboardInterrupt:
        runner.stop()


if __name__ == "__main__":
    main()
