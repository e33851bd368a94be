"""Oversight of data access: the audit ledger's served reads, assessed against peers, raise
cases for the inspection unit with the evidence."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from contracts.audit import AuditRecord, Outcome, audit_event_type
from contracts.errors import ValidationFailed
from contracts.oversight import OversightCase, OversightCases, OversightRun, OversightRunResult
from services.management import store
from services.management.domain.oversight import Flag, OversightRules, Read, assess

#: the role an officer is compared as, when they hold several
ROLE_PRIORITY = (
    "investigator",
    "supervisor",
    "commander",
    "dispatcher",
    "analyst",
    "officer",
    "auditor",
    "admin",
    "operator",
)
MAX_WINDOW_DAYS = 62


def _role(roles: Iterable[str]) -> str:
    held = set(roles)
    return next((r for r in ROLE_PRIORITY if r in held), next(iter(sorted(held)), "unknown"))


def reads_of(rows: Iterable[Any], paths: dict[str, str]) -> Iterator[Read]:
    """Served reads as the rule sees them: the accountable officer (the one a service account
    acted for), their unit's path and main role; subjects by their keyed digest."""
    for row in rows:
        actor = row.actor or {}
        officer = actor.get("on_behalf_of") or actor.get("id")
        if actor.get("kind") not in ("officer", "service_account") or not officer:
            continue
        yield Read(
            officer_id=officer,
            unit=paths.get(actor.get("unit") or "", actor.get("unit") or ""),
            role=_role(actor.get("roles") or ()),
            purpose=row.purpose or "",
            case_id=row.case_id,
            subject=row.subject_digest or "",
            operation=row.operation,
            at=row.occurred_at,
        )


def _evidence(read: Read) -> dict[str, Any]:
    return {
        "at": read.at.isoformat(),
        "operation": read.operation,
        "purpose": read.purpose,
        "case_id": read.case_id,
        "subject_digest": read.subject,
    }


def _flag_document(flag: Flag) -> dict[str, Any]:
    return {
        "role": flag.role,
        "unit": flag.unit,
        "reads": flag.reads,
        "findings": [
            {
                "code": str(f.code),
                "figure": f.figure,
                "z": round(f.z, 2),
                "strong": f.strong,
                "baseline": asdict(f.baseline),
                "evidence": [_evidence(r) for r in f.evidence],
            }
            for f in flag.findings
        ],
    }


def run(
    session: Session, events: Any, request: OversightRun, rules: OversightRules
) -> OversightRunResult:
    if request.since.tzinfo is None or request.until.tzinfo is None:
        raise ValidationFailed("since and until must carry a time zone offset")
    if not request.since < request.until:
        raise ValidationFailed("since must be before until")
    if (request.until - request.since).days > MAX_WINDOW_DAYS:
        raise ValidationFailed(f"a window of at most {MAX_WINDOW_DAYS} days")
    reads = list(
        reads_of(
            store.served_reads(session, request.since, request.until), store.unit_paths(session)
        )
    )
    raised = 0
    for flag in assess(reads, rules, request.since, request.until):
        case_id = uuid.uuid4()
        added = store.add_oversight_case(
            session,
            {
                "case_id": case_id,
                "officer_id": flag.officer_id,
                "window_start": request.since,
                "window_end": request.until,
                "score": flag.score,
                "signals": [str(c) for c in flag.codes],
                "flag": _flag_document(flag),
            },
        )
        if added:
            raised += 1
            events.stage(
                session,
                audit_event_type("management"),
                AuditRecord(
                    operation="management.raise_oversight_case",
                    outcome=Outcome.PERFORMED,
                    subject=f"officer={flag.officer_id}",
                    details={"case_id": str(case_id), "signals": [str(c) for c in flag.codes]},
                ),
            )
    return OversightRunResult(
        reads=len(reads), officers=len({r.officer_id for r in reads}), raised=raised
    )


def cases(session: Session, before: datetime | None, limit: int) -> OversightCases:
    rows = store.list_oversight_cases(session, before, limit)
    return OversightCases(
        cases=[OversightCase.model_validate(r._asdict()) for r in rows],
        next_cursor=rows[-1].created_at.isoformat() if len(rows) == limit else None,
    )
