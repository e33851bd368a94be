"""The gRPC side of the gateway (grpc.aio, in the gateway's own event loop).

It answers the standard `grpc.health.v1` service and devices' `SensorIngest` streams.
"""

from __future__ import annotations

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from contracts.proto import sensor_ingest_pb2_grpc
from gateway.platform import Platform
from gateway.sensor_ingest import SensorIngest


class GrpcServer:
    def __init__(self, host: str, port: int, platform: Platform | None = None) -> None:
        self.server = grpc.aio.server()
        self.health = health.aio.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        if platform is not None:
            sensor_ingest_pb2_grpc.add_SensorIngestServicer_to_server(
                SensorIngest(platform), self.server
            )
        self.port = self.server.add_insecure_port(f"{host}:{port}")

    async def start(self) -> None:
        await self.server.start()
        await self.health.set("", health_pb2.HealthCheckResponse.SERVING)

    async def set_serving(self, serving: bool) -> None:
        status = (
            health_pb2.HealthCheckResponse.SERVING
            if serving
            else health_pb2.HealthCheckResponse.NOT_SERVING
        )
        await self.health.set("", status)

    async def stop(self) -> None:
        await self.health.enter_graceful_shutdown()
        await self.server.stop(grace=2)
