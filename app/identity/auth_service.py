"""Sign-in with a mobile number and a one-time code; rotating refresh tokens.

* Codes are 6 digits from ``secrets``, valid 5 minutes, single use, at most 5 wrong attempts. Only
  ``HMAC(phone_index:code)`` is stored, so a code hash cannot be replayed against another number.
* One code per number per minute and 5 per hour (``RateLimited`` with the time to wait).
* A refresh token is ``evr_`` + 32 random bytes, stored only as an HMAC hash, valid 30 days and single use:
  each refresh marks it used and issues the next link of the same family. Presenting a used link again
  means it was copied, so the whole family is revoked (RFC 9700 §4.14.2, refresh token rotation).
* Phones refresh twice at once (two tabs, a retry after a timeout). For ``REFRESH_GRACE`` after a link is used,
  presenting it again returns the *same* next link (with a fresh access token), as long as that next link has not
  been used itself; later, or once the family has moved on, it is reuse as above. The next link's secret is
  derived from the used one under the server's token key, so it can be given again without being stored.
* Refusals that must leave a trace (attempt counters, revoked families) are *returned* as ``Refused``
  instead of raised, so the request transaction commits them; the router renders the problem.
* Every outcome worth auditing is an identity event; details hold ids and blind-index prefixes only.

Phone numbers are handled under R-PI-1 and stored like R-PI-2 identifiers (ciphertext plus blind index).
"""

from __future__ import annotations

import hmac
import math
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.common.access import Principal, Scope
from app.common.schemas import beijing_rfc3339
from app.errors import DomainError
from app.identity import events
from app.identity.accounts import create_account, find_account, phone_or_raise
from app.identity.auth_errors import (
    AccountDisabled,
    AccountRequired,
    CodeInvalid,
    RateLimited,
    RefreshInvalid,
    RefreshReused,
)
from app.identity.models import Account, OtpChallenge, RefreshToken
from app.identity.phone import PHONE_FIELD
from app.identity.service import TokenHasher
from app.identity.tokens import IssuedToken, TokenService
from app.ledger.events import EventKind
from app.security.pii import FieldCipher

CODE_DIGITS: Final = 6
CODE_TTL: Final = timedelta(minutes=5)
RESEND_INTERVAL: Final = timedelta(seconds=60)
CODES_PER_WINDOW: Final = 5
RATE_WINDOW: Final = timedelta(hours=1)
MAX_ATTEMPTS: Final = 5
REFRESH_PREFIX: Final = "evr_"
REFRESH_TTL: Final = timedelta(days=30)
REFRESH_GRACE: Final = timedelta(seconds=30)
ACTOR: Final = "auth:sms_code"
LOGIN_PURPOSE: Final = "login"


@dataclass(frozen=True, slots=True)
class IssuedCode:
    phone: str = field(repr=False)  # normalised; for the sender only, never stored
    code: str = field(repr=False)
    expires_in: int
    resend_after: int


@dataclass(frozen=True, slots=True)
class SignedIn:
    account: Account
    access: IssuedToken
    access_expires_in: int
    refresh_token: str = field(repr=False)
    refresh_expires_in: int


@dataclass(frozen=True, slots=True)
class Refused:
    """A refusal whose writes must still commit; the router returns ``error`` as the problem response."""

    error: DomainError


def _seconds(delta: timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds()))


def _index_prefix(index: str) -> str:
    """Enough of a blind index to correlate events about one number, too little to test a guess offline."""
    return index[:8]


async def _serialise_per_phone(session: AsyncSession, phone_index: str) -> None:
    """PostgreSQL: one transaction per number at a time, so concurrent requests cannot both pass the limits.

    SQLite needs nothing: every write transaction starts with ``BEGIN IMMEDIATE`` and so runs alone.
    """
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(bytes.fromhex(phone_index[:16]), "big", signed=True)
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _retry_at(recent: list[datetime], now: datetime) -> datetime | None:
    """When the next code may be sent, given this number's codes of the last hour (oldest first)."""
    waits = []
    if recent and recent[-1] + RESEND_INTERVAL > now:
        waits.append(recent[-1] + RESEND_INTERVAL)
    if len(recent) >= CODES_PER_WINDOW:
        waits.append(recent[-CODES_PER_WINDOW] + RATE_WINDOW)
    return max(waits) if waits else None


