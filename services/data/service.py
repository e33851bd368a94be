"""nameko entrypoints of the data service. Thin: rules live in `domain/`."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError

from chassis.entrypoints import on_event, on_events, rpc
from chassis.retention import DataClass
from chassis.service import PlatformService
from chassis.validation import parse
from contracts.actor import PURPOSES_NEEDING_CASE, ActorKind, Purpose
from contracts.audit import AuditRecord, Outcome, audit_event_type
from contracts.authorisations import (
    Authorisation,
    AuthorisationCreate,
    SweepAuthorisation,
    SweepAuthorisationCreate,
)
from contracts.cases import CASE_CHANGED, CaseChanged
from contracts.envelope import EventEnvelope
from contracts.errors import (
    Conflict,
    Forbidden,
    NotFound,
    PlatformError,
    PurposeRequired,
    ValidationFailed,
)
from contracts.fines import FINE_CHANGED, FineChanged
from contracts.incidents import (
    INCIDENTS_RECORDED,
    MAX_INCIDENT_BATCH,
    Cube,
    CubeCell,
    CubeQuery,
    Dimension,
    Incident,
    IncidentCreate,
    IncidentQuery,
    Incidents,
    IncidentsRecorded,
)
from contracts.places import Place, PlaceCreate, PlaceQuery, Places
from contracts.sightings import (
    SIGHTING_RECORDED,
    Area,
    AreaQuery,
    CollisionQuery,
    HourPlaces,
    PlaceCount,
    PlateSummary,
    SensitivePlace,
    SummaryQuery,
    SweepResult,
    Trajectory,
    TrajectoryPoint,
    TrajectoryQuery,
)
from contracts.values import GeoPoint, normalise_plate
from contracts.vehicles import (
    Dossier,
    DossierAlert,
    DossierCase,
    DossierFine,
    DossierHotlistEntry,
    IdentityClaim,
    Person,
    PersonCreate,
    PersonLookup,
    PersonSubjects,
    VehicleContact,
    VehicleCreate,
)
from contracts.warning import (
    ALERT_RAISED,
    HOTLIST_ENTRY_CHANGED,
    AlertRaised,
    HotlistEntryChanged,
)
from services.data import store
from services.data.domain.areas import (
    Circle,
    PlaceOnRegister,
    area_shape,
    contains,
    covering_cells,
    sensitive_places_touched,
    within,
)
from services.data.domain.lookback import (
    Grant,
    LookbackRefused,
    LookbackRules,
    NeedsAuthorisation,
    Window,
    check_grant,
    check_grant_request,
    check_window,
    make_cursor,
    parse_cursor,
)
from services.data.domain.persons import (
    mask_name,
    mask_national_id,
    mask_phone,
    may_see_owner,
    national_id_hash,
)
from services.data.domain.places import bounding_box, nearest_page, parse_nearest_cursor
from services.data.domain.sightings import cell_of, rows_of
from services.data.domain.sweeps import (
    Condition,
    SweepGrant,
    check_collision,
    check_grant_basics,
    check_sweep_window,
    present,
)
from services.data.settings import Settings


def _cube_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    return value


def _sweep_grant(found: Any) -> SweepGrant:
    return SweepGrant(
        found.case_id,
        frozenset(found.devices),
        found.since,
        found.until,
        frozenset(found.targets),
        found.expires_at,
    )


def _shape(area: Area, max_radius_m: float) -> tuple[Any, Any]:
    circle = (
        Circle(area.center.lat, area.center.lon, area.radius_m)
        if area.center is not None and area.radius_m is not None
        else None
    )
    corners = [(p.lat, p.lon) for p in area.polygon] if area.polygon else None
    return area_shape(circle, corners, max_radius_m)


def _read_refusal(exc: Exception) -> PlatformError:
    if isinstance(exc, NeedsAuthorisation):
        return Forbidden(str(exc))
    return ValidationFailed(str(exc))


_ONE_SIGHTINGS_WRITE = threading.Lock()  # green once eventlet has patched threading

#: sightings one dossier shows in each tier
DOSSIER_SIGHTINGS = 50
#: what the citizen service reads here for: serving citizens, and fines (traffic enforcement)
CITIZEN_PILLAR_PURPOSES = frozenset({Purpose.CITIZEN_SERVICE, Purpose.TRAFFIC_ENFORCEMENT})


class DataService(PlatformService):
    name = "data"
    settings_class = Settings
    retention_classes = (
        DataClass("sightings", store.sightings, "seen_at", "sighting_id", partitioned=True),
    )

    @on_events(SIGHTING_RECORDED, batch_size=20, max_wait_ms=20)
    def store_sightings(self, events: list[EventEnvelope]) -> None:
        """Each event is a batch of up to 5,000 sightings; a few events make one COPY.

        One batch at a time per process: a COPY blocks the process, so a second batch's
        transaction making a day partition would hold the lock the COPY waits for, and never
        get the chance to commit it."""
        with _ONE_SIGHTINGS_WRITE, self.db.apply_batch_once(events) as (session, new):
            rows = [row for event in new for row in rows_of(event.payload)]
            store.add_sightings(session, rows, self.settings.sightings_copy_lock_timeout_ms)

    def _lookback(self) -> LookbackRules:
        return LookbackRules(
            max_window=timedelta(days=self.settings.lookback_max_window_days),
            authorisation_age=timedelta(days=self.settings.sightings_authorisation_age_days),
        )

    def _issue(
        self,
        grant: AuthorisationCreate | SweepAuthorisationCreate,
        add: Callable[[Any, dict[str, Any]], dict[str, Any]],
        issued_model: type[Authorisation] | type[SweepAuthorisation],
        operation: str,
        subject: str,
    ) -> dict[str, Any]:
        """A supervisor's authorisation, bounded in validity, recorded in the ledger."""
        actor = self.actor
        if "supervisor" not in actor.roles or actor.accountable_officer is None:
            raise Forbidden("only a supervisor issues authorisations")
        max_validity = timedelta(days=self.settings.authorisation_max_validity_days)
        try:
            check_grant_request(
                grant.since, grant.until, grant.expires_at, datetime.now(UTC), max_validity
            )
        except LookbackRefused as exc:
            raise ValidationFailed(str(exc)) from None
        with self.db.transaction() as session:
            values = {
                **grant.model_dump(),
                "authorisation_id": uuid.uuid4(),
                "issued_by": actor.accountable_officer,
            }
            issued = issued_model.model_validate(add(session, values))
            self.events.stage(
                session,
                audit_event_type(self.name),
                AuditRecord(
                    operation=operation,
                    outcome=Outcome.PERFORMED,
                    subject=subject,
                    details=issued.model_dump(mode="json"),
                ),
            )
        return issued.model_dump(mode="json")

    @rpc
    def issue_authorisation(self, request: dict[str, Any]) -> dict[str, Any]:
        """A supervisor lets old sightings of one plate be read for one case, until it expires."""
        grant = parse(AuthorisationCreate, request)
        return self._issue(
            grant,
            store.add_authorisation,
            Authorisation,
            "data.issue_authorisation",
            f"plate={grant.plate}",
        )

    @rpc
    def issue_sweep_authorisation(self, request: dict[str, Any]) -> dict[str, Any]:
        """A supervisor lets one case ask who passed given checkpoints, until it expires."""
        grant = parse(SweepAuthorisationCreate, request)
        return self._issue(
            grant,
            store.add_sweep_authorisation,
            SweepAuthorisation,
            "data.issue_sweep_authorisation",
            f"case={grant.case_id}",
        )

    @rpc
    def checkpoint_collision(self, query: dict[str, Any]) -> dict[str, Any]:
        """Plates that passed every checkpoint within its window: a who-was-there sweep, so it
        needs a case, a supervisor's sweep authorisation and short windows, and returns plates
        the authorisation does not name only as case-scoped pseudonyms."""
        request = parse(CollisionQuery, query)
        actor = self.actor
        if actor.purpose is None or actor.case_id is None:
            raise PurposeRequired("a sweep is served only within a case (X-Purpose, X-Case-Id)")
        with self.db.transaction() as session:
            found = store.sweep_authorisation(session, request.authorisation_id)
            grant = _sweep_grant(found) if found is not None else None
            try:
                conditions = check_collision(
                    (Condition(c.device_id, c.since, c.until) for c in request.conditions),
                    grant,
                    actor.case_id,
                    datetime.now(UTC),
                    timedelta(hours=self.settings.sweep_max_window_hours),
                )
            except (LookbackRefused, NeedsAuthorisation) as exc:
                raise _read_refusal(exc) from None
            assert grant is not None
            plates = store.collision(session, [(c.device_id, c.since, c.until) for c in conditions])
            clear, masked = self._present(plates, grant)
            self._record_served_subject(
                session,
                "data.checkpoint_collision",
                f"case={grant.case_id}",
                {
                    "authorisation_id": str(request.authorisation_id),
                    "conditions": [
                        {
                            "device_id": c.device_id,
                            "since": c.since.isoformat(),
                            "until": c.until.isoformat(),
                        }
                        for c in conditions
                    ],
                    "plates_in_clear": clear,
                    "pseudonymised": len(masked),
                },
            )
        return SweepResult(plates=clear, pseudonyms=masked, count=len(plates)).model_dump()

    @rpc
    def register_sensitive_place(self, place: dict[str, Any]) -> dict[str, Any]:
        """Add a place sweeps must not touch (worship, clinic, school, law office, newsroom,
        assembly site)."""
        request = parse(SensitivePlace, place)
        if "admin" not in self.actor.roles:
            raise Forbidden("only an administrator keeps the register of sensitive places")
        values = {
            "place_id": request.place_id,
            "kind": str(request.kind),
            "name": request.name,
            "lat": request.center.lat,
            "lon": request.center.lon,
            "radius_m": request.radius_m,
        }
        try:
            with self.db.transaction() as session:
                store.add_sensitive_place(session, values)
        except IntegrityError:
            raise Conflict("a sensitive place with this id exists") from None
        return request.model_dump(mode="json")

    @rpc
    def area_sweep(self, query: dict[str, Any]) -> dict[str, Any]:
        """Plates seen in an area in a window: a sweep, so it needs a case, a supervisor's sweep
        authorisation covering the area and window, a small area and a short window; it refuses
        areas touching a sensitive place unless a commander overrides with a reason; plates the
        authorisation does not name come back as case-scoped pseudonyms."""
        request = parse(AreaQuery, query)
        actor = self.actor
        if actor.purpose is None or actor.case_id is None:
            raise PurposeRequired("a sweep is served only within a case (X-Purpose, X-Case-Id)")
        settings = self.settings
        with self.db.transaction() as session:
            found = store.sweep_authorisation(session, request.authorisation_id)
            try:
                grant = check_grant_basics(
                    _sweep_grant(found) if found else None, actor.case_id, datetime.now(UTC)
                )
                since, until = check_sweep_window(
                    request.since,
                    request.until,
                    grant,
                    timedelta(hours=settings.sweep_max_window_hours),
                )
                _, asked = _shape(request.area, settings.sweep_max_radius_m)
                if found.area is None:
                    raise NeedsAuthorisation("the authorisation covers no area")
                _, authorised = _shape(Area.model_validate(found.area), float("inf"))
                if not within(asked, authorised):
                    raise NeedsAuthorisation("the area reaches outside the authorised one")
            except (LookbackRefused, NeedsAuthorisation) as exc:
                raise _read_refusal(exc) from None
            touched = sensitive_places_touched(
                asked,
                [
                    PlaceOnRegister(p.place_id, p.kind, Circle(p.lat, p.lon, p.radius_m))
                    for p in store.register_of_sensitive_places(session)
                ],
            )
            if touched and ("commander" not in actor.roles or not request.override_reason):
                kinds = ", ".join(sorted({p.kind for p in touched}))
                raise Forbidden(
                    f"the area touches a sensitive place ({kinds}); only a commander may "
                    "override, with a reason"
                )
            rows = store.sightings_in_cells(session, covering_cells(asked), since, until)
            plates = {plate for plate, lat, lon in rows if contains(asked, lat, lon)}
            clear, masked = self._present(plates, grant)
            self._record_served_subject(
                session,
                "data.area_sweep",
                f"case={grant.case_id}",
                {
                    "authorisation_id": str(request.authorisation_id),
                    "area": request.area.model_dump(mode="json", exclude_none=True),
                    "since": since.isoformat(),
                    "until": until.isoformat(),
                    "sensitive_places_overridden": [p.place_id for p in touched],
                    "override_reason": request.override_reason if touched else None,
                    "plates_in_clear": clear,
                    "pseudonymised": len(masked),
                },
            )
        return SweepResult(plates=clear, pseudonyms=masked, count=len(plates)).model_dump()

    @rpc
    def record_incidents(self, items: list[dict[str, Any]]) -> dict[str, int]:
        """Record incidents from the 110 dispatch feed, each once; the new ones leave as one
        `data.incident.recorded.v1` event (warning's forecasts are scored against them)."""
        if not isinstance(items, list) or not 0 < len(items) <= MAX_INCIDENT_BATCH:
            raise ValidationFailed(f"a list of 1 to {MAX_INCIDENT_BATCH:,} incidents")
        actor = self.actor
        if actor.kind != ActorKind.SERVICE_ACCOUNT and not {"admin", "dispatcher"} & set(
            actor.roles
        ):
            raise Forbidden("incidents come from dispatch: its feed, a dispatcher or an admin")
        parsed = [parse(IncidentCreate, item) for item in items]
        rows = [
            {
                "incident_id": i.incident_id,
                "reported_at": i.reported_at,
                "lat": i.location.lat,
                "lon": i.location.lon,
                "cell": cell_of(i.location.lat, i.location.lon),
                "category": i.category,
                "method": i.method,
                "status": i.status,
                "district": i.unit_path.split("/")[1],
                "station": i.unit_path.split("/")[2],
                "unit_path": i.unit_path,
            }
            for i in parsed
        ]
        with self.db.transaction() as session:
            new = store.add_incidents(session, rows, self.settings.local_time_zone)
            if new:
                self.events.stage(
                    session,
                    INCIDENTS_RECORDED,
                    IncidentsRecorded(incidents=[_incident(r) for r in new]),
                )
        return {"recorded": len(new), "repeated": len(rows) - len(new)}

    @rpc
    def list_incidents(self, query: dict[str, Any]) -> dict[str, Any]:
        """Incidents inside the caller's jurisdiction, newest first, a page at a time."""
        request = parse(IncidentQuery, query)
        if request.since.tzinfo is None or request.until.tzinfo is None:
            raise ValidationFailed("since and until must carry a time zone offset")
        if request.since >= request.until:
            raise ValidationFailed("since must be before until")
        scope = self.actor.scope
        if not scope:
            raise Forbidden("incidents are listed within a unit's jurisdiction: an officer's scope")
        try:
            before = parse_cursor(request.cursor)
        except LookbackRefused as exc:
            raise ValidationFailed(str(exc)) from None
        with self.db.transaction() as session:
            rows = store.list_incidents(
                session,
                request.since,
                request.until,
                scope,
                request.categories,
                request.districts,
                request.status,
                before,
                request.limit,
            )
        last = rows[-1] if len(rows) == request.limit else None
        return Incidents(
            incidents=[_incident(r) for r in rows],
            next_cursor=make_cursor(last.reported_at, last.incident_id) if last else None,
        ).model_dump(mode="json")

    @rpc
    def incident_cube(self, query: dict[str, Any]) -> dict[str, Any]:
        """Counts of incidents by up to three dimensions with every subtotal, inside the
        caller's jurisdiction (the city for city-wide roles)."""
        request = parse(CubeQuery, query)
        if request.since.tzinfo is None or request.until.tzinfo is None:
            raise ValidationFailed("since and until must carry a time zone offset")
        if request.since >= request.until:
            raise ValidationFailed("since must be before until")
        if len(set(request.dimensions)) != len(request.dimensions):
            raise ValidationFailed("each dimension once")
        scope = self.actor.scope
        if not scope:
            raise Forbidden("the cube counts a unit's own jurisdiction: an officer's scope")
        zone = self.settings.local_time_zone
        dims = [str(d) for d in request.dimensions]
        with self.db.transaction() as session:
            rows = store.incident_cube(
                session,
                dims,
                request.since,
                request.until,
                scope,
                zone,
                request.categories,
                request.districts,
            )
        cells = [
            CubeCell(
                values={d: _cube_value(getattr(r, d)) for d in dims},
                rolled_up=[Dimension(d) for d in dims if getattr(r, f"rolled_{d}")],
                incidents=r.incidents,
            )
            for r in rows
        ]
        return Cube(dimensions=request.dimensions, time_zone=zone, cells=cells).model_dump(
            mode="json"
        )

    @rpc
    def register_place(self, place: dict[str, Any]) -> dict[str, Any]:
        """Record a place or point of interest (a pawnshop, a school, a police station, …)."""
        request = parse(PlaceCreate, place)
        if "admin" not in self.actor.roles:
            raise Forbidden("only an administrator records places")
        values = {
            **request.model_dump(exclude={"location"}),
            "kind": str(request.kind),
            "lat": request.location.lat,
            "lon": request.location.lon,
            "cell": cell_of(request.location.lat, request.location.lon),
        }
        try:
            with self.db.transaction() as session:
                store.add_place(session, values)
        except IntegrityError:
            raise Conflict("a place with this id exists") from None
        return _place(values).model_dump(mode="json")

    @rpc
    def find_places(self, query: dict[str, Any]) -> dict[str, Any]:
        """Places by kind and district, ordered by id; or within a radius of a point, nearest
        first. Places are not personal data: any authenticated caller may look."""
        request = parse(PlaceQuery, query)
        kinds = [str(k) for k in request.kinds] if request.kinds else None
        with self.db.transaction() as session:
            if request.near is None or request.radius_m is None:
                rows = store.places_by_id(
                    session, kinds, request.district, request.cursor, request.limit + 1
                )
                more = len(rows) > request.limit
                rows = rows[: request.limit]
                return Places(
                    places=[_place(r._asdict()) for r in rows],
                    next_cursor=rows[-1].place_id if more else None,
                ).model_dump(mode="json")
            try:
                after = parse_nearest_cursor(request.cursor)
            except LookbackRefused as exc:
                raise ValidationFailed(str(exc)) from None
            lat, lon = request.near.lat, request.near.lon
            box = bounding_box(lat, lon, request.radius_m)
            candidates = store.places_in_box(
                session, box.south, box.west, box.north, box.east, kinds, request.district
            )
        page, cursor = nearest_page(candidates, lat, lon, request.radius_m, after, request.limit)
        return Places(
            places=[_place(row._asdict(), metres) for metres, row in page], next_cursor=cursor
        ).model_dump(mode="json")

    @rpc
    def register_person(self, person: dict[str, Any]) -> dict[str, Any]:
        """Record a person; the national id is kept only as a keyed hash and a masked form."""
        request = parse(PersonCreate, person)
        key = self.settings.national_id_key.get_secret_value().encode()
        values = {
            "person_id": request.person_id,
            "name": request.name,
            "national_id_hash": national_id_hash(key, request.national_id),
            "national_id_masked": mask_national_id(request.national_id),
            "phone": request.phone,
            "address": request.address,
        }
        try:
            with self.db.transaction() as session:
                store.add_person(session, values)
        except IntegrityError:
            raise Conflict("a person with this id or national id exists") from None
        return {"person_id": request.person_id}

    @rpc
    def find_person(self, query: dict[str, Any]) -> dict[str, Any]:
        """One person, by id or national id. A call only about a person: refused without a
        declared purpose (and a case where the purpose needs one), masked unless the purpose
        allows the details, and recorded in the ledger either way."""
        request = parse(PersonLookup, query)
        actor = self.actor
        if actor.purpose is None:
            raise PurposeRequired("a person is looked up only for a declared purpose")
        if actor.purpose in PURPOSES_NEEDING_CASE and actor.case_id is None:
            raise PurposeRequired(f"the purpose {actor.purpose} needs a case (X-Case-Id)")
        key = self.settings.national_id_key.get_secret_value().encode()
        with self.db.transaction() as session:
            if request.national_id is not None:
                found = store.person_by_hash(session, national_id_hash(key, request.national_id))
            else:
                assert request.person_id is not None
                found = store.person(session, request.person_id)
            if found is None:
                raise NotFound("no such person")
            show = may_see_owner(actor.purpose)
            self._record_served_subject(
                session,
                "data.find_person",
                f"person={found.person_id}",
                {"details_shown": show, "by": "national_id" if request.national_id else "id"},
            )
        return _person(found, show).model_dump(mode="json")

    # -- for the citizen service: its own purposes, every read in the ledger ------------------

    def _citizen_service_read(self, operation: str) -> None:
        if self.actor.purpose not in CITIZEN_PILLAR_PURPOSES:
            raise PurposeRequired(f"{operation} serves citizen services and traffic enforcement")

    @rpc
    def vehicle_contact(self, plate: str) -> dict[str, Any]:
        """The VIN's last six characters and the owner's contact, for the citizen service (a
        fine's second factor; telling an owner their car blocks someone)."""
        self._citizen_service_read("a vehicle's contact")
        try:
            normalised = normalise_plate(plate)
        except ValueError:
            raise ValidationFailed("not a recognisable plate number") from None
        with self.db.transaction() as session:
            vehicle = store.vehicle(session, normalised)
            if vehicle is None:
                raise NotFound("no such vehicle")
            owner = (
                store.person(session, vehicle.owner_person_id) if vehicle.owner_person_id else None
            )
            self._record_served_subject(
                session,
                "data.vehicle_contact",
                f"plate={normalised}",
                {"owner_contact": owner is not None and owner.phone is not None},
            )
        return VehicleContact(
            plate=normalised,
            vin_tail=vehicle.vin[-6:] if vehicle.vin else None,
            owner_person_id=vehicle.owner_person_id,
            owner_phone=owner.phone if owner is not None else None,
        ).model_dump(mode="json")

    @rpc
    def verify_identity(self, claim: dict[str, Any]) -> dict[str, Any]:
        """Real-name verification for a citizen: the person whose national id and name these
        are, with the subjects reads about them are recorded under; the same refusal whether
        the id is unknown or the name differs."""
        self._citizen_service_read("identity verification")
        request = parse(IdentityClaim, claim)
        key = self.settings.national_id_key.get_secret_value().encode()
        with self.db.transaction() as session:
            found = store.person_by_hash(session, national_id_hash(key, request.national_id))
            if found is None or found.name != request.name.strip():
                raise NotFound("the name and national id do not match a registered person")
            self._record_served_subject(
                session, "data.verify_identity", f"person={found.person_id}", {}
            )
            return self._subjects_of(session, found).model_dump(mode="json")

    @rpc
    def person_subjects(self, person_id: str) -> dict[str, Any]:
        """The subjects a verified citizen's "who looked at my data" report searches."""
        self._citizen_service_read("a person's subjects")
        with self.db.transaction() as session:
            found = store.person(session, person_id)
            if found is None:
                raise NotFound("no such person")
            return self._subjects_of(session, found).model_dump(mode="json")

    def _subjects_of(self, session: Any, person: Any) -> PersonSubjects:
        plates = store.plates_of_owner(session, person.person_id)
        return PersonSubjects(
            person_id=person.person_id,
            name_masked=mask_name(person.name),
            subjects=[f"person={person.person_id}", *(f"plate={p}" for p in plates)],
        )

    @rpc
    def register_vehicle(self, vehicle: dict[str, Any]) -> dict[str, Any]:
        request = parse(VehicleCreate, vehicle)
        try:
            with self.db.transaction() as session:
                if request.owner_person_id and not store.person(session, request.owner_person_id):
                    raise NotFound("no such owner")
                store.add_vehicle(session, request.model_dump())
        except IntegrityError:
            raise Conflict("a vehicle with this plate exists") from None
        return request.model_dump()

    @on_event(ALERT_RAISED)
    def keep_alert(self, event: EventEnvelope) -> None:
        """The dossier shows alerts from the warning pillar's events, never by calling it."""
        alert = AlertRaised.model_validate(event.payload)
        with self.db.apply_once(event) as session:
            store.add_vehicle_alert(
                session,
                {
                    "alert_id": alert.alert_id,
                    "plate": alert.plate,
                    "reason": str(alert.reason),
                    "device_id": alert.device_id,
                    "seen_at": alert.seen_at,
                    "status": str(alert.status),
                },
            )

    @on_event(FINE_CHANGED)
    def keep_fine(self, event: EventEnvelope) -> None:
        fine = FineChanged.model_validate(event.payload)
        with self.db.apply_once(event) as session:
            store.keep_latest(
                session, store.vehicle_fines, "fine_id", fine.model_dump(mode="python")
            )

    @on_event(HOTLIST_ENTRY_CHANGED)
    def keep_hotlist_entry(self, event: EventEnvelope) -> None:
        entry = HotlistEntryChanged.model_validate(event.payload)
        with self.db.apply_once(event) as session:
            values = entry.model_dump(mode="python")
            store.keep_latest(session, store.vehicle_hotlist_entries, "entry_id", values)

    @on_event(CASE_CHANGED)
    def keep_case(self, event: EventEnvelope) -> None:
        case = CaseChanged.model_validate(event.payload)
        with self.db.apply_once(event) as session:
            values = case.model_dump(mode="python", exclude={"plates"})
            if store.keep_latest(session, store.cases, "case_id", values):
                store.replace_case_vehicles(session, case.case_id, case.plates)

    @rpc
    def vehicle_dossier(self, plate: str, authorisation_id: str | None = None) -> dict[str, Any]:
        """一车一档: the vehicle, its owner (masked unless the purpose allows), its sightings,
        alerts, fines, hotlist entries and cases, in one call from the data service's own
        store. Sightings come in age tiers: those younger than the authorisation age for any
        declared purpose; older ones only inside a supervisor's live authorisation for this
        case and plate (an expired one is refused)."""
        actor = self.actor
        if actor.purpose is None:
            raise PurposeRequired("a vehicle's dossier is served only for a declared purpose")
        try:
            normalised = normalise_plate(plate)
            grant_id = uuid.UUID(authorisation_id) if authorisation_id else None
        except ValueError as exc:
            raise ValidationFailed(str(exc)) from None
        show_owner = may_see_owner(actor.purpose)
        now = datetime.now(UTC)
        since = now - self._lookback().authorisation_age
        with self.db.transaction() as session:
            older_rows: list[Any] = []
            if grant_id is not None:
                grant = self._grant(session, grant_id)
                try:
                    check_grant(grant, normalised, grant.since, grant.until, now, actor.case_id)
                except NeedsAuthorisation as exc:
                    raise Forbidden(str(exc)) from None
                older_rows = store.sightings_between(
                    session, normalised, grant.since, min(grant.until, since), DOSSIER_SIGHTINGS
                )
            found = store.vehicle(session, normalised)
            owner_row = (
                store.person(session, found.owner_person_id)
                if found is not None and found.owner_person_id
                else None
            )
            sightings_rows = store.sightings_between(
                session, normalised, since, None, DOSSIER_SIGHTINGS
            )
            alerts = store.alerts_of(session, normalised, 50)
            fines = store.fines_of(session, normalised, 50)
            entries = store.hotlist_entries_of(session, normalised)
            cases = store.cases_of(session, normalised, 50)
            self._record_served_subject(
                session,
                "data.vehicle_dossier",
                f"plate={normalised}",
                {
                    "owner_shown": bool(owner_row and show_owner),
                    "sightings": len(sightings_rows),
                    "authorised_older_sightings": len(older_rows),
                    "authorisation_id": authorisation_id,
                    "alerts": len(alerts),
                    "fines": len(fines),
                    "cases": [c.case_id for c in cases],
                },
            )
        owner = _person(owner_row, show_owner) if owner_row is not None else None
        return Dossier(
            plate=normalised,
            vehicle=VehicleCreate.model_validate(found._asdict()) if found else None,
            owner=owner,
            recent_sightings=[_point(r) for r in sightings_rows],
            older_sightings=[_point(r) for r in older_rows],
            alerts=[
                DossierAlert(
                    alert_id=a.alert_id,
                    reason=a.reason,
                    device_id=a.device_id,
                    seen_at=a.seen_at,
                    status=a.status,
                )
                for a in alerts
            ],
            fines=[DossierFine.model_validate(f._asdict()) for f in fines],
            hotlist_entries=[
                DossierHotlistEntry(
                    entry_id=e.entry_id,
                    reason=e.reason,
                    case_id=e.case_id,
                    expires_at=e.expires_at,
                    state=hotlist_state(e.state, e.expires_at, now),
                )
                for e in entries
            ],
            cases=[DossierCase.model_validate(c._asdict()) for c in cases],
        ).model_dump(mode="json")

    def _present(self, plates: Iterable[str], grant: SweepGrant) -> tuple[list[str], list[str]]:
        """Targets in clear, everyone else as case-scoped pseudonyms."""
        return present(plates, grant, self.settings.pseudonym_key.get_secret_value().encode())

    def _record_served_subject(
        self, session: Any, operation: str, subject: str, details: dict[str, Any]
    ) -> None:
        self.events.stage(
            session,
            audit_event_type(self.name),
            AuditRecord(
                operation=operation, outcome=Outcome.SERVED, subject=subject, details=details
            ),
        )

    def _grant(self, session: Any, authorisation_id: uuid.UUID) -> Grant:
        found = store.authorisation(session, authorisation_id)
        if found is None:
            raise Forbidden("no such authorisation")
        return Grant(found.case_id, found.plate, found.since, found.until, found.expires_at)

    def _window(
        self,
        session: Any,
        plate: str,
        since: datetime,
        until: datetime,
        authorisation_id: uuid.UUID | None,
    ) -> Window:
        """The window a personal-data read may cover, or the refusal: purpose, shape, age."""
        actor = self.actor
        if actor.purpose is None:
            raise PurposeRequired("a plate's movements are served only for a declared purpose")
        grant = self._grant(session, authorisation_id) if authorisation_id is not None else None
        try:
            return check_window(
                plate,
                since,
                until,
                datetime.now(UTC),
                self._lookback(),
                grant=grant,
                case_id=actor.case_id,
            )
        except (LookbackRefused, NeedsAuthorisation) as exc:
            raise _read_refusal(exc) from None

    def _record_served(
        self, session: Any, operation: str, window: Window, details: dict[str, Any]
    ) -> None:
        self._record_served_subject(
            session,
            operation,
            f"plate={window.plate}",
            {"since": window.since.isoformat(), "until": window.until.isoformat(), **details},
        )

    @rpc
    def plate_trajectory(self, query: dict[str, Any]) -> dict[str, Any]:
        """A plate's sightings, oldest first. Personal data: served for a declared purpose
        only, and every served read is recorded in the audit ledger."""
        request = parse(TrajectoryQuery, query)
        try:
            after = parse_cursor(request.cursor)
        except LookbackRefused as exc:
            raise ValidationFailed(str(exc)) from None
        with self.db.transaction() as session:
            window = self._window(
                session, request.plate, request.since, request.until, request.authorisation_id
            )
            rows = store.trajectory(
                session, window.plate, window.since, window.until, after, request.limit
            )
            self._record_served(
                session,
                "data.plate_trajectory",
                window,
                {"rows": len(rows), "authorisation_id": _text_or_none(request.authorisation_id)},
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
        last = rows[-1] if len(rows) == request.limit else None
        cursor = make_cursor(last.seen_at, last.sighting_id) if last else None
        return Trajectory(plate=window.plate, points=points, next_cursor=cursor).model_dump(
            mode="json"
        )

    @rpc
    def plate_summary(self, query: dict[str, Any]) -> dict[str, Any]:
        """First and last seen, and the places a plate is seen most by local hour of day."""
        request = parse(SummaryQuery, query)
        zone = self.settings.local_time_zone
        with self.db.transaction() as session:
            window = self._window(
                session, request.plate, request.since, request.until, request.authorisation_id
            )
            totals, places = store.plate_summary(
                session, window.plate, window.since, window.until, zone, request.places_per_hour
            )
            self._record_served(
                session,
                "data.plate_summary",
                window,
                {
                    "rows": int(totals[2]),
                    "authorisation_id": _text_or_none(request.authorisation_id),
                },
            )
        by_hour: dict[int, list[PlaceCount]] = {}
        for hour, device_id, count in places:
            by_hour.setdefault(int(hour), []).append(
                PlaceCount(device_id=device_id, sightings=count)
            )
        return PlateSummary(
            plate=window.plate,
            first_seen=totals[0],
            last_seen=totals[1],
            sightings=int(totals[2]),
            time_zone=zone,
            by_hour=[HourPlaces(hour=h, places=p) for h, p in sorted(by_hour.items())],
        ).model_dump(mode="json")


def _point(row: Any) -> TrajectoryPoint:
    return TrajectoryPoint(
        sighting_id=row.sighting_id,
        device_id=row.device_id,
        seen_at=row.seen_at,
        location=GeoPoint(lat=row.lat, lon=row.lon) if row.lat is not None else None,
    )


def _person(row: Any, show: bool) -> Person:
    return Person(
        person_id=row.person_id,
        name=row.name if show else mask_name(row.name),
        national_id=row.national_id_masked,
        phone=row.phone if show else mask_phone(row.phone),
        address=row.address if show else None,
        masked=not show,
    )


def hotlist_state(state: str, expires_at: datetime, now: datetime) -> str:
    """An active entry whose time has passed shows as expired, before warning says so."""
    return "expired" if state == "active" and expires_at <= now else state


def _incident(row: Any) -> Incident:
    return Incident(
        incident_id=row.incident_id,
        reported_at=row.reported_at,
        location=GeoPoint(lat=row.lat, lon=row.lon),
        category=row.category,
        method=row.method,
        status=row.status,
        unit_path=row.unit_path,
        district=row.district,
        station=row.station,
        cell=row.cell,
    )


def _place(values: dict[str, Any], distance_m: float | None = None) -> Place:
    return Place(
        place_id=values["place_id"],
        kind=values["kind"],
        name=values["name"],
        location=GeoPoint(lat=values["lat"], lon=values["lon"]),
        address=values["address"],
        district=values["district"],
        phone=values["phone"],
        cell=values["cell"],
        distance_m=distance_m,
    )


def _text_or_none(value: object) -> str | None:
    return None if value is None else str(value)


SERVICE = DataService
