"""Traffic fines through the citizen service's RPC interface, with real RabbitMQ and PostgreSQL
and a stand-in data service answering `vehicle_contact`: issuing, lookups, payments through
SandboxPay (sandbox: no money moves), signed notifications, receipts and appeals."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import orjson
import pytest
from nameko.exceptions import RemoteError
from nameko.rpc import rpc as nameko_rpc
from sqlalchemy import Engine, text

from chassis.dependencies import CurrentActor
from chassis.testing.polling import eventually
from contracts.actor import Actor, ActorKind, Purpose
from contracts.errors import NotFound
from contracts.fines import FINE_CHANGED
from services.citizen.domain import payments

PLATE, VIN_TAIL = "粤B12345", "00A001"
OTHER_PLATE = "粤B67890"
SECRET = b"dev-only-sandbox-pay-notification-secret"
OFFICER = Actor(
    kind=ActorKind.OFFICER,
    id="o-futian",
    unit="futian-1",
    scope="sz/futian/futian-1",
    roles=("officer",),
)
COLLEAGUE = OFFICER.model_copy(update={"id": "o-futian-2"})
ELSEWHERE = Actor(
    kind=ActorKind.OFFICER,
    id="o-nanshan",
    unit="nanshan-1",
    scope="sz/nanshan/nanshan-1",
    roles=("officer",),
)


class VehicleRegistry:
    """Stands in for the data service's `vehicle_contact`; remembers who asked, and why."""

    name = "data"
    vehicles: ClassVar[dict[str, str | None]] = {PLATE: VIN_TAIL, OTHER_PLATE: "99Z999"}
    asked: ClassVar[list[tuple[str, ActorKind, Purpose | None]]] = []
    actor = CurrentActor()

    @nameko_rpc
    def vehicle_contact(self, plate: str) -> dict[str, Any]:
        self.asked.append((plate, self.actor.kind, self.actor.purpose))
        if plate not in self.vehicles:
            raise NotFound("no such vehicle")
        return {
            "plate": plate,
            "vin_tail": self.vehicles[plate],
            "owner_person_id": "p-1",
            "owner_phone": "13800138000",
        }


@pytest.fixture
def registry(container_factory: Any, platform_config: dict[str, Any]) -> Iterator[None]:
    VehicleRegistry.asked.clear()
    container_factory(VehicleRegistry).start()
    yield


def citizen(citizen_db: Engine, phone: str = "13900139000") -> Actor:
    citizen_id = f"c-{uuid.uuid4().hex[:16]}"
    with citizen_db.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO citizens (citizen_id, phone_digest, phone) "
                "VALUES (:id, :digest, :phone)"
            ),
            {"id": citizen_id, "digest": uuid.uuid4().hex, "phone": phone},
        )
    return Actor(kind=ActorKind.CITIZEN, id=citizen_id, roles=("citizen",))


def issue(call: Callable[..., Any], plate: str = PLATE, amount_fen: int = 20000) -> dict[str, Any]:
    occurred = datetime.now(UTC) - timedelta(hours=2)
    fine: dict[str, Any] = call(OFFICER).issue_fine(
        {
            "plate": plate,
            "violation": "机动车违反禁止停车标线指示",
            "violation_code": "10390",
            "amount_fen": amount_fen,
            "place": "深南大道 6008 号",
            "occurred_at": occurred.isoformat(),
        },
        uuid.uuid4().hex,
    )
    return fine


def fine_events(citizen_db: Engine, fine_id: str) -> list[str]:
    with citizen_db.connect() as conn:
        envelopes = conn.execute(
            text("SELECT envelope FROM outbox WHERE type = :type ORDER BY id"),
            {"type": FINE_CHANGED},
        ).scalars()
        payloads = [orjson.loads(e)["payload"] for e in envelopes]
    return [p["status"] for p in payloads if p["fine_id"] == fine_id]


def refused(attempt: Callable[..., Any], *args: Any) -> RemoteError:
    with pytest.raises(RemoteError) as caught:
        attempt(*args)
    return caught.value


def scalar(citizen_db: Engine, sql: str, **params: Any) -> Any:
    with citizen_db.connect() as conn:
        return conn.execute(text(sql), params).scalar()


