"""Fire-safety permits: the interview as data, the outcome rules, the documents check and the
status flow of an application.

Simplified from the rules for public gathering places (公众聚集场所投入使用、营业前消防安全检查:
告知承诺 or on-site inspection before opening) and for special construction projects
(特殊建设工程消防设计审查和验收). Questions, the question that follows each answer, and which
documents and steps apply are all tables below; the functions only walk them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from contracts.permits import (
    MAX_DOCUMENT_REFERENCES,
    AnswerKind,
    PermitDecisionKind,
    PermitStatus,
    Procedure,
    VenueType,
)

AnswerValue = bool | int | float | str
Answers = Mapping[str, AnswerValue]


class InterviewError(ValueError):
    """Answers the interview cannot take; `problems` are (field, problem) pairs that name the
    questions (`answers.<question>`) or documents (`documents.<code>`)."""

    def __init__(self, message: str, problems: Sequence[tuple[str, str]]) -> None:
        super().__init__(message)
        self.problems = list(problems)


class PermitRuleBroken(ValueError):
    """A move the status flow does not allow; the message says which."""


# -- conditions over the answers given so far -------------------------------------------------


@dataclass(frozen=True)
class Always:
    def holds(self, answers: Answers) -> bool:
        return True


@dataclass(frozen=True)
class Is:
    """The question was answered with one of `values`."""

    question: str
    values: frozenset[AnswerValue]

    def holds(self, answers: Answers) -> bool:
        if self.question not in answers:
            return False
        value = answers[self.question]
        # True == 1 in a set: compare kinds too, so a yes/no never matches a number
        return any(type(value) is type(v) and value == v for v in self.values)


@dataclass(frozen=True)
class Answered:
    question: str

    def holds(self, answers: Answers) -> bool:
        return self.question in answers


@dataclass(frozen=True)
class AtLeast:
    question: str
    threshold: int

    def holds(self, answers: Answers) -> bool:
        value = answers.get(self.question)
        return isinstance(value, int) and not isinstance(value, bool) and value >= self.threshold


@dataclass(frozen=True)
class Below:
    question: str
    threshold: int

    def holds(self, answers: Answers) -> bool:
        value = answers.get(self.question)
        return isinstance(value, int) and not isinstance(value, bool) and value < self.threshold


@dataclass(frozen=True)
class AllOf:
    conditions: tuple[Condition, ...]

    def holds(self, answers: Answers) -> bool:
        return all(c.holds(answers) for c in self.conditions)


@dataclass(frozen=True)
class AnyOf:
    conditions: tuple[Condition, ...]

    def holds(self, answers: Answers) -> bool:
        return any(c.holds(answers) for c in self.conditions)


@dataclass(frozen=True)
class Not:
    condition: Condition

    def holds(self, answers: Answers) -> bool:
        return not self.condition.holds(answers)


Condition = Always | Is | Answered | AtLeast | Below | AllOf | AnyOf | Not


def one_of(question: str, *values: AnswerValue) -> Is:
    return Is(question, frozenset(values))


def venue(*types: VenueType) -> Is:
    return Is("venue_type", frozenset(str(t) for t in types))


def yes(question: str) -> Is:
    return Is(question, frozenset({True}))


def no(question: str) -> Is:
    return Is(question, frozenset({False}))


# -- the questions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Question:
    question_id: str
    text: str
    kind: AnswerKind
    options: tuple[Option, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    unit: str | None = None


VENUE_LABELS = {
    VenueType.SHOP: "商店、商场、超市",
    VenueType.RESTAURANT: "餐饮场所",
    VenueType.ENTERTAINMENT: "歌舞娱乐场所（KTV、酒吧、舞厅等）",
    VenueType.HOTEL: "宾馆、酒店、民宿",
    VenueType.SCHOOL: "学校、幼儿园、校外培训机构",
    VenueType.ELDER_CARE: "养老院、老年人照料设施",
    VenueType.WAREHOUSE: "仓库",
    VenueType.WORKSHOP: "生产加工车间",
}

GATHERING_VENUES = (
    VenueType.SHOP,
    VenueType.RESTAURANT,
    VenueType.ENTERTAINMENT,
    VenueType.HOTEL,
    VenueType.SCHOOL,
    VenueType.ELDER_CARE,
)
INDUSTRIAL_VENUES = (VenueType.WAREHOUSE, VenueType.WORKSHOP)

QUESTIONS: dict[str, Question] = {
    q.question_id: q
    for q in (
        Question(
            "venue_type",
            "场所类型",
            AnswerKind.CHOICE,
            options=tuple(Option(str(v), label) for v, label in VENUE_LABELS.items()),
        ),
        Question(
            "floor_area_m2",
            "场所建筑面积",
            AnswerKind.NUMBER,
            minimum=1,
            maximum=200_000,
            unit="平方米",
        ),
        Question(
            "hazard_class",
            "储存或生产物品的火灾危险性类别",
            AnswerKind.CHOICE,
            options=(
                Option("a_b", "甲、乙类（易燃易爆物品）"),
                Option("c", "丙类（可燃物品，如纸张、木材、纺织品）"),
                Option("d_e", "丁、戊类（难燃或不燃物品）"),
            ),
        ),
        Question("underground", "场所是否位于地下或半地下？", AnswerKind.YES_NO),
        Question(
            "high_rise", "场所所在建筑是否为高层建筑（建筑高度超过 24 米）？", AnswerKind.YES_NO
        ),
        Question(
            "occupancy",
            "同一时间预计容纳的最多人数",
            AnswerKind.NUMBER,
            minimum=1,
            maximum=50_000,
            unit="人",
        ),
        Question(
            "flammables",
            "是否储存或使用易燃易爆物品（如液化石油气、酒精、油漆）？",
            AnswerKind.YES_NO,
        ),
        Question(
            "flammable_kind",
            "易燃易爆物品的种类",
            AnswerKind.CHOICE,
            options=(
                Option("gas", "可燃气体（液化石油气、天然气等）"),
                Option("liquid", "易燃液体（汽油、酒精、油漆等）"),
                Option("solid", "易燃固体"),
            ),
        ),
        Question(
            "flammable_quantity",
            "易燃易爆物品的数量",
            AnswerKind.CHOICE,
            options=(
                Option("small", "少量（日常使用量以内）"),
                Option("large", "超过日常使用量或达到危险化学品临界量"),
            ),
        ),
    )
}

FIRST_QUESTION = "venue_type"


@dataclass(frozen=True)
class Edge:
    """After the question, go `to` the next one (None: the interview is complete) when `when`
    holds; a question's edges are tried in order, the last always holds."""

    when: Condition
    to: str | None


