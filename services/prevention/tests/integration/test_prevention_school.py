"""School pickup over RPC with a real broker and database: a gate releases a child only to an
authorised, confidently matched person during dismissal, once; everything else is held for
staff and alerts them; an expired or used delegation is refused; the custody log keeps every
event and decision in order and cannot be rewritten; the school's report counts them."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from nameko.exceptions import RemoteError
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError

from chassis.tables import outbox
from contracts.actor import Actor, ActorKind
from contracts.notifications import notification_requested
from contracts.school_pickup import CUSTODY_RECORDED
from services.prevention import school_entrypoints

SCHOOL = "ft-xiangmi-primary"
DISMISSAL = datetime(2026, 11, 30, 8, 30, tzinfo=UTC)  # 16:30 in Shenzhen
DAY = "2026-11-30"
STAFF_PHONES = ("13900139001", "13900139002")
MOTHER_PHONE, FATHER_PHONE = "13800138001", "13800138002"

OFFICER = Actor(
    kind=ActorKind.OFFICER, id="o-futian", unit="futian-1", scope="sz/futian", roles=("officer",)
)
OTHER_BRANCH = Actor(
    kind=ActorKind.OFFICER, id="o-nanshan", unit="nanshan-1", scope="sz/nanshan", roles=("officer",)
)
GATE = Actor(kind=ActorKind.DEVICE, id="gate-xiangmi-1", unit="futian-1")
STRANGE_GATE = Actor(kind=ActorKind.DEVICE, id="gate-elsewhere", unit="futian-1")


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    """The service's clock, set by the test (the container runs in this process)."""
    fixed = Clock(DISMISSAL - timedelta(hours=2))
    monkeypatch.setattr(school_entrypoints, "now", fixed)
    yield fixed


def gate(device_id: str) -> dict[str, Any]:
    return {
        "device_id": device_id,
        "kind": "gate",
        "name": f"school gate {device_id}",
        "unit_id": "futian-1",
        "location": {"lat": 22.54, "lon": 114.05},
    }


@pytest.fixture
def school(call: Callable[..., Any], clock: Clock) -> Any:
    """A school with one class, a child, two guardians on the list and a dismissal session."""
    officer = call(OFFICER)
    for device_id in ("gate-xiangmi-1", "gate-elsewhere"):
        officer.register_device(gate(device_id))
    officer.create_school(
        {
            "school_id": SCHOOL,
            "name": "香蜜湖小学",
            "gate_device_ids": ["gate-xiangmi-1"],
            "staff_contacts": [
                {"name": "王老师", "phone": STAFF_PHONES[0]},
                {"name": "赵老师", "phone": STAFF_PHONES[1]},
            ],
        }
    )
    officer.add_school_class(SCHOOL, {"class_id": "3-2", "name": "三年级二班"})
    officer.add_school_student(
        SCHOOL, {"student_id": "s-1", "name": "李小明", "class_id": "3-2", "person_ref": "p-kid"}
    )
    for guardian_id, phone in (("g-mother", MOTHER_PHONE), ("g-father", FATHER_PHONE)):
        officer.add_school_guardian(
            SCHOOL,
            {
                "guardian_id": guardian_id,
                "name": guardian_id,
                "phone": phone,
                "person_ref": f"p-{guardian_id[2:]}",
            },
        )
        officer.authorise_pickup(
            SCHOOL,
            "s-1",
            {"guardian_id": guardian_id, "valid_from": "2026-09-01T00:00:00+08:00"},
        )
    for day in (0, 1):
        starts = DISMISSAL + timedelta(days=day)
        officer.add_dismissal_session(
            SCHOOL,
            {
                "class_id": "3-2",
                "starts_at": starts.isoformat(),
                "ends_at": (starts + timedelta(hours=1)).isoformat(),
            },
        )
    return officer


def event(event_id: str, person_ref: str, confidence: float, at: datetime) -> dict[str, Any]:
    return {
        "gate_event_id": event_id,
        "student_ref": "p-kid",
        "person_ref": person_ref,
        "confidence": confidence,
        "seen_at": at.isoformat(),
    }


def at_gate(call: Callable[..., Any], clock: Clock, payload: dict[str, Any]) -> Any:
    clock.at = datetime.fromisoformat(payload["seen_at"]) + timedelta(seconds=2)
    return call(GATE).record_pickup_gate_event(SCHOOL, payload)


def staged(engine: Engine, event_type: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(outbox.c.envelope).where(outbox.c.type == event_type).order_by(outbox.c.id)
        ).scalars()
        return [orjson.loads(r)["payload"] for r in rows]


def log(proxy: Any, day: str = DAY) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = proxy.student_custody_log(SCHOOL, "s-1", {"day": day})["items"]
    return entries


