"""Register import (atomic, idempotent, versioned) and the voter roll of a register version.

An import is validated completely before anything is written; a file with any error writes nothing and
reports every error at once. A file whose content equals the latest version changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit_service
from app.common.access import Principal
from app.common.errors import Conflict
from app.db.base import utcnow
from app.identity import events as identity_events
from app.ledger import events
from app.ledger.canonical import canonical_sha256
from app.place import access
from app.place import repository as place_repository
from app.place.models import Estate
from app.register import repository
from app.register.errors import RegisterEmpty, RegisterInvalid, RegisterVersionNotFound
from app.register.identifiers import IdentityDocument
from app.register.models import OwnerKind, OwnershipEvidence, RegisterVersion, Unit, UnitOwner
from app.register.parsing import (
    OwnerEntry,
    RegisterFormat,
    RegisterRow,
    RowError,
    TextEncoding,
    parse_register,
)
from app.rules.errors import RuleViolation
from app.rules.roll import AreaSource, Roll, SaleStatus, UnitRecord, build_roll
from app.security.pii import FieldCipher

CERTIFICATE_FIELD = "unit.certificate_number"
CONTENT_MEMBER = "units"
"""The one member of the hashed register content: the list of ``unit_content``, sorted by unit key."""
ProgressCallback = Callable[[int, int], None]
OwnerIdentity = tuple[OwnerKind, IdentityDocument, str]
"""An owner as the file names them: kind, identity document and normalised number."""


VersionListener = Callable[[AsyncSession, RegisterVersion, datetime], Awaitable[object]]
"""Called in the import's transaction after a new version is written (bindings end, supervisors are told)."""
_version_listeners: list[VersionListener] = []


def listen_for_new_versions(listener: VersionListener) -> None:
    """Register ``listener`` for every new register version; the domains that depend on the register (real-name
    bindings, supervision) subscribe here, so the register itself depends on none of them."""
    if listener not in _version_listeners:
        _version_listeners.append(listener)


def _identity(owner: OwnerEntry) -> OwnerIdentity:
    return (owner.kind, owner.document, owner.identifier)


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    version: RegisterVersion
    created: bool
    roll: Roll
    encoding: TextEncoding | None = None
    """How the file was decoded (None for .xlsx)."""


def _roll_errors(rows: Sequence[RegisterRow], estate: Estate) -> list[RowError]:
    """The roll's own checks (R-ROLL-6: parking spaces only leave an empty roll) on a file whose every row is
    valid; owners are keyed by their identity in the file, which groups them as their ids will."""
    records = [
        UnitRecord(
            unit_id=row.unit_key,
            area=row.area,
            area_source=row.area_source,
            owner_keys=frozenset(repr(_identity(owner)) for owner in row.owners),
            sale_status=row.sale_status,
            delivered=row.delivered,
            is_parking=row.parking,
        )
        for row in rows
    ]
    try:
        build_roll(records, developer_key="developer", include_parking=estate.include_parking)
    except RuleViolation as violation:
        return [RowError(0, "", violation.code, violation.message("zh"), violation.message("en"))]
    return []