SMALL_STREET_VENUE = AllOf(
    (
        venue(VenueType.SHOP, VenueType.RESTAURANT),
        Below("floor_area_m2", 300),
        no("underground"),
        no("high_rise"),
    )
)

FLOW: dict[str, tuple[Edge, ...]] = {
    "venue_type": (Edge(Always(), "floor_area_m2"),),
    "floor_area_m2": (
        Edge(venue(*INDUSTRIAL_VENUES), "hazard_class"),
        Edge(Always(), "underground"),
    ),
    # goods of class 甲/乙 are flammable by definition: ask what they are, not whether
    "hazard_class": (
        Edge(one_of("hazard_class", "a_b"), "flammable_kind"),
        Edge(Always(), "flammables"),
    ),
    "underground": (Edge(Always(), "high_rise"),),
    # a small street-level shop or restaurant is not asked how many people it holds
    "high_rise": (Edge(SMALL_STREET_VENUE, "flammables"), Edge(Always(), "occupancy")),
    "occupancy": (Edge(Always(), "flammables"),),
    "flammables": (Edge(yes("flammables"), "flammable_kind"), Edge(Always(), None)),
    "flammable_kind": (Edge(Always(), "flammable_quantity"),),
    "flammable_quantity": (Edge(Always(), None),),
}


# -- the outcome --------------------------------------------------------------------------------

