"""Fire-safety permits (公众聚集场所投入使用、营业前消防安全检查 and related filings): the guided
interview, applications with their documents by reference, and the officers' review.

The interview is stateless: the client posts every answer so far, in the order the questions
were asked, and gets back the next question or the outcome (the procedure, the documents and
the steps that apply). The server evaluates the answers again when an application is submitted;
the documents an application must carry always come from the server.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StringConstraints,
    model_validator,
)


class VenueType(StrEnum):
    SHOP = "shop"
    RESTAURANT = "restaurant"
    ENTERTAINMENT = "entertainment"  # KTV, bars, dance halls (歌舞娱乐场所)
    HOTEL = "hotel"
    SCHOOL = "school"  # schools, kindergartens, training centres
    ELDER_CARE = "elder_care"
    WAREHOUSE = "warehouse"
    WORKSHOP = "workshop"


class AnswerKind(StrEnum):
    CHOICE = "choice"
    NUMBER = "number"  # a whole number within the question's range
    YES_NO = "yes_no"  # true or false


class Procedure(StrEnum):
    #: 告知承诺: the permit on the applicant's signed commitment, checked on site afterwards
    COMMITMENT = "commitment"
    #: 现场检查: the venue opens only after an on-site inspection passed
    INSPECTION = "inspection"
    #: 竣工验收消防备案: a filing for a building that is not a public gathering place, spot-checked
    FILING = "filing"


#: the most answers an interview has (there are fewer questions on any path)
MAX_ANSWERS = 20
#: the most documents an application carries
MAX_DOCUMENT_REFERENCES = 20

QuestionId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
DocumentCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]


def _no_parent_steps(reference: str) -> str:
    if ".." in reference:
        raise ValueError("a storage reference has no '..'")
    return reference


#: where an uploaded document is kept, as the storage service named it (opaque here)
StorageReference = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]{7,199}$"),
    AfterValidator(_no_parent_steps),
]

#: an answer's value: a choice's value, a whole number, or true/false; the interview says
#: which one each question takes (a float or a number in quotes is refused there, by name)
AnswerValue = (
    StrictBool | StrictInt | StrictFloat | Annotated[str, StringConstraints(max_length=100)]
)


class InterviewAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    question: QuestionId
    value: AnswerValue


class InterviewAnswers(BaseModel):
    """Every answer so far, in the order the questions were asked."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "answers": [
                        {"question": "venue_type", "value": "restaurant"},
                        {"question": "floor_area_m2", "value": 420},
                    ]
                }
            ]
        },
    )

    answers: list[InterviewAnswer] = Field(default_factory=list, max_length=MAX_ANSWERS)


class QuestionOption(BaseModel):
    value: str
    label: str


class InterviewQuestion(BaseModel):
    question_id: str
    text: str
    kind: AnswerKind
    options: list[QuestionOption] = []
    minimum: int | None = None
    maximum: int | None = None
    unit: str | None = None


class RequiredDocument(BaseModel):
    code: str
    name: str


class ProcedureStep(BaseModel):
    code: str
    description: str
    #: the time limit of the step in working days, where there is one
    working_days: int | None = None


class PermitOutcome(BaseModel):
    procedure: Procedure
    procedure_name: str
    #: a special construction project (特殊建设工程): its fire design was reviewed and accepted
    special_construction: bool
    documents: list[RequiredDocument]
    steps: list[ProcedureStep]


class InterviewResult(BaseModel):
    """Either the next question or, once the interview is complete, its outcome."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "complete": False,
                    "answered": 2,
                    "next_question": {
                        "question_id": "underground",
                        "text": "场所是否位于地下或半地下？",
                        "kind": "yes_no",
                        "options": [],
                        "minimum": None,
                        "maximum": None,
                        "unit": None,
                    },
                    "outcome": None,
                }
            ]
        }
    )

    complete: bool
    answered: int
    next_question: InterviewQuestion | None = None
    outcome: PermitOutcome | None = None


class PermitStatus(StrEnum):
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"
    REFUSED = "refused"


VenueName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
VenueAddress = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Documents = Annotated[
    dict[DocumentCode, StorageReference], Field(max_length=MAX_DOCUMENT_REFERENCES)
]


class PermitApplicationCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "venue_name": "福田区香蜜湖小厨",
                    "venue_address": "深圳市福田区香蜜湖街道农林路 8 号",
                    "answers": [
                        {"question": "venue_type", "value": "restaurant"},
                        {"question": "floor_area_m2", "value": 120},
                        {"question": "underground", "value": False},
                        {"question": "high_rise", "value": False},
                        {"question": "flammables", "value": False},
                    ],
                    "documents": {
                        "business_licence": "obj:permits/2026/licence-7f3a9c.pdf",
                        "legal_representative_id": "obj:permits/2026/id-7f3a9c.pdf",
                        "fire_safety_rules": "obj:permits/2026/rules-7f3a9c.pdf",
                        "floor_plan": "obj:permits/2026/plan-7f3a9c.pdf",
                        "evacuation_plan": "obj:permits/2026/evac-7f3a9c.pdf",
                        "completion_filing_receipt": "obj:permits/2026/filing-7f3a9c.pdf",
                        "commitment_letter": "obj:permits/2026/pledge-7f3a9c.pdf",
                    },
                }
            ]
        },
    )

    venue_name: VenueName
    venue_address: VenueAddress
    answers: list[InterviewAnswer] = Field(min_length=1, max_length=MAX_ANSWERS)
    #: document code → storage reference; exactly the documents the outcome lists
    documents: Documents


class PermitResubmission(BaseModel):
    """After changes were requested: the whole set of documents again, with new references."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"documents": {"business_licence": "obj:permits/2026/licence-v2-7f3a9c.pdf"}}
            ]
        },
    )

    documents: Documents
    note: Reason | None = None


