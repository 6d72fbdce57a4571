"""Real-name verification: the account holder's own endpoints (``/me/verification``) and the reviewers' queue.

Failed self-service attempts are answered with a problem document that the route RETURNS rather than raises, so
the request's transaction commits the recorded attempt (the lockout counts it) and its identity event.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, Response, UploadFile, status
from pydantic import AfterValidator

from app.common.errors import Forbidden, InvalidCursor, Unauthenticated
from app.common.pagination import CursorParam, LimitParam, Page, paginate
from app.errors import DomainError, NotFound
from app.http.deps import CipherDep, Clock, CurrentPrincipal, SessionDep, SettingsDep
from app.http.errors import PayloadTooLarge
from app.http.paths import EstateId
from app.http.problems import problem_response, problem_responses
from app.http.ratelimit import client_key
from app.place.access import ensure_can_manage_estate
from app.realname import errors, repository, service
from app.realname.idp import IdentityProviders
from app.realname.models import ManualVerificationRequest, ReviewStatus, VerificationMethod, VerificationPurpose
from app.realname.schemas import (
    ApproveCommand,
    AssertionCommand,
    DocumentType,
    ManualRequestRead,
    ManualRequestReviewRead,
    RegisterMatchCommand,
    RejectCommand,
    VerificationResultRead,
    VerificationStatusRead,
    mask_last4,
)
from app.register.identifiers import IdentityDocument

router = APIRouter(tags=["verification"])
RequestId = Annotated[uuid.UUID, Path(description="Manual verification request id")]
AUTH_ERRORS = (Unauthenticated, errors.AccountRequired)
REVIEW_ERRORS = (Unauthenticated, Forbidden, NotFound)
# A self-service attempt may mismatch, find the account verified as somebody else, or be locked out.
ATTEMPT_ERRORS = (*AUTH_ERRORS, errors.VerificationMismatch, errors.AlreadyVerified, errors.VerificationLocked)


async def get_identity_providers(request: Request, settings: SettingsDep) -> IdentityProviders:
    """The configured providers with their keys loaded, built once per settings object and kept on ``app.state``.

    Keyed by the settings object so a test (or a reload) that swaps ``app.state.settings`` is picked up.
    """
    cached: tuple[object, IdentityProviders] | None = getattr(request.app.state, "verification_idp", None)
    if cached is None or cached[0] is not settings:
        cached = (settings, IdentityProviders.from_settings(settings))
        request.app.state.verification_idp = cached
    return cached[1]


ProvidersDep = Annotated[IdentityProviders, Depends(get_identity_providers)]


async def get_attempt_origin(
    request: Request, principal: CurrentPrincipal, settings: SettingsDep, clock: Clock, cipher: CipherDep
) -> service.AttemptOrigin:
    """The calling account, its client address, the time and the lockout limits of a self-service attempt."""
    return service.AttemptOrigin(
        account_id=service.require_account(principal),
        cipher=cipher,
        limits=service.Limits.from_settings(settings),
        now=clock(),
        client_address=client_key(request.scope),
    )


AttemptOriginDep = Annotated[service.AttemptOrigin, Depends(get_attempt_origin)]


def _respond(outcome: service.Outcome, request: Request) -> VerificationResultRead | Response:
    if isinstance(outcome, DomainError):
        headers = {"Retry-After": str(outcome.retry_after)} if isinstance(outcome, errors.VerificationLocked) else None
        return problem_response(outcome, request, headers=headers)
    return VerificationResultRead(
        verified=True,
        method=outcome.method,
        owner_identifier_masked=mask_last4(outcome.owner.identifier_last4),
        estates=outcome.estates,
    )


@router.get(
    "/me/verification",
    response_model=VerificationStatusRead,
    responses=problem_responses(*AUTH_ERRORS),
)
async def get_my_verification(
    session: SessionDep, principal: CurrentPrincipal, settings: SettingsDep, clock: Clock
) -> VerificationStatusRead:
    """Whether the caller's account is verified (R-CAST-1), how, and its pending manual requests."""
    account_id = service.require_account(principal)
    state = await service.status(session, account_id, limits=service.Limits.from_settings(settings), now=clock())
    account = state.account
    return VerificationStatusRead(
        verified=account.owner_id is not None,
        method=VerificationMethod(account.verification_method) if account.verification_method else None,
        verified_at=account.verified_at,
        owner_identifier_masked=mask_last4(state.owner.identifier_last4) if state.owner else None,
        locked_until=state.locked_until,
        pending_requests=[ManualRequestRead.from_row(row) for row in state.pending],
    )


