"""Open311 GeoReport v2 through the gateway: a round trip with a standard client library
(georeport, over real HTTP) and the specification's field names, formats and error array;
API keys, possible duplicates, officers closing requests, citizens' own reports."""

from __future__ import annotations

import secrets
import threading
import time
import uuid
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import requests
import uvicorn
from georeport import GeoReport

from chassis.testing.processes import free_port
from demo import drive
from gateway.app import create_app
from gateway.open311_wire import xml_document
from tests.support.platform import PASSWORD, Gateway, GatewayFactory, Platform, gateway_settings

V2 = "/open311/v2"
SPEC_FIELDS = {
    "service_request_id", "status", "status_notes", "service_name", "service_code",
    "description", "agency_responsible", "service_notice", "requested_datetime",
    "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat",
    "long", "media_url",
}  # fmt: skip
ATTRIBUTE_FIELDS = {
    "variable", "code", "datatype", "required", "datatype_description", "order",
    "description", "values",
}  # fmt: skip
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def spot() -> tuple[float, float]:
    """A point of its own, so that tests sharing the platform do not see each other's
    requests as duplicates."""
    return 22.70 + secrets.randbelow(10_000) / 100_000, 114.20 + secrets.randbelow(10_000) / 100_000


@pytest.fixture(scope="module")
def served(platform: Platform) -> Iterator[str]:
    """The gateway on a real port (the client library speaks HTTP through `requests`)."""
    port = free_port()
    app = create_app(gateway_settings(platform))
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, name="open311-gateway", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the gateway did not start"
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    while True:  # identity loads in the background after start-up
        signed = requests.post(
            f"{base}/api/v1/auth/token",
            data={"grant_type": "password", "username": "o-admin", "password": PASSWORD},
            timeout=10,
        )
        if signed.status_code == 200:
            break
        assert time.monotonic() < deadline, signed.text
        time.sleep(0.1)
    yield base
    server.should_exit = True
    thread.join(timeout=30)


def sync_token(base: str, username: str) -> str:
    signed = requests.post(
        f"{base}/api/v1/auth/token",
        data={"grant_type": "password", "username": username, "password": PASSWORD},
        timeout=10,
    )
    assert signed.status_code == 200, signed.text
    token: str = signed.json()["access_token"]
    return token


def issue_key_sync(base: str) -> str:
    admin = sync_token(base, "o-admin")
    issued = requests.post(
        f"{base}/api/v1/citizen/open311/keys",
        json={"name": "georeport 测试客户端"},
        headers={"Authorization": f"Bearer {admin}"},
        timeout=10,
    )
    assert issued.status_code == 201, issued.text
    key: str = issued.json()["api_key"]
    return key


def test_a_standard_client_round_trip_with_the_specifications_fields(served: str) -> None:
    api_key = issue_key_sync(served)
    client = GeoReport(f"{served}{V2}", api_key=api_key)

    services = client.get_service_list()
    parking = next(s for s in services if s["service_code"] == "illegal_parking")
    assert set(parking) == {
        "service_code", "service_name", "description", "metadata", "type", "keywords", "group",
    }  # fmt: skip
    assert parking["metadata"] is True and parking["type"] == "realtime"
    definition = client.get_service_definition("illegal_parking")
    assert definition["service_code"] == "illegal_parking"
    assert {a["code"] for a in definition["attributes"]} == {"plate", "blocking"}
    for attribute in definition["attributes"]:
        assert set(attribute) == ATTRIBUTE_FIELDS
    blocking = next(a for a in definition["attributes"] if a["code"] == "blocking")
    choice = blocking["values"][0]["key"]

    # georeport reads; posting is the specification's form-encoded POST, as any client sends it
    lat, long = spot()
    posted = requests.post(
        f"{served}{V2}/requests.json",
        data={
            "api_key": api_key,
            "service_code": "illegal_parking",
            "lat": str(lat),
            "long": str(long),
            "address_string": "深圳市福田区测试路 1 号",
            "attribute[plate]": "粤B 12345",
            "attribute[blocking]": choice,
            "email": "reporter@example.com",
            "first_name": "小明",
            "last_name": "王",
            "phone": "13800138000",
            "device_id": "device-1",
            "account_id": "acct-42",
            "description": "白色轿车堵住消防通道",
            "media_url": "https://example.com/photo.jpg",
        },
        timeout=10,
    )
    assert posted.status_code == 201, posted.text
    [created] = posted.json()
    assert set(created) == {"service_request_id", "service_notice", "account_id"}
    assert created["account_id"] == "acct-42"
    request_id = created["service_request_id"]

    found = client.get_service_request(request_id)
    assert set(found) == SPEC_FIELDS
    assert found["service_request_id"] == request_id
    assert (found["status"], found["service_code"]) == ("open", "illegal_parking")
    assert (found["lat"], found["long"]) == (lat, long)
    assert found["address"] == "深圳市福田区测试路 1 号"
    assert found["description"] == "白色轿车堵住消防通道"
    assert found["requested_datetime"].endswith(("Z", "+00:00"))
    text = str(found)
    for private in ("reporter@example.com", "13800138000", "小明", "device-1"):
        assert private not in text
    listed = client.get_service_requests(service_request_id=f"{request_id},{uuid.uuid4()}")
    assert [r["service_request_id"] for r in listed] == [request_id]
    recent = client.get_service_requests(service_code="illegal_parking", status="open")
    assert request_id in {r["service_request_id"] for r in recent}

    # the same, in XML
    as_xml = GeoReport(f"{served}{V2}", output_format="xml")
    listed_xml = as_xml.get_service_list()
    assert {s["service_code"] for s in listed_xml} == {s["service_code"] for s in services}
    assert (
        next(s for s in listed_xml if s["service_code"] == "illegal_parking")["metadata"] == "true"
    )
    definition_xml = as_xml.get_service_definition("illegal_parking")
    assert {a["code"] for a in definition_xml["attributes"]["attribute"]} == {"plate", "blocking"}
    found_xml = as_xml.get_service_request(request_id)
    assert found_xml["service_request_id"] == request_id and found_xml["status"] == "open"
    assert set(found_xml) == SPEC_FIELDS


