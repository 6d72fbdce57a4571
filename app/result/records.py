"""The records of an assembly (issue #17 item 8): its minutes, its result announcement and the filing package.

* **Minutes** (业主大会会议记录; Beijing Art. 44(7), SPC Interpretation Art. 13(2), 指导规则 Arts. 30, 40, R-REC-6):
  generated from the audit log and the vote's records, in Chinese. Every statement is followed by a citation
  ``〔E<n>〕`` of the log entry it rests on; the citation table at the end gives each entry's id, kind, time and
  ``payload_sha256`` (``app.ledger.entries.entry_payload_sha256`` over kind, estate, vote and payload, which the
  public log and the export bundle let anyone recompute), and every document is named by its own SHA-256 (notice,
  posting photo, paper-ballot scans, evidence). A fact the log does not hold is marked 〔无日志条目〕. Witnesses of
  the counting are named by role and per-vote pseudonym only: owners read the minutes, and a witness who is an
  owner must not be exposed to the other side of a dispute.
* **Announcement** (表决结果公告; Beijing Arts. 35, 37(2), 38, R-REC-7): each decision with its numerators and
  denominators in words and figures (heads and m²), the thresholds in words, the decision status (in force, or
  revoked by whom) and the evidence hashes, with the result's public URL; plain text and HTML for posting.
* **Filing package** (备案; Beijing Art. 43 ¶1 within 30 days, Art. 50, R-REC-8): one ZIP for the street office with
  the minutes, the announcement, the signed result, the notice document, the roll hash, the convener's mandate,
  the counting-session record (the witnesses' names: the street office is entitled to them, 指导规则 Art. 22) and a
  manifest of every file's SHA-256; for the organiser and the street office of the jurisdiction, each download
  logged (restricted, like an export: it says who read what).

Everything is a function of stored rows that never change once the result is published (and of the revocations
since), so the same inputs give the same bytes: no "generated at" instant, entries ordered by (created_at, id), ZIP
members in a fixed order with fixed timestamps.
"""

from __future__ import annotations

import hashlib
import html
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.audit import service as audit_service
from app.audit.keys import LogKeys
from app.audit.models import AuditEntry
from app.ballot import paper
from app.ballot.models import CountingSession, CountingWitness, PaperReception
from app.committee.models import Committee, ConveningTrigger
from app.common.access import Principal, Role
from app.common.errors import Forbidden
from app.errors import Text
from app.identity.models import Account
from app.ledger import events
from app.ledger.canonical import canonical_bytes
from app.ledger.events import EventKind
from app.notice.models import NoticeKind
from app.notice.service import beijing_minute
from app.result import service as result_service
from app.result.export import write_zip
from app.result.notices import OUTCOMES_ZH
from app.result.numbers_zh import area_text, heads_text
from app.result.service import PublishedResult, PublishedTopic, Viewer
from app.result.signing import SignedResult, sign_result
from app.rules.numeric import Threshold, area_display
from app.rules.publicity import SHANGHAI
from app.rules.tally import reason_in_m2
from app.rules.wording import CATEGORY_ZH, threshold_zh
from app.supervision import repository as supervision_repository
from app.supervision.models import SupervisionAction, SupervisionKind
from app.vote import documents as vote_documents
from app.vote import repository as vote_repository
from app.vote.models import ConveningMandate, NoticePosting, RollGroup, Vote
from app.vote.notices import METHODS_ZH, vote_notice_body

#: R-REC-8: who downloads the filing package: the organiser (an operator acting for it) and the street office of
#: the jurisdiction; a role scoped to another estate or street office never sees the vote (404).
FILING_ROLES = frozenset({Role.ADMIN, Role.STREET_OFFICE, Role.COMMITTEE})
RESULT_PATH = "/api/v1/votes/{vote_id}/result"
SIGNED_RESULT_PATH = "/api/v1/votes/{vote_id}/signed-result"
NO_ENTRY = "〔无日志条目〕"

