"""智服惠民 citizen services: fines, payments and appeals."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from gateway.security import authorize

router = APIRouter(prefix="/api/v1/citizen", tags=["citizen"], dependencies=[Depends(authorize)])
