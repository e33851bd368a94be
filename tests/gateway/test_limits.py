"""Bad input and abuse get clear 4xx problems: malformed, oversized, too many."""

from __future__ import annotations

from tests.support.platform import Gateway, GatewayFactory

UNITS = "/api/v1/management/units"


async def admin_headers(gateway: Gateway) -> dict[str, str]:
    return {"Authorization": f"Bearer {await gateway.token('o-admin')}"}


async def test_a_malformed_body_is_a_422_problem_naming_the_fields(gateway: Gateway) -> None:
    headers = await admin_headers(gateway)
    not_json = await gateway.client.post(
        UNITS, content=b"{not json", headers={**headers, "Content-Type": "application/json"}
    )
    wrong_shape = await gateway.client.post(
        UNITS, json={"id": "Bad Id!", "name": "", "level": "galaxy"}, headers=headers
    )
    for response in (not_json, wrong_shape):
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body["code"] == "validation_failed"
        assert "Traceback" not in response.text
    assert {e["field"] for e in wrong_shape.json()["errors"]} == {"id", "name", "level"}
    assert "galaxy" not in wrong_shape.text  # the input is not echoed back


async def test_a_rule_broken_in_the_service_is_a_422_and_a_duplicate_a_409(
    gateway: Gateway,
) -> None:
    headers = await admin_headers(gateway)
    under_city = await gateway.client.post(
        UNITS,
        json={"id": "s-x", "name": "x", "level": "station", "parent_id": "sz"},
        headers=headers,
    )
    assert under_city.status_code == 422
    assert under_city.json()["detail"] == "a station unit belongs to a branch unit"
    duplicate = await gateway.client.post(
        UNITS, json={"id": "sz", "name": "again", "level": "city"}, headers=headers
    )
    assert duplicate.status_code == 409


async def test_an_oversized_body_is_refused_with_413(gateway_factory: GatewayFactory) -> None:
    gateway: Gateway = await gateway_factory(max_body_bytes=2048)
    headers = await admin_headers(gateway)
    declared = await gateway.client.post(
        UNITS, content=b"x" * 4096, headers={**headers, "Content-Type": "application/json"}
    )
    assert declared.status_code == 413
    assert declared.json()["code"] == "payload_too_large"

    async def streamed():  # no Content-Length: the gateway counts as it reads
        for _ in range(4):
            yield b"x" * 1024

    chunked = await gateway.client.post(
        UNITS, content=streamed(), headers={**headers, "Content-Type": "application/json"}
    )
    assert chunked.status_code == 413


async def test_too_many_requests_get_429_with_retry_after(gateway_factory: GatewayFactory) -> None:
    gateway: Gateway = await gateway_factory(rate_limit_per_s=0.2, rate_limit_burst=3)
    token = await gateway.token("o-auditor")
    statuses = [
        (
            await gateway.client.get(
                "/api/v1/audit/verify", headers={"Authorization": f"Bearer {token}"}
            )
        )
        for _ in range(4)
    ]
    assert [r.status_code for r in statuses] == [200, 200, 200, 429]
    assert int(statuses[-1].headers["retry-after"]) >= 1
    assert statuses[-1].json()["code"] == "rate_limited"


async def test_password_guessing_is_rate_limited_per_address(
    gateway_factory: GatewayFactory,
) -> None:
    gateway: Gateway = await gateway_factory(login_rate_per_s=0.1, login_burst=3)
    guesses = [
        await gateway.client.post(
            "/api/v1/auth/token",
            data={"grant_type": "password", "username": "o-admin", "password": f"guess {n}"},
        )
        for n in range(4)
    ]
    assert [r.status_code for r in guesses] == [401, 401, 401, 429]


async def test_an_unknown_route_is_a_404_problem(gateway: Gateway) -> None:
    response = await gateway.client.get("/api/v1/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_page_sizes_are_bounded(gateway: Gateway) -> None:
    headers = {**(await admin_headers(gateway)), "X-Purpose": "patrol_and_prevention"}
    too_big = await gateway.client.get("/api/v1/management/officers?limit=501", headers=headers)
    assert too_big.status_code == 422
    assert too_big.json()["errors"] == [{"field": "limit", "problem": "less_than_equal"}]
    page = await gateway.client.get("/api/v1/management/officers?limit=2", headers=headers)
    assert page.status_code == 200
    assert len(page.json()["items"]) == 2 and page.json()["next_cursor"]


async def test_a_request_id_is_echoed_and_named_in_problems(gateway: Gateway) -> None:
    given = "req-0123456789abcdef"
    response = await gateway.client.get("/api/v1/audit/verify", headers={"X-Request-Id": given})
    assert response.headers["x-request-id"] == given
    assert response.json()["request_id"] == given
    unsafe = await gateway.client.get("/api/v1/audit/verify", headers={"X-Request-Id": "a b<c>"})
    assert unsafe.headers["x-request-id"] != "a b<c>"  # replaced, never reflected
