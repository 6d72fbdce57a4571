"""Creating, listing, editing and merging places. Services flush, never commit (one transaction per request).

R-PLACE: a district is a Beijing district by its GB/T 2260 code (``app.place.districts``); a place that exists
is never created twice (409 ``place.name_taken`` with ``existing_id``); the operator and the street office of the
jurisdiction correct names and parents, and the operator merges a duplicate into the place kept; every edit and
merge is an audit entry.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TypeVar, cast

from sqlalchemy import Select, delete, false, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from app.audit import service as audit_service
from app.common.access import Principal, Role, ensure_can_manage_street_office
from app.common.errors import Conflict
from app.common.pagination import paginate
from app.db.base import Base
from app.errors import Noun, Text
from app.ledger import events
from app.place import repository
from app.place.districts import check_district
from app.place.errors import PlaceMergeConflict, PlaceMergeInvalid, PlaceNameTaken
from app.place.models import Community, District, Estate, StreetOffice
from app.place.schemas import CommunityCreate, CommunityUpdate, DistrictCreate, StreetOfficeCreate, StreetOfficeUpdate

KIND_ZH = {"district": "区", "street office": "街道（乡镇）", "community": "社区", "estate": "小区"}
Place = District | StreetOffice | Community | Estate
MergeablePlace = District | StreetOffice | Community


def existing_place(kind: str, name: str, existing_id: uuid.UUID) -> PlaceNameTaken:
    return PlaceNameTaken(kind=kind, name=name, existing_id=existing_id, extra={"existing_id": str(existing_id)})


async def flush_unique(session: AsyncSession, row: Base, *, kind: str, name: str, lookup: Select[uuid.UUID]) -> None:
    """Write ``row`` (new or edited): a name its parent already has is a 409 naming the existing place's id. Looked
    up first (an edited row's changes are pending, and a failed flush would spoil the transaction); the savepoint
    still turns a concurrent insert of the same name into the same 409."""
    with session.no_autoflush:
        existing_id = await session.scalar(lookup)
    if existing_id is not None and existing_id != getattr(row, "id", None):
        raise existing_place(kind, name, existing_id)
    session.add(row)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        existing_id = await session.scalar(lookup)
        if existing_id is None:  # pragma: no cover - the constraint and the lookup name the same columns
            raise Conflict() from exc
        raise existing_place(kind, name, existing_id) from exc


def acting_role(principal: Principal, street_office_id: uuid.UUID | None) -> str:
    """Who edited, as the log names it: the operator, or the street office of the jurisdiction (no account)."""
    if principal.is_admin:
        return Role.ADMIN.value
    return f"{Role.STREET_OFFICE.value}@{street_office_id}"


async def create_district(session: AsyncSession, principal: Principal, body: DistrictCreate) -> District:
    """R-PLACE-1: only a Beijing district, its code and name agreeing; stored under its official name."""
    principal.require(Role.ADMIN)
    name = check_district(body.code, body.name)
    district = District(code=body.code, name=name)
    lookup = select(District.id).where(District.code == body.code)
    await flush_unique(session, district, kind="district", name=name, lookup=lookup)
    return district


async def create_street_office(session: AsyncSession, principal: Principal, body: StreetOfficeCreate) -> StreetOffice:
    principal.require(Role.ADMIN)
    await repository.get_district(session, body.district_id)
    office = StreetOffice(district_id=body.district_id, name=body.name)
    await flush_unique(
        session, office, kind="street office", name=body.name, lookup=_office_named(body.district_id, body.name)
    )
    return office


def _office_named(district_id: uuid.UUID, name: str) -> Select[uuid.UUID]:
    return select(StreetOffice.id).where(StreetOffice.district_id == district_id, StreetOffice.name == name)


def _community_named(street_office_id: uuid.UUID, name: str) -> Select[uuid.UUID]:
    return select(Community.id).where(Community.street_office_id == street_office_id, Community.name == name)


def estate_named(community_id: uuid.UUID, name: str) -> Select[uuid.UUID]:
    return select(Estate.id).where(Estate.community_id == community_id, Estate.name == name)


async def create_community(session: AsyncSession, principal: Principal, body: CommunityCreate) -> Community:
    ensure_can_manage_street_office(principal, body.street_office_id)
    await repository.get_street_office(session, body.street_office_id)
    community = Community(street_office_id=body.street_office_id, name=body.name)
    lookup = _community_named(body.street_office_id, body.name)
    await flush_unique(session, community, kind="community", name=body.name, lookup=lookup)
    return community


async def add_estate(session: AsyncSession, estate: Estate) -> None:
    """Insert a new estate; a name its community already has is a 409 (``PlaceNameTaken`` with its id).

    Estates are created by ``app.register.estates.create_estate``: the developer becomes an owner on the register.
    """
    lookup = estate_named(estate.community_id, estate.name)
    await flush_unique(session, estate, kind="estate", name=estate.name, lookup=lookup)


async def update_street_office(
    session: AsyncSession, principal: Principal, office_id: uuid.UUID, body: StreetOfficeUpdate
) -> StreetOffice:
    """R-PLACE-3: rename (the operator or the office itself) or move to another district (the operator)."""
    office = await repository.get_street_office(session, office_id)
    ensure_can_manage_street_office(principal, office.id)
    changes: dict[str, tuple[str, str]] = {}
    if body.district_id is not None and body.district_id != office.district_id:
        principal.require(Role.ADMIN)
        await repository.get_district(session, body.district_id)
        changes["district_id"] = (str(office.district_id), str(body.district_id))
        office.district_id = body.district_id
    if body.name is not None and body.name != office.name:
        changes["name"] = (office.name, body.name)
        office.name = body.name
    lookup = _office_named(office.district_id, office.name)
    await flush_unique(session, office, kind="street office", name=office.name, lookup=lookup)
    await log_update(session, "street office", office.id, changes, by=acting_role(principal, office.id))
    return office


async def update_community(
    session: AsyncSession, principal: Principal, community_id: uuid.UUID, body: CommunityUpdate
) -> Community:
    """R-PLACE-3: rename, or move under another street office (one the editor also holds: both jurisdictions)."""
    community = await repository.get_community(session, community_id)
    ensure_can_manage_street_office(principal, community.street_office_id)
    changes: dict[str, tuple[str, str]] = {}
    by = acting_role(principal, community.street_office_id)
    if body.street_office_id is not None and body.street_office_id != community.street_office_id:
        ensure_can_manage_street_office(principal, body.street_office_id)
        await repository.get_street_office(session, body.street_office_id)
        changes["street_office_id"] = (str(community.street_office_id), str(body.street_office_id))
        community.street_office_id = body.street_office_id
    if body.name is not None and body.name != community.name:
        changes["name"] = (community.name, body.name)
        community.name = body.name
    lookup = _community_named(community.street_office_id, community.name)
    await flush_unique(session, community, kind="community", name=community.name, lookup=lookup)
    await log_update(session, "community", community.id, changes, by=by)
    return community


async def log_update(
    session: AsyncSession,
    place_kind: str,
    place_id: uuid.UUID,
    changes: dict[str, tuple[str, str]],
    *,
    by: str,
    estate_id: uuid.UUID | None = None,
) -> None:
    """R-PLACE-3: every edit that changed something is an audit entry (an edit that changed nothing is not)."""
    if changes:
        await audit_service.append(
            session,
            events.place_updated(place_kind=place_kind.replace(" ", "_"), place_id=place_id, changes=changes, by=by),
            estate_id=estate_id,
        )


MERGEABLE: dict[Noun, type[District] | type[StreetOffice] | type[Community]] = {
    "district": District,
    "street office": StreetOffice,
    "community": Community,
}
"""What can be merged, and the kind of its children. Estates are not merged: each has its own register, votes and
log; a wrongly placed estate is moved to its right community instead (``update_estate``)."""
_CHILDREN: dict[str, tuple[type[StreetOffice] | type[Community] | type[Estate], InstrumentedAttribute[uuid.UUID]]] = {
    "district": (StreetOffice, StreetOffice.district_id),
    "street office": (Community, Community.street_office_id),
    "community": (Estate, Estate.community_id),
}


async def merge_places(
    session: AsyncSession, principal: Principal, kind: Noun, duplicate_id: uuid.UUID, kept_id: uuid.UUID
) -> tuple[MergeablePlace, dict[str, int]]:
    """R-PLACE-4 (the operator): everything that points at the duplicate (its children, staff roles and API keys
    scoped to it) is moved to the place kept, and the duplicate is retired (deleted; the entry keeps its id and
    name). A child with a namesake under the kept place is a 409: merge those two first."""
    principal.require(Role.ADMIN)
    model = MERGEABLE[kind]
    if duplicate_id == kept_id:
        raise PlaceMergeInvalid(reason=Text("不能与自身合并。", "a place cannot be merged into itself."))
    duplicate = cast(MergeablePlace | None, await session.get(model, duplicate_id))
    kept = cast(MergeablePlace | None, await session.get(model, kept_id))
    if duplicate is None or kept is None:
        raise repository.not_found(kind)
    child_model, parent = _CHILDREN[kind]
    kept_children = dict(
        (await session.execute(select(child_model.name, child_model.id).where(parent == kept.id))).all()
    )
    for name, child_id in (
        await session.execute(select(child_model.name, child_model.id).where(parent == duplicate.id))
    ).all():
        if name in kept_children:
            raise PlaceMergeConflict(name=name, child_id=child_id, target_child_id=kept_children[name])
    moved: dict[str, int] = {}
    try:
        async with session.begin_nested():
            # Every foreign key to the place's table, wherever it is (place children, role grants, API keys).
            for table in Base.metadata.sorted_tables:
                for foreign_key in table.foreign_keys:
                    if foreign_key.column.table is not model.__table__:
                        continue
                    column = foreign_key.parent
                    result = await session.execute(
                        update(table).where(column == duplicate.id).values({column.name: kept.id})
                    )
                    if result.rowcount:  # type: ignore[attr-defined]
                        moved[f"{table.name}.{column.name}"] = result.rowcount  # type: ignore[attr-defined]
            await session.execute(delete(model).where(model.id == duplicate.id))
    except IntegrityError as exc:  # e.g. one account holding the same role on both places
        raise Conflict() from exc
    session.expunge(duplicate)
    await audit_service.append(
        session,
        events.place_merged(
            place_kind=kind.replace(" ", "_"), duplicate_id=duplicate_id, duplicate_name=duplicate.name,
            kept_id=kept.id, moved=moved, by=acting_role(principal, None),
        ),
    )  # fmt: skip
    await session.refresh(kept)
    return kept, moved


async def list_districts(
    session: AsyncSession, *, cursor: str | None, limit: int
) -> tuple[Sequence[District], str | None]:
    return await paginate(session, select(District), key=District.id, cursor=cursor, limit=limit)


ChildPlace = TypeVar("ChildPlace", StreetOffice, Community)


async def _places_under(
    session: AsyncSession,
    place: type[ChildPlace],
    parent: InstrumentedAttribute[uuid.UUID],
    parent_id: uuid.UUID | None,
    *,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[ChildPlace], str | None]:
    """A page of ``place`` rows: all of them, or only those whose ``parent`` is ``parent_id`` when one is given."""
    statement = select(place)
    if parent_id is not None:
        statement = statement.where(parent == parent_id)
    return await paginate(session, statement, key=place.id, cursor=cursor, limit=limit)


async def list_street_offices(
    session: AsyncSession, *, district_id: uuid.UUID | None, cursor: str | None, limit: int
) -> tuple[Sequence[StreetOffice], str | None]:
    return await _places_under(session, StreetOffice, StreetOffice.district_id, district_id, cursor=cursor, limit=limit)


async def list_communities(
    session: AsyncSession, *, street_office_id: uuid.UUID | None, cursor: str | None, limit: int
) -> tuple[Sequence[Community], str | None]:
    return await _places_under(
        session, Community, Community.street_office_id, street_office_id, cursor=cursor, limit=limit
    )


async def list_estates(
    session: AsyncSession,
    principal: Principal,
    *,
    community_id: uuid.UUID | None,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[Estate], str | None]:
    """Estates the principal holds a role on: all (admin), its jurisdiction, its community, its estate."""
    statement = select(Estate).join(Community, Community.id == Estate.community_id)
    if community_id is not None:
        statement = statement.where(Estate.community_id == community_id)
    if not principal.is_admin:
        visible = []
        for scope in principal.scopes:
            if scope.street_office_id is not None:
                visible.append(Community.street_office_id == scope.street_office_id)
            if scope.community_id is not None:
                visible.append(Estate.community_id == scope.community_id)
            if scope.estate_id is not None:
                visible.append(Estate.id == scope.estate_id)
        statement = statement.where(or_(false(), *visible))
    return await paginate(session, statement, key=Estate.id, cursor=cursor, limit=limit)
