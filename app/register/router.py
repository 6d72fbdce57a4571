from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, File, Path, Query, Response, UploadFile, status
from sqlalchemy import select

from app.common.access import Role
from app.common.errors import Forbidden, InvalidCursor, Unauthenticated
from app.common.pagination import CursorParam, LimitParam, Page, decode_cursor, encode_cursor, paginate
from app.common.schemas import UnitRef
from app.errors import NotFound, Text
from app.http.deps import CipherDep, Clock, CurrentPrincipal, SessionDep, SettingsDep
from app.http.errors import PayloadTooLarge
from app.http.problems import problem_responses
from app.place import access
from app.register import repository, service, template
from app.register.errors import RegisterEmpty, RegisterFormatUnknown, RegisterInvalid, RegisterVersionNotFound
from app.register.models import RegisterVersion, Unit, UnitOwner
from app.register.parsing import RegisterFormat
from app.register.schemas import (
    OwnerRead,
    RegisterDiffRead,
    RegisterImportRead,
    RegisterVersionRead,
    RollRead,
    Totals,
    UnitChangeRead,
    UnitRead,
    VoterGroupRead,
)
from app.rules.counts import Weight
from app.rules.numeric import area_display
from app.rules.roll import public_group_id
from app.security.pii import mask_name

router = APIRouter(prefix="/estates/{estate_id}", tags=["register"])
template_router = APIRouter(prefix="/register", tags=["register"])
EstateId = Annotated[uuid.UUID, Path(description="Estate id")]
AUTH_ERRORS = (Unauthenticated, Forbidden, NotFound)


def _totals(weight: Weight) -> Totals:
    return Totals(heads=weight.heads, area=weight.area, area_m2=area_display(weight.area))


def _owner_read(link: UnitOwner) -> OwnerRead:
    return OwnerRead(
        name=mask_name(link.name),
        kind=link.owner.kind.value,
        identifier="*" * 14 + link.owner.identifier_last4,
    )


XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def detect_format(filename: str | None, content_type: str | None, explicit: RegisterFormat | None) -> RegisterFormat:
    if explicit is not None:
        return explicit
    name = (filename or "").lower()
    if name.endswith(".csv") or (content_type or "").startswith("text/csv"):
        return RegisterFormat.CSV
    if name.endswith(".json") or (content_type or "").startswith("application/json"):
        return RegisterFormat.JSON
    if name.endswith(".xlsx") or (content_type or "").startswith(XLSX_MEDIA_TYPE):
        return RegisterFormat.XLSX
    raise RegisterFormatUnknown()


@router.post(
    "/register/imports",
    response_model=RegisterImportRead,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": RegisterImportRead, "description": "Identical to the latest version: nothing changed"},
        **problem_responses(*AUTH_ERRORS, RegisterInvalid, RegisterFormatUnknown, PayloadTooLarge),
    },
)
async def import_register(
    estate_id: EstateId,
    file: Annotated[
        UploadFile,
        File(description="Register as CSV (UTF-8 with or without BOM, or GBK/GB18030), Excel .xlsx or JSON"),
    ],
    session: SessionDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    response: Response,
    cipher: CipherDep,
    clock: Clock,
    register_format: Annotated[RegisterFormat | None, Query(alias="format")] = None,
) -> RegisterImportRead:
    """Import the estate's property register; every error of the file is reported at once, in the request's
    language and with the columns named as the file names them, and nothing is written."""
    await access.ensure_can_manage_estate(session, principal, estate_id)
    chosen = detect_format(file.filename, file.content_type, register_format)
    content = await file.read(settings.max_upload_bytes + 1)
    if len(content) > settings.max_upload_bytes:
        raise PayloadTooLarge(limit=settings.max_upload_bytes)
    outcome = await service.import_register(
        session,
        estate_id,
        content,
        register_format=chosen,
        source_name=file.filename or "upload",
        imported_by=principal,
        cipher=cipher,
        now=clock(),
    )
    if not outcome.created:
        response.status_code = status.HTTP_200_OK
    return RegisterImportRead(
        created=outcome.created,
        version=RegisterVersionRead.model_validate(outcome.version),
        totals=_totals(outcome.roll.total),
        format=chosen,
        encoding=outcome.encoding,
    )


