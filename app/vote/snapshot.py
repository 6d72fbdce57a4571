"""The roll snapshot of a vote (R-ROLL-1): taken from the register version current at publication.

The snapshot stores every voter group of the scope with its frozen area and the totals, and is identified by
the SHA-256 of its canonical form; ballots carry the group's area from here, so denominators and weights never
change during the vote (R-ROLL-3, R-ROLL-5).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.ledger.canonical import canonical_sha256
from app.ledger.pseudonyms import new_group_pseudonym
from app.register import repository as register_repository
from app.register.models import RegisterVersion
from app.register.service import roll_of_units
from app.rules.roll import Roll, build_roll, public_group_id
from app.vote.models import RollGroup, Vote


def roll_document(estate_id: uuid.UUID, roll: Roll, pseudonyms: Mapping[str, str]) -> dict[str, object]:
    """What the roll hash covers: groups by their per-vote pseudonym (``pseudonyms``: group key → pseudonym) with
    units and areas, and the totals (no names). A roll frozen before pseudonyms named its groups by group id."""
    return {
        "estate_id": str(estate_id),
        "groups": sorted(
            (
                {
                    "group_id": pseudonyms[group.key],
                    "area": group.area,
                    "heads": 1,
                    "is_developer": group.is_developer,
                    "units": list(group.unit_ids),
                }
                for group in roll.groups
            ),
            key=lambda group: str(group["group_id"]),
        ),
        "total": {"heads": roll.total.heads, "area": roll.total.area},
    }


async def take_snapshot(
    session: AsyncSession, vote: Vote, version: RegisterVersion, *, scope_units: Sequence[str] | None
) -> Roll:
    """Freeze the roll of ``vote`` from ``version`` (R-ROLL-1, R-ROLL-4 scope, R-ROLL-6 via build_roll)."""
    units = await register_repository.units_with_owners(session, version.id)
    whole = roll_of_units(version, units)
    roll = whole if scope_units is None else _scoped(whole, version, scope_units)
    pseudonyms = {group.key: new_group_pseudonym() for group in roll.groups}  # unlinkable across votes
    rows = [
        {
            "vote_id": vote.id,
            "group_id": public_group_id(str(vote.estate_id), group.key),
            "pseudonym": pseudonyms[group.key],
            "group_key": group.key,
            "area": group.area,
            "is_developer": group.is_developer,
            "unit_keys": list(group.unit_ids),
            "owner_ids": sorted(group.owner_keys),
        }
        for group in roll.groups
    ]
    for start in range(0, len(rows), 2000):
        await session.execute(insert(RollGroup), rows[start : start + 2000])
    vote.register_version_id = version.id
    vote.total_heads = roll.total.heads
    vote.total_area = roll.total.area
    vote.roll_hash = canonical_sha256(roll_document(vote.estate_id, roll, pseudonyms))
    return roll


def _scoped(whole: Roll, version: RegisterVersion, scope_units: Sequence[str]) -> Roll:
    return build_roll(
        whole.units,
        developer_key=str(version.developer_owner_id) if version.developer_owner_id else None,
        include_parking=version.include_parking,
        scope=list(scope_units),
    )
