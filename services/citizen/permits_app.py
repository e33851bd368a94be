"""Fire-safety permit use cases: the interview, a citizen's applications, the officers' review
queue and decisions (each decision told to the citizen by SMS in the same transaction)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from contracts.actor import Actor, ActorKind
from contracts.errors import Conflict, Forbidden, NotFound, ValidationFailed
from contracts.notifications import Channel, NotificationRequest
from contracts.permits import (
    InterviewAnswer,
    InterviewAnswers,
    InterviewQuestion,
    InterviewResult,
    PermitApplication,
    PermitApplicationCreate,
    PermitApplications,
    PermitApplicationSummary,
    PermitDecision,
    PermitOutcome,
    PermitResubmission,
    PermitStatus,
    PermitTransition,
    ProcedureStep,
    QuestionOption,
    RequiredDocument,
)
from services.citizen import accounts_app, notifications_app
from services.citizen import permits_store as store
from services.citizen.domain import fire_permits as rules
from services.citizen.domain.fire_permits import InterviewError, PermitRuleBroken

#: roles that review citizens' applications and requests
REVIEWER_ROLES = frozenset({"officer", "supervisor"})
SUPERVISOR_ROLE = "supervisor"
CITIZEN = "citizen"
DECISION_CATEGORY = "fire_permit_decision"
SENDER = "citizen"


def reviewer_of(actor: Actor) -> str:
    """The officer answerable for a review (an officer, or a service account acting for one)."""
    officer = actor.accountable_officer
    if actor.kind not in (ActorKind.OFFICER, ActorKind.SERVICE_ACCOUNT) or officer is None:
        raise Forbidden("only an officer reviews citizens' applications")
    if not REVIEWER_ROLES.intersection(actor.roles):
        raise Forbidden("reviewing needs the officer or supervisor role")
    return officer


def is_supervisor(actor: Actor) -> bool:
    return SUPERVISOR_ROLE in actor.roles


def encode_cursor(moment: datetime, key: uuid.UUID) -> str:
    return f"{moment.isoformat()}|{key}"


def decode_cursor(cursor: str | None) -> store.Cursor | None:
    if cursor is None:
        return None
    try:
        moment, _, key = cursor.partition("|")
        parsed = datetime.fromisoformat(moment)
        if parsed.tzinfo is None:
            raise ValueError("naive")
        return parsed, uuid.UUID(key)
    except (TypeError, ValueError):
        raise ValidationFailed("invalid cursor") from None


def refused(error: InterviewError) -> ValidationFailed:
    return ValidationFailed(
        str(error), errors=[{"field": f, "problem": p} for f, p in error.problems]
    )


def _pairs(answers: Sequence[InterviewAnswer]) -> list[tuple[str, rules.AnswerValue]]:
    return [(a.question, a.value) for a in answers]


def _question(question: rules.Question) -> InterviewQuestion:
    return InterviewQuestion(
        question_id=question.question_id,
        text=question.text,
        kind=question.kind,
        options=[QuestionOption(value=o.value, label=o.label) for o in question.options],
        minimum=question.minimum,
        maximum=question.maximum,
        unit=question.unit,
    )


def _outcome(outcome: rules.Outcome) -> PermitOutcome:
    return PermitOutcome(
        procedure=outcome.procedure,
        procedure_name=rules.PROCEDURE_NAMES[outcome.procedure],
        special_construction=outcome.special_construction,
        documents=[RequiredDocument(code=d.code, name=d.name) for d in outcome.documents],
        steps=[
            ProcedureStep(code=s.code, description=s.description, working_days=s.working_days)
            for s in outcome.steps
        ],
    )


def interview(request: InterviewAnswers) -> InterviewResult:
    """The next question for the answers so far, or the outcome once they are complete."""
    try:
        progress = rules.walk(_pairs(request.answers))
    except InterviewError as exc:
        raise refused(exc) from None
    if progress.next_question is not None:
        return InterviewResult(
            complete=False,
            answered=len(progress.answers),
            next_question=_question(progress.next_question),
        )
    return InterviewResult(
        complete=True,
        answered=len(progress.answers),
        outcome=_outcome(rules.outcome_of(progress.answers)),
    )


def _application(session: Session, row: Any) -> PermitApplication:
    history = [
        PermitTransition(status=t.status, at=t.at, by=t.by, reason=t.reason)
        for t in store.permit_transitions(session, row.application_id)
    ]
    return PermitApplication(
        application_id=row.application_id,
        citizen_id=row.citizen_id,
        venue_name=row.venue_name,
        venue_address=row.venue_address,
        venue_type=row.venue_type,
        answers=row.answers,
        outcome=row.outcome,
        documents=row.documents,
        status=row.status,
        reviewer=row.reviewer,
        submitted_at=row.submitted_at,
        updated_at=row.updated_at,
        history=history,
    )


def _listing(rows: Sequence[Any], limit: int) -> PermitApplications:
    items = [
        PermitApplicationSummary(
            application_id=r.application_id,
            venue_name=r.venue_name,
            venue_type=r.venue_type,
            procedure=r.procedure,
            status=r.status,
            reviewer=r.reviewer,
            submitted_at=r.submitted_at,
            updated_at=r.updated_at,
        )
        for r in rows
    ]
    last = rows[-1] if len(rows) == limit else None
    return PermitApplications(
        items=items,
        next_cursor=encode_cursor(last.submitted_at, last.application_id) if last else None,
    )


def submit(
    session: Session, actor: Actor, request: PermitApplicationCreate, now: datetime
) -> PermitApplication:
    """The answers are evaluated here again: the documents required come from this service,
    whatever the client was shown."""
    citizen_id = accounts_app.citizen_of(actor)
    try:
        answers, outcome = rules.completed(_pairs(request.answers))
        rules.check_documents(outcome.document_codes, request.documents)
    except InterviewError as exc:
        raise refused(exc) from None
    application_id = uuid.uuid4()
    store.add_application(
        session,
        {
            "application_id": application_id,
            "citizen_id": citizen_id,
            "venue_name": request.venue_name,
            "venue_address": request.venue_address,
            "venue_type": str(answers["venue_type"]),
            "answers": [a.model_dump(mode="json") for a in request.answers],
            "outcome": _outcome(outcome).model_dump(mode="json"),
            "procedure": str(outcome.procedure),
            "documents": dict(request.documents),
            "status": str(PermitStatus.SUBMITTED),
            "submitted_at": now,
            "updated_at": now,
        },
    )
    store.add_permit_transition(
        session, application_id, str(PermitStatus.SUBMITTED), now, CITIZEN, None
    )
    return _application(session, store.application(session, application_id))


def my_applications(
    session: Session, actor: Actor, cursor: str | None, limit: int
) -> PermitApplications:
    """The citizen's own applications, newest first."""
    citizen_id = accounts_app.citizen_of(actor)
    rows = store.citizens_applications(session, citizen_id, decode_cursor(cursor), limit)
    return _listing(rows, limit)


