"""The public listing of the audit log: public-law acts in full, every other entry as its leaf hash only.

``app.ledger.disclosure`` decides per entry whether it is a public-law act. Restricted payloads are read only
through the authorised, logged read (``app.integrity.restricted``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.ledger.disclosure import Disclosure, disclosure


@dataclass(frozen=True, slots=True)
class ServedEntry:
    leaf_index: int
    leaf_hash: bytes
    disclosure: Disclosure
    document: dict[str, Any] | None
    """The leaf document, or None where the reader may see only the leaf hash."""


def public_view(leaves: Sequence[tuple[int, bytes, dict[str, Any]]]) -> list[ServedEntry]:
    """The unauthenticated listing: public-law acts in full, every other entry as its leaf hash only."""
    served = []
    for index, leaf, document in leaves:
        shown = disclosure(document["kind"], document["payload"])
        served.append(ServedEntry(index, leaf, shown, document if shown is Disclosure.PUBLIC else None))
    return served
