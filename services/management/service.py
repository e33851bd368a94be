"""nameko entrypoints of the management service. Thin: rules live in `domain/`, use cases in
`identity_app.py` and `ledger_app.py`."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from chassis.entrypoints import on_event, on_events, rpc, timer
from chassis.retention import DataClass
from chassis.secrets import Passwords
from chassis.service import PlatformService
from chassis.validation import parse
from contracts.actor import in_scope
from contracts.audit import AUDIT_EVENT_PATTERN, SPANS_EVENT_PATTERN, LedgerQuery
from contracts.cases import CASE_CHANGED, CaseChanged
from contracts.data_access import DataAccessQuery
from contracts.dispatch import PatrolUnitIn, PatrolUnitUpdate, TaskCreate, TaskMove
from contracts.envelope import EventEnvelope
from contracts.errors import Forbidden, NotFound, RateLimited, Unauthenticated, ValidationFailed
from contracts.identity import (
    ClientCredentialsGrant,
    OfficerCreate,
    OfficerDisable,
    PasswordGrant,
    RevokedToken,
    RolesChange,
    ServiceAccountCreate,
    UnitCreate,
)
from contracts.incidents import INCIDENTS_RECORDED, IncidentsRecorded
from contracts.ledger_proofs import ConsistencyQuery, ProofQuery
from contracts.oversight import OversightRun
from contracts.reports import CITIZEN_REPORT_FILED, CitizenReportFiled
from contracts.rosters import LeaveCreate, RosterEdit, StationRules
from contracts.statistics import PeriodKind
from contracts.values import MAX_PAGE_SIZE, PageRequest
from contracts.warning import ALERT_CONFIRMED, AlertConfirmed
from services.management import (
    dispatch_app,
    identity_app,
    ledger_app,
    oversight_app,
    rosters_app,
    statistics_app,
    store,
)
from services.management.domain.dispatch import TaskStatus
from services.management.domain.lockout import LockoutPolicy
from services.management.domain.oversight import OversightRules
from services.management.domain.rosters import RosterRules
from services.management.settings import Settings

PASSWORDS = Passwords()
TREE_HEAD_INTERVAL_S = Settings().ledger_tree_head_interval_s
OVERSIGHT_INTERVAL_S = Settings().oversight_interval_s


def _date(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except (TypeError, ValueError):
        raise ValidationFailed("a date as YYYY-MM-DD") from None


def _uuid(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except (TypeError, ValueError, AttributeError):
        raise ValidationFailed("not a task id") from None


def _datetime(raw: str) -> datetime:
    try:
        moment = datetime.fromisoformat(raw)
    except (TypeError, ValueError):
        raise ValidationFailed("a time in ISO 8601 with an offset") from None
    if moment.tzinfo is None:
        raise ValidationFailed("a time in ISO 8601 with an offset")
    return moment


def now() -> datetime:
    return datetime.now(UTC)


hash_secret = PASSWORDS.hash_off_hub
verify_secret = PASSWORDS.verify_off_hub


class ManagementService(PlatformService):
    name = "management"
    settings_class = Settings
    retention_classes = (
        # the personal details behind ledger entries; the entries and their hashes stay
        DataClass("ledger_details", store.ledger_details, "created_at", "digest"),
        DataClass("spans", store.spans, "start_time", "span_id"),
        # the evidence about an officer's reads; the ledger keeps that a case was raised
        DataClass("oversight_cases", store.oversight_cases, "created_at", "case_id"),
    )
    untraced_entrypoints = (
        *PlatformService.untraced_entrypoints,
        "record_spans",  # its spans would be exported, stored, traced, exported, ...
        "record_tree_head",
        "assess_data_access",
    )

    # -- units and officers ----------------------------------------------------------------

    @rpc
    def create_unit(self, unit: dict[str, Any]) -> dict[str, Any]:
        request = parse(UnitCreate, unit)
        with self.db.transaction() as session:
            return identity_app.create_unit(session, request).model_dump(mode="json")

    @rpc
    def create_officer(self, officer: dict[str, Any]) -> dict[str, Any]:
        request = parse(OfficerCreate, officer)
        password_hash = hash_secret(request.password)
        with self.db.transaction() as session:
            return identity_app.create_officer(session, request, password_hash).model_dump()

    @rpc
    def create_service_account(self, account: dict[str, Any]) -> dict[str, Any]:
        request = parse(ServiceAccountCreate, account)
        secret_hash = hash_secret(request.client_secret)
        with self.db.transaction() as session:
            return identity_app.create_service_account(session, request, secret_hash)

    @rpc
    def get_officer(self, officer_id: str) -> dict[str, Any]:
        with self.db.transaction() as session:
            return identity_app.get_officer(session, self.actor, officer_id).model_dump()

    @rpc
    def represented_officer(self, officer_id: str) -> dict[str, Any]:
        with self.db.transaction() as session:
            return identity_app.represented_officer(session, officer_id)

    @rpc
    def list_officers(self, page: dict[str, Any] | None = None) -> dict[str, Any]:
        request = parse(PageRequest, page or {})
        with self.db.transaction() as session:
            return identity_app.list_officers(session, self.actor, request.cursor, request.limit)

    # -- tokens ----------------------------------------------------------------------------

    @rpc
    def issue_officer_token(self, grant: dict[str, Any]) -> dict[str, Any]:
        request = parse(PasswordGrant, grant)
        try:
            with self.db.transaction() as session:
                token = identity_app.issue_officer_token(
                    session, self.settings, verify_secret, request, now(), self.events
                )
        except (Unauthenticated, RateLimited) as refusal:
            # recorded in a transaction of its own: the refused one rolled back
            with self.db.transaction() as session:
                identity_app.record_failed_login(
                    session,
                    self.events,
                    request.username,
                    refusal.detail,
                    now(),
                    LockoutPolicy(
                        self.settings.login_max_failures,
                        timedelta(seconds=self.settings.login_lockout_s),
                    ),
                )
            raise
        return token.model_dump()

    @rpc
    def change_officer_roles(self, officer_id: str, change: dict[str, Any]) -> dict[str, Any]:
        request = parse(RolesChange, change)
        self._require_admin()
        with self.db.transaction() as session:
            officer = identity_app.change_roles(session, self.events, officer_id, request, now())
        return officer.model_dump()

    @rpc
    def disable_officer(self, officer_id: str, disable: dict[str, Any]) -> dict[str, Any]:
        request = parse(OfficerDisable, disable)
        self._require_admin()
        with self.db.transaction() as session:
            officer = identity_app.set_active(
                session, self.events, officer_id, False, request.reason, now()
            )
        return officer.model_dump()

    @rpc
    def enable_officer(self, officer_id: str, enable: dict[str, Any]) -> dict[str, Any]:
        request = parse(OfficerDisable, enable)
        self._require_admin()
        with self.db.transaction() as session:
            officer = identity_app.set_active(
                session, self.events, officer_id, True, request.reason, now()
            )
        return officer.model_dump()

    # -- duty rosters ------------------------------------------------------------------------

    def _roster_rules(self) -> RosterRules:
        settings = self.settings
        return RosterRules(
            min_rest_hours=settings.roster_min_rest_hours,
            max_consecutive_days=settings.roster_max_consecutive_days,
            max_hours_per_week=settings.roster_max_hours_per_week,
            timezone=settings.local_time_zone,
        )

    def _require_station_supervisor(self, session: Any, station_id: str) -> None:
        """Rosters are kept by the station's supervisors (or an administrator)."""
        actor = self.actor
        unit = store.unit(session, station_id)
        if unit is None:
            raise NotFound("no such station")
        if "admin" in actor.roles:
            return
        if "supervisor" not in actor.roles or not in_scope(actor.scope, unit.path):
            raise Forbidden("a station's roster is kept by its supervisors")

    @rpc
    def set_station_rules(self, station_id: str, rules: dict[str, Any]) -> dict[str, Any]:
        request = parse(StationRules, rules)
        with self.db.transaction() as session:
            self._require_station_supervisor(session, station_id)
            return rosters_app.set_station_rules(session, station_id, request).model_dump(
                mode="json"
            )

    @rpc
    def add_leave(self, officer_id: str, leave: dict[str, Any]) -> None:
        request = parse(LeaveCreate, leave)
        with self.db.transaction() as session:
            officer = store.officer_by_id(session, officer_id)
            if officer is None:
                raise NotFound("no such officer")
            self._require_station_supervisor(session, officer.unit_id)
            rosters_app.add_leave(session, officer_id, request)

    @rpc
    def generate_roster(self, station_id: str, week_start: str) -> dict[str, Any]:
        """Fill the week from the station's rules, its officers' leave and the last four
        weeks; what could not be met is reported, never silently left out."""
        week = _date(week_start)
        with self.db.transaction() as session:
            self._require_station_supervisor(session, station_id)
            return rosters_app.generate_week(
                session, station_id, week, self._roster_rules()
            ).model_dump(mode="json")

    @rpc
    def get_roster(self, station_id: str, week_start: str) -> dict[str, Any]:
        week = _date(week_start)
        with self.db.transaction() as session:
            if store.unit(session, station_id) is None:
                raise NotFound("no such station")
            return rosters_app.roster_week(
                session, station_id, week, self._roster_rules()
            ).model_dump(mode="json")

    @rpc
    def edit_roster(self, station_id: str, week_start: str, edit: dict[str, Any]) -> dict[str, Any]:
        request = parse(RosterEdit, edit)
        week = _date(week_start)
        with self.db.transaction() as session:
            self._require_station_supervisor(session, station_id)
            return rosters_app.edit_week(
                session, station_id, week, request, self._roster_rules()
            ).model_dump(mode="json")

    # -- dispatch ------------------------------------------------------------------------------

    @rpc
    def register_patrol_unit(self, unit: dict[str, Any]) -> dict[str, Any]:
        request = parse(PatrolUnitIn, unit)
        with self.db.transaction() as session:
            return dispatch_app.register_unit(session, request).model_dump(mode="json")

    @rpc
    def update_patrol_unit(self, unit_id: str, change: dict[str, Any]) -> dict[str, Any]:
        request = parse(PatrolUnitUpdate, change)
        with self.db.transaction() as session:
            return dispatch_app.update_unit(session, unit_id, request).model_dump(mode="json")

    @rpc
    def create_dispatch_task(self, task: dict[str, Any]) -> dict[str, Any]:
        """A task for a confirmed alert, a citizen report or an incident, with the nearest
        available units recommended."""
        request = parse(TaskCreate, task)
        with self.db.transaction() as session:
            return dispatch_app.create_task(session, request, now()).model_dump(mode="json")

    @rpc
    def get_dispatch_task(self, task_id: str) -> dict[str, Any]:
        with self.db.transaction() as session:
            return dispatch_app.get_task(session, _uuid(task_id)).model_dump(mode="json")

    @rpc
    def list_dispatch_tasks(
        self, status: str | None = None, before: str | None = None, limit: int = 50
    ) -> dict[str, Any]:
        """Tasks newest first; `status=open` is the dispatcher's queue."""
        if status is not None and status not in {str(s) for s in TaskStatus}:
            raise ValidationFailed("unknown task status")
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise ValidationFailed(f"limit is 1 to {MAX_PAGE_SIZE}")
        cursor = _datetime(before) if before else None
        with self.db.transaction() as session:
            return dispatch_app.list_tasks(session, status, cursor, limit).model_dump(mode="json")

    @rpc
    def move_dispatch_task(self, task_id: str, move: dict[str, Any]) -> dict[str, Any]:
        request = parse(TaskMove, move)
        with self.db.transaction() as session:
            return dispatch_app.move_task(session, _uuid(task_id), request, now()).model_dump(
                mode="json"
            )

    @rpc
    def response_times(self, since: str, until: str) -> dict[str, Any]:
        start, end = _datetime(since), _datetime(until)
        if start >= end:
            raise ValidationFailed("since must be before until")
        with self.db.transaction() as session:
            return dispatch_app.response_times(session, start, end).model_dump()

    @on_event(ALERT_CONFIRMED, CITIZEN_REPORT_FILED, INCIDENTS_RECORDED)
    def open_dispatch_tasks(self, event: EventEnvelope) -> None:
        """A confirmed alert, a citizen's report or a fresh open incident: a task, with the
        nearest available units recommended (one task per source, whatever is redelivered)."""
        moment = now()
        if event.type == ALERT_CONFIRMED:
            tasks = dispatch_app.tasks_from_alert(AlertConfirmed.model_validate(event.payload))
        elif event.type == CITIZEN_REPORT_FILED:
            report = CitizenReportFiled.model_validate(event.payload)
            tasks = dispatch_app.tasks_from_report(report)
        else:
            tasks = dispatch_app.tasks_from_incidents(
                IncidentsRecorded.model_validate(event.payload),
                moment,
                timedelta(seconds=self.settings.dispatch_incident_max_age_s),
            )
        with self.db.apply_once(event) as session:
            dispatch_app.open_tasks(session, tasks, moment)

    # -- performance statistics ------------------------------------------------------------

    @on_event(INCIDENTS_RECORDED)
    def count_incidents(self, event: EventEnvelope) -> None:
        recorded = IncidentsRecorded.model_validate(event.payload)
        with self.db.apply_once(event) as session:
            statistics_app.count_incidents(session, recorded, self.settings.local_time_zone)

    @on_event(CASE_CHANGED)
    def keep_case(self, event: EventEnvelope) -> None:
        case = CaseChanged.model_validate(event.payload)
        with self.db.apply_once(event) as session:
            statistics_app.keep_case(session, case, self.settings.local_time_zone)

    @rpc
    def performance(self, unit_id: str, period: str, first: str) -> dict[str, Any]:
        """A unit's (and each unit under it) incidents, cases solved, solve rate and response
        time for a period, with the change against the previous period and a year before."""
        try:
            kind = PeriodKind(period)
        except ValueError:
            raise ValidationFailed("period is week, month, quarter or year") from None
        with self.db.transaction() as session:
            unit = store.unit(session, unit_id)
            if unit is None or not in_scope(self.actor.scope, unit.path):
                raise NotFound("no such unit")  # outside one's jurisdiction looks like absent
            return statistics_app.performance(
                session, unit_id, kind, _date(first), self.settings.local_time_zone
            ).model_dump(mode="json")

    # -- oversight of data access -----------------------------------------------------------

    @rpc
    def run_oversight(self, run: dict[str, Any]) -> dict[str, Any]:
        """Assess a window now (the timer does the last days every oversight_interval_s)."""
        request = parse(OversightRun, run)
        self._require_inspector()
        with self.db.transaction() as session:
            result = oversight_app.run(session, self.events, request, OversightRules())
        return result.model_dump()

    @timer(interval=OVERSIGHT_INTERVAL_S)
    def assess_data_access(self) -> None:
        today = now().replace(hour=0, minute=0, second=0, microsecond=0)
        window = OversightRun(
            since=today - timedelta(days=self.settings.oversight_window_days), until=today
        )
        with self.db.transaction() as session:
            oversight_app.run(session, self.events, window, OversightRules())

    @rpc
    def list_oversight_cases(self, before: str | None = None, limit: int = 50) -> dict[str, Any]:
        """The inspection unit alone sees oversight cases."""
        self._require_inspector()
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise ValidationFailed(f"limit is 1 to {MAX_PAGE_SIZE}")
        try:
            after = datetime.fromisoformat(before) if before else None
        except ValueError:
            raise ValidationFailed("invalid cursor") from None
        with self.db.transaction() as session:
            return oversight_app.cases(session, after, limit).model_dump(mode="json")

    def _require_inspector(self) -> None:
        if "inspector" not in self.actor.roles:
            raise Forbidden("oversight cases belong to the inspection unit")

    def _require_admin(self) -> None:
        if "admin" not in self.actor.roles:
            raise Forbidden("only an administrator changes officers' roles and status")

    @rpc
    def issue_service_token(self, grant: dict[str, Any]) -> dict[str, Any]:
        request = parse(ClientCredentialsGrant, grant)
        with self.db.transaction() as session:
            token = identity_app.issue_service_token(
                session, self.settings, verify_secret, request, now()
            )
        return token.model_dump()

    @rpc
    def jwks(self) -> dict[str, Any]:
        with self.db.transaction() as session:
            return identity_app.jwks(session, self.settings, now())

    @rpc
    def rotate_signing_key(self) -> dict[str, Any]:
        with self.db.transaction() as session:
            kid, _ = identity_app.rotate_signing_key(session, self.settings)
        return {"kid": kid}

    @rpc
    def revoke_token(self, token: dict[str, Any]) -> None:
        request = parse(RevokedToken, token)
        with self.db.transaction() as session:
            identity_app.revoke_token(session, self.events, request, self.actor.id)

    @rpc
    def revoke_officer_tokens(self, officer_id: str) -> None:
        with self.db.transaction() as session:
            identity_app.revoke_officer_tokens(session, self.events, officer_id, now())

    @rpc
    def revocations(self) -> dict[str, Any]:
        with self.db.transaction() as session:
            return identity_app.revocations(session, now()).model_dump(mode="json")

    # -- audit ledger and traces -----------------------------------------------------------

    @on_events(AUDIT_EVENT_PATTERN, batch_size=500, max_wait_ms=20)
    def record_audit(self, events: list[EventEnvelope]) -> None:
        """Into the ledger, each record once: the ledger itself knows which it holds."""
        with self.db.transaction() as session:
            ledger_app.append(session, self.settings, events)

    @rpc
    def accesses_to_subjects(self, query: dict[str, Any]) -> dict[str, Any]:
        """For the citizen service: reads of one person's records, for their own report (the
        citizen's request for it is in the ledger by the gateway's record)."""
        request = parse(DataAccessQuery, query)
        with self.db.transaction() as session:
            return ledger_app.accesses_to(session, self.settings, request, now()).model_dump(
                mode="json"
            )

    @on_events(SPANS_EVENT_PATTERN, batch_size=200, max_wait_ms=200)
    def record_spans(self, events: list[EventEnvelope]) -> None:
        with self.db.apply_batch_once(events) as (session, new):
            ledger_app.store_spans(session, new)

    @rpc
    def query_ledger(self, query: dict[str, Any]) -> dict[str, Any]:
        request = parse(LedgerQuery, query)
        with self.db.transaction() as session:
            return ledger_app.query(session, self.settings, request).model_dump(mode="json")

    @rpc
    def verify_ledger(self) -> dict[str, Any]:
        with self.db.transaction() as session:
            return ledger_app.verify(session).model_dump(mode="json")

    @rpc
    def trace_story(self, trace_id: str) -> dict[str, Any]:
        with self.db.transaction() as session:
            return ledger_app.trace_story(session, trace_id).model_dump(mode="json")

    @timer(interval=TREE_HEAD_INTERVAL_S)
    def record_tree_head(self) -> dict[str, Any] | None:
        with self.db.transaction() as session:
            head = ledger_app.record_tree_head(
                session, self.settings, int(now().timestamp() * 1000)
            )
        return head.model_dump(mode="json") if head is not None else None

    @rpc
    def sign_tree_head_now(self) -> dict[str, Any] | None:
        """Sign a tree head at once (the timer does it every ledger_tree_head_interval_s)."""
        return self.record_tree_head()

    @rpc
    def ledger_tree_heads(self, before_size: int | None = None, limit: int = 50) -> dict[str, Any]:
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise ValidationFailed(f"limit is 1 to {MAX_PAGE_SIZE}")
        with self.db.transaction() as session:
            return ledger_app.tree_heads(session, before_size, limit).model_dump(mode="json")

    @rpc
    def ledger_keys(self) -> dict[str, Any]:
        with self.db.transaction() as session:
            return ledger_app.keys(session).model_dump(mode="json")

    @rpc
    def ledger_inclusion_proof(self, query: dict[str, Any]) -> dict[str, Any]:
        request = parse(ProofQuery, query)
        with self.db.transaction() as session:
            return ledger_app.inclusion(session, request).model_dump(mode="json")

    @rpc
    def ledger_consistency_proof(self, query: dict[str, Any]) -> dict[str, Any]:
        request = parse(ConsistencyQuery, query)
        with self.db.transaction() as session:
            return ledger_app.consistency(session, request).model_dump(mode="json")


SERVICE = ManagementService