async def import_register(
    session: AsyncSession,
    estate_id: uuid.UUID,
    content: bytes,
    *,
    register_format: RegisterFormat,
    source_name: str,
    imported_by: Principal,
    cipher: FieldCipher,
    progress: ProgressCallback | None = None,
    now: datetime | None = None,
) -> ImportOutcome:
    """Import a register file; ``imported_by`` (who did it) is stored on the version. Its public
    ``register.version`` entry names only their role and place (``app.common.access.acting_role``); who exactly
    imported is a restricted ``identity.act.recorded`` entry."""
    now = now or utcnow()
    estate = await place_repository.get_estate(session, estate_id)
    # One pass: what the estate adds to the file's own checks (a developer to count with) is checked with them.
    parsed = parse_register(
        content,
        register_format,
        developer_recorded=estate.developer_owner_id is not None,
        include_parking=estate.include_parking,
    )
    rows = parsed.rows
    errors = list(parsed.errors)
    if not errors and not parsed.failed_rows:
        errors.extend(_roll_errors(rows, estate))
    if errors:
        raise _invalid(errors)

    # Progress counts every row twice, checked (its owners indexed) then written, so a bar moves from the start.
    steps = 2 * len(rows)
    if progress is not None:
        progress(0, steps)
    owner_indexes: dict[OwnerIdentity, str] = {}
    for position, row in enumerate(rows, 1):  # one blind index per distinct owner, however many units they hold
        if progress is not None and position % 1000 == 0:
            progress(position, steps)
        for owner in row.owners:
            if _identity(owner) not in owner_indexes:
                owner_indexes[_identity(owner)] = repository.owner_identifier_index(
                    cipher, owner.document, owner.identifier
                )
    content_hash = canonical_sha256(_canonical_content(rows, owner_indexes, cipher))
    latest = await repository.latest_version(session, estate.id)
    # Same content under the same parking rule is the same version; adopted rules of procedure that change the
    # parking rule (R-AREA-3, R-PROC-1) need a new version of the same content.
    if latest is not None and latest.content_hash == content_hash and latest.include_parking == estate.include_parking:
        units = await repository.units_with_owners(session, latest.id)
        return ImportOutcome(latest, created=False, roll=roll_of_units(latest, units), encoding=parsed.encoding)

    ids = await repository.owner_ids(
        session,
        {(kind, index): (document, identifier) for (kind, document, identifier), index in owner_indexes.items()},
        cipher=cipher,
    )
    owner_ids = {identity: ids[(identity[0], index)] for identity, index in owner_indexes.items()}
    records = [_unit_record(row, owner_ids) for row in rows]
    roll = _build_roll_or_raise(
        records, developer_owner_id=estate.developer_owner_id, include_parking=estate.include_parking
    )

    buildings = await repository.get_or_create_buildings(session, estate.id, {row.building for row in rows})
    version = RegisterVersion(
        id=uuid.uuid4(),
        estate_id=estate.id,
        number=(latest.number + 1) if latest is not None else 1,
        content_hash=content_hash,
        unit_count=len(rows),
        include_parking=estate.include_parking,
        developer_owner_id=estate.developer_owner_id,
        source_name=source_name[:300],
        imported_by=imported_by.label[:200],
        created_at=now,
    )
    session.add(version)
    try:
        await session.flush()
    except IntegrityError as exc:  # another import of this estate committed the same version number first
        raise Conflict() from exc
    written = None if progress is None else (lambda done, total: progress(total + done, steps))
    await _insert_units(session, version.id, rows, buildings, owner_ids, cipher=cipher, progress=written)
    # Each register version is an audit-log event, identified by its content hash (no identifiers).
    acted_as = await access.acting_as(session, imported_by, estate.id)
    entry = await audit_service.append(
        session,
        events.register_version(
            version_id=version.id,
            number=version.number,
            content_hash=content_hash,
            unit_count=version.unit_count,
            total=roll.total,
            imported_by=acted_as,
        ),
        estate_id=estate.id,
    )  # fmt: skip
    await identity_events.record_act(session, imported_by, entry, acted_as=acted_as)
    for listener in _version_listeners:
        await listener(session, version, now)
    return ImportOutcome(version, created=True, roll=roll, encoding=parsed.encoding)


async def _insert_units(
    session: AsyncSession,
    version_id: uuid.UUID,
    rows: Sequence[RegisterRow],
    buildings: dict[str, uuid.UUID],
    owner_ids: dict[OwnerIdentity, uuid.UUID],
    *,
    cipher: FieldCipher,
    progress: ProgressCallback | None,
) -> None:
    """The units and their owner links, in batches; on PostgreSQL each batch is one COPY."""
    copy = await _copier(session)
    batch = 10000 if copy is not None else 2000
    for start in range(0, len(rows), batch):
        unit_rows: list[tuple[object, ...]] = []
        owner_rows: list[tuple[object, ...]] = []
        for row in rows[start : start + batch]:
            unit_id = uuid.uuid4()
            protected = cipher.protect(CERTIFICATE_FIELD, row.certificate_number) if row.certificate_number else None
            unit_rows.append(
                (
                    unit_id, version_id, buildings[row.building], row.entrance, row.room, row.unit_key, row.area,
                    row.area_source, row.parking, row.sale_status, row.delivered, row.evidence,
                    protected.ciphertext if protected else None, protected.blind_index if protected else None,
                )
            )  # fmt: skip
            owner_rows.extend(
                (unit_id, owner_ids[_identity(owner)], position, owner.name)
                for position, owner in enumerate(row.owners)
            )
        if copy is not None:
            await copy("unit", unit_rows, UNIT_COLUMNS)
            if owner_rows:
                await copy("unit_owner", owner_rows, UNIT_OWNER_COLUMNS)
        else:
            await session.execute(insert(Unit), [dict(zip(UNIT_COLUMNS, row, strict=True)) for row in unit_rows])
            if owner_rows:
                await session.execute(
                    insert(UnitOwner), [dict(zip(UNIT_OWNER_COLUMNS, row, strict=True)) for row in owner_rows]
                )
        if progress is not None:
            progress(min(start + batch, len(rows)), len(rows))