def test_errors_are_the_specifications_array_in_json_and_in_xml(served: str) -> None:
    lat, long = spot()
    for api_key in (None, "", "0123456789abcdef.not-a-real-secret-at-all", "nonsense"):
        form = {"service_code": "graffiti", "lat": lat, "long": long}
        if api_key is not None:
            form["api_key"] = api_key
        refused = requests.post(f"{served}{V2}/requests.json", data=form, timeout=10)
        assert refused.status_code == 403, refused.text
        [error] = refused.json()
        assert error["code"] == 403 and "api_key" in error["description"]
        assert refused.headers["content-type"].startswith("application/json")

    as_xml = requests.post(
        f"{served}{V2}/requests.xml", data={"service_code": "graffiti", "lat": lat, "long": long}
    )
    assert as_xml.status_code == 403
    assert as_xml.headers["content-type"].startswith("text/xml")
    assert as_xml.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = ElementTree.fromstring(as_xml.content)
    assert root.tag == "errors" and root.find("error/code").text == "403"  # type: ignore[union-attr]

    for path, status in (
        (f"{V2}/services/pothole_repair.json", 404),
        (f"{V2}/requests/{uuid.uuid4()}.json", 404),
        (f"{V2}/requests.json?start_date=yesterday", 400),
        (f"{V2}/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", 400),
        (f"{V2}/requests.json?status=pending", 400),
        (f"{V2}/services.csv", 400),
    ):
        answer = requests.get(f"{served}{path}", timeout=10)
        assert answer.status_code == status, (path, answer.text)
        errors = answer.json()
        assert isinstance(errors, list) and errors, path
        assert all(set(e) == {"code", "description"} and e["code"] == status for e in errors)

    api_key = issue_key_sync(served)
    bad_forms: list[tuple[dict[str, Any], str]] = [
        ({"lat": lat, "long": long}, "service_code"),
        ({"service_code": "illegal_parking", "lat": lat, "long": long}, "attribute[plate]"),
        ({"service_code": "graffiti", "address_string": "深南大道 1 号"}, "lat"),
        ({"service_code": "graffiti", "lat": "north", "long": long}, "lat"),
    ]
    for form, named in bad_forms:
        refused = requests.post(
            f"{served}{V2}/requests.json", data={**form, "api_key": api_key}, timeout=10
        )
        assert refused.status_code == 400, (form, refused.text)
        descriptions = " ".join(e["description"] for e in refused.json())
        assert all(e["code"] == 400 for e in refused.json())
        assert named in descriptions, (form, descriptions)
    as_json = requests.post(
        f"{served}{V2}/requests.json", json={"service_code": "graffiti", "api_key": api_key}
    )
    assert as_json.status_code == 400 and as_json.json()[0]["code"] == 400


