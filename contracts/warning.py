"""Hotlists and alerts of the smart-warning pillar."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from contracts.values import GeoPoint, Plate


class HotlistReason(StrEnum):
    STOLEN_VEHICLE = "stolen_vehicle"
    WANTED_IN_CASE = "wanted_in_case"
    MISSING_PERSON = "missing_person"


class HotlistEntryCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "plate": "粤T12345",
                    "reason": "stolen_vehicle",
                    "case_id": "case-2026-0042",
                    "expires_at": "2026-12-29T00:00:00+08:00",
                }
            ]
        },
    )

    plate: Plate
    reason: HotlistReason
    case_id: str | None = Field(default=None, max_length=64)
    #: an entry always expires; an expired entry never alerts
    expires_at: datetime


class HotlistEntry(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "entry_id": "5a0d…",
                    "plate": "粤T12345",
                    "reason": "stolen_vehicle",
                    "case_id": "case-2026-0042",
                    "expires_at": "2026-12-29T00:00:00+08:00",
                    "unit_path": "sz/futian",
                    "created_by": "o-1024",
                    "created_at": "2026-11-29T08:00:00Z",
                }
            ]
        }
    )

    entry_id: uuid.UUID
    plate: str
    reason: HotlistReason
    case_id: str | None
    expires_at: datetime
    unit_path: str
    created_by: str
    created_at: datetime


class AlertStatus(StrEnum):
    #: a machine match: nobody may act on it until an officer confirms it
    POSSIBLE = "possible"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


class Alert(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "alert_id": "c1f4…",
                    "status": "possible",
                    "plate": "粤T12345",
                    "entry_id": "5a0d…",
                    "reason": "stolen_vehicle",
                    "sighting_id": "77aa…",
                    "device_id": "cp-futian-01",
                    "seen_at": "2026-11-29T08:00:00+08:00",
                    "unit_path": "sz/futian",
                    "raised_at": "2026-11-29T08:00:01Z",
                }
            ]
        }
    )

    alert_id: uuid.UUID
    status: AlertStatus
    plate: str
    entry_id: uuid.UUID
    reason: HotlistReason
    sighting_id: uuid.UUID
    device_id: str
    seen_at: datetime
    unit_path: str
    raised_at: datetime


class AlertRaised(BaseModel):
    """Payload of `warning.alert.raised.v1`."""

    alert_id: uuid.UUID
    status: AlertStatus
    entry_id: uuid.UUID
    sighting_id: uuid.UUID
    unit_path: str
    #: what the vehicle dossier (data service) keeps of it
    plate: str
    reason: HotlistReason
    device_id: str
    seen_at: datetime


ALERT_RAISED = "warning.alert.raised.v1"


class HotlistEntryState(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    REMOVED = "removed"


class HotlistEntryChanged(BaseModel):
    """Payload of `warning.hotlist.entry_changed.v1`: an entry as it now stands (the vehicle
    dossier keeps it; `changed_at` orders the states)."""

    entry_id: uuid.UUID
    plate: str
    reason: HotlistReason
    case_id: str | None
    expires_at: datetime
    unit_path: str
    state: HotlistEntryState
    changed_at: datetime


HOTLIST_ENTRY_CHANGED = "warning.hotlist.entry_changed.v1"


class AlertConfirmed(BaseModel):
    """Payload of `warning.alert.confirmed.v1`: an officer confirmed a possible match, so a
    unit may be sent (management's dispatch opens a task for it)."""

    alert_id: uuid.UUID
    plate: str
    reason: HotlistReason
    device_id: str
    seen_at: datetime
    #: where the vehicle was seen (the device's place)
    location: GeoPoint
    unit_path: str
    confirmed_by: str
    note: str = Field(default="", max_length=1000)


ALERT_CONFIRMED = "warning.alert.confirmed.v1"
