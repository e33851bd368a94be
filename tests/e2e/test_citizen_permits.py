"""Fire-safety permits and certificates through the gateway: the interview answered question by
question, an application reviewed by an officer, a certificate issued at a self-service hall of
the police cloud and verified by anyone; citizens kept to their own (404)."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

import httpx

from demo import drive
from tests.support.platform import Gateway

CITIZEN_SERVICE = {"X-Purpose": "citizen_service"}

#: a KTV of 600 m² on the ground floor of a low building, for 150, with no flammables
KTV = {
    "venue_type": "entertainment",
    "floor_area_m2": 600,
    "underground": False,
    "high_rise": False,
    "occupancy": 150,
    "flammables": False,
}
KTV_DOCUMENTS = [
    "business_licence",
    "legal_representative_id",
    "fire_safety_rules",
    "floor_plan",
    "evacuation_plan",
    "design_review_opinion",
    "acceptance_opinion",
    "electrical_inspection_report",
    "fire_facilities_report",
    "decoration_fire_ratings",
]


def new_phone() -> str:
    return f"137{secrets.randbelow(10**8):08d}"


async def citizen(gateway: Gateway, operator: str) -> tuple[str, str]:
    """A fresh citizen's token and phone."""
    phone = new_phone()
    grant = await drive.sign_in_citizen(gateway.client, phone, operator)
    return grant["access_token"], phone


async def sms(
    client: httpx.AsyncClient, operator: str, phone: str, category: str, count: int
) -> list[dict[str, Any]]:
    async def arrived() -> list[dict[str, Any]] | None:
        response = await client.get(
            "/api/v1/citizen/dev/sink",
            params={"recipient": phone, "category": category},
            headers=drive.headers(operator),
        )
        found: list[dict[str, Any]] = response.json() if response.status_code == 200 else []
        return found if len(found) >= count else None

    messages: list[dict[str, Any]] = await drive.until(arrived, f"{count} {category} SMS")
    return messages


