"""The receipt a cast answers (``app.ballot.service.ballot_rows``) is built as JSON directly: it must be exactly what
the ``Receipt`` model serialises, member for member and in order, for every basis a receipt can name."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from app.ballot.models import Channel
from app.ballot.repository import GroupValues
from app.ballot.schemas import Receipt
from app.ballot.service import RECEIPT_BASES, ballot_rows

NOW = datetime(2026, 12, 7, 1, 2, 3, 456789, tzinfo=UTC)
GROUP = GroupValues(
    vote_id=uuid.uuid4(), group_id="9f1c2b3a4d5e6f708192a3b4c5d6e7f8", pseudonym="p" * 32, group_key="k",
    area=12345, is_developer=False, unit_keys=["u1"], owner_ids=[str(uuid.uuid4())],
)  # fmt: skip


def _rows(basis: str, *, record: dict[str, object] | None = None):  # type: ignore[no-untyped-def]
    return ballot_rows(
        GROUP.vote_id, uuid.uuid4(), GROUP, {"t": "AGREE"}, {}, now=NOW, basis=basis, grant_id=None, grant="",
        channel=Channel.ONLINE, account_id=uuid.uuid4(), idempotency_record=record,
    )  # fmt: skip


@pytest.mark.parametrize("basis", sorted(RECEIPT_BASES))
def test_the_receipt_body_is_the_models_json(basis: str):
    record: dict[str, object] = {}
    rows = _rows(basis, record=record)
    ballot = rows.ballot
    model = Receipt(
        ballot_id=ballot["id"], vote_id=ballot["vote_id"], group_id=GROUP.group_id, group_pseudonym=GROUP.pseudonym,
        content_hash=ballot["content_hash"], nonce=ballot["nonce"], audit_entry_id=ballot["audit_entry_id"],
        cast_at=NOW, basis=basis, status="COUNTED",
    )  # fmt: skip
    expected = model.model_dump(mode="json")
    assert rows.receipt_body == expected
    assert list(rows.receipt_body) == list(expected)
    assert record == {"status_code": 201, "body": rows.receipt_body}
    assert rows.receipt.model_dump(mode="json") == expected
    assert rows.receipt.ballot_id == ballot["id"]


def test_every_basis_the_receipt_admits_and_no_other():
    assert {"OWNER", "CO_OWNER", "PROXY", "TRANSFEREE", "PAPER_ENTRY"} <= RECEIPT_BASES
    with pytest.raises(ValueError, match="basis"):
        _rows("NEIGHBOUR")
