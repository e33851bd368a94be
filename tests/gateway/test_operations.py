"""Operators see each service's consumers, dead letters and outbox backlog through the gateway."""

from __future__ import annotations

from tests.support.platform import Gateway


async def test_an_operator_lists_consumers_dead_letters_and_backlogs(gateway: Gateway) -> None:
    operator = {"Authorization": f"Bearer {await gateway.token('o-operator')}"}
    consumers = await gateway.client.get("/api/v1/ops/services/data/consumers", headers=operator)
    assert consumers.status_code == 200
    assert consumers.json() == [
        "data.keep_alert",
        "data.keep_case",
        "data.keep_fine",
        "data.keep_hotlist_entry",
        "data.store_sightings",
    ]

    dead = await gateway.client.get(
        "/api/v1/ops/services/data/dead-letters",
        params={"consumer": "data.store_sightings"},
        headers=operator,
    )
    assert dead.status_code == 200
    assert dead.json()["total"] == 0
    replay = await gateway.client.post(
        "/api/v1/ops/services/data/dead-letters:replay",
        json={"consumer": "data.store_sightings"},
        headers=operator,
    )
    assert replay.json() == {"consumer": "data.store_sightings", "replayed": 0}

    backlog = (await gateway.client.get("/api/v1/ops/outbox", headers=operator)).json()
    by_service = {b["service"]: b for b in backlog["services"]}
    assert by_service["prevention"]["unroutable"] >= 0 and "pending" in by_service["prevention"]
    assert by_service["investigation"]["unavailable"] == "ServiceUnavailable"  # not running here


async def test_unknown_services_and_consumers_are_404(gateway: Gateway) -> None:
    operator = {"Authorization": f"Bearer {await gateway.token('o-operator')}"}
    unknown_service = await gateway.client.get(
        "/api/v1/ops/services/nosuch/consumers", headers=operator
    )
    unknown_consumer = await gateway.client.get(
        "/api/v1/ops/services/data/dead-letters",
        params={"consumer": "data.nope"},
        headers=operator,
    )
    assert unknown_service.status_code == 404
    assert unknown_consumer.status_code == 404
    assert unknown_consumer.json()["code"] == "not_found"


async def test_officers_cannot_reach_operations(gateway: Gateway) -> None:
    officer = {"Authorization": f"Bearer {await gateway.token('o-futian')}"}
    response = await gateway.client.get("/api/v1/ops/outbox", headers=officer)
    assert response.status_code == 403