ORGANISERS_ZH = {
    "OWNERS_COMMITTEE": "业主委员会",
    "PROPERTY_MANAGEMENT_COMMITTEE": "物业管理委员会",
    "PREPARATORY_GROUP": "首次业主大会会议筹备组",
    "CHANGEOVER_GROUP": "换届小组",
    "STREET_OFFICE": "街道办事处（代为召集）",
}
GROUNDS_ZH = {
    "COMMITTEE_FAILED_TO_CONVENE": "业主委员会经责令限期召集而未召集（《北京市物业管理条例》第三十六条）",
    "COMMITTEE_CANNOT_FUNCTION": "业主委员会委员人数不足半数（《北京市物业管理条例》第四十八条）",
    "NO_COMMITTEE": "本物业管理区域无在任期内的业主委员会或物业管理委员会（《北京市物业管理条例》第二十四条）",
    "EMERGENCY_SERVICE": "应急物业服务期间组织业主选聘物业服务人（《北京市物业管理条例》第七十七条）",
}
SUPERVISION_ZH = {
    SupervisionKind.SUSPENSION: "街道办事处暂停表决",
    SupervisionKind.RESUMPTION: "街道办事处恢复表决",
    SupervisionKind.CORRECTION_ORDER: "街道办事处责令限期改正",
    SupervisionKind.CORRECTION_FOLLOW_UP: "街道办事处对改正情况的认定",
    SupervisionKind.REVOCATION: "街道办事处撤销决定",
    SupervisionKind.COURT_REVOCATION: "人民法院判决撤销决定",
    SupervisionKind.TERMINATION: "街道办事处终止表决",
}
DECISION_STATUS_ZH = {
    "IN_FORCE": "有效",
    "PENDING": "待公布",
    "REVOKED_BY_STREET_OFFICE": "已被街道办事处撤销",
    "REVOKED_BY_COURT": "已被人民法院判决撤销",
}
WITNESS_ROLES_ZH = {"OWNER": "业主代表", "RESIDENTS_COMMITTEE": "社区居民委员会", "STREET_OFFICE": "街道办事处"}
RECEPTION_ZH = {
    "RECEIVED": "已接收，待计票",
    "COUNTED": "已唱票计入",
    "DUPLICATE": "重复（该表决组已有更早的有效表决票），不计入",
}
FORMS_ZH = {"SHEET": "书面表决票", "ENVELOPE": "密封票箱信封"}
CHECK_LABELS_ZH = {
    ("quorum", "heads"): ("参与表决人数", "总人数"),
    ("quorum", "area"): ("参与表决专有部分面积", "总面积"),
    ("approval", "heads"): ("同意人数", "参与表决人数"),
    ("approval", "area"): ("同意专有部分面积", "参与表决面积"),
}


def beijing_second(instant: datetime | None) -> str:
    """``2025-03-24 09:00:00``: an instant in Beijing time to the second (``—`` when unset)."""
    return "—" if instant is None else instant.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


# --- what the records rest on -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Mandate:
    mandate: ConveningMandate | None
    committee: Committee | None
    trigger: ConveningTrigger | None


@dataclass(frozen=True, slots=True)
class Counting:
    session: CountingSession | None
    witnesses: tuple[CountingWitness, ...]
    receptions: tuple[PaperReception, ...]
    pseudonyms: dict[str, str]  # group id → the group's per-vote pseudonym (as the log names it)


@dataclass(frozen=True, slots=True)
class Records:
    """Everything the minutes, the announcement and the package are written from."""

    published: PublishedResult
    entries: tuple[AuditEntry, ...]  # the vote's entries, by (created_at, id)
    postings: tuple[NoticePosting, ...]
    actions: tuple[SupervisionAction, ...]
    counting: Counting
    mandate: Mandate
    base_url: str

    @property
    def vote(self) -> Vote:
        return self.published.vote

    def of_kind(self, kind: EventKind) -> list[AuditEntry]:
        return [entry for entry in self.entries if entry.kind == kind.value]

    def first(self, kind: EventKind) -> AuditEntry | None:
        found = self.of_kind(kind)
        return found[0] if found else None

    def by_id(self, entry_id: uuid.UUID | None) -> AuditEntry | None:
        return next((entry for entry in self.entries if entry.id == entry_id), None)

    def where(self, kind: EventKind, member: str, value: str) -> AuditEntry | None:
        return next((entry for entry in self.of_kind(kind) if entry.payload.get(member) == value), None)

    @property
    def result_url(self) -> str:
        return self.base_url.rstrip("/") + RESULT_PATH.format(vote_id=self.vote.id)

    @property
    def signed_result_url(self) -> str:
        return self.base_url.rstrip("/") + SIGNED_RESULT_PATH.format(vote_id=self.vote.id)


#: Entries about the convener that are logged on the estate rather than on the vote.
_CONVENER_KINDS = (EventKind.COMMITTEE_FILED.value, EventKind.CONVENING_TRIGGER_RECORDED.value)


async def _entries(session: AsyncSession, vote: Vote) -> tuple[AuditEntry, ...]:
    """The vote's entries and the estate's committee filings and convening grounds, by (created_at, id)."""
    rows = await session.scalars(
        select(AuditEntry)
        .where(
            (AuditEntry.vote_id == vote.id)
            | ((AuditEntry.estate_id == vote.estate_id) & AuditEntry.kind.in_(_CONVENER_KINDS))
        )
        .order_by(AuditEntry.created_at, AuditEntry.id)
    )
    return tuple(rows)


async def _counting(session: AsyncSession, vote_id: uuid.UUID) -> Counting:
    counting = await session.scalar(select(CountingSession).where(CountingSession.vote_id == vote_id))
    witnesses: tuple[CountingWitness, ...] = ()
    if counting is not None:
        rows = await session.scalars(
            select(CountingWitness)
            .where(CountingWitness.session_id == counting.id)
            .order_by(CountingWitness.role, CountingWitness.pseudonym)
        )
        witnesses = tuple(rows)
    receptions = tuple(await paper.receptions(session, vote_id))
    groups = await session.execute(select(RollGroup.group_id, RollGroup.pseudonym).where(RollGroup.vote_id == vote_id))
    return Counting(counting, witnesses, receptions, {str(row[0]): str(row[1]) for row in groups.all()})


