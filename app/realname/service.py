"""Real-name verification (R-CAST-1, R-PI-1..4) and its abuse limits.

Three ways to link an account to a natural-person owner of the register:

* **Register match**: the resident ID number plus a property-certificate number of a unit that the same person
  owns in the LATEST register version of some estate (the non-biometric path R-PI-3 requires).
* **Identity provider**: a signed assertion of a configured provider (``app.realname.idp``) for an ID number
  that owns a unit in some latest register version; only result, transaction id and time are kept (R-PI-3).
* **Manual review**: the organiser or street office of the estate reviews an uploaded document (R-PI-4); the
  document is deleted 30 days after the decision, the decision record stays.

Every self-service attempt is recorded (``VerificationAttempt`` plus an identity event), and failed attempts lock
self-service verification per account and per ID number. A refused attempt must be *persisted* although the
answer is an error, so these functions RETURN the error (``Outcome``) instead of raising it: raising would roll
the request's transaction back and un-count the failure. Mismatches all give one code, so the answer never tells
whether an ID number is in the register. ID numbers appear in events only as a blind-index prefix (R-PI-2).
"""

from __future__ import annotations

import hashlib
import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit_service
from app.common.access import Principal
from app.common.errors import Forbidden
from app.errors import DomainError, NotFound, Text
from app.identity import events
from app.identity.models import Account
from app.ledger.events import EventKind, identifier_targeted
from app.notice import service as notice_service
from app.notice.models import Audience, NoticeKind
from app.place import repository as place_repository
from app.place.access import ensure_can_manage_estate
from app.realname import binding, repository
from app.realname.documents import seal, sniff_content_type, unseal
from app.realname.errors import (
    AccountRequired,
    AlreadyDecided,
    AlreadyVerified,
    AssertionInvalid,
    DocumentDeleted,
    DocumentUnsupported,
    IdNumberInvalid,
    OwnerNotInRegister,
    RequestPending,
    VerificationLocked,
    VerificationMismatch,
)
from app.realname.idp import IdentityProviders
from app.realname.models import (
    ManualVerificationRequest,
    ReviewStatus,
    VerificationAttempt,
    VerificationDocument,
    VerificationMethod,
    VerificationPurpose,
)
from app.register import repository as register_repository
from app.register.identifiers import IdentityDocument, valid_identifier, valid_resident_id
from app.register.models import Owner, OwnerKind
from app.register.repository import OWNER_IDENTIFIER_FIELD, owner_identifier_index
from app.register.service import CERTIFICATE_FIELD
from app.security.pii import FieldCipher, normalise_identifier
from app.settings import Settings

PURGE_ACTOR: Final = "system:document-purge"
INDEX_PREFIX: Final = 12  # blind-index characters kept in events to correlate attempts on one ID number
ALERT_TITLE: Final = "实名认证异常提醒"
ALERT_BODY: Final = (
    "近 {hours} 小时内，有人使用本小区一位业主的身份证件号码进行实名认证，已连续失败 {failures} 次"
    "（号码不在此显示；可按索引前缀 {prefix} 查阅认证记录）。请核实是否有人冒用该业主身份。"
    "这些失败不会锁定该业主本人的认证。"
)
CLIENT_ADDRESS_FIELD: Final = "verification_attempt.client_address"
NO_IDENTIFIER: Final = ""  # attempt index when no trustworthy ID number was presented (a rejected assertion)


@dataclass(frozen=True, slots=True)
class Limits:
    """Failed attempts within ``window``: ``max_failures`` lock the account, ``max_failures_per_identifier`` the
    account for that ID number, ``max_failures_per_address`` the client address. Failures against one ID number
    from other accounts and addresses never lock it, so an attacker cannot lock its owner out; at
    ``identifier_alert_failures`` they alert the owner's estates instead."""

    max_failures: int = 5
    max_failures_per_identifier: int = 3
    max_failures_per_address: int = 20
    identifier_alert_failures: int = 5
    window: timedelta = timedelta(hours=24)
    document_retention: timedelta = timedelta(days=30)

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            max_failures=settings.verification_max_failures,
            max_failures_per_identifier=settings.verification_max_failures_per_identifier,
            max_failures_per_address=settings.verification_max_failures_per_address,
            identifier_alert_failures=settings.verification_identifier_alert_failures,
            window=timedelta(seconds=settings.verification_failure_window_seconds),
            document_retention=timedelta(days=settings.verification_document_retention_days),
        )