async def test_the_interview_is_answered_question_by_question_to_its_documents(
    gateway: Gateway,
) -> None:
    answers: list[dict[str, Any]] = []
    asked = []
    while True:
        response = await gateway.client.post(
            "/api/v1/citizen/fire-permits/interview", json={"answers": answers}
        )
        assert response.status_code == 200, response.text
        step = response.json()
        if step["complete"]:
            break
        question = step["next_question"]["question_id"]
        asked.append(question)
        answers.append({"question": question, "value": KTV[question]})
    assert asked == list(KTV)
    outcome = step["outcome"]
    assert outcome["procedure"] == "inspection" and outcome["special_construction"] is True
    assert [d["code"] for d in outcome["documents"]] == KTV_DOCUMENTS
    assert outcome["steps"][0]["code"] == "acceptance_first"

    bad = await gateway.client.post(
        "/api/v1/citizen/fire-permits/interview",
        json={"answers": [*answers[:1], {"question": "floor_area_m2", "value": 0}]},
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert bad.json()["errors"] == [{"field": "answers.floor_area_m2", "problem": "out_of_range"}]
    skipped = await gateway.client.post(
        "/api/v1/citizen/fire-permits/interview",
        json={"answers": [*answers[:1], {"question": "occupancy", "value": 10}]},
    )
    assert skipped.status_code == 422
    assert skipped.json()["errors"][1] == {"field": "answers.floor_area_m2", "problem": "missing"}


async def test_an_application_is_reviewed_by_an_officer_and_kept_from_other_citizens(
    gateway: Gateway,
) -> None:
    operator = await gateway.token("o-operator")
    officer = await gateway.token("o-futian")
    (alice, alice_phone), (bob, _) = (
        await citizen(gateway, operator),
        await citizen(gateway, operator),
    )
    application = {
        "venue_name": "欢唱 KTV",
        "venue_address": "深圳市福田区福华路 1 号",
        "answers": [{"question": q, "value": v} for q, v in KTV.items()],
        "documents": {code: f"obj:permits/2026/{code}-a1.pdf" for code in KTV_DOCUMENTS},
    }
    missing = await gateway.client.post(
        "/api/v1/citizen/fire-permits/applications",
        json={**application, "documents": {"business_licence": "obj:permits/licence-01.pdf"}},
        headers=drive.headers(alice),
    )
    assert missing.status_code == 422
    assert {"field": "documents.acceptance_opinion", "problem": "missing"} in missing.json()[
        "errors"
    ]
    submitted = await gateway.client.post(
        "/api/v1/citizen/fire-permits/applications",
        json=application,
        headers=drive.headers(alice, **{"Idempotency-Key": uuid.uuid4().hex}),
    )
    assert submitted.status_code == 201, submitted.text
    application_id = submitted.json()["application_id"]
    path = f"/api/v1/citizen/fire-permits/applications/{application_id}"

    not_hers = await gateway.client.get(path, headers=drive.headers(bob))
    assert not_hers.status_code == 404
    assert not_hers.json()["code"] == "not_found"
    assert (
        await gateway.client.get(
            "/api/v1/citizen/fire-permits/applications", headers=drive.headers(bob)
        )
    ).json()["items"] == []
    citizens_cannot_review = await gateway.client.get(
        "/api/v1/citizen/fire-permits/review-queue", headers=drive.headers(alice)
    )
    assert citizens_cannot_review.status_code == 403
    no_purpose = await gateway.client.get(
        "/api/v1/citizen/fire-permits/review-queue", headers=drive.headers(officer)
    )
    assert no_purpose.status_code == 403 and no_purpose.json()["code"] == "purpose_required"

    review = drive.headers(officer, **CITIZEN_SERVICE)
    queue = await gateway.client.get("/api/v1/citizen/fire-permits/review-queue", headers=review)
    assert application_id in [a["application_id"] for a in queue.json()["items"]]
    queued = f"/api/v1/citizen/fire-permits/review-queue/{application_id}"
    taken = await gateway.client.post(f"{queued}/review", headers=review)
    assert taken.status_code == 200 and taken.json()["status"] == "under_review"
    reasonless = await gateway.client.post(
        f"{queued}/decision", json={"decision": "request_changes"}, headers=review
    )
    assert reasonless.status_code == 422
    asked = await gateway.client.post(
        f"{queued}/decision",
        json={"decision": "request_changes", "reason": "装修材料证明已过期"},
        headers=review,
    )
    assert asked.status_code == 200 and asked.json()["status"] == "changes_requested"
    (message,) = await sms(gateway.client, operator, alice_phone, "fire_permit_decision", 1)
    assert "装修材料证明已过期" in message["body"]

    resubmitted = await gateway.client.post(
        f"{path}/resubmission",
        json={"documents": {code: f"obj:permits/2026/{code}-a2.pdf" for code in KTV_DOCUMENTS}},
        headers=drive.headers(alice),
    )
    assert resubmitted.status_code == 200 and resubmitted.json()["status"] == "under_review"
    approved = await gateway.client.post(
        f"{queued}/decision", json={"decision": "approve"}, headers=review
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    await sms(gateway.client, operator, alice_phone, "fire_permit_decision", 2)

    mine = await gateway.client.get(path, headers=drive.headers(alice))
    assert [h["status"] for h in mine.json()["history"]] == [
        "submitted",
        "under_review",
        "changes_requested",
        "under_review",
        "approved",
    ]
    again = await gateway.client.post(
        f"{queued}/decision", json={"decision": "refuse", "reason": "x"}, headers=review
    )
    assert again.status_code == 409


async def test_a_certificate_is_picked_up_at_a_hall_and_its_number_verified_by_anyone(
    gateway: Gateway,
) -> None:
    operator = await gateway.token("o-operator")
    admin = await gateway.token("o-admin")
    officer = await gateway.token("o-futian")
    (alice, alice_phone), (bob, _) = (
        await citizen(gateway, operator),
        await citizen(gateway, operator),
    )
    hall_id = f"poi-hall-{uuid.uuid4().hex[:10]}"
    registered = await gateway.client.post(
        "/api/v1/data/places",
        json={
            "place_id": hall_id,
            "kind": "self_service_hall",
            "name": "福田街道24小时警务自助服务厅",
            "location": {"lat": 22.5411, "lon": 114.0577},
            "address": "深圳市福田区福华三路 88 号",
            "district": "futian",
        },
        headers=drive.headers(admin),
    )
    assert registered.status_code == 201, registered.text
    halls = await gateway.client.get("/api/v1/citizen/certificates/halls", params={"limit": 500})
    assert hall_id in [h["hall_id"] for h in halls.json()["halls"]]

    body = {"certificate_type": "no_criminal_record", "purpose": "出国留学", "hall_id": hall_id}
    nowhere = await gateway.client.post(
        "/api/v1/citizen/certificates",
        json={**body, "hall_id": "poi-no-such-hall"},
        headers=drive.headers(alice),
    )
    assert nowhere.status_code == 422
    assert nowhere.json()["errors"] == [{"field": "hall_id", "problem": "unknown_hall"}]
    made = await gateway.client.post(
        "/api/v1/citizen/certificates", json=body, headers=drive.headers(alice)
    )
    assert made.status_code == 201, made.text
    request_id = made.json()["request_id"]
    not_hers = await gateway.client.get(
        f"/api/v1/citizen/certificates/{request_id}", headers=drive.headers(bob)
    )
    assert not_hers.status_code == 404

    review = drive.headers(officer, **CITIZEN_SERVICE)
    working = f"/api/v1/citizen/certificate-requests/{request_id}"
    assert (await gateway.client.post(f"{working}/review", headers=review)).status_code == 200
    issued = await gateway.client.post(
        f"{working}/decision", json={"decision": "issue"}, headers=review
    )
    assert issued.status_code == 200, issued.text
    number = issued.json()["certificate_number"]
    (message,) = await sms(gateway.client, operator, alice_phone, "certificate_ready", 1)
    assert number in message["body"]

    verified = await gateway.client.get(f"/api/v1/citizen/certificates/verify/{number}")
    assert verified.status_code == 200
    assert verified.json() == {
        "number": number,
        "valid": True,
        "certificate_type": "no_criminal_record",
        "issued_on": issued.json()["issued_on"],
        "status": "valid",
    }
    forged = number[:-1] + ("A" if number[-1] != "A" else "B")
    for fake in (forged, "SZ-NCR-2026-000001-XXXXXXXX", "hello"):
        answer = await gateway.client.get(f"/api/v1/citizen/certificates/verify/{fake}")
        assert answer.status_code == 200, answer.text
        assert answer.json()["valid"] is False and answer.json()["certificate_type"] is None
    too_long = await gateway.client.get(f"/api/v1/citizen/certificates/verify/{'A' * 65}")
    assert too_long.status_code == 422

    mine = await gateway.client.get(
        f"/api/v1/citizen/certificates/{request_id}", headers=drive.headers(alice)
    )
    assert mine.json()["status"] == "ready_for_pickup"
    assert mine.json()["hall"]["hall_id"] == hall_id
