"""Performance statistics equal a hand computation on a constructed month."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from chassis.outbox import build_envelope
from chassis.testing.polling import eventually
from chassis.testing.publish import publish_envelopes
from contracts.actor import SYSTEM_ACTOR, Actor, ActorKind
from contracts.cases import CASE_CHANGED, CaseChanged, CaseStatus
from contracts.envelope import EventEnvelope
from contracts.incidents import INCIDENTS_RECORDED, Incident, IncidentsRecorded
from contracts.statistics import Performance, as_csv
from contracts.values import GeoPoint

SHANGHAI = timezone(timedelta(hours=8))
CITY = Actor(kind=ActorKind.OFFICER, id="o-an", unit="sz", scope="sz", roles=("analyst",))
FUTIAN = "sz/futian/futian-1"
NANSHAN = "sz/nanshan/nanshan-1"


def incidents(unit_path: str, first_day: datetime, count: int) -> EventEnvelope:
    branch, station = unit_path.split("/")[1:]
    return build_envelope(
        event_type=INCIDENTS_RECORDED,
        payload=IncidentsRecorded(
            incidents=[
                Incident(
                    incident_id=uuid.uuid4(),
                    reported_at=first_day + timedelta(days=n % 28, hours=n % 24),
                    location=GeoPoint(lat=22.54, lon=114.05),
                    category="theft",
                    unit_path=unit_path,
                    district=branch,
                    station=station,
                    cell=1,
                )
                for n in range(count)
            ]
        ),
        producer="data",
        actor=SYSTEM_ACTOR,
        traceparent=None,
    )


def case(case_id: str, status: CaseStatus, at: datetime, unit_path: str = FUTIAN) -> EventEnvelope:
    return build_envelope(
        event_type=CASE_CHANGED,
        payload=CaseChanged(
            case_id=case_id,
            title=case_id,
            status=status,
            unit_path=unit_path,
            plates=[],
            changed_at=at,
        ),
        producer="investigation",
        actor=SYSTEM_ACTOR,
        traceparent=None,
    )


def test_a_constructed_month_against_a_hand_computation(
    call: Any, platform_config: dict[str, Any]
) -> None:
    proxy = call()
    proxy.create_unit({"id": "sz", "name": "City", "level": "city"})
    for branch in ("futian", "nanshan"):
        proxy.create_unit({"id": branch, "name": branch, "level": "branch", "parent_id": "sz"})
        proxy.create_unit(
            {"id": f"{branch}-1", "name": branch, "level": "station", "parent_id": branch}
        )
    october = datetime(2026, 10, 1, tzinfo=SHANGHAI)
    september = datetime(2026, 9, 1, tzinfo=SHANGHAI)
    october_last_year = datetime(2025, 10, 1, tzinfo=SHANGHAI)
    solved_in_october = october + timedelta(days=10)
    events = [
        incidents(FUTIAN, october, 10),
        incidents(NANSHAN, october, 4),
        incidents(FUTIAN, september, 8),
        incidents(FUTIAN, october_last_year, 5),
        # 00:30 on 1 November in Shenzhen is still 31 October in UTC: it counts for November
        incidents(FUTIAN, datetime(2026, 11, 1, 0, 30, tzinfo=SHANGHAI), 1),
        case("c-1", CaseStatus.SOLVED, solved_in_october),
        case("c-2", CaseStatus.SOLVED, solved_in_october + timedelta(days=1)),
        case("c-3", CaseStatus.SOLVED, solved_in_october + timedelta(days=2)),
        case("c-4", CaseStatus.SOLVED, september + timedelta(days=3)),
        case("c-5", CaseStatus.ACTIVE, solved_in_october),  # not solved: not counted
        # an older state of c-1 arriving late changes nothing
        case("c-1", CaseStatus.ACTIVE, solved_in_october - timedelta(days=5)),
    ]
    publish_envelopes(platform_config["AMQP_URI"], *events)

    city = call(CITY)

    def report() -> dict[str, Any] | None:
        found: dict[str, Any] = city.performance("futian", "month", "2026-10-01")
        return found if found["unit"]["incidents"] == 10 and found["unit"]["solved"] == 3 else None

    futian = eventually(report, timeout=15, what="every event counted")["unit"]
    assert futian == {
        "unit_id": "futian",
        "unit_path": "sz/futian",
        "incidents": 10,
        "solved": 3,
        "solve_rate": 0.3,
        "response_median_s": None,
        "incidents_vs_previous_pct": 25.0,  # 10 against 8
        "incidents_vs_last_year_pct": 100.0,  # 10 against 5
        "solved_vs_previous_pct": 200.0,  # 3 against 1
        "solved_vs_last_year_pct": None,  # nothing solved then: no ratio
        "solve_rate_vs_previous_pts": 17.5,  # 30% against 12.5%
        "solve_rate_vs_last_year_pts": 30.0,  # 30% against 0%
    }
    whole = city.performance("sz", "month", "2026-10-01")
    assert (whole["unit"]["incidents"], whole["unit"]["solved"]) == (14, 3)
    assert [(c["unit_id"], c["incidents"]) for c in whole["children"]] == [
        ("futian", 10),
        ("nanshan", 4),
    ]
    november = city.performance("futian", "month", "2026-11-01")
    assert november["unit"]["incidents"] == 1
    lines = as_csv(Performance.model_validate(whole)).splitlines()
    assert lines[0].startswith("period,first,end,unit_id,unit_path,incidents,solved")
    assert lines[1].startswith("month,2026-10-01,2026-11-01,sz,sz,14,3,")
    assert len(lines) == 4
