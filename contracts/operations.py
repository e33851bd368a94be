"""Contracts every service offers through the chassis: health, dead letters, outbox backlog."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class CheckStatus(StrEnum):
    OK = "ok"
    FAILING = "failing"
    DISABLED = "disabled"


class HealthStatus(BaseModel):
    service: str
    ready: bool
    checks: dict[str, CheckStatus]


class DeadLetter(BaseModel):
    consumer: str
    event_id: str | None
    type: str | None
    attempts: int
    error: str | None = Field(default=None, description="exception type of the last failure")
    dead_lettered_at: datetime | None


class DeadLetterList(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "service": "data",
                    "consumer": "data.record_sighting",
                    "total": 1,
                    "items": [
                        {
                            "consumer": "data.record_sighting",
                            "event_id": "0c6e…",
                            "type": "prevention.sighting.recorded.v1",
                            "attempts": 4,
                            "error": "OperationalError",
                            "dead_lettered_at": "2026-11-29T08:00:00Z",
                        }
                    ],
                }
            ]
        }
    )

    service: str
    consumer: str
    total: int = Field(description="messages waiting in the consumer's dead-letter queue")
    items: list[DeadLetter]


class ReplayRequest(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"consumer": "data.record_sighting", "event_ids": None, "limit": 100}]
        }
    )

    consumer: str = Field(min_length=1, max_length=200)
    event_ids: list[str] | None = Field(default=None, max_length=500)
    limit: int = Field(default=100, ge=1, le=10_000)


class ReplayResult(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"consumer": "data.record_sighting", "replayed": 1}]}
    )

    consumer: str
    replayed: int


class OutboxBacklog(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "service": "prevention",
                    "pending": 0,
                    "unroutable": 2,
                    "oldest_pending_at": "2026-11-29T08:00:00Z",
                }
            ]
        }
    )

    service: str
    pending: int
    unroutable: int
    oldest_pending_at: datetime | None