@dataclass(frozen=True, slots=True)
class Verified:
    method: VerificationMethod
    owner: Owner
    estates: list[uuid.UUID]


Outcome = Verified | DomainError


@dataclass(frozen=True, slots=True)
class Status:
    account: Account
    owner: Owner | None
    locked_until: datetime | None
    pending: Sequence[ManualVerificationRequest] = field(default_factory=list)


def client_index(cipher: FieldCipher, client_address: str | None) -> str | None:
    """The keyed hash attempts are counted by per address: the address itself is personal data, never stored."""
    return cipher.blind_index(CLIENT_ADDRESS_FIELD, client_address) if client_address else None


def require_account(principal: Principal) -> uuid.UUID:
    """Verification binds a person's account; API keys (services, operators) have none."""
    if principal.account_id is None:
        raise AccountRequired()
    return principal.account_id


async def _account(session: AsyncSession, account_id: uuid.UUID) -> Account:
    account = await repository.account_for_update(session, account_id)
    if account is None:  # the principal was just resolved from it; only a concurrent deletion gets here
        raise AccountRequired()
    return account


async def _lock(
    session: AsyncSession,
    limits: Limits,
    now: datetime,
    *,
    account_id: uuid.UUID,
    identifier_index: str | None,
    client_index: str | None,
) -> VerificationLocked | None:
    """Locked while too many failures lie within the window for the account, for the account with this ID number,
    or for the client address; never for the ID number alone (that would let anyone lock its owner out).

    ``retry_at`` is when enough of the counted failures have left the window to allow another attempt (with
    exactly the limit's number of failures: when the oldest one leaves).
    """
    since = now - limits.window
    retry_at: datetime | None = None
    series = [(await repository.failure_times(session, since=since, account_id=account_id), limits.max_failures)]
    if identifier_index:
        series.append(
            (
                await repository.failure_times(
                    session, since=since, account_id=account_id, identifier_index=identifier_index
                ),
                limits.max_failures_per_identifier,
            )
        )
    if client_index:
        series.append(
            (
                await repository.failure_times(session, since=since, client_index=client_index),
                limits.max_failures_per_address,
            )
        )
    for times, limit in series:
        if len(times) >= limit:
            candidate = times[len(times) - limit] + limits.window
            retry_at = candidate if retry_at is None else max(retry_at, candidate)
    if retry_at is None:
        return None
    return VerificationLocked(retry_at=retry_at, retry_after=max(1, math.ceil((retry_at - now).total_seconds())))


@dataclass(frozen=True, slots=True)
class _Attempt:
    """One self-service attempt as it is counted and logged: who, how, against which ID number, from where."""

    account: Account
    method: VerificationMethod
    identifier_index: str
    client_index: str | None
    limits: Limits
    now: datetime


async def _record_attempt(session: AsyncSession, attempt: _Attempt, *, succeeded: bool) -> None:
    session.add(
        VerificationAttempt(
            account_id=attempt.account.id,
            identifier_index=attempt.identifier_index,
            client_index=attempt.client_index,
            method=attempt.method,
            succeeded=succeeded,
            created_at=attempt.now,  # the lockout window is measured on the injected clock
        )
    )
    await session.flush()


def _actor(account: Account) -> str:
    return f"account:{account.id}"


