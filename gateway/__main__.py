"""Run the gateway: `python -m gateway` (HTTP on SP_HTTP_PORT, gRPC on SP_GRPC_PORT)."""

from __future__ import annotations

import uvicorn
from fastapi import FastAPI

from chassis.logs import configure_logging
from chassis.settings import LogFormat
from chassis.tracing import configure_tracing
from gateway.app import create_app
from gateway.settings import GatewaySettings


def _configure(settings: GatewaySettings) -> None:
    configure_logging(
        "gateway", settings.log_level, for_people=settings.log_format is LogFormat.CONSOLE
    )
    configure_tracing(
        "gateway",
        settings.otlp_endpoint,
        trace_store_amqp_uri=settings.amqp_uri if settings.trace_store_enabled else None,
        instrument_nameko=False,
    )


def worker_app() -> FastAPI:
    settings = GatewaySettings()
    _configure(settings)
    return create_app(settings)


def main() -> None:
    settings = GatewaySettings()
    server: dict[str, object] = {
        "host": settings.http_host,
        "port": settings.http_port,
        "loop": "uvloop",
        "http": "httptools",
        "log_config": None,
        "access_log": False,
    }
    if settings.workers > 1:
        # each worker process builds its own app (and tracing) from the same environment
        uvicorn.run("gateway.__main__:worker_app", factory=True, workers=settings.workers, **server)  # type: ignore[arg-type]
        return
    _configure(settings)
    uvicorn.run(create_app(settings), **server)  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