def test_an_authorised_guardian_in_session_releases_once_and_the_guardians_are_told(
    call: Callable[..., Any], school: Any, clock: Clock, prevention_db: Engine
) -> None:
    first = event("e-1", "p-mother", 0.97, DISMISSAL + timedelta(minutes=5))
    released = at_gate(call, clock, first)
    assert released["released"] is True and released["reasons"] == []
    assert released["entry"]["released_to_kind"] == "guardian"
    assert released["entry"]["released_to_id"] == "g-mother"
    # the terminal retries: the same decision, not a second line
    again = at_gate(call, clock, first)
    assert again["replayed"] is True and again["entry"] == released["entry"]

    # the child has gone: the father at another moment is held, and staff hear of it
    second = at_gate(call, clock, event("e-2", "p-father", 0.99, DISMISSAL + timedelta(minutes=9)))
    assert second["released"] is False and second["reasons"] == ["already_released"]

    notes = staged(prevention_db, notification_requested("prevention"))
    told = sorted(n["phone"] for n in notes if n["category"] == "school_pickup")
    assert told == sorted([MOTHER_PHONE, FATHER_PHONE])
    alerted = sorted(n["phone"] for n in notes if n["category"] == "school_pickup_hold")
    assert alerted == sorted(STAFF_PHONES)
    recorded = staged(prevention_db, CUSTODY_RECORDED)
    assert [(r["seq"], r["kind"]) for r in recorded] == [(1, "released"), (2, "held")]
    assert all("phone" not in r and "name" not in r for r in recorded)
    assert [e["kind"] for e in log(school)] == ["released", "held"]


def test_an_unauthorised_person_or_a_low_confidence_is_held_and_staff_decide(
    call: Callable[..., Any], school: Any, clock: Clock, prevention_db: Engine
) -> None:
    stranger = at_gate(
        call, clock, event("e-1", "p-stranger", 0.999, DISMISSAL + timedelta(minutes=1))
    )
    assert stranger["released"] is False and stranger["reasons"] == ["not_authorised"]
    unsure = at_gate(call, clock, event("e-2", "p-mother", 0.80, DISMISSAL + timedelta(minutes=2)))
    assert unsure["released"] is False and unsure["reasons"] == ["low_confidence"]
    early = at_gate(call, clock, event("e-3", "p-mother", 0.99, DISMISSAL - timedelta(minutes=20)))
    assert early["released"] is False and early["reasons"] == ["outside_session"]
    alerts = staged(prevention_db, notification_requested("prevention"))
    assert [n["category"] for n in alerts] == ["school_pickup_hold"] * 6  # 3 holds, 2 staff

    holds = school.list_pickup_holds(SCHOOL, {"day": DAY})["items"]
    assert len(holds) == 3
    # staff checked the mother at the gate in person
    clock.at = DISMISSAL + timedelta(minutes=6)
    manual = school.resolve_pickup_hold(
        SCHOOL, unsure["entry"]["entry_id"], {"resolution": "release", "note": "班主任当面确认"}
    )
    assert manual["kind"] == "manually_released" and manual["decided_by"] == "o-futian"
    assert manual["resolves_entry_id"] == unsure["entry"]["entry_id"]
    with pytest.raises(RemoteError) as twice:
        school.resolve_pickup_hold(
            SCHOOL, unsure["entry"]["entry_id"], {"resolution": "refuse", "note": "重复处理"}
        )
    assert twice.value.exc_type == "Conflict"
    with pytest.raises(RemoteError) as gone:  # the child left with the mother
        school.resolve_pickup_hold(
            SCHOOL, stranger["entry"]["entry_id"], {"resolution": "release", "note": "核对"}
        )
    assert gone.value.exc_type == "Conflict"
    refused = school.resolve_pickup_hold(
        SCHOOL, stranger["entry"]["entry_id"], {"resolution": "refuse", "note": "不认识此人"}
    )
    assert refused["kind"] == "refused" and refused["released_to_id"] is None

    entries = log(school)
    assert [(e["seq"], e["kind"]) for e in entries] == [
        (1, "held"),
        (2, "held"),
        (3, "held"),
        (4, "manually_released"),
        (5, "refused"),
    ]
    assert school.list_pickup_holds(SCHOOL, {"day": DAY})["items"] == [early["entry"]]
    report = school.pickup_report(SCHOOL, {"first_day": DAY, "last_day": "2026-12-01"})
    assert report["totals"] == {
        "pickups": 1,
        "gate_releases": 0,
        "manual_verifications": 1,
        "refusals": 1,
        "holds": 3,
    }
    assert [d["day"] for d in report["days"]] == [DAY]

    # the log is append-only, whoever asks
    with prevention_db.connect() as conn, pytest.raises(DBAPIError):
        conn.execute(text("UPDATE school_custody SET kind = 'released'"))
    with prevention_db.connect() as conn, pytest.raises(DBAPIError):
        conn.execute(text("DELETE FROM school_custody"))
    assert len(log(school)) == 5


