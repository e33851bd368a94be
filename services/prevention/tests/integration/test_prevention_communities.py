"""Smart communities over RPC with a real broker and database: communities and gates, residents
within an officer's scope, consent decided by the right people only, withdrawal deleting the
enrolment and commanding the gates, access events refused for the withdrawn, the snapshot sent
only to those entitled, and snapshots expiring by retention."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
import pytest
from nameko.exceptions import RemoteError
from sqlalchemy import Engine, text

from chassis import retention
from contracts.actor import Actor, ActorKind, Purpose
from contracts.communities import (
    ACCESS_RECORDED,
    FACE_ENROLMENT_GRANTED,
    FACE_ENROLMENT_WITHDRAWN,
)
from contracts.notifications import notification_requested
from services.prevention import communities_store

ADMIN = Actor(kind=ActorKind.OFFICER, id="o-admin", unit="sz", scope="sz", roles=("admin",))
OFFICER = Actor(
    kind=ActorKind.OFFICER,
    id="o-futian",
    unit="futian-1",
    scope="sz/futian",
    roles=("officer",),
    purpose=Purpose.PATROL_AND_PREVENTION,
)
NANSHAN_OFFICER = OFFICER.model_copy(
    update={"id": "o-nanshan", "unit": "nanshan-1", "scope": "sz/nanshan"}
)
NOTIFICATION_REQUESTED = notification_requested("prevention")


def citizen() -> Actor:
    return Actor(kind=ActorKind.CITIZEN, id=f"c-{secrets.token_hex(8)}", roles=("citizen",))


def phone() -> str:
    return f"139{secrets.randbelow(10**8):08d}"


def born(years_ago: int) -> str:
    today = datetime.now(UTC).date()
    return date(today.year - years_ago, 1, 1).isoformat()


def refusal(action: Callable[[], Any]) -> RemoteError:
    with pytest.raises(RemoteError) as refused:
        action()
    return refused.value


def payloads(db: Engine, event_type: str) -> list[dict[str, Any]]:
    with db.connect() as conn:
        envelopes = conn.execute(
            text("SELECT envelope FROM outbox WHERE type = :type ORDER BY id"),
            {"type": event_type},
        ).scalars()
        return [orjson.loads(e)["payload"] for e in envelopes]


class Community:
    """A community in Futian with one gate, a family (a parent with an account, a child, a
    guardian outside the community) and a neighbour with an account."""

    def __init__(self, call: Callable[..., Any]) -> None:
        self.id = f"garden-{secrets.token_hex(4)}"
        self.gate = Actor(kind=ActorKind.DEVICE, id=f"gate-{secrets.token_hex(4)}", unit="futian-1")
        admin, officer = call(ADMIN), call(OFFICER)
        admin.register_device(
            {
                "device_id": self.gate.id,
                "kind": "gate",
                "name": "东门人脸门禁",
                "unit_id": "futian-1",
                "location": {"lat": 22.54, "lon": 114.05},
            }
        )
        admin.create_community(
            {
                "community_id": self.id,
                "name": "香蜜湖花园",
                "unit_path": "sz/futian/futian-1",
                "address": "深圳市福田区香蜜湖路 1 号",
                "place_id": "poi-futian-home-001",
            }
        )
        admin.assign_community_gates(self.id, {"gate_ids": [self.gate.id]})
        household = officer.create_household(self.id, {"unit_room": "3栋2单元1201"})
        self.parent, self.neighbour, self.grandma = citizen(), citizen(), citizen()
        self.parent_phone, self.grandma_phone = phone(), phone()
        self.adult = officer.register_resident(
            self.id,
            {
                "household_id": household["household_id"],
                "name": "王芳",
                "birth_date": born(40),
                "phone": self.parent_phone,
                "citizen_id": self.parent.id,
            },
        )
        self.child_account = citizen()
        self.child = officer.register_resident(
            self.id,
            {
                "household_id": household["household_id"],
                "name": "王小明",
                "birth_date": born(10),
                "citizen_id": self.child_account.id,
            },
        )
        officer.add_guardian(self.child["resident_id"], {"resident_id": self.adult["resident_id"]})
        officer.add_guardian(
            self.child["resident_id"],
            {"name": "李秀英", "phone": self.grandma_phone, "citizen_id": self.grandma.id},
        )
        other = officer.create_household(self.id, {"unit_room": "5栋1单元0101"})
        self.other_adult = officer.register_resident(
            self.id,
            {
                "household_id": other["household_id"],
                "name": "赵敏",
                "birth_date": born(35),
                "citizen_id": self.neighbour.id,
            },
        )

    def passage(self, resident: dict[str, Any], **more: Any) -> dict[str, Any]:
        return {
            "gate_event_id": f"{self.gate.id}:{uuid.uuid4().hex[:12]}",
            "gate_id": self.gate.id,
            "resident_ref": resident["resident_ref"],
            "direction": "out",
            "occurred_at": datetime.now(UTC).isoformat(),
            "snapshot_ref": f"snapshots/{self.gate.id}/{uuid.uuid4().hex}.jpg",
        } | more


@pytest.fixture
def community(call: Callable[..., Any]) -> Community:
    return Community(call)


def test_withdrawal_deletes_the_enrolment_commands_the_gates_and_refuses_later_passages(
    call: Callable[..., Any], prevention_db: Engine, community: Community
) -> None:
    child_id = community.child["resident_id"]
    granted = call(community.grandma).grant_face_consent(child_id)
    assert granted["enrolled"] and granted["changed"] and granted["decided_as"] == "guardian"
    [command] = payloads(prevention_db, FACE_ENROLMENT_GRANTED)
    assert command["gate_ids"] == [community.gate.id]
    assert command["resident_ref"] == community.child["resident_ref"]

    gate = call(community.gate)
    receipt = gate.record_access_event(community.id, community.passage(community.child))
    assert receipt["notified"] == 2 and not receipt["replayed"]

    withdrawn = call(community.parent).withdraw_face_consent(child_id)
    assert not withdrawn["enrolled"] and withdrawn["changed"]
    with prevention_db.connect() as conn:
        enrolments = conn.execute(
            text("SELECT count(*) FROM community_face_enrolments WHERE resident_id = :id"),
            {"id": child_id},
        ).scalar()
    assert enrolments == 0
    [delete] = payloads(prevention_db, FACE_ENROLMENT_WITHDRAWN)
    assert delete == {
        "consent_id": delete["consent_id"],
        "community_id": community.id,
        "resident_ref": community.child["resident_ref"],
        "gate_ids": [community.gate.id],
        "decided_at": delete["decided_at"],
    }
    assert "national" not in orjson.dumps(delete).decode()

    # the history keeps who decided what, and when
    history = call(OFFICER).consent_history(child_id, {"limit": 10})["items"]
    assert [(h["decision"], h["decided_by"]) for h in history] == [
        ("withdrawn", community.parent.id),
        ("granted", community.grandma.id),
    ]

    refused = refusal(
        lambda: gate.record_access_event(community.id, community.passage(community.child))
    )
    assert refused.exc_type == "Conflict" and "withdrew consent" in str(refused.value)
    assert len(payloads(prevention_db, ACCESS_RECORDED)) == 1

    # withdrawing again is harmless: nothing new recorded or sent
    again = call(community.parent).withdraw_face_consent(child_id)
    assert not again["changed"]
    assert len(payloads(prevention_db, FACE_ENROLMENT_WITHDRAWN)) == 1


def test_only_the_adult_or_a_childs_guardian_decides_consent(
    call: Callable[..., Any], community: Community
) -> None:
    child_id, adult_id = community.child["resident_id"], community.adult["resident_id"]
    cases = [
        (community.child_account, child_id, "guardian's consent"),
        (community.neighbour, child_id, "guardians decides"),
        (community.neighbour, adult_id, "themselves"),
        (community.grandma, adult_id, "themselves"),
    ]
    for who, resident_id, reason in cases:
        refused = refusal(lambda: call(who).grant_face_consent(resident_id))  # noqa: B023
        assert refused.exc_type == "Forbidden" and reason in str(refused.value), who
    refused = refusal(lambda: call(OFFICER).grant_face_consent(child_id))
    assert refused.exc_type == "Forbidden" and "citizen account" in str(refused.value)

    assert call(community.parent).grant_face_consent(adult_id)["decided_as"] == "self"
    refused = refusal(lambda: call(community.neighbour).withdraw_face_consent(adult_id))
    assert refused.exc_type == "Forbidden"
    assert call(OFFICER).get_resident(adult_id)["enrolled"] is True


def test_the_snapshot_goes_to_a_childs_guardians_and_an_opted_in_adults_contacts_only(
    call: Callable[..., Any], prevention_db: Engine, community: Community
) -> None:
    adult_id = community.other_adult["resident_id"]
    call(community.neighbour).grant_face_consent(adult_id)
    call(community.grandma).grant_face_consent(community.child["resident_id"])
    gate = call(community.gate)

    child_passage = community.passage(community.child)
    assert gate.record_access_event(community.id, child_passage)["notified"] == 2
    messages = payloads(prevention_db, NOTIFICATION_REQUESTED)
    assert sorted(m["phone"] for m in messages) == sorted(
        [community.parent_phone, community.grandma_phone]
    )
    assert all(child_passage["snapshot_ref"] in m["body"] for m in messages)
    assert {m["category"] for m in messages} == {"community_access"}

    # an adult who did not opt in: nobody is told, not the household, not anyone
    assert (
        gate.record_access_event(community.id, community.passage(community.other_adult))["notified"]
        == 0
    )
    assert len(payloads(prevention_db, NOTIFICATION_REQUESTED)) == 2

    # only the adult themselves opts in
    contact = phone()
    choice = {"opted_in": True, "contacts": [{"name": "朋友", "phone": contact}]}
    for stranger in (community.parent, OFFICER):
        refused = refusal(
            lambda: call(stranger).choose_access_notifications(adult_id, choice)  # noqa: B023
        )
        assert refused.exc_type == "Forbidden"
    refused = refusal(
        lambda: call(community.parent).choose_access_notifications(
            community.child["resident_id"], choice
        )
    )
    assert refused.exc_type == "Forbidden" and "guardians only" in str(refused.value)

    chosen = call(community.neighbour).choose_access_notifications(adult_id, choice)
    assert chosen["opted_in"] and chosen["contacts"] == [f"{contact[:3]}****{contact[-4:]}"]
    assert (
        gate.record_access_event(community.id, community.passage(community.other_adult))["notified"]
        == 1
    )
    assert payloads(prevention_db, NOTIFICATION_REQUESTED)[-1]["phone"] == contact

    # opting out stops the messages at once
    call(community.neighbour).choose_access_notifications(
        adult_id, {"opted_in": False, "contacts": []}
    )
    assert (
        gate.record_access_event(community.id, community.passage(community.other_adult))["notified"]
        == 0
    )
    assert len(payloads(prevention_db, NOTIFICATION_REQUESTED)) == 3


def test_a_gates_report_is_idempotent_and_checked(
    call: Callable[..., Any], prevention_db: Engine, community: Community
) -> None:
    call(community.parent).grant_face_consent(community.adult["resident_id"])
    gate = call(community.gate)
    passage = community.passage(community.adult)
    first = gate.record_access_event(community.id, passage)
    again = gate.record_access_event(community.id, passage)
    assert again == {**first, "replayed": True}
    [recorded] = payloads(prevention_db, ACCESS_RECORDED)
    assert recorded["event_id"] == first["event_id"]
    assert recorded["has_snapshot"] is True and "snapshot_ref" not in recorded

    unknown = community.passage({"resident_ref": "r-0000000000000000"})
    refused = refusal(lambda: gate.record_access_event(community.id, unknown))
    assert refused.exc_type == "Conflict" and "unknown resident" in str(refused.value)
    never = refusal(
        lambda: gate.record_access_event(community.id, community.passage(community.child))
    )
    assert never.exc_type == "Conflict" and "not enrolled" in str(never.value)

    future = datetime.now(UTC) + timedelta(minutes=10)
    late = refusal(
        lambda: gate.record_access_event(
            community.id, community.passage(community.adult, occurred_at=future.isoformat())
        )
    )
    assert late.exc_type == "ValidationFailed" and "future" in str(late.value)

    # a gate speaks for itself, for its own community, and officers do not report passages
    other = Actor(kind=ActorKind.DEVICE, id="gate-elsewhere", unit="futian-1")
    for actor, body in (
        (other, community.passage(community.adult)),
        (other, community.passage(community.adult, gate_id="gate-elsewhere")),
        (OFFICER, community.passage(community.adult)),
    ):
        refused = refusal(lambda: call(actor).record_access_event(community.id, body))  # noqa: B023
        assert refused.exc_type == "Forbidden"
    assert len(payloads(prevention_db, ACCESS_RECORDED)) == 1


def test_residents_are_served_within_the_officers_scope_and_for_a_purpose(
    call: Callable[..., Any], community: Community
) -> None:
    officer = call(OFFICER)
    listed = officer.list_residents(community.id, {"limit": 2})
    assert len(listed["items"]) == 2 and listed["next_cursor"]
    rest = officer.list_residents(community.id, {"limit": 2, "cursor": listed["next_cursor"]})
    names = {r["name"] for r in listed["items"] + rest["items"]}
    assert names == {"王芳", "王小明", "赵敏"}
    adult = officer.get_resident(community.adult["resident_id"])
    assert adult["phone"] == f"{community.parent_phone[:3]}****{community.parent_phone[-4:]}"
    assert adult["age_group"] == "adult" and adult["has_account"]
    guardians = officer.list_guardians(community.child["resident_id"])
    assert [g["name"] for g in guardians] == ["王芳", "李秀英"]

    nanshan = call(NANSHAN_OFFICER)
    for attempt in (
        lambda: nanshan.get_resident(community.adult["resident_id"]),
        lambda: nanshan.list_residents(community.id, {}),
        lambda: nanshan.get_community(community.id),
        lambda: nanshan.list_access_events(community.id, {}),
    ):
        assert refusal(attempt).exc_type == "NotFound"
    assert community.id not in {c["community_id"] for c in nanshan.list_communities({})["items"]}

    no_purpose = call(OFFICER.model_copy(update={"purpose": None}))
    refused = refusal(lambda: no_purpose.get_resident(community.adult["resident_id"]))
    assert refused.exc_type == "PurposeRequired"


def test_guardians_and_gates_follow_the_rules(
    call: Callable[..., Any], community: Community
) -> None:
    officer = call(OFFICER)
    refused = refusal(
        lambda: officer.add_guardian(
            community.adult["resident_id"], {"resident_id": community.other_adult["resident_id"]}
        )
    )
    assert refused.exc_type == "ValidationFailed" and "children only" in str(refused.value)
    refused = refusal(
        lambda: officer.add_guardian(
            community.child["resident_id"], {"resident_id": community.adult["resident_id"]}
        )
    )
    assert refused.exc_type == "Conflict"

    refused = refusal(
        lambda: call(OFFICER).assign_community_gates(community.id, {"gate_ids": ["x"]})
    )
    assert refused.exc_type == "Forbidden"
    second = f"garden-{secrets.token_hex(4)}"
    call(ADMIN).create_community(
        {"community_id": second, "name": "第二小区", "unit_path": "sz/futian/futian-1"}
    )
    refused = refusal(
        lambda: call(ADMIN).assign_community_gates(second, {"gate_ids": [community.gate.id]})
    )
    assert refused.exc_type == "Conflict" and "another community" in str(refused.value)


def test_a_citizen_sees_the_residents_they_decide_for(
    call: Callable[..., Any], community: Community
) -> None:
    mine = call(community.parent).my_community_residents()["items"]
    assert {(m["name"], m["decided_as"]) for m in mine} == {
        ("王芳", "self"),
        ("王小明", "guardian"),
    }
    grandma = call(community.grandma).my_community_residents()["items"]
    assert [(m["name"], m["decided_as"]) for m in grandma] == [("王小明", "guardian")]
    # the child's own account decides nothing
    assert call(community.child_account).my_community_residents()["items"] == []


def test_snapshots_expire_before_the_passages_they_belong_to(
    call: Callable[..., Any], prevention_db: Engine, community: Community
) -> None:
    call(community.parent).grant_face_consent(community.adult["resident_id"])
    receipt = call(community.gate).record_access_event(
        community.id, community.passage(community.adult)
    )
    snapshots, passages = communities_store.RETENTION_CLASSES
    later = datetime.now(UTC) + timedelta(days=8)
    with prevention_db.begin() as conn:
        gone = retention.purge(conn, "prevention", snapshots, retention.cutoff_for(later, 7), later)
    assert gone.rows == 1
    [event] = call(OFFICER).list_access_events(community.id, {})["items"]
    assert event["event_id"] == receipt["event_id"] and event["snapshot_ref"] is None

    with prevention_db.begin() as conn:
        gone = retention.purge(conn, "prevention", passages, retention.cutoff_for(later, 7), later)
    assert gone.rows == 1
    assert call(OFFICER).list_access_events(community.id, {})["items"] == []
