"""Open311 GeoReport v2: public-safety service requests for standard Open311 clients."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/open311/v2", tags=["open311"])