# -- issuing and lookups -----------------------------------------------------------------------


def test_an_officer_issues_a_fine_keeping_only_a_digest_of_the_vin_tail(
    call: Callable[..., Any], citizen_db: Engine, registry: None
) -> None:
    fine = issue(call)
    assert fine["status"] == "unpaid" and fine["plate"] == PLATE
    assert fine["amount_fen"] == 20000
    assert VehicleRegistry.asked == [(PLATE, ActorKind.OFFICER, Purpose.TRAFFIC_ENFORCEMENT)]
    with citizen_db.connect() as conn:
        stored = conn.execute(text("SELECT * FROM fines")).mappings().one()
    assert VIN_TAIL not in str(dict(stored)) and len(stored["vin_digest"]) == 64
    assert stored["issued_by"] == "o-futian" and stored["unit_path"] == OFFICER.scope
    assert fine_events(citizen_db, fine["fine_id"]) == ["unpaid"]

    unknown = refused(lambda: issue(call, plate="粤B00000"))
    assert unknown.exc_type == "NotFound"
    key = uuid.uuid4().hex
    request = {**{k: fine[k] for k in ("plate", "violation", "amount_fen", "place")}}
    request["occurred_at"] = fine["occurred_at"]
    first = call(OFFICER).issue_fine(request, key)
    assert call(OFFICER).issue_fine(request, key) == first  # retried: one fine
    assert scalar(citizen_db, "SELECT count(*) FROM fines") == 2


def test_a_wrong_vin_and_no_fines_are_the_same_404_and_lookups_are_limited(
    call: Callable[..., Any], citizen_db: Engine, registry: None
) -> None:
    fine = issue(call)
    person = call(citizen(citizen_db))
    wrong = refused(lambda: person.lookup_unpaid_fines({"plate": PLATE, "vin_tail": "00A002"}))
    none = refused(lambda: person.lookup_unpaid_fines({"plate": OTHER_PLATE, "vin_tail": "99Z999"}))
    assert wrong.exc_type == none.exc_type == "NotFound"
    assert wrong.value == none.value  # the same words: plates cannot be probed

    found = person.lookup_unpaid_fines({"plate": "粤b 12345", "vin_tail": "00a001"})
    assert [f["fine_id"] for f in found] == [fine["fine_id"]]
    for _ in range(7):
        person.lookup_unpaid_fines({"plate": PLATE, "vin_tail": VIN_TAIL})
    limited = refused(lambda: person.lookup_unpaid_fines({"plate": PLATE, "vin_tail": VIN_TAIL}))
    assert limited.exc_type == "RateLimited"


def test_a_citizen_binds_their_vehicle_and_sees_its_fines_and_nobody_elses(
    call: Callable[..., Any], citizen_db: Engine, registry: None
) -> None:
    mine, theirs = issue(call), issue(call, plate=OTHER_PLATE)
    owner, stranger = citizen(citizen_db), citizen(citizen_db, "13700137000")
    wrong = refused(lambda: call(owner).bind_fines_vehicle({"plate": PLATE, "vin_tail": "00A002"}))
    assert wrong.exc_type == "NotFound"
    assert call(owner).my_fines_vehicles() == []
    bound = call(owner).bind_fines_vehicle({"plate": PLATE, "vin_tail": VIN_TAIL})
    assert bound["plate"] == PLATE
    assert VehicleRegistry.asked[-1] == (PLATE, ActorKind.CITIZEN, Purpose.CITIZEN_SERVICE)
    assert [v["plate"] for v in call(owner).my_fines_vehicles()] == [PLATE]

    listing = call(owner).my_fines({"limit": 10})
    assert [f["fine_id"] for f in listing["items"]] == [mine["fine_id"]]
    assert call(owner).my_fine(mine["fine_id"])["status"] == "unpaid"
    # another citizen's fine, or a fine of a vehicle not proven: not there at all
    for fine_id in (mine["fine_id"], theirs["fine_id"]):
        assert refused(call(stranger).my_fine, fine_id).exc_type == "NotFound"
    assert refused(lambda: call(owner).my_fine(theirs["fine_id"])).exc_type == "NotFound"
    assert refused(lambda: call(stranger).pay_fine(mine["fine_id"], "k")).exc_type == "NotFound"
    assert call(stranger).my_fines({"limit": 10})["items"] == []
    call(owner).unbind_fines_vehicle(PLATE)
    assert refused(lambda: call(owner).my_fine(mine["fine_id"])).exc_type == "NotFound"


