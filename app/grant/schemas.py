from __future__ import annotations

import uuid
from enum import StrEnum

from pydantic import AliasChoices, AwareDatetime, BaseModel, Field

from app.common.schemas import Command, Instant, ReadModel, UnitRef
from app.grant.models import ActingKind, GrantStatus
from app.rules.casting import ActingBasis


class ProxyAuthority(StrEnum):
    """CC Art. 165: the scope of authority, as the agent sees fit or as instructed."""

    FREE = "FREE"
    INSTRUCTED = "INSTRUCTED"


class GrantRelation(StrEnum):
    REQUESTER = "REQUESTER"
    GRANTEE = "GRANTEE"
    OWNER = "OWNER"  # the caller is an owner of the group (for example a co-owner asked to sign)


class ProxyScopeBody(Command):
    vote_ids: list[uuid.UUID] | None = Field(
        None, min_length=1, max_length=100, description="Votes covered; omitted: any vote"
    )
    topic_ids: list[uuid.UUID] | None = Field(
        None, min_length=1, max_length=500, description="Topics covered; omitted: any topic"
    )
    authority: ProxyAuthority = ProxyAuthority.FREE
    instructions: str | None = Field(None, max_length=2000, description="Voting instructions (INSTRUCTED)")


class GrantCreate(Command):
    group_id: str = Field(
        pattern=r"^[0-9a-f]{32}$",
        validation_alias=AliasChoices("group_id", "group_key"),
        description="The voter group's id from /me/groups or the estate's roll (`group_key` is still accepted)",
    )
    kind: ActingKind
    grantee_phone: str | None = Field(
        None,
        max_length=20,
        description="PROXY: the agent's mobile number; DESIGNATED_REPRESENTATIVE: the co-owner's (default: you)",
    )
    evidence_type: str = Field(min_length=1, max_length=50, description="e.g. E_SIGNATURE, PAPER_SCAN, LICENCE")
    evidence_sha256: str | None = Field(None, pattern=r"^[0-9a-f]{64}$")
    evidence_note: str | None = Field(None, max_length=500)
    scope: ProxyScopeBody | None = Field(None, description="PROXY only: votes, topics and authority")
    valid_from: AwareDatetime | None = Field(None, description="Inclusive")
    valid_until: AwareDatetime | None = Field(None, description="Exclusive")


class GrantReject(Command):
    reason: str = Field(min_length=1, max_length=500)


class ProxyScopeRead(BaseModel):
    vote_ids: list[str] | None = None
    topic_ids: list[str] | None = None
    authority: ProxyAuthority | None = None
    instructions: str | None = None


class PartyRead(BaseModel):
    """A party to a grant: no display name, so the answer to a request names no more than the caller gave (the same
    answer whether or not the phone number's holder had an account, or a name)."""

    account_id: uuid.UUID
    phone: str = Field(description="Masked: last four digits only")


class GrantRead(ReadModel):
    id: uuid.UUID
    estate_id: uuid.UUID
    group_id: str = Field(description="The voter group's id in the estate (as in the roll and /me/groups)")
    kind: ActingKind
    status: GrantStatus
    in_force: bool = Field(description="Approved and within its validity period now")
    grantee: PartyRead
    requested_by: PartyRead
    evidence_type: str
    evidence_sha256: str | None
    evidence_note: str | None
    scope: ProxyScopeRead | None
    valid_from: Instant | None
    valid_until: Instant | None
    signatures_signed: int = Field(description="Owners of the group who signed (R-CAST-4)")
    signatures_required: int = Field(description="Owners of the group (all sign, or the designated representative)")
    decided_at: Instant | None
    decided_by: str | None
    decision_reason: str | None
    revoked_at: Instant | None
    used_at: Instant | None
    created_at: Instant


class MyGrantRead(GrantRead):
    estate_name: str
    relations: list[GrantRelation]


class MyGroupRead(BaseModel):
    estate_id: uuid.UUID
    estate_name: str
    group_id: str = Field(description="The voter group's id in the estate (32 hex): the `group_id` to cast with")
    bases: list[ActingBasis] = Field(description="Why you may act for the group (R-CAST), sorted")
    grant_ids: list[uuid.UUID] = Field(description="The approved grants the bases rest on, if any")
    heads: int = Field(description="Always 1: a voter group is one head (R-HEAD-1)")
    area: int = Field(description="Voting area in 0.01 m² (R-AREA-5)")
    area_m2: str
    units: list[UnitRef]
    co_owners: int = Field(description="Size of the group's owner set (1: sole owner)")
    is_developer: bool


class MyGroupList(BaseModel):
    items: list[MyGroupRead]
