"""Old sightings: hidden without a supervisor's authorisation, shown with a live one, refused
with an expired one or one for another case or plate."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from nameko.exceptions import RemoteError
from sqlalchemy import Engine, insert

from contracts.actor import Actor, ActorKind, Purpose
from services.data.store import authorisations
from services.data.tests.integration.conftest import plant, row

NOW = datetime.now(UTC)
OLD = NOW - timedelta(days=120)
SUPERVISOR = Actor(
    kind=ActorKind.OFFICER,
    id="zhang.min",
    unit="f",
    scope="sz/f",
    roles=("supervisor",),
    purpose=Purpose.CRIMINAL_INVESTIGATION,
    case_id="c-1",
)
INVESTIGATOR = Actor(
    kind=ActorKind.OFFICER,
    id="li.wei",
    unit="f-1",
    scope="sz/f",
    roles=("investigator",),
    purpose=Purpose.CRIMINAL_INVESTIGATION,
    case_id="c-1",
)


def grant_request(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "case_id": "c-1",
        "plate": "粤T12345",
        "since": (OLD - timedelta(days=1)).isoformat(),
        "until": (OLD + timedelta(days=1)).isoformat(),
        "expires_at": (NOW + timedelta(days=7)).isoformat(),
        "reason": "movements around the spring burglaries",
    }
    values.update(overrides)
    return values


def old_window(authorisation_id: str | None = None, plate: str = "粤T12345") -> dict[str, Any]:
    query: dict[str, Any] = {
        "plate": plate,
        "since": (OLD - timedelta(hours=1)).isoformat(),
        "until": (OLD + timedelta(hours=1)).isoformat(),
    }
    if authorisation_id:
        query["authorisation_id"] = authorisation_id
    return query


def test_old_sightings_need_a_live_authorisation_for_the_case_and_plate(
    client: Any,
    data_db: Engine,
) -> None:
    plant(data_db, [row("粤T12345", OLD)])
    with client(SUPERVISOR) as rpc:
        granted = rpc.data.issue_authorisation(grant_request())
    assert granted["issued_by"] == "zhang.min"

    with client(INVESTIGATOR) as rpc:
        with pytest.raises(RemoteError) as hidden:
            rpc.data.plate_trajectory(old_window())
        assert hidden.value.exc_type == "Forbidden"
        shown = rpc.data.plate_trajectory(old_window(granted["authorisation_id"]))
        assert len(shown["points"]) == 1
        with pytest.raises(RemoteError) as other_plate:
            rpc.data.plate_trajectory(old_window(granted["authorisation_id"], plate="粤B11111"))
        assert "another plate" in str(other_plate.value)
    other_case = INVESTIGATOR.model_copy(update={"case_id": "c-2"})
    with client(other_case) as rpc, pytest.raises(RemoteError) as refused:
        rpc.data.plate_trajectory(old_window(granted["authorisation_id"]))
    assert "another case" in str(refused.value)


def test_an_expired_authorisation_is_refused(client: Any, data_db: Engine) -> None:
    plant(data_db, [row("粤T12345", OLD)])
    expired = uuid.uuid4()
    with data_db.begin() as conn:
        conn.execute(
            insert(authorisations).values(
                authorisation_id=expired,
                case_id="c-1",
                plate="粤T12345",
                since=OLD - timedelta(days=1),
                until=OLD + timedelta(days=1),
                expires_at=NOW - timedelta(minutes=1),
                reason="expired yesterday",
                issued_by="zhang.min",
            )
        )
    with client(INVESTIGATOR) as rpc, pytest.raises(RemoteError) as refused:
        rpc.data.plate_trajectory(old_window(str(expired)))
    assert refused.value.exc_type == "Forbidden" and "expired" in str(refused.value)


@pytest.mark.parametrize(
    ("actor", "request_overrides", "refusal"),
    [
        (INVESTIGATOR, {}, "Forbidden"),  # not a supervisor
        (SUPERVISOR, {"expires_at": (NOW + timedelta(days=90)).isoformat()}, "ValidationFailed"),
        (SUPERVISOR, {"since": NOW.isoformat(), "until": OLD.isoformat()}, "ValidationFailed"),
        (SUPERVISOR, {"reason": "because"}, "ValidationFailed"),
    ],
)
def test_only_supervisors_issue_bounded_authorisations(
    client: Any,
    data_db: Engine,
    actor: Actor,
    request_overrides: dict,
    refusal: str,
) -> None:
    with client(actor) as rpc, pytest.raises(RemoteError) as refused:
        rpc.data.issue_authorisation(grant_request(**request_overrides))
    assert refused.value.exc_type == refusal
