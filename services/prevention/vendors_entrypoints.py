"""Entrypoints of the prevention service: vendor payloads (GA/T 1400, Hikvision ISAPI)
turned into sightings.

A base class of `PreventionService` (service.py); thin like it: rules live in `domain/`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chassis.entrypoints import rpc
from chassis.service import PlatformService
from chassis.validation import parse
from contracts.vendor_payloads import VendorPayload
from services.prevention import vendors_app


class VendorsEntrypoints(PlatformService):
    @rpc
    def record_vendor_payload(self, vendor_format: str, body_base64: str) -> dict[str, Any]:
        """A device's own upload in its maker's format (`gat1400` JSON, `isapi` XML), its raw
        bytes in base64; recorded once per payload -> `VendorReceipt`."""
        payload = parse(VendorPayload, {"format": vendor_format, "body_base64": body_base64})
        receipt = vendors_app.record_vendor_payload(
            self.db, self.events, self.actor, payload, datetime.now(UTC)
        )
        return receipt.model_dump(mode="json")
