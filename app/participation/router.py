"""Participation without answers (R-PART): the groups that have not voted, and a reminder to them."""

from __future__ import annotations

from fastapi import APIRouter, status

from app.common.errors import InvalidCursor, Unauthenticated
from app.common.pagination import PageQuery
from app.errors import NotFound
from app.http.deps import Clock, CurrentPrincipal, SessionDep
from app.http.paths import VoteId
from app.http.problems import problem_responses
from app.participation import service
from app.participation.errors import NoOneToRemind, ParticipationNotOpen, ParticipationNotOpenToRole, ReminderTooSoon
from app.participation.schemas import NotVotedPageRead, ParticipationReminderRead
from app.vote.errors import NotThisVotesOrganiser

router = APIRouter(tags=["participation"])
ACCESS_ERRORS = (Unauthenticated, NotFound, ParticipationNotOpenToRole, ParticipationNotOpen)


@router.get(
    "/votes/{vote_id}/participation/not-voted",
    response_model=NotVotedPageRead,
    responses=problem_responses(*ACCESS_ERRORS, InvalidCursor),
)
async def list_not_voted(
    vote_id: VoteId, session: SessionDep, principal: CurrentPrincipal, clock: Clock, page: PageQuery
) -> NotVotedPageRead:
    """While the vote is open: totals, and the voter groups that have not voted with their units (masked owner
    names for the organiser). Organiser, street office and operators only; never answers or cast times."""
    result = await service.not_voted(session, principal, vote_id, now=clock(), cursor=page.cursor, limit=page.limit)
    return NotVotedPageRead.of(result)


@router.post(
    "/votes/{vote_id}/participation/reminders",
    status_code=status.HTTP_201_CREATED,
    response_model=ParticipationReminderRead,
    responses=problem_responses(*ACCESS_ERRORS, NotThisVotesOrganiser, ReminderTooSoon, NoOneToRemind),
)
async def send_reminder(
    vote_id: VoteId, session: SessionDep, principal: CurrentPrincipal, clock: Clock
) -> ParticipationReminderRead:
    """The organiser reminds the accounts of the groups that have not voted, through the notice outbox, at most
    once a day per vote (R-PART-3)."""
    reminder = await service.remind(session, principal, vote_id, now=clock())
    return ParticipationReminderRead.of(reminder, reminder.notice.published_at + service.REMINDER_INTERVAL)
