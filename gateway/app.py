"""The gateway application: FastAPI over one AMQP connection, plus the gRPC server."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

from contracts.actor import ActorKind
from contracts.citizens import CITIZEN_AUDIENCE
from contracts.identity import Revocations
from gateway import problems
from gateway.auth import TokenVerifier
from gateway.authz import Matrix
from gateway.broker import EventPublisher, RevocationFeed, connect
from gateway.devices import DeviceCredentials
from gateway.grpc_server import GrpcServer
from gateway.middleware import (
    AuditGate,
    BodyLimitMiddleware,
    DurationMiddleware,
    RequestIdMiddleware,
)
from gateway.platform import Platform
from gateway.ratelimit import RateLimiter
from gateway.routes import (
    audit,
    auth,
    citizen,
    citizen_access,
    citizen_appointments,
    citizen_fines,
    citizen_permits,
    citizen_safety_map,
    data,
    health,
    management,
    open311,
    ops,
    prevention,
    prevention_communities,
    prevention_devices,
    prevention_school,
    prevention_vendors,
    warning,
)
from gateway.rpc import RpcClient
from gateway.security import record_unaudited
from gateway.settings import GatewaySettings

log = logging.getLogger(__name__)


DESCRIPTION = """
The smart policing platform's only public door. Every route authenticates (bearer JWT from
`POST /api/v1/auth/token`), is authorised by role and operation, is rate-limited, and is written
to the audit ledger before anything is done. Personal data is served only for a declared purpose
(`X-Purpose`, and `X-Case-Id` where the purpose needs one); a service account names the officer
it acts for (`X-On-Behalf-Of`). Errors are `application/problem+json` (RFC 9457).
"""

TAGS = [
    {"name": "auth", "description": "Tokens, revocation and signing keys"},
    {"name": "management", "description": "智管强警 internal management: units and officers"},
    {"name": "prevention", "description": "智感防控 smart sensing: devices and sightings"},
    {"name": "warning", "description": "智慧预警 smart warning: hotlists and alerts"},
    {"name": "data", "description": "警务云 police cloud data service"},
    {
        "name": "citizen",
        "description": "智服惠民 citizen services: citizens sign in with a phone number and a "
        "one-time code, and their tokens reach only citizens' operations",
    },
    {
        "name": "open311",
        "description": "Open311 GeoReport v2 for standard clients: public-safety service "
        "requests (form-encoded POST with an API key; errors in the specification's format)",
    },
    {"name": "audit", "description": "The audit ledger and request traces, for auditors"},
    {"name": "operations", "description": "Dead letters and outbox backlog, for operators"},
]


async def _load_identity(platform: Platform) -> None:
    """Keys and the revocation snapshot from management; retried in the background if it is
    not up yet (requests are refused as unauthenticated meanwhile)."""
    delay = 0.2
    while True:
        try:
            await platform.verifier.refresh_keys()
            snapshot = await platform.rpc.call("management", "revocations")
            platform.verifier.revocations.load(Revocations.model_validate(snapshot))
            return
        except Exception as exc:
            log.warning("identity not loaded yet", extra={"error": type(exc).__name__})
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)


def create_app(
    settings: GatewaySettings | None = None,
    *,
    extra_routers: list[Any] = (),  # type: ignore[assignment]
    customise: Callable[[Platform], None] | None = None,
) -> FastAPI:
    settings = settings or GatewaySettings()
    rpc = RpcClient(settings.rpc_timeout_s, settings.consumer_check_ttl_s)

    async def fetch_jwks() -> dict[str, Any]:
        result: dict[str, Any] = await rpc.call("management", "jwks")
        return result

    verifier = TokenVerifier(
        issuer=settings.token_issuer,
        fetch_jwks=fetch_jwks,
        leeway_s=settings.token_leeway_s,
        refresh_min_interval_s=settings.jwks_refresh_min_interval_s,
    )

    async def fetch_citizen_jwks() -> dict[str, Any]:
        result: dict[str, Any] = await rpc.call("citizen", "jwks")
        return result

    citizen_verifier = TokenVerifier(
        issuer=settings.citizen_token_issuer,
        fetch_jwks=fetch_citizen_jwks,
        audience=CITIZEN_AUDIENCE,
        kinds=frozenset({ActorKind.CITIZEN}),
        leeway_s=settings.token_leeway_s,
        refresh_min_interval_s=settings.jwks_refresh_min_interval_s,
    )

    async def authenticate_device(credential: str) -> dict[str, Any]:
        device: dict[str, Any] = await rpc.call("prevention", "authenticate_device", credential)
        return device

    platform = Platform(
        settings=settings,
        rpc=rpc,
        events=EventPublisher(settings.audit_confirm_timeout_s),
        verifier=verifier,
        revocation_feed=RevocationFeed(verifier.revocations),
        limiter=RateLimiter(settings.rate_limit_per_s, settings.rate_limit_burst),
        login_limiter=RateLimiter(settings.login_rate_per_s, settings.login_burst),
        matrix=Matrix.load(),
        citizen_verifier=citizen_verifier,
        device_credentials=DeviceCredentials(authenticate_device),
    )
    if customise is not None:
        customise(platform)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        connection = await connect(settings.amqp_uri, "gateway")
        platform.connection = connection
        await rpc.start(connection)
        await platform.events.start(connection)
        await platform.revocation_feed.start(connection)
        loader = asyncio.create_task(_load_identity(platform))
        grpc_server = GrpcServer(settings.http_host, settings.grpc_port, platform)
        app.state.grpc_port = grpc_server.port
        await grpc_server.start()
        try:
            yield
        finally:
            loader.cancel()
            await grpc_server.stop()
            await platform.revocation_feed.stop()
            await platform.events.stop()
            await rpc.stop()
            await connection.close()

    app = FastAPI(
        title="Smart policing platform API",
        version="1.0.0",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        docs_url="/api/v1/docs",
        openapi_url="/api/v1/openapi.json",
        redoc_url=None,
    )
    app.state.platform = platform
    problems.install(app)
    for router in (
        auth.router,
        auth.well_known,
        management.router,
        prevention.router,
        prevention_devices.router,
        prevention_vendors.router,
        prevention_communities.router,
        prevention_school.router,
        warning.router,
        data.router,
        citizen.router,
        citizen_appointments.router,
        citizen_fines.router,
        citizen_safety_map.router,
        citizen_permits.router,
        citizen_access.router,
        open311.router,
        audit.router,
        ops.router,
        health.router,
        *extra_routers,
    ):
        app.include_router(router)
    FastAPIInstrumentor.instrument_app(
        app, excluded_urls="healthz,readyz,metrics", exclude_spans=["send", "receive"]
    )
    # outermost last: the request id first, then the audit gate around everything it records
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(AuditGate, on_unaudited=record_unaudited)
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(DurationMiddleware)
    return app
