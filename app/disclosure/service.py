"""A committee's disclosure duties (R-DISC-1..6): the half-yearly fee publication, the yearly report, and the street
office's yearly evaluation.

Who records what (R-DISC-6): the committee (the ``COMMITTEE`` role of the estate) publishes its members' fee
payments and its yearly report, the duties are its own (Beijing Art. 44(1), (8)); the street office of the estate's
jurisdiction alone records its evaluation of the committee (seed 003 §四.3), so the committee never grades itself.
Everyone with a role on the estate and the owners bound in it read all three (owners see masked names); anyone else
is told the committee does not exist.

Each record is published to the estate's owners as a ``DISCLOSURE`` notice (no names: seats and standings only) and
logged publicly with counts and hashes only (``app.ledger.events``); who exactly acted is a restricted
``identity.act.recorded`` entry. Services flush, never commit.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.audit import service as audit_service
from app.committee import service as committee_service
from app.committee.models import Committee, CommitteeMember, Constituency, SeatKind
from app.common.access import Principal, Role
from app.disclosure.errors import (
    AlreadyPublished,
    CommitteeOnly,
    FeeEntriesMismatch,
    PeriodOutsideTerm,
    ReportDocumentInvalid,
    StreetOfficeOnly,
)
from app.disclosure.models import (
    CommitteeEvaluation,
    CommitteeReport,
    CommitteeReportDocument,
    EvaluationGrade,
    FeeDisclosure,
    FeeDisclosureEntry,
    FeeStanding,
    ReportDocument,
)
from app.disclosure.schemas import EvaluationCreate, FeeDisclosureCreate
from app.errors import NotFound
from app.identity import events as identity_events
from app.ledger import events
from app.ledger.canonical import canonical_sha256
from app.notice import service as notice_service
from app.notice.models import Audience, NoticeKind
from app.place import access
from app.rules.committees import CommitteeKind, term_end
from app.rules.disclosure import HalfYear, check_half_year_ended, check_year_begun, fee_disclosure_reminder
from app.rules.publicity import shanghai_date
from app.vote.service import clean_filename, sniff_content_type

FEE_SCHEMA = "evote/fee-disclosure/1"
EVALUATION_SCHEMA = "evote/committee-evaluation/1"
_KIND_ZH = {CommitteeKind.OWNERS_COMMITTEE: "业主委员会", CommitteeKind.PROPERTY_MANAGEMENT_COMMITTEE: "物业管理委员会"}
_SEAT_ZH = {SeatKind.MEMBER: "委员", SeatKind.ALTERNATE: "候补委员"}
_STANDING_ZH = {FeeStanding.PAID: "已交清", FeeStanding.IN_ARREARS: "欠缴", FeeStanding.NOT_APPLICABLE: "不适用"}
_GRADE_ZH = {
    EvaluationGrade.EXCELLENT: "优秀",
    EvaluationGrade.GOOD: "良好",
    EvaluationGrade.SATISFACTORY: "合格",
    EvaluationGrade.FAIL: "不合格",
}
_DOCUMENT_ZH = {ReportDocument.WORK_REPORT: "工作报告", ReportDocument.FINANCES: "财务收支情况"}


# --- Access (R-DISC-6) ---


async def _writer(
    session: AsyncSession, principal: Principal, committee_id: uuid.UUID
) -> tuple[Committee, frozenset[Role]]:
    """The committee, row-locked, and the caller's roles on its estate (404 for a caller with none)."""
    committee = await committee_service.get_committee(session, committee_id, for_update=True)
    try:
        roles = await access.estate_roles(session, principal, committee.estate_id)
    except NotFound:
        raise NotFound(what="committee") from None
    return committee, roles


def _require_committee(roles: frozenset[Role], *, basis: str) -> None:
    if Role.COMMITTEE not in roles:
        raise CommitteeOnly(basis=basis)


async def _reader(
    session: AsyncSession, principal: Principal, committee_id: uuid.UUID
) -> tuple[Committee, frozenset[Role] | None]:
    committee = await committee_service.get_committee(session, committee_id)
    try:
        roles = await committee_service.reader_roles(session, principal, committee.estate_id)
    except NotFound:
        raise NotFound(what="committee") from None
    return committee, roles


async def _act(session: AsyncSession, principal: Principal, estate_id: uuid.UUID, event: events.Event) -> str:
    acted_as = await access.acting_as(session, principal, estate_id)
    entry = await audit_service.append(session, event, estate_id=estate_id)
    await identity_events.record_act(session, principal, entry, acted_as=acted_as)
    return acted_as