async def _mandate(session: AsyncSession, vote_id: uuid.UUID) -> Mandate:
    mandate = await session.scalar(
        select(ConveningMandate)
        .where(ConveningMandate.vote_id == vote_id)
        .options(selectinload(ConveningMandate.signatures))
    )
    if mandate is None:
        return Mandate(None, None, None)
    committee = await session.get(Committee, mandate.committee_id) if mandate.committee_id else None
    trigger = await session.get(ConveningTrigger, mandate.trigger_id) if mandate.trigger_id else None
    return Mandate(mandate, committee, trigger)


async def gather(session: AsyncSession, vote: Vote, *, now: datetime, base_url: str) -> Records:
    """The records of a vote whose result is published (``ResultNotPublished`` / ``VoteTerminated`` otherwise)."""
    published = await result_service.build_published_result(session, vote, now=now)
    full = await vote_repository.get_vote(session, vote.id)  # topics and attachments loaded (the notice text)
    assert full is not None  # noqa: S101 - the vote was just read
    return Records(
        published=published,
        entries=await _entries(session, vote),
        postings=tuple(await vote_repository.postings(session, vote.id)),
        actions=tuple(await supervision_repository.actions_of(session, vote.id)),
        counting=await _counting(session, vote.id),
        mandate=await _mandate(session, vote.id),
        base_url=base_url,
    )


# --- citing the log ---------------------------------------------------------------------------------------------


@dataclass
class Citations:
    """Numbers each cited entry once, in the order of first citation (so the text fixes the numbering)."""

    cited: list[AuditEntry] = field(default_factory=list)

    def __call__(self, *entries: AuditEntry | None) -> str:
        marks = []
        for entry in entries:
            if entry is None:
                continue
            if entry not in self.cited:
                self.cited.append(entry)
            marks.append(f"E{self.cited.index(entry) + 1}")
        return f"〔{'、'.join(marks)}〕" if marks else NO_ENTRY

    def table(self) -> list[str]:
        return [
            f"E{number}  {entry.kind}  {entry.created_at.astimezone(SHANGHAI).isoformat()}  条目 {entry.id}  "
            f"SHA-256 {entry.payload_sha256}"
            for number, entry in enumerate(self.cited, start=1)
        ]


def _weight(heads: int, area: int) -> str:
    return f"{heads} 人、{area_display(area)} 平方米"


def _threshold_words(symbol: str) -> str:
    """``≥ 2/3`` (the evidence's threshold symbol) in words: 三分之二以上（含本数）; ``> 1/2``: 过半数."""
    strict = symbol.startswith(">")
    num, den = symbol.lstrip(">≥ ").split("/")
    return threshold_zh(Threshold(int(num), int(den), strict))


def _check_line(check: dict[str, Any]) -> str:
    """One threshold comparison of the evidence (R-TALLY-10) in words and figures."""
    part_label, whole_label = CHECK_LABELS_ZH[(str(check["test"]), str(check["measure"]))]
    part, whole = int(check["part"]), int(check["whole"])
    words = area_text if check["measure"] == "area" else heads_text
    verdict = "已达到" if check["met"] else "未达到"
    return (
        f"{part_label}{words(part)}，{whole_label}{words(whole)}；须达到{_threshold_words(str(check['threshold']))}："
        f"{verdict}（{check['formula']}）"
    )


def _status_line(item: PublishedTopic) -> str:
    if item.decision_status is None:
        return "决定状态：未形成决定"
    text = DECISION_STATUS_ZH.get(item.decision_status, item.decision_status)
    if item.revocation is not None:
        act = item.revocation
        text += f"（{beijing_minute(act.acted_at)}，文书 {act.document_ref}，理由：{act.reason}）"
    return f"决定状态：{text}"


# --- the minutes ------------------------------------------------------------------------------------------------


