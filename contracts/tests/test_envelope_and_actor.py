from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from contracts.actor import Actor, ActorKind, Purpose
from contracts.envelope import EventEnvelope
from contracts.errors import ERRORS_BY_NAME, HTTP_STATUS, ErrorCode, NotFound, code_for_remote_error

OFFICER = Actor(kind=ActorKind.OFFICER, id="o-1", unit="station-1", roles=("patrol",))


def envelope(**overrides: object) -> EventEnvelope:
    values: dict[str, object] = {
        "event_id": uuid.uuid4(),
        "type": "prevention.sighting.recorded.v1",
        "occurred_at": datetime(2026, 11, 29, tzinfo=UTC),
        "producer": "prevention",
        "traceparent": "00-" + "a" * 32 + "-" + "b" * 16 + "-01",
        "actor": OFFICER,
        "payload": {"count": 1},
    }
    values.update(overrides)
    return EventEnvelope.model_validate(values)


def test_envelope_round_trips_through_json() -> None:
    original = envelope(links=("00-" + "c" * 32 + "-" + "d" * 16 + "-01",))
    assert EventEnvelope.model_validate_json(original.model_dump_json()) == original


@pytest.mark.parametrize(
    "event_type", ["SightingRecorded", "prevention.sighting.recorded", "prevention.v1", "a.b.V1"]
)
def test_event_types_must_be_explicit_versioned_wire_names(event_type: str) -> None:
    with pytest.raises(ValidationError):
        envelope(type=event_type)


def test_envelope_refuses_naive_times_and_bad_traceparents() -> None:
    with pytest.raises(ValidationError):
        envelope(occurred_at=datetime(2026, 11, 29))
    with pytest.raises(ValidationError):
        envelope(traceparent="not-a-traceparent")


def test_envelope_refuses_unknown_fields() -> None:
    with pytest.raises(ValidationError):
        envelope(extra_field=1)


def test_investigation_purpose_needs_a_case() -> None:
    with pytest.raises(ValidationError):
        Actor(kind=ActorKind.OFFICER, id="o-1", purpose=Purpose.CRIMINAL_INVESTIGATION)
    actor = Actor(
        kind=ActorKind.OFFICER, id="o-1", purpose=Purpose.CRIMINAL_INVESTIGATION, case_id="c-9"
    )
    assert actor.case_id == "c-9"


def test_service_account_is_accountable_through_the_officer_it_acts_for() -> None:
    account = Actor(kind=ActorKind.SERVICE_ACCOUNT, id="traffic-system", on_behalf_of="o-7")
    assert account.accountable_officer == "o-7"
    assert OFFICER.accountable_officer == "o-1"
    assert Actor(kind=ActorKind.SERVICE_ACCOUNT, id="x").accountable_officer is None


def test_every_error_in_the_catalogue_has_an_http_status() -> None:
    assert set(HTTP_STATUS) == set(ErrorCode)
    for cls in ERRORS_BY_NAME.values():
        assert cls("x").http_status == HTTP_STATUS[cls.code]


def test_remote_errors_map_by_type_name_and_unknown_ones_are_internal() -> None:
    assert code_for_remote_error("NotFound") is ErrorCode.NOT_FOUND
    assert NotFound("x").http_status == 404
    assert code_for_remote_error("KeyError") is ErrorCode.INTERNAL


def test_scope_covers_its_own_subtree_only() -> None:
    from contracts.actor import in_scope

    assert in_scope("sz/futian", "sz/futian")
    assert in_scope("sz/futian", "sz/futian/xiangmihu")
    assert not in_scope("sz/futian", "sz/futianxi")  # a prefix of the name is not a parent
    assert not in_scope("sz/futian", "sz/nanshan/shekou")
    assert in_scope("sz", "sz/nanshan/shekou")
    assert not in_scope(None, "sz")


def test_audit_patterns_are_valid_bindings_but_not_event_types() -> None:
    from contracts.envelope import validate_event_binding, validate_event_type

    assert validate_event_binding("*.audit.recorded.v1")
    with pytest.raises(ValueError):
        validate_event_type("*.audit.recorded.v1")
    with pytest.raises(ValueError):
        validate_event_binding("#.v1")
