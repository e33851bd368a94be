"""智感防控 smart sensing: smart communities, face-gate consent and access events.

Administrators create communities and assign their gates; officers keep households, residents
and guardians within their scope (residents are personal data: X-Purpose); residents decide
their own face-gate consent and notification contacts with their citizen accounts (a child's
guardians decide for the child); gates report passages with their device credentials.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from contracts.communities import (
    AccessEvent,
    AccessEventIn,
    AccessReceipt,
    Community,
    CommunityCreate,
    ConsentRecord,
    FaceEnrolment,
    GateAssignment,
    Guardian,
    GuardianCreate,
    Household,
    HouseholdCreate,
    MyResidents,
    NotificationChoice,
    NotificationSettings,
    Resident,
    ResidentCreate,
)
from contracts.values import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page
from gateway.platform import platform_of
from gateway.problems import errors
from gateway.security import Authorized, authorize

router = APIRouter(
    prefix="/api/v1/prevention", tags=["prevention"], dependencies=[Depends(authorize)]
)

SERVICE = "prevention"
CommunityIdPath = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]
Cursor = Annotated[str | None, Query(max_length=200)]


async def _call(request: Request, ctx: Authorized, method: str, *args: Any) -> Any:
    return await platform_of(request).rpc.call(SERVICE, method, *args, context=ctx.rpc_context)


# -- a resident's own decisions (citizens) -----------------------------------------------------
# declared before `/communities/{community_id}`, which would otherwise take `residents:mine`


@router.get(
    "/communities/residents:mine",
    operation_id="prevention.my_community_residents",
    response_model=MyResidents,
    responses=errors(),
    summary="The residents you decide for: yourself, and the children you are a guardian of "
    "(citizens)",
)
async def my_community_residents(request: Request, ctx: Authorized) -> Any:
    return await _call(request, ctx, "my_community_residents")


@router.post(
    "/communities/residents/{resident_id}/face-consent:grant",
    operation_id="prevention.grant_face_consent",
    response_model=FaceEnrolment,
    responses=errors(404),
    summary="Consent to face-gate enrolment: an adult for themselves, a guardian for a child "
    "(citizens; anybody else 403). The gates are told to enrol; granting again changes nothing",
)
async def grant_face_consent(request: Request, ctx: Authorized, resident_id: uuid.UUID) -> Any:
    return await _call(request, ctx, "grant_face_consent", str(resident_id))


@router.post(
    "/communities/residents/{resident_id}/face-consent:withdraw",
    operation_id="prevention.withdraw_face_consent",
    response_model=FaceEnrolment,
    responses=errors(404),
    summary="Withdraw face-gate consent (the same people as grant it): the enrolment is "
    "deleted, the gates are told to delete the template, and the resident's passages are "
    "refused from then on (citizens)",
)
async def withdraw_face_consent(request: Request, ctx: Authorized, resident_id: uuid.UUID) -> Any:
    return await _call(request, ctx, "withdraw_face_consent", str(resident_id))


@router.put(
    "/communities/residents/{resident_id}/notification-contacts",
    operation_id="prevention.choose_access_notifications",
    response_model=NotificationSettings,
    responses=errors(404),
    summary="Opt in to have up to 5 chosen contacts told of your passages (with the gate's "
    "snapshot), or opt out at once (citizens: an adult for themselves only)",
)
async def choose_access_notifications(
    request: Request, ctx: Authorized, resident_id: uuid.UUID, choice: NotificationChoice
) -> Any:
    return await _call(
        request,
        ctx,
        "choose_access_notifications",
        str(resident_id),
        choice.model_dump(mode="json"),
    )


# -- residents, guardians, consent history (officers, within their scope) ------------------------


@router.get(
    "/communities/residents/{resident_id}",
    operation_id="prevention.get_community_resident",
    response_model=Resident,
    responses=errors(404),
    summary="A resident (officers in whose scope the community lies; phone masked)",
)
async def get_resident(request: Request, ctx: Authorized, resident_id: uuid.UUID) -> Any:
    return await _call(request, ctx, "get_resident", str(resident_id))


@router.post(
    "/communities/residents/{resident_id}/guardians",
    operation_id="prevention.add_community_guardian",
    status_code=201,
    response_model=Guardian,
    responses=errors(404, 409),
    summary="Record a child's guardian: another (adult) resident of the community, or someone "
    "outside it with a name and phone; at most 6 per child (officers in scope)",
)
async def add_guardian(
    request: Request, ctx: Authorized, resident_id: uuid.UUID, guardian: GuardianCreate
) -> Any:
    return await _call(
        request, ctx, "add_guardian", str(resident_id), guardian.model_dump(mode="json")
    )


@router.get(
    "/communities/residents/{resident_id}/guardians",
    operation_id="prevention.list_community_guardians",
    response_model=list[Guardian],
    responses=errors(404),
    summary="A child's guardians (officers in scope; phones masked)",
)
async def list_guardians(request: Request, ctx: Authorized, resident_id: uuid.UUID) -> Any:
    return await _call(request, ctx, "list_guardians", str(resident_id))


@router.get(
    "/communities/residents/{resident_id}/consents",
    operation_id="prevention.community_consent_history",
    response_model=Page[ConsentRecord],
    responses=errors(404),
    summary="A resident's consent history, newest first: who granted or withdrew, and when "
    "(officers in scope)",
)
async def consent_history(
    request: Request,
    ctx: Authorized,
    resident_id: uuid.UUID,
    limit: Limit = DEFAULT_PAGE_SIZE,
    cursor: Cursor = None,
) -> Any:
    return await _call(
        request, ctx, "consent_history", str(resident_id), {"limit": limit, "cursor": cursor}
    )


# -- communities and gates ---------------------------------------------------------------------


@router.post(
    "/communities",
    operation_id="prevention.create_community",
    status_code=201,
    response_model=Community,
    responses=errors(409),
    summary="Create a community in a unit's jurisdiction (administrators; 409 if the id is taken)",
)
async def create_community(request: Request, ctx: Authorized, community: CommunityCreate) -> Any:
    return await _call(request, ctx, "create_community", community.model_dump(mode="json"))


@router.get(
    "/communities",
    operation_id="prevention.list_communities",
    response_model=Page[Community],
    responses=errors(),
    summary="Communities within your scope, by id",
)
async def list_communities(
    request: Request, ctx: Authorized, limit: Limit = DEFAULT_PAGE_SIZE, cursor: Cursor = None
) -> Any:
    return await _call(request, ctx, "list_communities", {"limit": limit, "cursor": cursor})


@router.get(
    "/communities/{community_id}",
    operation_id="prevention.get_community",
    response_model=Community,
    responses=errors(404),
    summary="A community and its gates (within your scope; 404 otherwise)",
)
async def get_community(request: Request, ctx: Authorized, community_id: CommunityIdPath) -> Any:
    return await _call(request, ctx, "get_community", community_id)


@router.post(
    "/communities/{community_id}/gates",
    operation_id="prevention.assign_community_gates",
    response_model=Community,
    responses=errors(404, 409),
    summary="Assign registered gate devices to the community; a gate opens onto one "
    "community (administrators)",
)
async def assign_gates(
    request: Request, ctx: Authorized, community_id: CommunityIdPath, assignment: GateAssignment
) -> Any:
    return await _call(
        request, ctx, "assign_community_gates", community_id, assignment.model_dump(mode="json")
    )


# -- households and residents ------------------------------------------------------------------


@router.post(
    "/communities/{community_id}/households",
    operation_id="prevention.create_community_household",
    status_code=201,
    response_model=Household,
    responses=errors(404, 409),
    summary="Record a household (unit and room; 409 if the community has it already)",
)
async def create_household(
    request: Request, ctx: Authorized, community_id: CommunityIdPath, household: HouseholdCreate
) -> Any:
    return await _call(
        request, ctx, "create_household", community_id, household.model_dump(mode="json")
    )


@router.get(
    "/communities/{community_id}/households",
    operation_id="prevention.list_community_households",
    response_model=Page[Household],
    responses=errors(404),
    summary="A community's households",
)
async def list_households(
    request: Request,
    ctx: Authorized,
    community_id: CommunityIdPath,
    limit: Limit = DEFAULT_PAGE_SIZE,
    cursor: Cursor = None,
) -> Any:
    return await _call(
        request, ctx, "list_households", community_id, {"limit": limit, "cursor": cursor}
    )


@router.post(
    "/communities/{community_id}/residents",
    operation_id="prevention.register_community_resident",
    status_code=201,
    response_model=Resident,
    responses=errors(404),
    summary="Register a resident of a household; a child or adult by birth date (18 is the "
    "age of majority). The optional citizen account lets them decide for themselves",
)
async def register_resident(
    request: Request, ctx: Authorized, community_id: CommunityIdPath, resident: ResidentCreate
) -> Any:
    return await _call(
        request, ctx, "register_resident", community_id, resident.model_dump(mode="json")
    )


@router.get(
    "/communities/{community_id}/residents",
    operation_id="prevention.list_community_residents",
    response_model=Page[Resident],
    responses=errors(404),
    summary="A community's residents (officers in scope; phones masked)",
)
async def list_residents(
    request: Request,
    ctx: Authorized,
    community_id: CommunityIdPath,
    limit: Limit = DEFAULT_PAGE_SIZE,
    cursor: Cursor = None,
) -> Any:
    return await _call(
        request, ctx, "list_residents", community_id, {"limit": limit, "cursor": cursor}
    )


# -- access events -----------------------------------------------------------------------------


@router.post(
    "/communities/{community_id}/access-events",
    operation_id="prevention.record_community_access",
    response_model=AccessReceipt,
    responses=errors(409),
    summary="A gate reports a passage its terminal matched (gates, with their device "
    "credential): 409 for an unknown resident or one who withdrew consent; a repeated "
    "gate_event_id answers the first receipt",
)
async def record_access(
    request: Request, ctx: Authorized, community_id: CommunityIdPath, event: AccessEventIn
) -> Any:
    return await _call(
        request, ctx, "record_access_event", community_id, event.model_dump(mode="json")
    )


@router.get(
    "/communities/{community_id}/access-events",
    operation_id="prevention.list_community_access",
    response_model=Page[AccessEvent],
    responses=errors(404),
    summary="A community's recorded passages, newest first, optionally one resident's "
    "(officers in scope; snapshot references until their retention runs out)",
)
async def list_access_events(
    request: Request,
    ctx: Authorized,
    community_id: CommunityIdPath,
    resident_id: uuid.UUID | None = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
    cursor: Cursor = None,
) -> Any:
    query = {
        "resident_id": str(resident_id) if resident_id else None,
        "limit": limit,
        "cursor": cursor,
    }
    return await _call(request, ctx, "list_access_events", community_id, query)