def minutes_text(records: Records) -> str:
    """业主大会会议记录 (R-REC-6): the assembly's course, each statement citing its log entry."""
    vote, published, cite = records.vote, records.published, Citations()
    method = METHODS_ZH.get(vote.voting_method.value, vote.voting_method.value)
    lines = [
        f"{vote.title}",
        "业主大会会议记录",
        "",
        f"表决编号：{vote.id}",
        "说明：本记录由 evote 依据审计日志与表决记录生成，内容相同则逐字节相同。"
        "每项陈述后的〔E编号〕指向文末所列日志条目，"
        "其 SHA-256 为该条目的类型、小区、表决与内容（RFC 8785 规范化 JSON）的哈希，"
        "可在公开日志或导出包中核对；文件均以其 SHA-256 标明。"
        "监票人仅以身份类别和本次表决专用的化名记载。时间均为北京时间。",
        "",
        "一、召集人",
    ]
    lines.extend(_mandate_lines(records, cite))
    published_entry = records.first(EventKind.VOTE_PUBLISHED)
    window = f"{beijing_minute(vote.starts_at)} 至 {beijing_minute(vote.ends_at)}"
    lines += [
        "",
        "二、会议公告",
        f"公告发布时间：{beijing_second(vote.published_at)}；公告文件 SHA-256：{vote.notice_hash}"
        f"{cite(published_entry)}",
        f"表决方式：{method}；表决时间：{window}（不含结束时刻）{cite(published_entry)}",
        f"表决权人名册：总人数 {published.total.heads} 人，总面积 {area_display(published.total.area)} 平方米；"
        f"名册 SHA-256：{vote.roll_hash}{cite(published_entry)}",
    ]
    for entry in _latest_deliveries(records):
        channels = "；".join(
            f"{item['channel']} 发出 {item['messages']} 条、送达 {item['delivered']} 条、"
            f"放弃 {item['dead_lettered']} 条"
            for item in entry.payload.get("channels", [])
        )
        lines.append(f"公告送达记录（{entry.payload.get('kind')}）：{channels}{cite(entry)}")
    lines += ["", "三、现场公示（《北京市物业管理条例》第三十五条第（四）项）"]
    if not records.postings:
        lines.append(f"未记录现场张贴。{NO_ENTRY}")
    for posting in sorted(records.postings, key=lambda row: (row.posted_at, row.id)):
        posted = records.where(EventKind.VOTE_NOTICE_POSTED, "posting_id", str(posting.id))
        lines.append(
            f"张贴时间：{beijing_second(posting.posted_at)}（系统记录时间 {beijing_second(posting.recorded_at)}）；"
            f"地点：{posting.place}；照片 SHA-256：{posting.photo_sha256}{cite(posted)}"
        )
    lines += ["", "四、表决期间"]
    lines.append(f"公告的表决时间：{window}{cite(published_entry)}")
    acts = sorted(records.actions, key=lambda act: (act.acted_at, act.id))
    for act in acts:
        if act.kind in (SupervisionKind.REVOCATION, SupervisionKind.COURT_REVOCATION):
            continue  # in section 九 with the decision it revoked
        detail = f"{SUPERVISION_ZH[act.kind]}：{beijing_second(act.acted_at)}，文书 {act.document_ref}"
        if act.kind is SupervisionKind.RESUMPTION and act.ends_after is not None:
            detail += f"，表决结束时间由 {beijing_minute(act.ends_before)} 延长至 {beijing_minute(act.ends_after)}"
            if act.suspended_seconds is not None:
                detail += f"（暂停 {act.suspended_seconds} 秒）"
        lines.append(detail + cite(records.by_id(act.audit_entry_id)))
    if not any(act.kind in (SupervisionKind.SUSPENSION, SupervisionKind.TERMINATION) for act in acts):
        lines.append("表决期间未被暂停或终止。")
    lines += ["", "五、对表决权人名册的异议（最高人民法院司法解释第十三条；R-ROLL-7）"]
    objections = published.roll_objections
    filed = records.of_kind(EventKind.ROLL_OBJECTION_FILED)
    answered = records.of_kind(EventKind.ROLL_OBJECTION_ANSWERED)
    lines.append(
        f"提出异议 {objections.filed} 件，采纳 {objections.accepted} 件，不予采纳 {objections.rejected} 件，"
        f"未答复 {len(objections.unanswered_ids)} 件{cite(*filed, *answered)}"
    )
    if objections.unanswered_ids:
        lines.append("未答复的异议编号：" + "、".join(str(item) for item in objections.unanswered_ids))
    lines += ["", "六、书面表决票的接收（以送达时间为准，《民法典》第一百三十七条第二款）"]
    lines.extend(_reception_lines(records, cite))
    lines += ["", "七、计票会议（唱票、计票、监票，《业主大会和业主委员会指导规则》第二十二条）"]
    lines.extend(_counting_lines(records, cite))
    closed = records.first(EventKind.VOTE_CLOSED)
    lines += ["", "八、参与表决情况"]
    participating, total = published.participating, published.total
    lines.append(
        f"表决于 {beijing_second(vote.closed_at or vote.ends_at)} 结束。参与表决业主 {participating.heads} 人，"
        f"总人数 {total.heads} 人；参与表决专有部分面积 {area_display(participating.area)} 平方米，"
        f"总面积 {area_display(total.area)} 平方米{cite(closed)}"
    )
    lines += ["", "九、表决结果"]
    decided, result_published = records.first(EventKind.VOTE_DECIDED), records.first(EventKind.VOTE_RESULT_PUBLISHED)
    for number, item in enumerate(published.topics, start=1):
        result = item.result
        lines.append(f"{number}. {item.topic.title}")
        lines.append(
            f"结果：{OUTCOMES_ZH.get(result.outcome, result.outcome)}；计算依据 SHA-256：{result.evidence_sha256}"
            f"{cite(decided, result_published)}"
        )
        reason = reason_in_m2(result.evidence, "zh")  # areas in m², as the result shows them
        if reason:
            lines.append(f"计算：{reason}")
        revocation = None if item.revocation is None else records.by_id(item.revocation.audit_entry_id)
        lines.append(_status_line(item) + (cite(revocation) if revocation is not None else ""))
    lines.append(f"结果公布时间：{beijing_second(vote.result_published_at)}{cite(result_published)}")
    lines += ["", "十、所引日志条目（编号、类型、时间、条目编号、内容 SHA-256）"]
    lines.extend(cite.table())
    return "\n".join(lines) + "\n"


