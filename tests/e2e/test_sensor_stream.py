"""A device streams sightings over gRPC: every valid one lands in the data service exactly once,
even when the stream is cut and the device resends from an earlier batch."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from sqlalchemy import create_engine, text

from chassis.testing.infra import DATABASE_URL
from contracts.proto import sensor_ingest_pb2 as pb
from contracts.proto import sensor_ingest_pb2_grpc as pb_grpc
from demo import drive
from tests.support.platform import Gateway, Platform

BATCHES = 20
PER_BATCH = 500
SIGHTINGS = BATCHES * PER_BATCH
CITY_POINT = {"lat": 22.5431, "lon": 114.0579}


async def registered_device(gateway: Gateway) -> tuple[str, str]:
    """A checkpoint and its credential, as an administrator makes them."""
    admin = await gateway.token("o-admin")
    device_id = f"cp-stream-{secrets.token_hex(4)}"
    created = await gateway.client.post(
        "/api/v1/prevention/devices",
        json={
            "device_id": device_id,
            "kind": "checkpoint",
            "name": "stream test checkpoint",
            "unit_id": "futian",
            "location": CITY_POINT,
        },
        headers=drive.headers(admin),
    )
    assert created.status_code == 201, created.text
    issued = await gateway.client.post(
        f"/api/v1/prevention/devices/{device_id}/credential:rotate", headers=drive.headers(admin)
    )
    assert issued.status_code == 200, issued.text
    return device_id, issued.json()["credential"]


def batches(prefix: str) -> list[pb.SightingBatch]:
    """10,000 distinct good sightings in 20 batches, with a bad row in every batch."""
    now = datetime.now(UTC)
    made = []
    for b in range(BATCHES):
        rows = [
            pb.Sighting(
                plate=f"粤{'BCDEFGHJKLMNPQRSTUVWXY'[b]}{n:05d}",
                seen_at=(now - timedelta(seconds=n)).isoformat(),
            )
            for n in range(PER_BATCH)
        ]
        rows.append(pb.Sighting(plate="not a plate", seen_at=now.isoformat()))
        made.append(pb.SightingBatch(batch_id=f"{prefix}-{b:03d}", sightings=rows))
    return made


async def stream(
    port: int, credential: str, sending: list[pb.SightingBatch], cut_after: int | None = None
) -> list[pb.BatchAck]:
    """Send the batches on one stream and read their acknowledgements; with `cut_after`, the
    connection is dropped after that many acknowledgements (the rest are never answered)."""
    acks: list[pb.BatchAck] = []

    async def requests() -> AsyncIterator[pb.SightingBatch]:
        for batch in sending:
            yield batch

    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        call = pb_grpc.SensorIngestStub(channel).StreamSightings(
            requests(), metadata=(("authorization", f"Device {credential}"),)
        )
        async for ack in call:
            acks.append(ack)
            if cut_after is not None and len(acks) == cut_after:
                call.cancel()
                break
    return acks


def stored(platform: Platform, device_id: str) -> tuple[int, int]:
    schema = f"{platform.schema_prefix}data"
    engine = create_engine(DATABASE_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        with engine.connect() as conn:
            row = conn.execute(
                text(
                    "SELECT count(*), count(DISTINCT sighting_id) FROM sightings"
                    " WHERE device_id = :d"
                ),
                {"d": device_id},
            ).one()
        return int(row[0]), int(row[1])
    finally:
        engine.dispose()


async def test_a_cut_stream_resumed_with_the_same_batches_lands_every_sighting_once(
    gateway: Gateway, platform: Platform
) -> None:
    device_id, credential = await registered_device(gateway)
    port = gateway.app.state.grpc_port
    sent = batches(device_id)

    first = await stream(port, credential, sent[:12], cut_after=8)
    assert [a.batch_id for a in first] == [b.batch_id for b in sent[:8]]
    assert all(a.accepted == PER_BATCH and not a.replayed for a in first)
    assert all(
        [(r.index, r.problem) for r in a.rejected]
        == [(PER_BATCH, "not a recognisable plate number")]
        for a in first
    )

    # the device does not know how far the cut stream got: it resends from batch 6
    second = await stream(port, credential, sent[6:])
    assert [a.batch_id for a in second] == [b.batch_id for b in sent[6:]]
    assert [a.replayed for a in second[:2]] == [True, True]
    assert all(a.accepted == PER_BATCH for a in second)

    async def landed() -> bool:
        return stored(platform, device_id) == (SIGHTINGS, SIGHTINGS)

    assert await drive.until(landed, "every sighting in the data service", timeout_s=120)
    await asyncio.sleep(1)  # nothing more arrives late: still exactly once
    assert stored(platform, device_id) == (SIGHTINGS, SIGHTINGS)


async def test_a_stream_without_a_valid_credential_is_refused(gateway: Gateway) -> None:
    port = gateway.app.state.grpc_port
    for credential in ("", "nobody.secret", "x" * 300):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await stream(port, credential, batches("nobody")[:1])
        assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