@router.post(
    "/me/verification",
    response_model=VerificationResultRead,
    responses=problem_responses(*ATTEMPT_ERRORS, errors.IdNumberInvalid),
)
async def verify_by_register(
    body: RegisterMatchCommand, session: SessionDep, origin: AttemptOriginDep, request: Request
) -> VerificationResultRead | Response:
    """Verify with the resident ID number and the property-certificate number of one of your units.

    Failures within 24 hours lock self-service verification for the account (five), for the account with that ID
    number (three) or for the client address (twenty): 429 with ``Retry-After``; manual review stays available.
    Failures against an ID number from other accounts never lock its owner out; they alert the estate instead.
    """
    outcome = await service.verify_by_register(
        session,
        origin,
        id_number=body.id_number,
        certificate_number=body.certificate_number,
        document=body.document_type,
        estate_id=body.estate_id,
    )
    return _respond(outcome, request)


@router.post(
    "/me/verification/idp",
    response_model=VerificationResultRead,
    responses=problem_responses(*ATTEMPT_ERRORS, errors.AssertionInvalid),
)
async def verify_by_identity_provider(
    body: AssertionCommand, session: SessionDep, origin: AttemptOriginDep, providers: ProvidersDep, request: Request
) -> VerificationResultRead | Response:
    """Verify with a signed assertion of a configured identity provider (``sub`` must be this account's id).

    Only the result, the provider's transaction id and the time are kept; never the assertion or images (R-PI-3).
    """
    outcome = await service.verify_by_assertion(session, origin, assertion=body.assertion, providers=providers)
    return _respond(outcome, request)


def _form_text(value: str) -> str:
    """Form fields get what ``Command`` gives JSON bodies: stripped, not blank, no NUL (PostgreSQL text)."""
    value = value.strip()
    if not value or "\x00" in value:
        raise ValueError("must be non-blank text without NUL characters")
    return value


FormText = Annotated[str, AfterValidator(_form_text)]


@router.post(
    "/me/verification/manual",
    status_code=status.HTTP_201_CREATED,
    response_model=ManualRequestRead,
    responses=problem_responses(
        *AUTH_ERRORS,
        NotFound,
        errors.IdNumberInvalid,
        errors.AlreadyVerified,
        errors.RequestPending,
        errors.DocumentUnsupported,
        PayloadTooLarge,
    ),
)
async def request_manual_verification(
    estate_id: Annotated[uuid.UUID, Form(description="Estate whose organiser should review")],
    id_number: Annotated[FormText, Form(min_length=1, max_length=64)],
    name: Annotated[FormText, Form(min_length=1, max_length=100, description="Name as on the document")],
    document_type: Annotated[DocumentType, Form()],
    file: Annotated[UploadFile, File(description="JPEG, PNG or PDF, at most 5 MB")],
    session: SessionDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    clock: Clock,
    request: Request,
    cipher: CipherDep,
    identity_document: Annotated[
        IdentityDocument, Form(description="The identity document the register lists you by")
    ] = IdentityDocument.RESIDENT_ID,
    purpose: Annotated[
        VerificationPurpose,
        Form(
            description="OWNER: you own a unit in this estate's register. PERSON: you act for an owner as legal "
            "representative, guardian or proxy (a tenant too) and own no home here; an organiser then approves "
            "your grant (R-CAST-3..5)"
        ),
    ] = VerificationPurpose.OWNER,
) -> ManualRequestRead:
    """Apply for manual review with an identity document (R-PI-4: deleted 30 days after the decision)."""
    account_id = service.require_account(principal)
    limit = settings.verification_document_max_bytes
    content = await file.read(limit + 1)
    if len(content) > limit:
        raise PayloadTooLarge(limit=limit)
    row = await service.submit_manual_request(
        session,
        account_id,
        estate_id=estate_id,
        id_number=id_number,
        claimed_name=name,
        document_type=document_type.value,
        identity_document=identity_document,
        purpose=purpose,
        content=content,
        cipher=cipher,
        now=clock(),
    )
    return ManualRequestRead.from_row(row)