async def _refuse(
    session: AsyncSession, account: Account, error: DomainError, *, method: VerificationMethod, reason: str
) -> DomainError:
    """An attempt that is not evaluated (locked, already verified): logged, not counted."""
    await events.record(
        session,
        EventKind.IDENTITY_VERIFICATION_LOCKED
        if isinstance(error, VerificationLocked)
        else EventKind.IDENTITY_VERIFICATION_REFUSED,
        actor=_actor(account),
        account_id=account.id,
        details={"method": method.value, "reason": reason, **error.extra},
    )
    return error


async def _fail(
    session: AsyncSession, attempt: _Attempt, error: DomainError, *, reason: str, details: dict[str, Any] | None = None
) -> DomainError:
    """A failed attempt: counted for the lockout and logged; the caller returns the error as the response."""
    await _record_attempt(session, attempt, succeeded=False)
    await events.record(
        session,
        EventKind.IDENTITY_VERIFICATION_FAILED,
        actor=_actor(attempt.account),
        account_id=attempt.account.id,
        details={
            "method": attempt.method.value,
            "reason": reason,
            "id_index_prefix": attempt.identifier_index[:INDEX_PREFIX] or None,
            **(details or {}),
        },
    )
    if attempt.identifier_index:
        await _alert_if_targeted(session, attempt.identifier_index, limits=attempt.limits, now=attempt.now)
    return error


async def _alert_if_targeted(session: AsyncSession, identifier_index: str, *, limits: Limits, now: datetime) -> None:
    """When failures against one ID number, from any accounts, reach the alert threshold within the window, tell
    the organisers and the street office of every estate where that person owns a unit (a notice, which is also
    an audit entry), and log an audit entry either way. Neither carries the ID number, only a prefix of its keyed
    blind index, which matches the ``verification.failed`` identity events without revealing the number."""
    failures = await repository.failure_times(session, since=now - limits.window, identifier_index=identifier_index)
    if len(failures) != limits.identifier_alert_failures:  # once as the threshold is reached, not on every failure
        return
    owner = await repository.person_owner(session, identifier_index)
    matches = await repository.register_matches(session, owner.id) if owner is not None else []
    estates = list(dict.fromkeys(estate for estate, *_ in matches))
    targeted = identifier_targeted(
        id_index_prefix=identifier_index[:INDEX_PREFIX],
        failures=len(failures),
        window_seconds=int(limits.window.total_seconds()),
        first_failure_at=failures[0].isoformat(),
    )
    for estate_id in estates:
        await notice_service.publish_notice(
            session,
            estate_id=estate_id,
            kind=NoticeKind.VERIFICATION_ALERT,
            title=ALERT_TITLE,
            body=ALERT_BODY.format(
                hours=math.ceil(limits.window.total_seconds() / 3600),
                failures=len(failures),
                prefix=identifier_index[:INDEX_PREFIX],
            ),
            now=now,
            audience=Audience.ORGANISERS.value,
        )
        await audit_service.append(session, targeted, estate_id=estate_id)
    if not estates:  # not an owner anywhere: nobody to warn, but the pattern stays on record
        await audit_service.append(session, targeted)


async def _verified_as_other(session: AsyncSession, account: Account, identifier_index: str) -> bool:
    if account.owner_id is None:
        return False
    current = await session.get(Owner, account.owner_id)
    return current is None or current.identifier_index != identifier_index


async def _link(
    session: AsyncSession,
    attempt: _Attempt,
    owner: Owner,
    *,
    reference: str | None,
    matches: Sequence[binding.Match],
    details: dict[str, Any] | None = None,
) -> Verified:
    """Link the account to the owner (idempotent for the same owner), bind it in each estate whose register proved
    it (R-CAST-1), and record the success."""
    account, method, now = attempt.account, attempt.method, attempt.now
    repeated = account.owner_id == owner.id
    if not repeated:
        account.owner_id = owner.id
        account.verified_at = now
        account.verification_method = method.value
        account.verification_reference = reference
    await binding.bind(session, account, owner.id, matches, method=method, actor=_actor(account), now=now)
    estates = await binding.bound_estates(session, account.id)
    # A person may verify a new phone's account too; recorded so a reviewer can see shared identities.
    other_accounts = await repository.other_accounts_of_owner(session, owner.id, account.id)
    await _record_attempt(session, attempt, succeeded=True)
    await events.record(
        session,
        EventKind.IDENTITY_VERIFICATION_SUCCEEDED,
        actor=_actor(account),
        account_id=account.id,
        details={
            "method": method.value,
            "owner_id": str(owner.id),
            "owner_identifier_last4": owner.identifier_last4,
            "estates": [str(estate_id) for estate_id in estates],
            "other_accounts": other_accounts,
            "repeated": repeated,
            **(details or {}),
        },
    )
    return Verified(VerificationMethod(account.verification_method or method.value), owner, estates)