def test_an_expired_delegation_is_refused_and_a_delegation_is_used_once(
    call: Callable[..., Any], school: Any, clock: Clock
) -> None:
    clock.at = DISMISSAL - timedelta(hours=3)
    short = school.delegate_pickup(
        SCHOOL,
        "s-1",
        {
            "guardian_id": "g-mother",
            "delegate_name": "张阿姨",
            "delegate_person_ref": "p-neighbour",
            "valid_from": (DISMISSAL - timedelta(hours=3)).isoformat(),
            "valid_until": (DISMISSAL - timedelta(hours=1)).isoformat(),
        },
    )
    assert short["used_at"] is None
    expired = at_gate(
        call, clock, event("e-1", "p-neighbour", 0.99, DISMISSAL + timedelta(minutes=5))
    )
    assert expired["released"] is False and expired["reasons"] == ["expired_delegation"]

    clock.at = DISMISSAL - timedelta(minutes=20)
    whole_day = {
        "guardian_id": "g-mother",
        "delegate_name": "刘叔叔",
        "delegate_person_ref": "p-friend",
        "valid_from": (DISMISSAL - timedelta(minutes=10)).isoformat(),
        "valid_until": (DISMISSAL + timedelta(hours=23, minutes=50)).isoformat(),
    }
    school.delegate_pickup(SCHOOL, "s-1", whole_day)
    taken = at_gate(call, clock, event("e-2", "p-friend", 0.95, DISMISSAL + timedelta(minutes=7)))
    assert taken["released"] is True and taken["entry"]["released_to_kind"] == "delegate"
    # the next day, within the window, the same delegation is spent
    tomorrow = DISMISSAL + timedelta(days=1, minutes=-20)
    school.add_dismissal_session(
        SCHOOL,
        {
            "class_id": "3-2",
            "starts_at": (tomorrow - timedelta(minutes=10)).isoformat(),
            "ends_at": (tomorrow + timedelta(minutes=5)).isoformat(),
        },
    )
    reused = at_gate(call, clock, event("e-3", "p-friend", 0.99, tomorrow))
    assert reused["released"] is False and reused["reasons"] == ["delegation_used"]

    # a guardian no longer on the list delegates nothing
    authorisations = school.list_pickup_authorisations(SCHOOL, "s-1")
    father = next(a for a in authorisations if a["guardian_id"] == "g-father")
    school.revoke_pickup_authorisation(SCHOOL, father["authorisation_id"])
    with pytest.raises(RemoteError) as revoked:
        school.delegate_pickup(SCHOOL, "s-1", {**whole_day, "guardian_id": "g-father"})
    assert revoked.value.exc_type == "ValidationFailed"
    father_now = at_gate(call, clock, event("e-4", "p-father", 0.99, tomorrow))
    assert father_now["reasons"] == ["not_authorised"]


def test_only_the_schools_own_gates_decide_and_only_its_unit_sees_it(
    call: Callable[..., Any], school: Any, clock: Clock
) -> None:
    clock.at = DISMISSAL + timedelta(minutes=5)
    payload = event(str(uuid.uuid4()), "p-mother", 0.99, DISMISSAL + timedelta(minutes=4))
    for actor in (STRANGE_GATE, OFFICER):
        with pytest.raises(RemoteError) as refused:
            call(actor).record_pickup_gate_event(SCHOOL, payload)
        assert refused.value.exc_type == "Forbidden"
    with pytest.raises(RemoteError) as unknown_child:
        call(GATE).record_pickup_gate_event(SCHOOL, {**payload, "student_ref": "p-nobody"})
    assert unknown_child.value.exc_type == "NotFound"
    with pytest.raises(RemoteError) as future:
        call(GATE).record_pickup_gate_event(
            SCHOOL, {**payload, "seen_at": (clock.at + timedelta(minutes=5)).isoformat()}
        )
    assert future.value.exc_type == "ValidationFailed"
    assert log(school) == []

    outsider = call(OTHER_BRANCH)
    for read in (
        lambda: outsider.get_school(SCHOOL),
        lambda: outsider.student_custody_log(SCHOOL, "s-1", {"day": DAY}),
        lambda: outsider.pickup_report(SCHOOL, {"first_day": DAY, "last_day": DAY}),
    ):
        with pytest.raises(RemoteError) as hidden:
            read()
        assert hidden.value.exc_type == "NotFound"
    assert outsider.list_schools({})["items"] == []
    assert [s["school_id"] for s in school.list_schools({})["items"]] == [SCHOOL]
    with pytest.raises(RemoteError) as elsewhere:
        school.create_school(
            {
                "school_id": "ns-school",
                "name": "南山小学",
                "unit_path": "sz/nanshan",
                "gate_device_ids": ["gate-elsewhere"],
                "staff_contacts": [{"name": "王老师", "phone": STAFF_PHONES[0]}],
            }
        )
    assert elsewhere.value.exc_type == "Forbidden"
