"""Traffic fines through the gateway, with the real data service: an officer issues a fine, a
citizen finds it with the plate and VIN tail, pays through SandboxPay (sandbox: no money
moves) once however often they retry, the provider's signed notification settles it (a forged
one is refused and recorded), the vehicle dossier hears of it; appeals and their decisions."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson

from demo import drive
from services.citizen.domain import payments
from tests.support.platform import Gateway

SANDBOX_SECRET = b"dev-only-sandbox-pay-notification-secret"
CALLBACK = "/api/v1/citizen/payment-callbacks/sandbox-pay"
VIN_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


def new_phone() -> str:
    return f"135{secrets.randbelow(10**8):08d}"


async def registered_vehicle(gateway: Gateway) -> tuple[str, str]:
    """A vehicle of its own for each test: its plate and its VIN's last six characters."""
    plate = "粤B" + "".join(secrets.choice("0123456789") for _ in range(5))
    vin = "".join(secrets.choice(VIN_LETTERS) for _ in range(17))
    admin = await gateway.token("o-admin")
    response = await gateway.client.post(
        "/api/v1/data/vehicles",
        json={"plate": plate, "vehicle_type": "small_car", "vin": vin},
        headers=drive.headers(admin),
    )
    assert response.status_code == 201, response.text
    return plate, vin[-6:]


