"""Rules of procedure (议事规则): propose a version, list them, read the one in force (R-PROC-1..3)."""

from __future__ import annotations

from fastapi import APIRouter, status

from app.common.errors import Forbidden, Unauthenticated
from app.errors import NotFound
from app.http.deps import Clock, CurrentPrincipal, SessionDep
from app.http.paths import EstateId
from app.http.problems import problem_responses
from app.procedure import service
from app.procedure.schemas import ProcedureRulesCreate, ProcedureRulesInForceRead, ProcedureRulesRead
from app.rules.errors import ProcedureRulesInvalid, ThresholdTooLoose

router = APIRouter(tags=["procedure-rules"])


@router.post(
    "/estates/{estate_id}/procedure-rules",
    status_code=status.HTTP_201_CREATED,
    response_model=ProcedureRulesRead,
    responses=problem_responses(Unauthenticated, Forbidden, NotFound, ProcedureRulesInvalid, ThresholdTooLoose),
)
async def propose_procedure_rules(
    estate_id: EstateId, body: ProcedureRulesCreate, session: SessionDep, principal: CurrentPrincipal, clock: Clock
) -> ProcedureRulesRead:
    """Draft a rules-of-procedure version (the organisers); it takes effect only when a yes/no topic proposing it
    (``procedure_rules_id``) PASSES (Beijing Art. 34(1)(1))."""
    version = await service.propose(session, principal, estate_id, body, now=clock())
    return ProcedureRulesRead.model_validate(version)


@router.get(
    "/estates/{estate_id}/procedure-rules",
    response_model=list[ProcedureRulesRead],
    responses=problem_responses(Unauthenticated, NotFound),
)
async def list_procedure_rules(
    estate_id: EstateId, session: SessionDep, principal: CurrentPrincipal
) -> list[ProcedureRulesRead]:
    """Every version of the estate, proposed and adopted, oldest first."""
    return [ProcedureRulesRead.model_validate(v) for v in await service.list_versions(session, principal, estate_id)]


@router.get(
    "/estates/{estate_id}/procedure-rules/in-force",
    response_model=ProcedureRulesInForceRead,
    responses=problem_responses(Unauthenticated, NotFound),
)
async def procedure_rules_in_force(
    estate_id: EstateId, session: SessionDep, principal: CurrentPrincipal
) -> ProcedureRulesInForceRead:
    """The version a vote published now would be counted under, or the statutory defaults (R-PROC-2)."""
    found = await service.read_in_force(session, principal, estate_id)
    return ProcedureRulesInForceRead(
        version_id=None if found.version is None else found.version.id, sha256=found.sha256, document=found.document
    )
