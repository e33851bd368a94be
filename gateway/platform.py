"""What the gateway's routes share: settings, the broker clients, the verifier, the limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aio_pika.abc import AbstractRobustConnection
from fastapi import Request

from gateway.auth import TokenVerifier
from gateway.authz import Matrix
from gateway.broker import EventPublisher, RevocationFeed
from gateway.devices import DeviceCredentials
from gateway.ratelimit import RateLimiter
from gateway.rpc import RpcClient
from gateway.settings import GatewaySettings


@dataclass
class Platform:
    settings: GatewaySettings
    rpc: RpcClient
    events: EventPublisher
    verifier: TokenVerifier
    revocation_feed: RevocationFeed
    limiter: RateLimiter
    login_limiter: RateLimiter
    matrix: Matrix
    #: citizens' tokens (the citizen service's issuer); officers' are `verifier`'s
    citizen_verifier: TokenVerifier | None = None
    #: devices' own credentials (`Authorization: Device …`), checked by the prevention service
    device_credentials: DeviceCredentials | None = None
    connection: AbstractRobustConnection | None = None
    #: officers that service accounts act for: id -> (believed until, {id, unit, scope})
    represented: dict[str, tuple[float, dict[str, Any]]] = field(default_factory=dict)


def verifier_for(platform: Platform, issuer: str | None) -> TokenVerifier:
    citizens = platform.citizen_verifier
    if citizens is not None and issuer == citizens.issuer:
        return citizens
    return platform.verifier


def platform_of(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform
