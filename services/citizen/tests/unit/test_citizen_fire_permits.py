"""Fire-safety permits: every branch of the interview reaches the right procedure and document
list; bad answers are refused naming the question; the documents check and the status flow."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import ValidationError

from contracts.errors import ValidationFailed
from contracts.permits import (
    InterviewAnswers,
    PermitApplicationCreate,
    PermitDecision,
    PermitDecisionKind,
    PermitStatus,
    Procedure,
)
from services.citizen import permits_app
from services.citizen.domain import fire_permits as rules
from services.citizen.domain.fire_permits import InterviewError, PermitRuleBroken

BASE = {"business_licence", "legal_representative_id", "fire_safety_rules"}
GATHERING = BASE | {"floor_plan", "evacuation_plan"}
SPECIAL = {"design_review_opinion", "acceptance_opinion"}


@dataclass(frozen=True)
class Branch:
    name: str
    answers: tuple[tuple[str, Any], ...]
    procedure: Procedure
    documents: frozenset[str]
    special: bool = False


def gathering(
    venue: str, area: int, underground: bool, high_rise: bool, *rest: tuple[str, Any]
) -> tuple[tuple[str, Any], ...]:
    return (
        ("venue_type", venue),
        ("floor_area_m2", area),
        ("underground", underground),
        ("high_rise", high_rise),
        *rest,
    )


def industrial(venue: str, area: int, *rest: tuple[str, Any]) -> tuple[tuple[str, Any], ...]:
    return (("venue_type", venue), ("floor_area_m2", area), *rest)


NO_FLAMMABLES = ("flammables", False)

BRANCHES = [
    Branch(
        "small street restaurant: no occupancy question, commitment",
        gathering("restaurant", 120, False, False, NO_FLAMMABLES),
        Procedure.COMMITMENT,
        frozenset(GATHERING | {"completion_filing_receipt", "commitment_letter"}),
    ),
    Branch(
        "small shop using bottled gas: commitment with the gas papers",
        gathering(
            "shop",
            80,
            False,
            False,
            ("flammables", True),
            ("flammable_kind", "gas"),
            ("flammable_quantity", "small"),
        ),
        Procedure.COMMITMENT,
        frozenset(
            GATHERING
            | {
                "completion_filing_receipt",
                "hazardous_storage_statement",
                "gas_safety_certificate",
                "commitment_letter",
            }
        ),
    ),
    Branch(
        "shop of 300 m²: asked its occupancy, needs an electrical report",
        gathering("shop", 300, False, False, ("occupancy", 200), NO_FLAMMABLES),
        Procedure.COMMITMENT,
        frozenset(
            GATHERING
            | {"completion_filing_receipt", "electrical_inspection_report", "commitment_letter"}
        ),
    ),
    Branch(
        "underground shop: inspected before opening",
        gathering("shop", 100, True, False, ("occupancy", 50), NO_FLAMMABLES),
        Procedure.INSPECTION,
        frozenset(
            GATHERING
            | {
                "completion_filing_receipt",
                "electrical_inspection_report",
                "decoration_fire_ratings",
            }
        ),
    ),
    Branch(
        "restaurant for 1,000 with solvents beyond daily use: inspected",
        gathering(
            "restaurant",
            2000,
            False,
            False,
            ("occupancy", 1000),
            ("flammables", True),
            ("flammable_kind", "liquid"),
            ("flammable_quantity", "large"),
        ),
        Procedure.INSPECTION,
        frozenset(
            GATHERING
            | {
                "completion_filing_receipt",
                "electrical_inspection_report",
                "fire_facilities_report",
                "fire_training_records",
                "hazardous_storage_statement",
                "hazardous_chemicals_licence",
            }
        ),
    ),
    Branch(
        "restaurant for 999: commitment, with training records",
        gathering("restaurant", 800, False, False, ("occupancy", 999), NO_FLAMMABLES),
        Procedure.COMMITMENT,
        frozenset(
            GATHERING
            | {
                "completion_filing_receipt",
                "electrical_inspection_report",
                "fire_training_records",
                "commitment_letter",
            }
        ),
    ),
    Branch(
        "KTV of 499 m²: always inspected, not a special project",
        gathering("entertainment", 499, False, False, ("occupancy", 120), NO_FLAMMABLES),
        Procedure.INSPECTION,
        frozenset(
            GATHERING
            | {
                "completion_filing_receipt",
                "electrical_inspection_report",
                "decoration_fire_ratings",
            }
        ),
    ),
    Branch(
        "KTV of 500 m²: a special construction project",
        gathering("entertainment", 500, False, False, ("occupancy", 150), NO_FLAMMABLES),
        Procedure.INSPECTION,
        frozenset(
            GATHERING
            | SPECIAL
            | {"electrical_inspection_report", "fire_facilities_report", "decoration_fire_ratings"}
        ),
        special=True,
    ),
    Branch(
        "hotel in a high-rise: a special construction project",
        gathering("hotel", 5000, False, True, ("occupancy", 400), NO_FLAMMABLES),
        Procedure.INSPECTION,
        frozenset(
            GATHERING
            | SPECIAL
            | {"electrical_inspection_report", "fire_facilities_report", "decoration_fire_ratings"}
        ),
        special=True,
    ),
    Branch(
        "small low-rise hotel: commitment",
        gathering("hotel", 600, False, False, ("occupancy", 80), NO_FLAMMABLES),
        Procedure.COMMITMENT,
        frozenset(
            GATHERING
            | {
                "completion_filing_receipt",
                "electrical_inspection_report",
                "decoration_fire_ratings",
                "commitment_letter",
            }
        ),
    ),
    Branch(
        "kindergarten of 999 m²: inspected, not special",
        gathering("school", 999, False, False, ("occupancy", 200), NO_FLAMMABLES),
        Procedure.INSPECTION,
        frozenset(GATHERING | {"completion_filing_receipt", "electrical_inspection_report"}),
    ),
    Branch(
        "kindergarten of 1,000 m²: special",
        gathering("school", 1000, False, False, ("occupancy", 300), NO_FLAMMABLES),
        Procedure.INSPECTION,
        frozenset(GATHERING | SPECIAL | {"electrical_inspection_report", "fire_facilities_report"}),
        special=True,
    ),
    Branch(
        "elder-care home of 1,500 m²: special",
        gathering("elder_care", 1500, False, False, ("occupancy", 120), NO_FLAMMABLES),
        Procedure.INSPECTION,
        frozenset(GATHERING | SPECIAL | {"electrical_inspection_report", "fire_facilities_report"}),
        special=True,
    ),
    Branch(
        "mall of 10,000 m²: special",
        gathering("shop", 10_000, False, False, ("occupancy", 3000), NO_FLAMMABLES),
        Procedure.INSPECTION,
        frozenset(
            GATHERING
            | SPECIAL
            | {"electrical_inspection_report", "fire_facilities_report", "fire_training_records"}
        ),
        special=True,
    ),
    Branch(
        "warehouse of class 甲/乙 goods: special, asked what they are, not whether",
        industrial(
            "warehouse",
            800,
            ("hazard_class", "a_b"),
            ("flammable_kind", "liquid"),
            ("flammable_quantity", "small"),
        ),
        Procedure.INSPECTION,
        frozenset(
            BASE
            | SPECIAL
            | {
                "electrical_inspection_report",
                "fire_facilities_report",
                "hazardous_storage_statement",
                "storage_inventory",
            }
        ),
        special=True,
    ),
    Branch(
        "warehouse of class 丙 goods: a filing",
        industrial("warehouse", 2000, ("hazard_class", "c"), NO_FLAMMABLES),
        Procedure.FILING,
        frozenset(
            BASE
            | {
                "completion_filing_receipt",
                "electrical_inspection_report",
                "fire_facilities_report",
                "storage_inventory",
                "filing_form",
            }
        ),
    ),
    Branch(
        "small workshop of class 丁/戊 with bottled gas: a filing",
        industrial(
            "workshop",
            200,
            ("hazard_class", "d_e"),
            ("flammables", True),
            ("flammable_kind", "gas"),
            ("flammable_quantity", "small"),
        ),
        Procedure.FILING,
        frozenset(
            BASE
            | {
                "completion_filing_receipt",
                "hazardous_storage_statement",
                "gas_safety_certificate",
                "process_hazard_statement",
                "filing_form",
            }
        ),
    ),
    Branch(
        "workshop storing solvents beyond daily use: inspected",
        industrial(
            "workshop",
            500,
            ("hazard_class", "c"),
            ("flammables", True),
            ("flammable_kind", "liquid"),
            ("flammable_quantity", "large"),
        ),
        Procedure.INSPECTION,
        frozenset(
            BASE
            | {
                "completion_filing_receipt",
                "electrical_inspection_report",
                "hazardous_storage_statement",
                "hazardous_chemicals_licence",
                "process_hazard_statement",
            }
        ),
    ),
]


@pytest.mark.parametrize("branch", BRANCHES, ids=[b.name for b in BRANCHES])
def test_each_branch_reaches_its_procedure_and_documents(branch: Branch) -> None:
    _, outcome = rules.completed(list(branch.answers))
    assert outcome.procedure is branch.procedure
    assert set(outcome.document_codes) == branch.documents
    assert outcome.special_construction is branch.special
    assert (outcome.steps[0] == rules.ACCEPTANCE_FIRST) is branch.special
    assert outcome.steps[-len(rules.STEPS[branch.procedure]) :] == rules.STEPS[branch.procedure]


@pytest.mark.parametrize("branch", BRANCHES, ids=[b.name for b in BRANCHES])
def test_each_prefix_of_a_branch_asks_the_next_question_of_the_branch(branch: Branch) -> None:
    for answered in range(len(branch.answers)):
        progress = rules.walk(list(branch.answers[:answered]))
        assert progress.next_question is not None
        assert progress.next_question.question_id == branch.answers[answered][0]
    assert rules.walk(list(branch.answers)).complete


def _edges_taken(answers: tuple[tuple[str, Any], ...]) -> set[tuple[str, int]]:
    taken: dict[str, Any] = {}
    edges = set()
    for question_id, value in answers:
        taken[question_id] = value
        index = next(i for i, e in enumerate(rules.FLOW[question_id]) if e.when.holds(taken))
        edges.add((question_id, index))
    return edges


def test_the_branches_cover_every_edge_procedure_rule_venue_and_document() -> None:
    """A new branch, rule or document without a case above fails here."""
    every_edge = {(q, i) for q, edges in rules.FLOW.items() for i in range(len(edges))}
    covered = set().union(*(_edges_taken(b.answers) for b in BRANCHES))
    assert every_edge - covered == set()

    rules_hit = {
        next(i for i, (c, _) in enumerate(rules.PROCEDURE_RULES) if c.holds(dict(b.answers)))
        for b in BRANCHES
    }
    assert rules_hit == set(range(len(rules.PROCEDURE_RULES)))
    venues = {dict(b.answers)["venue_type"] for b in BRANCHES}
    assert venues == {o.value for o in rules.QUESTIONS["venue_type"].options}
    documents = set().union(*(b.documents for b in BRANCHES))
    assert documents == {d.code for d in rules.DOCUMENTS}


def test_every_question_is_reachable_and_every_flow_ends_with_an_edge_that_always_holds() -> None:
    assert set(rules.FLOW) == set(rules.QUESTIONS)
    for question_id, edges in rules.FLOW.items():
        assert isinstance(edges[-1].when, rules.Always), question_id
        for edge in edges:
            assert edge.to is None or edge.to in rules.QUESTIONS


@pytest.mark.parametrize(("area", "asked"), [(299, "flammables"), (300, "occupancy")])
def test_the_300_m2_threshold_decides_whether_a_shop_is_asked_its_occupancy(
    area: int, asked: str
) -> None:
    progress = rules.walk(gathering("shop", area, False, False))
    assert progress.next_question is not None
    assert progress.next_question.question_id == asked


def _problems(answers: list[tuple[str, Any]]) -> list[tuple[str, str]]:
    with pytest.raises(InterviewError) as refused:
        rules.walk(answers)
    return refused.value.problems


@pytest.mark.parametrize(
    ("answers", "problems"),
    [
        ([("colour", "red")], [("answers.colour", "unknown_question")]),
        (
            [("venue_type", "shop"), ("occupancy", 10)],
            [("answers.occupancy", "out_of_order"), ("answers.floor_area_m2", "missing")],
        ),
        (
            [("venue_type", "shop"), ("venue_type", "shop")],
            [("answers.venue_type", "out_of_order"), ("answers.floor_area_m2", "missing")],
        ),
        (
            [*industrial("warehouse", 500), ("underground", False)],
            [("answers.underground", "out_of_order"), ("answers.hazard_class", "missing")],
        ),
        (
            [*gathering("restaurant", 120, False, False, NO_FLAMMABLES), ("occupancy", 30)],
            [("answers.occupancy", "not_asked")],
        ),
        ([("venue_type", "castle")], [("answers.venue_type", "not_a_choice")]),
        ([("venue_type", True)], [("answers.venue_type", "not_a_choice")]),
        (
            [("venue_type", "shop"), ("floor_area_m2", "300")],
            [("answers.floor_area_m2", "whole_number")],
        ),
        (
            [("venue_type", "shop"), ("floor_area_m2", 300.5)],
            [("answers.floor_area_m2", "whole_number")],
        ),
        (
            [("venue_type", "shop"), ("floor_area_m2", True)],
            [("answers.floor_area_m2", "whole_number")],
        ),
        (
            [("venue_type", "shop"), ("floor_area_m2", 0)],
            [("answers.floor_area_m2", "out_of_range")],
        ),
        (
            [("venue_type", "shop"), ("floor_area_m2", 200_001)],
            [("answers.floor_area_m2", "out_of_range")],
        ),
        (
            [("venue_type", "shop"), ("floor_area_m2", 50), ("underground", 1)],
            [("answers.underground", "yes_no")],
        ),
    ],
)
def test_bad_answers_are_refused_naming_the_question(
    answers: list[tuple[str, Any]], problems: list[tuple[str, str]]
) -> None:
    assert _problems(answers) == problems


def test_an_unfinished_interview_cannot_be_submitted_and_names_the_question_left() -> None:
    with pytest.raises(InterviewError) as refused:
        rules.completed(list(gathering("hotel", 600, False, False)))
    assert refused.value.problems == [("answers.occupancy", "missing")]


def test_the_interview_use_case_answers_a_question_then_the_outcome_and_refuses_by_name() -> None:
    first = permits_app.interview(InterviewAnswers())
    assert first.complete is False and first.answered == 0
    assert first.next_question is not None and first.next_question.question_id == "venue_type"
    assert {o.value for o in first.next_question.options} >= {"shop", "entertainment"}

    area = permits_app.interview(
        InterviewAnswers.model_validate({"answers": [{"question": "venue_type", "value": "shop"}]})
    )
    assert area.next_question is not None
    assert (area.next_question.kind, area.next_question.minimum) == ("number", 1)

    done = permits_app.interview(
        InterviewAnswers.model_validate(
            {"answers": [{"question": q, "value": v} for q, v in BRANCHES[0].answers]}
        )
    )
    assert done.complete is True and done.outcome is not None
    assert done.outcome.procedure is Procedure.COMMITMENT
    assert {d.code for d in done.outcome.documents} == BRANCHES[0].documents
    assert done.outcome.documents[0].name == "营业执照或其他主体资格证明"

    with pytest.raises(ValidationFailed) as refused:
        permits_app.interview(
            InterviewAnswers.model_validate(
                {
                    "answers": [
                        {"question": "venue_type", "value": "shop"},
                        {"question": "floor_area_m2", "value": "many"},
                    ]
                }
            )
        )
    assert refused.value.fields["errors"] == [
        {"field": "answers.floor_area_m2", "problem": "whole_number"}
    ]


def test_the_answer_contract_keeps_numbers_booleans_and_text_apart() -> None:
    parsed = InterviewAnswers.model_validate(
        {
            "answers": [
                {"question": "a", "value": True},
                {"question": "b", "value": 3},
                {"question": "c", "value": "3"},
                {"question": "d", "value": 2.5},
            ]
        }
    )
    assert [type(a.value) for a in parsed.answers] == [bool, int, str, float]


REQUIRED = ("business_licence", "fire_safety_rules")


def test_documents_must_be_exactly_those_required() -> None:
    rules.check_documents(REQUIRED, {"business_licence": "r1", "fire_safety_rules": "r2"})
    with pytest.raises(InterviewError) as refused:
        rules.check_documents(
            REQUIRED, {"business_licence": "r1", "selfie": "r3", "floor_plan": "r4"}
        )
    assert refused.value.problems == [
        ("documents.fire_safety_rules", "missing"),
        ("documents.selfie", "unknown_code"),
        ("documents.floor_plan", "not_required"),
    ]
    with pytest.raises(InterviewError) as too_many:
        rules.check_documents(REQUIRED, {f"d{i}": "r" for i in range(21)})
    assert too_many.value.problems == [("documents", "too_many")]


def _application(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "venue_name": "小厨",
        "venue_address": "福田区农林路 8 号",
        "answers": [{"question": "venue_type", "value": "shop"}],
        "documents": {"business_licence": "obj:permits/2026/licence-01.pdf"},
    }
    return {**body, **changes}


@pytest.mark.parametrize(
    "documents",
    [
        {"business_licence": "short"},
        {"business_licence": "obj:../../etc/passwd"},
        {"business_licence": "obj permits with spaces"},
        {"business_licence": "x" * 201},
        {"Business Licence": "obj:permits/2026/licence-01.pdf"},
        {f"doc_{i}": "obj:permits/2026/licence-01.pdf" for i in range(21)},
    ],
)
def test_document_references_have_a_format_and_limits(documents: dict[str, str]) -> None:
    PermitApplicationCreate.model_validate(_application())
    with pytest.raises(ValidationError):
        PermitApplicationCreate.model_validate(_application(documents=documents))


def test_asking_for_changes_or_refusing_needs_a_reason() -> None:
    PermitDecision(decision=PermitDecisionKind.APPROVE)
    for decision in (PermitDecisionKind.REQUEST_CHANGES, PermitDecisionKind.REFUSE):
        with pytest.raises(ValidationError):
            PermitDecision(decision=decision)
        with pytest.raises(PermitRuleBroken):
            rules.decided_status(decision, None)
        assert rules.decided_status(decision, "缺少疏散图") is rules.DECIDED_STATUS[decision]


S = PermitStatus


@pytest.mark.parametrize(
    ("current", "wanted"),
    [
        (S.SUBMITTED, S.UNDER_REVIEW),
        (S.UNDER_REVIEW, S.APPROVED),
        (S.UNDER_REVIEW, S.CHANGES_REQUESTED),
        (S.UNDER_REVIEW, S.REFUSED),
        (S.CHANGES_REQUESTED, S.UNDER_REVIEW),
    ],
)
def test_the_status_flow_allows(current: PermitStatus, wanted: PermitStatus) -> None:
    rules.check_move(current, wanted)


@pytest.mark.parametrize(
    ("current", "wanted"),
    [
        (S.SUBMITTED, S.APPROVED),
        (S.SUBMITTED, S.REFUSED),
        (S.CHANGES_REQUESTED, S.APPROVED),
        (S.APPROVED, S.UNDER_REVIEW),
        (S.REFUSED, S.UNDER_REVIEW),
        (S.APPROVED, S.REFUSED),
    ],
)
def test_the_status_flow_refuses(current: PermitStatus, wanted: PermitStatus) -> None:
    with pytest.raises(PermitRuleBroken):
        rules.check_move(current, wanted)


def test_the_reviewer_decides_or_a_supervisor() -> None:
    rules.check_decider("o-1", "o-1", supervisor=False)
    rules.check_decider("o-1", "o-2", supervisor=True)
    with pytest.raises(PermitRuleBroken):
        rules.check_decider("o-1", "o-2", supervisor=False)


def test_the_decision_sms_fits_one_message_and_says_the_reason() -> None:
    longest = rules.decision_message("名" * 100, S.CHANGES_REQUESTED, "因" * 300)
    assert len(longest) <= 500
    assert "因" * 300 in longest
    assert "已通过" in rules.decision_message("小厨", S.APPROVED, None)