#: The notices to owners whose delivery the minutes report: the vote's notice, its errata and the street office's
#: acts on the window (R-NOTICE-4); the result notice's own delivery comes after the minutes' facts.
_REPORTED_NOTICES = frozenset(
    {
        NoticeKind.VOTE_NOTICE.value,
        NoticeKind.ERRATUM.value,
        NoticeKind.SUSPENSION.value,
        NoticeKind.RESUMPTION.value,
        NoticeKind.TERMINATION.value,
    }
)


def _latest_deliveries(records: Records) -> list[AuditEntry]:
    """The last delivery record of each reported notice (the counts are cumulative), in log order."""
    latest: dict[str, AuditEntry] = {}
    for entry in records.of_kind(EventKind.NOTICE_DELIVERY_RECORDED):
        if entry.payload.get("kind") in _REPORTED_NOTICES:
            latest[str(entry.payload.get("notice_id"))] = entry
    return sorted(latest.values(), key=lambda entry: (entry.created_at, entry.id))


def _mandate_lines(records: Records, cite: Citations) -> list[str]:
    vote, mandate = records.vote, records.mandate
    organiser = ORGANISERS_ZH.get(vote.organiser_kind.value, vote.organiser_kind.value)
    recorded = records.first(EventKind.CONVENING_MANDATE_RECORDED)
    signed = records.of_kind(EventKind.CONVENING_MANDATE_SIGNED)
    lines = [f"召集人：{organiser}"]
    if mandate.committee is not None and mandate.mandate is not None:
        committee = mandate.committee
        lines.append(
            f"{ORGANISERS_ZH.get(committee.kind.value, committee.kind.value)}：任期 {committee.term_starts_on} 至 "
            f"{committee.term_ends_on}，委员 {committee.seats} 名，备案日期 {committee.filed_on or '未备案'}"
            f"{cite(records.where(EventKind.COMMITTEE_FILED, 'committee_id', str(committee.id)))}"
        )
        lines.append(
            f"召集决定：{mandate.mandate.decided_on}，经 {len(mandate.mandate.signatures)} 名委员签署"
            f"（委员 {committee.seats} 名，过半数为 {committee.seats // 2 + 1} 名；《北京市物业管理条例》第四十五条）"
            f"{cite(recorded, *signed)}"
        )
    elif mandate.trigger is not None:
        trigger = mandate.trigger
        lines.append(
            f"召集依据：{GROUNDS_ZH.get(trigger.ground.value, trigger.ground.value)}；发生日期 {trigger.occurred_on}；"
            f"文书 {trigger.document_ref}（SHA-256：{trigger.evidence_sha256}）"
            f"{cite(recorded, records.where(EventKind.CONVENING_TRIGGER_RECORDED, 'trigger_id', str(trigger.id)))}"
        )
    else:
        lines.append(f"无召集决定记录（筹备组、换届小组由街道办事处组建）。{NO_ENTRY}")
    return lines


def _reception_lines(records: Records, cite: Citations) -> list[str]:
    counting = records.counting
    if not counting.receptions:
        return ["本次表决未接收书面表决票。"]
    counted = sum(1 for row in counting.receptions if row.status.value == "COUNTED")
    duplicates = sum(1 for row in counting.receptions if row.status.value == "DUPLICATE")
    lines = [f"共接收 {len(counting.receptions)} 份，其中计入 {counted} 份、重复 {duplicates} 份。"]
    for row in counting.receptions:
        lines.append(
            f"{beijing_second(row.received_at)}：表决组 {counting.pseudonyms.get(row.group_id, row.group_id)} 的"
            f"{FORMS_ZH.get(row.form.value, row.form.value)}，扫描件 SHA-256：{row.scan_sha256}；"
            f"{RECEPTION_ZH.get(row.status.value, row.status.value)}{cite(records.by_id(row.audit_entry_id))}"
        )
    return lines


def _counting_lines(records: Records, cite: Citations) -> list[str]:
    counting = records.counting
    if counting.session is None:
        return ["本次表决为电子投票，未举行书面表决票的计票会议。"]
    opened = records.first(EventKind.COUNTING_OPENED)
    lines = [f"计票会议于 {beijing_second(counting.session.opened_at)} 开始{cite(opened)}"]
    for witness in counting.witnesses:
        confirmation = records.where(EventKind.COUNTING_CONFIRMED, "witness", witness.pseudonym)
        when = "尚未确认"
        if witness.confirmed_at is not None:
            when = f"于 {beijing_second(witness.confirmed_at)} 以本人账户确认计票结果"
        lines.append(
            f"监票人（{WITNESS_ROLES_ZH.get(witness.role.value, witness.role.value)}，化名 {witness.pseudonym}）："
            f"{when}{cite(opened, confirmation)}"
        )
    signed = records.first(EventKind.COUNTING_SIGNED_OFF)
    if counting.session.signed_off_at is not None and signed is not None:
        lines.append(
            f"全体监票人于 {beijing_second(counting.session.signed_off_at)} 确认完毕：计入书面表决票 "
            f"{signed.payload.get('paper_counted')} 份，重复 {signed.payload.get('duplicates')} 份；计入的全部表决票共 "
            f"{signed.payload.get('counted', {}).get('count')} 份{cite(signed)}"
        )
    return lines


