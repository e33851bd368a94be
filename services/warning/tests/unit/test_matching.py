from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from contracts.sightings import Sighting
from contracts.warning import AlertStatus, HotlistReason
from services.warning.domain.matching import ListedPlate, alert_id, match

NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


def sighting(plate: str, seen_at: datetime = NOW) -> Sighting:
    return Sighting(sighting_id=uuid.uuid4(), plate=plate, device_id="cp-1", seen_at=seen_at)


def listed(plate: str, expires_at: datetime = NOW + timedelta(days=1)) -> ListedPlate:
    return ListedPlate(uuid.uuid4(), plate, HotlistReason.STOLEN_VEHICLE, expires_at, "sz/futian")


def test_a_listed_plate_is_a_possible_match_only() -> None:
    entry = listed("粤T12345")
    seen = sighting("粤T12345")
    (found,) = match([seen, sighting("粤A00001")], [entry])
    assert found.status is AlertStatus.POSSIBLE
    assert found.alert_id == alert_id(entry.entry_id, seen.sighting_id)


def test_an_expired_hotlist_entry_never_alerts() -> None:
    assert match([sighting("粤T12345")], [listed("粤T12345", expires_at=NOW)]) == []
    assert match([sighting("粤T12345")], [listed("粤T12345", expires_at=NOW - timedelta(1))]) == []


def test_one_alert_per_entry_and_sighting_however_often_delivered() -> None:
    entry, seen = listed("粤T12345"), sighting("粤T12345")
    first = match([seen], [entry])
    again = match([seen], [entry])
    assert [m.alert_id for m in first] == [m.alert_id for m in again]


def test_two_entries_for_one_plate_raise_two_alerts() -> None:
    assert len(match([sighting("粤T12345")], [listed("粤T12345"), listed("粤T12345")])) == 2


def test_matching_compares_whole_plates_never_prefixes() -> None:
    assert match([sighting("粤T12346")], [listed("粤T12345")]) == []
    assert match([sighting("粤T1234")], [listed("粤T12345")]) == []
