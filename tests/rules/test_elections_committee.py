"""Elections that fit the committee (R-ELEC-10, R-ELEC-11): Beijing Art. 39 sizes the committee, vacancies go
to alternates first (Art. 41 ¶3), and fewer than half the members left means a full re-election (Art. 48)."""

from __future__ import annotations

import pytest

from app.rules import errors
from app.rules.choices import Choice
from app.rules.counts import Weight
from app.rules.elections import (
    ElectionBallot,
    ElectionConfig,
    ElectionFlag,
    ElectionMode,
    ElectionType,
    SittingCommittee,
    minimum_members,
    tally_election,
    validate_election,
)

FULL, BY, ALT = ElectionType.FULL, ElectionType.BY_ELECTION, ElectionType.ALTERNATES
SEVEN_TWO_VACANT = SittingCommittee(size=7, members=5, alternates=0)


@pytest.mark.parametrize(
    ("size", "members", "alternates"),
    [(0, 0, 0), (7, 8, 0), (7, -1, 0), (7, 5, 8), (7, 5, -1)],
)
def test_inconsistent_committee_figures_cannot_be_built(size, members, alternates):
    with pytest.raises(errors.ElectionCommitteeInvalid):
        SittingCommittee(size, members, alternates)


def test_alternates_move_up_before_a_by_election():
    """Art. 41 ¶3: 2 vacancies and 1 alternate leave one seat for a by-election."""
    committee = SittingCommittee(size=7, members=5, alternates=1)
    assert (committee.vacancies, committee.filled_by_alternates, committee.open_seats) == (2, 1, 1)
    assert (committee.remaining, committee.alternates_left) == (6, 0)
    assert committee.to_dict() == {"size": 7, "members": 5, "alternates": 1}


@pytest.mark.parametrize(
    ("members", "alternates", "reelect"),
    [(3, 0, True), (3, 1, False), (4, 0, False), (2, 1, True), (0, 3, True), (7, 0, False)],
)
def test_fewer_than_half_after_alternates_means_full_reelection_art_48(members, alternates, reelect):
    """R-ELEC-11: ``2*remaining < size``; 3 of 7 is below half, 4 of 7 is not, an alternate can lift 3 to 4."""
    assert SittingCommittee(7, members, alternates).needs_full_reelection is reelect


@pytest.mark.parametrize(
    ("election_type", "members", "alternates", "committee", "mode", "error"),
    [
        # The vectors: a committee of 7 with 2 vacancies.
        pytest.param(BY, 2, 0, SEVEN_TWO_VACANT, ElectionMode.SINGLE_LIST, None, id="by-election-2-of-2-vacant"),
        pytest.param(ALT, 0, 2, SEVEN_TWO_VACANT, ElectionMode.SINGLE_LIST, None, id="alternates-only-2"),
        pytest.param(
            BY, 2, 0, SittingCommittee(7, 3, 0), ElectionMode.SINGLE_LIST,
            errors.ElectionFullReelectionRequired, id="by-election-3-of-7-left-art-48",
        ),
        pytest.param(
            ALT, 0, 2, SittingCommittee(7, 3, 0), ElectionMode.SINGLE_LIST,
            errors.ElectionFullReelectionRequired, id="alternates-3-of-7-left-art-48",
        ),
        # TV-W3: committee of 5, 3 sitting, alternates exhausted.
        pytest.param(BY, 2, 0, SittingCommittee(5, 3, 0), ElectionMode.SINGLE_LIST, None, id="tv-w3-by"),
        pytest.param(ALT, 0, 2, SittingCommittee(5, 3, 0), ElectionMode.SINGLE_LIST, None, id="tv-w3-alternates"),
        # Art. 41 ¶3: vacancies the alternates fill are not open to a by-election.
        pytest.param(
            BY, 2, 0, SittingCommittee(7, 5, 1), ElectionMode.SINGLE_LIST,
            errors.ElectionBySeatsInvalid, id="by-election-beyond-open-seats",
        ),
        pytest.param(BY, 1, 0, SittingCommittee(7, 5, 1), ElectionMode.SINGLE_LIST, None, id="by-election-1-open"),
        pytest.param(
            BY, 0, 1, SEVEN_TWO_VACANT, ElectionMode.SINGLE_LIST, errors.ElectionBySeatsInvalid, id="by-without-seats"
        ),
        pytest.param(
            BY, 1, 0, SittingCommittee(7, 7, 2), ElectionMode.SINGLE_LIST,
            errors.ElectionBySeatsInvalid, id="by-election-no-vacancy",
        ),
        # Alternates: those left plus the new ones within the committee's seats (Art. 39).
        pytest.param(BY, 2, 7, SEVEN_TWO_VACANT, ElectionMode.SINGLE_LIST, None, id="by-with-7-alternates"),
        pytest.param(
            BY, 2, 8, SEVEN_TWO_VACANT, ElectionMode.SINGLE_LIST,
            errors.ElectionAlternateSeatsInvalid, id="by-with-8-alternates",
        ),
        pytest.param(
            BY, 2, 0, SEVEN_TWO_VACANT, ElectionMode.SEPARATE_LISTS,
            errors.ElectionAlternateSeatsInvalid, id="by-separate-lists-needs-an-alternate-seat",
        ),
        pytest.param(BY, 2, 1, SEVEN_TWO_VACANT, ElectionMode.SEPARATE_LISTS, None, id="by-separate-lists"),
        pytest.param(
            ALT, 0, 6, SittingCommittee(7, 7, 2), ElectionMode.SINGLE_LIST,
            errors.ElectionAlternateSeatsInvalid, id="alternates-beyond-seats",
        ),
        pytest.param(ALT, 0, 5, SittingCommittee(7, 7, 2), ElectionMode.SINGLE_LIST, None, id="alternates-to-seats"),
        pytest.param(
            ALT, 0, 0, SEVEN_TWO_VACANT, ElectionMode.SINGLE_LIST,
            errors.ElectionAlternateSeatsInvalid, id="alternates-none",
        ),
        pytest.param(
            ALT, 1, 2, SEVEN_TWO_VACANT, ElectionMode.SINGLE_LIST,
            errors.ElectionAlternatesOnlyInvalid, id="alternates-with-a-member-seat",
        ),
        pytest.param(
            ALT, 0, 2, SEVEN_TWO_VACANT, ElectionMode.SEPARATE_LISTS,
            errors.ElectionAlternatesOnlyInvalid, id="alternates-on-two-lists",
        ),
        pytest.param(BY, 2, 0, None, ElectionMode.SINGLE_LIST, errors.ElectionCommitteeRequired, id="by-none"),
        pytest.param(ALT, 0, 2, None, ElectionMode.SINGLE_LIST, errors.ElectionCommitteeRequired, id="alt-none"),
        # FULL sizes the committee; a sitting committee changes nothing.
        pytest.param(FULL, 7, 2, SittingCommittee(7, 3, 0), ElectionMode.SINGLE_LIST, None, id="full-re-election"),
        pytest.param(
            FULL, 2, 0, SEVEN_TWO_VACANT, ElectionMode.SINGLE_LIST, errors.ElectionSeatsInvalid, id="full-2-seats"
        ),
    ],
)  # fmt: skip
def test_validate_election_r_elec_10(election_type, members, alternates, committee, mode, error):
    def run() -> None:
        validate_election(election_type, members, alternates, households=500, committee=committee, mode=mode)

    if error is None:
        run()
    else:
        with pytest.raises(error):
            run()


