"""What a citizen's "who looked at my data" report may show of a read in the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from contracts.cases import CaseStatus

#: a case in one of these states no longer needs its reads kept from the person read about
FINISHED_CASES = frozenset({CaseStatus.SOLVED, CaseStatus.CLOSED})


@dataclass(frozen=True)
class AccessPolicy:
    #: officers' ids are shown to citizens only where the force's policy says so
    show_officers: bool
    #: a read under an open case is withheld at most this long
    max_withhold: timedelta


def withheld(
    policy: AccessPolicy,
    case_id: str | None,
    case_status: str | None,
    occurred_at: datetime,
    now: datetime,
) -> bool:
    """A read inside an investigation stays out of the report until its case is solved or
    closed, or the maximum delay has passed. A case the ledger names but whose state is not
    known here counts as open: not knowing must not disclose."""
    if case_id is None or now - occurred_at >= policy.max_withhold:
        return False
    return case_status not in {str(s) for s in FINISHED_CASES}


def same_request(trace_id: str | None, seen: set[str]) -> bool:
    """The gateway's record of a request and the service's record of what it served share a
    trace: one read, counted once."""
    if trace_id is None:
        return False
    if trace_id in seen:
        return True
    seen.add(trace_id)
    return False
