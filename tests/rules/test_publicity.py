"""R-LIFE-3..6 and R-LIFE-8: notice period (T8), voting window, close changes and publication deadlines."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.errors import DomainError
from app.rules import errors
from app.rules.publicity import (
    SHANGHAI,
    CalendarSource,
    ExtensionRule,
    ExtensionWhen,
    PublicationFlag,
    app_publication_deadline,
    check_close_change,
    check_voting_open,
    check_window,
    decision_date,
    earliest_voting_start,
    end_of_day,
    legal_publication_deadline,
    result_publication_flags,
    shanghai_date,
)
from app.rules.workdays import FIXED_DATE_HOLIDAYS, HolidayArrangement

WEEKDAYS_ONLY = HolidayArrangement()

SECOND = timedelta(seconds=1)
DAY = timedelta(days=1)


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


def naive(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day)  # noqa: DTZ001 - deliberately naive input


PUBLISHED = sh(2025, 3, 1, 10, 30)
START = sh(2025, 3, 17)
END = end_of_day(date(2025, 3, 23))  # 2025-03-24 00:00: exactly 7 days after START


# --- R-LIFE-3: notice period, T8 ---


@pytest.mark.parametrize(
    ("published_at", "earliest"),
    [
        pytest.param(sh(2025, 3, 1), sh(2025, 3, 17), id="T8-published-midnight"),
        pytest.param(PUBLISHED, sh(2025, 3, 17), id="T8-published-morning"),
        pytest.param(sh(2025, 3, 1, 23, 59, 59), sh(2025, 3, 17), id="T8-published-last-second"),
        pytest.param(datetime(2025, 2, 28, 16, tzinfo=UTC), sh(2025, 3, 17), id="R-LIFE-3-utc-is-shanghai-03-01"),
        pytest.param(
            datetime(2025, 2, 28, 15, 59, 59, tzinfo=UTC), sh(2025, 3, 16), id="R-LIFE-3-utc-is-shanghai-02-28"
        ),
        pytest.param(sh(2024, 2, 14, 8), sh(2024, 3, 1), id="R-LIFE-3-leap-year"),
    ],
)
def test_earliest_voting_start_r_life_3(published_at, earliest):
    assert earliest_voting_start(published_at) == earliest


@pytest.mark.parametrize(
    ("starts_at", "ok"),
    [
        pytest.param(sh(2025, 3, 16), False, id="T8-2025-03-16-rejected"),
        pytest.param(sh(2025, 3, 16, 23, 59, 59), False, id="T8-one-second-early-rejected"),
        pytest.param(sh(2025, 3, 17), True, id="T8-2025-03-17-accepted"),
        pytest.param(sh(2025, 3, 20, 9), True, id="T8-later-accepted"),
    ],
)
def test_t8_notice_period_r_life_3(starts_at, ok):
    if ok:
        check_window(PUBLISHED, starts_at, starts_at + timedelta(days=7))
    else:
        with pytest.raises(errors.NoticePeriodTooShort) as caught:
            check_window(PUBLISHED, starts_at, starts_at + timedelta(days=7))
        assert caught.value.params["published_date"] == "2025-03-01"
        assert caught.value.params["earliest_start"].isoformat() == "2025-03-17T00:00:00+08:00"


@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive by API
        max_value=datetime(2100, 1, 1),  # noqa: DTZ001
        timezones=st.sampled_from([SHANGHAI, UTC, ZoneInfo("America/New_York"), timezone(timedelta(hours=14))]),
    )
)
def test_earliest_start_is_16_shanghai_days_after_publication_r_life_3(published_at):
    earliest = earliest_voting_start(published_at)
    local = earliest.astimezone(SHANGHAI)
    assert (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0)
    assert local.date().toordinal() - published_at.astimezone(SHANGHAI).date().toordinal() == 16
    check_window(published_at, earliest, earliest + timedelta(days=7))
    with pytest.raises(errors.NoticePeriodTooShort):
        check_window(published_at, earliest - SECOND, earliest + timedelta(days=7))


# --- R-LIFE-5: window ---


def test_end_of_day_is_next_midnight_shanghai_cc_203():
    assert end_of_day(date(2025, 3, 31)) == sh(2025, 4, 1)
    assert end_of_day(date(2025, 12, 31)) == datetime(2025, 12, 31, 16, tzinfo=UTC)


@pytest.mark.parametrize(
    ("starts_at", "ends_at", "min_days", "error"),
    [
        pytest.param(START, END, 7, None, id="R-LIFE-5-exactly-7-days"),
        pytest.param(START, END - SECOND, 7, errors.VotingWindowTooShort, id="R-LIFE-5-one-second-short"),
        pytest.param(START, END + timedelta(days=3), 10, None, id="R-LIFE-5-community-minimum-10"),
        pytest.param(START, END + timedelta(days=2), 10, errors.VotingWindowTooShort, id="R-LIFE-5-below-10"),
        pytest.param(START, END, 6, errors.VotingWindowMinimumInvalid, id="R-LIFE-5-minimum-below-7"),
        pytest.param(START, START, 7, errors.VotingWindowInverted, id="R-LIFE-5-empty-window"),
        pytest.param(START, START - DAY, 7, errors.VotingWindowInverted, id="R-LIFE-5-end-before-start"),
        pytest.param(sh(2025, 3, 10), END, 7, errors.NoticePeriodTooShort, id="R-LIFE-3-checked-first"),
    ],
)
def test_check_window_r_life_5(starts_at, ends_at, min_days, error):
    if error is None:
        check_window(PUBLISHED, starts_at, ends_at, min_days=min_days)
    else:
        with pytest.raises(error):
            check_window(PUBLISHED, starts_at, ends_at, min_days=min_days)


def test_window_too_short_message():
    with pytest.raises(errors.VotingWindowTooShort) as caught:
        check_window(PUBLISHED, START, END - SECOND)
    assert caught.value.message("en") == (
        "The voting window 2025-03-17 00:00 (Beijing time) to 2025-03-23 23:59:59 (Beijing time) is shorter than "
        "7 days."
    )


@pytest.mark.parametrize("field", ["published_at", "starts_at", "ends_at"])
def test_naive_datetimes_rejected(field):
    args = {"published_at": PUBLISHED, "starts_at": START, "ends_at": END}
    args[field] = args[field].replace(tzinfo=None)
    with pytest.raises(errors.NaiveDatetime) as caught:
        check_window(args["published_at"], args["starts_at"], args["ends_at"])
    assert caught.value.params == {"field": field}


def test_shanghai_date_rejects_naive():
    with pytest.raises(errors.NaiveDatetime):
        shanghai_date(naive(2025, 3, 1))
    assert shanghai_date(datetime(2025, 3, 1, 16, tzinfo=UTC)) == date(2025, 3, 2)


# --- R-LIFE-5 / R-TALLY-9: ballots inside the window ---


@pytest.mark.parametrize(
    ("now", "error"),
    [
        pytest.param(START - SECOND, errors.VotingNotStarted, id="one-second-before-start"),
        pytest.param(START, None, id="at-start"),
        pytest.param(END - SECOND, None, id="last-second"),
        pytest.param(END, errors.VotingEnded, id="end-is-exclusive"),
    ],
)
def test_check_voting_open_r_life_5(now, error):
    if error is None:
        check_voting_open(START, END, now)
    else:
        with pytest.raises(error):
            check_voting_open(START, END, now)


def test_check_voting_open_rejects_naive():
    with pytest.raises(errors.NaiveDatetime) as caught:
        check_voting_open(START, END, naive(2025, 3, 18))
    assert caught.value.params == {"field": "now"}


# --- R-LIFE-6: early close and extensions ---

QUORUM_RULE = ExtensionRule(max_times=2, max_days_each=7, when=ExtensionWhen.QUORUM_NOT_MET)
ANY_RULE = ExtensionRule(max_times=1, max_days_each=3, when=ExtensionWhen.ANY_TIME)
CLOSE = sh(2025, 4, 1)
BEFORE_CLOSE = sh(2025, 3, 30, 12)


@pytest.mark.parametrize(
    ("rule", "new_ends_at", "decided_at", "so_far", "quorum_now", "error"),
    [
        pytest.param(QUORUM_RULE, CLOSE - SECOND, BEFORE_CLOSE, 0, False, errors.VotingEarlyClose, id="early"),
        pytest.param(None, CLOSE - DAY, BEFORE_CLOSE, 0, False, errors.VotingEarlyClose, id="early-no-rule"),
        pytest.param(None, CLOSE, BEFORE_CLOSE, 0, True, None, id="unchanged-is-no-change"),
        pytest.param(None, CLOSE + DAY, BEFORE_CLOSE, 0, False, errors.VotingExtensionNotInNotice, id="no-rule"),
        pytest.param(
            QUORUM_RULE, CLOSE + DAY, CLOSE, 0, False, errors.VotingExtensionAfterClose, id="decided-at-close"
        ),
        pytest.param(QUORUM_RULE, CLOSE + DAY, BEFORE_CLOSE, 0, False, None, id="quorum-not-met-ok"),
        pytest.param(
            QUORUM_RULE,
            CLOSE + DAY,
            BEFORE_CLOSE,
            0,
            True,
            errors.VotingExtensionConditionUnmet,
            id="quorum-already-met",
        ),
        pytest.param(ANY_RULE, CLOSE + DAY, BEFORE_CLOSE, 0, True, None, id="any-time-ok"),
        pytest.param(QUORUM_RULE, CLOSE + 7 * DAY, BEFORE_CLOSE, 1, False, None, id="second-of-two-max-days"),
        pytest.param(
            QUORUM_RULE, CLOSE + DAY, BEFORE_CLOSE, 2, False, errors.VotingExtensionTooMany, id="third-of-two"
        ),
        pytest.param(
            QUORUM_RULE,
            CLOSE + 7 * DAY + SECOND,
            BEFORE_CLOSE,
            0,
            False,
            errors.VotingExtensionTooLong,
            id="one-second-too-long",
        ),
    ],
)
def test_check_close_change_r_life_6(rule, new_ends_at, decided_at, so_far, quorum_now, error):
    def change() -> None:
        check_close_change(
            rule,
            ends_at=CLOSE,
            new_ends_at=new_ends_at,
            decided_at=decided_at,
            extensions_so_far=so_far,
            quorum_met_now=quorum_now,
        )

    if error is None:
        change()
    else:
        with pytest.raises(error):
            change()


def test_close_change_rejects_naive_times():
    with pytest.raises(errors.NaiveDatetime) as caught:
        check_close_change(
            ANY_RULE,
            ends_at=CLOSE,
            new_ends_at=CLOSE + DAY,
            decided_at=naive(2025, 3, 30),
            extensions_so_far=0,
            quorum_met_now=False,
        )
    assert caught.value.params == {"field": "decided_at"}


@pytest.mark.parametrize(("times", "days"), [(0, 3), (1, 0), (-1, -1)])
def test_extension_rule_needs_positive_limits(times, days):
    with pytest.raises(ValueError, match="at least one extension"):
        ExtensionRule(max_times=times, max_days_each=days, when=ExtensionWhen.ANY_TIME)


# --- R-LIFE-8: publication deadlines ---

QINGMING_2025 = frozenset({date(2025, 4, 4), date(2025, 4, 5), date(2025, 4, 6)})
MAKEUP_2025_04_27 = frozenset({date(2025, 4, 27)})  # Sunday worked in lieu of the May Day holiday


@pytest.mark.parametrize(
    ("closed_at", "decided"),
    [
        pytest.param(sh(2025, 4, 1), date(2025, 3, 31), id="midnight-close-is-24h-of-previous-day"),
        pytest.param(sh(2025, 4, 1, 0, 0, 1), date(2025, 4, 1), id="just-after-midnight"),
        pytest.param(sh(2025, 4, 1, 18), date(2025, 4, 1), id="evening"),
        pytest.param(datetime(2025, 3, 31, 16, tzinfo=UTC), date(2025, 3, 31), id="utc-equals-shanghai-midnight"),
    ],
)
def test_decision_date_r_life_8(closed_at, decided):
    assert decision_date(closed_at) == decided


@pytest.mark.parametrize(
    ("closed_at", "holidays", "extra", "app_deadline", "legal_deadline"),
    [
        pytest.param(sh(2025, 4, 1), frozenset(), frozenset(), sh(2025, 4, 2), sh(2025, 4, 4), id="monday-decision"),
        pytest.param(
            sh(2025, 3, 28, 18), frozenset(), frozenset(), sh(2025, 4, 1), sh(2025, 4, 1), id="friday-skips-weekend"
        ),
        pytest.param(
            sh(2025, 4, 1, 12),
            QINGMING_2025,
            frozenset(),
            sh(2025, 4, 3),
            sh(2025, 4, 8),
            id="cc-203-last-day-on-holiday-rolls-past-it",
        ),
        pytest.param(
            sh(2025, 4, 3, 10),
            QINGMING_2025,
            frozenset(),
            sh(2025, 4, 8),
            sh(2025, 4, 8),
            id="app-standard-skips-holiday-and-weekend",
        ),
        pytest.param(
            sh(2025, 4, 26, 10),
            frozenset(),
            MAKEUP_2025_04_27,
            sh(2025, 4, 28),
            sh(2025, 4, 30),
            id="make-up-sunday-is-a-working-day",
        ),
        pytest.param(
            sh(2025, 4, 26, 10), frozenset(), frozenset(), sh(2025, 4, 29), sh(2025, 4, 30), id="plain-weekend"
        ),
    ],
)
def test_publication_deadlines_r_life_8(closed_at, holidays, extra, app_deadline, legal_deadline):
    calendar = HolidayArrangement(holidays, extra)
    assert app_publication_deadline(closed_at, calendar) == app_deadline
    assert legal_publication_deadline(closed_at, calendar) == legal_deadline


# 2025 State Council calendar (国办发明电〔2024〕12号): holidays and make-up working days (调休上班日).
DRAGON_BOAT_2025 = frozenset({date(2025, 5, 31), date(2025, 6, 1), date(2025, 6, 2)})  # Sat-Mon
NATIONAL_DAY_2025 = frozenset(date(2025, 10, d) for d in range(1, 9))  # Wed 10-01 to Wed 10-08
MAKEUP_2025_02_08 = frozenset({date(2025, 2, 8)})  # Saturday worked after the Spring Festival
MAKEUP_2025_10_11 = frozenset({date(2025, 9, 28), date(2025, 10, 11)})  # Sunday and Saturday


@pytest.mark.parametrize(
    ("closed_at", "holidays", "extra", "legal_deadline"),
    [
        pytest.param(
            sh(2025, 4, 10, 12), frozenset(), frozenset(), sh(2025, 4, 15), id="R-LIFE-8-last-day-sunday-monday"
        ),
        pytest.param(
            sh(2025, 4, 9, 12), frozenset(), frozenset(), sh(2025, 4, 15), id="R-LIFE-8-last-day-saturday-monday"
        ),
        pytest.param(
            sh(2025, 3, 28), frozenset(), frozenset(), sh(2025, 4, 1), id="R-LIFE-8-midnight-close-sunday-monday"
        ),
        pytest.param(
            sh(2025, 4, 8, 12), frozenset(), frozenset(), sh(2025, 4, 12), id="R-LIFE-8-last-day-friday-stays"
        ),
        pytest.param(
            sh(2025, 5, 28, 12),
            DRAGON_BOAT_2025,
            frozenset(),
            sh(2025, 6, 4),
            id="R-LIFE-8-saturday-then-monday-holiday",
        ),
        pytest.param(
            sh(2025, 5, 28, 12),
            frozenset({date(2025, 6, 2)}),
            frozenset(),
            sh(2025, 6, 4),
            id="R-LIFE-8-weekend-and-monday-holiday-chain",
        ),
        pytest.param(
            sh(2025, 2, 5, 12), frozenset(), MAKEUP_2025_02_08, sh(2025, 2, 9), id="R-LIFE-8-make-up-saturday-stays"
        ),
        pytest.param(
            sh(2025, 2, 5, 12), frozenset(), frozenset(), sh(2025, 2, 11), id="R-LIFE-8-same-saturday-unlisted-rolls"
        ),
        pytest.param(
            sh(2025, 4, 24, 12), frozenset(), MAKEUP_2025_04_27, sh(2025, 4, 28), id="R-LIFE-8-make-up-sunday-stays"
        ),
        pytest.param(
            sh(2025, 9, 29, 12),
            NATIONAL_DAY_2025,
            MAKEUP_2025_10_11,
            sh(2025, 10, 10),
            id="R-LIFE-8-holiday-run-rolls-to-thursday",
        ),
    ],
)
def test_legal_deadline_rolls_past_rest_days_cc_203_r_life_8(closed_at, holidays, extra, legal_deadline):
    calendar = HolidayArrangement(holidays, extra)
    deadline = legal_publication_deadline(closed_at, calendar)
    assert deadline == legal_deadline
    last_day = deadline.date() - DAY
    assert calendar.is_working_day(last_day)
    assert result_publication_flags(closed_at, None, as_of=closed_at, calendar=calendar).legal_deadline == deadline


# 2026 State Council calendar (国务院办公厅关于2026年部分节假日安排的通知, 2025-11-04): National Day and
# Mid-Autumn, 10-01 (Thu) to 10-07 (Wed) off; Sunday 09-20 and Saturday 10-10 worked in lieu.
NATIONAL_DAY_2026 = HolidayArrangement(
    holidays=frozenset(date(2026, 10, d) for d in range(1, 8)),
    make_up_working_days=frozenset({date(2026, 9, 20), date(2026, 10, 10)}),
)


@pytest.mark.parametrize(
    ("closed_at", "app_deadline", "legal_deadline", "weekends_only"),
    [
        pytest.param(
            sh(2026, 10, 1),  # 24:00 of Wed 09-30
            sh(2026, 10, 9),
            sh(2026, 10, 9),
            (sh(2026, 10, 2), sh(2026, 10, 6)),
            id="closing-09-30-both-deadlines-move-past-the-holiday-to-thu-10-08",
        ),
        pytest.param(
            sh(2026, 10, 8),  # 24:00 of Wed 10-07
            sh(2026, 10, 9),
            sh(2026, 10, 11),
            (sh(2026, 10, 9), sh(2026, 10, 13)),
            id="3rd-day-on-make-up-saturday-10-10-stays",
        ),
        pytest.param(
            sh(2026, 10, 9, 18),  # Fri 10-09
            sh(2026, 10, 11),
            sh(2026, 10, 13),
            (sh(2026, 10, 13), sh(2026, 10, 13)),
            id="next-working-day-is-make-up-saturday-10-10",
        ),
        pytest.param(
            sh(2026, 9, 17, 12),  # Thu 09-17
            sh(2026, 9, 19),
            sh(2026, 9, 21),
            (sh(2026, 9, 19), sh(2026, 9, 22)),
            id="3rd-day-on-make-up-sunday-09-20-stays",
        ),
    ],
)
def test_national_day_2026_moves_publication_deadlines_r_life_8(closed_at, app_deadline, legal_deadline, weekends_only):
    check = result_publication_flags(closed_at, None, as_of=closed_at, calendar=NATIONAL_DAY_2026)
    assert (check.app_deadline, check.legal_deadline) == (app_deadline, legal_deadline)
    without_holidays = result_publication_flags(closed_at, None, as_of=closed_at, calendar=WEEKDAYS_ONLY)
    assert (without_holidays.app_deadline, without_holidays.legal_deadline) == weekends_only


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 4, 3), True),
        (date(2025, 4, 4), False),  # holiday on a Friday
        (date(2025, 4, 5), False),
        (date(2025, 4, 27), True),  # make-up Sunday
        (date(2025, 4, 26), False),
    ],
)
def test_is_working_day(day, working):
    assert HolidayArrangement(QINGMING_2025, MAKEUP_2025_04_27).is_working_day(day) is working


LATE, PAST = PublicationFlag.LATE_APP_STANDARD, PublicationFlag.PAST_LEGAL_DEADLINE


@pytest.mark.parametrize(
    ("published_at", "as_of", "flags"),
    [
        pytest.param(sh(2025, 4, 1, 23, 59, 59), sh(2025, 5, 1), (), id="published-last-second-of-next-working-day"),
        pytest.param(sh(2025, 4, 2), sh(2025, 5, 1), (LATE,), id="published-at-24h-is-late"),
        pytest.param(sh(2025, 4, 3, 23, 59, 59), sh(2025, 5, 1), (LATE,), id="last-second-of-3rd-day"),
        pytest.param(sh(2025, 4, 4), sh(2025, 4, 4), (LATE, PAST), id="published-past-legal-deadline"),
        pytest.param(None, sh(2025, 4, 1, 23), (), id="unpublished-not-yet-due"),
        pytest.param(None, sh(2025, 4, 2), (LATE,), id="unpublished-app-overdue"),
        pytest.param(None, sh(2025, 4, 4), (LATE, PAST), id="unpublished-legal-overdue"),
    ],
)
def test_result_publication_flags_r_life_8(published_at, as_of, flags):
    check = result_publication_flags(sh(2025, 4, 1), published_at, as_of=as_of, calendar=WEEKDAYS_ONLY)
    assert check.flags == flags
    assert check.decision_date == date(2025, 3, 31)
    data = check.to_dict()
    assert data["flags"] == [flag.value for flag in flags]
    assert data["app_deadline"] == "2025-04-02T00:00:00+08:00"
    assert data["legal_deadline"] == "2025-04-04T00:00:00+08:00"
    assert ("published_at" in data) is (published_at is not None)
    assert check.calendar is CalendarSource.STATE_COUNCIL
    assert "calendar" not in data  # as logged before provisional calendars existed


def test_result_publication_flags_holidays_and_make_up_days():
    check = result_publication_flags(
        sh(2025, 4, 3, 10),
        sh(2025, 4, 7, 12),
        as_of=sh(2025, 4, 7, 12),
        calendar=HolidayArrangement(holidays=QINGMING_2025),
    )
    # Friday to Sunday are holidays: Monday 04-07 is the next working day and, rolled, the 3rd day.
    assert check.flags == ()
    assert check.app_deadline == check.legal_deadline == sh(2025, 4, 8)


@pytest.mark.parametrize(
    ("extra", "flags", "legal_deadline"),
    [
        pytest.param(MAKEUP_2025_02_08, (LATE, PAST), sh(2025, 2, 9), id="R-LIFE-8-make-up-saturday-deadline-passed"),
        pytest.param(frozenset(), (LATE,), sh(2025, 2, 11), id="R-LIFE-8-weekend-rolls-deadline-to-monday"),
    ],
)
def test_result_publication_flags_make_up_saturday_r_life_8(extra, flags, legal_deadline):
    # Decided Wed 2025-02-05; published Mon 02-10 09:00. The 3rd day, Sat 02-08, is a make-up working day only
    # if listed; unlisted, CC 203 rolls it past the weekend to Mon 02-10.
    check = result_publication_flags(
        sh(2025, 2, 5, 12),
        sh(2025, 2, 10, 9),
        as_of=sh(2025, 2, 10, 9),
        calendar=HolidayArrangement(make_up_working_days=extra),
    )
    assert check.app_deadline == sh(2025, 2, 7)
    assert check.legal_deadline == legal_deadline
    assert check.flags == flags


# --- R-LIFE-8: a year without the State Council's notice is counted provisionally ---


@pytest.mark.parametrize(
    ("day", "working"),
    [
        pytest.param(date(2027, 1, 1), False, id="new-year-fri"),
        pytest.param(date(2027, 1, 4), True, id="mon-after-new-year"),
        pytest.param(date(2027, 2, 5), True, id="spring-festival-eve-unknown-without-notice"),
        pytest.param(date(2028, 5, 1), False, id="labour-day-mon"),
        pytest.param(date(2028, 5, 2), False, id="labour-day-2nd-day-tue"),
        pytest.param(date(2028, 5, 3), True, id="wed-after-labour-day"),
        pytest.param(date(2027, 5, 3), True, id="day-off-in-lieu-unknown-without-notice"),
        pytest.param(date(2027, 10, 1), False, id="national-day-fri"),
        pytest.param(date(2027, 10, 3), False, id="national-day-sun"),
        pytest.param(date(2027, 10, 4), True, id="mon-after-national-day"),
        pytest.param(date(2027, 10, 9), False, id="plain-saturday"),
    ],
)
def test_fixed_date_holidays_are_provisional(day, working):
    """《全国年节及纪念日放假办法》 Art. 2 (Decree 795): 1 Jan, 1-2 May and 1-3 Oct need no notice; nothing else is
    known before it, so every answer is provisional."""
    assert FIXED_DATE_HOLIDAYS.is_working_day(day) is working
    assert FIXED_DATE_HOLIDAYS.is_announced(day) is False


class AnnouncedThrough2026:
    """Weekdays only through 2026 as if announced, the provisional fixed-date holidays from 2027."""

    def is_working_day(self, day: date, /) -> bool:
        calendar = WEEKDAYS_ONLY if self.is_announced(day) else FIXED_DATE_HOLIDAYS
        return calendar.is_working_day(day)

    def is_announced(self, day: date, /) -> bool:
        return day.year <= 2026


@pytest.mark.parametrize(
    ("closed_at", "app_deadline", "legal_deadline", "source"),
    [
        pytest.param(
            sh(2026, 12, 25, 18),  # Fri: both deadlines end Mon 12-28
            sh(2026, 12, 29),
            sh(2026, 12, 29),
            CalendarSource.STATE_COUNCIL,
            id="all-days-announced",
        ),
        pytest.param(
            sh(2026, 12, 28, 18),  # Mon: the 3rd day is Thu 12-31, its 24:00 the first instant of 2027
            sh(2026, 12, 30),
            sh(2027, 1, 1),
            CalendarSource.STATE_COUNCIL,
            id="deadline-at-24h-of-12-31-depends-on-no-2027-day",
        ),
        pytest.param(
            sh(2026, 12, 29, 18),  # Tue: the 3rd day, Fri 2027-01-01, is New Year's Day, then the weekend
            sh(2026, 12, 31),
            sh(2027, 1, 5),
            CalendarSource.PROVISIONAL,
            id="3rd-day-in-a-year-without-notice",
        ),
        pytest.param(
            sh(2027, 9, 30, 12),  # Thu: 10-01..03 are National Day, 10-04 a Monday
            sh(2027, 10, 5),
            sh(2027, 10, 5),
            CalendarSource.PROVISIONAL,
            id="national-day-2027-fixed-dates",
        ),
        pytest.param(
            sh(2028, 4, 28, 12),  # Fri: the weekend, then Labour Day Mon 05-01 and Tue 05-02
            sh(2028, 5, 4),
            sh(2028, 5, 4),
            CalendarSource.PROVISIONAL,
            id="labour-day-2028-two-days",
        ),
    ],
)
def test_deadlines_in_a_year_without_notice_are_provisional_r_life_8(closed_at, app_deadline, legal_deadline, source):
    check = result_publication_flags(closed_at, None, as_of=closed_at, calendar=AnnouncedThrough2026())
    assert (check.app_deadline, check.legal_deadline, check.calendar) == (app_deadline, legal_deadline, source)
    data = check.to_dict()
    assert data.get("calendar") == (None if source is CalendarSource.STATE_COUNCIL else "PROVISIONAL")


@pytest.mark.parametrize("field", ["closed_at", "published_at", "as_of"])
def test_result_publication_flags_rejects_naive(field):
    args = {"closed_at": sh(2025, 4, 1), "published_at": sh(2025, 4, 1, 9), "as_of": sh(2025, 4, 2)}
    args[field] = args[field].replace(tzinfo=None)
    with pytest.raises(errors.NaiveDatetime) as caught:
        result_publication_flags(args["closed_at"], args["published_at"], as_of=args["as_of"], calendar=WEEKDAYS_ONLY)
    assert caught.value.params == {"field": field}


PUBLICITY_ERRORS = [
    errors.NaiveDatetime,
    errors.VotingNotStarted,
    errors.VotingEnded,
    errors.NoticePeriodTooShort,
    errors.VotingWindowMinimumInvalid,
    errors.VotingWindowInverted,
    errors.VotingWindowTooShort,
    errors.VotingEarlyClose,
    errors.VotingExtensionAfterClose,
    errors.VotingExtensionNotInNotice,
    errors.VotingExtensionConditionUnmet,
    errors.VotingExtensionTooMany,
    errors.VotingExtensionTooLong,
]


@pytest.mark.parametrize("error", PUBLICITY_ERRORS, ids=lambda e: e.code)
def test_publicity_errors_contract(error):
    assert issubclass(error, errors.RuleViolation)
    assert DomainError.registry[error.code] is error
    # A ballot outside the window conflicts with the vote's state (409), as it did in the ballot package.
    assert error.status == (409 if error in (errors.VotingNotStarted, errors.VotingEnded) else 422)
    assert error.placeholders("zh") == error.placeholders("en")
    params: dict[str, Any] = dict.fromkeys(error.placeholders("en"), "x")
    assert error(**params).message("zh")
    assert error(**params).message("en")
