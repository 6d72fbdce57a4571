from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db.base import utcnow
from app.register.identifiers import IdentityDocument
from app.register.models import Building, Owner, OwnerKind, RegisterVersion, Unit, UnitOwner
from app.security.pii import FieldCipher

OWNER_IDENTIFIER_FIELD = "owner.identifier"
T = TypeVar("T")
_UNQUALIFIED_DOCUMENTS = frozenset({IdentityDocument.RESIDENT_ID, IdentityDocument.USCC})


def owner_identifier_index(cipher: FieldCipher, document: IdentityDocument, identifier: str) -> str:
    """The owner's blind index: resident ID numbers and credit codes as ever, other documents under their type, so
    a passport number can never match a permit number that happens to be spelled the same."""
    field = (
        OWNER_IDENTIFIER_FIELD if document in _UNQUALIFIED_DOCUMENTS else f"{OWNER_IDENTIFIER_FIELD}.{document.value}"
    )
    return cipher.blind_index(field, identifier)


def _dialect_insert(session: AsyncSession) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT DO NOTHING (both SQLite and PostgreSQL support it)."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


async def get_or_create_owner(
    session: AsyncSession,
    *,
    kind: OwnerKind,
    identifier: str,
    cipher: FieldCipher,
    document: IdentityDocument | None = None,
) -> Owner:
    document = document or (IdentityDocument.USCC if kind is OwnerKind.ORGANISATION else IdentityDocument.RESIDENT_ID)
    owners = await get_or_create_owners(session, [(kind, identifier)], cipher=cipher, document=document)
    return owners[(kind, owner_identifier_index(cipher, document, identifier))]


async def get_or_create_owners(
    session: AsyncSession,
    identities: Sequence[tuple[OwnerKind, str]],
    *,
    cipher: FieldCipher,
    document: IdentityDocument | None = None,
) -> dict[tuple[OwnerKind, str], Owner]:
    """Owners by (kind, blind index), inserting the missing ones; concurrent imports cannot duplicate them.

    ``document`` applies to every identity; by default a resident ID for persons and a credit code for organisations.
    """
    wanted: dict[tuple[OwnerKind, str], str] = {}
    documents: dict[tuple[OwnerKind, str], IdentityDocument] = {}
    for kind, identifier in identities:
        chosen = document or (IdentityDocument.USCC if kind is OwnerKind.ORGANISATION else IdentityDocument.RESIDENT_ID)
        key = (kind, owner_identifier_index(cipher, chosen, identifier))
        wanted[key] = identifier
        documents[key] = chosen
    if not wanted:
        return {}
    rows: list[dict[str, object]] = []
    for (kind, index), identifier in wanted.items():
        protected = cipher.protect(OWNER_IDENTIFIER_FIELD, identifier)
        rows.append(
            {
                "id": uuid.uuid4(),
                "kind": kind,
                "document_type": documents[(kind, index)],
                "identifier_ciphertext": protected.ciphertext,
                "identifier_index": index,
                "identifier_last4": protected.last4,
            }
        )
    insert = _dialect_insert(session)
    for chunk in _chunks(rows, 2000):
        await session.execute(insert(Owner).on_conflict_do_nothing(index_elements=["kind", "identifier_index"]), chunk)
    found: dict[tuple[OwnerKind, str], Owner] = {}
    indexes = [index for _, index in wanted]
    for chunk_indexes in _chunks(indexes, 2000):
        for owner in await session.scalars(select(Owner).where(Owner.identifier_index.in_(chunk_indexes))):
            if (owner.kind, owner.identifier_index) in wanted:
                found[(owner.kind, owner.identifier_index)] = owner
    return found


