"""The item-by-item canonical hash of a long list (``app.ledger.digest``), pure: no database."""

from __future__ import annotations

import pytest

from app.ledger.canonical import canonical_sha256
from app.ledger.digest import CanonicalListHasher


@pytest.mark.parametrize(
    "items",
    [[], [{"b": 1, "a": "x"}], [{"k": "单元"}, 2, "😀", [True, None]]],
    ids=["empty", "one", "several"],
)
def test_list_hasher_equals_the_canonical_hash_of_the_whole_document(items):
    hasher = CanonicalListHasher("units")
    for item in items:
        hasher.add(item)
    assert hasher.count == len(items)
    assert hasher.hexdigest() == canonical_sha256({"units": items})
    assert hasher.hexdigest() == hasher.hexdigest()  # reading the digest does not end the hash