@dataclass(frozen=True, slots=True)
class AttemptOrigin:
    """Who makes a self-service attempt, from where and when, and the limits it counts against.

    ``client_address`` is the address the rate limits count by (``app.http.ratelimit.client_key``).
    """

    account_id: uuid.UUID
    cipher: FieldCipher
    limits: Limits
    now: datetime
    client_address: str | None = None


async def verify_by_register(
    session: AsyncSession,
    origin: AttemptOrigin,
    *,
    id_number: str,
    certificate_number: str,
    document: IdentityDocument = IdentityDocument.RESIDENT_ID,
    estate_id: uuid.UUID | None = None,
) -> Outcome:
    """R-PI-3's non-biometric path: the identity document's number and the certificate number of a unit the person
    owns, both on the SAME unit row of an estate's current register; the account is bound in that estate only."""
    method = VerificationMethod.REGISTER_MATCH
    cipher, limits, now = origin.cipher, origin.limits, origin.now
    account = await _account(session, origin.account_id)
    id_number = normalise_identifier(id_number)
    index = owner_identifier_index(cipher, document, id_number)
    client = client_index(cipher, origin.client_address)
    locked = await _lock(session, limits, now, account_id=account.id, identifier_index=index, client_index=client)
    if locked is not None:
        return await _refuse(session, account, locked, method=method, reason="locked")
    attempt = _Attempt(account, method, index, client, limits, now)
    if document.for_organisations or not valid_identifier(document, id_number):
        return await _fail(session, attempt, IdNumberInvalid(), reason="id_invalid")
    if await _verified_as_other(session, account, index):
        return await _refuse(session, account, AlreadyVerified(), method=method, reason="already_verified")
    owner = await repository.person_owner(session, index)
    certificate_index = cipher.blind_index(CERTIFICATE_FIELD, certificate_number)
    rows = (
        await repository.register_matches(session, owner.id, certificate_index=certificate_index, estate_id=estate_id)
        if owner is not None
        else []
    )
    if owner is None or not rows:
        # No such person, or the certificate is not on a row of theirs: the same answer either way (no oracle).
        return await _fail(session, attempt, VerificationMismatch(), reason="mismatch")
    matches = [binding.Match(estate, version, unit_key, certificate) for estate, version, unit_key, certificate in rows]
    return await _link(session, attempt, owner, reference=None, matches=matches)