@router.get("/register/versions", responses=problem_responses(*AUTH_ERRORS, InvalidCursor))
async def list_register_versions(
    estate_id: EstateId,
    session: SessionDep,
    principal: CurrentPrincipal,
    cursor: CursorParam = None,
    limit: LimitParam = 50,
) -> Page[RegisterVersionRead]:
    """Every register version of the estate; earlier versions stay readable."""
    await access.ensure_can_read_estate(session, principal, estate_id)
    statement = select(RegisterVersion).where(RegisterVersion.estate_id == estate_id)
    rows, next_cursor = await paginate(session, statement, key=RegisterVersion.number, cursor=cursor, limit=limit)
    return Page(items=[RegisterVersionRead.model_validate(row) for row in rows], next_cursor=next_cursor)


@router.get(
    "/register/versions/{number}/units",
    responses=problem_responses(*AUTH_ERRORS, RegisterVersionNotFound, InvalidCursor),
)
async def list_register_units(
    estate_id: EstateId,
    number: Annotated[int, Path(ge=1, le=2**31 - 1)],
    session: SessionDep,
    principal: CurrentPrincipal,
    cursor: CursorParam = None,
    limit: LimitParam = 100,
) -> Page[UnitRead]:
    """The units of one register version with masked owners (R-PI-2); not for observers (R-SUP-2: notices,
    participation and results only)."""
    roles = await access.ensure_can_read_estate(session, principal, estate_id)
    if not roles - {Role.OBSERVER}:
        raise Forbidden(
            reason=Text(
                "居民委员会只能查看公告、参与情况和表决结果",
                "the residents' committee observes notices, participation and results",
            )
        )
    version = await service.get_version(session, estate_id, number)
    buildings = await repository.building_names(session, estate_id)
    statement = repository.units_statement(version.id)
    rows, next_cursor = await paginate(session, statement, key=Unit.unit_key, cursor=cursor, limit=limit)
    return Page(items=[_unit_read(unit, buildings) for unit in rows], next_cursor=next_cursor)


@router.get(
    "/register/diff",
    response_model=RegisterDiffRead,
    responses=problem_responses(*AUTH_ERRORS, RegisterEmpty, RegisterVersionNotFound, InvalidCursor),
)
async def diff_register_versions(
    estate_id: EstateId,
    session: SessionDep,
    principal: CurrentPrincipal,
    first: Annotated[
        int | None,
        Query(alias="from", ge=1, le=2**31 - 1, description="Earlier version; the one before `to` if omitted"),
    ] = None,
    second: Annotated[
        int | None, Query(alias="to", ge=1, le=2**31 - 1, description="Later version; latest if omitted")
    ] = None,
    cursor: CursorParam = None,
    limit: LimitParam = 100,
) -> RegisterDiffRead:
    """Units added, removed and changed between two register versions, owners masked: the street office sees
    every change an importer made, a row planted and removed again included (R-SUP-1, R-ROLL-3)."""
    roles = await access.ensure_can_read_estate(session, principal, estate_id)
    if not roles - {Role.OBSERVER}:
        raise Forbidden(
            reason=Text(
                "居民委员会只能查看公告、参与情况和表决结果",
                "the residents' committee observes notices, participation and results",
            )
        )
    before, after, changes = await service.diff_versions(session, estate_id, first, second)
    after_key = decode_cursor(cursor, str) if cursor is not None else None
    remaining = [change for change in changes if after_key is None or change.unit_key > after_key]
    page = remaining[:limit]
    return RegisterDiffRead(
        from_version=RegisterVersionRead.model_validate(before),
        to_version=RegisterVersionRead.model_validate(after),
        added=sum(change.change == "ADDED" for change in changes),
        removed=sum(change.change == "REMOVED" for change in changes),
        changed=sum(change.change == "CHANGED" for change in changes),
        units=[
            UnitChangeRead(
                unit_key=change.unit_key,
                change=change.change,
                fields=list(change.fields),
                owners_before=[_owner_read(link) for link in change.before.owners] if change.before else [],
                owners_after=[_owner_read(link) for link in change.after.owners] if change.after else [],
            )
            for change in page
        ],
        next_cursor=encode_cursor(page[-1].unit_key) if len(remaining) > limit else None,
    )


