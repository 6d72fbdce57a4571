"""Reminders (R-LIFE-11, R-LIFE-12): contract and term ends, and a missing yearly assembly.

The pure rules are ``app.rules.reminders``, over the dates organisers record on the estate and the latest close of
its owners' assembly votes. ``publish_due_reminders`` announces each occurrence once to the organisers, as a
REMINDER notice; ``app.notice.outbox.NoticeDispatcher`` calls it on its interval. Services flush, never commit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.assembly import service as assembly_service
from app.audit import service as audit_service
from app.common.access import Principal
from app.disclosure import service as disclosure_service
from app.errors import NotFound
from app.ledger import events
from app.notice import service as notice_service
from app.notice.models import Audience, NoticeKind
from app.place import access
from app.place.models import Estate
from app.reminder import repository
from app.reminder.errors import ReminderDatesInvalid
from app.rules.committees import pmc_term_reminder, term_end
from app.rules.publicity import shanghai_date
from app.rules.reminders import Reminder, ReminderDates, ReminderKind, due_reminders

# Reminder dates outside this range are typing errors (and would overflow the month arithmetic).
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2199, 12, 31)


def reminder_dates(estate: Estate) -> ReminderDates:
    return ReminderDates(
        committee_term_ends_on=estate.committee_term_ends_on,
        service_contract_ends_on=estate.service_contract_ends_on,
        preliminary_contract_ends_on=estate.preliminary_contract_ends_on,
    )


@dataclass(frozen=True, slots=True)
class ReminderView:
    estate: Estate
    today: date
    last_assembly_closed_on: date | None
    reminders: tuple[Reminder, ...]


async def reminders(
    session: AsyncSession, principal: Principal, estate_id: uuid.UUID, *, now: datetime
) -> ReminderView:
    """The reminders due today (Asia/Shanghai) for anyone with a role on the estate."""
    await access.ensure_can_read_estate(session, principal, estate_id)
    estate = await session.get(Estate, estate_id)
    if estate is None:  # deleted in between
        raise NotFound(what="estate")
    closed_at = await repository.last_closed_at(session, estate_id)
    last = None if closed_at is None else shanghai_date(closed_at)
    today = shanghai_date(now)
    return ReminderView(estate, today, last, tuple(due_reminders(reminder_dates(estate), today, last)))


DATE_FIELDS = ("committee_term_ends_on", "service_contract_ends_on", "preliminary_contract_ends_on")


async def update_reminder_dates(
    session: AsyncSession, principal: Principal, estate_id: uuid.UUID, changes: dict[str, date | None]
) -> Estate:
    """Organisers record (or clear, with null) the end dates the reminders count from."""
    await access.ensure_can_manage_estate(session, principal, estate_id)
    estate = await session.get(Estate, estate_id, with_for_update=True)
    if estate is None:
        raise NotFound(what="estate")
    for name, value in changes.items():
        if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
            raise ReminderDatesInvalid(
                field=name, value=value.isoformat(), earliest=EARLIEST_DATE.isoformat(), latest=LATEST_DATE.isoformat()
            )
    for name, value in changes.items():
        setattr(estate, name, value)
    await session.flush()
    await audit_service.append(
        session,
        events.estate_reminder_dates_changed(
            by=principal.label,
            dates={
                name: None if getattr(estate, name) is None else getattr(estate, name).isoformat()
                for name in DATE_FIELDS
            },
        ),
        estate_id=estate_id,
    )
    return estate


REMINDER_TITLES = {
    ReminderKind.PRELIMINARY_CONTRACT_ENDING: "提醒：前期物业服务合同即将届满",
    ReminderKind.SERVICE_CONTRACT_ENDING: "提醒：物业服务合同即将届满",
    ReminderKind.COMMITTEE_TERM_ENDING: "提醒：业主委员会任期即将届满",
    ReminderKind.NO_RECENT_ASSEMBLY: "提醒：业主大会每年至少召开一次会议",
}


async def publish_due_reminders(session: AsyncSession, *, now: datetime) -> int:
    """Publish a REMINDER notice (to the organisers) for every reminder occurrence due today that has none yet.

    Idempotent: each occurrence (``Reminder.key``, e.g. a contract's end date) is published once per estate,
    enforced by the unique ``(estate_id, dedup_key)``, so concurrent workers and repeated runs add nothing.
    """
    today = shanghai_date(now)
    published = await repository.published_dedup_keys(session)
    count = 0
    for estate, closed_at in await repository.estates_for_reminders(session):
        last = None if closed_at is None else shanghai_date(closed_at)
        for reminder in due_reminders(reminder_dates(estate), today, last):
            if (estate.id, reminder.key) in published:
                continue
            draft = notice_service.NoticeDraft(
                estate_id=estate.id,
                kind=NoticeKind.REMINDER,
                title=REMINDER_TITLES[reminder.kind],
                body=f"{reminder.message_zh}（{reminder.basis}）\n{reminder.message_en} ({reminder.basis})",
                audience=Audience.ORGANISERS,
            )
            notice = await notice_service.publish_notice_once(session, draft, now=now, dedup_key=reminder.key)
            count += notice is not None
    count += await _publish_pmc_term_reminders(session, today=today, now=now, published=published)
    # R-DISC-3: the half-yearly publication of the members' fee payments (Beijing Art. 44(8))
    count += await disclosure_service.publish_fee_reminders(session, today=today, now=now, published=published)
    # R-FIRST-5: the elected committee's filing within 30 days of the first assembly (Beijing Art. 43)
    return count + await assembly_service.publish_filing_reminders(session, today=today, now=now, published=published)


async def _publish_pmc_term_reminders(
    session: AsyncSession, *, today: date, now: datetime, published: set[tuple[uuid.UUID, str]]
) -> int:
    """R-COMM-5: a 物管会's term lapses at most three years after it was formed (Beijing Art. 58; seed 003 §四.1).
    The organisers and the street office are reminded 6, 3 and 1 months before, and once when it has lapsed (it
    can no longer convene, R-CONV-1); each stage of each 物管会 once."""
    count = 0
    for committee in await repository.property_management_committees(session):
        ends_on = term_end(committee.kind, committee.term_starts_on, committee.term_ends_on)
        stage = pmc_term_reminder(ends_on, today)
        if stage is None or (committee.estate_id, f"{stage.key}:{committee.id}") in published:
            continue
        if stage.months_before:
            zh = (
                f"物业管理委员会任期将于{ends_on.isoformat()}届满（{stage.months_before}个月内），"
                "届满后不能再组织业主共同决定；"
            )
            en = (
                f"The 物管会's term ends on {ends_on.isoformat()} (within {stage.months_before} months); after that it "
            )
        else:
            zh = f"物业管理委员会任期已于{ends_on.isoformat()}届满，不能再组织业主共同决定；"
            en = f"The 物管会's term ended on {ends_on.isoformat()}; it "
        draft = notice_service.NoticeDraft(
            estate_id=committee.estate_id,
            kind=NoticeKind.REMINDER,
            title="提醒：物业管理委员会任期" + ("即将届满" if stage.months_before else "已届满"),
            body=(
                f"{zh}街道办事处应推动成立业主大会、选举业主委员会或重新组建物管会（北京条例第五十八条；"
                "朝阳区文件第四部分第1项：物管会任期原则上不超过3年）。\n"
                f"{en}can no longer convene the owners; the street office moves to form the assembly and elect a "
                "committee, or re-forms the 物管会 (Beijing Art. 58; seed 003 §四.1)."
            ),
            audience=Audience.ORGANISERS,
        )
        key = f"{stage.key}:{committee.id}"
        count += await notice_service.publish_notice_once(session, draft, now=now, dedup_key=key) is not None
    return count