async def issue(gateway: Gateway, plate: str, amount_fen: int = 20000) -> dict[str, Any]:
    officer = await gateway.token("o-futian")
    response = await gateway.client.post(
        "/api/v1/citizen/fines",
        json={
            "plate": plate,
            "violation": "机动车违反禁止停车标线指示",
            "violation_code": "10390",
            "amount_fen": amount_fen,
            "place": "深南大道 6008 号",
            "occurred_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        },
        headers=drive.headers(officer, **{"Idempotency-Key": uuid.uuid4().hex}),
    )
    assert response.status_code == 201, response.text
    fine: dict[str, Any] = response.json()
    return fine


async def citizen(gateway: Gateway) -> dict[str, str]:
    operator = await gateway.token("o-operator")
    grant = await drive.sign_in_citizen(gateway.client, new_phone(), operator)
    return drive.headers(grant["access_token"])


async def dossier_fine_status(gateway: Gateway, plate: str, fine_id: str) -> str | None:
    officer = await gateway.token("o-futian")
    response = await gateway.client.get(
        f"/api/v1/data/vehicles/{plate}/dossier",
        headers=drive.headers(officer, **{"X-Purpose": "traffic_enforcement"}),
    )
    assert response.status_code == 200, response.text
    statuses = [f["status"] for f in response.json()["fines"] if f["fine_id"] == fine_id]
    return statuses[0] if statuses else None


def notification(provider_payment_id: str, payment: dict[str, Any]) -> bytes:
    return orjson.dumps(
        {
            "id": f"evt_{uuid.uuid4().hex}",
            "type": "payment.succeeded",
            "created": datetime.now(UTC).isoformat(),
            "data": {
                "payment_id": provider_payment_id,
                "reference": payment["payment_id"],
                "amount_fen": payment["amount_fen"],
            },
        }
    )


async def post_notification(
    client: httpx.AsyncClient, body: bytes, signature: str | None
) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-SandboxPay-Signature"] = signature
    return await client.post(CALLBACK, content=body, headers=headers)


async def refusals_recorded(gateway: Gateway, since: datetime) -> list[dict[str, Any]]:
    auditor = await gateway.token("o-auditor")
    response = await gateway.client.get(
        "/api/v1/audit/records",
        params={"actor": "anonymous", "since": since.isoformat(), "limit": 500},
        headers=drive.headers(auditor, **{"X-Purpose": "audit_oversight"}),
    )
    assert response.status_code == 200, response.text
    return [
        r
        for r in response.json()["items"]
        if r["operation"] == "citizen.sandbox_pay_notification"
        and r["outcome"] == "unauthenticated"
    ]


async def test_a_fine_is_found_paid_once_and_settled_by_a_signed_notification(
    gateway: Gateway,
) -> None:
    plate, vin_tail = await registered_vehicle(gateway)
    fine = await issue(gateway, plate)
    assert (
        await drive.until(
            lambda: dossier_fine_status(gateway, plate, fine["fine_id"]), "the dossier has the fine"
        )
        == "unpaid"
    )
    me, other = await citizen(gateway), await citizen(gateway)
    client = gateway.client

    wrong_tail = "000000" if vin_tail != "000000" else "111111"
    wrong = await client.post(
        "/api/v1/citizen/fines/lookup", json={"plate": plate, "vin_tail": wrong_tail}, headers=me
    )
    assert wrong.status_code == 404
    assert wrong.json()["detail"] == "no unpaid fines for this plate and VIN"
    found = await client.post(
        "/api/v1/citizen/fines/lookup",
        json={"plate": plate, "vin_tail": vin_tail.lower()},
        headers=me,
    )
    assert found.status_code == 200, found.text
    assert [f["fine_id"] for f in found.json()] == [fine["fine_id"]]

    pay_url = f"/api/v1/citizen/fines/{fine['fine_id']}/payments"
    no_key = await client.post(pay_url, headers=me)
    assert no_key.status_code == 422
    assert "idempotency" in no_key.json()["errors"][0]["field"].lower()
    first = await client.post(pay_url, headers={**me, "Idempotency-Key": "tap-1"})
    assert first.status_code == 201, first.text
    payment = first.json()
    assert payment["status"] == "pending" and payment["amount_fen"] == 20000
    retried = await client.post(pay_url, headers={**me, "Idempotency-Key": "tap-1"})
    double = await client.post(pay_url, headers={**me, "Idempotency-Key": "tap-2"})
    assert retried.json() == double.json() == payment  # one payment, one charge
    provider_payment_id = payment["redirect_url"].rsplit("/", 1)[1]
    page = await client.get(f"/api/v1/citizen/sandbox-pay/{provider_payment_id}", headers=me)
    assert page.status_code == 200 and page.json()["notice"] == "sandbox: no money moves"

    # one citizen cannot read another's fines, payments or the sandbox page
    for path in (
        f"/api/v1/citizen/fines/{fine['fine_id']}",
        f"/api/v1/citizen/fines/{fine['fine_id']}/receipt",
        f"/api/v1/citizen/fine-payments/{payment['payment_id']}",
        f"/api/v1/citizen/sandbox-pay/{provider_payment_id}",
    ):
        response = await client.get(path, headers=other)
        assert response.status_code == 404, (path, response.text)

    started = datetime.now(UTC) - timedelta(seconds=1)
    body = notification(provider_payment_id, payment)
    for signature in (None, "0" * 64, payments.signature(b"a guess", body)):
        forged = await post_notification(client, body, signature)
        assert forged.status_code == 401, forged.text
        assert forged.json()["code"] == "unauthenticated"
    still = await client.get(f"/api/v1/citizen/fine-payments/{payment['payment_id']}", headers=me)
    assert still.json()["status"] == "pending"
    assert (
        len(
            await drive.until(
                lambda: refusals_recorded(gateway, started), "the refusals in the ledger"
            )
        )
        >= 1
    )

    signed = payments.signature(SANDBOX_SECRET, body)
    settled = await post_notification(client, body, signed)
    assert settled.status_code == 200, settled.text
    assert settled.json()["applied"] is True and settled.json()["payment_status"] == "succeeded"
    repeated = await post_notification(client, body, signed)
    assert repeated.status_code == 200 and repeated.json()["applied"] is False

    receipt = await client.get(f"/api/v1/citizen/fines/{fine['fine_id']}/receipt", headers=me)
    assert receipt.status_code == 200, receipt.text
    assert receipt.json()["amount_fen"] == 20000
    assert receipt.json()["payment_id"] == payment["payment_id"]
    gone = await client.post(
        "/api/v1/citizen/fines/lookup", json={"plate": plate, "vin_tail": vin_tail}, headers=me
    )
    assert gone.status_code == 404  # paid fines leave the unpaid list
    again = await client.post(pay_url, headers={**me, "Idempotency-Key": "tap-3"})
    assert again.status_code == 409
    assert (
        await drive.until(
            lambda: _status_is(gateway, plate, fine["fine_id"], "paid"), "the dossier hears"
        )
        == "paid"
    )


async def _status_is(gateway: Gateway, plate: str, fine_id: str, wanted: str) -> str | None:
    status = await dossier_fine_status(gateway, plate, fine_id)
    return status if status == wanted else None


async def test_a_citizen_pays_on_the_sandbox_page_of_a_bound_vehicle(gateway: Gateway) -> None:
    plate, vin_tail = await registered_vehicle(gateway)
    fine = await issue(gateway, plate, amount_fen=5000)
    me = await citizen(gateway)
    client = gateway.client
    bound = await client.post(
        "/api/v1/citizen/fines/vehicles", json={"plate": plate, "vin_tail": vin_tail}, headers=me
    )
    assert bound.status_code == 201, bound.text
    mine = await client.get("/api/v1/citizen/fines", params={"status": "unpaid"}, headers=me)
    assert [f["fine_id"] for f in mine.json()["items"]] == [fine["fine_id"]]

    paying = await client.post(
        f"/api/v1/citizen/fines/{fine['fine_id']}/payments",
        headers={**me, "Idempotency-Key": uuid.uuid4().hex},
    )
    provider_payment_id = paying.json()["redirect_url"].rsplit("/", 1)[1]
    complete = f"/api/v1/citizen/sandbox-pay/{provider_payment_id}:complete"
    paid = await client.post(complete, json={"outcome": "paid"}, headers=me)
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "succeeded"
    assert (await client.post(complete, json={"outcome": "paid"}, headers=me)).json() == (
        paid.json()
    )
    left = await client.get("/api/v1/citizen/fines", params={"status": "unpaid"}, headers=me)
    assert left.json()["items"] == []


async def test_a_contested_fine_is_cancelled_by_another_officers_reasoned_decision(
    gateway: Gateway,
) -> None:
    plate, vin_tail = await registered_vehicle(gateway)
    fine = await issue(gateway, plate)
    me = await citizen(gateway)
    client = gateway.client
    await client.post(
        "/api/v1/citizen/fines/vehicles", json={"plate": plate, "vin_tail": vin_tail}, headers=me
    )
    appeal_url = f"/api/v1/citizen/fines/{fine['fine_id']}/appeal"
    appeal = await client.post(appeal_url, json={"reason": "当时正在上下客"}, headers=me)
    assert appeal.status_code == 201, appeal.text
    assert appeal.json()["status"] == "submitted"
    blocked = await client.post(
        f"/api/v1/citizen/fines/{fine['fine_id']}/payments",
        headers={**me, "Idempotency-Key": "k"},
    )
    assert blocked.status_code == 409

    issuer = drive.headers(await gateway.token("o-futian"))
    colleague = drive.headers(await gateway.token("o-futian-2"))
    waiting = await client.get(
        "/api/v1/citizen/fine-appeals", params={"limit": 500}, headers=colleague
    )
    assert waiting.status_code == 200, waiting.text
    assert appeal.json()["appeal_id"] in {a["appeal_id"] for a in waiting.json()["items"]}
    decide = f"/api/v1/citizen/fine-appeals/{appeal.json()['appeal_id']}/decision"
    decision = {"decision": "cancelled", "reason": "视频显示车辆在临时停靠区"}
    own = await client.post(decide, json=decision, headers=issuer)
    assert own.status_code == 403
    decided = await client.post(decide, json=decision, headers=colleague)
    assert decided.status_code == 200, decided.text
    assert decided.json()["decided_by"] == "o-futian-2"

    seen = await client.get(appeal_url, headers=me)
    assert seen.json()["decision"] == "cancelled"
    assert seen.json()["decision_reason"] == "视频显示车辆在临时停靠区"
    mine = await client.get(f"/api/v1/citizen/fines/{fine['fine_id']}", headers=me)
    assert mine.json()["status"] == "cancelled"
    assert (
        await drive.until(
            lambda: _status_is(gateway, plate, fine["fine_id"], "cancelled"), "the dossier hears"
        )
        == "cancelled"
    )


async def test_lookups_are_limited_per_citizen_with_retry_after(gateway: Gateway) -> None:
    me = await citizen(gateway)
    statuses = []
    for _ in range(11):
        response = await gateway.client.post(
            "/api/v1/citizen/fines/lookup",
            json={"plate": "粤B00000", "vin_tail": "000000"},
            headers=me,
        )
        statuses.append(response.status_code)
    assert statuses == [404] * 10 + [429]
    assert 1 <= int(response.headers["retry-after"]) <= 3600