async def test_too_many_requests_is_429_with_retry_after_in_the_specifications_format(
    gateway_factory: GatewayFactory,
) -> None:
    limited: Gateway = await gateway_factory(rate_limit_per_s=0.01, rate_limit_burst=2)
    answers = [await limited.client.get(f"{V2}/services.json") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert int(answers[2].headers["retry-after"]) >= 1
    [error] = answers[2].json()
    assert error["code"] == 429


async def open311_key(client: httpx.AsyncClient, admin: str) -> str:
    issued = await client.post(
        "/api/v1/citizen/open311/keys", json={"name": "测试"}, headers=drive.headers(admin)
    )
    assert issued.status_code == 201, issued.text
    key: str = issued.json()["api_key"]
    return key


async def post(client: httpx.AsyncClient, form: dict[str, Any]) -> httpx.Response:
    return await client.post(f"{V2}/requests.json", data=form, headers=FORM)


async def test_a_nearby_open_request_is_offered_as_a_duplicate_and_officers_close_it(
    gateway: Gateway,
) -> None:
    admin = await gateway.token("o-admin")
    officer = await gateway.token("o-futian")
    api_key = await open311_key(gateway.client, admin)
    lat, long = spot()
    form = {"api_key": api_key, "service_code": "road_hazard", "lat": lat, "long": long}
    first = await post(gateway.client, {**form, "attribute[hazards][]": ["debris", "spill"]})
    assert first.status_code == 201, first.text
    first_id = first.json()[0]["service_request_id"]
    second = await post(
        gateway.client, {**form, "lat": lat + 0.0002, "attribute[hazards][]": "pothole"}
    )
    assert second.status_code == 201, second.text
    assert first_id in second.json()[0]["service_notice"]

    not_admin = await gateway.client.post(
        "/api/v1/citizen/open311/keys", json={"name": "x"}, headers=drive.headers(officer)
    )
    assert not_admin.status_code == 403
    assert not_admin.headers["content-type"].startswith("application/problem+json")

    closed = await gateway.client.post(
        f"/api/v1/citizen/open311/requests/{first_id}/status",
        json={"status": "closed", "status_notes": "已清理路面"},
        headers=drive.headers(officer),
    )
    assert closed.status_code == 200, closed.text
    [seen] = (await gateway.client.get(f"{V2}/requests/{first_id}.json")).json()
    assert (seen["status"], seen["status_notes"]) == ("closed", "已清理路面")

    revoked = await gateway.client.delete(
        f"/api/v1/citizen/open311/keys/{api_key.split('.')[0]}", headers=drive.headers(admin)
    )
    assert revoked.status_code == 204
    refused = await post(gateway.client, {**form, "attribute[hazards]": "debris"})
    assert refused.status_code == 403 and refused.json()[0]["code"] == 403


async def test_one_citizen_cannot_read_another_citizens_reports(gateway: Gateway) -> None:
    operator = await gateway.token("o-operator")
    first = await drive.sign_in_citizen(
        gateway.client, f"137{secrets.randbelow(10**8):08d}", operator
    )
    other = await drive.sign_in_citizen(
        gateway.client, f"137{secrets.randbelow(10**8):08d}", operator
    )
    lat, long = spot()
    filed = await gateway.client.post(
        "/api/v1/citizen/reports",
        json={
            "service_code": "noise_disturbance",
            "location": {"lat": lat, "lon": long},
            "description": "深夜施工",
            "attributes": {"noise_type": "construction", "ongoing": "yes"},
        },
        headers=drive.headers(first["access_token"]),
    )
    assert filed.status_code == 201, filed.text
    report_id = filed.json()["service_request_id"]

    mine = await gateway.client.get(
        f"/api/v1/citizen/reports/{report_id}", headers=drive.headers(first["access_token"])
    )
    assert mine.status_code == 200 and mine.json()["description"] == "深夜施工"
    theirs = await gateway.client.get(
        f"/api/v1/citizen/reports/{report_id}", headers=drive.headers(other["access_token"])
    )
    assert theirs.status_code == 404
    assert theirs.json()["code"] == "not_found"
    listed = await gateway.client.get(
        "/api/v1/citizen/reports", headers=drive.headers(other["access_token"])
    )
    assert listed.status_code == 200 and listed.json() == []
    # it is an Open311 request like any other: public by the specification, without its reporter
    [public] = (await gateway.client.get(f"{V2}/requests/{report_id}.json")).json()
    assert public["service_code"] == "noise_disturbance"


def test_the_specifications_xml_shapes() -> None:
    services = xml_document("services", [{"service_code": "a", "metadata": True, "group": None}])
    assert services == (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<services><service><service_code>a'
        b"</service_code><metadata>true</metadata><group /></service></services>"
    )
    definition = ElementTree.fromstring(
        xml_document(
            "service_definition",
            {
                "service_code": "a",
                "attributes": [{"code": "c", "values": [{"key": "k", "name": "n"}]}],
            },
        )
    )
    assert definition.find("attributes/attribute/values/value/key").text == "k"  # type: ignore[union-attr]
    errors = ElementTree.fromstring(xml_document("errors", [{"code": 400, "description": "d"}]))
    assert errors.find("error/description").text == "d"  # type: ignore[union-attr]