async def owner_ids(
    session: AsyncSession,
    wanted: dict[tuple[OwnerKind, str], tuple[IdentityDocument, str]],
    *,
    cipher: FieldCipher,
) -> dict[tuple[OwnerKind, str], uuid.UUID]:
    """Owner ids by (kind, blind index) for ``{(kind, blind index): (document, identifier)}``, inserting the
    missing owners.

    The bulk form of ``get_or_create_owners`` for register imports: ids only (no ORM objects), existing owners
    found first so only new identifiers are encrypted, then one multi-row insert per chunk; a concurrent import
    inserting the same owner is tolerated (ON CONFLICT DO NOTHING, then read back).
    """
    found: dict[tuple[OwnerKind, str], uuid.UUID] = {}

    async def read(keys: Sequence[tuple[OwnerKind, str]]) -> None:
        for kind in OwnerKind:  # (kind, identifier_index) is the unique key's index
            indexes = sorted(index for key_kind, index in keys if key_kind is kind)
            for chunk in _chunks(indexes, 5000):
                rows = await session.execute(
                    select(Owner.identifier_index, Owner.id).where(
                        Owner.kind == kind, Owner.identifier_index.in_(chunk)
                    )
                )
                found.update(((kind, index), owner_id) for index, owner_id in rows)

    await read(list(wanted))
    rows: list[dict[str, object]] = []
    for (kind, index), (document, identifier) in wanted.items():
        if (kind, index) not in found:
            protected = cipher.protect(OWNER_IDENTIFIER_FIELD, identifier)
            rows.append(
                {"id": uuid.uuid4(), "kind": kind, "document_type": document,
                 "identifier_ciphertext": protected.ciphertext,
                 "identifier_index": index, "identifier_last4": protected.last4, "created_at": utcnow()}
            )  # fmt: skip
    insert = _dialect_insert(session)
    statement = (
        insert(Owner.__table__)
        .on_conflict_do_nothing(index_elements=["kind", "identifier_index"])
        .returning(Owner.kind, Owner.identifier_index, Owner.id)
    )
    for chunk in _chunks(rows, 5000):
        inserted = await session.execute(statement, chunk)
        found.update(((OwnerKind(kind), index), owner_id) for kind, index, owner_id in inserted)
    # Inserted meanwhile by a concurrent import (the conflict skipped ours): read those back.
    await read([key for key in wanted if key not in found])
    return found


async def get_or_create_buildings(session: AsyncSession, estate_id: uuid.UUID, names: set[str]) -> dict[str, uuid.UUID]:
    """Building ids by name; inserts the missing ones, tolerating a concurrent import inserting them too."""
    insert = _dialect_insert(session)
    new_rows = [
        {"id": uuid.uuid4(), "estate_id": estate_id, "name": name, "created_at": utcnow()} for name in sorted(names)
    ]
    if new_rows:
        await session.execute(insert(Building).on_conflict_do_nothing(index_elements=["estate_id", "name"]), new_rows)
    rows = await session.execute(select(Building.name, Building.id).where(Building.estate_id == estate_id))
    return dict(rows.all())


async def latest_version(session: AsyncSession, estate_id: uuid.UUID) -> RegisterVersion | None:
    return await session.scalar(
        select(RegisterVersion)
        .where(RegisterVersion.estate_id == estate_id)
        .order_by(RegisterVersion.number.desc())
        .limit(1)
    )


async def get_version(session: AsyncSession, estate_id: uuid.UUID, number: int) -> RegisterVersion | None:
    return await session.scalar(
        select(RegisterVersion).where(RegisterVersion.estate_id == estate_id, RegisterVersion.number == number)
    )


def units_statement(version_id: uuid.UUID) -> Select[Unit]:
    return (
        select(Unit)
        .where(Unit.register_version_id == version_id)
        .options(selectinload(Unit.owners).selectinload(UnitOwner.owner))
    )


async def units_with_owners(session: AsyncSession, version_id: uuid.UUID) -> Sequence[Unit]:
    return (await session.scalars(units_statement(version_id).order_by(Unit.unit_key))).all()


async def building_names(session: AsyncSession, estate_id: uuid.UUID) -> dict[uuid.UUID, str]:
    rows = await session.execute(select(Building.id, Building.name).where(Building.estate_id == estate_id))
    return dict(rows.all())


def _chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    return [items[start : start + size] for start in range(0, len(items), size)]
