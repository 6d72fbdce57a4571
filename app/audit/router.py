"""The audit log's public verification endpoints, owner receipts and witness cosigning.

Everything under ``/log`` is public by design and needs no credential: it serves hashes, signed checkpoints
and the payloads of public-law acts only (``app.ledger.disclosure``; every other entry as its leaf hash), so anyone
can check that the log only grows and that an entry is in it. Restricted payloads are read through
``/audit/entries`` by the operator, the street office and the auditor, each read logged. A receipt is served only
to the account that cast the ballot.
Errors that mean "not yet, the integrator runs every few seconds" carry a ``Retry-After`` header.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable, Coroutine
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import PlainTextResponse
from fastapi.routing import APIRoute

from app.audit import disclosure, errors, service
from app.audit.deps import LogKeysDep
from app.audit.keys import PublishedKey
from app.audit.schemas import (
    CheckpointOut,
    ConsistencyOut,
    CosignIn,
    CosignOut,
    InclusionOut,
    LogEntriesOut,
    LogEntryOut,
    LogKeysOut,
    PublicKeyOut,
)
from app.http.deps import Clock, SessionDep
from app.http.problems import problem_response, problem_responses

TEXT = "text/plain; charset=utf-8"

INCLUSION_ERRORS = (
    errors.EntryNotFound, errors.EntryNotIntegrated, errors.NoCheckpoint, errors.CheckpointNotFound,
    errors.EntryNotInCheckpoint,
)  # fmt: skip
COSIGN_ERRORS = (
    errors.CosignatureMalformed, errors.WitnessUnknown, errors.WitnessSignatureInvalid, errors.CheckpointUnknown,
    errors.WitnessInconsistent,
)  # fmt: skip


class RetryAfterRoute(APIRoute):
    """Renders ``NotYetAvailable`` errors as problem documents with ``Retry-After``."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except errors.NotYetAvailable as error:
                return problem_response(error, request, headers={"Retry-After": str(errors.RETRY_AFTER_SECONDS)})

        return handle


router = APIRouter(tags=["log"], route_class=RetryAfterRoute)


Format = Annotated[Literal["text", "json"], Query(alias="format", description="text (the signed note) or json")]
Cosigned = Annotated[bool, Query(description="Append every stored witness cosignature to the note")]
EntryId = Annotated[uuid.UUID, Path(description="Audit entry id (a ballot receipt's audit_entry_id)")]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def text_or_json(output: str, text: str, document: Any, headers: dict[str, str] | None = None) -> Response:
    if output == "json":
        return Response(document.model_dump_json(), media_type="application/json", headers=headers)
    return PlainTextResponse(text, media_type=TEXT, headers=headers)


def _checkpoint_out(signed: service.SignedCheckpoint) -> CheckpointOut:
    row = signed.checkpoint
    return CheckpointOut(
        origin=signed.note.split("\n", 1)[0],
        size=row.size,
        root_hash_hex=row.root_hash.hex(),
        root_hash=_b64(row.root_hash),
        note=signed.note,
        cosigned_by=list(signed.cosigned_by),
        created_at=row.created_at,
    )


def text_and_json(model: type[Any], description: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {
            "model": model,
            "description": description,
            "content": {"text/plain": {"schema": {"type": "string"}}},
        }
    }


@router.get(
    "/log/checkpoint",
    response_model=None,
    responses={
        **text_and_json(CheckpointOut, "The latest signed checkpoint note (text) or its fields (format=json)"),
        **problem_responses(errors.NoCheckpoint),
    },
)
async def latest_checkpoint(session: SessionDep, output: Format = "text", cosigned: Cosigned = False) -> Response:
    """The latest signed checkpoint of the audit log (c2sp.org/tlog-checkpoint signed note)."""
    signed = await service.checkpoint(session, cosigned=cosigned)
    return text_or_json(output, signed.note, _checkpoint_out(signed), {"Cache-Control": "no-cache"})


@router.get(
    "/log/checkpoints/{size}",
    response_model=None,
    responses={
        **text_and_json(CheckpointOut, "The signed checkpoint note at this tree size"),
        **problem_responses(errors.CheckpointNotFound),
    },
)
async def checkpoint_at(
    session: SessionDep,
    size: Annotated[int, Path(ge=0, le=2**63 - 1)],
    output: Format = "text",
    cosigned: Cosigned = False,
) -> Response:
    """The signed checkpoint at a tree size (every size the log signed stays available)."""
    signed = await service.checkpoint(session, size, cosigned=cosigned)
    return text_or_json(output, signed.note, _checkpoint_out(signed))