def _code_hash(hasher: TokenHasher, phone_index: str, code: str) -> str:
    return hasher.hash(f"{phone_index}:{code}")


async def request_code(
    session: AsyncSession, phone: str, *, cipher: FieldCipher, hasher: TokenHasher, now: datetime
) -> IssuedCode:
    """Create a login code for ``phone``; the caller sends it after the transaction commits.

    The answer is the same whether or not the number has an account.
    """
    normalised = phone_or_raise(phone)
    index = cipher.blind_index(PHONE_FIELD, normalised)
    await _serialise_per_phone(session, index)
    recent = list(
        (
            await session.scalars(
                select(OtpChallenge.created_at)
                .where(OtpChallenge.phone_index == index, OtpChallenge.created_at > now - RATE_WINDOW)
                .order_by(OtpChallenge.created_at)
            )
        ).all()
    )
    retry_at = _retry_at(recent, now)
    if retry_at is not None:
        wait = _seconds(retry_at - now)
        raise RateLimited(
            retry_after=wait, extra={"retry_after": wait, "retry_at": beijing_rfc3339(retry_at, round_up=True)}
        )
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    session.add(
        OtpChallenge(
            phone_index=index,
            code_hash=_code_hash(hasher, index, code),
            expires_at=now + CODE_TTL,
            attempts=0,
            created_at=now,
        )
    )
    await session.flush()
    return IssuedCode(
        phone=normalised,
        code=code,
        expires_in=int(CODE_TTL.total_seconds()),
        resend_after=int(RESEND_INTERVAL.total_seconds()),
    )


async def login(
    session: AsyncSession,
    phone: str,
    code: str,
    *,
    cipher: FieldCipher,
    hasher: TokenHasher,
    tokens: TokenService,
    now: datetime,
) -> SignedIn | Refused:
    """Check the code against the number's latest challenge; on success sign in (creating the account).

    Only the latest challenge counts: a newer code supersedes older ones. Wrong, expired, used, exhausted
    and missing codes are all ``auth.code_invalid``.
    """
    normalised = phone_or_raise(phone)
    index = cipher.blind_index(PHONE_FIELD, normalised)
    presented = _code_hash(hasher, index, code)  # computed on every path, so timing tells nothing
    challenge = await session.scalar(
        select(OtpChallenge)
        .where(OtpChallenge.phone_index == index)
        .order_by(OtpChallenge.created_at.desc(), OtpChallenge.id.desc())
        .limit(1)
        .with_for_update()
    )
    if (
        challenge is None
        or challenge.consumed_at is not None
        or challenge.expires_at <= now
        or challenge.attempts >= MAX_ATTEMPTS
    ):
        return Refused(CodeInvalid())
    if not hmac.compare_digest(challenge.code_hash, presented):
        challenge.attempts += 1
        await session.flush()
        if challenge.attempts >= MAX_ATTEMPTS:
            await events.record(
                session,
                EventKind.IDENTITY_AUTH_CODE_LOCKED,
                actor=ACTOR,
                details={"challenge_id": str(challenge.id), "phone_index": _index_prefix(index)},
            )
        return Refused(CodeInvalid())
    challenge.consumed_at = now
    await session.flush()
    account = await find_account(session, normalised, cipher=cipher)
    created = account is None
    if account is None:
        account = await create_account(session, normalised, cipher=cipher, now=now, actor=ACTOR, via="sms_login")
    if account.disabled_at is not None:
        await events.record(
            session,
            EventKind.IDENTITY_AUTH_LOGIN_REFUSED,
            actor=ACTOR,
            account_id=account.id,
            details={"reason": "disabled"},
        )
        return Refused(AccountDisabled())
    await events.record(
        session,
        EventKind.IDENTITY_AUTH_LOGIN,
        actor=ACTOR,
        account_id=account.id,
        details={"method": "sms_code", "new_account": created},
    )
    return await _sign_in(session, account, family_id=uuid.uuid4(), hasher=hasher, tokens=tokens, now=now)


