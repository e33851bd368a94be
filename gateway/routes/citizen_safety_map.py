"""智服惠民 citizen services: the safety map (平安地图)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from gateway.security import authorize

router = APIRouter(prefix="/api/v1/citizen", tags=["citizen"], dependencies=[Depends(authorize)])