UNIT_COLUMNS = (
    "id", "register_version_id", "building_id", "entrance", "room", "unit_key", "area", "area_source", "is_parking",
    "sale_status", "delivered", "evidence", "certificate_ciphertext", "certificate_index",
)  # fmt: skip
UNIT_OWNER_COLUMNS = ("unit_id", "owner_id", "position", "name")
Copy = Callable[[str, list[tuple[object, ...]], tuple[str, ...]], Awaitable[object]]


async def _copier(session: AsyncSession) -> Copy | None:
    """PostgreSQL: COPY into a table on the session's own connection (same transaction); None elsewhere."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    if driver is None or not hasattr(driver, "copy_records_to_table"):  # pragma: no cover - asyncpg is the driver
        return None

    async def copy(table: str, records: list[tuple[object, ...]], columns: tuple[str, ...]) -> object:
        return await driver.copy_records_to_table(table, records=records, columns=list(columns))

    return copy


def _canonical_content(
    rows: Sequence[RegisterRow], owner_indexes: dict[OwnerIdentity, str], cipher: FieldCipher
) -> dict[str, object]:
    """What a version's hash covers: every unit field, with identifiers only as their blind indexes."""
    return {
        CONTENT_MEMBER: [
            unit_content(
                unit_key=row.unit_key,
                building=row.building,
                entrance=row.entrance,
                room=row.room,
                area=row.area,
                area_source=row.area_source,
                parking=row.parking,
                sale_status=row.sale_status,
                delivered=row.delivered,
                evidence=row.evidence,
                certificate_index=cipher.blind_index(CERTIFICATE_FIELD, row.certificate_number)
                if row.certificate_number
                else None,
                owners=[(owner.kind, owner_indexes[_identity(owner)], owner.name) for owner in row.owners],
            )
            for row in sorted(rows, key=lambda row: row.unit_key)
        ]
    }


def unit_content(
    *,
    unit_key: str,
    building: str,
    entrance: str | None,
    room: str,
    area: int,
    area_source: AreaSource,
    parking: bool,
    sale_status: SaleStatus,
    delivered: bool,
    evidence: OwnershipEvidence,
    certificate_index: str | None,
    owners: Iterable[tuple[OwnerKind, str, str]],
) -> dict[str, object]:
    """One unit of a version's hashed content (owners as kind, blind index and name), in unit-key order.

    Pure: the import hashes it from the parsed file, ``app.integrity.check`` from the stored rows, so a unit or
    owner-link row changed after the import no longer hashes to the version's logged ``content_hash``.
    """
    return {
        "unit_key": unit_key,
        "building": building,
        "entrance": entrance or "",
        "room": room,
        "area": area,
        "area_source": area_source.value,
        "parking": parking,
        "sale_status": sale_status.value,
        "delivered": delivered,
        "evidence": evidence.value,
        "certificate": certificate_index or "",
        "owners": sorted([kind.value, index, name] for kind, index, name in owners),
    }


def _unit_record(row: RegisterRow, owner_ids: dict[OwnerIdentity, uuid.UUID]) -> UnitRecord:
    return UnitRecord(
        unit_id=row.unit_key,
        area=row.area,
        area_source=row.area_source,
        owner_keys=frozenset(str(owner_ids[_identity(owner)]) for owner in row.owners),
        sale_status=row.sale_status,
        delivered=row.delivered,
        is_parking=row.parking,
    )


def _build_roll_or_raise(
    records: Sequence[UnitRecord], *, developer_owner_id: uuid.UUID | None, include_parking: bool
) -> Roll:
    try:
        return build_roll(
            records,
            developer_key=str(developer_owner_id) if developer_owner_id else None,
            include_parking=include_parking,
        )
    except RuleViolation as violation:
        # e.g. R-ROLL-6: a register of parking spaces only leaves an empty roll.
        raise _invalid([RowError(0, "", violation.code, violation.message("zh"), violation.message("en"))]) from None