#: 特殊建设工程 (simplified): its fire design is reviewed and its completion accepted on site
SPECIAL_CONSTRUCTION = AnyOf(
    (
        AllOf((venue(VenueType.SCHOOL, VenueType.ELDER_CARE), AtLeast("floor_area_m2", 1000))),
        AllOf((venue(VenueType.ENTERTAINMENT), AtLeast("floor_area_m2", 500))),
        AllOf(
            (
                venue(VenueType.SHOP, VenueType.RESTAURANT, VenueType.HOTEL),
                AtLeast("floor_area_m2", 10_000),
            )
        ),
        yes("high_rise"),
        one_of("hazard_class", "a_b"),
    )
)

#: the first rule that holds decides the procedure
PROCEDURE_RULES: tuple[tuple[Condition, Procedure], ...] = (
    (AnyOf((SPECIAL_CONSTRUCTION, one_of("flammable_quantity", "large"))), Procedure.INSPECTION),
    (venue(*INDUSTRIAL_VENUES), Procedure.FILING),
    (
        AnyOf(
            (
                venue(VenueType.ENTERTAINMENT, VenueType.SCHOOL, VenueType.ELDER_CARE),
                yes("underground"),
                AtLeast("occupancy", 1000),
            )
        ),
        Procedure.INSPECTION,
    ),
    (Always(), Procedure.COMMITMENT),
)

PROCEDURE_NAMES = {
    Procedure.COMMITMENT: "告知承诺：签署承诺书后当场许可，许可后现场核查",
    Procedure.INSPECTION: "现场检查：检查合格后方可投入使用、营业",
    Procedure.FILING: "竣工验收消防备案：备案后随机抽查",
}


@dataclass(frozen=True)
class Document:
    code: str
    name: str
    when: Condition = field(default_factory=Always)
    #: required only under this procedure
    procedure: Procedure | None = None


DOCUMENTS: tuple[Document, ...] = (
    Document("business_licence", "营业执照或其他主体资格证明"),
    Document("legal_representative_id", "法定代表人或主要负责人身份证明"),
    Document("fire_safety_rules", "消防安全制度及操作规程"),
    Document("floor_plan", "场所平面布置图及疏散路线图", venue(*GATHERING_VENUES)),
    Document("evacuation_plan", "灭火和应急疏散预案", venue(*GATHERING_VENUES)),
    Document("design_review_opinion", "消防设计审查意见书", SPECIAL_CONSTRUCTION),
    Document("acceptance_opinion", "特殊建设工程消防验收意见书", SPECIAL_CONSTRUCTION),
    Document("completion_filing_receipt", "竣工验收消防备案凭证", Not(SPECIAL_CONSTRUCTION)),
    Document(
        "electrical_inspection_report",
        "电气防火检测报告",
        AnyOf(
            (
                AtLeast("floor_area_m2", 300),
                yes("underground"),
                venue(VenueType.ENTERTAINMENT),
            )
        ),
    ),
    Document(
        "fire_facilities_report",
        "建筑消防设施检测报告",
        AnyOf((AtLeast("floor_area_m2", 1000), SPECIAL_CONSTRUCTION)),
    ),
    Document(
        "decoration_fire_ratings",
        "室内装修材料防火性能证明",
        AnyOf((venue(VenueType.ENTERTAINMENT, VenueType.HOTEL), yes("underground"))),
    ),
    Document(
        "fire_training_records", "消防安全管理人任命及员工消防培训记录", AtLeast("occupancy", 500)
    ),
    Document("hazardous_storage_statement", "危险品储存专项说明", Answered("flammable_kind")),
    Document(
        "gas_safety_certificate",
        "燃气使用安全证明（供气合同及气瓶、管道检验记录）",
        one_of("flammable_kind", "gas"),
    ),
    Document(
        "hazardous_chemicals_licence",
        "危险化学品经营（储存）许可证",
        one_of("flammable_quantity", "large"),
    ),
    Document("storage_inventory", "储存物品清单及堆垛布置图", venue(VenueType.WAREHOUSE)),
    Document("process_hazard_statement", "生产工艺火灾危险性说明", venue(VenueType.WORKSHOP)),
    Document("commitment_letter", "消防安全告知承诺书", procedure=Procedure.COMMITMENT),
    Document("filing_form", "建设工程竣工验收消防备案表", procedure=Procedure.FILING),
)
DOCUMENT_NAMES = {d.code: d.name for d in DOCUMENTS}


