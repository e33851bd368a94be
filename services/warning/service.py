"""nameko entrypoints of the warning service. Thin: rules live in `domain/`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from chassis.entrypoints import on_event, rpc
from chassis.retention import DataClass
from chassis.service import PlatformService
from chassis.validation import parse
from contracts.envelope import EventEnvelope
from contracts.errors import Forbidden, ValidationFailed
from contracts.sightings import SIGHTING_RECORDED, SightingsRecorded
from contracts.values import PageRequest
from contracts.warning import (
    ALERT_RAISED,
    HOTLIST_ENTRY_CHANGED,
    Alert,
    AlertRaised,
    AlertStatus,
    HotlistEntry,
    HotlistEntryChanged,
    HotlistEntryCreate,
    HotlistEntryState,
    HotlistReason,
)
from services.warning import store
from services.warning.domain.matching import ListedPlate, match
from services.warning.settings import Settings


def _cursor(raw: str | None) -> tuple[datetime, uuid.UUID] | None:
    if raw is None:
        return None
    try:
        at, alert = raw.split("|", 1)
        return datetime.fromisoformat(at), uuid.UUID(alert)
    except ValueError:
        raise ValidationFailed("invalid cursor") from None


class WarningService(PlatformService):
    name = "warning"
    settings_class = Settings
    retention_classes = (
        DataClass("alerts", store.alerts, "raised_at", "alert_id"),
        # an entry is kept past its expiry only as long as its period says
        DataClass("hotlist_entries", store.hotlist_entries, "expires_at", "entry_id"),
    )

    @rpc
    def add_hotlist_entry(self, entry: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        request = parse(HotlistEntryCreate, entry)
        actor = self.actor
        if not actor.scope:
            raise Forbidden("only an officer with a unit keeps a hotlist")
        with self.db.command("add_hotlist_entry", idempotency_key) as command:
            if command.replayed:
                return dict(command.previous_result)
            row = store.add_entry(
                command.session,
                {
                    "entry_id": uuid.uuid4(),
                    "plate": request.plate,
                    "reason": str(request.reason),
                    "case_id": request.case_id,
                    "expires_at": request.expires_at,
                    "unit_path": actor.scope,
                    "created_by": actor.accountable_officer or actor.id,
                },
            )
            added = HotlistEntry.model_validate(row)
            self.events.stage(
                command.session,
                HOTLIST_ENTRY_CHANGED,
                HotlistEntryChanged(
                    **added.model_dump(exclude={"created_by", "created_at"}),
                    state=HotlistEntryState.ACTIVE,
                    changed_at=added.created_at,
                ),
            )
            return dict(command.record(added.model_dump(mode="json")))

    @rpc
    def list_alerts(self, page: dict[str, Any], status: str | None = None) -> dict[str, Any]:
        request = parse(PageRequest, page)
        wanted = AlertStatus(status) if status else None
        scope = self.actor.scope
        if not scope:
            return {"items": [], "next_cursor": None}
        with self.db.transaction() as session:
            rows = store.alerts_in_scope(
                session, scope, wanted, _cursor(request.cursor), request.limit
            )
        items = [Alert.model_validate(r).model_dump(mode="json") for r in rows]
        cursor = None
        if len(rows) == request.limit:
            cursor = f"{rows[-1]['raised_at'].isoformat()}|{rows[-1]['alert_id']}"
        return {"items": items, "next_cursor": cursor}

    @on_event(SIGHTING_RECORDED)
    def match_sightings(self, event: EventEnvelope) -> None:
        recorded = SightingsRecorded.model_validate(event.payload)
        plates = {s.plate for s in recorded.sightings}
        with self.db.apply_once(event) as session:
            entries = [
                ListedPlate(r.entry_id, r.plate, HotlistReason(r.reason), r.expires_at, r.unit_path)
                for r in store.entries_for_plates(session, plates)
            ]
            matches = match(recorded.sightings, entries)
            new = store.add_alerts(
                session,
                [
                    {
                        "alert_id": m.alert_id,
                        "status": str(m.status),
                        "plate": m.sighting.plate,
                        "entry_id": m.entry.entry_id,
                        "reason": str(m.entry.reason),
                        "sighting_id": m.sighting.sighting_id,
                        "device_id": m.sighting.device_id,
                        "seen_at": m.sighting.seen_at,
                        "unit_path": m.entry.unit_path,
                    }
                    for m in matches
                ],
            )
            for m in matches:
                if m.alert_id in new:
                    self.events.stage(
                        session,
                        ALERT_RAISED,
                        AlertRaised(
                            alert_id=m.alert_id,
                            status=m.status,
                            entry_id=m.entry.entry_id,
                            sighting_id=m.sighting.sighting_id,
                            unit_path=m.entry.unit_path,
                            plate=m.sighting.plate,
                            reason=m.entry.reason,
                            device_id=m.sighting.device_id,
                            seen_at=m.sighting.seen_at,
                        ),
                    )


SERVICE = WarningService
