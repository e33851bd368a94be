"""Probes and metrics: outside /api/v1, outside the OpenAPI document, no token needed."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST

from chassis.metrics import render
from gateway.platform import platform_of

router = APIRouter(include_in_schema=False)


@router.get("/healthz")
async def healthz() -> dict[str, bool]:
    return {"alive": True}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    platform = platform_of(request)
    checks = {"broker": "ok" if platform.rpc.connected else "failing"}
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"service": "gateway", "ready": ready, "checks": checks}, status_code=200 if ready else 503
    )


@router.get("/metrics")
async def metrics() -> Response:
    return Response(render(), media_type=CONTENT_TYPE_LATEST)