def _own(session: Session, actor: Actor, application_id: uuid.UUID, *, lock: bool = False) -> Any:
    """The citizen's own application; another's is not found, exactly like a missing one."""
    row = store.application(
        session, application_id, citizen_id=accounts_app.citizen_of(actor), lock=lock
    )
    if row is None:
        raise NotFound("no such application")
    return row


def my_application(session: Session, actor: Actor, application_id: uuid.UUID) -> PermitApplication:
    return _application(session, _own(session, actor, application_id))


def _move(
    session: Session,
    row: Any,
    wanted: PermitStatus,
    by: str,
    reason: str | None,
    now: datetime,
    **values: Any,
) -> None:
    try:
        rules.check_move(PermitStatus(row.status), wanted)
    except PermitRuleBroken as exc:
        raise Conflict(str(exc)) from None
    store.update_application(
        session, row.application_id, {"status": str(wanted), "updated_at": now, **values}
    )
    store.add_permit_transition(session, row.application_id, str(wanted), now, by, reason)


def resubmit(
    session: Session,
    actor: Actor,
    application_id: uuid.UUID,
    request: PermitResubmission,
    now: datetime,
) -> PermitApplication:
    """After changes were requested: new references for the same documents; the application
    goes back to the officer who asked."""
    row = _own(session, actor, application_id, lock=True)
    if row.status != PermitStatus.CHANGES_REQUESTED:
        raise Conflict(
            f"the application is {row.status}: only one with changes asked for is resubmitted"
        )
    required = [d["code"] for d in row.outcome["documents"]]
    try:
        rules.check_documents(required, request.documents)
    except InterviewError as exc:
        raise refused(exc) from None
    _move(
        session,
        row,
        PermitStatus.UNDER_REVIEW,
        CITIZEN,
        request.note,
        now,
        documents=dict(request.documents),
    )
    return _application(session, store.application(session, application_id))


def queue(
    session: Session,
    actor: Actor,
    statuses: Sequence[PermitStatus],
    cursor: str | None,
    limit: int,
) -> PermitApplications:
    """Applications in the given statuses, oldest first."""
    reviewer_of(actor)
    rows = store.application_queue(
        session, [str(s) for s in statuses], decode_cursor(cursor), limit
    )
    return _listing(rows, limit)


def _any(session: Session, application_id: uuid.UUID, *, lock: bool = False) -> Any:
    row = store.application(session, application_id, lock=lock)
    if row is None:
        raise NotFound("no such application")
    return row


def for_review(session: Session, actor: Actor, application_id: uuid.UUID) -> PermitApplication:
    reviewer_of(actor)
    return _application(session, _any(session, application_id))


def take(
    session: Session, actor: Actor, application_id: uuid.UUID, now: datetime
) -> PermitApplication:
    """An officer takes a submitted application into review (it is theirs to decide)."""
    officer = reviewer_of(actor)
    row = _any(session, application_id, lock=True)
    _move(session, row, PermitStatus.UNDER_REVIEW, officer, None, now, reviewer=officer)
    return _application(session, store.application(session, application_id))


def decide(
    session: Session,
    actor: Actor,
    application_id: uuid.UUID,
    decision: PermitDecision,
    now: datetime,
) -> PermitApplication:
    """Approve, ask for changes or refuse (with the reason), and tell the citizen by SMS."""
    officer = reviewer_of(actor)
    row = _any(session, application_id, lock=True)
    try:
        wanted = rules.decided_status(decision.decision, decision.reason)
        if row.status == PermitStatus.UNDER_REVIEW:
            rules.check_decider(row.reviewer, officer, is_supervisor(actor))
    except PermitRuleBroken as exc:
        raise Conflict(str(exc)) from None
    _move(session, row, wanted, officer, decision.reason, now)
    citizen = accounts_app.citizen_row(session, row.citizen_id)
    notifications_app.enqueue(
        session,
        NotificationRequest(
            channel=Channel.SMS,
            phone=citizen.phone,
            body=rules.decision_message(row.venue_name, wanted, decision.reason),
            category=DECISION_CATEGORY,
        ),
        sender=SENDER,
        now=now,
    )
    return _application(session, store.application(session, application_id))
