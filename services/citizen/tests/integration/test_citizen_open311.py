"""Open311 and the safety map in the citizen service: keys, filing with possible duplicates
and the dispatch event, following and closing, citizens' own reports, opening hours."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import pytest
from nameko.exceptions import RemoteError
from sqlalchemy import Engine, select

from chassis.tables import outbox
from contracts.actor import Actor, ActorKind
from contracts.reports import CITIZEN_REPORT_FILED
from services.citizen.open311_store import open311_api_keys

ADMIN = Actor(kind=ActorKind.OFFICER, id="o-admin", roles=("admin",))
OFFICER = Actor(kind=ActorKind.OFFICER, id="o-futian", unit="futian-1", roles=("officer",))
CITIZEN_A = Actor(kind=ActorKind.CITIZEN, id="c-aaaa", roles=("citizen",))
CITIZEN_B = Actor(kind=ActorKind.CITIZEN, id="c-bbbb", roles=("citizen",))
SCENE = {"lat": 22.5431, "long": 114.0579}
PARKING = {
    "service_code": "illegal_parking",
    "attributes": {"plate": "粤B12345", "blocking": "fire_lane"},
}
SPEC_FIELDS = {
    "service_request_id", "status", "status_notes", "service_name", "service_code",
    "description", "agency_responsible", "service_notice", "requested_datetime",
    "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat",
    "long", "media_url",
}  # fmt: skip


def north(metres: float) -> dict[str, float]:
    return {"lat": SCENE["lat"] + metres / 111_195.0, "long": SCENE["long"]}


def filed_events(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(outbox.c.envelope).where(outbox.c.type == CITIZEN_REPORT_FILED)
        ).scalars()
        return [orjson.loads(r)["payload"] for r in rows]


@pytest.fixture
def api_key(call: Callable[..., Any]) -> str:
    issued = call(ADMIN).open311_issue_key({"name": "测试 app"})
    assert issued["api_key"].startswith(issued["key_id"] + ".")
    return str(issued["api_key"])


def test_a_request_is_filed_announced_to_dispatch_and_followed_with_spec_fields(
    call: Callable[..., Any], citizen_db: Engine, api_key: str
) -> None:
    public = call()
    request = {**PARKING, **SCENE, "description": "堵住消防通道", "email": "a@example.com"}
    [created] = public.open311_create_request(request, api_key, "k-1")
    request_id = created["service_request_id"]
    assert set(created) == {"service_request_id", "service_notice", "account_id"}
    assert "possible duplicate" not in created["service_notice"]

    [event] = filed_events(citizen_db)
    assert event["report_id"] == request_id and event["category"] == "illegal_parking"
    assert event["location"] == {"lat": SCENE["lat"], "lon": SCENE["long"]}
    assert "堵住消防通道" in event["summary"]

    [found] = public.open311_request(request_id)
    assert set(found) == SPEC_FIELDS
    assert found["status"] == "open" and found["lat"] == SCENE["lat"]
    assert "a@example.com" not in orjson.dumps(found).decode()  # the reporter is never shown
    listed = public.open311_requests({"service_codes": ["illegal_parking"], "statuses": ["open"]})
    assert [r["service_request_id"] for r in listed] == [request_id]
    assert public.open311_requests({"service_codes": ["graffiti"]}) == []

    # a retry with the same idempotency key is the same request, filed once
    assert public.open311_create_request(request, api_key, "k-1") == [created]
    assert len(filed_events(citizen_db)) == 1


def test_a_request_within_50_m_of_an_open_one_of_its_service_is_a_possible_duplicate(
    call: Callable[..., Any], api_key: str
) -> None:
    public = call()
    [first] = public.open311_create_request({**PARKING, **SCENE}, api_key, "d-1")
    [near] = public.open311_create_request({**PARKING, **north(40)}, api_key, "d-2")
    assert first["service_request_id"] in near["service_notice"]
    [far] = public.open311_create_request({**PARKING, **north(120)}, api_key, "d-3")
    assert "possible duplicate" not in far["service_notice"]
    graffiti = {"service_code": "graffiti", **north(5)}
    [other_service] = public.open311_create_request(graffiti, api_key, "d-4")
    assert "possible duplicate" not in other_service["service_notice"]
    # kept all the same: both are listed
    ids = {r["service_request_id"] for r in public.open311_requests({})}
    assert {first["service_request_id"], near["service_request_id"]} <= ids

    call(OFFICER).open311_update_status(
        first["service_request_id"], {"status": "closed", "status_notes": "已处置"}
    )
    call(OFFICER).open311_update_status(
        near["service_request_id"], {"status": "closed", "status_notes": "重复，已合并"}
    )
    [after_closing] = public.open311_create_request({**PARKING, **north(10)}, api_key, "d-5")
    assert "possible duplicate" not in after_closing["service_notice"]


def test_posting_needs_a_valid_unrevoked_key_and_only_admins_issue_them(
    call: Callable[..., Any], citizen_db: Engine, api_key: str
) -> None:
    public = call()
    key_id, secret = api_key.split(".")
    forged = f"{key_id}.{secret[::-1]}"
    for wrong in (None, "", forged, "0123456789abcdef." + secret):
        with pytest.raises(RemoteError) as refused:
            public.open311_create_request({**PARKING, **SCENE}, wrong, "f-1")
        assert refused.value.exc_type == "Forbidden", wrong
    with pytest.raises(RemoteError) as not_admin:
        call(OFFICER).open311_issue_key({"name": "x"})
    assert not_admin.value.exc_type == "Forbidden"

    call(ADMIN).open311_revoke_key(key_id)
    with pytest.raises(RemoteError) as revoked:
        public.open311_create_request({**PARKING, **SCENE}, api_key, "f-2")
    assert revoked.value.exc_type == "Forbidden"
    assert filed_events(citizen_db) == []
    with citizen_db.connect() as conn:  # the secret is kept only as its argon2 hash
        [stored] = conn.execute(select(open311_api_keys.c.secret_hash)).scalars()
    assert stored.startswith("$argon2id$") and secret not in stored


def test_bad_requests_name_their_fields(call: Callable[..., Any], api_key: str) -> None:
    public = call()
    for request, field in (
        (
            {"service_code": "illegal_parking", **SCENE, "attributes": {"plate": "粤B12345"}},
            "attribute[blocking]",
        ),
        ({**PARKING, "address_string": "深南大道 1 号"}, "lat"),
        ({"service_code": "pothole_repair", **SCENE}, "service_code"),
    ):
        with pytest.raises(RemoteError) as refused:
            public.open311_create_request(request, api_key, f"b-{field}")
        assert refused.value.exc_type == "ValidationFailed"
        assert field in str(refused.value), field
    with pytest.raises(RemoteError) as unknown:
        public.open311_service_definition("pothole_repair")
    assert unknown.value.exc_type == "NotFound"
    with pytest.raises(RemoteError) as missing:
        public.open311_request("not-a-request")
    assert missing.value.exc_type == "NotFound"


def test_an_officer_closes_a_request_with_notes_and_a_citizen_may_not(
    call: Callable[..., Any], api_key: str
) -> None:
    [created] = call().open311_create_request({**PARKING, **SCENE}, api_key, "s-1")
    request_id = created["service_request_id"]
    with pytest.raises(RemoteError) as refused:
        call(CITIZEN_A).open311_update_status(request_id, {"status": "closed", "status_notes": "x"})
    assert refused.value.exc_type == "Forbidden"
    moved = call(OFFICER).open311_update_status(
        request_id,
        {"status": "closed", "status_notes": "已挪车", "agency_responsible": "香蜜湖派出所"},
    )
    assert moved["status"] == "closed" and moved["status_notes"] == "已挪车"
    assert moved["agency_responsible"] == "香蜜湖派出所"
    assert moved["updated_datetime"] >= moved["requested_datetime"]
    closed = call().open311_requests({"statuses": ["closed"]})
    assert [r["service_request_id"] for r in closed] == [request_id]


def test_a_citizen_sees_only_their_own_reports(
    call: Callable[..., Any], citizen_db: Engine
) -> None:
    report = {
        "service_code": "noise_disturbance",
        "location": {"lat": 22.54, "lon": 114.05},
        "description": "楼下装修",
        "attributes": {"noise_type": "construction", "ongoing": "yes"},
    }
    created = call(CITIZEN_A).file_report(report, "r-1")
    report_id = created["service_request_id"]
    assert [r["service_request_id"] for r in call(CITIZEN_A).my_reports()] == [report_id]
    assert call(CITIZEN_A).my_report(report_id)["description"] == "楼下装修"
    assert call(CITIZEN_B).my_reports() == []
    with pytest.raises(RemoteError) as hidden:
        call(CITIZEN_B).my_report(report_id)
    assert hidden.value.exc_type == "NotFound"
    with pytest.raises(RemoteError) as officer:
        call(OFFICER).file_report(report, "r-2")
    assert officer.value.exc_type == "Forbidden"
    assert [e["report_id"] for e in filed_events(citizen_db)] == [report_id]


def test_opening_hours_set_by_an_administrator_show_on_the_map(call: Callable[..., Any]) -> None:
    place = {
        "place_id": "lock-test-1",
        "kind": "locksmith",
        "name": "开锁店",
        "location": {"lat": 22.5, "lon": 114.0},
        "district": "futian",
        "cell": 1,
        "distance_m": 12.5,
    }
    shown = call().safety_map({"places": [place], "open_now": None, "limit": 10})
    [feature] = shown["features"]
    assert feature["properties"]["hours_source"] == "kind_default"
    assert feature["geometry"]["coordinates"] == [114.0, 22.5]

    closed = {"always_open": False, "periods": [], "note": "暂停营业"}
    with pytest.raises(RemoteError) as refused:
        call(OFFICER).set_opening_hours("lock-test-1", closed)
    assert refused.value.exc_type == "Forbidden"
    saved = call(ADMIN).set_opening_hours("lock-test-1", closed)
    assert saved["updated_by"] == "o-admin"
    [feature] = call().safety_map({"places": [place]})["features"]
    assert feature["properties"]["hours_source"] == "place"
    assert feature["properties"]["open_now"] is False
    assert call().safety_map({"places": [place], "open_now": True})["features"] == []

    call(ADMIN).reset_opening_hours("lock-test-1")
    [feature] = call().safety_map({"places": [place]})["features"]
    assert feature["properties"]["hours_source"] == "kind_default"
    with pytest.raises(RemoteError) as again:
        call(ADMIN).reset_opening_hours("lock-test-1")
    assert again.value.exc_type == "NotFound"
