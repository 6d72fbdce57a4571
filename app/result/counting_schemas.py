"""Bodies of the counting session's routes (R-PAPER-3)."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, Field

from app.ballot.schemas import PaperReceptionOut
from app.common.schemas import Command, Instant
from app.rules.paper import WitnessRole


class WitnessIn(Command):
    account_id: uuid.UUID = Field(description="The witness's own account: they confirm by signing in with it")
    role: WitnessRole


class CountingOpen(Command):
    witnesses: list[WitnessIn] = Field(
        min_length=2, max_length=20,
        description="At least one owner of the estate and the residents' committee or the street office (R-PAPER-3)",
    )  # fmt: skip


class WitnessOut(BaseModel):
    """A witness as anyone reading the session sees them: pseudonym and role, no name or phone."""

    witness: str
    role: WitnessRole
    confirmed_at: Instant | None


class CountingStateOut(BaseModel):
    vote_id: uuid.UUID
    status: Literal["NOT_OPENED", "OPEN", "CONFIRMING", "SIGNED_OFF"] = Field(
        description="NOT_OPENED, OPEN (entries), CONFIRMING (frozen) or SIGNED_OFF"
    )
    opened_at: Instant | None
    signed_off_at: Instant | None
    witnesses: list[WitnessOut]
    receptions: list[PaperReceptionOut]