async def _review_read(session: SessionDep, row: ManualVerificationRequest) -> ManualRequestReviewRead:
    available = await repository.document_request_ids(session, [row.id])
    return ManualRequestReviewRead.for_review(row, document_available=row.id in available)


@router.get("/estates/{estate_id}/verification-requests", responses=problem_responses(*REVIEW_ERRORS, InvalidCursor))
async def list_verification_requests(
    estate_id: EstateId,
    session: SessionDep,
    principal: CurrentPrincipal,
    review_status: Annotated[ReviewStatus | None, Query(alias="status")] = None,
    cursor: CursorParam = None,
    limit: LimitParam = 50,
) -> Page[ManualRequestReviewRead]:
    """The estate's manual verification requests (organiser, street office or admin); ID numbers masked."""
    await ensure_can_manage_estate(session, principal, estate_id)
    statement = repository.estate_requests_statement(estate_id, review_status)
    rows, next_cursor = await paginate(session, statement, key=ManualVerificationRequest.id, cursor=cursor, limit=limit)
    available = await repository.document_request_ids(session, [row.id for row in rows])
    return Page(
        items=[ManualRequestReviewRead.for_review(row, document_available=row.id in available) for row in rows],
        next_cursor=next_cursor,
    )


@router.get(
    "/estates/{estate_id}/verification-requests/{request_id}",
    response_model=ManualRequestReviewRead,
    responses=problem_responses(*REVIEW_ERRORS),
)
async def get_verification_request(
    estate_id: EstateId, request_id: RequestId, session: SessionDep, principal: CurrentPrincipal
) -> ManualRequestReviewRead:
    """One manual verification request."""
    row, available = await service.get_request(session, principal, estate_id, request_id)
    return ManualRequestReviewRead.for_review(row, document_available=available)


@router.get(
    "/estates/{estate_id}/verification-requests/{request_id}/document",
    response_class=Response,
    responses={
        200: {
            "description": "The document as uploaded",
            "content": {"image/jpeg": {}, "image/png": {}, "application/pdf": {}},
        },
        **problem_responses(*REVIEW_ERRORS, errors.DocumentDeleted),
    },
)
async def get_verification_document(
    estate_id: EstateId,
    request_id: RequestId,
    session: SessionDep,
    principal: CurrentPrincipal,
    request: Request,
    cipher: CipherDep,
) -> Response:
    """The uploaded document, decrypted; every view is recorded as an identity event."""
    content_type, content = await service.read_document(session, principal, estate_id, request_id, cipher=cipher)
    return Response(
        content=content,
        media_type=content_type,
        headers={"Cache-Control": "no-store", "Content-Disposition": f'inline; filename="{request_id}"'},
    )


@router.post(
    "/estates/{estate_id}/verification-requests/{request_id}/approve",
    response_model=ManualRequestReviewRead,
    responses=problem_responses(
        *REVIEW_ERRORS, errors.AlreadyDecided, errors.OwnerNotInRegister, errors.AlreadyVerified
    ),
)
async def approve_verification_request(
    estate_id: EstateId,
    request_id: RequestId,
    body: ApproveCommand,
    session: SessionDep,
    principal: CurrentPrincipal,
    clock: Clock,
    cipher: CipherDep,
) -> ManualRequestReviewRead:
    """Approve: the applicant's account is linked to the person with the claimed ID number, bound in this estate
    when its register lists them (``OWNER`` requests need that); a ``PERSON`` request without a home here is
    verified as a person only (R-CAST-3..5)."""
    row = await service.approve(
        session, principal, estate_id, request_id, reason=body.reason, now=clock(), cipher=cipher
    )
    return await _review_read(session, row)


@router.post(
    "/estates/{estate_id}/verification-requests/{request_id}/reject",
    response_model=ManualRequestReviewRead,
    responses=problem_responses(*REVIEW_ERRORS, errors.AlreadyDecided),
)
async def reject_verification_request(
    estate_id: EstateId,
    request_id: RequestId,
    body: RejectCommand,
    session: SessionDep,
    principal: CurrentPrincipal,
    clock: Clock,
) -> ManualRequestReviewRead:
    """Reject with a reason the applicant can read."""
    row = await service.reject(session, principal, estate_id, request_id, reason=body.reason, now=clock())
    return await _review_read(session, row)
