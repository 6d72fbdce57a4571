"""A committee's disclosures: half-yearly fee publications, yearly reports, the street office's evaluations (R-DISC)."""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Path, Response, UploadFile, status

from app.common.errors import Unauthenticated
from app.disclosure import errors, service
from app.disclosure.models import ReportDocument
from app.disclosure.schemas import (
    CommitteeReportRead,
    EvaluationCreate,
    EvaluationRead,
    FeeDisclosureCreate,
    FeeDisclosureRead,
    FeeEntryRead,
)
from app.errors import NotFound
from app.http.deps import Clock, CurrentPrincipal, SessionDep
from app.http.errors import PayloadTooLarge
from app.http.problems import problem_responses
from app.rules.disclosure import HalfYear
from app.rules.errors import DisclosurePeriodNotEnded, DisclosureYearInFuture
from app.vote.service import ATTACHMENT_MAX_BYTES

router = APIRouter(tags=["committees"])
CommitteeId = Annotated[uuid.UUID, Path(description="Committee id")]
ReportId = Annotated[uuid.UUID, Path(description="Committee report id")]
READ_ERRORS = (Unauthenticated, NotFound)
WRITE_ERRORS = (
    Unauthenticated,
    NotFound,
    errors.AlreadyPublished,
    errors.PeriodOutsideTerm,
)


def _fee_read(view: service.FeeView) -> FeeDisclosureRead:
    disclosure = view.disclosure
    return FeeDisclosureRead.from_attributes_of(
        disclosure,
        period=HalfYear(disclosure.year, disclosure.half).label,
        as_of=view.as_of,
        entries=[
            FeeEntryRead(
                member_id=entry.member_id,
                seat_kind=view.members[entry.member_id].seat_kind,
                seat=view.members[entry.member_id].seat,
                name=view.names.get(entry.member_id),
                property_fee=entry.property_fee,
                parking_fee=entry.parking_fee,
            )
            for entry in disclosure.entries
        ],
    )


@router.get(
    "/committees/{committee_id}/fee-disclosures",
    response_model=list[FeeDisclosureRead],
    responses=problem_responses(*READ_ERRORS),
)
async def list_fee_disclosures(
    committee_id: CommitteeId, session: SessionDep, principal: CurrentPrincipal
) -> list[FeeDisclosureRead]:
    """The half-yearly publications of the members' fee payments (R-DISC-1/2): the estate's staff and its owners
    (masked names) read them."""
    return [_fee_read(view) for view in await service.list_fees(session, principal, committee_id)]


@router.post(
    "/committees/{committee_id}/fee-disclosures",
    status_code=status.HTTP_201_CREATED,
    response_model=FeeDisclosureRead,
    responses=problem_responses(
        *WRITE_ERRORS, errors.CommitteeOnly, errors.FeeEntriesMismatch, DisclosurePeriodNotEnded
    ),
)
async def publish_fee_disclosure(
    committee_id: CommitteeId,
    body: FeeDisclosureCreate,
    session: SessionDep,
    principal: CurrentPrincipal,
    clock: Clock,
) -> FeeDisclosureRead:
    """The committee publishes, for an ended half-year, whether each member and alternate has paid the property and
    parking fees (Beijing Art. 44(8); seed 003 §四.4; R-DISC-1/2), to the owners and in the log (counts only)."""
    disclosure = await service.publish_fees(session, principal, committee_id, body, now=clock())
    views = await service.list_fees(session, principal, committee_id)
    return _fee_read(next(view for view in views if view.disclosure.id == disclosure.id))


@router.get(
    "/committees/{committee_id}/reports",
    response_model=list[CommitteeReportRead],
    responses=problem_responses(*READ_ERRORS),
)
async def list_committee_reports(
    committee_id: CommitteeId, session: SessionDep, principal: CurrentPrincipal
) -> list[CommitteeReportRead]:
    """The committee's yearly reports (R-DISC-4): the estate's staff and its owners read them."""
    return [
        CommitteeReportRead.model_validate(report)
        for report in await service.list_reports(session, principal, committee_id)
    ]


