"""Vendor formats: devices' own payloads (GA/T 1400 JSON, Hikvision ISAPI XML) as sightings.

`adapt` is the one door: raw bytes in, an `Adapted` out (rows for `validate_batch`, and what was
refused, by item, with a reason). It never raises.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

from contracts.vendor_payloads import VendorFormat
from contracts.vendor_payloads import VendorRejectReason as Reason
from services.prevention.domain.vendors.common import Adapted, refuse
from services.prevention.domain.vendors.gat1400 import adapt_gat1400
from services.prevention.domain.vendors.isapi import adapt_isapi

log = logging.getLogger(__name__)

ADAPTERS: dict[VendorFormat, Callable[[bytes, str], Adapted]] = {
    VendorFormat.GAT1400: adapt_gat1400,
    VendorFormat.ISAPI: adapt_isapi,
}

__all__ = ["ADAPTERS", "Adapted", "adapt", "batch_id"]


def adapt(vendor_format: VendorFormat, raw: bytes, device_id: str) -> Adapted:
    """`raw` from `device_id` as sighting rows; whatever goes wrong comes back as a rejection."""
    try:
        return ADAPTERS[vendor_format](raw, device_id)
    except Exception:
        # the adapters are built (and fuzzed) not to get here; if one does, the device still
        # gets a clear answer and the bug a log line
        log.exception("vendor adapter failed", extra={"format": str(vendor_format)})
        return refuse(Reason.UNREADABLE, "the payload could not be read")


def batch_id(vendor_format: VendorFormat, raw: bytes) -> str:
    """A payload's bytes name its batch: a device resending it is recorded once."""
    return f"{vendor_format}:{hashlib.sha256(raw).hexdigest()[:32]}"
