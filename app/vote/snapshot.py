"""The roll snapshot of a vote (R-ROLL-1): taken from the register version current at publication.

The snapshot stores every voter group of the scope with its frozen area and the totals, and is identified by
the SHA-256 of its canonical form; ballots carry the group's area from here, so denominators and weights never
change during the vote (R-ROLL-3, R-ROLL-5).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.ledger.canonical import canonical_sha256
from app.ledger.pseudonyms import new_group_pseudonym, owner_pseudonym
from app.register import repository as register_repository
from app.register.models import RegisterVersion
from app.register.service import roll_of_units
from app.rules.roll import Roll, build_roll, public_group_id
from app.verifier.documents import ROLL_FORMAT
from app.vote.models import RollGroup, Vote


def roll_document(
    estate_id: uuid.UUID,
    roll: Roll,
    pseudonyms: Mapping[str, str],
    owners: Mapping[str, Iterable[str]] | None,
) -> dict[str, object]:
    """What the roll hash covers: groups by their per-vote pseudonym (``pseudonyms``: group key → pseudonym) with
    units, areas and owners, and the totals (no names).

    ``owners`` (group key → the owners' per-vote pseudonyms, ``owner_pseudonyms``) makes it a version-2 document
    (``"format": ROLL_FORMAT``): the roll hash then binds who forms each group, so an owner link changed behind
    the roll is caught offline even when the units still group the same way. ``None`` builds the version-1
    document of rolls frozen before (no format, no owners); a roll frozen before pseudonyms named its groups by
    group id."""
    document: dict[str, object] = {
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
                | ({} if owners is None else {"owners": sorted(owners[group.key])})
                for group in roll.groups
            ),
            key=lambda group: str(group["group_id"]),
        ),
        "total": {"heads": roll.total.heads, "area": roll.total.area},
    }
    return document if owners is None else {"format": ROLL_FORMAT, **document}


def owner_pseudonyms(key: bytes, vote_id: uuid.UUID, owner_ids: Iterable[str]) -> list[str]:
    """A group's owners as the vote's roll and register snapshot name them (``owner_pseudonym``), sorted."""
    return sorted(owner_pseudonym(key, vote_id, owner) for owner in owner_ids)


async def take_snapshot(
    session: AsyncSession,
    vote: Vote,
    version: RegisterVersion,
    *,
    scope_units: Sequence[str] | None,
    pseudonym_key: bytes,
) -> Roll:
    """Freeze the roll of ``vote`` from ``version`` (R-ROLL-1, R-ROLL-4 scope, R-ROLL-6 via build_roll); its hash
    covers each group's owners under the server's pseudonym key (``roll_document`` version 2)."""
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
    owners = {group.key: owner_pseudonyms(pseudonym_key, vote.id, group.owner_keys) for group in roll.groups}
    vote.roll_hash = canonical_sha256(roll_document(vote.estate_id, roll, pseudonyms, owners))
    return roll


def _scoped(whole: Roll, version: RegisterVersion, scope_units: Sequence[str]) -> Roll:
    return build_roll(
        whole.units,
        developer_key=str(version.developer_owner_id) if version.developer_owner_id else None,
        include_parking=version.include_parking,
        scope=list(scope_units),
    )
