"""Calls to stopped services fail fast (503); slow calls time out (504) and never run late."""

from __future__ import annotations

import asyncio
import time

import aio_pika

from tests.support.platform import Gateway, Platform


async def test_a_call_to_a_stopped_service_is_503_without_waiting_for_the_timeout(
    gateway: Gateway, platform: Platform
) -> None:
    token = await gateway.token("o-operator")
    gateway_rpc_timeout_s = gateway.app.state.platform.settings.rpc_timeout_s

    async def consumers_of_investigation() -> None:
        started = time.monotonic()
        response = await gateway.client.get(
            "/api/v1/ops/services/investigation/consumers",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 503, response.text
        # fast: it never waits for the call's timeout (a loaded machine may take a second)
        assert time.monotonic() - started < gateway_rpc_timeout_s / 2
        assert response.json()["code"] == "service_unavailable"

    await consumers_of_investigation()  # never started: no queue at all
    # a service that ran once and stopped leaves its durable queue behind, with no consumer
    connection = await aio_pika.connect(platform.amqp_uri)
    async with connection:
        channel = await connection.channel()
        await channel.declare_queue(
            "rpc-investigation", durable=True, arguments={"x-queue-type": "classic"}
        )
    await consumers_of_investigation()


async def test_a_timed_out_command_is_504_and_never_runs_afterwards(gateway: Gateway) -> None:
    token = {"Authorization": f"Bearer {await gateway.token('o-futian')}"}
    # the test service has one worker: the first command holds it, the second waits behind it
    first = asyncio.create_task(
        gateway.client.post(
            "/api/v1/test/commands/first", params={"seconds": 2, "timeout_s": 5}, headers=token
        )
    )
    await asyncio.sleep(0.3)
    second = await gateway.client.post(
        "/api/v1/test/commands/second", params={"seconds": 0, "timeout_s": 0.5}, headers=token
    )
    assert second.status_code == 504
    assert second.json()["code"] == "timeout"
    assert (await first).status_code == 200

    later = await gateway.client.post(
        "/api/v1/test/commands/third", params={"seconds": 0, "timeout_s": 5}, headers=token
    )
    assert later.status_code == 200  # the worker is free again: anything queued has run by now
    runs = await gateway.app.state.platform.rpc.call("slowpoke", "runs")
    assert "first" in runs and "third" in runs
    assert "second" not in runs
