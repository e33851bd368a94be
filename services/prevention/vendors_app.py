"""Vendor payload use cases: a device's GA/T 1400 or ISAPI upload recorded as sightings.

The adapted rows take the very path of `record_sightings`: `record_batch` below is that path
after the idempotency claim (row-by-row validation with the device's facts, one
`prevention.sighting.recorded.v1` event through the outbox for the accepted rows), written so
that `record_sightings` can call it too.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from chassis.db import DatabaseAccess
from chassis.dependencies import EventStager
from contracts.actor import Actor, ActorKind
from contracts.errors import Forbidden, PayloadTooLarge, ValidationFailed
from contracts.sightings import BatchReceipt
from contracts.vendor_payloads import (
    VendorPayload,
    VendorReceipt,
    VendorRejection,
)
from contracts.vendor_payloads import VendorRejectReason as Reason
from services.prevention.domain import vendors
from services.prevention.sightings_app import record_batch

OPERATION = "record_vendor_payload"


def _raw(payload: VendorPayload) -> bytes:
    try:
        return base64.b64decode(payload.body_base64, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed(
            "the body is not base64", errors=[{"field": "body_base64", "problem": "base64"}]
        ) from None


def _refusal(rejection: VendorRejection) -> ValidationFailed | PayloadTooLarge:
    problem = [{"field": "payload", "problem": str(rejection.reason)}]
    if rejection.reason is Reason.PAYLOAD_TOO_LARGE:
        return PayloadTooLarge(rejection.detail, errors=problem)
    return ValidationFailed(rejection.detail, errors=problem)


def record_vendor_payload(
    db: DatabaseAccess, events: EventStager, actor: Actor, payload: VendorPayload, now: datetime
) -> VendorReceipt:
    """Adapt a device's own upload and record it once per payload; a payload that cannot be
    read at all is refused (4xx) and nothing is recorded."""
    if actor.kind is not ActorKind.DEVICE:
        raise Forbidden("vendor payloads are uploaded by devices with their own credential")
    raw = _raw(payload)
    adapted = vendors.adapt(payload.format, raw, actor.id)
    refused = adapted.refused
    if refused is not None:
        raise _refusal(refused)
    batch_id = vendors.batch_id(payload.format, raw)
    with db.command(OPERATION, batch_id) as command:
        if command.replayed:
            return VendorReceipt.model_validate({**command.previous_result, "replayed": True})
        recorded = (
            record_batch(command.session, events, actor, batch_id, adapted.rows, now)
            if adapted.rows
            else BatchReceipt(
                batch_id=batch_id,
                accepted=0,
                duplicates=0,
                rejected=[],
                event_id=None,
                replayed=False,
            )
        )
        refused_by_rules = [
            VendorRejection(
                index=adapted.row_items[row.index],
                reason=Reason.SIGHTING_REJECTED,
                detail=row.problem[:200],
            )
            for row in recorded.rejected
        ]
        receipt = VendorReceipt(
            format=payload.format,
            batch_id=batch_id,
            items=len(adapted.item_ids),
            item_ids=adapted.item_ids,
            accepted=recorded.accepted,
            duplicates=recorded.duplicates,
            rejected=sorted([*adapted.rejected, *refused_by_rules], key=lambda r: r.index or 0),
            event_id=recorded.event_id,
            replayed=False,
        )
        command.record(receipt.model_dump(mode="json"))
        return receipt
