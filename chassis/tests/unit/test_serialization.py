from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import orjson
import pytest
from kombu.exceptions import EncodeError
from kombu.serialization import dumps, loads

from chassis.serialization import use_orjson


def test_the_json_codec_puts_plain_json_on_the_wire() -> None:
    use_orjson()
    when, ident = datetime(2026, 11, 29, tzinfo=UTC), uuid.uuid4()
    content_type, encoding, body = dumps(
        {"at": when, "id": ident, 1: Decimal("1.5"), "tags": {"b", "a"}}, serializer="json"
    )
    assert (content_type, encoding) == ("application/json", "utf-8")
    assert orjson.loads(body) == {
        "at": "2026-11-29T00:00:00+00:00",
        "id": str(ident),
        "1": "1.5",
        "tags": ["a", "b"],
    }
    assert loads(body, content_type, encoding) == orjson.loads(body)
    with pytest.raises(EncodeError):
        dumps({"x": object()}, serializer="json")
