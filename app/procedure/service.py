"""Proposing rules-of-procedure versions, the version in force, and adoption by a passed topic (R-PROC-1..3)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit_service
from app.common.access import Principal
from app.errors import NotFound
from app.ledger import events
from app.ledger.canonical import canonical_sha256
from app.place import access
from app.place.models import Estate
from app.procedure import repository
from app.procedure.errors import ProcedureRulesNotProposable
from app.procedure.models import ProcedureRulesVersion
from app.procedure.schemas import ProcedureRulesCreate
from app.rules.procedure import ProcedureRules, from_document, statutory


@dataclass(frozen=True, slots=True)
class InForce:
    """The rules a vote published now is counted under (R-PROC-2, R-PROC-3)."""

    version: ProcedureRulesVersion | None
    rules: ProcedureRules
    sha256: str

    @property
    def document(self) -> dict[str, object]:
        return self.rules.to_document()

    @property
    def binding(self) -> events.ProcedureRulesInForce:
        return events.ProcedureRulesInForce(None if self.version is None else self.version.id, self.sha256)


async def in_force(session: AsyncSession, estate_id: uuid.UUID) -> InForce:
    """The latest adopted version; without one the statutory defaults with the estate's parking flag (R-PROC-2)."""
    version = await repository.in_force(session, estate_id)
    if version is not None:
        return InForce(version, from_document(version.document), version.sha256)
    estate = await session.get(Estate, estate_id)
    if estate is None:
        raise NotFound(what="estate")
    rules = statutory(include_parking=estate.include_parking)
    return InForce(None, rules, canonical_sha256(rules.to_document()))


async def read_in_force(session: AsyncSession, principal: Principal, estate_id: uuid.UUID) -> InForce:
    await access.ensure_can_read_estate(session, principal, estate_id)
    return await in_force(session, estate_id)


async def propose(
    session: AsyncSession, principal: Principal, estate_id: uuid.UUID, body: ProcedureRulesCreate, *, now: datetime
) -> ProcedureRulesVersion:
    """R-PROC-1: a draft version, validated against the law (R-CAT-4 stricter only); it takes effect only when a
    topic proposing it PASSES."""
    await access.ensure_can_manage_estate(session, principal, estate_id)
    rules = from_document(body.document.model_dump(mode="json"))
    document = rules.to_document()
    version = ProcedureRulesVersion(
        id=uuid.uuid4(),
        estate_id=estate_id,
        document=document,
        sha256=canonical_sha256(document),
        proposed_by=principal.label,
        created_at=now.astimezone(UTC),
    )
    session.add(version)
    await session.flush()
    await audit_service.append(
        session,
        events.procedure_rules_proposed(version_id=version.id, sha256=version.sha256, document=document),
        estate_id=estate_id,
        at=now,
    )
    return version


async def list_versions(
    session: AsyncSession, principal: Principal, estate_id: uuid.UUID
) -> Sequence[ProcedureRulesVersion]:
    await access.ensure_can_read_estate(session, principal, estate_id)
    return await repository.for_estate(session, estate_id)


async def proposable(session: AsyncSession, estate_id: uuid.UUID, version_id: uuid.UUID) -> ProcedureRulesVersion:
    """A version a topic of this estate may propose: this estate's, not yet adopted."""
    version = await repository.get(session, version_id)
    if version is None or version.estate_id != estate_id or version.adopted_at is not None:
        raise ProcedureRulesNotProposable()
    return version


async def adopt(
    session: AsyncSession, version_id: uuid.UUID, *, vote_id: uuid.UUID, topic_id: uuid.UUID, at: datetime
) -> None:
    """R-PROC-1: the topic proposing the version PASSED; it is in force for votes published from now on. The
    estate's parking flag follows it, so register versions imported from now on count parking as it says."""
    version = await repository.get(session, version_id)
    if version is None or version.adopted_at is not None:  # adopted by an earlier decision: nothing changes
        return
    version.adopted_at = at.astimezone(UTC)
    version.adopted_topic_id = topic_id
    estate = await session.get(Estate, version.estate_id)
    if estate is not None:
        estate.include_parking = bool(version.document["include_parking"])  # R-AREA-3 from the rules
    await session.flush()
    await audit_service.append(
        session,
        events.procedure_rules_adopted(
            version_id=version.id,
            sha256=version.sha256,
            vote_id=vote_id,
            topic_id=topic_id,
            adopted_at=at.astimezone(UTC).isoformat(),
        ),
        estate_id=version.estate_id,  # not bound to the vote: the vote's evidence bundle stays as it was
        at=at,
    )
