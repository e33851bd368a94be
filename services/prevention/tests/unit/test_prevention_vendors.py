"""Vendor formats: GA/T 1400 and Hikvision ISAPI payloads as sightings, and a fuzz test proving
that malformed payloads are refused with a reason and never crash the ingest path."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.values import normalise_plate
from contracts.vendor_payloads import (
    MAX_OBJECTS,
    MAX_PAYLOAD_BYTES,
    PAYLOAD_REASONS,
    VendorFormat,
    VendorReceipt,
    VendorRejection,
    gat1400_response,
)
from contracts.vendor_payloads import VendorRejectReason as Reason
from services.prevention.domain.sightings import DeviceFacts, SightingRules, validate_batch
from services.prevention.domain.vendors import ADAPTERS, Adapted, adapt, batch_id
from services.prevention.domain.vendors.gat1400 import adapt_gat1400
from services.prevention.domain.vendors.isapi import adapt_isapi

FIXTURES = Path(__file__).parents[1] / "fixtures" / "vendors"
GAT_DEVICE = "44030400001320000001"
CAMERA = "cam-futian-017"
GAT_RAW = (FIXTURES / "gat1400_motor_vehicles.json").read_bytes()
ISAPI_RAW = (FIXTURES / "isapi_anpr.xml").read_bytes()
HEARTBEAT_RAW = (FIXTURES / "isapi_heartbeat.xml").read_bytes()
NOW = datetime(2026, 11, 29, 0, 10, tzinfo=UTC)


def reasons(adapted: Adapted) -> list[tuple[int | None, Reason]]:
    return [(r.index, r.reason) for r in adapted.rejected]


def dumps(document: Any) -> bytes:
    """JSON as a device may write it: unlike orjson, with integers of any size."""
    return json.dumps(document, ensure_ascii=False).encode()


def gat(*objects: dict[str, Any]) -> bytes:
    return dumps({"MotorVehicleListObject": {"MotorVehicleObject": list(objects)}})


def gat_object(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "MotorVehicleID": "440304000013200000010220261129080512000010200001",
        "DeviceID": GAT_DEVICE,
        "HasPlate": "1",
        "PlateNo": "粤B12345",
        "PassTime": "20261129080512",
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def isapi(**fields: str | None) -> bytes:
    """The fixture with some elements' text replaced (None removes the element)."""
    text = ISAPI_RAW.decode()
    for tag, value in fields.items():
        element = re.compile(rf"<{tag}>[^<]*</{tag}>\n?")
        assert element.search(text), tag
        replacement = "" if value is None else f"<{tag}>{escape(value)}</{tag}>\n"
        text = element.sub(replacement.replace("\\", "\\\\"), text)
    return text.encode()


# -- the fixtures parse to the right sightings ----------------------------------------------


def test_a_gat1400_upload_becomes_its_sightings_in_local_time() -> None:
    adapted = adapt_gat1400(GAT_RAW, GAT_DEVICE)
    assert adapted.rows == [
        {"device_id": GAT_DEVICE, "plate": "粤B12345", "seen_at": "2026-11-29T08:05:12+08:00"},
        {
            "device_id": GAT_DEVICE,
            "plate": "粤BD01234",
            "seen_at": "2026-11-29T08:05:47.123000+08:00",
            "location": {"lat": 22.543099, "lon": 114.057868},
        },
    ]
    assert adapted.row_items == [0, 1]
    assert reasons(adapted) == [(2, Reason.NO_PLATE)]
    assert adapted.item_ids == [
        "440304000013200000010220261129080512000010200001",
        "440304000013200000010220261129080547000020200002",
        "440304000013200000010220261129080603000030200003",
    ]


