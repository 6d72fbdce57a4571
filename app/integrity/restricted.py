"""The authorised, logged read of restricted audit-log payloads (R-SUP-1, R-PI-2).

The platform operator reads every entry; the estate's street office and the estate's auditor read the entries of
their estates. Each read is itself appended to the log (``log.entries_read``, a restricted entry naming the reader
and the restricted entries it saw). It sits above ``app.place`` (jurisdictions), which the log itself never needs.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service
from app.audit.disclosure import ServedEntry
from app.common.access import Principal, Role, roles_on
from app.common.errors import Forbidden
from app.errors import Text
from app.ledger import events
from app.ledger.disclosure import Disclosure, disclosure
from app.place.access import estate_place

READERS = frozenset({Role.ADMIN, Role.STREET_OFFICE, Role.AUDITOR})
"""The roles entitled to restricted payloads: operator, street office and auditor (each on their own places)."""


async def authorised_view(
    session: AsyncSession, principal: Principal, start: int, end: int, *, now: datetime
) -> tuple[int, list[ServedEntry]]:
    """Entries ``start`` to ``end - 1`` with every payload the reader is entitled to; the read is logged."""
    if not principal.has_role(*READERS):
        raise Forbidden(
            reason=Text(
                "受限日志条目只供平台运营方、街道办事处和审计人员查看",
                "restricted log entries are for the operator, the street office and the auditor",
            )
        )
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
        events.log_entries_read(
            by=principal.label, at=now.isoformat(), start=start, end=end, restricted_entries=disclosed
        ),
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
