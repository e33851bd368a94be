"""nameko entrypoints of the data service. Thin: rules live in `domain/`."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from chassis.entrypoints import on_events, rpc
from chassis.retention import DataClass
from chassis.service import PlatformService
from chassis.validation import parse
from contracts.audit import AuditRecord, Outcome, audit_event_type
from contracts.authorisations import Authorisation, AuthorisationCreate
from contracts.envelope import EventEnvelope
from contracts.errors import Forbidden, PlatformError, PurposeRequired, ValidationFailed
from contracts.sightings import SIGHTING_RECORDED, Trajectory, TrajectoryPoint, TrajectoryQuery
from contracts.values import GeoPoint
from services.data import store
from services.data.domain.lookback import (
    Grant,
    LookbackRefused,
    LookbackRules,
    NeedsAuthorisation,
    check_grant_request,
    check_window,
    make_cursor,
    parse_cursor,
)
from services.data.domain.sightings import rows_of
from services.data.settings import Settings


def _read_refusal(exc: Exception) -> PlatformError:
    if isinstance(exc, NeedsAuthorisation):
        return Forbidden(str(exc))
    return ValidationFailed(str(exc))


class DataService(PlatformService):
    name = "data"
    settings_class = Settings
    retention_classes = (DataClass("sightings", store.sightings, "seen_at", "sighting_id"),)

    @on_events(SIGHTING_RECORDED, batch_size=20, max_wait_ms=20)
    def store_sightings(self, events: list[EventEnvelope]) -> None:
        """Each event is a batch of up to 5,000 sightings; a few events make one COPY."""
        with self.db.apply_batch_once(events) as (session, new):
            rows = [row for event in new for row in rows_of(event.payload)]
            store.add_sightings(session, rows)

    def _lookback(self) -> LookbackRules:
        return LookbackRules(
            max_window=timedelta(days=self.settings.lookback_max_window_days),
            authorisation_age=timedelta(days=self.settings.sightings_authorisation_age_days),
        )

    @rpc
    def issue_authorisation(self, request: dict[str, Any]) -> dict[str, Any]:
        """A supervisor lets old sightings of one plate be read for one case, until it expires."""
        grant = parse(AuthorisationCreate, request)
        actor = self.actor
        if "supervisor" not in actor.roles or actor.accountable_officer is None:
            raise Forbidden("only a supervisor issues authorisations")
        now = datetime.now(UTC)
        max_validity = timedelta(days=self.settings.authorisation_max_validity_days)
        try:
            check_grant_request(grant.since, grant.until, grant.expires_at, now, max_validity)
        except LookbackRefused as exc:
            raise ValidationFailed(str(exc)) from None
        with self.db.transaction() as session:
            row = store.add_authorisation(
                session,
                {
                    **grant.model_dump(),
                    "authorisation_id": uuid.uuid4(),
                    "issued_by": actor.accountable_officer,
                },
            )
            issued = Authorisation.model_validate(row)
            self.events.stage(
                session,
                audit_event_type(self.name),
                AuditRecord(
                    operation="data.issue_authorisation",
                    outcome=Outcome.PERFORMED,
                    subject=f"plate={issued.plate}",
                    details=issued.model_dump(mode="json"),
                ),
            )
        return issued.model_dump(mode="json")

    @rpc
    def plate_trajectory(self, query: dict[str, Any]) -> dict[str, Any]:
        """A plate's sightings, oldest first. Personal data: served for a declared purpose
        only, and every served read is recorded in the audit ledger."""
        request = parse(TrajectoryQuery, query)
        actor = self.actor
        if actor.purpose is None:
            raise PurposeRequired("a plate's movements are served only for a declared purpose")
        with self.db.transaction() as session:
            grant = None
            if request.authorisation_id is not None:
                found = store.authorisation(session, request.authorisation_id)
                if found is None:
                    raise Forbidden("no such authorisation")
                grant = Grant(
                    found.case_id, found.plate, found.since, found.until, found.expires_at
                )
            try:
                window = check_window(
                    request.plate,
                    request.since,
                    request.until,
                    datetime.now(UTC),
                    self._lookback(),
                    grant=grant,
                    case_id=actor.case_id,
                )
                after = parse_cursor(request.cursor)
            except (LookbackRefused, NeedsAuthorisation) as exc:
                raise _read_refusal(exc) from None
            rows = store.trajectory(
                session, window.plate, window.since, window.until, after, request.limit
            )
            self.events.stage(
                session,
                audit_event_type(self.name),
                AuditRecord(
                    operation="data.plate_trajectory",
                    outcome=Outcome.SERVED,
                    subject=f"plate={window.plate}",
                    details={
                        "since": window.since.isoformat(),
                        "until": window.until.isoformat(),
                        "rows": len(rows),
                        "authorisation_id": str(request.authorisation_id)
                        if request.authorisation_id
                        else None,
                    },
                ),
            )
        points = [
            TrajectoryPoint(
                sighting_id=r.sighting_id,
                device_id=r.device_id,
                seen_at=r.seen_at,
                location=GeoPoint(lat=r.lat, lon=r.lon) if r.lat is not None else None,
            )
            for r in rows
        ]
        cursor = (
            make_cursor(rows[-1].seen_at, rows[-1].sighting_id)
            if len(rows) == request.limit
            else None
        )
        return Trajectory(plate=window.plate, points=points, next_cursor=cursor).model_dump(
            mode="json"
        )


SERVICE = DataService
