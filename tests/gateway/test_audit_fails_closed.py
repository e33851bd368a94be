"""If the broker cannot confirm a request's audit record, the request fails closed (503)."""

from __future__ import annotations

from gateway.broker import EventPublisher
from tests.support.platform import Gateway


async def break_the_audit_path(gateway: Gateway) -> None:
    """Audit records go to an exchange nothing is bound to: every one comes back unroutable."""
    platform = gateway.app.state.platform
    unbound = EventPublisher(platform.settings.audit_confirm_timeout_s, exchange="sp.test.unbound")
    assert platform.connection is not None
    await unbound.start(platform.connection)
    platform.events = unbound


async def test_a_read_whose_audit_record_is_not_confirmed_discloses_nothing(
    gateway: Gateway,
) -> None:
    token = await gateway.token("o-futian")
    await break_the_audit_path(gateway)
    response = await gateway.client.get(
        "/api/v1/management/officers/o-futian",
        headers={"Authorization": f"Bearer {token}", "X-Purpose": "patrol_and_prevention"},
    )
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
    assert "Officer o-futian" not in response.text


async def test_a_command_whose_audit_record_is_not_confirmed_never_runs(gateway: Gateway) -> None:
    token = await gateway.token("o-futian")
    await break_the_audit_path(gateway)
    response = await gateway.client.post(
        "/api/v1/test/commands/unrecorded",
        params={"seconds": 0, "timeout_s": 5},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 503
    runs = await gateway.app.state.platform.rpc.call("slowpoke", "runs")
    assert "unrecorded" not in runs
