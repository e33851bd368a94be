"""智服惠民 citizen services: fire-safety permits and certificates.

Citizens take the permit interview (public: it is guidance, no account needed), apply with
their documents by reference, and follow their own applications; officers work the review
queue. Citizens ask for certificates to pick up at a self-service hall; anyone may verify a
certificate's number and learns only its kind, day of issue and whether it stands.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request

from contracts.certificates import (
    MAX_CERTIFICATE_NUMBER_CHARS,
    CertificateDecision,
    CertificateRequest,
    CertificateRequestCreate,
    CertificateRequests,
    CertificateRevocation,
    CertificateStatus,
    CertificateVerification,
    PickupHalls,
)
from contracts.permits import (
    InterviewAnswers,
    InterviewResult,
    PermitApplication,
    PermitApplicationCreate,
    PermitApplications,
    PermitDecision,
    PermitResubmission,
    PermitStatus,
)
from contracts.places import UNIT_ID_PATTERN
from contracts.values import MAX_PAGE_SIZE
from gateway.platform import platform_of
from gateway.problems import errors
from gateway.security import Authorized, authorize

router = APIRouter(prefix="/api/v1/citizen", tags=["citizen"], dependencies=[Depends(authorize)])

IdempotencyKey = Annotated[str | None, Header(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]
Cursor = Annotated[str | None, Query(max_length=100)]


async def _call(request: Request, ctx: Authorized, method: str, *args: Any) -> Any:
    return await platform_of(request).rpc.call("citizen", method, *args, context=ctx.rpc_context)


# -- fire-safety permits: citizens ------------------------------------------------------------


@router.post(
    "/fire-permits/interview",
    operation_id="citizen.fire_permit_interview",
    response_model=InterviewResult,
    responses=errors(),
    summary="The fire-safety permit interview: post every answer so far, in order; get the next "
    "question or the procedure, documents and steps that apply (a bad, missing or out-of-order "
    "answer is 422 naming the question)",
)
async def fire_permit_interview(request: Request, ctx: Authorized, body: InterviewAnswers) -> Any:
    return await _call(request, ctx, "fire_permit_interview", body.model_dump(mode="json"))


@router.post(
    "/fire-permits/applications",
    operation_id="citizen.submit_fire_permit",
    status_code=201,
    response_model=PermitApplication,
    responses=errors(),
    summary="Apply for a fire-safety permit with the interview's answers (evaluated again here) "
    "and exactly the documents the outcome lists, by storage reference (retried safely with "
    "Idempotency-Key)",
)
async def submit_fire_permit(
    request: Request,
    ctx: Authorized,
    body: PermitApplicationCreate,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    return await _call(
        request,
        ctx,
        "submit_fire_permit",
        body.model_dump(mode="json"),
        idempotency_key or uuid.uuid4().hex,
    )


@router.get(
    "/fire-permits/applications",
    operation_id="citizen.list_my_fire_permits",
    response_model=PermitApplications,
    responses=errors(),
    summary="Your own fire-safety permit applications, newest first",
)
async def list_my_fire_permits(
    request: Request, ctx: Authorized, limit: Limit = 50, cursor: Cursor = None
) -> Any:
    return await _call(request, ctx, "my_fire_permits", cursor, limit)


@router.get(
    "/fire-permits/applications/{application_id}",
    operation_id="citizen.get_my_fire_permit",
    response_model=PermitApplication,
    responses=errors(404),
    summary="One of your applications with its history (another's is 404)",
)
async def get_my_fire_permit(request: Request, ctx: Authorized, application_id: uuid.UUID) -> Any:
    return await _call(request, ctx, "my_fire_permit", str(application_id))


@router.post(
    "/fire-permits/applications/{application_id}/resubmission",
    operation_id="citizen.resubmit_fire_permit",
    response_model=PermitApplication,
    responses=errors(404, 409),
    summary="After changes were asked for: the documents again, with new references; the "
    "application goes back into review",
)
async def resubmit_fire_permit(
    request: Request,
    ctx: Authorized,
    application_id: uuid.UUID,
    body: PermitResubmission,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    return await _call(
        request,
        ctx,
        "resubmit_fire_permit",
        str(application_id),
        body.model_dump(mode="json"),
        idempotency_key or uuid.uuid4().hex,
    )


# -- fire-safety permits: officers ---------------------------------------------------------------


@router.get(
    "/fire-permits/review-queue",
    operation_id="citizen.fire_permit_queue",
    response_model=PermitApplications,
    responses=errors(),
    summary="Applications to review, oldest first; by default the open ones (submitted, under "
    "review); repeat `status` for several (personal data: needs X-Purpose)",
)
async def fire_permit_queue(
    request: Request,
    ctx: Authorized,
    status: Annotated[list[PermitStatus] | None, Query(max_length=len(PermitStatus))] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Any:
    statuses = [str(s) for s in status] if status else None
    return await _call(request, ctx, "fire_permit_queue", statuses, cursor, limit)


@router.get(
    "/fire-permits/review-queue/{application_id}",
    operation_id="citizen.get_fire_permit_for_review",
    response_model=PermitApplication,
    responses=errors(404),
    summary="An application with its documents and history (personal data: needs X-Purpose)",
)
async def get_fire_permit_for_review(
    request: Request, ctx: Authorized, application_id: uuid.UUID
) -> Any:
    return await _call(request, ctx, "fire_permit_for_review", str(application_id))


@router.post(
    "/fire-permits/review-queue/{application_id}/review",
    operation_id="citizen.take_fire_permit",
    response_model=PermitApplication,
    responses=errors(404, 409),
    summary="Take a submitted application into review: it is yours to decide",
)
async def take_fire_permit(request: Request, ctx: Authorized, application_id: uuid.UUID) -> Any:
    return await _call(request, ctx, "take_fire_permit", str(application_id))


@router.post(
    "/fire-permits/review-queue/{application_id}/decision",
    operation_id="citizen.decide_fire_permit",
    response_model=PermitApplication,
    responses=errors(404, 409),
    summary="Approve, ask for changes or refuse (the last two with the reason); the citizen is "
    "told by SMS",
)
async def decide_fire_permit(
    request: Request, ctx: Authorized, application_id: uuid.UUID, body: PermitDecision
) -> Any:
    return await _call(
        request, ctx, "decide_fire_permit", str(application_id), body.model_dump(mode="json")
    )


# -- certificates: public and citizens ----------------------------------------------------------
# (the fixed paths come before `/certificates/{request_id}`, which would otherwise take them)


@router.get(
    "/certificates/halls",
    operation_id="citizen.list_certificate_halls",
    response_model=PickupHalls,
    responses=errors(),
    summary="Self-service halls where certificates are picked up",
)
async def list_certificate_halls(
    request: Request,
    ctx: Authorized,
    district: Annotated[str | None, Query(pattern=UNIT_ID_PATTERN)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Any:
    return await _call(request, ctx, "certificate_halls", district, cursor, limit)


@router.get(
    "/certificates/verify/{number}",
    operation_id="citizen.verify_certificate",
    response_model=CertificateVerification,
    responses=errors(),
    summary="Verify a certificate number: genuine or not, and if genuine its kind, day of issue "
    "and whether it stands (valid/revoked); nothing about whom it was issued to",
)
async def verify_certificate(
    request: Request,
    ctx: Authorized,
    number: Annotated[str, Path(max_length=MAX_CERTIFICATE_NUMBER_CHARS)],
) -> Any:
    return await _call(request, ctx, "verify_certificate", number)


@router.post(
    "/certificates",
    operation_id="citizen.request_certificate",
    status_code=201,
    response_model=CertificateRequest,
    responses=errors(),
    summary="Ask for a certificate (无犯罪记录证明, 居住证明) to pick up at a self-service hall "
    "(an unknown hall is 422; retried safely with Idempotency-Key)",
)
async def request_certificate(
    request: Request,
    ctx: Authorized,
    body: CertificateRequestCreate,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    return await _call(
        request,
        ctx,
        "request_certificate",
        body.model_dump(mode="json"),
        idempotency_key or uuid.uuid4().hex,
    )


@router.get(
    "/certificates",
    operation_id="citizen.list_my_certificates",
    response_model=CertificateRequests,
    responses=errors(),
    summary="Your own certificate requests, newest first",
)
async def list_my_certificates(
    request: Request, ctx: Authorized, limit: Limit = 50, cursor: Cursor = None
) -> Any:
    return await _call(request, ctx, "my_certificate_requests", cursor, limit)


@router.get(
    "/certificates/{request_id}",
    operation_id="citizen.get_my_certificate",
    response_model=CertificateRequest,
    responses=errors(404),
    summary="One of your certificate requests with its history (another's is 404)",
)
async def get_my_certificate(request: Request, ctx: Authorized, request_id: uuid.UUID) -> Any:
    return await _call(request, ctx, "my_certificate_request", str(request_id))


# -- certificates: officers ---------------------------------------------------------------------


@router.get(
    "/certificate-requests",
    operation_id="citizen.certificate_queue",
    response_model=CertificateRequests,
    responses=errors(),
    summary="Certificate requests to work on, oldest first; by default the open ones "
    "(requested, in review); repeat `status` for several (personal data: needs X-Purpose)",
)
async def certificate_queue(
    request: Request,
    ctx: Authorized,
    status: Annotated[
        list[CertificateStatus] | None, Query(max_length=len(CertificateStatus))
    ] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Any:
    statuses = [str(s) for s in status] if status else None
    return await _call(request, ctx, "certificate_queue", statuses, cursor, limit)


@router.get(
    "/certificate-requests/{request_id}",
    operation_id="citizen.get_certificate_request",
    response_model=CertificateRequest,
    responses=errors(404),
    summary="A certificate request with its history (personal data: needs X-Purpose)",
)
async def get_certificate_request(request: Request, ctx: Authorized, request_id: uuid.UUID) -> Any:
    return await _call(request, ctx, "certificate_request_for_review", str(request_id))


@router.post(
    "/certificate-requests/{request_id}/review",
    operation_id="citizen.take_certificate_request",
    response_model=CertificateRequest,
    responses=errors(404, 409),
    summary="Take a request into review: it is yours to decide",
)
async def take_certificate_request(request: Request, ctx: Authorized, request_id: uuid.UUID) -> Any:
    return await _call(request, ctx, "take_certificate_request", str(request_id))


@router.post(
    "/certificate-requests/{request_id}/decision",
    operation_id="citizen.decide_certificate_request",
    response_model=CertificateRequest,
    responses=errors(404, 409),
    summary="Issue the certificate (it gets its number and is ready for pick-up) or refuse it "
    "with the reason; the citizen is told by SMS",
)
async def decide_certificate_request(
    request: Request, ctx: Authorized, request_id: uuid.UUID, body: CertificateDecision
) -> Any:
    return await _call(
        request, ctx, "decide_certificate_request", str(request_id), body.model_dump(mode="json")
    )


@router.post(
    "/certificate-requests/{request_id}/collection",
    operation_id="citizen.record_certificate_collection",
    response_model=CertificateRequest,
    responses=errors(404, 409),
    summary="The citizen picked the certificate up at the hall",
)
async def record_certificate_collection(
    request: Request, ctx: Authorized, request_id: uuid.UUID
) -> Any:
    return await _call(request, ctx, "record_certificate_collection", str(request_id))


@router.post(
    "/certificate-requests/{request_id}/revocation",
    operation_id="citizen.revoke_certificate",
    response_model=CertificateRequest,
    responses=errors(404, 409),
    summary="Revoke an issued certificate with the reason: its number verifies as revoked",
)
async def revoke_certificate(
    request: Request, ctx: Authorized, request_id: uuid.UUID, body: CertificateRevocation
) -> Any:
    return await _call(
        request, ctx, "revoke_certificate", str(request_id), body.model_dump(mode="json")
    )
