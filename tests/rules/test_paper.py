"""R-PAPER-1..4: reception at the server's clock, the earliest ballot counts, the counting session's witnesses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.rules import errors
from app.rules.paper import (
    ZERO_SHA256,
    ReceptionStatus,
    WitnessRole,
    check_counting_time,
    check_reception_time,
    check_scan_hash,
    check_witnesses,
    reception_status,
)

START = datetime(2025, 3, 17, tzinfo=UTC)
END = datetime(2025, 3, 24, tzinfo=UTC)
SECOND = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("now", "accepted"),
    [
        pytest.param(START, True, id="at-start"),
        pytest.param(START - SECOND, False, id="before-start"),
        pytest.param(END - SECOND, True, id="last-second"),
        pytest.param(END, False, id="at-the-close"),
        pytest.param(END + timedelta(hours=9), False, id="after-the-close"),
    ],
)
def test_reception_only_inside_the_window_r_paper_1(now, accepted):
    if accepted:
        check_reception_time(START, END, now)
    else:
        with pytest.raises(errors.PaperReceptionOutsideWindow) as caught:
            check_reception_time(START, END, now)
        assert caught.value.params == {"starts_at": START, "ends_at": END}


def test_the_earliest_server_time_counts_r_paper_2():
    received = datetime(2025, 3, 20, tzinfo=UTC)
    assert reception_status(received, []) is ReceptionStatus.RECEIVED
    # Backdating: an online ballot cast 03-18 is earlier than a reception on 03-20, whatever the paper says.
    assert reception_status(received, [datetime(2025, 3, 18, tzinfo=UTC)]) is ReceptionStatus.DUPLICATE
    assert reception_status(received, [received]) is ReceptionStatus.DUPLICATE
    assert reception_status(received, [received + SECOND]) is ReceptionStatus.RECEIVED


def test_counting_only_after_the_close_r_paper_3():
    check_counting_time(END, END)
    with pytest.raises(errors.CountingBeforeClose) as caught:
        check_counting_time(END, END - SECOND)
    assert caught.value.params == {"ends_at": END}
    assert "2025-03-24 08:00（北京时间）" in caught.value.message("zh")


@pytest.mark.parametrize(
    ("roles", "accepted"),
    [
        ({WitnessRole.OWNER, WitnessRole.RESIDENTS_COMMITTEE}, True),
        ({WitnessRole.OWNER, WitnessRole.STREET_OFFICE}, True),
        ({WitnessRole.OWNER}, False),
        ({WitnessRole.RESIDENTS_COMMITTEE, WitnessRole.STREET_OFFICE}, False),
        (set(), False),
    ],
)
def test_witnesses_an_owner_and_a_public_body_r_paper_3(roles, accepted):
    if accepted:
        check_witnesses(roles)
    else:
        with pytest.raises(errors.WitnessesIncomplete):
            check_witnesses(roles)


@pytest.mark.parametrize(
    ("sha256", "accepted"),
    [
        ("ab" * 32, True),
        (ZERO_SHA256, False),
        ("AB" * 32, False),
        ("ab" * 31, False),
    ],
)
def test_scan_hash_r_paper_4(sha256, accepted):
    if accepted:
        check_scan_hash(sha256)
    else:
        with pytest.raises(errors.ScanHashInvalid):
            check_scan_hash(sha256)
