"""Recording a batch of sightings, whichever door it came through (the HTTP batch, the gRPC
stream, a vendor's payload): validated row by row, the accepted rows announced in one event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from chassis.dependencies import EventStager
from contracts.actor import Actor, ActorKind
from contracts.sightings import SIGHTING_RECORDED, BatchReceipt, SightingsRecorded
from services.prevention import store
from services.prevention.domain.sightings import RecentReads, SightingRules, validate_batch

RULES = SightingRules()
#: this process's memory of recent reads, shared by every door, so a double read split over two
#: batches is one sighting
RECENT_READS = RecentReads()


def record_batch(
    session: Session,
    events: EventStager,
    actor: Actor,
    batch_id: str,
    rows: list[dict[str, Any]],
    now: datetime,
) -> BatchReceipt:
    """Validate rows one by one and announce the accepted ones in one event (inside the
    caller's idempotent command: the caller records the receipt)."""
    reporting = actor.id if actor.kind is ActorKind.DEVICE else None
    named = {r.get("device_id", reporting) for r in rows if isinstance(r, dict)}
    facts = store.device_facts(session, {d for d in named if isinstance(d, str)})
    validated = validate_batch(
        rows, facts, now, RULES, reporting_device=reporting, recent=RECENT_READS
    )
    event_id = None
    if validated.accepted:
        envelope = events.stage(
            session,
            SIGHTING_RECORDED,
            SightingsRecorded(batch_id=batch_id, unit=actor.unit, sightings=validated.accepted),
        )
        event_id = str(envelope.event_id)
    return BatchReceipt(
        batch_id=batch_id,
        accepted=len(validated.accepted),
        duplicates=validated.duplicates,
        rejected=validated.rejected,
        event_id=event_id,
        replayed=False,
    )