# --- the announcement -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Block:
    kind: str  # "title", "subtitle", "heading", "line"
    text: str


def announcement_blocks(records: Records, signed: SignedResult) -> list[Block]:
    """表决结果公告 (R-REC-7): every decision in words and figures, its status and the evidence to check it."""
    vote, published = records.vote, records.published
    method = METHODS_ZH.get(vote.voting_method.value, vote.voting_method.value)
    participating, total = published.participating, published.total
    blocks = [
        Block("title", "表决结果公告"),
        Block("subtitle", vote.title),
        Block(
            "line",
            f"本次业主大会会议由{ORGANISERS_ZH.get(vote.organiser_kind.value, vote.organiser_kind.value)}召集，"
            f"以{method}方式进行，表决时间为 {beijing_minute(vote.starts_at)} 至 {beijing_minute(vote.ends_at)}"
            f"（北京时间），已于 {beijing_minute(vote.closed_at or vote.ends_at)} 结束。",
        ),
    ]
    if records.counting.session is not None and records.counting.session.signed_off_at is not None:
        blocks.append(
            Block(
                "line",
                f"书面表决票已于 {beijing_minute(records.counting.session.opened_at)} 起经公开唱票、计票、监票，"
                f"全体监票人于 {beijing_minute(records.counting.session.signed_off_at)} 确认。",
            )
        )
    blocks += [
        Block(
            "line",
            f"表决权人名册：总人数{heads_text(total.heads)}，专有部分总面积{area_text(total.area)}。"
            f"参与表决的业主{heads_text(participating.heads)}，专有部分面积{area_text(participating.area)}。",
        ),
    ]
    objections = published.roll_objections
    if objections.filed:
        blocks.append(
            Block(
                "line",
                f"对表决权人名册的异议：提出 {objections.filed} 件，采纳 {objections.accepted} 件，"
                f"不予采纳 {objections.rejected} 件，未答复 {len(objections.unanswered_ids)} 件（R-ROLL-7）。",
            )
        )
    for number, item in enumerate(published.topics, start=1):
        blocks.extend(_topic_blocks(number, item))
    blocks += [
        Block("heading", "核验"),
        Block("line", f"公告文件 SHA-256：{vote.notice_hash}；表决权人名册 SHA-256：{vote.roll_hash}"),
        Block("line", f"签名的表决结果（RFC 8785 JSON）SHA-256：{_sha256(signed.payload)}；签名密钥标识：{signed.kid}"),
        Block("line", f"表决结果详情：{records.result_url}"),
        Block("line", f"签名的表决结果：{records.signed_result_url}"),
        Block(
            "line",
            "依据：《民法典》第二百七十八条、第二百八十条；《北京市物业管理条例》第三十五条、第三十七条。"
            "业主认为决定侵害其合法权益的，可自知道或者应当知道之日起一年内请求人民法院撤销。"
            "本公告不含业主姓名、证件号码或电话号码。",
        ),
        Block(
            "line",
            f"{ORGANISERS_ZH.get(vote.organiser_kind.value, vote.organiser_kind.value)}　"
            f"{beijing_minute(vote.result_published_at)}",
        ),
    ]
    return blocks


def _topic_blocks(number: int, item: PublishedTopic) -> list[Block]:
    topic, result = item.topic, item.result
    blocks = [
        Block("heading", f"{_ordinal(number)}、{topic.title}"),
        Block("line", f"议题类别：{CATEGORY_ZH.get(topic.category, str(topic.category))}"),
    ]
    checks = result.evidence.get("checks")
    for check in checks if isinstance(checks, list) else []:
        blocks.append(Block("line", _check_line(check)))
    reason = reason_in_m2(result.evidence, "zh")
    if reason and not isinstance(checks, list):
        blocks.append(Block("line", f"计算：{reason}"))
    blocks += [
        Block("line", f"表决结果：{OUTCOMES_ZH.get(result.outcome, result.outcome)}"),
        Block("line", _status_line(item)),
        Block("line", f"计算依据 SHA-256：{result.evidence_sha256}"),
    ]
    return blocks


_ORDINALS = "一二三四五六七八九十"


def _ordinal(number: int) -> str:
    return _ORDINALS[number - 1] if number <= len(_ORDINALS) else str(number)


def announcement_text(blocks: Sequence[Block]) -> str:
    return "\n".join(block.text if block.kind != "heading" else f"\n{block.text}" for block in blocks) + "\n"


