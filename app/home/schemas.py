"""Response bodies of the owners' home screen. No body carries a name, an ID number or a phone number, nor how any
group voted (R-PUB-1, R-PUB-2, R-PI-5)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from app.common.schemas import Instant, ReadModel, UnitRef
from app.home.service import HomeState, MyEstate, MyGroup, MyVote
from app.rules import labels
from app.rules.lifecycle import VoteStatus
from app.rules.numeric import area_display
from app.vote.lifecycle import status_at
from app.vote.models import OrganiserKind, VotingMethod


class MyEstateRead(ReadModel):
    id: uuid.UUID
    community_id: uuid.UUID
    name: str
    address: str | None
    acting_as: list[str] = Field(
        description="OWNER (bound by real-name verification against this estate's register) and/or the kinds of the "
        "grants in force here: LEGAL_REPRESENTATIVE, SEALED_AUTHORISATION, GUARDIAN, DESIGNATED_REPRESENTATIVE, PROXY"
    )
    acting_as_zh: list[str] = Field(description="The same in Chinese")

    @classmethod
    def of(cls, item: MyEstate) -> MyEstateRead:
        relations = item.reach.relations
        return cls.from_attributes_of(
            item.estate, acting_as=relations, acting_as_zh=[labels.zh(labels.BASES, code) for code in relations]
        )


class MyVoteGroupRead(BaseModel):
    """A voter group of the vote's roll the caller is in or acts for: whether it has voted, never how."""

    group_id: str = Field(description="The `group_id` to cast with (`POST /votes/{vote_id}/ballots`)")
    units: list[UnitRef] = Field(description="The group's units: key as on the roll (building-entrance-room) and parts")
    area: int = Field(description="Voting area in 0.01 m² units (R-NUM-1)")
    area_m2: str
    acting_as: list[str] = Field(description="OWNER and/or the kinds of the caller's grants for this group")
    acting_as_zh: list[str]
    voted: bool = Field(description="A counted ballot exists for the group (by whoever cast it; never its answers)")
    voted_zh: str

    @classmethod
    def of(cls, item: MyGroup) -> MyVoteGroupRead:
        return cls(
            group_id=item.group.group_id,
            units=[UnitRef.of_key(unit) for unit in item.group.unit_keys],
            area=item.group.area,
            area_m2=area_display(item.group.area),
            acting_as=list(item.acting_as),
            acting_as_zh=[labels.zh(labels.BASES, code) for code in item.acting_as],
            voted=item.voted,
            voted_zh="已投票" if item.voted else "未投票",
        )


class MyVoteRead(BaseModel):
    vote_id: uuid.UUID
    estate_id: uuid.UUID
    estate_name: str
    title: str
    organiser_kind: OrganiserKind
    voting_method: VotingMethod
    state: HomeState = Field(description="upcoming (notice period), open (voting window) or closed")
    state_zh: str
    effective_status: VoteStatus = Field(description="The stored status moved along by the clock (R-LIFE-5)")
    effective_status_zh: str
    starts_at: Instant
    ends_at: Instant
    groups: list[MyVoteGroupRead]
    all_voted: bool = Field(description="Every group the caller acts for has a counted ballot")

    @classmethod
    def of(cls, item: MyVote, now: datetime) -> MyVoteRead:
        vote = item.vote
        effective = status_at(vote, now)
        groups = [MyVoteGroupRead.of(group) for group in item.groups]
        return cls(
            vote_id=vote.id,
            estate_id=vote.estate_id,
            estate_name=item.estate.name,
            title=vote.title,
            organiser_kind=vote.organiser_kind,
            voting_method=vote.voting_method,
            state=item.state,
            state_zh=labels.zh(labels.HOME_STATES, item.state.value),
            effective_status=effective,
            effective_status_zh=labels.zh(labels.VOTE_STATUSES, effective.value),
            starts_at=vote.starts_at,
            ends_at=vote.ends_at,
            groups=groups,
            all_voted=bool(groups) and all(group.voted for group in groups),
        )


class MyVotesPage(BaseModel):
    items: list[MyVoteRead]
    next_cursor: str | None = None