def test_the_adapted_gat1400_rows_pass_the_platforms_sighting_rules() -> None:
    adapted = adapt_gat1400(GAT_RAW, GAT_DEVICE)
    batch = validate_batch(
        adapted.rows,
        {GAT_DEVICE: DeviceFacts(active=True)},
        NOW,
        SightingRules(),
        reporting_device=GAT_DEVICE,
    )
    assert batch.rejected == []
    assert [(s.plate, s.seen_at.astimezone(UTC)) for s in batch.accepted] == [
        ("粤B12345", datetime(2026, 11, 29, 0, 5, 12, tzinfo=UTC)),
        ("粤BD01234", datetime(2026, 11, 29, 0, 5, 47, 123000, tzinfo=UTC)),
    ]


def test_an_isapi_anpr_alert_becomes_one_sighting() -> None:
    adapted = adapt_isapi(ISAPI_RAW, CAMERA)
    assert adapted.rows == [
        {"device_id": CAMERA, "plate": "粤B6F7K2", "seen_at": "2026-11-29T08:05:12.368000+08:00"}
    ]
    assert adapted.rejected == []
    assert adapted.item_ids == ["7c1e5a9f-2b44-4e0d-9f63-1a2b3c4d5e6f"]


def test_isapi_reads_the_alert_with_or_without_a_namespace_and_in_utf16() -> None:
    bare = ISAPI_RAW.replace(b' xmlns="http://www.hikvision.com/ver20/XMLSchema"', b"")
    utf16 = ISAPI_RAW.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    for raw in (bare, utf16):
        assert adapt_isapi(raw, CAMERA).rows == adapt_isapi(ISAPI_RAW, CAMERA).rows


def test_an_isapi_alert_that_is_not_anpr_is_not_a_sighting() -> None:
    assert reasons(adapt_isapi(HEARTBEAT_RAW, CAMERA)) == [(None, Reason.UNSUPPORTED_EVENT)]


# -- a device speaks only for itself --------------------------------------------------------


def test_gat1400_objects_of_another_device_are_refused() -> None:
    adapted = adapt_gat1400(
        gat(gat_object(), gat_object(DeviceID="44030400001320000002")), GAT_DEVICE
    )
    assert len(adapted.rows) == 1
    assert reasons(adapted) == [(1, Reason.DEVICE_MISMATCH)]


@pytest.mark.parametrize(
    ("fields", "allowed"),
    [
        ({"channelID": None}, True),
        ({"channelID": "01"}, True),
        ({"channelID": "2"}, False),
        ({"channelID": "1", "ipAddress": "10.0.0.99"}, True),
    ],
)
def test_isapi_channel_1_is_the_device_itself(fields: dict[str, str | None], allowed: bool) -> None:
    adapted = adapt_isapi(isapi(**fields), CAMERA)
    assert reasons(adapted) == ([] if allowed else [(0, Reason.DEVICE_MISMATCH)])


def test_an_isapi_device_id_must_be_the_authenticated_device() -> None:
    named = ISAPI_RAW.replace(b"<channelID>", b"<deviceID>%s</deviceID>\n<channelID>")
    assert adapt_isapi(named % CAMERA.encode(), CAMERA).rows
    assert reasons(adapt_isapi(named % b"88", CAMERA)) == [(0, Reason.DEVICE_MISMATCH)]