@dataclass(frozen=True)
class Step:
    code: str
    description: str
    working_days: int | None = None


ACCEPTANCE_FIRST = Step(
    "acceptance_first", "先取得消防设计审查意见和消防验收合格意见（特殊建设工程）"
)

STEPS: dict[Procedure, tuple[Step, ...]] = {
    Procedure.COMMITMENT: (
        Step("submit", "在线提交申请、材料和签署的告知承诺书"),
        Step("permit", "材料齐全、符合法定形式的，当场作出许可决定", 1),
        Step("verification", "许可后对场所进行现场核查，不符合承诺的依法撤销许可", 20),
    ),
    Procedure.INSPECTION: (
        Step("submit", "在线提交申请和材料"),
        Step("acceptance", "材料审查，齐全的予以受理，不齐全的一次性告知补正", 3),
        Step("inspection", "受理后到场进行消防安全检查", 10),
        Step("decision", "检查合格的作出许可决定；未经许可不得投入使用、营业", 3),
    ),
    Procedure.FILING: (
        Step("submit", "在线提交竣工验收消防备案材料"),
        Step("filing", "材料齐全的当场予以备案", 1),
        Step("spot_check", "备案后随机确定检查对象并进行抽查", 15),
    ),
}


@dataclass(frozen=True)
class Outcome:
    procedure: Procedure
    special_construction: bool
    documents: tuple[Document, ...]
    steps: tuple[Step, ...]

    @property
    def document_codes(self) -> tuple[str, ...]:
        return tuple(d.code for d in self.documents)


@dataclass(frozen=True)
class Progress:
    """Where an interview stands: the answers taken (checked) and the next question, if any."""

    answers: dict[str, AnswerValue]
    next_question: Question | None

    @property
    def complete(self) -> bool:
        return self.next_question is None


def _checked(question: Question, value: AnswerValue) -> AnswerValue:
    field_name = f"answers.{question.question_id}"
    if question.kind is AnswerKind.YES_NO:
        if not isinstance(value, bool):
            raise InterviewError(
                f"{question.question_id} is answered with true or false", [(field_name, "yes_no")]
            )
    elif question.kind is AnswerKind.NUMBER:
        if not isinstance(value, int) or isinstance(value, bool):
            raise InterviewError(
                f"{question.question_id} is answered with a whole number",
                [(field_name, "whole_number")],
            )
        low, high = question.minimum, question.maximum
        if (low is not None and value < low) or (high is not None and value > high):
            raise InterviewError(
                f"{question.question_id} must be {low} to {high}", [(field_name, "out_of_range")]
            )
    elif not isinstance(value, str) or value not in {o.value for o in question.options}:
        raise InterviewError(
            f"{question.question_id} is answered with one of its choices",
            [(field_name, "not_a_choice")],
        )
    return value


def next_question_after(question_id: str, answers: Answers) -> str | None:
    for edge in FLOW[question_id]:
        if edge.when.holds(answers):
            return edge.to
    raise AssertionError(f"no edge holds after {question_id}")  # the last one always does


def walk(answers: Sequence[tuple[str, AnswerValue]]) -> Progress:
    """Take the answers in order, each checked against the question the interview is at.

    Raises InterviewError naming the question: an unknown question, an answer out of order
    (or to a question this path never asks), a value the question does not take.
    """
    taken: dict[str, AnswerValue] = {}
    current: str | None = FIRST_QUESTION
    for position, (question_id, value) in enumerate(answers, start=1):
        if question_id not in QUESTIONS:
            raise InterviewError(
                f"answer {position}: there is no question {question_id}",
                [(f"answers.{question_id}", "unknown_question")],
            )
        if current is None:
            raise InterviewError(
                f"answer {position} ({question_id}) comes after the interview was complete",
                [(f"answers.{question_id}", "not_asked")],
            )
        if question_id != current:
            raise InterviewError(
                f"answer {position} is for {question_id}, but the question here is {current}",
                [(f"answers.{question_id}", "out_of_order"), (f"answers.{current}", "missing")],
            )
        taken[question_id] = _checked(QUESTIONS[question_id], value)
        current = next_question_after(question_id, taken)
    return Progress(taken, QUESTIONS[current] if current is not None else None)


