"""Run the gateway: `python -m gateway` (HTTP on SP_HTTP_PORT, gRPC on SP_GRPC_PORT)."""

from __future__ import annotations

import uvicorn

from chassis.logs import configure_logging
from chassis.settings import LogFormat
from chassis.tracing import configure_tracing
from gateway.app import create_app
from gateway.settings import GatewaySettings


def main() -> None:
    settings = GatewaySettings()
    configure_logging(
        "gateway", settings.log_level, for_people=settings.log_format is LogFormat.CONSOLE
    )
    configure_tracing(
        "gateway",
        settings.otlp_endpoint,
        trace_store_amqp_uri=settings.amqp_uri if settings.trace_store_enabled else None,
        instrument_nameko=False,
    )
    uvicorn.run(
        create_app(settings),
        host=settings.http_host,
        port=settings.http_port,
        loop="uvloop",
        http="httptools",
        log_config=None,
        access_log=False,
    )


if __name__ == "__main__":
    main()