def _check_within_term(committee: Committee, first_day: date, last_day: date, period: str) -> date:
    """The period overlaps the committee's term (capped by statute, R-COMM-2); the term's effective end."""
    ends_on = term_end(committee.kind, committee.term_starts_on, committee.term_ends_on)
    if last_day < committee.term_starts_on or first_day > ends_on:
        raise PeriodOutsideTerm(
            period=period, starts_on=committee.term_starts_on.isoformat(), ends_on=ends_on.isoformat()
        )
    return ends_on


# --- R-DISC-1/2: the half-yearly fee publication (Beijing Art. 44(8); seed 003 §四.4) ---


def sitting_on(committee: Committee, day: date) -> list[CommitteeMember]:
    """Owner members and alternates in office on ``day``, members first, by seat (a 物管会's residents' committee and
    property-user representatives are not owners and owe no fee as members)."""
    sitting = [
        member
        for member in committee.members
        if member.constituency is Constituency.OWNER
        and member.started_on <= day
        and (member.ended_on is None or member.ended_on > day)
    ]
    return sorted(sitting, key=lambda m: (m.seat_kind is not SeatKind.MEMBER, m.seat))


def fee_document(
    disclosure: FeeDisclosure, members: dict[uuid.UUID, CommitteeMember], as_of: date
) -> dict[str, object]:
    """The publication as hashed (RFC 8785): member ids, seats and standings; no name, no owner."""
    return {
        "schema": FEE_SCHEMA,
        "committee_id": str(disclosure.committee_id),
        "period": HalfYear(disclosure.year, disclosure.half).label,
        "as_of": as_of.isoformat(),
        "source": disclosure.source.value,
        "source_document_sha256": disclosure.source_document_sha256,
        "entries": [
            {
                "member_id": str(entry.member_id),
                "seat_kind": members[entry.member_id].seat_kind.value,
                "seat": members[entry.member_id].seat,
                "property_fee": entry.property_fee.value,
                "parking_fee": entry.parking_fee.value,
            }
            for entry in disclosure.entries
        ],
    }


def as_of(committee: Committee, disclosure: FeeDisclosure) -> date:
    """The day the standings are reported at: the half-year's last day, or the term's end if earlier."""
    ends_on = term_end(committee.kind, committee.term_starts_on, committee.term_ends_on)
    return min(HalfYear(disclosure.year, disclosure.half).last_day, ends_on)