# -- payments ----------------------------------------------------------------------------------


def test_a_payment_retried_with_the_same_key_charges_once_and_the_paid_fine_leaves_the_list(
    call: Callable[..., Any], citizen_db: Engine, registry: None
) -> None:
    fine = issue(call)
    owner = citizen(citizen_db)
    call(owner).bind_fines_vehicle({"plate": PLATE, "vin_tail": VIN_TAIL})
    with pytest.raises(RemoteError) as no_key:
        call(owner).pay_fine(fine["fine_id"], "")
    assert no_key.value.exc_type == "ValidationFailed"

    payment = call(owner).pay_fine(fine["fine_id"], "click-1")
    assert payment["status"] == "pending" and payment["amount_fen"] == 20000
    assert "/sandbox-pay/sp_" in payment["redirect_url"]
    assert payment["return_url"].endswith(f"payment_id={payment['payment_id']}")
    assert call(owner).pay_fine(fine["fine_id"], "click-1") == payment  # retried
    assert call(owner).pay_fine(fine["fine_id"], "click-2") == payment  # double click
    assert scalar(citizen_db, "SELECT count(*) FROM sandbox_charges") == 1
    assert scalar(citizen_db, "SELECT count(*) FROM fine_payments") == 1

    provider_payment_id = payment["redirect_url"].rsplit("/", 1)[1]
    page = call(owner).sandbox_pay_checkout(provider_payment_id)
    assert page["notice"] == "sandbox: no money moves" and page["amount_fen"] == 20000
    paid = call(owner).sandbox_pay_complete(provider_payment_id, {"outcome": "paid"})
    assert paid["status"] == "succeeded"
    again = call(owner).sandbox_pay_complete(provider_payment_id, {"outcome": "paid"})
    assert again == paid  # the customer clicked twice: one charge, one notification applied
    with citizen_db.connect() as conn:
        charges = conn.execute(text("SELECT status FROM sandbox_charges")).scalars().all()
    assert charges == ["charged"]
    assert scalar(citizen_db, "SELECT count(*) FROM payment_notifications") == 1

    assert call(owner).my_fine(fine["fine_id"])["status"] == "paid"
    receipt = call(owner).fine_receipt(fine["fine_id"])
    assert receipt["amount_fen"] == 20000 and receipt["payment_id"] == payment["payment_id"]
    assert receipt["receipt_no"].startswith("FR")
    assert fine_events(citizen_db, fine["fine_id"]) == ["unpaid", "paid"]
    gone = refused(lambda: call(owner).lookup_unpaid_fines({"plate": PLATE, "vin_tail": VIN_TAIL}))
    assert gone.exc_type == "NotFound"
    assert call(owner).my_fines({"limit": 10}, "unpaid")["items"] == []
    assert refused(lambda: call(owner).pay_fine(fine["fine_id"], "click-3")).exc_type == (
        "Conflict"
    )
    assert call(owner).pay_fine(fine["fine_id"], "click-1")["status"] == "succeeded"


