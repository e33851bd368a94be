"""`SensorIngest.StreamSightings`: devices stream batches of sightings over gRPC; each batch is
acknowledged, in order, with what was accepted and why anything was not.

A stream authenticates once, from its metadata (`authorization: Device <id>.<secret>`), and is
authorised like an HTTP route (`prevention.stream_sightings` in the matrix). Each batch is
recorded by the prevention service under the batch's own id, so a batch sent again after a cut
stream is acknowledged as a replay and recorded once. Each batch is audited like a request.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import grpc

from chassis.context import actor_to_context
from chassis.outbox import build_envelope
from contracts.actor import Actor
from contracts.audit import AuditRecord, Outcome, audit_event_type
from contracts.errors import PlatformError
from contracts.proto import sensor_ingest_pb2 as pb
from contracts.proto import sensor_ingest_pb2_grpc as pb_grpc
from contracts.sightings import MAX_BATCH_ROWS
from gateway.broker import AuditUnavailable
from gateway.devices import device_credential
from gateway.platform import Platform
from gateway.rpc import RemoteError

log = logging.getLogger(__name__)
OPERATION = "prevention.stream_sightings"
#: errors a device can fix by sending differently (the batch is answered, the stream goes on)
BATCH_ERRORS = frozenset({"ValidationFailed", "Conflict", "PayloadTooLarge"})


def rows_of(batch: pb.SightingBatch, device_id: str) -> list[dict[str, Any]]:
    """The batch as `record_sightings` takes it: every row is the streaming device's own."""
    rows: list[dict[str, Any]] = []
    for sighting in batch.sightings:
        row: dict[str, Any] = {
            "plate": sighting.plate,
            "device_id": device_id,
            "seen_at": sighting.seen_at,
        }
        if sighting.HasField("lat") and sighting.HasField("lon"):
            row["location"] = {"lat": sighting.lat, "lon": sighting.lon}
        rows.append(row)
    return rows


def ack_of(receipt: dict[str, Any]) -> pb.BatchAck:
    return pb.BatchAck(
        batch_id=receipt["batch_id"],
        accepted=receipt["accepted"],
        duplicates=receipt["duplicates"],
        rejected=[
            pb.RejectedSighting(index=r["index"], problem=r["problem"]) for r in receipt["rejected"]
        ],
        replayed=receipt["replayed"],
    )


class SensorIngest(pb_grpc.SensorIngestServicer):
    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    async def _audit(self, actor: Actor, outcome: Outcome, subject: str, status: int) -> None:
        envelope = build_envelope(
            event_type=audit_event_type("gateway"),
            payload=AuditRecord(
                operation=OPERATION, outcome=outcome, subject=subject[:500], http_status=status
            ),
            producer="gateway",
            actor=actor,
            traceparent=None,
        )
        await self.platform.events.publish(envelope)

    async def _device(self, context: grpc.aio.ServicerContext) -> Actor:
        metadata = dict(context.invocation_metadata() or ())
        devices = self.platform.device_credentials
        try:
            credential = device_credential(str(metadata.get("authorization", "")))
            if credential is None or devices is None:
                raise PlatformError("a device credential is required")
            principal = await devices.verify(credential)
        except (PlatformError, RemoteError):
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, "invalid device credential")
            raise  # abort raises; this satisfies the type checker
        rule = self.platform.matrix.rule(OPERATION)
        if rule is None or not self.platform.matrix.allows(principal, rule):
            await context.abort(grpc.StatusCode.PERMISSION_DENIED, f"may not call {OPERATION}")
        return principal.actor()

    async def StreamSightings(
        self,
        request_iterator: AsyncIterator[pb.SightingBatch],
        context: grpc.aio.ServicerContext,
    ) -> AsyncIterator[pb.BatchAck]:
        actor = await self._device(context)
        call_context = {"actor": actor_to_context(actor)}
        async for batch in request_iterator:
            subject = f"batch_id={batch.batch_id}"
            if not 1 <= len(batch.sightings) <= MAX_BATCH_ROWS:
                yield pb.BatchAck(
                    batch_id=batch.batch_id,
                    error=f"a batch holds 1-{MAX_BATCH_ROWS} sightings",
                )
                continue
            try:
                await self._audit(actor, Outcome.ALLOWED, subject, 200)
                receipt = await self.platform.rpc.call(
                    "prevention",
                    "record_sightings",
                    {"batch_id": batch.batch_id, "sightings": rows_of(batch, actor.id)},
                    context=call_context,
                )
            except AuditUnavailable:
                await context.abort(grpc.StatusCode.UNAVAILABLE, "the audit ledger is unavailable")
                return
            except RemoteError as exc:
                if exc.exc_type in BATCH_ERRORS:
                    yield pb.BatchAck(batch_id=batch.batch_id, error=exc.detail)
                    continue
                # the device resends from this batch on a new stream; batches are idempotent
                log.warning("stream stopped", extra={"exc_type": exc.exc_type})
                await context.abort(grpc.StatusCode.UNAVAILABLE, "ingestion is unavailable")
                return
            except PlatformError as exc:
                await context.abort(grpc.StatusCode.UNAVAILABLE, exc.detail)
                return
            yield ack_of(receipt)
