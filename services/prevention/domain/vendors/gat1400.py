"""GA/T 1400.4 (视图库) motor-vehicle objects, as a capture device uploads them in JSON.

The body is `{"MotorVehicleListObject": {"MotorVehicleObject": [ ... ]}}`. Of each object the
sighting needs `DeviceID` (the authenticated device's own id, exactly: a device speaks only for
itself), `PlateNo` (`HasPlate` false, or a recogniser's "no plate" word, means there is none)
and `PassTime` (`yyyyMMddHHmmss`, or with milliseconds, the city's local time); `Longitude` and
`Latitude` are used when both are given. `MotorVehicleID` is echoed in the answer. Pictures
(`StorageUrl1`…, `SubImageList`) and the vehicle's description are not kept.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import orjson

from contracts.vendor_payloads import LOCAL_TIME_ZONE, MAX_OBJECTS
from contracts.vendor_payloads import VendorRejectReason as Reason
from services.prevention.domain.vendors.common import (
    Adapted,
    ItemRejected,
    location,
    plate,
    refuse,
    refuse_unbounded,
    sighting_row,
    text,
    vendor_id,
)

_PASS_TIME = re.compile(
    r"^([0-9]{4})([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{3})?$"
)
_UTF8_BOM = b"\xef\xbb\xbf"
_NO = (False, 0, "0", "false", "False")


def adapt_gat1400(raw: bytes, device_id: str) -> Adapted:
    refused = refuse_unbounded(raw)
    if refused is not None:
        return refused
    try:
        body = raw.removeprefix(_UTF8_BOM).decode("utf-8")
    except UnicodeDecodeError:
        return refuse(Reason.BAD_ENCODING, "GA/T 1400 JSON must be UTF-8")
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return refuse(Reason.MALFORMED_JSON, "the body is not JSON")
    objects = _objects(document)
    if isinstance(objects, Adapted):
        return objects
    adapted = Adapted()
    for index, item in enumerate(objects):
        adapted.item_ids.append(
            vendor_id(item.get("MotorVehicleID")) if isinstance(item, dict) else None
        )
        try:
            adapted.add_row(index, _row(item, device_id))
        except ItemRejected as problem:
            adapted.reject(index, problem)
    return adapted


def _objects(document: Any) -> list[Any] | Adapted:
    listed = document.get("MotorVehicleListObject") if isinstance(document, dict) else None
    if not isinstance(listed, dict):
        return refuse(Reason.UNEXPECTED_SHAPE, "expected a MotorVehicleListObject")
    objects = listed.get("MotorVehicleObject")
    if isinstance(objects, dict):  # one object, written without its list
        objects = [objects]
    if not isinstance(objects, list):
        return refuse(Reason.UNEXPECTED_SHAPE, "expected a MotorVehicleObject list")
    if not objects:
        return refuse(Reason.EMPTY_PAYLOAD, "the list holds no MotorVehicleObject")
    if len(objects) > MAX_OBJECTS:
        return refuse(Reason.TOO_MANY_OBJECTS, f"at most {MAX_OBJECTS} objects per upload")
    return objects


def _row(item: Any, device_id: str) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise ItemRejected(Reason.WRONG_TYPE, "a MotorVehicleObject is a JSON object")
    if text(item.get("DeviceID"), "DeviceID") != device_id:
        raise ItemRejected(Reason.DEVICE_MISMATCH, "DeviceID is not the authenticated device")
    if item.get("HasPlate", True) in _NO:
        raise ItemRejected(Reason.NO_PLATE, "HasPlate says no plate was read")
    plate_no = plate(item.get("PlateNo"), "PlateNo")
    seen_at = pass_time(item.get("PassTime"))
    where = location(item.get("Longitude"), item.get("Latitude"))
    return sighting_row(device_id, plate_no, seen_at, where)


def pass_time(value: Any) -> datetime:
    matched = _PASS_TIME.match(text(value, "PassTime"))
    if matched is None:
        raise ItemRejected(Reason.BAD_TIME, "PassTime must be yyyyMMddHHmmss")
    year, month, day, hour, minute, second, millis = matched.groups()
    try:
        return datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second),
            int(millis or 0) * 1000,
            tzinfo=LOCAL_TIME_ZONE,
        )
    except ValueError:
        raise ItemRejected(Reason.BAD_TIME, "PassTime is not a calendar time") from None
