"""Notice period, voting window, close changes and result publication deadlines (R-LIFE-3..6, R-LIFE-8).

Beijing Property Management Regulation Art. 35(4): the committee notifies all owners and publicises the
topics, time, place and method 「于会议召开十五日前」. Civil Code Art. 201: a period counted in days starts on
the day after the triggering day. Art. 203: a period whose last day is a 法定休假日 ends on the day after
it, and a last day ends at 24:00. As in Chinese civil-procedure practice, 法定休假日 covers the weekly rest days
(Saturday, Sunday) as well as the statutory holidays, but not a make-up working day (调休上班日). Beijing Art.
37(2): decisions are publicised within 3 days. Which days are rest days comes from a calendar the caller passes
(``app.rules.workdays``): the State Council's holiday arrangement, never weekends alone; for a year without a
notice, the provisional fixed-date holidays, and the check then says its deadlines are provisional.

* R-LIFE-3 (CHOICE, conservative): 15 clear days after the publication day, so voting starts at 00:00 of
  publication date + 16 days at the earliest.
* R-NOTICE-3 (Beijing Art. 35(4) 「通知全体业主」 and 「在物业管理区域内显著位置公示」): the 15 clear days run from
  the later of publication and the first recorded on-site posting; without a posting the vote never opens.
* R-LIFE-5 (CHOICE): the window lasts at least 7 days; a community may require more, never less.
* R-LIFE-6 (CHOICE): no early close; an extension only as the original notice's extension rule allows.
* R-LIFE-8: results are due by the end of the next working day (app standard) and, by law, by 24:00 of the
  3rd day after the decision, rolled forward past weekends and holidays to the next working day (CC 203).

Calendar days are Asia/Shanghai dates. Every function takes aware instants and none reads a clock. The notice
period and the voting window are counted in calendar days, so they take no working-day calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from app.rules.errors import (
    NaiveDatetime,
    NoticeNotPosted,
    NoticePeriodTooShort,
    PostingBeforePublication,
    PostingInFuture,
    PostingTooLateForWindow,
    VotingEarlyClose,
    VotingEnded,
    VotingExtensionAfterClose,
    VotingExtensionConditionUnmet,
    VotingExtensionNotInNotice,
    VotingExtensionTooLong,
    VotingExtensionTooMany,
    VotingNotStarted,
    VotingWindowInverted,
    VotingWindowMinimumInvalid,
    VotingWindowTooShort,
)
from app.rules.workdays import WorkingDayCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOTICE_DAYS = 16  # R-LIFE-3: publication day (not counted, CC 201) + 15 clear days
MIN_WINDOW_DAYS = 7  # R-LIFE-5
LEGAL_PUBLICATION_DAYS = 3  # Beijing Art. 37(2)
_ONE_DAY = timedelta(days=1)


def _require_aware(**instants: datetime) -> None:
    for field, instant in instants.items():
        if instant.utcoffset() is None:
            raise NaiveDatetime(field=field)


def _show(instant: datetime) -> str:
    return instant.astimezone(SHANGHAI).isoformat()


def shanghai_date(instant: datetime) -> date:
    """The Asia/Shanghai calendar date of an aware instant."""
    _require_aware(instant=instant)
    return instant.astimezone(SHANGHAI).date()


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=SHANGHAI)


def end_of_day(day: date) -> datetime:
    """CC Art. 203(2): a day ends at 24:00, the exclusive instant 00:00 of the next day in Shanghai."""
    return start_of_day(day + _ONE_DAY)


def earliest_voting_start(published_at: datetime) -> datetime:
    """R-LIFE-3: 00:00 Shanghai on the publication date + 16 days (T8: 2025-03-01 → 2025-03-17 00:00)."""
    return start_of_day(shanghai_date(published_at) + timedelta(days=NOTICE_DAYS))


def check_window(
    published_at: datetime, starts_at: datetime, ends_at: datetime, *, min_days: int = MIN_WINDOW_DAYS
) -> None:
    """Refuse a voting window that breaks R-LIFE-3 (notice) or R-LIFE-5 (order and minimum length).

    ``min_days`` is the community's minimum window length; it may exceed 7 but never go below it.
    """
    _require_aware(published_at=published_at, starts_at=starts_at, ends_at=ends_at)
    if min_days < MIN_WINDOW_DAYS:
        raise VotingWindowMinimumInvalid(min_days=min_days, floor=MIN_WINDOW_DAYS)
    earliest = earliest_voting_start(published_at)
    if starts_at < earliest:
        raise NoticePeriodTooShort(
            published_date=shanghai_date(published_at).isoformat(),
            starts_at=starts_at,
            earliest_start=earliest,
        )
    if ends_at <= starts_at:
        raise VotingWindowInverted(starts_at=starts_at, ends_at=ends_at)
    if ends_at - starts_at < timedelta(days=min_days):
        raise VotingWindowTooShort(starts_at=starts_at, ends_at=ends_at, min_days=min_days)


def notice_effective_at(published_at: datetime, posted_at: datetime) -> datetime:
    """R-NOTICE-3: the notice is given once it is both published (sent to all owners) and posted on site."""
    _require_aware(published_at=published_at, posted_at=posted_at)
    return max(published_at, posted_at)


@dataclass(frozen=True, slots=True)
class PostingCheck:
    """What a recorded posting leaves in force (R-NOTICE-3): the posting that counts and the earliest start."""

    counted_posted_at: datetime
    earliest_start: datetime
    posted_at: datetime
    """The posting as recorded: the stated instant, or publication when it was stated within that minute."""


def check_posting(
    published_at: datetime,
    posted_at: datetime,
    now: datetime,
    *,
    starts_at: datetime,
    counted_posted_at: datetime | None = None,
) -> PostingCheck:
    """R-NOTICE-2/3: refuse a posting stated in the future or before the minute of publication (one stated within
    that minute is taken as at publication); the earliest posting counts
    (``counted_posted_at``: the one recorded before, if any), and the announced start must leave 15 clear days after
    the later of publication and that posting (TV-W6: published 03-01, posted 03-05 → earliest 03-21, so a start on
    03-17 is refused). A posting recorded after one that already counts only adds a place."""
    _require_aware(published_at=published_at, posted_at=posted_at, now=now, starts_at=starts_at)
    if posted_at > now:
        raise PostingInFuture(posted_at=posted_at, now=now)
    if posted_at < published_at:
        # A clerk states the time to the minute: the minute of publication means "right after it", not before.
        if posted_at < published_at.replace(second=0, microsecond=0):
            raise PostingBeforePublication(posted_at=posted_at, published_at=published_at)
        posted_at = published_at
    counted = posted_at if counted_posted_at is None else min(posted_at, counted_posted_at)
    earliest = earliest_voting_start(notice_effective_at(published_at, counted))
    if starts_at < earliest:
        raise PostingTooLateForWindow(
            posted_date=shanghai_date(counted).isoformat(), earliest_start=earliest, starts_at=starts_at
        )
    return PostingCheck(counted, earliest, posted_at)


def check_notice_posted(posted_at: datetime | None) -> None:
    """R-NOTICE-3: no ballot of any channel before an on-site posting is recorded."""
    if posted_at is None:
        raise NoticeNotPosted()


def check_voting_open(starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    """R-LIFE-5: ballots only inside ``[starts_at, ends_at)``; R-BAN-1: never before the notice period ends.

    The end is exclusive (24:00 of the last day, CC 203(2)). Messages keep the stored instants as given.
    """
    _require_aware(starts_at=starts_at, ends_at=ends_at, now=now)
    if now < starts_at:
        raise VotingNotStarted(starts_at=starts_at)
    if now >= ends_at:
        raise VotingEnded(ends_at=ends_at)


class ExtensionWhen(StrEnum):
    """When the notice lets the organiser extend the window (R-LIFE-6)."""

    QUORUM_NOT_MET = "QUORUM_NOT_MET"  # only while participation is below the R-TALLY-3 quorum
    ANY_TIME = "ANY_TIME"  # at the organiser's discretion, within the stated limits


@dataclass(frozen=True, slots=True)
class ExtensionRule:
    """The extension rule stated in the original notice: when, how many times, and how many days each."""

    max_times: int
    max_days_each: int
    when: ExtensionWhen

    def __post_init__(self) -> None:
        if self.max_times < 1 or self.max_days_each < 1:
            raise ValueError("an extension rule allows at least one extension of at least one day")


def check_close_change(
    rule: ExtensionRule | None,
    *,
    ends_at: datetime,
    new_ends_at: datetime,
    decided_at: datetime,
    extensions_so_far: int,
    quorum_met_now: bool,
) -> None:
    """R-LIFE-6: refuse moving the close from ``ends_at`` (current) to ``new_ends_at``.

    An early close is always refused. An extension needs the notice's ``rule``, must be decided before the
    current close (the decision is made at the close instant, R-LIFE-8), must meet the rule's condition and
    must keep within its limits. Leaving the close unchanged is not a change and passes.
    """
    _require_aware(ends_at=ends_at, new_ends_at=new_ends_at, decided_at=decided_at)
    if new_ends_at < ends_at:
        raise VotingEarlyClose(ends_at=ends_at, new_ends_at=new_ends_at)
    if new_ends_at == ends_at:
        return
    if decided_at >= ends_at:
        raise VotingExtensionAfterClose(ends_at=ends_at)
    if rule is None:
        raise VotingExtensionNotInNotice()
    if rule.when is ExtensionWhen.QUORUM_NOT_MET and quorum_met_now:
        raise VotingExtensionConditionUnmet(condition=rule.when.value)
    if extensions_so_far >= rule.max_times:
        raise VotingExtensionTooMany(max_times=rule.max_times)
    if new_ends_at - ends_at > timedelta(days=rule.max_days_each):
        raise VotingExtensionTooLong(max_days=rule.max_days_each, ends_at=ends_at, new_ends_at=new_ends_at)


class CalendarSource(StrEnum):
    """Where the rest days behind the R-LIFE-8 deadlines came from."""

    STATE_COUNCIL = "STATE_COUNCIL"  # the General Office's notice covers every day the deadlines depend on
    PROVISIONAL = "PROVISIONAL"  # some day lies in a year without a notice: the deadline may move once it is out


class PublicationFlag(StrEnum):
    LATE_APP_STANDARD = "LATE_APP_STANDARD"  # not published by the end of the next working day
    PAST_LEGAL_DEADLINE = "PAST_LEGAL_DEADLINE"  # not published within 3 days (Beijing Art. 37(2))


def decision_date(closed_at: datetime) -> date:
    """R-LIFE-8: the decision is made at the close instant.

    A close at 00:00 is 24:00 of the previous day (CC 203(2)), so the decision counts as made that day; this
    is the earlier, stricter reading for the deadlines that run from it.
    """
    local = closed_at.astimezone(SHANGHAI)
    return local.date() - _ONE_DAY if local.time() == time() else local.date()


def _first_working_day(day: date, calendar: WorkingDayCalendar) -> date:
    while not calendar.is_working_day(day):
        day += _ONE_DAY
    return day


def app_publication_deadline(closed_at: datetime, calendar: WorkingDayCalendar) -> datetime:
    """R-LIFE-8 app standard: results published before the end of the next working day after the decision."""
    _require_aware(closed_at=closed_at)
    return end_of_day(_first_working_day(decision_date(closed_at) + _ONE_DAY, calendar))


def legal_publication_deadline(closed_at: datetime, calendar: WorkingDayCalendar) -> datetime:
    """Beijing Art. 37(2) with CC 201/203: 24:00 of the 3rd day after the decision day, or, if that last day
    is a rest day (法定休假日), 24:00 of the next working day.

    Rest days are the ``calendar``'s non-working days: weekends and statutory holidays; a make-up working day
    (调休上班日) is a working day and is not rolled over (R-LIFE-8; e.g. last day Sunday 2025-04-13 → Monday
    04-14, but a last day on the make-up Saturday 2026-10-10 stays).
    """
    _require_aware(closed_at=closed_at)
    last = decision_date(closed_at) + timedelta(days=LEGAL_PUBLICATION_DAYS)
    return end_of_day(_first_working_day(last, calendar))


@dataclass(frozen=True, slots=True)
class PublicationCheck:
    decision_date: date
    app_deadline: datetime  # exclusive: publishing at this instant is already late
    legal_deadline: datetime  # exclusive
    published_at: datetime | None
    flags: tuple[PublicationFlag, ...]
    calendar: CalendarSource

    def to_dict(self) -> dict[str, object]:
        """The evidence logged in ``vote.result_published``. ``calendar`` is written only when PROVISIONAL, so a
        check on the announced calendar renders exactly as the entries logged before it existed."""
        data: dict[str, object] = {
            "decision_date": self.decision_date.isoformat(),
            "app_deadline": _show(self.app_deadline),
            "legal_deadline": _show(self.legal_deadline),
            "flags": [flag.value for flag in self.flags],
        }
        if self.published_at is not None:
            data["published_at"] = _show(self.published_at)
        if self.calendar is CalendarSource.PROVISIONAL:
            data["calendar"] = self.calendar.value
        return data


def _calendar_source(decided: date, legal_deadline: datetime, calendar: WorkingDayCalendar) -> CalendarSource:
    """R-LIFE-8: PROVISIONAL if any day from the day after the decision to the legal deadline's last day lies in a
    year the State Council has not announced yet; the app deadline's last day is never after the legal one's, so
    these are all the days either deadline depends on."""
    first, last = decided + _ONE_DAY, shanghai_date(legal_deadline - _ONE_DAY)
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return CalendarSource.STATE_COUNCIL if all(map(calendar.is_announced, days)) else CalendarSource.PROVISIONAL


def result_publication_flags(
    closed_at: datetime,
    published_at: datetime | None,
    *,
    as_of: datetime,
    calendar: WorkingDayCalendar,
) -> PublicationCheck:
    """R-LIFE-8: flag results published late, or still unpublished at ``as_of`` after a deadline passed, and say
    whether the deadlines rest on the announced calendar or on the provisional one."""
    _require_aware(closed_at=closed_at, as_of=as_of)
    if published_at is not None:
        _require_aware(published_at=published_at)
    app_deadline = app_publication_deadline(closed_at, calendar)
    legal_deadline = legal_publication_deadline(closed_at, calendar)
    reference = as_of if published_at is None else published_at
    flags = tuple(
        flag
        for flag, deadline in (
            (PublicationFlag.LATE_APP_STANDARD, app_deadline),
            (PublicationFlag.PAST_LEGAL_DEADLINE, legal_deadline),
        )
        if reference >= deadline
    )
    decided = decision_date(closed_at)
    source = _calendar_source(decided, legal_deadline, calendar)
    return PublicationCheck(decided, app_deadline, legal_deadline, published_at, flags, source)
