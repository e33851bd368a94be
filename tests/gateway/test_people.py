"""People administration through the gateway: a disabled officer's token stops working as soon
as the revocation reaches the gateway; repeated failed logins lock an account."""

from __future__ import annotations

import asyncio
import time

from tests.support.platform import Gateway

DEADLINE_S = 5.0


async def test_disabling_an_officer_stops_their_valid_token_within_seconds(
    gateway: Gateway,
) -> None:
    admin = {"Authorization": f"Bearer {await gateway.token('o-admin')}"}
    victim = {"Authorization": f"Bearer {await gateway.token('o-futian-2')}"}
    url = "/api/v1/management/officers/o-futian-2"
    assert (await gateway.client.get(url, headers=victim)).status_code != 401

    disabled = await gateway.client.post(
        f"{url}:disable", json={"reason": "suspended pending inquiry"}, headers=admin
    )
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["active"] is False
    try:
        deadline = time.monotonic() + DEADLINE_S
        while (await gateway.client.get(url, headers=victim)).status_code != 401:
            assert time.monotonic() < deadline, "the token still works after the deadline"
            await asyncio.sleep(0.05)
        refused = await gateway.client.post(
            "/api/v1/auth/token",
            data={
                "grant_type": "password",
                "username": "o-futian-2",
                "password": "correct horse battery staple",
            },
        )
        assert refused.status_code == 401
    finally:  # the officer is back for the tests after this one
        enabled = await gateway.client.post(
            f"{url}:enable", json={"reason": "inquiry closed"}, headers=admin
        )
        assert enabled.status_code == 200


async def test_only_an_administrator_changes_roles(gateway: Gateway) -> None:
    officer = {"Authorization": f"Bearer {await gateway.token('o-futian')}"}
    refused = await gateway.client.put(
        "/api/v1/management/officers/o-futian/roles",
        json={"roles": ["admin"], "reason": "promote myself"},
        headers=officer,
    )
    assert refused.status_code == 403


async def test_performance_figures_as_json_and_csv(gateway: Gateway) -> None:
    admin = {"Authorization": f"Bearer {await gateway.token('o-admin')}"}
    url = "/api/v1/management/statistics/performance"
    params = {"unit_id": "sz", "period": "month", "first": "2026-10-01"}
    report = await gateway.client.get(url, params=params, headers=admin)
    assert report.status_code == 200, report.text
    assert {c["unit_id"] for c in report.json()["children"]} >= {"futian", "nanshan"}
    csv = await gateway.client.get(f"{url}.csv", params=params, headers=admin)
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0].startswith("period,first,end,unit_id")
    odd = await gateway.client.get(url, params={**params, "first": "2026-10-02"}, headers=admin)
    assert odd.status_code == 422
    assert odd.json()["detail"] == "a month starts on the first of a month"
    unknown = await gateway.client.get(url, params={**params, "unit_id": "nowhere"}, headers=admin)
    assert unknown.status_code == 404
