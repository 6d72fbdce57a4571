"""Identity events: every verification, binding, grant and role change, recorded in the same transaction.

The audit-log issue folds these into the signed log; until then they are the ordered record of who did what.
Never put plain identifiers, phone numbers or names in ``details``: ids, masked values and statuses only.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit_service
from app.audit.models import AuditEntry
from app.common.access import Principal
from app.identity.models import IdentityEvent
from app.ledger import events
from app.ledger.events import EventKind


async def record(
    session: AsyncSession,
    kind: EventKind,
    *,
    actor: str,
    account_id: uuid.UUID | None = None,
    estate_id: uuid.UUID | None = None,
    details: dict[str, Any] | None = None,
) -> IdentityEvent:
    event = IdentityEvent(
        kind=events.identity_event_name(kind),
        actor=actor,
        account_id=account_id,
        estate_id=estate_id,
        details=details or {},
    )
    session.add(event)
    await session.flush()
    # Verifications, bindings, grants and role changes are signed into the audit log as well.
    await audit_service.append(
        session,
        events.identity_event(kind, event_id=event.id, actor=actor, account_id=account_id, details=event.details),
        estate_id=estate_id,
    )
    return event


async def record_act(session: AsyncSession, principal: Principal, entry: AuditEntry, *, acted_as: str) -> IdentityEvent:
    """Who exactly did the public-law act logged as ``entry``, whose public payload names only ``acted_as`` (the
    role and place, ``app.common.access.acting_role``): a restricted identity event in the same transaction."""
    return await record(
        session,
        EventKind.IDENTITY_ACT_RECORDED,
        actor=principal.label,
        account_id=principal.account_id,
        estate_id=entry.estate_id,
        details={"entry_id": str(entry.id), "kind": entry.kind, "acted_as": acted_as},
    )