_PRINT_CSS = (
    "@page{size:A4;margin:20mm}body{font-family:'Songti SC','SimSun',serif;font-size:14pt;line-height:1.6;"
    "max-width:180mm;margin:auto;color:#000;background:#fff}h1{text-align:center;font-size:22pt;margin:0 0 4pt}"
    "h2{text-align:center;font-size:15pt;font-weight:normal;margin:0 0 12pt}h3{font-size:15pt;margin:14pt 0 4pt}"
    "p{margin:2pt 0;word-break:break-all}@media print{a{color:#000;text-decoration:none}}"
)


def announcement_html(blocks: Sequence[Block]) -> str:
    """The same words as HTML to print and post (A4, no external assets)."""
    tags = {"title": "h1", "subtitle": "h2", "heading": "h3", "line": "p"}
    body = "\n".join(f"<{tags[block.kind]}>{html.escape(block.text)}</{tags[block.kind]}>" for block in blocks)
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(blocks[1].text)}：表决结果公告</title>\n<style>{_PRINT_CSS}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


# --- the filing package -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Package:
    vote_id: uuid.UUID
    content: bytes
    sha256: str
    files: dict[str, str]  # name → SHA-256, as the manifest states them

    @property
    def filename(self) -> str:
        return f"evote-filing-{self.vote_id}.zip"


def _json(document: Any) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def _mandate_document(mandate: Mandate) -> dict[str, Any]:
    if mandate.mandate is None:
        return {"mandate": None}
    document: dict[str, Any] = {
        "mandate_id": str(mandate.mandate.id),
        "decided_on": None if mandate.mandate.decided_on is None else mandate.mandate.decided_on.isoformat(),
        "recorded_by": mandate.mandate.recorded_by,
        "signatures": [
            {"member_id": str(signature.member_id), "signed_at": signature.signed_at.isoformat()}
            for signature in sorted(mandate.mandate.signatures, key=lambda s: (s.signed_at, s.member_id))
        ],
    }
    if mandate.committee is not None:
        committee = mandate.committee
        document["committee"] = {
            "committee_id": str(committee.id),
            "kind": committee.kind.value,
            "seats": committee.seats,
            "alternate_seats": committee.alternate_seats,
            "term_starts_on": committee.term_starts_on.isoformat(),
            "term_ends_on": committee.term_ends_on.isoformat(),
            "filed_on": None if committee.filed_on is None else committee.filed_on.isoformat(),
            "filing_reference": committee.filing_reference,
        }
    if mandate.trigger is not None:
        trigger = mandate.trigger
        document["trigger"] = {
            "trigger_id": str(trigger.id),
            "ground": trigger.ground.value,
            "occurred_on": trigger.occurred_on.isoformat(),
            "document_ref": trigger.document_ref,
            "evidence_sha256": trigger.evidence_sha256,
        }
    return document


async def _counting_document(session: AsyncSession, counting: Counting) -> dict[str, Any]:
    """The counting session for the street office: witnesses by role, pseudonym AND name (指导规则 Art. 22: the
    监票人 who signed the count; the street office is entitled to know them, owners read the minutes instead)."""
    names: dict[uuid.UUID, str | None] = {}
    for witness in counting.witnesses:
        account = await session.get(Account, witness.account_id)
        names[witness.account_id] = None if account is None else account.display_name
    session_row = counting.session
    return {
        "session": None
        if session_row is None
        else {
            "session_id": str(session_row.id),
            "opened_at": session_row.opened_at.isoformat(),
            "opened_by": session_row.opened_by,
            "signed_off_at": None if session_row.signed_off_at is None else session_row.signed_off_at.isoformat(),
        },
        "witnesses": [
            {
                "role": witness.role.value,
                "pseudonym": witness.pseudonym,
                "name": names[witness.account_id],
                "confirmed_at": None if witness.confirmed_at is None else witness.confirmed_at.isoformat(),
            }
            for witness in counting.witnesses
        ],
        "receptions": [
            {
                "reception_id": str(row.id),
                "group": counting.pseudonyms.get(row.group_id, row.group_id),
                "form": row.form.value,
                "received_at": row.received_at.isoformat(),
                "date_on_paper": row.date_on_paper,
                "scan_sha256": row.scan_sha256,
                "status": row.status.value,
                "audit_entry_id": str(row.audit_entry_id),
            }
            for row in counting.receptions
        ],
    }


