"""Fire-safety permits and certificates through the citizen service's RPC interface: the
review flows with their history and SMS, the server's own evaluation of the answers, one
citizen kept from another's applications and requests, and verifiable certificate numbers."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ClusterRpcClient
from sqlalchemy import Engine, insert, select

from chassis.context import actor_to_context
from chassis.testing.polling import eventually
from contracts.actor import Actor, ActorKind, Purpose
from services.citizen.permits_store import certificate_requests, fire_permit_applications
from services.citizen.store import citizens
from services.data.service import DataService

ALICE = ("c-alice", "13800138001")
BOB = ("c-bob", "13800138002")
OFFICER = Actor(
    kind=ActorKind.OFFICER,
    id="o-futian",
    unit="futian-1",
    scope="sz/futian/futian-1",
    roles=("officer",),
    purpose=Purpose.CITIZEN_SERVICE,
)
OTHER_OFFICER = OFFICER.model_copy(update={"id": "o-futian-2"})
SUPERVISOR = OFFICER.model_copy(update={"id": "zhang.min", "roles": ("supervisor",)})

RESTAURANT_ANSWERS = [
    {"question": "venue_type", "value": "restaurant"},
    {"question": "floor_area_m2", "value": 120},
    {"question": "underground", "value": False},
    {"question": "high_rise", "value": False},
    {"question": "flammables", "value": False},
]
RESTAURANT_DOCUMENTS = (
    "business_licence",
    "legal_representative_id",
    "fire_safety_rules",
    "floor_plan",
    "evacuation_plan",
    "completion_filing_receipt",
    "commitment_letter",
)
HALL = {
    "place_id": "poi-futian-xiangmihu-hall-01",
    "kind": "self_service_hall",
    "name": "香蜜湖街道24小时警务自助服务厅",
    "location": {"lat": 22.55, "lon": 114.03},
    "address": "深圳市福田区农林路 8 号",
    "district": "futian",
    "phone": "0755-83000000",
}


def as_citizen(citizen: tuple[str, str]) -> Actor:
    return Actor(kind=ActorKind.CITIZEN, id=citizen[0])


@pytest.fixture
def people(citizen_db: Engine) -> None:
    with citizen_db.begin() as conn:
        conn.execute(
            insert(citizens),
            [{"citizen_id": c, "phone_digest": f"digest-{c}", "phone": p} for c, p in (ALICE, BOB)],
        )


@pytest.fixture
def police_cloud(
    container_factory: Any,
    platform_config: dict[str, Any],
    migrated_services: Callable[..., None],
) -> None:
    """The data service, with one self-service hall and one pawnshop."""
    migrated_services("data")
    container_factory(DataService).start()
    admin = Actor(kind=ActorKind.OFFICER, id="o-admin", unit="sz", scope="sz", roles=("admin",))
    context = {"actor": actor_to_context(admin)}
    with ClusterRpcClient(
        uri=platform_config["AMQP_URI"], timeout=15, context_data=context
    ) as client:
        for place in (HALL, {**HALL, "place_id": "poi-futian-pawn-01", "kind": "pawnshop"}):
            try:
                client.data.register_place(place)
            except RemoteError as exc:
                assert exc.exc_type == "Conflict"  # registered by an earlier test of this run


def references(codes: tuple[str, ...], version: str = "v1") -> dict[str, str]:
    return {code: f"obj:permits/2026/{code}-{version}.pdf" for code in codes}


def application(**changes: Any) -> dict[str, Any]:
    body = {
        "venue_name": "香蜜湖小厨",
        "venue_address": "深圳市福田区农林路 8 号",
        "answers": RESTAURANT_ANSWERS,
        "documents": references(RESTAURANT_DOCUMENTS),
    }
    return {**body, **changes}


def refusal(call: Callable[[], Any]) -> RemoteError:
    with pytest.raises(RemoteError) as refused:
        call()
    return refused.value


def detail(error: RemoteError) -> str:
    """What a refusal said (its field problems travel to the gateway, not to this client)."""
    assert error.exc_type == "ValidationFailed", error.exc_type
    return str(error.value)


def sms_to(proxy: Any, phone: str, category: str, count: int) -> list[dict[str, Any]]:
    return eventually(
        lambda: (
            (
                (found := proxy.sink_messages(recipient=phone, category=category))
                and len(found) >= count
            )
            and found
        ),
        what=f"{count} {category} SMS",
    )


def test_an_application_is_reviewed_changed_and_approved_with_its_history_and_sms(
    call: Callable[..., Any], people: None
) -> None:
    alice, officer = call(as_citizen(ALICE)), call(OFFICER)
    submitted = alice.submit_fire_permit(application(), "alice-1")
    assert submitted["status"] == "submitted"
    assert submitted["outcome"]["procedure"] == "commitment"
    assert [d["code"] for d in submitted["outcome"]["documents"]] == list(RESTAURANT_DOCUMENTS)
    application_id = submitted["application_id"]

    queued = officer.fire_permit_queue()
    assert [a["application_id"] for a in queued["items"]] == [application_id]
    taken = officer.take_fire_permit(application_id)
    assert (taken["status"], taken["reviewer"]) == ("under_review", "o-futian")
    asked = officer.decide_fire_permit(
        application_id, {"decision": "request_changes", "reason": "疏散预案缺少二层疏散路线图"}
    )
    assert asked["status"] == "changes_requested"
    (message,) = sms_to(call(), ALICE[1], "fire_permit_decision", 1)
    assert "疏散预案缺少二层疏散路线图" in message["body"] and "香蜜湖小厨" in message["body"]

    again = alice.resubmit_fire_permit(
        application_id, {"documents": references(RESTAURANT_DOCUMENTS, "v2")}, "alice-2"
    )
    assert again["status"] == "under_review"
    assert again["documents"]["evacuation_plan"] == "obj:permits/2026/evacuation_plan-v2.pdf"
    approved = officer.decide_fire_permit(application_id, {"decision": "approve"})
    assert approved["status"] == "approved"
    assert len(sms_to(call(), ALICE[1], "fire_permit_decision", 2)) == 2

    history = alice.my_fire_permit(application_id)["history"]
    assert [(h["status"], h["by"], h["reason"]) for h in history] == [
        ("submitted", "citizen", None),
        ("under_review", "o-futian", None),
        ("changes_requested", "o-futian", "疏散预案缺少二层疏散路线图"),
        ("under_review", "citizen", None),
        ("approved", "o-futian", None),
    ]
    assert all(h["at"].endswith("+00:00") or h["at"].endswith("Z") for h in history)

    decided_twice = refusal(
        lambda: officer.decide_fire_permit(application_id, {"decision": "refuse", "reason": "x"})
    )
    assert decided_twice.exc_type == "Conflict"
    resubmitted_late = refusal(
        lambda: alice.resubmit_fire_permit(
            application_id, {"documents": references(RESTAURANT_DOCUMENTS, "v3")}, "alice-3"
        )
    )
    assert resubmitted_late.exc_type == "Conflict"


def test_the_service_evaluates_the_answers_itself_and_wants_exactly_its_documents(
    call: Callable[..., Any], people: None, citizen_db: Engine
) -> None:
    alice = call(as_citizen(ALICE))
    short = dict(references(RESTAURANT_DOCUMENTS))
    del short["commitment_letter"]
    missing = refusal(lambda: alice.submit_fire_permit(application(documents=short), "k1"))
    assert detail(missing).endswith(": commitment_letter missing")

    # the answers of an underground venue need other documents than the client sent
    underground = [*RESTAURANT_ANSWERS[:2], {"question": "underground", "value": True}]
    underground += [
        {"question": "high_rise", "value": False},
        {"question": "occupancy", "value": 40},
    ]
    underground += [{"question": "flammables", "value": False}]
    wrong = refusal(lambda: alice.submit_fire_permit(application(answers=underground), "k2"))
    assert "commitment_letter not_required" in detail(wrong)
    assert "decoration_fire_ratings missing" in detail(wrong)

    unfinished = refusal(
        lambda: alice.submit_fire_permit(application(answers=RESTAURANT_ANSWERS[:3]), "k3")
    )
    assert "high_rise is still to be answered" in detail(unfinished)
    smuggled = refusal(
        lambda: alice.submit_fire_permit(application(outcome={"documents": []}), "k4")
    )
    assert smuggled.exc_type == "ValidationFailed"
    with citizen_db.connect() as conn:
        assert conn.execute(select(fire_permit_applications)).all() == []


def test_a_submission_retried_with_its_key_is_one_application(
    call: Callable[..., Any], people: None, citizen_db: Engine
) -> None:
    alice = call(as_citizen(ALICE))
    first = alice.submit_fire_permit(application(), "same-key")
    again = alice.submit_fire_permit(application(), "same-key")
    assert again["application_id"] == first["application_id"]
    # the same key from another citizen is their own command, not a replay of Alice's
    bobs = call(as_citizen(BOB)).submit_fire_permit(application(), "same-key")
    assert bobs["application_id"] != first["application_id"]
    assert bobs["citizen_id"] == BOB[0]
    with citizen_db.connect() as conn:
        assert len(conn.execute(select(fire_permit_applications)).all()) == 2


def test_one_citizen_cannot_read_or_resubmit_anothers_application(
    call: Callable[..., Any], people: None
) -> None:
    alice, bob = call(as_citizen(ALICE)), call(as_citizen(BOB))
    application_id = alice.submit_fire_permit(application(), "a")["application_id"]
    assert refusal(lambda: bob.my_fire_permit(application_id)).exc_type == "NotFound"
    resubmitted = refusal(
        lambda: bob.resubmit_fire_permit(
            application_id, {"documents": references(RESTAURANT_DOCUMENTS)}, "b"
        )
    )
    assert resubmitted.exc_type == "NotFound"
    assert bob.my_fire_permits()["items"] == []
    assert [a["application_id"] for a in alice.my_fire_permits()["items"]] == [application_id]
    missing = refusal(lambda: alice.my_fire_permit(str(uuid.uuid4())))
    assert missing.exc_type == "NotFound"


def test_the_queue_is_oldest_first_paged_and_filtered_and_for_reviewers_only(
    call: Callable[..., Any], people: None
) -> None:
    alice, officer = call(as_citizen(ALICE)), call(OFFICER)
    ids = [
        alice.submit_fire_permit(application(venue_name=f"店 {i}"), f"q{i}")["application_id"]
        for i in range(3)
    ]
    first = officer.fire_permit_queue(limit=2)
    assert [a["application_id"] for a in first["items"]] == ids[:2]
    rest = officer.fire_permit_queue(cursor=first["next_cursor"], limit=2)
    assert [a["application_id"] for a in rest["items"]] == ids[2:]
    assert rest["next_cursor"] is None

    officer.take_fire_permit(ids[1])
    in_review = officer.fire_permit_queue(statuses=["under_review"])
    assert [a["application_id"] for a in in_review["items"]] == [ids[1]]
    assert len(officer.fire_permit_queue()["items"]) == 3  # open ones: submitted and in review
    assert officer.fire_permit_queue(statuses=["approved"])["items"] == []
    assert refusal(lambda: officer.fire_permit_queue(statuses=["lost"])).exc_type == (
        "ValidationFailed"
    )
    assert refusal(lambda: officer.fire_permit_queue(cursor="nonsense")).exc_type == (
        "ValidationFailed"
    )

    assert refusal(lambda: alice.fire_permit_queue()).exc_type == "Forbidden"
    analyst = call(OFFICER.model_copy(update={"roles": ("analyst",)}))
    assert refusal(lambda: analyst.take_fire_permit(ids[0])).exc_type == "Forbidden"
    assert refusal(lambda: officer.take_fire_permit(ids[1])).exc_type == "Conflict"


def test_only_the_officer_who_took_it_or_a_supervisor_decides(
    call: Callable[..., Any], people: None
) -> None:
    alice = call(as_citizen(ALICE))
    application_id = alice.submit_fire_permit(application(), "d")["application_id"]
    early = refusal(
        lambda: call(OFFICER).decide_fire_permit(application_id, {"decision": "approve"})
    )
    assert early.exc_type == "Conflict"  # not in review yet
    call(OFFICER).take_fire_permit(application_id)
    other = refusal(
        lambda: call(OTHER_OFFICER).decide_fire_permit(application_id, {"decision": "approve"})
    )
    assert other.exc_type == "Conflict"
    no_reason = refusal(
        lambda: call(OFFICER).decide_fire_permit(application_id, {"decision": "refuse"})
    )
    assert no_reason.exc_type == "ValidationFailed"
    refused = call(SUPERVISOR).decide_fire_permit(
        application_id, {"decision": "refuse", "reason": "场所位于居民楼内，不符合设置要求"}
    )
    assert (refused["status"], refused["history"][-1]["by"]) == ("refused", "zhang.min")
    (message,) = sms_to(call(), ALICE[1], "fire_permit_decision", 1)
    assert "不符合设置要求" in message["body"]


def test_the_interview_is_stateless_and_names_a_bad_answer(call: Callable[..., Any]) -> None:
    proxy = call()
    assert proxy.fire_permit_interview({"answers": []})["next_question"]["question_id"] == (
        "venue_type"
    )
    done = proxy.fire_permit_interview({"answers": RESTAURANT_ANSWERS})
    assert done["complete"] is True and done["outcome"]["procedure"] == "commitment"
    bad = refusal(
        lambda: proxy.fire_permit_interview(
            {"answers": [RESTAURANT_ANSWERS[0], {"question": "occupancy", "value": 10}]}
        )
    )
    assert "is for occupancy, but the question here is floor_area_m2" in detail(bad)


# -- certificates -------------------------------------------------------------------------------


def certificate(**changes: Any) -> dict[str, Any]:
    body = {
        "certificate_type": "no_criminal_record",
        "purpose": "入职审查（教育行业）",
        "hall_id": HALL["place_id"],
    }
    return {**body, **changes}


def test_a_certificate_is_issued_with_a_verifiable_number_collected_and_revoked(
    call: Callable[..., Any], people: None, police_cloud: None
) -> None:
    alice, officer, anyone = call(as_citizen(ALICE)), call(OFFICER), call()
    assert [h["hall_id"] for h in anyone.certificate_halls()["halls"]] == [HALL["place_id"]]
    made = alice.request_certificate(certificate(), "c1")
    assert made["status"] == "requested" and made["certificate_number"] is None
    assert made["hall"]["name"] == HALL["name"]
    request_id = made["request_id"]

    assert [r["request_id"] for r in officer.certificate_queue()["items"]] == [request_id]
    officer.take_certificate_request(request_id)
    issued = officer.decide_certificate_request(request_id, {"decision": "issue"})
    number = issued["certificate_number"]
    assert issued["status"] == "ready_for_pickup"
    assert re.fullmatch(r"SZ-NCR-20[0-9]{2}-[0-9]{6}-[A-Z2-7]{8}", number)
    (message,) = sms_to(anyone, ALICE[1], "certificate_ready", 1)
    assert number in message["body"] and HALL["name"] in message["body"]

    verified = anyone.verify_certificate(number)
    assert verified == {
        "number": number,
        "valid": True,
        "certificate_type": "no_criminal_record",
        "issued_on": issued["issued_on"],
        "status": "valid",
    }
    forged = number[:-1] + ("A" if number[-1] != "A" else "B")
    assert anyone.verify_certificate(forged) == {
        "number": forged,
        "valid": False,
        "certificate_type": None,
        "issued_on": None,
        "status": None,
    }
    assert anyone.verify_certificate("SZ-NCR-2026-000001-'; DROP")["valid"] is False

    assert officer.record_certificate_collection(request_id)["status"] == "collected"
    assert (
        refusal(
            lambda: officer.revoke_certificate(request_id, {"reason": "登记信息已更正"})
        ).exc_type
        == "Forbidden"
    )
    revoked = call(SUPERVISOR).revoke_certificate(request_id, {"reason": "登记信息已更正"})
    assert revoked["status"] == "revoked"
    assert anyone.verify_certificate(number)["status"] == "revoked"
    assert [h["status"] for h in alice.my_certificate_request(request_id)["history"]] == [
        "requested",
        "in_review",
        "ready_for_pickup",
        "collected",
        "revoked",
    ]


def test_serials_count_up_per_kind(
    call: Callable[..., Any], people: None, police_cloud: None
) -> None:
    alice, officer = call(as_citizen(ALICE)), call(OFFICER)
    numbers = []
    for i, kind in enumerate(("no_criminal_record", "no_criminal_record", "residence")):
        request_id = alice.request_certificate(certificate(certificate_type=kind), f"s{i}")[
            "request_id"
        ]
        officer.take_certificate_request(request_id)
        issued = officer.decide_certificate_request(request_id, {"decision": "issue"})
        numbers.append(issued["certificate_number"])
    assert [n.split("-")[1] + n.split("-")[3] for n in numbers] == [
        "NCR000001",
        "NCR000002",
        "RES000001",
    ]


def test_a_refusal_says_why_and_an_unknown_hall_is_refused(
    call: Callable[..., Any], people: None, police_cloud: None, citizen_db: Engine
) -> None:
    alice, officer = call(as_citizen(ALICE)), call(OFFICER)
    unknown = refusal(lambda: alice.request_certificate(certificate(hall_id="poi-nowhere"), "u"))
    assert detail(unknown) == "no self-service hall has this id"
    pawnshop = refusal(
        lambda: alice.request_certificate(certificate(hall_id="poi-futian-pawn-01"), "p")
    )
    assert pawnshop.exc_type == "ValidationFailed"
    with citizen_db.connect() as conn:
        assert conn.execute(select(certificate_requests)).all() == []

    request_id = alice.request_certificate(certificate(certificate_type="residence"), "r")[
        "request_id"
    ]
    officer.take_certificate_request(request_id)
    no_reason = refusal(
        lambda: officer.decide_certificate_request(request_id, {"decision": "refuse"})
    )
    assert no_reason.exc_type == "ValidationFailed"
    refused = officer.decide_certificate_request(
        request_id, {"decision": "refuse", "reason": "居住登记信息不符"}
    )
    assert (refused["status"], refused["certificate_number"]) == ("refused", None)
    (message,) = sms_to(call(), ALICE[1], "certificate_refused", 1)
    assert "居住登记信息不符" in message["body"]
    collected = refusal(lambda: officer.record_certificate_collection(request_id))
    assert collected.exc_type == "Conflict"


def test_one_citizen_cannot_read_anothers_certificate_request(
    call: Callable[..., Any], people: None, police_cloud: None
) -> None:
    alice, bob = call(as_citizen(ALICE)), call(as_citizen(BOB))
    request_id = alice.request_certificate(certificate(), "a")["request_id"]
    assert refusal(lambda: bob.my_certificate_request(request_id)).exc_type == "NotFound"
    assert bob.my_certificate_requests()["items"] == []
    assert [r["request_id"] for r in alice.my_certificate_requests()["items"]] == [request_id]
    assert refusal(lambda: bob.certificate_queue()).exc_type == "Forbidden"
