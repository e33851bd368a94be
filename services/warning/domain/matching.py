"""Hotlist matching: a sighting of a listed plate is a *possible* match, never a confirmed one.

An officer confirms (or dismisses) a possible match; nothing is dispatched before that. An entry
that had expired when the plate was seen never alerts.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from contracts.sightings import Sighting
from contracts.warning import AlertStatus, HotlistReason

ALERT_NAMESPACE = uuid.UUID("0f3b9c1e-7d0a-4c2b-8e55-2a6c4d9e1f70")


@dataclass(frozen=True)
class ListedPlate:
    entry_id: uuid.UUID
    plate: str
    reason: HotlistReason
    expires_at: datetime
    unit_path: str


@dataclass(frozen=True)
class PossibleMatch:
    alert_id: uuid.UUID
    status: AlertStatus
    entry: ListedPlate
    sighting: Sighting


def alert_id(entry_id: uuid.UUID, sighting_id: uuid.UUID) -> uuid.UUID:
    """One alert per (entry, sighting), however often the sighting is delivered."""
    return uuid.uuid5(ALERT_NAMESPACE, f"{entry_id}|{sighting_id}")


def match(sightings: Iterable[Sighting], entries: Iterable[ListedPlate]) -> list[PossibleMatch]:
    by_plate: dict[str, list[ListedPlate]] = {}
    for entry in entries:
        by_plate.setdefault(entry.plate, []).append(entry)
    matches = []
    for sighting in sightings:
        for entry in by_plate.get(sighting.plate, ()):
            if sighting.seen_at < entry.expires_at:
                matches.append(
                    PossibleMatch(
                        alert_id(entry.entry_id, sighting.sighting_id),
                        AlertStatus.POSSIBLE,
                        entry,
                        sighting,
                    )
                )
    return matches
