"""A canonical hash computed item by item, for lists too long to hold as one document (``app.integrity.check``)."""

from __future__ import annotations

import hashlib
from typing import Any

from app.ledger.canonical import canonical_bytes


class CanonicalListHasher:
    """``canonical_sha256({member: items})`` computed item by item, so a long list is never held whole.

    Exact for a one-member object: RFC 8785 writes it as ``{"member":[item,item,...]}`` with no whitespace,
    each item in its own canonical form. The caller adds the items in the list's order.
    """

    def __init__(self, member: str) -> None:
        self._digest = hashlib.sha256(b"{" + canonical_bytes(member) + b":[")
        self.count = 0

    def add(self, item: Any) -> None:
        self._digest.update((b"," if self.count else b"") + canonical_bytes(item))
        self.count += 1

    def hexdigest(self) -> str:
        final = self._digest.copy()
        final.update(b"]}")
        return final.hexdigest()
