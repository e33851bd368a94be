"""Configuration of the gateway: the one home of its settings and documented defaults."""

from __future__ import annotations

from pydantic import Field

from chassis.settings import ChassisSettings


class GatewaySettings(ChassisSettings):
    service_name: str = "gateway"
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    grpc_port: int = Field(default=50051, ge=0, le=65535)
    #: uvicorn worker processes; each has its own AMQP connection, gRPC server (the port is
    #: shared through SO_REUSEPORT) and rate-limit buckets
    workers: int = Field(default=1, ge=1, le=32)

    #: default and ceiling of an RPC's timeout; the request message expires with it
    rpc_timeout_s: float = Field(default=5.0, gt=0, le=60)
    #: how long "this service has a consumer" is believed before asking the broker again
    consumer_check_ttl_s: float = Field(default=1.0, ge=0, le=30)
    audit_confirm_timeout_s: float = Field(default=5.0, gt=0, le=60)

    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    #: token bucket per principal (officer or service account)
    rate_limit_per_s: float = Field(default=20.0, gt=0)
    rate_limit_burst: int = Field(default=40, ge=1)
    #: token bucket per client address on the token endpoint (password guessing)
    login_rate_per_s: float = Field(default=0.5, gt=0)
    login_burst: int = Field(default=10, ge=1)

    #: services the operations routes may address
    known_services: tuple[str, ...] = (
        "data",
        "warning",
        "prevention",
        "investigation",
        "citizen",
        "management",
    )

    token_issuer: str = "https://smart-policing.local/management"
    citizen_token_issuer: str = "https://smart-policing.local/citizen"
    token_leeway_s: int = Field(default=5, ge=0, le=120)
    #: an unknown key id triggers a key refresh at most this often
    jwks_refresh_min_interval_s: float = Field(default=5.0, ge=0)
