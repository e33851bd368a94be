"""Tokens: the OAuth2 token endpoint, revocation, and the public keys (JWKS)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Form, Request

from contracts.errors import Forbidden, Unauthenticated, ValidationFailed
from contracts.identity import RevokeRequest, TokenGrant
from gateway.platform import platform_of
from gateway.problems import errors, example
from gateway.rpc import RemoteError
from gateway.security import Authorized, authorize, record_refusal

router = APIRouter(prefix="/api/v1/auth", tags=["auth"], dependencies=[Depends(authorize)])
well_known = APIRouter(tags=["auth"], dependencies=[Depends(authorize)])

JWKS_EXAMPLE = {
    "keys": [
        {"kty": "EC", "crv": "P-256", "x": "…", "y": "…", "kid": "k1", "alg": "ES256", "use": "sig"}
    ]
}


@router.post(
    "/token",
    operation_id="auth.token",
    summary="Get an access token (OAuth2 password or client-credentials grant)",
    response_model=TokenGrant,
    responses=errors(),
)
async def token(
    request: Request,
    ctx: Authorized,
    grant_type: Annotated[Literal["password", "client_credentials"], Form()],
    username: Annotated[str | None, Form(max_length=64)] = None,
    password: Annotated[str | None, Form(max_length=256)] = None,
    client_id: Annotated[str | None, Form(max_length=64)] = None,
    client_secret: Annotated[str | None, Form(max_length=256)] = None,
) -> Any:
    platform = platform_of(request)
    if grant_type == "password":
        if not username or not password:
            raise ValidationFailed("the password grant needs username and password")
        method, grant, who = (
            "issue_officer_token",
            {"username": username, "password": password},
            username,
        )
    else:
        if not client_id or not client_secret:
            raise ValidationFailed("the client-credentials grant needs client_id and client_secret")
        method, grant, who = (
            "issue_service_token",
            {"client_id": client_id, "client_secret": client_secret},
            client_id,
        )
    try:
        return await platform.rpc.call("management", method, grant, context=ctx.rpc_context)
    except RemoteError as exc:
        if exc.exc_type == "Unauthenticated":
            refusal = Unauthenticated(exc.detail)
            await record_refusal(
                platform, request, ctx.operation, ctx.actor, refusal, f"login={who}"
            )
        raise


@router.post(
    "/revoke",
    operation_id="auth.revoke",
    summary="Revoke your own token, or (administrators) every token of an officer",
    status_code=204,
    responses=errors(404),
)
async def revoke(
    request: Request,
    ctx: Authorized,
    body: Annotated[RevokeRequest | None, Body()] = None,
) -> None:
    platform = platform_of(request)
    principal = ctx.principal
    assert principal is not None
    if body is not None and body.officer_id is not None:
        rule = platform.matrix.rule("auth.revoke_officer")
        if rule is None or not platform.matrix.allows(principal, rule):
            raise Forbidden("only an administrator revokes another officer's tokens")
        await platform.rpc.call(
            "management", "revoke_officer_tokens", body.officer_id, context=ctx.rpc_context
        )
        return
    await platform.rpc.call(
        "management",
        "revoke_token",
        {"jti": principal.jti, "expires_at": principal.expires_at.isoformat()},
        context=ctx.rpc_context,
    )


async def _jwks(request: Request) -> dict[str, Any]:
    verifier = platform_of(request).verifier
    if not verifier.jwks["keys"]:
        await verifier.refresh_keys()
    return verifier.jwks


@router.get(
    "/jwks",
    operation_id="auth.jwks",
    summary="Public keys that sign access tokens (JWKS)",
    responses={200: example(JWKS_EXAMPLE), **errors()},
)
async def jwks(request: Request, ctx: Authorized) -> dict[str, Any]:
    return await _jwks(request)


@well_known.get(
    "/.well-known/jwks.json",
    operation_id="auth.well_known_jwks",
    summary="Public keys that sign access tokens (JWKS), at the well-known address",
    responses={200: example(JWKS_EXAMPLE), **errors()},
)
async def well_known_jwks(request: Request, ctx: Authorized) -> dict[str, Any]:
    return await _jwks(request)