def outcome_of(answers: Answers) -> Outcome:
    """The procedure, documents and steps for a complete interview's answers."""
    procedure = next(p for condition, p in PROCEDURE_RULES if condition.holds(answers))
    special = SPECIAL_CONSTRUCTION.holds(answers)
    documents = tuple(
        d
        for d in DOCUMENTS
        if d.when.holds(answers) and (d.procedure is None or d.procedure is procedure)
    )
    steps = ((ACCEPTANCE_FIRST,) if special else ()) + STEPS[procedure]
    return Outcome(procedure, special, documents, steps)


def completed(answers: Sequence[tuple[str, AnswerValue]]) -> tuple[dict[str, AnswerValue], Outcome]:
    """A complete interview's answers and outcome; an unfinished one is refused naming the
    question still to answer."""
    progress = walk(answers)
    if progress.next_question is not None:
        missing = progress.next_question.question_id
        raise InterviewError(
            f"the interview is not complete: {missing} is still to be answered",
            [(f"answers.{missing}", "missing")],
        )
    return progress.answers, outcome_of(progress.answers)


def check_documents(required: Sequence[str], given: Mapping[str, str]) -> None:
    """Every required document by reference, and nothing else."""
    if len(given) > MAX_DOCUMENT_REFERENCES:
        raise InterviewError(
            f"at most {MAX_DOCUMENT_REFERENCES} documents", [("documents", "too_many")]
        )
    problems = [(f"documents.{code}", "missing") for code in required if code not in given]
    problems += [
        (f"documents.{code}", "unknown_code" if code not in DOCUMENT_NAMES else "not_required")
        for code in given
        if code not in required
    ]
    if problems:
        raise InterviewError(
            "the documents must be exactly those the outcome lists: "
            + ", ".join(f"{f.removeprefix('documents.')} {p}" for f, p in problems),
            problems,
        )


# -- the status flow ----------------------------------------------------------------------------

NEXT_STATUS: dict[PermitStatus, frozenset[PermitStatus]] = {
    PermitStatus.SUBMITTED: frozenset({PermitStatus.UNDER_REVIEW}),
    PermitStatus.UNDER_REVIEW: frozenset(
        {PermitStatus.APPROVED, PermitStatus.CHANGES_REQUESTED, PermitStatus.REFUSED}
    ),
    # the citizen's resubmission goes back to the officer who asked for the changes
    PermitStatus.CHANGES_REQUESTED: frozenset({PermitStatus.UNDER_REVIEW}),
    PermitStatus.APPROVED: frozenset(),
    PermitStatus.REFUSED: frozenset(),
}

DECIDED_STATUS = {
    PermitDecisionKind.APPROVE: PermitStatus.APPROVED,
    PermitDecisionKind.REQUEST_CHANGES: PermitStatus.CHANGES_REQUESTED,
    PermitDecisionKind.REFUSE: PermitStatus.REFUSED,
}


def check_move(current: PermitStatus, wanted: PermitStatus) -> None:
    if wanted not in NEXT_STATUS[current]:
        raise PermitRuleBroken(f"an application cannot go from {current} to {wanted}")


def decided_status(decision: PermitDecisionKind, reason: str | None) -> PermitStatus:
    if decision is not PermitDecisionKind.APPROVE and not reason:
        raise PermitRuleBroken(f"{decision} needs a reason")
    return DECIDED_STATUS[decision]


def check_decider(reviewer: str | None, officer: str, supervisor: bool) -> None:
    """The officer who took the application decides it; a supervisor may decide any."""
    if reviewer != officer and not supervisor:
        raise PermitRuleBroken("another officer has this application in review")


def decision_message(venue_name: str, status: PermitStatus, reason: str | None) -> str:
    """The SMS the citizen gets on a decision."""
    said = {
        PermitStatus.APPROVED: "已通过，请按告知的要求落实消防安全责任。",
        PermitStatus.CHANGES_REQUESTED: f"需要补正材料：{reason}。请登录后重新提交。",
        PermitStatus.REFUSED: f"未予许可：{reason}。",
    }[status]
    return f"【深圳公安】您为“{venue_name}”提交的消防安全检查申请{said}"
