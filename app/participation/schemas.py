"""Bodies of the participation view and the non-voters' reminder (R-PART): no answer, no instant of a cast."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from app.common.schemas import Instant
from app.participation.service import NotVotedPage, Reminder
from app.security.pii import mask_name


class ParticipationTotals(BaseModel):
    groups: int = Field(description="Voter groups on the vote's frozen roll (R-HEAD-1)")
    voted: int = Field(description="Groups with a counted ballot or a received paper ballot")
    voted_online: int
    voted_paper: int = Field(description="Groups whose paper ballot was received (R-PAPER-1)")
    not_voted: int


class NotVotedUnit(BaseModel):
    unit_key: str = Field(description="The unit's label as on the roll, e.g. 1-1-101")
    building: str
    entrance: str | None
    room: str
    owners: list[str] | None = Field(
        description="Owners' names masked to their first character (张**), for the organiser only; null otherwise"
    )


class NotVotedGroupRead(BaseModel):
    group_id: str = Field(description="The voter group's id in the estate")
    units: list[NotVotedUnit]


class NotVotedPageRead(BaseModel):
    """Who has not voted yet, never how anyone voted nor when (R-PART-1, docs/secrecy.md §5)."""

    vote_id: uuid.UUID
    totals: ParticipationTotals
    items: list[NotVotedGroupRead] = Field(description="Groups that have not voted, by group id")
    next_cursor: str | None = None

    @classmethod
    def of(cls, page: NotVotedPage) -> NotVotedPageRead:
        totals = page.totals
        return cls(
            vote_id=page.vote.id,
            totals=ParticipationTotals(
                groups=totals.groups,
                voted=totals.voted,
                voted_online=totals.voted_online,
                voted_paper=totals.voted_paper,
                not_voted=totals.not_voted,
            ),
            items=[
                NotVotedGroupRead(
                    group_id=entry.group.group_id,
                    units=[
                        NotVotedUnit(
                            unit_key=unit.unit_key,
                            building=unit.building,
                            entrance=unit.entrance,
                            room=unit.room,
                            owners=None if unit.owners is None else [mask_name(name) for name in unit.owners],
                        )
                        for unit in entry.units
                    ],
                )
                for entry in page.groups
            ],
            next_cursor=page.next_cursor,
        )


class ParticipationReminderRead(BaseModel):
    notice_id: uuid.UUID
    published_at: Instant
    groups_not_voted: int
    recipients: int = Field(description="Accounts the reminder is delivered to, one outbox message each")
    next_allowed_at: Instant = Field(description="The earliest instant of the vote's next reminder (R-PART-3)")

    @classmethod
    def of(cls, reminder: Reminder, next_allowed_at: datetime) -> ParticipationReminderRead:
        return cls(
            notice_id=reminder.notice.id,
            published_at=reminder.notice.published_at,
            groups_not_voted=reminder.groups_not_voted,
            recipients=reminder.recipients,
            next_allowed_at=next_allowed_at,
        )