class PermitDecisionKind(StrEnum):
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    REFUSE = "refuse"


class PermitDecision(BaseModel):
    """An officer's decision; asking for changes or refusing needs the reason."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"decision": "request_changes", "reason": "疏散预案缺少二层疏散路线图"}]
        },
    )

    decision: PermitDecisionKind
    reason: Reason | None = None

    @model_validator(mode="after")
    def _reason_when_not_approving(self) -> PermitDecision:
        if self.decision is not PermitDecisionKind.APPROVE and self.reason is None:
            raise ValueError(f"{self.decision} needs a reason")
        return self


class PermitTransition(BaseModel):
    status: PermitStatus
    at: datetime
    #: `citizen`, or the officer who moved it
    by: str
    reason: str | None = None


class PermitApplication(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "application_id": "5d0c4c55-9f53-4b1f-8f0e-2d1f7c1c2a10",
                    "citizen_id": "c-3f9a1c2b7d4e5f60",
                    "venue_name": "福田区香蜜湖小厨",
                    "venue_address": "深圳市福田区香蜜湖街道农林路 8 号",
                    "venue_type": "restaurant",
                    "answers": [
                        {"question": "venue_type", "value": "restaurant"},
                        {"question": "floor_area_m2", "value": 120},
                        {"question": "underground", "value": False},
                        {"question": "high_rise", "value": False},
                        {"question": "flammables", "value": False},
                    ],
                    "outcome": {
                        "procedure": "commitment",
                        "procedure_name": "告知承诺：签署承诺书后当场许可，许可后现场核查",
                        "special_construction": False,
                        "documents": [
                            {"code": "business_licence", "name": "营业执照或其他主体资格证明"}
                        ],
                        "steps": [
                            {
                                "code": "submit",
                                "description": "在线提交申请、材料和签署的告知承诺书",
                                "working_days": None,
                            }
                        ],
                    },
                    "documents": {"business_licence": "obj:permits/2026/licence-7f3a9c.pdf"},
                    "status": "changes_requested",
                    "reviewer": "li.wei",
                    "submitted_at": "2026-11-30T02:00:00Z",
                    "updated_at": "2026-11-30T06:30:00Z",
                    "history": [
                        {
                            "status": "submitted",
                            "at": "2026-11-30T02:00:00Z",
                            "by": "citizen",
                            "reason": None,
                        },
                        {
                            "status": "under_review",
                            "at": "2026-11-30T03:10:00Z",
                            "by": "li.wei",
                            "reason": None,
                        },
                        {
                            "status": "changes_requested",
                            "at": "2026-11-30T06:30:00Z",
                            "by": "li.wei",
                            "reason": "疏散预案缺少二层疏散路线图",
                        },
                    ],
                }
            ]
        }
    )

    application_id: uuid.UUID
    citizen_id: str
    venue_name: str
    venue_address: str
    venue_type: VenueType
    answers: list[InterviewAnswer]
    #: as the server evaluated the answers
    outcome: PermitOutcome
    documents: dict[str, str]
    status: PermitStatus
    reviewer: str | None
    submitted_at: datetime
    updated_at: datetime
    #: oldest first
    history: list[PermitTransition]


class PermitApplicationSummary(BaseModel):
    application_id: uuid.UUID
    venue_name: str
    venue_type: VenueType
    procedure: Procedure
    status: PermitStatus
    reviewer: str | None
    submitted_at: datetime
    updated_at: datetime


class PermitApplications(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [], "next_cursor": None}]})

    items: list[PermitApplicationSummary]
    next_cursor: str | None = None


#: statuses an officer still has work on: the review queue's default
OPEN_PERMIT_STATUSES = (PermitStatus.SUBMITTED, PermitStatus.UNDER_REVIEW)