async def verify_by_assertion(
    session: AsyncSession, origin: AttemptOrigin, *, assertion: str, providers: IdentityProviders
) -> Outcome:
    """A provider's signed PASS for an ID number that owns a unit in some latest register version."""
    method = VerificationMethod.IDENTITY_PROVIDER
    cipher, limits, now = origin.cipher, origin.limits, origin.now
    account = await _account(session, origin.account_id)
    client = client_index(cipher, origin.client_address)
    locked = await _lock(session, limits, now, account_id=account.id, identifier_index=None, client_index=client)
    if locked is not None:
        return await _refuse(session, account, locked, method=method, reason="locked")
    try:
        facts = providers.verify(assertion, now=now)
        if facts.subject != str(account.id):
            raise AssertionInvalid(reason="wrong_subject")  # issued for another account: a replay
    except AssertionInvalid as error:
        unidentified = _Attempt(account, method, NO_IDENTIFIER, client, limits, now)
        return await _fail(session, unidentified, error, reason="assertion_invalid", details={"cause": error.reason})
    id_number = normalise_identifier(facts.id_number)
    index = cipher.blind_index(OWNER_IDENTIFIER_FIELD, id_number)
    attempt = _Attempt(account, method, index, client, limits, now)
    provider = {"issuer": facts.issuer, "txn": facts.transaction_id, "result": "PASS"}
    if await _verified_as_other(session, account, index):
        return await _refuse(session, account, AlreadyVerified(), method=method, reason="already_verified")
    if not valid_resident_id(id_number):
        return await _fail(session, attempt, VerificationMismatch(), reason="mismatch", details=provider)
    owner = await repository.person_owner(session, index)
    rows = await repository.register_matches(session, owner.id) if owner is not None else []
    if owner is None:
        # R-CAST-3..5: a legal representative, guardian or proxy (a tenant too) owns no home. The provider proved the
        # person, so the account is verified as that person; bound in no estate, it reaches none until an organiser
        # approves a grant there (R-CAST-1). A later register listing the person finds the same identity.
        owner = await register_repository.get_or_create_owner(
            session, kind=OwnerKind.PERSON, identifier=id_number, cipher=cipher
        )
    return await _link(
        session,
        attempt,
        owner,
        reference=facts.transaction_id,
        # The provider proved the person: bound in every estate whose current register lists them (maybe none).
        matches=[binding.Match(estate, version) for estate, version in {r[0]: r[1] for r in rows}.items()],
        details=provider | {"asserted_at": facts.issued_at.isoformat(), "person_only": not rows},
    )


async def status(session: AsyncSession, account_id: uuid.UUID, *, limits: Limits, now: datetime) -> Status:
    account = await session.get(Account, account_id)
    if account is None:
        raise AccountRequired()
    owner = await session.get(Owner, account.owner_id) if account.owner_id else None
    locked = await _lock(session, limits, now, account_id=account.id, identifier_index=None, client_index=None)
    return Status(
        account=account,
        owner=owner,
        locked_until=now + timedelta(seconds=locked.retry_after) if locked else None,
        pending=await repository.pending_requests(session, account.id),
    )


async def submit_manual_request(
    session: AsyncSession,
    account_id: uuid.UUID,
    *,
    estate_id: uuid.UUID,
    id_number: str,
    claimed_name: str,
    document_type: str,
    content: bytes,
    cipher: FieldCipher,
    now: datetime,
    identity_document: IdentityDocument = IdentityDocument.RESIDENT_ID,
    purpose: VerificationPurpose = VerificationPurpose.OWNER,
) -> ManualVerificationRequest:
    """R-PI-4: an application with one identity document, stored encrypted, for the estate's organiser to review.

    ``purpose`` PERSON: a legal representative, guardian or proxy proves who they are without owning a home
    (R-CAST-3..5); an account verified already has nothing to add that way."""
    account = await _account(session, account_id)
    await place_repository.get_estate(session, estate_id)
    id_number = normalise_identifier(id_number)
    if identity_document.for_organisations or not valid_identifier(identity_document, id_number):
        raise IdNumberInvalid()
    index = owner_identifier_index(cipher, identity_document, id_number)
    # Bound elsewhere, the same person may still be bound in this estate; never as somebody else.
    if await binding.bound_owner(session, account.id, estate_id) is not None or await _verified_as_other(
        session, account, index
    ):
        raise AlreadyVerified()
    if purpose is VerificationPurpose.PERSON and account.owner_id is not None:
        raise AlreadyVerified()
    if any(request.estate_id == estate_id for request in await repository.pending_requests(session, account.id)):
        raise RequestPending()
    content_type = sniff_content_type(content)
    if content_type is None:
        raise DocumentUnsupported()
    protected = cipher.protect(OWNER_IDENTIFIER_FIELD, id_number)
    request = ManualVerificationRequest(
        id=uuid.uuid4(),
        account_id=account.id,
        estate_id=estate_id,
        identifier_ciphertext=protected.ciphertext,
        identifier_index=index,
        identifier_last4=protected.last4,
        claimed_name=claimed_name,
        document_type=document_type,
        document_sha256=hashlib.sha256(content).hexdigest(),
        status=ReviewStatus.PENDING,
        purpose=purpose,
        identity_document=identity_document,
        created_at=now,
    )
    session.add(request)
    await session.flush()
    session.add(
        VerificationDocument(
            request_id=request.id, content_type=content_type, ciphertext=seal(cipher, request.id, content)
        )
    )
    await session.flush()
    await events.record(
        session,
        EventKind.IDENTITY_VERIFICATION_REQUESTED,
        actor=_actor(account),
        account_id=account.id,
        estate_id=estate_id,
        details={
            "request_id": str(request.id),
            "document_type": document_type,
            "content_type": content_type,
            "size": len(content),
            "id_index_prefix": protected.blind_index[:INDEX_PREFIX],
            "purpose": purpose.value,
        },
    )
    return request


