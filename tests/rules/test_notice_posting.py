"""R-NOTICE-1..3: the posting on site and the 15 clear days from the later of publication and posting (TV-W6),
and the counting rule of each topic in words (TV-W8)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.rules import errors
from app.rules.categories import Category
from app.rules.kinds import TopicKind
from app.rules.lifecycle import VoteStatus, effective_status, voting_open
from app.rules.numeric import Threshold
from app.rules.publicity import check_notice_posted, check_posting, notice_effective_at
from app.rules.wording import ABSTENTION_RULE_ZH, BLANK_NOT_COUNTED_RULE_ZH, counting_rule_zh, fraction_zh, threshold_zh

SHANGHAI = ZoneInfo("Asia/Shanghai")
PUBLISHED = datetime(2025, 3, 1, 10, 0, tzinfo=SHANGHAI)
POSTED = datetime(2025, 3, 5, 9, 0, tzinfo=SHANGHAI)
START_0317 = datetime(2025, 3, 17, tzinfo=SHANGHAI)
START_0321 = datetime(2025, 3, 21, tzinfo=SHANGHAI)
HALF = Threshold(1, 2, strict=True)
TWO_THIRDS = Threshold(2, 3, strict=False)
THREE_QUARTERS = Threshold(3, 4, strict=False)


def test_w6_posting_on_03_05_refuses_a_start_on_03_17_and_names_03_21():
    with pytest.raises(errors.PostingTooLateForWindow) as refused:
        check_posting(PUBLISHED, POSTED, POSTED, starts_at=START_0317)
    assert refused.value.code == "rules.posting_too_late"
    assert refused.value.params["earliest_start"].isoformat() == "2025-03-21T00:00:00+08:00"
    assert "2025-03-21 00:00（北京时间）" in refused.value.message("zh")
    assert refused.value.params["posted_date"] == "2025-03-05"


def test_w6_the_same_posting_allows_a_start_on_03_21_and_the_earliest_posting_counts():
    first = check_posting(PUBLISHED, POSTED, POSTED, starts_at=START_0321)
    assert first.counted_posted_at == POSTED
    assert first.earliest_start == START_0321
    # A later posting at another place adds a place; the earliest one still counts.
    later = POSTED + timedelta(days=2)
    again = check_posting(PUBLISHED, later, later, starts_at=START_0321, counted_posted_at=POSTED)
    assert again.counted_posted_at == POSTED
    assert again.earliest_start == START_0321


def test_a_posting_on_the_publication_day_keeps_the_t8_start():
    same_day = datetime(2025, 3, 1, 18, 0, tzinfo=SHANGHAI)
    assert check_posting(PUBLISHED, same_day, same_day, starts_at=START_0317).earliest_start == START_0317
    assert notice_effective_at(PUBLISHED, PUBLISHED - timedelta(hours=1)) == PUBLISHED


def test_a_posting_in_the_future_or_before_publication_is_refused():
    with pytest.raises(errors.PostingInFuture):
        check_posting(PUBLISHED, POSTED, POSTED - timedelta(seconds=1), starts_at=START_0321)
    with pytest.raises(errors.PostingBeforePublication):
        check_posting(PUBLISHED, PUBLISHED - timedelta(seconds=1), POSTED, starts_at=START_0321)


def test_a_posting_stated_in_the_minute_of_publication_is_taken_as_at_publication():
    published = PUBLISHED + timedelta(seconds=42)  # the clerk publishes at 10:00:42 and types "10:00"
    check = check_posting(published, PUBLISHED, POSTED, starts_at=START_0317)
    assert (check.posted_at, check.counted_posted_at) == (published, published)
    assert check_posting(published, POSTED, POSTED, starts_at=START_0321).posted_at == POSTED


def test_no_posting_no_opening():
    with pytest.raises(errors.NoticeNotPosted) as refused:
        check_notice_posted(None)
    assert refused.value.code == "ballot.notice_not_posted"
    assert refused.value.status == 409
    check_notice_posted(POSTED)
    during = START_0321 + timedelta(days=1)
    end = START_0321 + timedelta(days=7)
    for now in (during, end):  # neither opened nor closed by the clock
        assert effective_status(
            VoteStatus.PUBLISHED, starts_at=START_0321, ends_at=end, now=now, posted=False
        ) is VoteStatus.PUBLISHED  # fmt: skip
    assert not voting_open(VoteStatus.PUBLISHED, starts_at=START_0321, ends_at=end, now=during, posted=False)
    assert voting_open(VoteStatus.PUBLISHED, starts_at=START_0321, ends_at=end, now=during, posted=True)


def test_thresholds_in_words():
    assert threshold_zh(HALF) == "过半数"
    assert threshold_zh(TWO_THIRDS) == "三分之二以上（含本数）"
    assert threshold_zh(Threshold(2, 3, strict=True)) == "超过三分之二"
    assert fraction_zh(Threshold(7, 12, strict=False)) == "7/12"


@pytest.mark.parametrize(
    ("kind", "category", "approval", "words"),
    [
        (TopicKind.YES_NO, Category.ORDINARY, HALF, "通过条件：经参与表决专有部分面积过半数的业主且参与表决人数过半数"),
        (TopicKind.YES_NO, Category.SPECIAL, THREE_QUARTERS, "四分之三以上（含本数）的业主且参与表决人数四分之三"),
        (TopicKind.SINGLE_CHOICE, Category.ORDINARY, HALF, "不以相对多数决定"),
        (TopicKind.ELECTION, Category.ORDINARY, HALF, "跨席位并列的，另行表决"),
    ],
)
def test_counting_rule_of_a_deciding_topic(kind, category, approval, words):
    lines = counting_rule_zh(kind, category, TWO_THIRDS, approval)
    text = "\n".join(lines)
    assert words in text
    assert "人数占比三分之二以上（含本数）的业主参与表决（以表决权人名册的总面积、总人数计）" in text
    assert lines[-1] == f"弃权与废票：{ABSTENTION_RULE_ZH}"
    assert "弃权计入参与表决" in text
    assert "空白" in text


def test_a_consultation_decides_nothing_and_has_no_abstention_line():
    lines = counting_rule_zh(TopicKind.CONSULTATION, Category.ORDINARY, TWO_THIRDS, HALF)
    assert "不形成业主共同决定" in lines[2]
    assert len(lines) == 3


def test_the_rules_of_procedure_change_the_words_of_the_blank_rule_and_the_ranking():
    """R-PROC-4, R-PROC-5: the notice states the count the adopted rules of procedure set."""
    default = counting_rule_zh(TopicKind.ELECTION, Category.ORDINARY, TWO_THIRDS, HALF)
    adopted = counting_rule_zh(
        TopicKind.ELECTION, Category.ORDINARY, TWO_THIRDS, HALF, blank_counted=False, area_first=True
    )
    assert "按同意人数排序，人数相同的按同意面积排序" in default[2]
    assert "按同意面积排序，面积相同的按同意人数排序" in adopted[2]
    assert adopted[-1] == f"弃权与废票：{BLANK_NOT_COUNTED_RULE_ZH}"
    assert "不计入该议题参与表决的人数和面积" in adopted[-1]
