"""School pickup's gate decision, exhaustively: no combination with an unauthorised person, a
confidence below the threshold, an expired or used delegation, a time outside the dismissal
session, a child already released or a stale event ever releases a child; everything else
releases to the right person."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from contracts.school_pickup import (
    DelegationCreate,
    DismissalSessionCreate,
    GateEventIn,
    HoldReason,
    ReleasedToKind,
    ReportQuery,
)
from services.prevention.domain.school_pickup import (
    DEFAULT_MIN_CONFIDENCE,
    REASON_ORDER,
    Authorisation,
    DelegationGrant,
    GateObservation,
    PickupRuleBroken,
    PickupRules,
    StudentFacts,
    Window,
    authority_of,
    check_delegation,
    check_event_time,
    decide,
    hold_text,
    local_day,
)

RULES = PickupRules()
DISMISSAL = datetime(2026, 11, 30, 8, 30, tzinfo=UTC)  # 16:30 in Shenzhen
SESSION = Window(DISMISSAL, DISMISSAL + timedelta(hours=1))
HOUR = timedelta(hours=1)

MOTHER = Authorisation("g-mother", "p-mother", DISMISSAL - timedelta(days=300))
EXPIRED_AUNT = Authorisation(
    "g-aunt", "p-aunt", DISMISSAL - timedelta(days=30), DISMISSAL - timedelta(days=1)
)
FUTURE_UNCLE = Authorisation("g-uncle", "p-uncle", DISMISSAL + timedelta(days=2))
REVOKED_FATHER = Authorisation(
    "g-father", "p-father", DISMISSAL - timedelta(days=300), revoked_at=DISMISSAL - HOUR
)
AUTHORISATIONS = (MOTHER, EXPIRED_AUNT, FUTURE_UNCLE, REVOKED_FATHER)

NEIGHBOUR = DelegationGrant(
    "d-1", "g-mother", "p-neighbour", DISMISSAL - HOUR, DISMISSAL + 3 * HOUR
)
YESTERDAYS = DelegationGrant(
    "d-2", "g-mother", "p-yesterday", DISMISSAL - 26 * HOUR, DISMISSAL - HOUR
)
SPENT = DelegationGrant("d-3", "g-mother", "p-spent", DISMISSAL - HOUR, DISMISSAL + HOUR, used=True)
TOMORROWS = DelegationGrant(
    "d-4", "g-mother", "p-tomorrow", DISMISSAL + 20 * HOUR, DISMISSAL + 30 * HOUR
)
#: from a guardian whose own authorisation was revoked: worth nothing
FATHERS_FRIEND = DelegationGrant("d-5", "g-father", "p-friend", DISMISSAL - HOUR, DISMISSAL + HOUR)
DELEGATIONS = (NEIGHBOUR, YESTERDAYS, SPENT, TOMORROWS, FATHERS_FRIEND)

#: person at the gate → the authority they really have (None: none at all)
PEOPLE: dict[str, tuple[ReleasedToKind, str] | None] = {
    "p-mother": (ReleasedToKind.GUARDIAN, "g-mother"),
    "p-neighbour": (ReleasedToKind.DELEGATE, "d-1"),
    "p-aunt": None,
    "p-uncle": None,
    "p-father": None,
    "p-yesterday": None,
    "p-spent": None,
    "p-tomorrow": None,
    "p-friend": None,
    "p-stranger": None,
    "p-student": None,  # the child's own reference is no authority over the child
}
THRESHOLD_EPSILON = 1e-9
CONFIDENCES = (
    0.0,
    0.5,
    DEFAULT_MIN_CONFIDENCE - 0.01,
    DEFAULT_MIN_CONFIDENCE - THRESHOLD_EPSILON,
    DEFAULT_MIN_CONFIDENCE,
    0.95,
    1.0,
    float("nan"),
)
#: offsets of the event from the session's start: before, at start, inside, at the end, after
TIMES = (-HOUR, timedelta(0), timedelta(minutes=30), HOUR, 2 * HOUR)
#: how late the terminal reports the event
DELAYS = (timedelta(0), timedelta(minutes=10), timedelta(minutes=11), timedelta(days=1))


def cases() -> itertools.product[tuple[object, ...]]:
    return itertools.product(
        PEOPLE, CONFIDENCES, TIMES, DELAYS, (False, True), (True, False), (True, False)
    )


def test_the_default_threshold_is_documented() -> None:
    assert DEFAULT_MIN_CONFIDENCE == 0.92
    assert RULES.min_confidence == DEFAULT_MIN_CONFIDENCE
    with pytest.raises(ValueError):
        PickupRules(min_confidence=0.0)


def test_exhaustively_only_an_authorised_confident_fresh_in_session_first_pickup_releases() -> None:
    seen = 0
    for person, confidence, offset, delay, released, with_session, with_delegations in cases():
        assert isinstance(person, str) and isinstance(confidence, float)
        assert isinstance(offset, timedelta) and isinstance(delay, timedelta)
        at = DISMISSAL + offset
        facts = StudentFacts(
            authorisations=AUTHORISATIONS,
            delegations=DELEGATIONS if with_delegations else (),
            sessions=(SESSION,) if with_session else (),
            already_released=bool(released),
        )
        decision = decide(GateObservation(person, confidence, at), facts, at + delay, RULES)
        authority = PEOPLE[person] if with_delegations or person == "p-mother" else None
        expected = (
            authority is not None
            and confidence >= DEFAULT_MIN_CONFIDENCE
            and bool(with_session)
            and SESSION.covers(at)
            and not released
            and delay <= RULES.max_event_age
        )
        context = (person, confidence, offset, delay, released, with_session, with_delegations)
        assert decision.released is expected, context
        if expected:
            assert decision.reasons == ()
            assert decision.authority is not None
            assert (decision.authority.kind, decision.authority.id) == authority, context
            continue
        assert decision.reasons, context  # a hold always says why
        assert list(decision.reasons) == [r for r in REASON_ORDER if r in decision.reasons]
        if authority is None:
            assert {
                HoldReason.NOT_AUTHORISED,
                HoldReason.EXPIRED_DELEGATION,
                HoldReason.DELEGATION_USED,
            } & set(decision.reasons), context
        if not confidence >= DEFAULT_MIN_CONFIDENCE:
            assert HoldReason.LOW_CONFIDENCE in decision.reasons, context
        if not (with_session and SESSION.covers(at)):
            assert HoldReason.OUTSIDE_SESSION in decision.reasons, context
        if released:
            assert decision.reasons[0] is HoldReason.ALREADY_RELEASED
        if delay > RULES.max_event_age:
            assert HoldReason.STALE_EVENT in decision.reasons, context
        seen += 1
    assert seen > 7000  # every combination but the releasing ones was looked at


@pytest.mark.parametrize(
    ("person", "reason"),
    [
        ("p-yesterday", HoldReason.EXPIRED_DELEGATION),
        ("p-spent", HoldReason.DELEGATION_USED),
        ("p-tomorrow", HoldReason.NOT_AUTHORISED),
        ("p-friend", HoldReason.NOT_AUTHORISED),
        ("p-aunt", HoldReason.NOT_AUTHORISED),
        ("p-father", HoldReason.NOT_AUTHORISED),
        ("p-stranger", HoldReason.NOT_AUTHORISED),
    ],
)
def test_why_a_person_has_no_authority(person: str, reason: HoldReason) -> None:
    facts = StudentFacts(authorisations=AUTHORISATIONS, delegations=DELEGATIONS)
    authority, missing = authority_of(person, facts, DISMISSAL + HOUR / 2)
    assert authority is None and missing is reason


def test_a_delegation_expires_at_its_end_and_an_authorisation_at_its_end() -> None:
    facts = StudentFacts(authorisations=AUTHORISATIONS, delegations=(NEIGHBOUR,))
    end = NEIGHBOUR.valid_until
    assert authority_of("p-neighbour", facts, end - timedelta(seconds=1))[0] is not None
    assert authority_of("p-neighbour", facts, end) == (None, HoldReason.EXPIRED_DELEGATION)
    aunt_end = EXPIRED_AUNT.valid_until
    assert aunt_end is not None
    assert EXPIRED_AUNT.covers(aunt_end - timedelta(seconds=1))
    assert not EXPIRED_AUNT.covers(aunt_end)


def test_a_guardian_delegates_only_while_authorised() -> None:
    now = DISMISSAL - 2 * HOUR
    check_delegation(AUTHORISATIONS, "g-mother", DISMISSAL, now)
    for guardian in ("g-father", "g-aunt", "g-uncle", "g-nobody"):
        with pytest.raises(PickupRuleBroken):
            check_delegation(AUTHORISATIONS, guardian, DISMISSAL, now)


def test_event_time_and_local_day() -> None:
    check_event_time(DISMISSAL + timedelta(minutes=2), DISMISSAL)
    with pytest.raises(PickupRuleBroken):
        check_event_time(DISMISSAL + timedelta(minutes=3), DISMISSAL)
    # 23:30 UTC is already the next morning in Shenzhen
    assert local_day(datetime(2026, 11, 30, 23, 30, tzinfo=UTC)).isoformat() == "2026-12-01"


def test_contracts_refuse_impossible_windows_and_confidences() -> None:
    start = DISMISSAL.isoformat()
    with pytest.raises(ValidationError):  # longer than a day: not a one-off delegation
        DelegationCreate(
            guardian_id="g-mother",
            delegate_name="张阿姨",
            delegate_person_ref="p-neighbour",
            valid_from=DISMISSAL,
            valid_until=DISMISSAL + timedelta(hours=25),
        )
    with pytest.raises(ValidationError):
        DismissalSessionCreate.model_validate(
            {"class_id": "3-2", "starts_at": start, "ends_at": start}
        )
    for confidence in (1.01, -0.1, float("nan")):
        with pytest.raises(ValidationError):
            GateEventIn(
                gate_event_id="e-1",
                student_ref="p-student",
                person_ref="p-mother",
                confidence=confidence,
                seen_at=DISMISSAL,
            )
    with pytest.raises(ValidationError):  # a naive time is ambiguous
        GateEventIn.model_validate(
            {
                "gate_event_id": "e-1",
                "student_ref": "p-student",
                "person_ref": "p-mother",
                "confidence": 0.99,
                "seen_at": "2026-11-30T16:30:00",
            }
        )
    with pytest.raises(ValidationError):
        ReportQuery.model_validate({"first_day": "2026-11-01", "last_day": "2026-12-15"})


def test_the_staff_alert_says_why_without_ids() -> None:
    text = hold_text("李小明", "三年级二班", [HoldReason.NOT_AUTHORISED, HoldReason.LOW_CONFIDENCE])
    assert "李小明" in text and "授权" in text and "可信度" in text
