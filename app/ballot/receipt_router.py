"""Ballot receipts: the caster's offline-verifiable proof that their ballot's entry is in the signed audit log.

A receipt is served only to the account that cast the ballot; to anyone else the entry is answered 404.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from app.audit.deps import LogKeysDep
from app.audit.errors import EntryNotIntegrated, ReceiptNotFound
from app.audit.router import EntryId, Format, RetryAfterRoute, text_and_json, text_or_json
from app.audit.schemas import ReceiptOut
from app.ballot import service
from app.common.errors import Unauthenticated
from app.http.deps import CurrentPrincipal, SessionDep
from app.http.problems import problem_responses
from app.ledger.receipt import format_receipt, receipt_document

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
    proof = await service.receipt(session, entry_id, principal.account_id)
    note = proof.signed.note
    text = format_receipt(proof.document, proof.leaf_index, proof.proof, note)
    document = ReceiptOut(
        **receipt_document(proof.document, proof.leaf_index, proof.proof, note, keys.current.key_string),
        tree_size=proof.signed.checkpoint.size,
        proof_text=text,
    )
    headers = {} if output == "json" else {"Content-Disposition": f'attachment; filename="{entry_id}.tlog-proof"'}
    return text_or_json(output, text, document, headers)