@pytest.mark.parametrize(("households", "seats", "error"), [(None, 3, None), (None, 4, errors.ElectionSeatsNotOdd),
                                                            (None, 1, errors.ElectionSeatsNotOdd),
                                                            (100, 3, None), (500, 3, errors.ElectionSeatsInvalid),
                                                            (500, 5, None)])  # fmt: skip
def test_a_draft_checks_odd_and_three_and_the_roll_decides_five_r_elec_12(households, seats, error):
    """TV-W4: 3 seats are drafted before the roll is known; 500 residential units then require 5."""
    assert minimum_members(None) == 3

    def run() -> None:
        validate_election(FULL, seats, 0, households=households, committee=None)

    if error is None:
        run()
    else:
        with pytest.raises(error):
            run()


def _agree_all(candidates: tuple[str, ...], heads: int) -> list[ElectionBallot]:
    return [ElectionBallot(Weight(1, 100), dict.fromkeys(candidates, Choice.AGREE)) for _ in range(heads)]


def test_a_by_election_fills_its_seats_and_is_measured_against_the_committee():
    """R-ELEC-8: BELOW_MINIMUM_SIZE counts the members who stay in office plus those elected."""
    config = ElectionConfig(2, 0, 500, ("a", "b", "c"), election_type=BY, committee=SittingCommittee(5, 3, 0))
    assert config.members_in_office == 3
    ballots = [ElectionBallot(Weight(1, 100), {"a": Choice.AGREE, "b": Choice.AGREE, "c": Choice.OPPOSE})] * 3
    result = tally_election(config, Weight(3, 300), ballots)
    assert result.members == ("a", "b")
    assert result.flags == ()
    data = result.to_dict()
    assert data["election_type"] == "BY_ELECTION"
    assert data["committee"] == {"size": 5, "members": 3, "alternates": 0}
    # One seat left vacant: 3 + 1 < 5 members, the committee stays below the legal minimum.
    only_a = [ElectionBallot(Weight(1, 100), {"a": Choice.AGREE, "b": Choice.OPPOSE, "c": Choice.OPPOSE})] * 3
    short = tally_election(config, Weight(3, 300), only_a)
    assert short.flags == (ElectionFlag.COMMITTEE_INCOMPLETE, ElectionFlag.BELOW_MINIMUM_SIZE)


def test_an_alternates_only_election_seats_alternates_and_no_member():
    config = ElectionConfig(0, 2, 500, ("a", "b", "c"), election_type=ALT, committee=SEVEN_TWO_VACANT)
    ballots = [ElectionBallot(Weight(1, 100), {"a": Choice.AGREE, "b": Choice.AGREE, "c": Choice.OPPOSE})] * 3
    result = tally_election(config, Weight(3, 300), ballots)
    assert (result.members, result.alternates, result.flags) == ((), ("a", "b"), ())
    assert "committee" in result.to_dict()
    full = tally_election(ElectionConfig(5, 0, 500, tuple("abcde")), Weight(3, 300), _agree_all(tuple("abcde"), 3))
    assert "committee" not in full.to_dict()
    assert full.to_dict()["election_type"] == "FULL"