def test_a_forged_notification_is_refused_and_a_repeated_one_changes_nothing(
    call: Callable[..., Any], citizen_db: Engine, registry: None
) -> None:
    fine = issue(call)
    owner = citizen(citizen_db)
    call(owner).lookup_unpaid_fines({"plate": PLATE, "vin_tail": VIN_TAIL})
    payment = call(owner).pay_fine(fine["fine_id"], "pay")
    provider_payment_id = payment["redirect_url"].rsplit("/", 1)[1]
    body = orjson.dumps(
        {
            "id": "evt_forged",
            "type": "payment.succeeded",
            "created": datetime.now(UTC).isoformat(),
            "data": {
                "payment_id": provider_payment_id,
                "reference": payment["payment_id"],
                "amount_fen": 20000,
            },
        }
    ).decode()
    provider = call()
    for signature in (None, "0" * 64, payments.signature(b"a guessed secret", body.encode())):
        forged = refused(provider.payment_notification, "sandbox-pay", body, signature)
        assert forged.exc_type == "Unauthenticated"
    assert call(owner).fine_payment(payment["payment_id"])["status"] == "pending"
    assert scalar(citizen_db, "SELECT count(*) FROM payment_notifications") == 0
    unknown = refused(lambda: provider.payment_notification("paypal", body, "x"))
    assert unknown.exc_type == "NotFound"

    signature = payments.signature(SECRET, body.encode())
    first = provider.payment_notification("sandbox-pay", body, signature)
    assert first == {"event_id": "evt_forged", "applied": True, "payment_status": "succeeded"}
    repeated = provider.payment_notification("sandbox-pay", body, signature)
    assert repeated["applied"] is False
    assert scalar(citizen_db, "SELECT count(*) FROM fine_receipts") == 1
    assert fine_events(citizen_db, fine["fine_id"]) == ["unpaid", "paid"]


def test_a_declined_payment_leaves_the_fine_unpaid_and_a_new_payment_may_start(
    call: Callable[..., Any], citizen_db: Engine, registry: None
) -> None:
    fine = issue(call)
    owner = citizen(citizen_db)
    call(owner).bind_fines_vehicle({"plate": PLATE, "vin_tail": VIN_TAIL})
    payment = call(owner).pay_fine(fine["fine_id"], "first")
    declined = call(owner).sandbox_pay_complete(
        payment["redirect_url"].rsplit("/", 1)[1], {"outcome": "declined"}
    )
    assert declined["status"] == "failed"
    assert call(owner).my_fine(fine["fine_id"])["status"] == "unpaid"
    retry = call(owner).pay_fine(fine["fine_id"], "second")
    assert retry["payment_id"] != payment["payment_id"] and retry["status"] == "pending"


def test_a_pending_payment_is_one_citizens_and_expires_with_its_page(
    call: Callable[..., Any], citizen_db: Engine, registry: None
) -> None:
    fine = issue(call)
    owner, driver = citizen(citizen_db), citizen(citizen_db, "13700137000")
    for person in (owner, driver):
        call(person).lookup_unpaid_fines({"plate": PLATE, "vin_tail": VIN_TAIL})
    first = call(owner).pay_fine(fine["fine_id"], "k")
    busy = refused(lambda: call(driver).pay_fine(fine["fine_id"], "k"))
    assert busy.exc_type == "Conflict"
    with citizen_db.begin() as conn:
        conn.execute(text("UPDATE fine_payments SET expires_at = now() - interval '1 second'"))
        conn.execute(text("UPDATE sandbox_charges SET expires_at = now() - interval '1 second'"))
    expired_page = refused(
        lambda: call(owner).sandbox_pay_complete(
            first["redirect_url"].rsplit("/", 1)[1], {"outcome": "paid"}
        )
    )
    assert expired_page.exc_type == "Conflict"
    second = call(driver).pay_fine(fine["fine_id"], "k")
    assert second["payment_id"] != first["payment_id"]
    assert call(owner).fine_payment(first["payment_id"])["status"] == "expired"


@pytest.fixture
def no_payment_provider(settings_overrides: dict[str, Any]) -> None:
    settings_overrides["payment_provider"] = "none"


def test_without_the_sandbox_its_page_is_not_there_and_payments_are_unavailable(
    no_payment_provider: None, call: Callable[..., Any], citizen_db: Engine, registry: None
) -> None:
    fine = issue(call)
    owner = citizen(citizen_db)
    call(owner).bind_fines_vehicle({"plate": PLATE, "vin_tail": VIN_TAIL})
    assert refused(lambda: call(owner).sandbox_pay_checkout("sp_" + "0" * 24)).exc_type == (
        "NotFound"
    )
    completing = refused(
        lambda: call(owner).sandbox_pay_complete("sp_" + "0" * 24, {"outcome": "paid"})
    )
    assert completing.exc_type == "NotFound"
    assert refused(lambda: call().payment_notification("sandbox-pay", "{}", "x")).exc_type == (
        "NotFound"
    )
    unavailable = refused(lambda: call(owner).pay_fine(fine["fine_id"], "k"))
    assert unavailable.exc_type == "ServiceUnavailable"


