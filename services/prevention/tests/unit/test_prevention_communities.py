"""Smart-community rules without a broker: who is a child on a given day, who may decide a
resident's consent and contacts, which gate reports are acceptable, and who is told of a
passage: a child's guardians, an opted-in adult's own contacts, and nobody else."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from contracts.communities import (
    AccessEventIn,
    AgeGroup,
    ConsentBy,
    Direction,
    GuardianCreate,
    NotificationChoice,
)
from services.prevention.domain import communities as rules
from services.prevention.domain.communities import (
    CommunityRuleBroken,
    Contact,
    NotAcceptable,
    NotEntitled,
    Subject,
)

TODAY = date(2026, 11, 29)
NOW = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)
CHILD_BIRTH = date(2016, 5, 1)
ADULT_BIRTH = date(1990, 3, 3)

MOTHER = Contact(name="王芳", phone="13900139001", citizen_id="c-mother")
FATHER = Contact(name="王强", phone="13900139002", citizen_id="c-father")
GRANDMA_NO_PHONE = Contact(name="李秀英", phone=None, citizen_id=None)
FRIEND = Contact(name="赵敏", phone="13900139003")
NEIGHBOUR_ID = "c-neighbour"


def child(**more: object) -> Subject:
    values: dict[str, object] = {
        "birth_date": CHILD_BIRTH,
        "citizen_id": "c-child",
        "guardians": (MOTHER, FATHER),
    }
    return Subject(**(values | more))  # type: ignore[arg-type]


def adult(**more: object) -> Subject:
    values: dict[str, object] = {"birth_date": ADULT_BIRTH, "citizen_id": "c-adult"}
    return Subject(**(values | more))  # type: ignore[arg-type]


# -- age of majority ---------------------------------------------------------------------------


def test_a_resident_comes_of_age_on_their_eighteenth_birthday() -> None:
    born = date(2008, 11, 29)
    assert rules.age_group(born, date(2026, 11, 28)) is AgeGroup.CHILD
    assert rules.age_group(born, date(2026, 11, 29)) is AgeGroup.ADULT


def test_a_leap_day_birthday_comes_of_age_on_the_first_of_march() -> None:
    born = date(2008, 2, 29)
    assert rules.age_group(born, date(2026, 2, 28)) is AgeGroup.CHILD
    assert rules.age_group(born, date(2026, 3, 1)) is AgeGroup.ADULT


def test_the_day_is_the_citys_day_not_utcs() -> None:
    # 17:00 UTC on the 28th is already the 29th in Shenzhen: the birthday has come
    assert rules.local_date(datetime(2026, 11, 28, 17, 0, tzinfo=UTC)) == date(2026, 11, 29)


def test_impossible_birth_dates_are_refused() -> None:
    with pytest.raises(CommunityRuleBroken):
        rules.check_birth_date(TODAY + timedelta(days=1), TODAY)
    with pytest.raises(CommunityRuleBroken):
        rules.check_birth_date(date(1890, 1, 1), TODAY)
    rules.check_birth_date(CHILD_BIRTH, TODAY)


# -- consent -----------------------------------------------------------------------------------


def test_an_adult_consents_for_themselves() -> None:
    assert rules.consent_capacity(adult(), "c-adult", TODAY) is ConsentBy.SELF


def test_a_childs_guardian_consents_for_the_child() -> None:
    assert rules.consent_capacity(child(), "c-mother", TODAY) is ConsentBy.GUARDIAN
    assert rules.consent_capacity(child(), "c-father", TODAY) is ConsentBy.GUARDIAN


def test_a_child_cannot_consent_for_themselves() -> None:
    with pytest.raises(NotEntitled, match="guardian's consent"):
        rules.consent_capacity(child(), "c-child", TODAY)


def test_nobody_else_decides_a_childs_or_an_adults_enrolment() -> None:
    with pytest.raises(NotEntitled):
        rules.consent_capacity(child(), NEIGHBOUR_ID, TODAY)
    with pytest.raises(NotEntitled):
        rules.consent_capacity(adult(), NEIGHBOUR_ID, TODAY)


def test_a_former_guardian_no_longer_decides_once_the_child_has_come_of_age() -> None:
    grown = child(birth_date=TODAY.replace(year=TODAY.year - 18))
    with pytest.raises(NotEntitled, match="own enrolment"):
        rules.consent_capacity(grown, "c-mother", TODAY)
    assert rules.consent_capacity(grown, "c-child", TODAY) is ConsentBy.SELF


def test_an_adult_without_an_account_has_nobody_deciding_for_them() -> None:
    with pytest.raises(NotEntitled):
        rules.consent_capacity(adult(citizen_id=None), "c-adult", TODAY)


# -- choosing contacts -------------------------------------------------------------------------


def test_only_the_adult_themselves_chooses_their_contacts() -> None:
    rules.check_contact_chooser(adult(), "c-adult", TODAY)
    with pytest.raises(NotEntitled, match="themselves"):
        rules.check_contact_chooser(adult(), NEIGHBOUR_ID, TODAY)


def test_nobody_opts_in_for_a_child_not_even_a_guardian_or_the_child() -> None:
    for who in ("c-child", "c-mother"):
        with pytest.raises(NotEntitled, match="guardians only"):
            rules.check_contact_chooser(child(), who, TODAY)


def test_a_notification_choice_is_consistent() -> None:
    with pytest.raises(ValidationError):
        NotificationChoice(opted_in=True, contacts=[])
    with pytest.raises(ValidationError):
        NotificationChoice.model_validate(
            {"opted_in": False, "contacts": [{"name": "x", "phone": "13900139003"}]}
        )
    with pytest.raises(ValidationError):
        NotificationChoice.model_validate(
            {"opted_in": True, "contacts": [{"name": "x", "phone": "12345"}]}
        )
    six = [{"name": f"c{i}", "phone": f"1390013900{i}"} for i in range(6)]
    with pytest.raises(ValidationError):
        NotificationChoice.model_validate({"opted_in": True, "contacts": six})


# -- guardians ---------------------------------------------------------------------------------


def test_guardians_are_adults_recorded_for_children() -> None:
    rules.check_guardian(CHILD_BIRTH, ADULT_BIRTH, TODAY)
    rules.check_guardian(CHILD_BIRTH, None, TODAY)
    with pytest.raises(CommunityRuleBroken, match="children only"):
        rules.check_guardian(ADULT_BIRTH, ADULT_BIRTH, TODAY)
    with pytest.raises(CommunityRuleBroken, match="adult"):
        rules.check_guardian(CHILD_BIRTH, date(2012, 1, 1), TODAY)


def test_a_guardian_is_a_resident_or_a_named_contact_with_a_phone() -> None:
    GuardianCreate.model_validate({"resident_id": "5b8e2f5a-0c61-4e0c-8a1e-6f7b9d2c4a11"})
    GuardianCreate.model_validate({"name": "王芳", "phone": "13900139000"})
    with pytest.raises(ValidationError):
        GuardianCreate.model_validate({"name": "王芳"})
    with pytest.raises(ValidationError):
        GuardianCreate.model_validate(
            {"resident_id": "5b8e2f5a-0c61-4e0c-8a1e-6f7b9d2c4a11", "phone": "13900139000"}
        )


# -- who is told of a passage ------------------------------------------------------------------


def test_a_childs_passage_goes_to_each_guardian_with_a_phone_once() -> None:
    subject = child(guardians=(MOTHER, FATHER, GRANDMA_NO_PHONE, MOTHER))
    assert rules.snapshot_recipients(subject, TODAY) == [MOTHER, FATHER]


def test_an_opted_in_adults_passage_goes_to_their_chosen_contacts_only() -> None:
    subject = adult(opted_in=True, chosen_contacts=(FRIEND,), guardians=(MOTHER,))
    assert rules.snapshot_recipients(subject, TODAY) == [FRIEND]


def test_forbidden_another_adult_is_told_nothing_about_an_adult_who_did_not_opt_in() -> None:
    # guardians recorded from their childhood, stale contacts, none of it counts
    subject = adult(opted_in=False, guardians=(MOTHER, FATHER), chosen_contacts=(FRIEND,))
    assert rules.snapshot_recipients(subject, TODAY) == []
    assert rules.snapshot_recipients(adult(), TODAY) == []


def test_forbidden_a_child_comes_of_age_and_the_guardians_are_told_nothing_more() -> None:
    born = date(2008, 11, 29)
    subject = child(birth_date=born)
    assert rules.snapshot_recipients(subject, date(2026, 11, 28)) == [MOTHER, FATHER]
    assert rules.snapshot_recipients(subject, date(2026, 11, 29)) == []


def test_forbidden_contacts_chosen_for_a_child_are_never_told() -> None:
    subject = child(guardians=(), opted_in=True, chosen_contacts=(FRIEND,))
    assert rules.snapshot_recipients(subject, TODAY) == []


def test_the_message_names_the_passage_and_the_snapshot() -> None:
    text = rules.access_message("王小明", "香蜜湖花园", Direction.OUT, NOW, "snap/1.jpg")
    assert "王小明" in text and "离开香蜜湖花园" in text and "snap/1.jpg" in text
    assert "11-29 10:00" in text  # the city's clock


# -- gate reports ------------------------------------------------------------------------------


def test_a_report_from_a_gate_with_a_wrong_clock_or_a_late_back_fill_is_refused() -> None:
    rules.check_occurred_at(NOW - timedelta(minutes=1), NOW)
    rules.check_occurred_at(NOW + timedelta(minutes=4), NOW)
    with pytest.raises(NotAcceptable, match="future"):
        rules.check_occurred_at(NOW + timedelta(minutes=6), NOW)
    with pytest.raises(NotAcceptable, match="too old"):
        rules.check_occurred_at(NOW - timedelta(days=8), NOW)


def test_resident_refs_are_random_and_opaque() -> None:
    refs = {rules.new_resident_ref() for _ in range(100)}
    assert len(refs) == 100
    for ref in refs:
        AccessEventIn.model_validate(
            {
                "gate_event_id": "g:1",
                "gate_id": "gate-1",
                "resident_ref": ref,
                "direction": "in",
                "occurred_at": NOW.isoformat(),
            }
        )


@pytest.mark.parametrize(
    "snapshot",
    ["../etc/passwd", "https://user:pw@host/x.jpg", "/abs/path.jpg", "a" * 201, "snap shot.jpg"],
)
def test_snapshot_references_are_opaque_storage_keys(snapshot: str) -> None:
    with pytest.raises(ValidationError):
        AccessEventIn.model_validate(
            {
                "gate_event_id": "g:1",
                "gate_id": "gate-1",
                "resident_ref": "r-0123456789abcdef",
                "direction": "in",
                "occurred_at": NOW.isoformat(),
                "snapshot_ref": snapshot,
            }
        )