def _unit_read(unit: Unit, buildings: dict[uuid.UUID, str]) -> UnitRead:
    return UnitRead(
        unit_key=unit.unit_key,
        building=buildings[unit.building_id],
        entrance=unit.entrance,
        room=unit.room,
        area=unit.area,
        area_m2=area_display(unit.area),
        area_source=unit.area_source,
        is_parking=unit.is_parking,
        sale_status=unit.sale_status,
        delivered=unit.delivered,
        evidence=unit.evidence,
        owners=[_owner_read(link) for link in unit.owners],
    )


@router.get(
    "/roll",
    response_model=RollRead,
    responses=problem_responses(*AUTH_ERRORS, RegisterEmpty, RegisterVersionNotFound, InvalidCursor),
)
async def get_roll(
    estate_id: EstateId,
    session: SessionDep,
    principal: CurrentPrincipal,
    version: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="Register version; latest if omitted")] = None,
    cursor: CursorParam = None,
    limit: LimitParam = 100,
) -> RollRead:
    """Totals, and the voter groups with their units, heads and areas (R-HEAD, R-AREA); names masked."""
    await access.ensure_can_read_estate(session, principal, estate_id)
    estate, register_version, roll, units = await service.roll_of_version(session, estate_id, version)
    links_by_owner = {str(link.owner_id): link for unit in units for link in unit.owners}
    after = decode_cursor(cursor, str) if cursor is not None else None
    # Owner ids are global (one person across estates); show an opaque per-estate key instead.
    keyed = sorted((public_group_id(str(estate.id), group.key), group) for group in roll.groups)
    groups = [(key, group) for key, group in keyed if after is None or key > after]
    page, more = groups[:limit], len(groups) > limit
    return RollRead(
        version=RegisterVersionRead.model_validate(register_version),
        include_parking=estate.include_parking,
        totals=_totals(roll.total),
        excluded_parking_units=len(roll.excluded_parking),
        groups=[
            VoterGroupRead(
                group_id=key,
                heads=group.weight.heads,
                area=group.area,
                area_m2=area_display(group.area),
                is_developer=group.is_developer,
                owners=_group_owners(
                    group.owner_keys,
                    links_by_owner,
                    is_developer=group.is_developer,
                    developer_name=estate.developer_name,
                ),
                units=[UnitRef.of_key(unit) for unit in group.unit_ids],
            )
            for key, group in page
        ],
        next_cursor=encode_cursor(page[-1][0]) if more else None,
    )


def _group_owners(
    owner_keys: frozenset[str], links: dict[str, UnitOwner], *, is_developer: bool, developer_name: str | None
) -> list[OwnerRead]:
    owners = [_owner_read(links[key]) for key in sorted(owner_keys) if key in links]
    if is_developer and not owners and developer_name:
        owners = [OwnerRead(name=mask_name(developer_name), kind="ORGANISATION", identifier="")]
    return owners


TEMPLATE_MEDIA_TYPES = {RegisterFormat.CSV: "text/csv; charset=utf-8", RegisterFormat.XLSX: XLSX_MEDIA_TYPE}


@template_router.get(
    "/template",
    response_class=Response,
    responses={
        200: {
            "description": "The template file",
            "content": {media_type: {} for media_type in TEMPLATE_MEDIA_TYPES.values()},
        },
        **problem_responses(Unauthenticated),
    },
)
async def download_register_template(
    principal: CurrentPrincipal,
    template_format: Annotated[
        Literal["csv", "xlsx"], Query(alias="format", description="csv (UTF-8 with BOM) or xlsx")
    ] = "xlsx",
) -> Response:
    """The register template: Chinese headers and an example row, as Excel (columns formatted as text, with a
    sheet explaining each column) or CSV."""
    chosen = RegisterFormat(template_format)
    content = template.template_xlsx() if chosen is RegisterFormat.XLSX else template.template_csv()
    filename = f"{template.TEMPLATE_NAME}.{chosen.value}"
    return Response(
        content,
        media_type=TEMPLATE_MEDIA_TYPES[chosen],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