@router.post(
    "/committees/{committee_id}/reports",
    status_code=status.HTTP_201_CREATED,
    response_model=CommitteeReportRead,
    responses=problem_responses(*WRITE_ERRORS, errors.ReportDocumentInvalid, DisclosureYearInFuture, PayloadTooLarge),
)
async def publish_committee_report(
    committee_id: CommitteeId,
    year: Annotated[int, Form(ge=2000, le=2199, description="The year reported on")],
    work_report: Annotated[UploadFile, File(description="工作报告: PDF, PNG or JPEG, at most 20 MB")],
    finances: Annotated[UploadFile, File(description="财务收支情况: PDF, PNG or JPEG, at most 20 MB")],
    session: SessionDep,
    principal: CurrentPrincipal,
    clock: Clock,
) -> CommitteeReportRead:
    """The committee publishes its yearly work report and finances summary to the owners, stored with their SHA-256
    and logged by hash (Beijing Art. 44(1); seed 003 §三.3; R-DISC-4)."""
    uploads = []
    for role, file in ((ReportDocument.WORK_REPORT, work_report), (ReportDocument.FINANCES, finances)):
        content = await file.read(ATTACHMENT_MAX_BYTES + 1)
        if len(content) > ATTACHMENT_MAX_BYTES:
            raise PayloadTooLarge(limit=ATTACHMENT_MAX_BYTES)
        uploads.append(service.Upload(role, file.filename, content))
    report = await service.publish_report(session, principal, committee_id, year=year, uploads=uploads, now=clock())
    return CommitteeReportRead.model_validate(report)


@router.get(
    "/committee-reports/{report_id}/documents/{document}",
    response_class=Response,
    responses={
        200: {
            "description": "The document as published",
            "content": {"application/pdf": {}, "image/png": {}, "image/jpeg": {}},
        },
        **problem_responses(*READ_ERRORS),
    },
)
async def get_committee_report_document(
    report_id: ReportId, document: ReportDocument, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    """Download a yearly report's document (the estate's staff and owners); ``ETag`` is its SHA-256."""
    row = await service.read_report_document(session, principal, report_id, document)
    ascii_name = row.filename.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    return Response(
        content=row.content,
        media_type=row.content_type,
        headers={
            "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(row.filename)}",
            "ETag": f'"{row.sha256}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get(
    "/committees/{committee_id}/evaluations",
    response_model=list[EvaluationRead],
    responses=problem_responses(*READ_ERRORS),
)
async def list_committee_evaluations(
    committee_id: CommitteeId, session: SessionDep, principal: CurrentPrincipal
) -> list[EvaluationRead]:
    """The street office's yearly evaluations of the committee (R-DISC-5): the committee, the estate's other staff
    and its owners read them (seed 003 §四.3 「将评价结果告知小区业主」)."""
    return [
        EvaluationRead.model_validate(row) for row in await service.list_evaluations(session, principal, committee_id)
    ]


@router.post(
    "/committees/{committee_id}/evaluations",
    status_code=status.HTTP_201_CREATED,
    response_model=EvaluationRead,
    responses=problem_responses(*WRITE_ERRORS, errors.StreetOfficeOnly, DisclosureYearInFuture),
)
async def record_committee_evaluation(
    committee_id: CommitteeId, body: EvaluationCreate, session: SessionDep, principal: CurrentPrincipal, clock: Clock
) -> EvaluationRead:
    """The street office of the estate's jurisdiction records its yearly 规范化履职评价 of the committee, with the
    grade and the document's hash, told to the owners and logged (seed 003 §四.3; R-DISC-5)."""
    evaluation = await service.record_evaluation(session, principal, committee_id, body, now=clock())
    return EvaluationRead.model_validate(evaluation)