async def publish_fees(
    session: AsyncSession, principal: Principal, committee_id: uuid.UUID, body: FeeDisclosureCreate, *, now: datetime
) -> FeeDisclosure:
    committee, roles = await _writer(session, principal, committee_id)
    _require_committee(roles, basis="Beijing Art. 44(8)")
    period = HalfYear(body.year, body.half)
    check_half_year_ended(period, shanghai_date(now))  # R-DISC-1
    ends_on = _check_within_term(committee, period.first_day, period.last_day, period.label)
    existing = await session.scalar(
        select(FeeDisclosure).where(
            FeeDisclosure.committee_id == committee.id,
            FeeDisclosure.year == period.year,
            FeeDisclosure.half == period.half,
        )
    )
    if existing is not None:
        raise AlreadyPublished(period=period.label, published_at=existing.published_at)
    reported_on = min(period.last_day, ends_on)
    expected = sitting_on(committee, reported_on)
    given = {entry.member_id: entry for entry in body.entries}
    if len(given) != len(body.entries) or set(given) != {member.id for member in expected}:
        raise FeeEntriesMismatch(as_of=reported_on.isoformat(), expected=len(expected))  # R-DISC-2
    acted_as = await access.acting_as(session, principal, committee.estate_id)
    disclosure = FeeDisclosure(
        id=uuid.uuid4(),
        committee_id=committee.id,
        estate_id=committee.estate_id,
        year=period.year,
        half=period.half,
        source=body.source,
        source_document_sha256=body.source_document_sha256,
        published_at=now.astimezone(UTC),
        recorded_by=acted_as,
        entries=[
            FeeDisclosureEntry(
                id=uuid.uuid4(),
                position=position,
                member_id=member.id,
                property_fee=FeeStanding(given[member.id].property_fee),
                parking_fee=given[member.id].parking_fee,
            )
            for position, member in enumerate(expected, start=1)
        ],
    )
    members = {member.id: member for member in expected}
    disclosure.content_sha256 = canonical_sha256(fee_document(disclosure, members, reported_on))
    session.add(disclosure)
    await session.flush()
    in_arrears = sum(
        1 for entry in disclosure.entries if FeeStanding.IN_ARREARS in (entry.property_fee, entry.parking_fee)
    )
    await _act(
        session,
        principal,
        committee.estate_id,
        events.committee_fees_published(
            disclosure_id=disclosure.id,
            committee_id=committee.id,
            period=period.label,
            source=body.source.value,
            source_document_sha256=body.source_document_sha256,
            content_sha256=disclosure.content_sha256,
            listed=len(disclosure.entries),
            in_arrears=in_arrears,
            recorded_by=acted_as,
        ),
    )
    kind_zh = _KIND_ZH[committee.kind]
    half_zh = "上半年" if period.half == 1 else "下半年"
    lines = []
    for entry in disclosure.entries:
        member = members[entry.member_id]
        lines.append(
            f"{_SEAT_ZH[member.seat_kind]}第 {member.seat} 席：物业费{_STANDING_ZH[entry.property_fee]}，"
            f"停车费{_STANDING_ZH[entry.parking_fee]}"
        )
    await notice_service.publish_notice(
        session,
        estate_id=committee.estate_id,
        kind=NoticeKind.DISCLOSURE,
        title=f"{kind_zh}委员、候补委员{period.year}年{half_zh}交纳物业费、停车费情况公示",
        body=(
            f"截至 {reported_on.isoformat()}，{kind_zh}委员、候补委员交纳物业费、停车费情况如下（北京市物业管理条例"
            "第四十四条第八项；朝阳区文件第四部分第4项）：\n" + "\n".join(lines) + "\n"
            "委员姓名见本小区委员会名单；业主可在系统中查阅本公示。公示内容哈希："
            f"{disclosure.content_sha256}\n"
            f"The members' and alternates' payment of property and parking fees at {reported_on.isoformat()} "
            f"({period.label}, Beijing Art. 44(8)): {len(lines)} listed, {in_arrears} in arrears."
        ),
        now=now,
        audience=Audience.OWNERS.value,
    )
    return disclosure


@dataclass(frozen=True, slots=True)
class FeeView:
    disclosure: FeeDisclosure
    as_of: date
    members: dict[uuid.UUID, CommitteeMember]
    names: dict[uuid.UUID, str | None]


async def list_fees(session: AsyncSession, principal: Principal, committee_id: uuid.UUID) -> list[FeeView]:
    committee, roles = await _reader(session, principal, committee_id)
    names, _ = await committee_service.member_names(session, [committee], masked=roles is None)
    members = {member.id: member for member in committee.members}
    rows = (
        await session.scalars(
            select(FeeDisclosure)
            .where(FeeDisclosure.committee_id == committee.id)
            .options(selectinload(FeeDisclosure.entries))
            .order_by(FeeDisclosure.year.desc(), FeeDisclosure.half.desc())
        )
    ).all()
    return [FeeView(row, as_of(committee, row), members, names) for row in rows]


async def publish_fee_reminders(
    session: AsyncSession, *, today: date, now: datetime, published: set[tuple[uuid.UUID, str]]
) -> int:
    """R-DISC-3: remind the organisers (and the street office) of a 业委会's half-year publication once it is due
    and once more when it is overdue; each stage of each half-year of each committee once."""
    done: dict[uuid.UUID, set[HalfYear]] = {}
    for committee_id, year, half in (
        await session.execute(select(FeeDisclosure.committee_id, FeeDisclosure.year, FeeDisclosure.half))
    ).all():
        done.setdefault(committee_id, set()).add(HalfYear(year, half))
    committees = (
        await session.scalars(
            select(Committee).where(Committee.kind == CommitteeKind.OWNERS_COMMITTEE).order_by(Committee.id)
        )
    ).all()
    count = 0
    for committee in committees:
        ends_on = term_end(committee.kind, committee.term_starts_on, committee.term_ends_on)
        reminder = fee_disclosure_reminder(
            today, committee.term_starts_on, ends_on, frozenset(done.get(committee.id, set()))
        )
        key = None if reminder is None else f"{reminder.key}:{committee.id}"
        if reminder is None or key is None or (committee.estate_id, key) in published:
            continue
        period = reminder.period
        half_zh = "上半年" if period.half == 1 else "下半年"
        overdue = reminder.stage.value == "OVERDUE"
        draft = notice_service.NoticeDraft(
            estate_id=committee.estate_id,
            kind=NoticeKind.REMINDER,
            title="提醒：" + ("已逾期未" if overdue else "应当") + f"公示{period.year}年{half_zh}委员交纳物业费情况",
            body=(
                f"业主委员会应每半年公示委员、候补委员交纳物业费、停车费情况（北京条例第四十四条第八项；朝阳区文件"
                f"第四部分第4项）。{period.year}年{half_zh}的公示应于 {period.due_on.isoformat()} 前作出"
                + ("，现已逾期。" if overdue else "。")
                + f"\nThe committee publishes its members' and alternates' fee payments every six months (Beijing "
                f"Art. 44(8); seed 003 §四.4): the publication for {period.label} is due by "
                f"{period.due_on.isoformat()}" + (" and is overdue." if overdue else ".")
            ),
            audience=Audience.ORGANISERS,
        )
        count += await notice_service.publish_notice_once(session, draft, now=now, dedup_key=key) is not None
    return count


