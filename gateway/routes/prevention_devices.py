"""智感防控 smart sensing: the device registry, credentials, heartbeats and health."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from gateway.security import authorize

router = APIRouter(
    prefix="/api/v1/prevention", tags=["prevention"], dependencies=[Depends(authorize)]
)
