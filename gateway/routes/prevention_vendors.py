"""智感防控 smart sensing: vendor payloads (GA/T 1400, Hikvision ISAPI) turned into sightings."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from gateway.security import authorize

router = APIRouter(
    prefix="/api/v1/prevention", tags=["prevention"], dependencies=[Depends(authorize)]
)
