"""The restricted read of the audit log's payloads, for the operator, the street office and the auditor."""

from __future__ import annotations

from fastapi import APIRouter

from app.audit.errors import EntryRangeInvalid
from app.audit.router import End, Start, entries_out
from app.audit.schemas import LogEntriesOut
from app.common.errors import Forbidden, Unauthenticated
from app.http.deps import Clock, CurrentPrincipal, SessionDep
from app.http.problems import problem_responses
from app.integrity import restricted

router = APIRouter(tags=["log"])


@router.get(
    "/audit/entries",
    tags=["audit"],
    response_model=LogEntriesOut,
    responses=problem_responses(Unauthenticated, Forbidden, EntryRangeInvalid),
)
async def restricted_log_entries(
    session: SessionDep, principal: CurrentPrincipal, clock: Clock, start: Start, end: End
) -> LogEntriesOut:
    """The same entries with the payloads the reader is entitled to: the operator all, the street office and the
    auditor those of their estates. Every read is logged (``log.entries_read``)."""
    tree_size, served = await restricted.authorised_view(session, principal, start, end, now=clock())
    return entries_out(start, end, tree_size, served)