async def build_package(session: AsyncSession, records: Records, signed: SignedResult) -> Package:
    vote = records.vote
    blocks = announcement_blocks(records, signed)
    notice = vote_documents.notice_document(
        vote,
        [topic.content_hash or "" for topic in vote.topics],
        roll_hash=vote.roll_hash or "",
        register_version_id=vote.register_version_id or uuid.UUID(int=0),
    )
    members: list[tuple[str, bytes]] = [
        ("minutes.txt", minutes_text(records).encode("utf-8")),
        ("announcement.txt", announcement_text(blocks).encode("utf-8")),
        ("announcement.html", announcement_html(blocks).encode("utf-8")),
        ("signed-result.json", signed.payload),
        ("signed-result.sig", signed.signature),
        ("signed-result.jws", signed.jws.encode("ascii")),
        ("notice.json", canonical_bytes(notice)),
        ("notice.txt", (vote_notice_body(vote) + "\n").encode("utf-8")),
        (
            "roll.json",
            _json(
                {
                    "roll_hash": vote.roll_hash,
                    "register_version_id": None if vote.register_version_id is None else str(vote.register_version_id),
                    "total": {"heads": vote.total_heads, "area": vote.total_area},
                }
            ),
        ),
        ("mandate.json", _json(_mandate_document(records.mandate))),
        ("counting-session.json", _json(await _counting_document(session, records.counting))),
    ]
    files = {name: _sha256(content) for name, content in members}
    manifest = {
        "format": "evote-filing@1",
        "vote_id": str(vote.id),
        "estate_id": str(vote.estate_id),
        "notice_hash": vote.notice_hash,
        "files": [{"name": name, "size": len(content), "sha256": files[name]} for name, content in members],
    }
    content = write_zip([*members, ("manifest.json", _json(manifest))])
    return Package(vote.id, content, _sha256(content), files)


async def filing_package(
    session: AsyncSession, principal: Principal, vote_id: uuid.UUID, *, keys: LogKeys, now: datetime, base_url: str
) -> Package:
    """``GET …/filing-package`` (R-REC-8): the organiser and the street office of the jurisdiction; estate staff
    without it and owners in the roll 403, anyone else 404; each download logged (restricted: who read it)."""
    vote, viewer = await result_service.visible_vote(session, principal, vote_id, now=now)
    if not viewer.roles & FILING_ROLES:
        raise Forbidden(
            reason=Text(
                "备案材料只供组织者和街道办事处获取", "the filing package is for the organiser and the street office"
            )
        )
    records = await gather(session, vote, now=now, base_url=base_url)
    signed = await sign_result(session, vote, keys)
    package = await build_package(session, records, signed)
    await audit_service.append(
        session,
        events.filing_package_produced(
            by=principal.label,
            roles=[role.value for role in viewer.roles],
            at=now.isoformat(),
            package_sha256=package.sha256,
            files=package.files,
        ),
        estate_id=vote.estate_id,
        vote_id=vote.id,
    )
    return package


async def _record_read(
    session: AsyncSession, principal: Principal, vote: Vote, viewer: Viewer, *, document: str, content: bytes,
    now: datetime,
) -> None:  # fmt: skip
    """R-REC-5: every inspection of the minutes or the announcement is logged (``inspection.accessed``, restricted),
    with the SHA-256 of the bytes served; the minutes never cite these entries, so reading them changes nothing."""
    await audit_service.append(
        session,
        events.inspection_accessed(
            accessor=principal.label,
            capacity="STAFF" if viewer.roles else "OWNER",
            document=document,
            at=now.isoformat(),
            sha256=_sha256(content),
        ),
        estate_id=vote.estate_id,
        vote_id=vote.id,
    )


async def minutes(
    session: AsyncSession, principal: Principal, vote_id: uuid.UUID, *, now: datetime, base_url: str
) -> str:
    vote, viewer = await result_service.visible_vote(session, principal, vote_id, now=now)
    text = minutes_text(await gather(session, vote, now=now, base_url=base_url))
    await _record_read(session, principal, vote, viewer, document="MINUTES", content=text.encode("utf-8"), now=now)
    return text


async def announcement(
    session: AsyncSession, principal: Principal, vote_id: uuid.UUID, *, keys: LogKeys, now: datetime, base_url: str,
    html_page: bool = False,
) -> str:  # fmt: skip
    """The announcement as plain text, or as the HTML page to print (``html_page``), its read logged (R-REC-5)."""
    vote, viewer = await result_service.visible_vote(session, principal, vote_id, now=now)
    records = await gather(session, vote, now=now, base_url=base_url)
    blocks = announcement_blocks(records, await sign_result(session, vote, keys))
    served = announcement_html(blocks) if html_page else announcement_text(blocks)
    document = "ANNOUNCEMENT_HTML" if html_page else "ANNOUNCEMENT"
    await _record_read(session, principal, vote, viewer, document=document, content=served.encode("utf-8"), now=now)
    return served


async def announcement_page(
    session: AsyncSession, principal: Principal, vote_id: uuid.UUID, *, keys: LogKeys, now: datetime, base_url: str
) -> tuple[list[Block], str]:
    """The announcement's blocks and the result's public URL, for a page that lays them out itself (the console's
    printable A4 page with its QR code); the read is logged as the HTML announcement's (R-REC-5)."""
    vote, viewer = await result_service.visible_vote(session, principal, vote_id, now=now)
    records = await gather(session, vote, now=now, base_url=base_url)
    blocks = announcement_blocks(records, await sign_result(session, vote, keys))
    content = announcement_html(blocks).encode("utf-8")
    await _record_read(session, principal, vote, viewer, document="ANNOUNCEMENT_HTML", content=content, now=now)
    return blocks, records.result_url
