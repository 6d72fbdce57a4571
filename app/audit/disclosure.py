"""Who reads what of the audit log: the public listing's redaction and the authorised, logged full read.

``app.ledger.disclosure`` decides per entry whether it is a public-law act. The unauthenticated listing serves
the others as leaf index and leaf hash only. Their payloads are read only here: the platform operator reads every
entry, the estate's street office and the estate's auditor the entries of their estates (R-SUP-1, R-PI-2); each
read is itself appended to the log (``log.entries_read``, a restricted entry naming the reader and the entries).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service
from app.http.errors import Forbidden
from app.identity.access import Principal, estate_place, roles_on
from app.identity.models import Role
from app.ledger.disclosure import Disclosure, disclosure

READ_KIND = "log.entries_read"
READERS = frozenset({Role.ADMIN, Role.STREET_OFFICE, Role.AUDITOR})
"""The roles entitled to restricted payloads: operator, street office and auditor (each on their own places)."""


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


async def authorised_view(
    session: AsyncSession, principal: Principal, start: int, end: int, *, now: datetime
) -> tuple[int, list[ServedEntry]]:
    """Entries ``start`` to ``end - 1`` with every payload the reader is entitled to; the read is logged."""
    if not principal.has_role(*READERS):
        raise Forbidden(reason="restricted log entries are for the operator, the street office and the auditor")
    page = await service.entries(session, start, end)
    entitled: dict[uuid.UUID, bool] = {}
    served, disclosed = [], []
    for index, leaf, document in page.leaves:
        shown = disclosure(document["kind"], document["payload"])
        visible = shown is Disclosure.PUBLIC or await _entitled(session, principal, document["estate_id"], entitled)
        if visible and shown is Disclosure.RESTRICTED:
            disclosed.append(document["id"])
        served.append(ServedEntry(index, leaf, shown, document if visible else None))
    await service.append(
        session,
        READ_KIND,
        {"by": principal.label, "at": now.isoformat(), "start": start, "end": end, "restricted_entries": disclosed},
    )
    return page.tree_size, served


async def _entitled(
    session: AsyncSession, principal: Principal, estate_id: str | None, cache: dict[uuid.UUID, bool]
) -> bool:
    """The operator reads everything; a street office or auditor reads the entries of the estates it holds."""
    if principal.is_admin:
        return True
    if estate_id is None:
        return False
    key = uuid.UUID(estate_id)
    if key not in cache:
        place = await estate_place(session, key)
        roles = roles_on(principal, place) if place is not None else frozenset()
        cache[key] = bool(roles & {Role.STREET_OFFICE, Role.AUDITOR})
    return cache[key]