# -- each item refused with its reason ------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"DeviceID": None}, Reason.MISSING_FIELD),
        ({"DeviceID": 44030400001320000001}, Reason.WRONG_TYPE),
        ({"HasPlate": False}, Reason.NO_PLATE),
        ({"PlateNo": "未识别"}, Reason.NO_PLATE),
        ({"PlateNo": None}, Reason.MISSING_FIELD),
        ({"PlateNo": "ABC"}, Reason.BAD_PLATE),
        ({"PlateNo": ["粤B12345"]}, Reason.WRONG_TYPE),
        ({"PassTime": None}, Reason.MISSING_FIELD),
        ({"PassTime": 20261129080512}, Reason.WRONG_TYPE),
        ({"PassTime": "2026-11-29 08:05:12"}, Reason.BAD_TIME),
        ({"PassTime": "20261329080512"}, Reason.BAD_TIME),
        ({"PassTime": "20260230080512"}, Reason.BAD_TIME),
        ({"PassTime": "２０２６１１２９０８０５１２"}, Reason.BAD_TIME),
        ({"Longitude": 114.05}, Reason.BAD_LOCATION),
        ({"Longitude": "1e3", "Latitude": "22.5"}, Reason.BAD_LOCATION),
        ({"Longitude": "nan", "Latitude": "22.5"}, Reason.BAD_LOCATION),
        ({"Longitude": 214.05, "Latitude": 22.5}, Reason.BAD_LOCATION),
        ({"Longitude": True, "Latitude": 22.5}, Reason.BAD_LOCATION),
    ],
)
def test_a_bad_gat1400_object_is_refused_with_its_reason(
    overrides: dict[str, Any], reason: Reason
) -> None:
    adapted = adapt_gat1400(gat(gat_object(), gat_object(**overrides)), GAT_DEVICE)
    assert reasons(adapted) == [(1, reason)]
    assert len(adapted.rows) == 1


def test_huge_numbers_are_refused_not_overflowed() -> None:
    big = 123456789012345678901234567890
    huge = gat(gat_object(Longitude=big, Latitude=22.5))
    assert reasons(adapt_gat1400(huge, GAT_DEVICE)) == [(0, Reason.BAD_LOCATION)]
    infinite = huge.replace(str(big).encode(), b"1e999")
    assert reasons(adapt_gat1400(infinite, GAT_DEVICE)) == [(None, Reason.MALFORMED_JSON)]
    long_time = gat(gat_object(PassTime="9" * 5000))
    assert reasons(adapt_gat1400(long_time, GAT_DEVICE)) == [(0, Reason.BAD_TIME)]


def test_coordinates_given_as_text_or_zero_are_read() -> None:
    as_text = adapt_gat1400(gat(gat_object(Longitude="114.05", Latitude="22.54")), GAT_DEVICE)
    assert as_text.rows[0]["location"] == {"lat": 22.54, "lon": 114.05}
    no_fix = adapt_gat1400(gat(gat_object(Longitude=0, Latitude=0)), GAT_DEVICE)
    assert "location" not in no_fix.rows[0]


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"licensePlate": ""}, Reason.NO_PLATE),
        ({"licensePlate": "unknown"}, Reason.NO_PLATE),
        ({"licensePlate": "not a plate"}, Reason.BAD_PLATE),
        ({"dateTime": "2026-11-29T08:05:12"}, Reason.BAD_TIME),
        ({"dateTime": "yesterday"}, Reason.BAD_TIME),
        ({"dateTime": None}, Reason.MISSING_FIELD),
        ({"channelID": "one"}, Reason.WRONG_TYPE),
    ],
)
def test_a_bad_isapi_alert_is_refused_with_its_reason(
    fields: dict[str, str | None], reason: Reason
) -> None:
    adapted = adapt_isapi(isapi(**fields), CAMERA)
    assert reasons(adapted) == [(0, reason)]
    assert adapted.rows == []