def roll_of_units(version: RegisterVersion, units: Sequence[Unit]) -> Roll:
    """The roll (R-HEAD, R-AREA) of a version's units, with the developer and parking rule recorded at import,
    so a version always yields the same roll whatever the estate's settings are today."""
    records = [
        UnitRecord(
            unit_id=unit.unit_key,
            area=unit.area,
            area_source=unit.area_source,
            owner_keys=frozenset(str(link.owner_id) for link in unit.owners),
            sale_status=unit.sale_status,
            delivered=unit.delivered,
            is_parking=unit.is_parking,
        )
        for unit in units
    ]
    return _build_roll_or_raise(
        records, developer_owner_id=version.developer_owner_id, include_parking=version.include_parking
    )


async def get_version(session: AsyncSession, estate_id: uuid.UUID, number: int | None) -> RegisterVersion:
    """Version ``number`` of the estate's register, or the latest when ``number`` is None."""
    if number is None:
        latest = await repository.latest_version(session, estate_id)
        if latest is None:
            raise RegisterEmpty()
        return latest
    version = await repository.get_version(session, estate_id, number)
    if version is None:
        raise RegisterVersionNotFound(number=number)
    return version


async def roll_of_version(
    session: AsyncSession, estate_id: uuid.UUID, number: int | None
) -> tuple[Estate, RegisterVersion, Roll, Sequence[Unit]]:
    estate = await place_repository.get_estate(session, estate_id)
    version = await get_version(session, estate.id, number)
    units = await repository.units_with_owners(session, version.id)
    return estate, version, roll_of_units(version, units), units


#: The errors a refusal lists: a broken file of 100,000 rows would otherwise answer with tens of megabytes; the
#: count is always exact, and fixing the first ones (usually one systematic mistake) is what the committee does next.
REPORTED_ERRORS = 1000


def _invalid(errors: Sequence[RowError]) -> RegisterInvalid:
    ordered = sorted(errors, key=lambda error: (error.row, error.column, error.code))
    shown = [error.to_dict() for error in ordered[:REPORTED_ERRORS]]
    return RegisterInvalid(
        count=len(ordered), extra={"errors": shown, "errors_total": len(ordered), "errors_shown": len(shown)}
    )


@dataclass(frozen=True, slots=True)
class UnitChange:
    unit_key: str
    change: str  # ADDED, REMOVED, CHANGED
    fields: tuple[str, ...]
    before: Unit | None
    after: Unit | None


_COMPARED = ("building_id", "entrance", "room", "area", "area_source", "is_parking", "sale_status", "delivered",
             "evidence", "certificate_index")  # fmt: skip


def _unit_fields(before: Unit, after: Unit) -> tuple[str, ...]:
    fields = [name.removesuffix("_index").removesuffix("_id") for name in _COMPARED
              if getattr(before, name) != getattr(after, name)]  # fmt: skip
    owners_before = [(link.owner_id, link.name) for link in before.owners]
    owners_after = [(link.owner_id, link.name) for link in after.owners]
    if sorted(owners_before, key=str) != sorted(owners_after, key=str):
        fields.append("owners")
    return tuple(fields)


async def diff_versions(
    session: AsyncSession, estate_id: uuid.UUID, first: int | None, second: int | None
) -> tuple[RegisterVersion, RegisterVersion, list[UnitChange]]:
    """Units added, removed and changed from version ``first`` to ``second`` of the estate's register, by unit key
    (by default from the version before the latest to the latest)."""
    after_version = await get_version(session, estate_id, second)
    before_version = await get_version(session, estate_id, first or max(after_version.number - 1, 1))
    before = {unit.unit_key: unit for unit in await repository.units_with_owners(session, before_version.id)}
    after = {unit.unit_key: unit for unit in await repository.units_with_owners(session, after_version.id)}
    changes: list[UnitChange] = []
    for key in sorted(before.keys() | after.keys()):
        old, new = before.get(key), after.get(key)
        if old is None:
            changes.append(UnitChange(key, "ADDED", (), None, new))
        elif new is None:
            changes.append(UnitChange(key, "REMOVED", (), old, None))
        elif fields := _unit_fields(old, new):
            changes.append(UnitChange(key, "CHANGED", fields, old, new))
    return before_version, after_version, changes
