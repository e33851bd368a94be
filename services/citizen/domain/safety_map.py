"""The safety map's rules: opening hours (defaults per kind of place, open at a local moment)
and places dressed as GeoJSON features, nearest first."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from contracts.places import Place
from contracts.safety_map import (
    SAFETY_MAP_KINDS,
    SAFETY_MAP_TIME_ZONE,
    HoursSource,
    OpeningHours,
    OpeningPeriod,
    PointGeometry,
    SafetyMap,
    SafetyMapKind,
    SafetyPlaceFeature,
    SafetyPlaceProperties,
)

ZONE = ZoneInfo(SAFETY_MAP_TIME_ZONE)
EVERY_DAY = [1, 2, 3, 4, 5, 6, 7]
WEEKDAYS = [1, 2, 3, 4, 5]

#: what a place shows until an administrator sets its own hours
DEFAULT_HOURS: dict[SafetyMapKind, OpeningHours] = {
    SafetyMapKind.POLICE_STATION: OpeningHours(always_open=True, note="24 小时接警"),
    SafetyMapKind.SELF_SERVICE_HALL: OpeningHours(always_open=True, note="24 小时自助办证"),
    SafetyMapKind.PAWNSHOP: OpeningHours(
        periods=[OpeningPeriod(days=EVERY_DAY, opens="09:00", closes="18:00")]
    ),
    SafetyMapKind.LOCKSMITH: OpeningHours(
        periods=[OpeningPeriod(days=EVERY_DAY, opens="08:00", closes="22:00")]
    ),
    SafetyMapKind.SEAL_ENGRAVER: OpeningHours(
        periods=[
            OpeningPeriod(days=WEEKDAYS, opens="09:00", closes="18:00"),
            OpeningPeriod(days=[6], opens="09:00", closes="12:00"),
        ]
    ),
}


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def is_open(hours: OpeningHours, moment: datetime) -> bool:
    """Whether a place with these hours is open at `moment` (any aware datetime), reckoned in
    the map's local time. A period whose closing time is at or before its opening time runs
    past midnight: its night belongs to the day it opened."""
    if moment.tzinfo is None:
        raise ValueError("a naive datetime has no local time")
    if hours.always_open:
        return True
    local = moment.astimezone(ZONE)
    now = local.hour * 60 + local.minute
    today = local.isoweekday()
    yesterday = (local - timedelta(days=1)).isoweekday()
    for period in hours.periods:
        opens, closes = _minutes(period.opens), _minutes(period.closes)
        if opens < closes:
            if today in period.days and opens <= now < closes:
                return True
        else:  # overnight
            if today in period.days and now >= opens:
                return True
            if yesterday in period.days and now < closes:
                return True
    return False


def hours_for(
    place: Place, configured: Mapping[str, OpeningHours]
) -> tuple[OpeningHours, HoursSource]:
    own = configured.get(place.place_id)
    if own is not None:
        return own, HoursSource.PLACE
    return DEFAULT_HOURS[SafetyMapKind(place.kind)], HoursSource.KIND_DEFAULT


def safety_map(
    places: Sequence[Place],
    configured: Mapping[str, OpeningHours],
    moment: datetime,
    *,
    open_now: bool | None,
    limit: int,
) -> SafetyMap:
    """The places (nearest first, as found) as map features with their hours; only those open
    (or closed) at `moment` when `open_now` says so; at most `limit`. Kinds the public map does
    not show are left out."""
    features: list[SafetyPlaceFeature] = []
    for place in places:
        if place.kind not in SAFETY_MAP_KINDS or place.distance_m is None:
            continue
        hours, source = hours_for(place, configured)
        opened = is_open(hours, moment)
        if open_now is not None and opened != open_now:
            continue
        features.append(
            SafetyPlaceFeature(
                id=place.place_id,
                geometry=PointGeometry.of(place.location),
                properties=SafetyPlaceProperties(
                    place_id=place.place_id,
                    name=place.name,
                    kind=SafetyMapKind(place.kind),
                    address=place.address,
                    phone=place.phone,
                    distance_m=place.distance_m,
                    opening_hours=hours,
                    hours_source=source,
                    open_now=opened,
                ),
            )
        )
        if len(features) == limit:
            break
    return SafetyMap(features=features, generated_at=moment)