# -- appeals -----------------------------------------------------------------------------------


def test_a_contested_fine_waits_for_an_officers_reasoned_decision(
    call: Callable[..., Any], citizen_db: Engine, registry: None
) -> None:
    kept, cancelled = issue(call), issue(call, amount_fen=5000)
    owner = citizen(citizen_db, "13600136000")
    call(owner).bind_fines_vehicle({"plate": PLATE, "vin_tail": VIN_TAIL})
    appeal = call(owner).appeal_fine(cancelled["fine_id"], {"reason": "当时正在上下客"})
    assert appeal["status"] == "submitted" and appeal["decided_by"] is None
    again = refused(lambda: call(owner).appeal_fine(cancelled["fine_id"], {"reason": "再次"}))
    assert again.exc_type == "Conflict"
    assert refused(lambda: call(owner).pay_fine(cancelled["fine_id"], "k")).exc_type == ("Conflict")
    assert call(owner).my_fine(cancelled["fine_id"])["appeal_status"] == "submitted"
    long = refused(lambda: call(owner).appeal_fine(kept["fine_id"], {"reason": "长" * 1001}))
    assert long.exc_type == "ValidationFailed"
    upheld = call(owner).appeal_fine(kept["fine_id"], {"reason": "标线不清"})

    listing = call(COLLEAGUE).list_open_fine_appeals({"limit": 1})
    assert [a["appeal_id"] for a in listing["items"]] == [appeal["appeal_id"]]
    rest = call(COLLEAGUE).list_open_fine_appeals({"limit": 1, "cursor": listing["next_cursor"]})
    assert [a["appeal_id"] for a in rest["items"]] == [upheld["appeal_id"]]
    assert call(ELSEWHERE).list_open_fine_appeals({"limit": 10})["items"] == []
    outside = refused(
        lambda: call(ELSEWHERE).decide_fine_appeal(
            appeal["appeal_id"], {"decision": "cancelled", "reason": "x"}
        )
    )
    assert outside.exc_type == "NotFound"
    own = refused(
        lambda: call(OFFICER).decide_fine_appeal(
            appeal["appeal_id"], {"decision": "cancelled", "reason": "x"}
        )
    )
    assert own.exc_type == "Forbidden"

    decided = call(COLLEAGUE).decide_fine_appeal(
        appeal["appeal_id"], {"decision": "cancelled", "reason": "视频显示车辆在临时停靠"}
    )
    assert decided["decision"] == "cancelled" and decided["decided_by"] == "o-futian-2"
    twice = refused(
        lambda: call(COLLEAGUE).decide_fine_appeal(
            appeal["appeal_id"], {"decision": "upheld", "reason": "x"}
        )
    )
    assert twice.exc_type == "Conflict"
    call(COLLEAGUE).decide_fine_appeal(
        upheld["appeal_id"], {"decision": "upheld", "reason": "标线清晰可见"}
    )

    seen = call(owner).my_fine_appeal(cancelled["fine_id"])
    assert seen["status"] == "decided" and seen["decision"] == "cancelled"
    assert seen["decision_reason"] == "视频显示车辆在临时停靠" and seen["decided_by"] is None
    assert call(owner).my_fine(cancelled["fine_id"])["status"] == "cancelled"
    assert fine_events(citizen_db, cancelled["fine_id"]) == ["unpaid", "cancelled"]
    assert call(owner).my_fine_appeal(kept["fine_id"])["decision"] == "upheld"
    assert call(owner).my_fine(kept["fine_id"])["status"] == "unpaid"
    assert fine_events(citizen_db, kept["fine_id"]) == ["unpaid"]
    assert call(owner).pay_fine(kept["fine_id"], "k")["status"] == "pending"
    assert refused(lambda: call(owner).pay_fine(cancelled["fine_id"], "k2")).exc_type == (
        "Conflict"
    )
    sink = call()

    def decisions_told() -> list[str] | None:
        sent = sink.sink_messages(recipient="13600136000", category="fine_appeal_decided")
        return [m["body"] for m in sent] if len(sent) == 2 else None

    assert any("撤销" in body for body in eventually(decisions_told, what="both decisions sent"))