# --- R-DISC-4: the yearly report (Beijing Art. 44(1); seed 003 §三.3) ---


@dataclass(frozen=True, slots=True)
class Upload:
    role: ReportDocument
    filename: str | None
    content: bytes


async def publish_report(
    session: AsyncSession,
    principal: Principal,
    committee_id: uuid.UUID,
    *,
    year: int,
    uploads: Sequence[Upload],
    now: datetime,
) -> CommitteeReport:
    committee, roles = await _writer(session, principal, committee_id)
    _require_committee(roles, basis="Beijing Art. 44(1)")
    check_year_begun(year, shanghai_date(now))
    _check_within_term(committee, date(year, 1, 1), date(year, 12, 31), str(year))
    existing = await session.scalar(
        select(CommitteeReport).where(CommitteeReport.committee_id == committee.id, CommitteeReport.year == year)
    )
    if existing is not None:
        raise AlreadyPublished(period=str(year), published_at=existing.published_at)
    documents = []
    for upload in uploads:
        content_type = sniff_content_type(upload.content)
        if content_type is None:
            raise ReportDocumentInvalid(document=upload.role.value)
        documents.append(
            CommitteeReportDocument(
                id=uuid.uuid4(),
                role=upload.role,
                filename=clean_filename(upload.filename),
                content_type=content_type,
                size=len(upload.content),
                sha256=hashlib.sha256(upload.content).hexdigest(),
                content=upload.content,
            )
        )
    acted_as = await access.acting_as(session, principal, committee.estate_id)
    report = CommitteeReport(
        id=uuid.uuid4(),
        committee_id=committee.id,
        estate_id=committee.estate_id,
        year=year,
        published_at=now.astimezone(UTC),
        recorded_by=acted_as,
        documents=documents,
    )
    session.add(report)
    await session.flush()
    hashes = {document.role: document.sha256 for document in documents}
    await _act(
        session,
        principal,
        committee.estate_id,
        events.committee_report_published(
            report_id=report.id,
            committee_id=committee.id,
            year=year,
            work_report_sha256=hashes[ReportDocument.WORK_REPORT],
            finances_sha256=hashes[ReportDocument.FINANCES],
            recorded_by=acted_as,
        ),
    )
    kind_zh = _KIND_ZH[committee.kind]
    await notice_service.publish_notice(
        session,
        estate_id=committee.estate_id,
        kind=NoticeKind.DISCLOSURE,
        title=f"{kind_zh}{year}年度工作报告和财务收支情况",
        body=(
            f"{kind_zh}{year}年度工作报告和财务收支情况已公布，业主可在系统中查阅（北京市物业管理条例第四十四条；"
            "朝阳区文件第三部分第3项）。\n"
            + "\n".join(f"{_DOCUMENT_ZH[role]} SHA-256：{digest}" for role, digest in sorted(hashes.items()))
            + f"\nThe committee's work report and finances summary for {year} are published to the owners."
        ),
        now=now,
        audience=Audience.OWNERS.value,
    )
    return report


async def list_reports(
    session: AsyncSession, principal: Principal, committee_id: uuid.UUID
) -> Sequence[CommitteeReport]:
    committee, _ = await _reader(session, principal, committee_id)
    return (
        await session.scalars(
            select(CommitteeReport)
            .where(CommitteeReport.committee_id == committee.id)
            .options(selectinload(CommitteeReport.documents))
            .order_by(CommitteeReport.year.desc())
        )
    ).all()


