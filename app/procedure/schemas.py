"""Bodies of the rules-of-procedure routes (R-PROC-1)."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, Field

from app.common.schemas import Command, Instant, ReadModel
from app.rules.procedure import MIN_WINDOW_DAYS, BlankBallots, ElectionRanking, VacancyFilling


class ProcedureThresholdBody(Command):
    """A threshold (fraction) set by the rules of procedure for a category (R-CAT-4)."""

    num: int = Field(ge=0)
    den: int = Field(gt=0)
    strict: bool


class CategoryThresholdsBody(Command):
    """R-CAT-4: only stricter than CC 278 ¶2; a threshold left out is the statutory one."""

    quorum: ProcedureThresholdBody | None = None
    approval: ProcedureThresholdBody | None = None


class ProxiesBody(Command):
    allowed: bool = True
    max_per_agent: int | None = Field(default=None, ge=1, description="R-CAST-4: groups one agent may represent")


class ProcedureRulesBody(Command):
    """The counting options a rules-of-procedure version sets; a field left out keeps the statutory default."""

    include_parking: bool = Field(default=False, description="R-AREA-3: parking spaces are voting units")
    proxies: ProxiesBody = Field(default_factory=ProxiesBody)
    blank_ballots: BlankBallots = Field(
        default=BlankBallots.ABSTAIN, description="R-PROC-4: blank or spoiled paper ballots count as abstentions or not"
    )
    election_ranking: ElectionRanking = ElectionRanking.HEADS_THEN_AREA
    vacancy_filling: VacancyFilling = VacancyFilling.ALTERNATES_BY_RANK
    min_window_days: int = Field(default=MIN_WINDOW_DAYS, ge=MIN_WINDOW_DAYS, le=365)
    thresholds: dict[Literal["ORDINARY", "SPECIAL"], CategoryThresholdsBody] = Field(default_factory=dict)


class ProcedureRulesCreate(Command):
    document: ProcedureRulesBody


class ProcedureRulesRead(ReadModel):
    id: uuid.UUID
    estate_id: uuid.UUID
    document: dict[str, Any]
    sha256: str
    created_at: Instant
    adopted_at: Instant | None
    adopted_topic_id: uuid.UUID | None


class ProcedureRulesInForceRead(BaseModel):
    """R-PROC-2: the version in force, or the statutory defaults (``version_id`` null) of an estate without one."""

    version_id: uuid.UUID | None
    sha256: str
    document: dict[str, Any]