async def _reviewable(
    session: AsyncSession, principal: Principal, estate_id: uuid.UUID, request_id: uuid.UUID, *, for_update: bool
) -> ManualVerificationRequest:
    """The estate's request; 404 for a request of another estate, or for an estate the principal has no role on."""
    await ensure_can_manage_estate(session, principal, estate_id)
    request = await repository.get_request(session, estate_id, request_id, for_update=for_update)
    if request is None:
        raise NotFound(what="verification request")
    return request


async def get_request(
    session: AsyncSession, principal: Principal, estate_id: uuid.UUID, request_id: uuid.UUID
) -> tuple[ManualVerificationRequest, bool]:
    """A request for review, and whether its document is still available."""
    request = await _reviewable(session, principal, estate_id, request_id, for_update=False)
    available = await repository.document_request_ids(session, [request.id])
    return request, request.id in available


async def read_document(
    session: AsyncSession,
    principal: Principal,
    estate_id: uuid.UUID,
    request_id: uuid.UUID,
    *,
    cipher: FieldCipher,
) -> tuple[str, bytes]:
    """The decrypted document and its content type; every view is logged (R-PI-2: access is logged)."""
    request = await _reviewable(session, principal, estate_id, request_id, for_update=False)
    document = await repository.get_document(session, request.id)
    if document is None or request.document_deleted_at is not None:
        raise DocumentDeleted()
    content = unseal(cipher, request.id, document.ciphertext)
    await _record_request_event(
        session, request, EventKind.IDENTITY_VERIFICATION_DOCUMENT_VIEWED, actor=principal.label
    )
    return document.content_type, content


async def _decidable(
    session: AsyncSession, principal: Principal, estate_id: uuid.UUID, request_id: uuid.UUID
) -> ManualVerificationRequest:
    request = await _reviewable(session, principal, estate_id, request_id, for_update=True)
    if request.status is not ReviewStatus.PENDING:
        raise AlreadyDecided(status=request.status.value)
    if principal.account_id is not None and principal.account_id == request.account_id:
        raise Forbidden(
            reason=Text("审核人不能审核本人的身份认证申请", "a reviewer cannot decide their own verification request")
        )
    return request


async def _decide(
    session: AsyncSession,
    request: ManualVerificationRequest,
    decision: ReviewStatus,
    *,
    principal: Principal,
    reason: str | None,
    now: datetime,
) -> None:
    request.status = decision
    request.reviewed_by = principal.label
    request.decided_at = now
    request.decision_reason = reason
    await session.flush()


async def _record_request_event(
    session: AsyncSession, request: ManualVerificationRequest, kind: EventKind, *, actor: str
) -> None:
    """An identity event on a manual request: it names the request and the document type, never the ID number."""
    await events.record(
        session,
        kind,
        actor=actor,
        account_id=request.account_id,
        estate_id=request.estate_id,
        details={"request_id": str(request.id), "document_type": request.document_type},
    )


