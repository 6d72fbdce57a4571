"""Every change of a vote's stored status, and where a vote stands at an instant.

``transition`` is the one place a vote's status is written: it checks the move against the transition table
(``app.rules.lifecycle.TRANSITIONS``, 409 otherwise), stamps the instant the move defines and appends the audit
entry that records it, in the caller's transaction. The caller holds the vote's row lock (``repository.lock_vote``
or ``repository.get_vote(…, for_update=True)``), has already refused the move with its own, more specific error
where the law says why, and builds the entry's payload: each kind of entry keeps its own content.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit_service
from app.audit.models import AuditEntry
from app.ledger.events import Event
from app.rules.lifecycle import VoteStatus, effective_status, ensure_transition
from app.vote.models import Vote


async def transition(
    session: AsyncSession,
    vote: Vote,
    to: VoteStatus,
    *,
    now: datetime,
    actor: str,
    event: Event,
) -> AuditEntry:
    """Move ``vote`` to ``to`` and append ``event`` (built by ``app.ledger.events``); the entry is returned."""
    before = vote.status
    ensure_transition(before, to)
    vote.status = to
    if before is VoteStatus.DRAFT:  # R-LIFE-2: the notice is published
        vote.published_at = now.astimezone(UTC)
        vote.published_by = actor
    elif to is VoteStatus.CLOSED:
        vote.closed_at = vote.ends_at  # R-LIFE-8: the decision instant is the publicised close, whenever this runs
    elif to is VoteStatus.DECIDED:
        vote.decided_at = now
    elif to is VoteStatus.RESULT_PUBLISHED:
        vote.result_published_at = now
    return await audit_service.append(session, event, estate_id=vote.estate_id, vote_id=vote.id, at=now)


def status_at(vote: Vote, now: datetime) -> VoteStatus:
    """R-LIFE-5 "applied on read": the clock moves a published vote into and out of its window, once its notice is
    posted on site (R-NOTICE-3; unposted it stays PUBLISHED)."""
    return effective_status(
        vote.status, starts_at=vote.starts_at, ends_at=vote.ends_at, now=now, posted=vote.posted_at is not None
    )
