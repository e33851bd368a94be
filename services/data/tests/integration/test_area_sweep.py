"""Who was in an area: exact, authorised, bounded, kept off sensitive places, pseudonymous."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from nameko.exceptions import RemoteError
from sqlalchemy import Engine, select

from chassis.tables import outbox
from contracts.actor import Actor, ActorKind, Purpose
from services.data.tests.integration.conftest import plant, row

NOW = datetime.now(UTC).replace(microsecond=0)
START = NOW - timedelta(hours=6)
LAT, LON = 22.5405, 114.0553  # 0.001° of latitude is ~110 m
SUPERVISOR = Actor(
    kind=ActorKind.OFFICER,
    id="zhang.min",
    unit="f",
    scope="sz/f",
    roles=("supervisor",),
    purpose=Purpose.CRIMINAL_INVESTIGATION,
    case_id="c-9",
)
INVESTIGATOR = SUPERVISOR.model_copy(update={"id": "li.wei", "roles": ("investigator",)})
COMMANDER = SUPERVISOR.model_copy(update={"id": "wang.jun", "roles": ("commander",)})
ADMIN = Actor(kind=ActorKind.OFFICER, id="admin", unit="sz", scope="sz", roles=("admin",))


def circle(radius_m: float, lat: float = LAT, lon: float = LON) -> dict[str, Any]:
    return {"center": {"lat": lat, "lon": lon}, "radius_m": radius_m}


def authorise(client: Any, targets: list[str]) -> str:
    with client(SUPERVISOR) as rpc:
        return str(
            rpc.data.issue_sweep_authorisation(
                {
                    "case_id": "c-9",
                    "area": circle(1000),
                    "since": (START - timedelta(hours=1)).isoformat(),
                    "until": NOW.isoformat(),
                    "targets": targets,
                    "expires_at": (NOW + timedelta(days=1)).isoformat(),
                    "reason": "who was near the jewellery shop during the robbery",
                }
            )["authorisation_id"]
        )


def sweep(client: Any, actor: Actor, authorisation: str, **overrides: Any) -> dict[str, Any]:
    query = {
        "authorisation_id": authorisation,
        "area": circle(500),
        "since": START.isoformat(),
        "until": (START + timedelta(hours=2)).isoformat(),
    }
    query.update(overrides)
    with client(actor) as rpc:
        result: dict[str, Any] = rpc.data.area_sweep(query)
    return result


def test_exactly_the_plates_seen_inside_the_area_and_window(client: Any, data_db: Engine) -> None:
    plant(
        data_db,
        [
            row("粤T12345", START + timedelta(minutes=10), LAT + 0.001, LON),  # 110 m: inside
            row("粤A11111", START + timedelta(minutes=20), LAT, LON + 0.004),  # ~410 m: inside
            row("粤B22222", START + timedelta(minutes=30), LAT + 0.0055, LON),  # ~610 m: outside
            row("粤C33333", START + timedelta(hours=3), LAT, LON),  # inside, after the window
        ],
    )
    authorisation = authorise(client, ["粤T12345"])

    result = sweep(client, INVESTIGATOR, authorisation)

    assert result["count"] == 2
    assert result["plates"] == ["粤T12345"]
    assert len(result["pseudonyms"]) == 1 and "粤A11111" not in str(result)


@pytest.mark.parametrize(
    ("overrides", "refusal"),
    [
        ({"area": circle(3000)}, "ValidationFailed"),
        ({"until": (START + timedelta(hours=30)).isoformat()}, "ValidationFailed"),
        (
            {
                "area": {
                    "polygon": [
                        {"lat": LAT, "lon": LON},
                        {"lat": LAT + 0.001, "lon": LON + 0.001},
                        {"lat": LAT, "lon": LON + 0.001},
                        {"lat": LAT + 0.001, "lon": LON},
                    ]
                }
            },
            "ValidationFailed",
        ),  # a bow tie: the polygon crosses itself
        ({"area": circle(500, lat=LAT + 0.02)}, "Forbidden"),  # outside the authorised area
        ({"since": (START - timedelta(hours=3)).isoformat()}, "Forbidden"),  # outside its window
        ({"authorisation_id": "5f0c0e4e-1d4e-4a65-9a43-5b7fb1b1a001"}, "Forbidden"),
    ],
)
def test_sweeps_beyond_their_bounds_are_refused(
    client: Any, data_db: Engine, overrides: dict[str, Any], refusal: str
) -> None:
    authorisation = authorise(client, [])
    with pytest.raises(RemoteError) as refused:
        sweep(client, INVESTIGATOR, authorisation, **overrides)
    assert refused.value.exc_type == refusal


def test_a_sensitive_place_is_refused_unless_a_commander_overrides_with_a_reason(
    client: Any, data_db: Engine
) -> None:
    with client(ADMIN) as rpc:
        rpc.data.register_sensitive_place(
            {
                "place_id": "sp-school-1",
                "kind": "school",
                "name": "No. 2 Primary School",
                "center": {"lat": LAT + 0.002, "lon": LON},
                "radius_m": 100,
            }
        )
    authorisation = authorise(client, [])
    with pytest.raises(RemoteError) as refused:
        sweep(client, INVESTIGATOR, authorisation)
    assert refused.value.exc_type == "Forbidden" and "school" in str(refused.value)
    with pytest.raises(RemoteError) as without_reason:
        sweep(client, COMMANDER, authorisation)
    assert without_reason.value.exc_type == "Forbidden"

    reason = "the robbers fled through the school grounds"
    sweep(client, COMMANDER, authorisation, override_reason=reason)

    with data_db.connect() as conn:
        records = [
            orjson.loads(e)["payload"] for e in conn.execute(select(outbox.c.envelope)).scalars()
        ]
    (served,) = [r for r in records if r["operation"] == "data.area_sweep"]
    assert served["details"]["override_reason"] == reason
    assert served["details"]["sensitive_places_overridden"] == ["sp-school-1"]