@router.get(
    "/log/entries/{entry_id}/inclusion",
    response_model=InclusionOut,
    responses=problem_responses(*INCLUSION_ERRORS),
)
async def entry_inclusion(
    session: SessionDep,
    entry_id: EntryId,
    size: Annotated[
        int | None, Query(ge=1, le=2**63 - 1, description="A checkpoint size; the latest if absent")
    ] = None,
) -> InclusionOut:
    """The entry's RFC 9162 inclusion proof in a signed checkpoint; 404 with Retry-After until integrated."""
    proof = await service.inclusion(session, entry_id, size)
    return InclusionOut(
        entry_id=proof.entry.id,
        leaf_index=proof.leaf_index,
        tree_size=proof.signed.checkpoint.size,
        leaf_hash=_b64(proof.leaf_hash),
        proof=[_b64(node) for node in proof.proof],
        checkpoint=proof.signed.note,
    )


@router.get(
    "/log/consistency",
    response_model=ConsistencyOut,
    responses=problem_responses(errors.ConsistencyRangeInvalid),
)
async def consistency(
    session: SessionDep,
    first: Annotated[int, Query(ge=0, le=2**63 - 1, description="The older tree size")],
    second: Annotated[int, Query(ge=0, le=2**63 - 1, description="The newer tree size")],
) -> ConsistencyOut:
    """The RFC 9162 consistency proof that the tree of size ``second`` extends the one of size ``first``."""
    proof = await service.consistency(session, first, second)
    return ConsistencyOut(first=first, second=second, proof=[_b64(node) for node in proof])


Start = Annotated[int, Query(ge=0, le=2**63 - 1, description="First leaf index")]
End = Annotated[int, Query(ge=1, le=2**63 - 1, description="One past the last leaf index (at most start + 1000)")]


def entries_out(start: int, end: int, tree_size: int, served: list[disclosure.ServedEntry]) -> LogEntriesOut:
    return LogEntriesOut(
        start=start,
        end=end,
        tree_size=tree_size,
        entries=[
            LogEntryOut(
                leaf_index=item.leaf_index,
                leaf_hash=_b64(item.leaf_hash),
                disclosure=item.disclosure.value,
                entry=item.document,
            )
            for item in served
        ],
    )


@router.get("/log/entries", response_model=LogEntriesOut, responses=problem_responses(errors.EntryRangeInvalid))
async def log_entries(session: SessionDep, start: Start, end: End) -> LogEntriesOut:
    """Entries ``start`` to ``end - 1`` in leaf order with their leaf hashes; the leaf documents of public-law acts
    only (identity events and anything naming a person are served as their leaf hash, docs/secrecy.md)."""
    page = await service.entries(session, start, end)
    return entries_out(start, end, page.tree_size, disclosure.public_view(page.leaves))


def _published(key: PublishedKey) -> PublicKeyOut:
    return PublicKeyOut(
        name=key.name, key_id=key.verifier.key_id.hex(), verifier_key=key.key_string, public_key_pem=key.pem
    )


@router.get("/log/keys", response_model=LogKeysOut)
async def log_public_keys(keys: LogKeysDep) -> LogKeysOut:
    """The log's current and retired checkpoint keys and the configured witnesses' keys."""
    return LogKeysOut(
        origin=keys.origin,
        current=_published(keys.current),
        retired=[_published(key) for key in keys.retired],
        witnesses=[_published(key) for key in keys.witnesses],
    )


@router.post(
    "/log/witness/cosign",
    response_model=CosignOut,
    responses=problem_responses(*COSIGN_ERRORS),
)
async def witness_cosign(body: CosignIn, session: SessionDep, keys: LogKeysDep, clock: Clock) -> CosignOut:
    """A configured witness posts a checkpoint it cosigned; its signature authenticates the request."""
    outcome = await service.cosign(session, keys, body.note, now=clock())
    return CosignOut(size=outcome.size, accepted=list(outcome.accepted), note=outcome.note)
