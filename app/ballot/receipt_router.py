"""Ballot receipts: the caster's offline-verifiable proof that their ballot's entry is in the signed audit log,
and after the close that it is in the counted set the close signed.

Both are served only to the account that cast the ballot; to anyone else the entry is answered 404.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from app.audit.deps import LogKeysDep
from app.audit.errors import EntryNotIntegrated, ReceiptNotFound
from app.audit.keys import LogKeys
from app.audit.router import EntryId, Format, RetryAfterRoute, text_and_json, text_or_json
from app.audit.schemas import ReceiptOut
from app.audit.service import Inclusion
from app.ballot import service
from app.ballot.errors import BallotVoided, CountedSetNotLogged, VoteNotYetClosed
from app.ballot.schemas import CountedProofOut
from app.common.errors import Unauthenticated
from app.http.deps import CurrentPrincipal, SessionDep
from app.http.problems import problem_responses
from app.ledger.receipt import counted_proof_document, format_receipt, receipt_document

router = APIRouter(tags=["log"], route_class=RetryAfterRoute)


@router.get(
    "/receipts/{entry_id}",
    tags=["receipts"],
    response_model=None,
    responses={
        **text_and_json(ReceiptOut, "c2sp.org/tlog-proof@v1 document (text) or its JSON form (format=json)"),
        **problem_responses(Unauthenticated, ReceiptNotFound, EntryNotIntegrated),
    },
)
async def ballot_receipt(
    session: SessionDep, principal: CurrentPrincipal, keys: LogKeysDep, entry_id: EntryId, output: Format = "text"
) -> Response:
    """The caster's offline-verifiable proof that their ballot's entry is in the signed log."""
    document = _receipt_out(await service.receipt(session, entry_id, principal.account_id), keys)
    headers = {} if output == "json" else {"Content-Disposition": f'attachment; filename="{entry_id}.tlog-proof"'}
    return text_or_json(output, document.proof_text, document, headers)


@router.get(
    "/receipts/{entry_id}/counted",
    tags=["receipts"],
    responses=problem_responses(
        Unauthenticated, ReceiptNotFound, BallotVoided, VoteNotYetClosed, CountedSetNotLogged, EntryNotIntegrated
    ),
)
async def ballot_counted_proof(
    session: SessionDep, principal: CurrentPrincipal, keys: LogKeysDep, entry_id: EntryId
) -> CountedProofOut:
    """After the close, the caster's offline-verifiable proof that their ballot is in the counted set signed in
    the vote.closed entry (``evote receipt check … --counted``)."""
    counted = await service.counted_proof(session, entry_id, principal.account_id)
    closed = _receipt_out(counted.closed, keys)
    document = counted_proof_document(
        vote_id=str(counted.vote_id), commitment=counted.commitment, index=counted.index, proof=counted.proof,
        closed=closed.model_dump(mode="json"),
    )  # fmt: skip
    return CountedProofOut.model_validate(document)


def _receipt_out(proof: Inclusion, keys: LogKeys) -> ReceiptOut:
    note = proof.signed.note
    return ReceiptOut(
        **receipt_document(proof.document, proof.leaf_index, proof.proof, note, keys.current.key_string),
        tree_size=proof.signed.checkpoint.size,
        proof_text=format_receipt(proof.document, proof.leaf_index, proof.proof, note),
    )
