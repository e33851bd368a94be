"""Hikvision ISAPI `EventNotificationAlert` of type ANPR, as a camera posts it (XML alone).

Read from the alert: `eventType` (ANPR; anything else, a heartbeat or a motion alarm, is not a
sighting), `dateTime` (ISO 8601 with its UTC offset), `channelID`, an optional `deviceID`, and
`ANPR/licensePlate`. `UUID` is echoed in the receipt. Pictures and vehicle attributes are not
kept, and multipart uploads (the alert with its JPEGs) are not accepted: send the XML alone.

Device mapping: the credential is the camera. An alert from channel 1 (or naming no channel) is
the authenticated device's own sighting; another channel would be another camera, so it is
refused (`device_mismatch`) -- register each camera of a recorder as a device of its own. A
`deviceID`, when the camera is configured to send one, must be the platform's device id.

The XML is parsed with the standard library's expat, safely without defusedxml: a DOCTYPE is
refused the moment it starts, before any entity can be declared, let alone expanded; external
entities and parameter entities are never read; depth, element count and size are bounded; and
only UTF-8 (or UTF-16 with a byte order mark) is read.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from xml.etree.ElementTree import Element, TreeBuilder
from xml.parsers import expat

from contracts.vendor_payloads import VendorRejectReason as Reason
from services.prevention.domain.vendors.common import (
    Adapted,
    ItemRejected,
    plate,
    refuse,
    refuse_unbounded,
    sighting_row,
    text,
    vendor_id,
)

MAX_DEPTH = 16
MAX_ELEMENTS = 2000
ANPR_EVENT = "ANPR"
_CHANNEL = re.compile(r"^[0-9]{1,4}$")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_READABLE_ENCODINGS = frozenset({"utf-8", "utf8", "utf-16", "utf16"})
_ENCODING_ERRORS = frozenset(
    {
        expat.errors.codes[expat.errors.XML_ERROR_UNKNOWN_ENCODING],
        expat.errors.codes[expat.errors.XML_ERROR_INCORRECT_ENCODING],
    }
)


class _Unreadable(Exception):
    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def adapt_isapi(raw: bytes, device_id: str) -> Adapted:
    refused = refuse_unbounded(raw)
    if refused is not None:
        return refused
    if raw.lstrip().startswith(b"--"):
        return refuse(Reason.UNEXPECTED_SHAPE, "send the alert XML alone, not multipart form data")
    try:
        alert = parse_xml(raw)
    except _Unreadable as problem:
        return refuse(problem.reason, problem.detail)
    if alert.tag != "EventNotificationAlert":
        return refuse(Reason.UNEXPECTED_SHAPE, "expected an EventNotificationAlert")
    if _text(alert, "eventType") != ANPR_EVENT:
        return refuse(Reason.UNSUPPORTED_EVENT, "only ANPR alerts are sightings")
    adapted = Adapted(item_ids=[vendor_id(_text(alert, "UUID"))])
    try:
        adapted.add_row(0, _row(alert, device_id))
    except ItemRejected as problem:
        adapted.reject(0, problem)
    return adapted


def _row(alert: Element, device_id: str) -> dict[str, Any]:
    named = _text(alert, "deviceID")
    if named and named != device_id:
        raise ItemRejected(Reason.DEVICE_MISMATCH, "deviceID is not the authenticated device")
    channel = _text(alert, "channelID")
    if channel is not None:
        if not _CHANNEL.match(channel):
            raise ItemRejected(Reason.WRONG_TYPE, "channelID must be a channel number")
        if int(channel) != 1:
            raise ItemRejected(
                Reason.DEVICE_MISMATCH, "only channel 1: each camera reports as its own device"
            )
    anpr = alert.find("ANPR")
    if anpr is None:
        raise ItemRejected(Reason.MISSING_FIELD, "ANPR is required")
    plate_no = plate(_text(anpr, "licensePlate"), "licensePlate")
    seen_at = _date_time(_text(alert, "dateTime"))
    return sighting_row(device_id, plate_no, seen_at, None)


def _date_time(value: str | None) -> datetime:
    raw = text(value, "dateTime")
    if len(raw) > 40:
        raise ItemRejected(Reason.BAD_TIME, "dateTime must be an ISO 8601 time")
    try:
        seen_at = datetime.fromisoformat(raw)
    except ValueError:
        raise ItemRejected(Reason.BAD_TIME, "dateTime must be an ISO 8601 time") from None
    if seen_at.tzinfo is None or seen_at.utcoffset() is None:
        raise ItemRejected(Reason.BAD_TIME, "dateTime must carry its UTC offset")
    return seen_at


def _text(parent: Element, tag: str) -> str | None:
    """The stripped text of a child element; None when there is no such child."""
    child = parent.find(tag)
    return None if child is None else (child.text or "").strip()


def _local(name: str) -> str:
    # expat joins namespace and local name with the separator given below
    return name.rpartition(" ")[2]


def parse_xml(raw: bytes) -> Element:
    """The document's elements by local name (namespaces dropped, attributes ignored)."""
    if not raw.startswith(_UTF16_BOMS):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            raise _Unreadable(Reason.BAD_ENCODING, "ISAPI XML must be UTF-8") from None
    builder = TreeBuilder()
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    depth = 0
    elements = 0

    def declaration(version: str, encoding: str | None, standalone: int) -> None:
        if encoding is not None and encoding.lower() not in _READABLE_ENCODINGS:
            raise _Unreadable(Reason.BAD_ENCODING, "ISAPI XML must be UTF-8")

    def doctype(*_: Any) -> int:
        raise _Unreadable(Reason.FORBIDDEN_XML, "DOCTYPE and entity declarations are refused")

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal depth, elements
        depth += 1
        elements += 1
        if depth > MAX_DEPTH or elements > MAX_ELEMENTS:
            raise _Unreadable(Reason.MALFORMED_XML, "the XML is nested too deep or too large")
        builder.start(_local(name), {})

    def end(name: str) -> None:
        nonlocal depth
        depth -= 1
        builder.end(_local(name))

    parser.XmlDeclHandler = declaration
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    parser.UnparsedEntityDeclHandler = doctype
    parser.ExternalEntityRefHandler = doctype
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(raw, True)
    except expat.ExpatError as error:
        if error.code in _ENCODING_ERRORS:
            raise _Unreadable(Reason.BAD_ENCODING, "ISAPI XML must be UTF-8") from None
        raise _Unreadable(Reason.MALFORMED_XML, "the body is not well-formed XML") from None
    root: Element = builder.close()
    return root