async def approve(
    session: AsyncSession,
    principal: Principal,
    estate_id: uuid.UUID,
    request_id: uuid.UUID,
    *,
    reason: str | None,
    now: datetime,
    cipher: FieldCipher,
) -> ManualVerificationRequest:
    """Link the applicant to the person with the claimed ID number. An OWNER request needs the person on a unit of
    the estate's register and binds the account here (R-CAST-1); a PERSON request (a legal representative, guardian
    or proxy, R-CAST-3..5) verifies who they are and binds them only if the register lists them here too."""
    request = await _decidable(session, principal, estate_id, request_id)
    owner = await repository.person_owner(session, request.identifier_index)
    rows = await repository.register_matches(session, owner.id, estate_id=estate_id) if owner is not None else []
    if not rows and request.purpose is not VerificationPurpose.PERSON:
        raise OwnerNotInRegister()
    account = await _account(session, request.account_id)
    if owner is None:  # a person in no register: recorded under the document the applicant named
        owner = await register_repository.get_or_create_owner(
            session,
            kind=OwnerKind.PERSON,
            identifier=cipher.reveal(OWNER_IDENTIFIER_FIELD, request.identifier_ciphertext),
            cipher=cipher,
            document=request.identity_document,
        )
    if account.owner_id is not None and account.owner_id != owner.id:
        raise AlreadyVerified()
    if account.owner_id is None:
        account.owner_id = owner.id
        account.verified_at = now
        account.verification_method = VerificationMethod.MANUAL_REVIEW.value
        account.verification_reference = f"manual:{request.id}"
    # Reviewed by this estate's organiser against this estate's register: bound here only (R-CAST-1), and only if
    # the register lists the person here; a person without a home here reaches the estate only through a grant.
    await binding.bind(
        session,
        account,
        owner.id,
        [binding.Match(estate_id, rows[0][1])] if rows else [],
        method=VerificationMethod.MANUAL_REVIEW,
        actor=principal.label,
        now=now,
    )
    await _decide(session, request, ReviewStatus.APPROVED, principal=principal, reason=reason, now=now)
    await events.record(
        session,
        EventKind.IDENTITY_VERIFICATION_APPROVED,
        actor=principal.label,
        account_id=account.id,
        estate_id=estate_id,
        details={
            "request_id": str(request.id),
            "method": VerificationMethod.MANUAL_REVIEW.value,
            "owner_id": str(owner.id),
            "owner_identifier_last4": owner.identifier_last4,
            "document_type": request.document_type,
            "purpose": request.purpose.value,
            "bound": bool(rows),
            "other_accounts": await repository.other_accounts_of_owner(session, owner.id, account.id),
        },
    )
    return request


async def reject(
    session: AsyncSession,
    principal: Principal,
    estate_id: uuid.UUID,
    request_id: uuid.UUID,
    *,
    reason: str,
    now: datetime,
) -> ManualVerificationRequest:
    request = await _decidable(session, principal, estate_id, request_id)
    await _decide(session, request, ReviewStatus.REJECTED, principal=principal, reason=reason, now=now)
    await _record_request_event(session, request, EventKind.IDENTITY_VERIFICATION_REJECTED, actor=principal.label)
    return request


async def purge_decided_documents(
    session: AsyncSession, now: datetime, *, retention: timedelta = timedelta(days=30)
) -> int:
    """R-PI-4: delete the documents of requests decided more than ``retention`` before ``now``; keep the decisions.

    Returns how many documents were deleted. Safe to run from several processes at once (rows are locked).
    """
    due = await repository.requests_due_for_purge(session, now - retention)
    await repository.delete_documents(session, [request.id for request in due])
    for request in due:
        request.document_deleted_at = now
        await _record_request_event(
            session, request, EventKind.IDENTITY_VERIFICATION_DOCUMENT_DELETED, actor=PURGE_ACTOR
        )
    await session.flush()
    return len(due)