# -- payloads refused whole -----------------------------------------------------------------


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<EventNotificationAlert><eventType>ANPR</eventType><ANPR><licensePlate>&lol2;</licensePlate>
</ANPR></EventNotificationAlert>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE a [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<EventNotificationAlert><eventType>&xxe;</eventType></EventNotificationAlert>"""


@pytest.mark.parametrize(
    ("vendor_format", "raw", "reason"),
    [
        (VendorFormat.GAT1400, b"", Reason.EMPTY_PAYLOAD),
        (VendorFormat.GAT1400, b"{not json", Reason.MALFORMED_JSON),
        (VendorFormat.GAT1400, b"[" * 5000, Reason.MALFORMED_JSON),
        (VendorFormat.GAT1400, GAT_RAW.decode().encode("gbk"), Reason.BAD_ENCODING),
        (VendorFormat.GAT1400, b'{"MotorVehicleObject": []}', Reason.UNEXPECTED_SHAPE),
        (VendorFormat.GAT1400, gat(), Reason.EMPTY_PAYLOAD),
        (VendorFormat.GAT1400, gat(*[gat_object()] * (MAX_OBJECTS + 1)), Reason.TOO_MANY_OBJECTS),
        (VendorFormat.GAT1400, b" " * (MAX_PAYLOAD_BYTES + 1), Reason.PAYLOAD_TOO_LARGE),
        (VendorFormat.ISAPI, b"  \n", Reason.EMPTY_PAYLOAD),
        (VendorFormat.ISAPI, BILLION_LAUGHS, Reason.FORBIDDEN_XML),
        (VendorFormat.ISAPI, EXTERNAL_ENTITY, Reason.FORBIDDEN_XML),
        (VendorFormat.ISAPI, ISAPI_RAW[:-30], Reason.MALFORMED_XML),
        (VendorFormat.ISAPI, b"<a>" * 100 + b"</a>" * 100, Reason.MALFORMED_XML),
        (VendorFormat.ISAPI, ISAPI_RAW.decode().encode("gbk"), Reason.BAD_ENCODING),
        (
            VendorFormat.ISAPI,
            ISAPI_RAW.replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"'),
            Reason.BAD_ENCODING,
        ),
        (VendorFormat.ISAPI, b"--boundary\r\n" + ISAPI_RAW, Reason.UNEXPECTED_SHAPE),
        (VendorFormat.ISAPI, b"<ResponseStatus/>", Reason.UNEXPECTED_SHAPE),
        (VendorFormat.ISAPI, GAT_RAW, Reason.MALFORMED_XML),
    ],
)
def test_unreadable_payloads_are_refused_whole_with_a_reason(
    vendor_format: VendorFormat, raw: bytes, reason: Reason
) -> None:
    adapted = adapt(vendor_format, raw, GAT_DEVICE)
    assert reasons(adapted) == [(None, reason)]
    assert adapted.refused is not None and adapted.refused.detail
    assert adapted.rows == []


def test_an_adapter_that_fails_unexpectedly_still_answers_with_a_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(raw: bytes, device_id: str) -> Adapted:
        raise RuntimeError("a bug")

    monkeypatch.setitem(ADAPTERS, VendorFormat.ISAPI, broken)
    assert reasons(adapt(VendorFormat.ISAPI, ISAPI_RAW, CAMERA)) == [(None, Reason.UNREADABLE)]


def test_a_payload_is_named_by_its_bytes() -> None:
    assert batch_id(VendorFormat.ISAPI, ISAPI_RAW) == batch_id(VendorFormat.ISAPI, ISAPI_RAW)
    assert batch_id(VendorFormat.ISAPI, ISAPI_RAW) != batch_id(
        VendorFormat.ISAPI, ISAPI_RAW + b"\n"
    )
    assert re.match(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$", batch_id(VendorFormat.GAT1400, GAT_RAW))


def test_the_gat1400_answer_names_each_object_with_its_status() -> None:
    receipt = VendorReceipt(
        format=VendorFormat.GAT1400,
        batch_id="gat1400:x",
        items=2,
        item_ids=["mv-1", None],
        accepted=1,
        duplicates=0,
        rejected=[VendorRejection(index=1, reason=Reason.NO_PLATE, detail="no plate was read")],
        event_id=None,
        replayed=False,
    )
    answer = gat1400_response(receipt, "/vendors", datetime(2026, 11, 29, 0, 5, tzinfo=UTC))
    statuses = answer.ResponseStatusListObject.ResponseStatusObject
    assert [(s.Id, s.StatusCode, s.LocalTime) for s in statuses] == [
        ("mv-1", 0, "20261129080500"),
        (None, 8, "20261129080500"),
    ]
    assert statuses[1].StatusString.startswith("no_plate")


# -- fuzz: malformed payloads are refused with a reason and never crash ---------------------

FUZZ = settings(
    max_examples=200,
    deadline=timedelta(seconds=2),
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | st.sampled_from(["20261129080512", "20261399999999", "", "无车牌", "粤B12345", "1e999"])
)
JSON_TREES = st.recursive(
    JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(
            st.sampled_from(["MotorVehicleListObject", "MotorVehicleObject", "DeviceID", "PlateNo"])
            | st.text(max_size=10),
            children,
            max_size=5,
        )
    ),
    max_leaves=30,
)
GAT_FIELDS = [
    "MotorVehicleID",
    "DeviceID",
    "HasPlate",
    "PlateNo",
    "PassTime",
    "Longitude",
    "Latitude",
    "Speed",
    "SubImageList",
]
ISAPI_TAGS = ["eventType", "dateTime", "channelID", "licensePlate", "UUID", "confidenceLevel"]
ENCODINGS = ["utf-8", "utf-16", "utf-16-le", "gbk", "latin-1", "utf-8-sig", "cp1252"]


def check(adapted: Adapted, device_id: str) -> None:
    """What every adapter result holds, whatever the input."""
    assert all(r.reason is not Reason.UNREADABLE for r in adapted.rejected)
    assert all(r.detail for r in adapted.rejected)
    if adapted.refused is not None:
        assert adapted.refused.reason in PAYLOAD_REASONS
        assert len(adapted.rejected) == 1 and adapted.rows == []
        return
    items = len(adapted.item_ids)
    assert all(r.reason not in PAYLOAD_REASONS for r in adapted.rejected)
    assert sorted(
        [*adapted.row_items, *(r.index if r.index is not None else -1 for r in adapted.rejected)]
    ) == list(range(items))
    for row in adapted.rows:
        assert row["device_id"] == device_id
        assert normalise_plate(row["plate"]) == row["plate"]
        assert datetime.fromisoformat(row["seen_at"]).tzinfo is not None
        assert len(row["seen_at"]) <= 40
    # what the adapter lets through, the platform's rules take without an error either
    validate_batch(adapted.rows, {device_id: DeviceFacts(active=True)}, NOW, SightingRules())


@FUZZ
@given(raw=st.binary(max_size=2000))
def test_fuzz_arbitrary_bytes_are_refused_not_raised(raw: bytes) -> None:
    check(adapt_gat1400(raw, GAT_DEVICE), GAT_DEVICE)
    check(adapt_isapi(raw, CAMERA), CAMERA)


@FUZZ
@given(tree=JSON_TREES, where=st.sampled_from(["document", "list", "object", *GAT_FIELDS]))
def test_fuzz_arbitrary_json_trees_never_crash_the_gat1400_adapter(tree: Any, where: str) -> None:
    """A tree as the document, as the list, as an object of the list, or as one field of a
    complete object."""
    complete = gat_object(Longitude=114.05, Latitude=22.54)
    document: Any = {
        "document": tree,
        "list": {"MotorVehicleListObject": tree},
        "object": {"MotorVehicleListObject": {"MotorVehicleObject": [complete, tree]}},
    }.get(where, {"MotorVehicleListObject": {"MotorVehicleObject": [{**complete, where: tree}]}})
    check(adapt_gat1400(dumps(document), GAT_DEVICE), GAT_DEVICE)


#: values a field may be mutated to: any JSON, and near misses of what each field holds
FIELD_VALUES = st.one_of(
    JSON_TREES,
    st.from_regex(r"\A[0-9]{14}([0-9]{3})?\Z"),
    st.from_regex(r"\A-?[0-9]{1,3}(\.[0-9]{1,15})?\Z"),
    st.from_regex(r"\A[粤京沪][A-Z0-9ＡＢ·\- ]{4,9}\Z"),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
)
MUTATIONS = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=2),
        st.sampled_from(GAT_FIELDS),
        st.none() | FIELD_VALUES,  # None deletes the field
    ),
    min_size=1,
    max_size=4,
)


@FUZZ
@given(mutations=MUTATIONS)
def test_fuzz_mutated_gat1400_objects_are_refused_one_by_one(
    mutations: list[tuple[int, str, Any]],
) -> None:
    document = json.loads(GAT_RAW)
    objects = document["MotorVehicleListObject"]["MotorVehicleObject"]
    for index, field, value in mutations:
        if value is None:
            objects[index].pop(field, None)
        else:
            objects[index][field] = value
    adapted = adapt_gat1400(dumps(document), GAT_DEVICE)
    check(adapted, GAT_DEVICE)
    assert adapted.refused is None and len(adapted.item_ids) == 3


@FUZZ
@given(
    encoding=st.sampled_from(ENCODINGS),
    cut=st.none() | st.integers(min_value=0, max_value=len(GAT_RAW)),
    noise=st.binary(max_size=20),
)
def test_fuzz_gat1400_fixture_cut_or_wrongly_encoded_is_refused_whole(
    encoding: str, cut: int | None, noise: bytes
) -> None:
    raw = GAT_RAW.decode().encode(encoding, errors="replace")[:cut] + noise
    check(adapt_gat1400(raw, GAT_DEVICE), GAT_DEVICE)


ISAPI_VALUES = st.none() | st.text(max_size=60) | st.sampled_from(["粤B12345", "2026-02-30T08:00"])


@FUZZ
@given(
    tag=st.sampled_from(ISAPI_TAGS),
    value=ISAPI_VALUES,
    encoding=st.sampled_from(ENCODINGS),
    cut=st.none() | st.integers(min_value=0, max_value=3000),
    noise=st.binary(max_size=20),
)
def test_fuzz_mutated_isapi_fixtures_are_refused_with_reasons(
    tag: str, value: str | None, encoding: str, cut: int | None, noise: bytes
) -> None:
    raw = isapi(**{tag: value}).decode().encode(encoding, errors="replace")[:cut] + noise
    check(adapt_isapi(raw, CAMERA), CAMERA)


ENTITY_NAMES = st.from_regex(r"\A[a-z][a-z0-9]{0,8}\Z")
DOCTYPES = st.one_of(
    st.just("<!DOCTYPE EventNotificationAlert>"),
    st.builds(
        '<!DOCTYPE EventNotificationAlert SYSTEM "{}">'.format,
        st.sampled_from(
            ["file:///etc/passwd", "http://169.254.169.254/latest/meta-data/", "a.dtd"]
        ),
    ),
    st.builds(
        lambda name, value: f'<!DOCTYPE EventNotificationAlert [<!ENTITY {name} "{value}">]>',
        ENTITY_NAMES,
        st.text(alphabet="abc&;%", max_size=20),
    ),
    st.builds(
        lambda name: f'<!DOCTYPE a [<!ENTITY % {name} SYSTEM "file:///etc/passwd"> %{name};]>',
        ENTITY_NAMES,
    ),
)


@FUZZ
@given(doctype=DOCTYPES, tag=st.sampled_from(ISAPI_TAGS), value=ISAPI_VALUES)
def test_fuzz_xml_with_a_doctype_or_entities_is_refused_before_expansion(
    doctype: str, tag: str, value: str | None
) -> None:
    text = isapi(**{tag: value}).decode()
    raw = text.replace("<EventNotificationAlert", f"{doctype}\n<EventNotificationAlert", 1)
    adapted = adapt_isapi(raw.encode(), CAMERA)
    assert reasons(adapted) == [(None, Reason.FORBIDDEN_XML)]


@FUZZ
@given(raw=st.binary(max_size=300), vendor_format=st.sampled_from(list(VendorFormat)))
def test_fuzz_the_ingest_door_never_raises(raw: bytes, vendor_format: VendorFormat) -> None:
    adapted = adapt(vendor_format, raw, CAMERA)
    check(adapted, CAMERA)