async def _sign_in(
    session: AsyncSession,
    account: Account,
    *,
    family_id: uuid.UUID,
    hasher: TokenHasher,
    tokens: TokenService,
    now: datetime,
    secret: str | None = None,
) -> SignedIn:
    """Issue an access token and store a new refresh link (``secret``, or a random one for a new sign-in)."""
    secret = secret or REFRESH_PREFIX + secrets.token_urlsafe(32)
    session.add(
        RefreshToken(
            family_id=family_id,
            account_id=account.id,
            token_hash=hasher.hash(secret),
            expires_at=now + REFRESH_TTL,
            created_at=now,
        )
    )
    await session.flush()
    return _signed_in(account, secret, tokens=tokens, now=now)


def _signed_in(account: Account, secret: str, *, tokens: TokenService, now: datetime) -> SignedIn:
    access = tokens.issue_access(str(account.id), now=now)
    return SignedIn(
        account=account,
        access=access,
        access_expires_in=int(tokens.access_ttl.total_seconds()),
        refresh_token=secret,
        refresh_expires_in=int(REFRESH_TTL.total_seconds()),
    )


async def _find_refresh_token(session: AsyncSession, secret: str, *, hasher: TokenHasher) -> RefreshToken | None:
    # Looked up by its keyed hash: timing of the index lookup reveals nothing about the secret itself.
    return await session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == hasher.hash(secret)).with_for_update()
    )


def _next_secret(secret: str, *, hasher: TokenHasher) -> str:
    """The next link of a family, derived from the link it replaces under the token key (see module docstring)."""
    return REFRESH_PREFIX + hasher.hash("refresh-next:" + secret)


async def _revoke_family(session: AsyncSession, family_id: uuid.UUID, *, now: datetime) -> int:
    """Revoke every live link of a family; the number of links revoked."""
    live = await session.scalar(
        select(func.count())
        .select_from(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
    )
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return int(live or 0)


async def refresh(
    session: AsyncSession, secret: str, *, hasher: TokenHasher, tokens: TokenService, now: datetime
) -> SignedIn | Refused:
    """Rotate: mark the token used and issue the next link of its family with a new access token."""
    row = await _find_refresh_token(session, secret, hasher=hasher)
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return Refused(RefreshInvalid())
    account = await session.get(Account, row.account_id)
    if row.used_at is not None:
        successor = _next_secret(secret, hasher=hasher)
        if account is not None and account.disabled_at is None and now - row.used_at <= REFRESH_GRACE:
            following = await _find_refresh_token(session, successor, hasher=hasher)
            if following is not None and following.used_at is None and following.revoked_at is None:
                return _signed_in(account, successor, tokens=tokens, now=now)
        await _revoke_family(session, row.family_id, now=now)
        await events.record(
            session,
            EventKind.IDENTITY_AUTH_REFRESH_REUSED,
            actor=f"account:{row.account_id}",
            account_id=row.account_id,
            details={"family_id": str(row.family_id), "token_id": str(row.id)},
        )
        return Refused(RefreshReused())
    if account is None or account.disabled_at is not None:
        await _revoke_family(session, row.family_id, now=now)
        return Refused(AccountDisabled())
    row.used_at = now
    await session.flush()
    return await _sign_in(
        session,
        account,
        family_id=row.family_id,
        hasher=hasher,
        tokens=tokens,
        now=now,
        secret=_next_secret(secret, hasher=hasher),
    )


async def logout(session: AsyncSession, secret: str, *, hasher: TokenHasher, now: datetime) -> None:
    """Revoke the family of a refresh token; unknown, expired and already revoked tokens change nothing."""
    row = await _find_refresh_token(session, secret, hasher=hasher)
    if row is None:
        return
    if await _revoke_family(session, row.family_id, now=now):
        await events.record(
            session,
            EventKind.IDENTITY_AUTH_LOGOUT,
            actor=f"account:{row.account_id}",
            account_id=row.account_id,
            details={"family_id": str(row.family_id)},
        )


@dataclass(frozen=True, slots=True)
class Me:
    account: Account
    roles: tuple[Scope, ...]


async def me(session: AsyncSession, principal: Principal) -> Me:
    """The caller's account and live roles; API keys have no account."""
    if principal.account_id is None:
        raise AccountRequired()
    account = await session.get(Account, principal.account_id)
    if account is None:  # the principal was built from this account in the same transaction
        raise AccountRequired()
    return Me(account=account, roles=principal.scopes)