async def read_report_document(
    session: AsyncSession, principal: Principal, report_id: uuid.UUID, role: ReportDocument
) -> CommitteeReportDocument:
    report = await session.scalar(
        select(CommitteeReport).where(CommitteeReport.id == report_id).options(selectinload(CommitteeReport.documents))
    )
    if report is None:
        raise NotFound(what="report")
    try:
        await _reader(session, principal, report.committee_id)
    except NotFound:
        raise NotFound(what="report") from None
    for document in report.documents:
        if document.role is role:
            return document
    raise NotFound(what="document")  # pragma: no cover - both documents are required when published


# --- R-DISC-5: the street office's yearly evaluation (seed 003 §四.3) ---


def evaluation_document(evaluation: CommitteeEvaluation) -> dict[str, object]:
    return {
        "schema": EVALUATION_SCHEMA,
        "committee_id": str(evaluation.committee_id),
        "year": evaluation.year,
        "grade": evaluation.grade.value,
        "score": evaluation.score,
        "document_ref": evaluation.document_ref,
        "document_sha256": evaluation.document_sha256,
    }


async def record_evaluation(
    session: AsyncSession, principal: Principal, committee_id: uuid.UUID, body: EvaluationCreate, *, now: datetime
) -> CommitteeEvaluation:
    committee, roles = await _writer(session, principal, committee_id)
    if Role.STREET_OFFICE not in roles:  # the committee never grades itself, nor does the operator
        raise StreetOfficeOnly(basis="seed 003 §四.3")
    check_year_begun(body.year, shanghai_date(now))
    _check_within_term(committee, date(body.year, 1, 1), date(body.year, 12, 31), str(body.year))
    existing = await session.scalar(
        select(CommitteeEvaluation).where(
            CommitteeEvaluation.committee_id == committee.id, CommitteeEvaluation.year == body.year
        )
    )
    if existing is not None:
        raise AlreadyPublished(period=str(body.year), published_at=existing.recorded_at)
    acted_as = await access.acting_as(session, principal, committee.estate_id)
    evaluation = CommitteeEvaluation(
        id=uuid.uuid4(),
        committee_id=committee.id,
        estate_id=committee.estate_id,
        year=body.year,
        grade=body.grade,
        score=body.score,
        document_ref=body.document_ref,
        document_sha256=body.document_sha256,
        recorded_at=now.astimezone(UTC),
        recorded_by=acted_as,
    )
    session.add(evaluation)
    await session.flush()
    await _act(
        session,
        principal,
        committee.estate_id,
        events.committee_evaluation_recorded(
            evaluation_id=evaluation.id,
            committee_id=committee.id,
            year=body.year,
            content_sha256=canonical_sha256(evaluation_document(evaluation)),
            document_sha256=body.document_sha256,
            recorded_by=acted_as,
        ),
    )
    kind_zh = _KIND_ZH[committee.kind]
    score_zh = "" if body.score is None else f"，得分 {body.score}"
    failed = body.grade is EvaluationGrade.FAIL
    await notice_service.publish_notice(
        session,
        estate_id=committee.estate_id,
        kind=NoticeKind.DISCLOSURE,
        title=f"街道办事处对{kind_zh}{body.year}年度规范化履职评价结果",
        body=(
            f"街道办事处对{kind_zh}{body.year}年度依法履职情况的评价结果为：{_GRADE_ZH[body.grade]}{score_zh}"
            f"（评价文书 {body.document_ref}；朝阳区文件第四部分第3项）。"
            + ("对不依法履行职责的，可根据评价结果启动重新选举或重新组建工作。" if failed else "")
            + f"\nThe street office's evaluation of the committee for {body.year}: {body.grade.value}"
            + ("" if body.score is None else f", {body.score} points")
            + " (seed 003 §四.3)."
        ),
        now=now,
        audience=Audience.OWNERS.value,
    )
    return evaluation


async def list_evaluations(
    session: AsyncSession, principal: Principal, committee_id: uuid.UUID
) -> Sequence[CommitteeEvaluation]:
    committee, _ = await _reader(session, principal, committee_id)
    return (
        await session.scalars(
            select(CommitteeEvaluation)
            .where(CommitteeEvaluation.committee_id == committee.id)
            .order_by(CommitteeEvaluation.year.desc())
        )
    ).all()
