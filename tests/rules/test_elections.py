"""R-ELEC-1..8: seat validation, ballot validation, qualification, ranking, ties, flags and RULES.md §P T9."""

from __future__ import annotations

from typing import Any

import pytest

from app.errors import DomainError
from app.rules import errors
from app.rules.categories import Category, CountingRule, community_rule, statutory_rule
from app.rules.choices import Choice
from app.rules.counts import Weight
from app.rules.elections import (
    CandidateResult,
    ElectionBallot,
    ElectionConfig,
    ElectionFlag,
    ElectionMode,
    ElectionOutcome,
    ElectionResult,
    ListKind,
    Seat,
    minimum_members,
    tally_election,
    validate_ballot,
    validate_seats,
)
from app.rules.numeric import THREE_QUARTERS, TWO_THIRDS, Threshold

AGREE, OPPOSE, ABSTAIN, SPOILED = Choice.AGREE, Choice.OPPOSE, Choice.ABSTAIN, Choice.SPOILED
NAMES = tuple("ABCDEFGH")
T9_CONFIG = ElectionConfig(member_seats=5, alternate_seats=2, households=300, candidates=NAMES[:7])
T9_TOTAL = Weight(30, 15000)  # 20 participating heads / 10000 area is exactly 2/3 of it (R-TALLY-3 boundary)


def spread(agree_heads: dict[str, int], groups: int = 20, area: int = 500) -> list[ElectionBallot]:
    """``groups`` equal groups; each candidate's AGREEs go to the least-loaded groups, so approvals stay balanced
    (at most ceil(total approvals / groups) per ballot) and the approval limit (R-ELEC-3) holds."""
    load = [0] * groups
    choices: list[dict[str, Choice]] = [{} for _ in range(groups)]
    for candidate, n in sorted(agree_heads.items(), key=lambda item: -item[1]):
        chosen = set(sorted(range(groups), key=lambda g: (load[g], g))[:n])
        for g in range(groups):
            choices[g][candidate] = AGREE if g in chosen else ABSTAIN
            load[g] += g in chosen
    return [ElectionBallot(Weight(1, area), c) for c in choices]


def seats(result: ElectionResult) -> dict[str, Seat]:
    return {c.candidate: c.seat for c in result.candidates}


def ranks(result: ElectionResult) -> dict[str, int | None]:
    return {c.candidate: c.rank for c in result.candidates}


def leaves(value: object) -> list[object]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in leaves(item)]
    return [value]


# --- R-ELEC-1: seats ---


@pytest.mark.parametrize(
    ("members", "alternates", "households", "error"),
    [
        pytest.param(3, 0, 100, None, id="R-ELEC-1-3-seats-100-households-ok"),
        pytest.param(3, 3, 1, None, id="R-ELEC-1-3-seats-3-alternates-ok"),
        pytest.param(3, 0, 101, errors.ElectionSeatsInvalid, id="R-ELEC-1-3-seats-101-households-rejected"),
        pytest.param(4, 0, 50, errors.ElectionSeatsInvalid, id="R-ELEC-1-even-4-rejected"),
        pytest.param(6, 0, 500, errors.ElectionSeatsInvalid, id="R-ELEC-1-even-6-rejected"),
        pytest.param(1, 0, 10, errors.ElectionSeatsInvalid, id="R-ELEC-1-1-seat-rejected"),
        pytest.param(5, 0, 101, None, id="R-ELEC-1-5-seats-ok"),
        pytest.param(7, 0, 1000, None, id="R-ELEC-1-7-seats-ok"),
        pytest.param(5, 5, 1000, None, id="R-ELEC-1-alternates-equal-members-ok"),
        pytest.param(5, 6, 1000, errors.ElectionAlternateSeatsInvalid, id="R-ELEC-1-alternates-over-members"),
        pytest.param(5, -1, 1000, errors.ElectionAlternateSeatsInvalid, id="R-ELEC-1-negative-alternates"),
    ],
)
def test_validate_seats_r_elec_1(members, alternates, households, error):
    if error is None:
        validate_seats(members, alternates, households)
    else:
        with pytest.raises(error):
            validate_seats(members, alternates, households)


def test_separate_lists_need_an_alternate_seat_r_elec_7():
    with pytest.raises(errors.ElectionAlternateSeatsInvalid) as caught:
        ElectionConfig(5, 0, 300, ("A",), alternate_candidates=("B",))
    assert caught.value.params == {"alternates": 0, "minimum": 1, "maximum": 5}


@pytest.mark.parametrize(("households", "minimum"), [(1, 3), (100, 3), (101, 5), (5000, 5)])
def test_minimum_members_r_elec_1(households, minimum):
    assert minimum_members(households) == minimum


@pytest.mark.parametrize(
    ("candidates", "alternates", "error", "params"),
    [
        pytest.param((), None, errors.ElectionCandidateListEmpty, {"list": "SINGLE"}, id="single-empty"),
        pytest.param((), ("A",), errors.ElectionCandidateListEmpty, {"list": "MEMBERS"}, id="members-empty"),
        pytest.param(("A",), (), errors.ElectionCandidateListEmpty, {"list": "ALTERNATES"}, id="alternates-empty"),
        pytest.param(("A", "B", "A"), None, errors.ElectionCandidateDuplicate, {"candidate": "A"}, id="dup"),
        pytest.param(("A", "B"), ("B",), errors.ElectionCandidateDuplicate, {"candidate": "B"}, id="dup-lists"),
    ],
)
def test_candidate_lists_r_elec_2(candidates, alternates, error, params):
    with pytest.raises(error) as caught:
        ElectionConfig(5, 1, 300, candidates, alternate_candidates=alternates)
    assert caught.value.params == params


def test_config_mode_and_lists_r_elec_7():
    single = ElectionConfig(5, 2, 300, ("A", "B"))
    assert single.mode is ElectionMode.SINGLE_LIST
    assert [(cl.kind, cl.approval_limit) for cl in single.lists] == [(ListKind.SINGLE, 7)]
    assert single.lists[0].seat_at(4) is Seat.MEMBER
    assert single.lists[0].seat_at(5) is Seat.ALTERNATE
    assert single.lists[0].seat_at(7) is Seat.NOT_ELECTED
    separate = ElectionConfig(5, 2, 300, ("A",), alternate_candidates=("B",))
    assert separate.mode is ElectionMode.SEPARATE_LISTS
    assert [(cl.kind, cl.approval_limit) for cl in separate.lists] == [(ListKind.MEMBERS, 5), (ListKind.ALTERNATES, 2)]
    assert separate.minimum_members == 5


# --- R-ELEC-2/3: ballots ---

SMALL = ElectionConfig(3, 1, 50, ("A", "B", "C", "D", "E"))  # approval limit 4
SPLIT = ElectionConfig(3, 1, 50, ("A", "B", "C", "D"), alternate_candidates=("X", "Y"))  # limits 3 and 1


def ballot(config: ElectionConfig, agree: str = "", **overrides: Choice) -> dict[str, Choice]:
    names = [c for cl in config.lists for c in cl.candidates]
    return {c: AGREE if c in agree else OPPOSE for c in names} | overrides


@pytest.mark.parametrize(
    ("config", "choices", "error", "params"),
    [
        pytest.param(SMALL, ballot(SMALL, "ABCD"), None, None, id="R-ELEC-3-single-at-limit"),
        pytest.param(SMALL, ballot(SMALL, "", A=ABSTAIN), None, None, id="R-ELEC-3-no-agree"),
        pytest.param(
            SMALL,
            ballot(SMALL, "ABCDE"),
            errors.ElectionApprovalLimitExceeded,
            {"agreed": 5, "list": "SINGLE", "limit": 4},
            id="R-ELEC-3-single-over-limit",
        ),
        pytest.param(SPLIT, ballot(SPLIT, "ABCX"), None, None, id="R-ELEC-3-separate-at-limits"),
        pytest.param(
            SPLIT,
            ballot(SPLIT, "ABCDX"),
            errors.ElectionApprovalLimitExceeded,
            {"agreed": 4, "list": "MEMBERS", "limit": 3},
            id="R-ELEC-3-separate-members-over",
        ),
        pytest.param(
            SPLIT,
            ballot(SPLIT, "AXY"),
            errors.ElectionApprovalLimitExceeded,
            {"agreed": 2, "list": "ALTERNATES", "limit": 1},
            id="R-ELEC-3-separate-alternates-over",
        ),
        pytest.param(
            SMALL,
            ballot(SMALL, "A", Zed=AGREE, Bob=OPPOSE),
            errors.ElectionWriteIn,
            {"candidate": "Bob"},
            id="R-ELEC-2-write-in",
        ),
        pytest.param(
            SMALL,
            {"A": AGREE, "C": AGREE},
            errors.ElectionBallotIncomplete,
            {"candidates": "B, D, E"},
            id="R-ELEC-3-incomplete",
        ),
        pytest.param(
            SMALL,
            ballot(SMALL, "A", D=SPOILED),
            errors.ElectionChoiceInvalid,
            {"candidate": "D", "choice": "SPOILED"},
            id="R-ELEC-3-spoiled-per-candidate",
        ),
    ],
)
def test_validate_ballot_r_elec_2_3(config, choices, error, params):
    if error is None:
        validate_ballot(config, choices)
    else:
        with pytest.raises(error) as caught:
            validate_ballot(config, choices)
        assert caught.value.params == params


def test_tally_rejects_invalid_ballot_r_elec_3():
    ballots = [ElectionBallot(Weight(1, 100), ballot(SMALL, "ABCDE"))]
    with pytest.raises(errors.ElectionApprovalLimitExceeded):
        tally_election(SMALL, Weight(1, 100), ballots)


# --- T9 and ranking (R-ELEC-5..7) ---


def test_t9_six_qualify_five_members_one_alternate_one_vacant():
    result = tally_election(
        T9_CONFIG, T9_TOTAL, spread({"A": 20, "B": 19, "C": 18, "D": 17, "E": 16, "F": 11, "G": 10})
    )
    assert result.quorum_met
    assert result.participating == Weight(20, 10000)
    assert result.outcome is ElectionOutcome.DECIDED
    assert result.members == ("A", "B", "C", "D", "E")
    assert result.alternates == ("F",)
    assert seats(result)["G"] is Seat.NOT_ELECTED
    assert ranks(result) == {"A": 1, "B": 2, "C": 3, "D": 4, "E": 5, "F": 6, "G": None}
    assert (result.member_seats_vacant, result.alternate_seats_vacant) == (0, 1)
    assert result.flags == (ElectionFlag.ALTERNATE_SEATS_VACANT,)
    f, g = result.candidates[5], result.candidates[6]
    assert f.to_dict()["heads_formula"] == "2*agree_heads > part_heads: 2*11 = 22 > 20"
    assert f.to_dict()["area_formula"] == "2*agree_area > part_area: 2*5500 = 11000 > 10000"
    assert g.to_dict()["heads_formula"] == "2*agree_heads > part_heads: 2*10 = 20 <= 20"
    assert "rank" not in g.to_dict()
    assert g.reason_en == (
        "Not agreed by more than half of participating heads and area (R-ELEC-5): "
        "agreeing heads 2*10 = 20 <= participating heads 20; agreeing area 2*5000 = 10000 <= participating area 10000."
    )
    assert result.quorum_formulas == (
        "3*part_heads >= 2*total_heads: 3*20 = 60 >= 2*30 = 60",
        "3*part_area >= 2*total_area: 3*10000 = 30000 >= 2*15000 = 30000",
    )
    assert result.reason_en == (
        "Elected 5 members and 1 alternates; 0 member and 1 alternate seats are vacant; "
        "0 seats await a new vote among tied candidates."
    )


def test_t9_tie_across_member_alternate_boundary_is_unresolved_r_elec_6():
    result = tally_election(
        T9_CONFIG, T9_TOTAL, spread({"A": 20, "B": 19, "C": 18, "D": 17, "E": 16, "F": 16, "G": 12})
    )
    assert result.outcome is ElectionOutcome.TIE_UNRESOLVED
    assert result.members == ("A", "B", "C", "D")
    assert result.tied == ("E", "F")
    assert result.alternates == ("G",)  # position 7 is the 2nd alternate seat whoever wins the tie
    assert ranks(result) == {"A": 1, "B": 2, "C": 3, "D": 4, "E": 5, "F": 5, "G": 7}
    assert (result.member_seats_tied, result.alternate_seats_tied) == (1, 1)
    assert (result.member_seats_vacant, result.alternate_seats_vacant) == (0, 0)
    # R-ELEC-8: only 4 members are elected until the re-vote, below the 5 seats and the minimum of 5.
    assert result.flags == (
        ElectionFlag.COMMITTEE_INCOMPLETE,
        ElectionFlag.BELOW_MINIMUM_SIZE,
        ElectionFlag.TIE_UNRESOLVED,
    )
    e = result.candidates[4]
    assert e.tied_with == ("F",)
    assert e.reason_en.startswith("Rank 5: tied with F on agreeing heads and area across a seat boundary")


@pytest.mark.parametrize(
    ("agree", "expected_seats", "expected_ranks", "outcome"),
    [
        pytest.param(
            {"A": 20, "B": 19, "C": 18, "D": 18, "E": 16, "F": 15},
            "MMMMMA",
            [1, 2, 3, 3, 5, 6],
            ElectionOutcome.DECIDED,
            id="R-ELEC-6-tie-inside-members",
        ),
        pytest.param(
            {"A": 20, "B": 19, "C": 18, "D": 17, "E": 16, "F": 15, "G": 15},
            "MMMMMAA",
            [1, 2, 3, 4, 5, 6, 6],
            ElectionOutcome.DECIDED,
            id="R-ELEC-6-tie-inside-alternates",
        ),
        pytest.param(
            {"A": 20, "B": 19, "C": 18, "D": 17, "E": 16, "F": 15, "G": 14, "H": 14},
            "MMMMMATT",
            [1, 2, 3, 4, 5, 6, 7, 7],
            ElectionOutcome.TIE_UNRESOLVED,
            id="R-ELEC-6-tie-across-last-seat",
        ),
        pytest.param(
            {"A": 20, "B": 19, "C": 18, "D": 17, "E": 16, "F": 15, "G": 14, "H": 13},
            "MMMMMAAN",
            [1, 2, 3, 4, 5, 6, 7, 8],
            ElectionOutcome.DECIDED,
            id="R-ELEC-7-qualified-beyond-seats",
        ),
        pytest.param(
            {"A": 20, "B": 19, "C": 18, "D": 17, "E": 16, "F": 15, "G": 13, "H": 13},
            "MMMMMAAA",
            [1, 2, 3, 4, 5, 6, 7, 7],
            ElectionOutcome.DECIDED,
            id="R-ELEC-6-tie-inside-alternates-at-last-seats",
        ),
    ],
)
def test_ranking_and_ties_r_elec_6_7(agree, expected_seats, expected_ranks, outcome):
    config = ElectionConfig(5, 3 if expected_seats == "MMMMMAAA" else 2, 300, tuple(agree))
    # A 7-seat single list allows 7 approvals; the ladder never gives one group more than that.
    result = tally_election(config, T9_TOTAL, spread(agree))
    code = {Seat.MEMBER: "M", Seat.ALTERNATE: "A", Seat.TIED: "T", Seat.NOT_ELECTED: "N"}
    assert "".join(code[seats(result)[c]] for c in agree) == expected_seats
    assert [ranks(result)[c] for c in agree] == expected_ranks
    assert result.outcome is outcome


@pytest.mark.parametrize(
    ("area_of_group_15", "e_seat", "f_seat"),
    [
        pytest.param(600, Seat.ALTERNATE, Seat.MEMBER, id="R-ELEC-6-equal-heads-more-area-ranks-first"),
        pytest.param(500, Seat.TIED, Seat.TIED, id="R-ELEC-6-equal-heads-equal-area-tied"),
    ],
)
def test_tie_on_heads_is_broken_by_area_r_elec_6(area_of_group_15, e_seat, f_seat):
    # A-D: groups 0..15 (16 heads). E: groups 0..14, F: groups 1..15 (15 heads each); F differs from E only
    # by group 15 instead of group 0.
    def choices(i: int) -> dict[str, Choice]:
        agreed = {c for c in "ABCD" if i <= 15} | ({"E"} if i <= 14 else set()) | ({"F"} if 1 <= i <= 15 else set())
        return {c: AGREE if c in agreed else OPPOSE for c in "ABCDEF"}

    ballots = [ElectionBallot(Weight(1, area_of_group_15 if i == 15 else 500), choices(i)) for i in range(20)]
    config = ElectionConfig(5, 1, 300, tuple("ABCDEF"))
    result = tally_election(config, Weight.sum(b.weight for b in ballots), ballots)
    assert seats(result) == {
        "A": Seat.MEMBER,
        "B": Seat.MEMBER,
        "C": Seat.MEMBER,
        "D": Seat.MEMBER,
        "E": e_seat,
        "F": f_seat,
    }
    assert ranks(result)["A"] == 1


def test_separate_lists_r_elec_7():
    config = ElectionConfig(3, 1, 50, ("A", "B", "C", "D"), alternate_candidates=("X", "Y", "Z"))
    ballots = [
        ElectionBallot(
            Weight(1, 100),
            {"A": AGREE, "B": AGREE, "C": AGREE if i < 8 else OPPOSE, "D": ABSTAIN}
            | {"X": AGREE if i < 7 else ABSTAIN, "Y": AGREE if i >= 7 else ABSTAIN, "Z": ABSTAIN},
        )
        for i in range(10)
    ]
    result = tally_election(config, Weight(12, 1200), ballots)
    assert result.mode is ElectionMode.SEPARATE_LISTS
    assert result.members == ("A", "B", "C")
    assert result.alternates == ("X",)
    assert [c.list_kind for c in result.candidates] == [ListKind.MEMBERS] * 4 + [ListKind.ALTERNATES] * 3
    assert ranks(result) == {"A": 1, "B": 1, "C": 3, "D": None, "X": 1, "Y": None, "Z": None}
    assert result.flags == ()


def test_separate_lists_tie_on_alternates_list_r_elec_6_7():
    config = ElectionConfig(3, 2, 50, ("A", "B", "C"), alternate_candidates=("X", "Y", "Z"))
    alternates = ["XY", "XY", "XZ", "XZ", "YZ"]  # X 4/5, Y 3/5, Z 3/5; two approvals each (limit 2)
    ballots = [
        ElectionBallot(Weight(1, 100), dict.fromkeys("ABC", AGREE) | {c: AGREE if c in a else OPPOSE for c in "XYZ"})
        for a in alternates
    ]
    result = tally_election(config, Weight(5, 500), ballots)
    assert seats(result) == {
        "A": Seat.MEMBER,
        "B": Seat.MEMBER,
        "C": Seat.MEMBER,
        "X": Seat.ALTERNATE,
        "Y": Seat.TIED,
        "Z": Seat.TIED,
    }
    assert ranks(result) == {"A": 1, "B": 1, "C": 1, "X": 1, "Y": 2, "Z": 2}
    assert result.outcome is ElectionOutcome.TIE_UNRESOLVED
    assert (result.member_seats_tied, result.alternate_seats_tied) == (0, 1)
    assert (result.member_seats_vacant, result.alternate_seats_vacant) == (0, 0)


def test_separate_lists_incomplete_members_r_elec_8():
    config = ElectionConfig(5, 1, 300, tuple("ABCDE"), alternate_candidates=("X",))
    choices = dict.fromkeys("ABCD", AGREE) | {"E": OPPOSE, "X": AGREE}
    result = tally_election(config, Weight(3, 300), [ElectionBallot(Weight(1, 100), choices)] * 3)
    assert result.members == ("A", "B", "C", "D")
    assert result.alternates == ("X",)
    assert result.member_seats_vacant == 1
    assert result.flags == (ElectionFlag.COMMITTEE_INCOMPLETE, ElectionFlag.BELOW_MINIMUM_SIZE)


@pytest.mark.parametrize(
    ("member_seats", "households", "qualifying", "flags"),
    [
        pytest.param(7, 300, 5, [ElectionFlag.COMMITTEE_INCOMPLETE], id="R-ELEC-8-incomplete-above-minimum"),
        pytest.param(
            7,
            300,
            4,
            [ElectionFlag.COMMITTEE_INCOMPLETE, ElectionFlag.BELOW_MINIMUM_SIZE],
            id="R-ELEC-8-below-minimum-5",
        ),
        pytest.param(5, 80, 3, [ElectionFlag.COMMITTEE_INCOMPLETE], id="R-ELEC-8-small-area-minimum-3"),
        pytest.param(
            5,
            80,
            2,
            [ElectionFlag.COMMITTEE_INCOMPLETE, ElectionFlag.BELOW_MINIMUM_SIZE],
            id="R-ELEC-8-small-area-below-3",
        ),
        pytest.param(5, 80, 5, [], id="R-ELEC-8-complete"),
    ],
)
def test_incomplete_committee_flags_r_elec_8(member_seats, households, qualifying, flags):
    candidates = NAMES[:member_seats]
    agree = {c: 11 if i < qualifying else 10 for i, c in enumerate(candidates)}
    config = ElectionConfig(member_seats, 0, households, candidates)
    result = tally_election(config, Weight(20, 10000), spread(agree))
    assert len(result.members) == qualifying
    assert result.member_seats_vacant == member_seats - qualifying
    assert list(result.flags) == flags
    assert result.alternate_seats_vacant == 0


# --- R-ELEC-5: qualification boundaries, one unit either side, each measure alone ---

ONE = ElectionConfig(3, 0, 50, ("X",))


def one_candidate(groups: list[tuple[int, Choice]], total: Weight | None = None) -> CandidateResult:
    ballots = [ElectionBallot(Weight(1, area), {"X": choice}) for area, choice in groups]
    total = total or Weight.sum(b.weight for b in ballots)
    return tally_election(ONE, total, ballots).candidates[0]


@pytest.mark.parametrize(
    ("groups", "heads_ok", "area_ok"),
    [
        pytest.param([(100, AGREE)] * 10 + [(100, OPPOSE)] * 10, False, False, id="exactly-half-both"),
        pytest.param([(100, AGREE)] * 11 + [(100, OPPOSE)] * 9, True, True, id="half-plus-one-head"),
        pytest.param(
            [(2000, AGREE), (1500, AGREE), (1500, AGREE), (2500, ABSTAIN), (2500, OPPOSE)],
            True,
            False,
            id="area-exactly-half-fails-alone",
        ),
        pytest.param(
            [(2000, AGREE), (1500, AGREE), (1501, AGREE), (2500, ABSTAIN), (2499, OPPOSE)],
            True,
            True,
            id="area-half-plus-one-unit",
        ),
        pytest.param(
            [(4000, AGREE), (3000, AGREE), (1500, ABSTAIN), (1500, OPPOSE)],
            False,
            True,
            id="heads-exactly-half-fails-alone",
        ),
        pytest.param(
            [(4000, AGREE), (3000, AGREE), (1000, AGREE), (1000, ABSTAIN), (1000, OPPOSE)],
            True,
            True,
            id="heads-half-plus-one",
        ),
    ],
)
def test_qualification_boundaries_r_elec_5(groups, heads_ok, area_ok):
    result = one_candidate(groups)
    assert (result.heads_majority, result.area_majority) == (heads_ok, area_ok)
    assert result.qualified == (heads_ok and area_ok)
    assert result.seat is (Seat.MEMBER if heads_ok and area_ok else Seat.NOT_ELECTED)
    assert result.to_dict()["qualified"] == ("YES" if heads_ok and area_ok else "NO")


@pytest.mark.parametrize(
    ("reason_zh_part", "groups"),
    [
        ("同意人数 2×2=4 ≤ 参与人数 4。", [(4000, AGREE), (3000, AGREE), (1500, ABSTAIN), (1500, OPPOSE)]),
        ("同意面积 2×5000=10000 ≤ 参与面积 10000。", [(2000, AGREE), (1500, AGREE), (1500, AGREE), (5000, OPPOSE)]),
    ],
)
def test_reason_names_the_failed_measure_r_elec_5(reason_zh_part, groups):
    result = one_candidate(groups)
    assert result.reason_zh.startswith("未获参与表决业主人数和面积双过半同意（R-ELEC-5）：")
    assert result.reason_zh.endswith(reason_zh_part)
    assert result.reason_zh.count("≤") == 1


# --- R-ELEC-4: quorum, R-TALLY-6 spoiled ballots ---


@pytest.mark.parametrize(
    ("participating", "quorum"),
    [
        pytest.param(Weight(6, 6000), True, id="exactly-two-thirds"),
        pytest.param(Weight(5, 6000), False, id="one-head-short"),
        pytest.param(Weight(6, 5999), False, id="one-area-unit-short"),
    ],
)
def test_quorum_boundary_r_elec_4(participating, quorum):
    ballots = [ElectionBallot(Weight(1, 1000), {"X": AGREE}) for _ in range(participating.heads - 1)]
    last_area = participating.area - 1000 * (participating.heads - 1)
    ballots.append(ElectionBallot(Weight(1, last_area), {"X": AGREE}))
    result = tally_election(ONE, Weight(9, 9000), ballots)
    assert result.quorum_met is quorum
    assert result.outcome is (ElectionOutcome.DECIDED if quorum else ElectionOutcome.NO_QUORUM)
    assert result.members == (("X",) if quorum else ())
    if not quorum:
        assert result.to_dict()["quorum"] == "NOT_MET"
        assert result.candidates[0].qualified  # the evidence still shows the majority...
        assert result.candidates[0].seat is Seat.NOT_ELECTED  # ...but nobody is elected (R-ELEC-4)
        assert result.candidates[0].reason_en == result.reason_en
        assert result.reason_en.startswith("Participation is below two thirds")
        assert result.flags == (ElectionFlag.COMMITTEE_INCOMPLETE, ElectionFlag.BELOW_MINIMUM_SIZE)


def test_zero_total_never_meets_quorum_r_num_5():
    result = tally_election(ONE, Weight(0, 0), [])
    assert result.outcome is ElectionOutcome.NO_QUORUM
    assert result.quorum_formulas[0] == "3*part_heads >= 2*total_heads: 3*0 = 0 >= 2*0 = 0"
    assert result.candidates[0].to_dict()["heads_formula"] == "2*agree_heads > part_heads: 2*0 = 0 <= 0"


def test_spoiled_election_ballot_participates_and_agrees_with_nobody_r_tally_6():
    config = ElectionConfig(3, 0, 50, ("A", "B", "C"))
    ballots = spread({"A": 11, "B": 12, "C": 13}, groups=20)
    before = tally_election(config, Weight(30, 15000), ballots)
    assert before.members == ("C", "B", "A")
    spoiled = [ElectionBallot(Weight(1, 500), None)] * 2
    after = tally_election(config, Weight(30, 15000), [*ballots, *spoiled])
    assert after.participating == Weight(22, 11000)
    assert after.spoiled == Weight(2, 1000)
    assert after.members == ("C", "B")  # A: 2*11 = 22 > 22 fails once the spoiled ballots participate
    a = {c.candidate: c for c in after.candidates}["A"]
    assert (a.agree, a.oppose, a.abstain) == (Weight(11, 5500), Weight(), Weight(9, 4500))
    assert not a.heads_majority
    assert not a.area_majority
    assert after.flags == (ElectionFlag.COMMITTEE_INCOMPLETE, ElectionFlag.BELOW_MINIMUM_SIZE)
    # Spoiled ballots still help the quorum (R-TALLY-6): 20 heads alone miss 2/3 of 31, 22 reach it.
    assert not tally_election(config, Weight(31, 15000), ballots).quorum_met
    assert tally_election(config, Weight(31, 15000), [*ballots, *spoiled]).quorum_met


# --- Evidence and error contracts ---


def test_to_dict_holds_only_ints_and_strings():
    result = tally_election(
        T9_CONFIG, T9_TOTAL, spread({"A": 20, "B": 19, "C": 18, "D": 17, "E": 16, "F": 16, "G": 12})
    )
    data = result.to_dict()
    assert all(type(leaf) in (int, str) for leaf in leaves(data))
    assert data["tied"] == ["E", "F"]
    assert result.candidates[4].to_dict()["tied_with"] == ["F"]
    assert result.candidates[0].to_dict()["rank"] == 1
    assert data["flags"] == ["COMMITTEE_INCOMPLETE", "BELOW_MINIMUM_SIZE", "TIE_UNRESOLVED"]
    assert result.candidates[0].reason_zh == "第 1 名，当选委员（R-ELEC-7）。"
    assert result.candidates[6].reason_zh == "第 7 名，当选候补委员（R-ELEC-7）。"


def test_qualified_beyond_seats_reason_r_elec_7():
    config = ElectionConfig(3, 0, 50, tuple("ABCD"))
    result = tally_election(config, Weight(20, 10000), spread({"A": 14, "B": 13, "C": 12, "D": 11}))
    d = result.candidates[3]
    assert (d.candidate, d.seat, d.rank) == ("D", Seat.NOT_ELECTED, 4)
    assert d.reason_en == "Rank 4: agreed by a double majority, but all seats are filled (R-ELEC-7)."


ELECTION_ERRORS = [
    errors.ElectionSeatsInvalid,
    errors.ElectionAlternateSeatsInvalid,
    errors.ElectionCandidateListEmpty,
    errors.ElectionCandidateDuplicate,
    errors.ElectionWriteIn,
    errors.ElectionBallotIncomplete,
    errors.ElectionChoiceInvalid,
    errors.ElectionApprovalLimitExceeded,
]


@pytest.mark.parametrize("error", ELECTION_ERRORS, ids=lambda e: e.code)
def test_election_errors_contract(error):
    assert issubclass(error, errors.RuleViolation)
    assert DomainError.registry[error.code] is error
    assert error.code.startswith("rules.election_")
    assert error.status == 422
    assert error.placeholders("zh") == error.placeholders("en")
    params: dict[str, Any] = dict.fromkeys(error.placeholders("en"), "x")
    assert error(**params).message("zh")
    assert error(**params).message("en")


# --- R-CAT-4: stricter thresholds from the rules of procedure (ElectionConfig.rule) ---

T9_AGREE = {"A": 20, "B": 19, "C": 18, "D": 17, "E": 16, "F": 11, "G": 10}  # 20 participating heads / 10000


def t9_with(rule: CountingRule) -> ElectionConfig:
    return ElectionConfig(5, 2, 300, NAMES[:7], rule=rule)


def test_default_rule_is_statutory_ordinary_r_cat_4():
    assert T9_CONFIG.rule == statutory_rule(Category.ORDINARY)
    explicit = tally_election(t9_with(statutory_rule(Category.ORDINARY)), T9_TOTAL, spread(T9_AGREE))
    assert explicit == tally_election(T9_CONFIG, T9_TOTAL, spread(T9_AGREE))
    assert explicit.to_dict()["rule"] == {"category": "ORDINARY", "quorum": "≥ 2/3", "approval": "> 1/2"}


@pytest.mark.parametrize(
    ("approval", "members", "alternates", "flags", "f_formulas"),
    [
        pytest.param(
            None,
            "ABCDE",
            "F",
            [ElectionFlag.ALTERNATE_SEATS_VACANT],
            (
                "2*agree_heads > part_heads: 2*11 = 22 > 20",
                "2*agree_area > part_area: 2*5500 = 11000 > 10000",
            ),
            id="R-ELEC-5-statutory-more-than-half-qualifies-F",
        ),
        pytest.param(
            TWO_THIRDS,
            "ABCDE",
            "",
            [ElectionFlag.ALTERNATE_SEATS_VACANT],
            (
                "3*agree_heads >= 2*part_heads: 3*11 = 33 < 2*20 = 40",
                "3*agree_area >= 2*part_area: 3*5500 = 16500 < 2*10000 = 20000",
            ),
            id="R-CAT-4-approval-2/3-unqualifies-F-with-more-than-half",
        ),
        pytest.param(
            Threshold(2, 3, strict=True),
            "ABCDE",
            "",
            [ElectionFlag.ALTERNATE_SEATS_VACANT],
            (
                "3*agree_heads > 2*part_heads: 3*11 = 33 <= 2*20 = 40",
                "3*agree_area > 2*part_area: 3*5500 = 16500 <= 2*10000 = 20000",
            ),
            id="R-CAT-4-approval-more-than-2/3",
        ),
        pytest.param(
            Threshold(17, 20, strict=False),
            "ABCD",
            "",
            [ElectionFlag.COMMITTEE_INCOMPLETE, ElectionFlag.BELOW_MINIMUM_SIZE, ElectionFlag.ALTERNATE_SEATS_VACANT],
            (
                "20*agree_heads >= 17*part_heads: 20*11 = 220 < 17*20 = 340",
                "20*agree_area >= 17*part_area: 20*5500 = 110000 < 17*10000 = 170000",
            ),
            id="R-CAT-4-approval-85-percent-leaves-committee-incomplete-R-ELEC-8",
        ),
    ],
)
def test_stricter_approval_per_candidate_r_cat_4_r_elec_5(approval, members, alternates, flags, f_formulas):
    rule = community_rule(Category.ORDINARY, approval=approval)
    result = tally_election(t9_with(rule), T9_TOTAL, spread(T9_AGREE))
    assert result.quorum_met
    assert result.members == tuple(members)
    assert result.alternates == tuple(alternates)
    assert list(result.flags) == flags
    f = {c.candidate: c for c in result.candidates}["F"]
    assert (f.agree, f.participating) == (Weight(11, 5500), Weight(20, 10000))
    assert f.approval == rule.approval
    data = f.to_dict()
    assert (data["heads_formula"], data["area_formula"]) == f_formulas
    assert data["approval"] == rule.approval.symbol
    assert result.to_dict()["rule"]["approval"] == rule.approval.symbol


def test_stricter_approval_reason_names_threshold_r_cat_4():
    result = tally_election(t9_with(community_rule(Category.ORDINARY, approval=TWO_THIRDS)), T9_TOTAL, spread(T9_AGREE))
    f = {c.candidate: c for c in result.candidates}["F"]
    assert (f.heads_majority, f.area_majority, f.qualified) == (False, False, False)
    assert (f.seat, f.rank) == (Seat.NOT_ELECTED, None)
    assert f.reason_en == (
        "Not agreed by at least 2/3 of participating heads and area as the rules of procedure require "
        "(R-ELEC-5, R-CAT-4): agreeing heads 3*11 = 33 < participating heads 2*20 = 40; "
        "agreeing area 3*5500 = 16500 < participating area 2*10000 = 20000."
    )
    assert f.reason_zh == (
        "未获参与表决业主人数和面积均 ≥ 2/3 同意（议事规则，R-ELEC-5、R-CAT-4）："
        "同意人数 3×11=33 < 参与人数 2×20=40；同意面积 3×5500=16500 < 参与面积 2×10000=20000。"
    )
    e = {c.candidate: c for c in result.candidates}["E"]  # 16/20 heads: 3*16 = 48 >= 40
    assert (e.seat, e.to_dict()["heads_formula"]) == (
        Seat.MEMBER,
        "3*agree_heads >= 2*part_heads: 3*16 = 48 >= 2*20 = 40",
    )


@pytest.mark.parametrize(
    ("quorum", "total", "outcome", "formulas"),
    [
        pytest.param(
            None,
            T9_TOTAL,
            ElectionOutcome.DECIDED,
            (
                "3*part_heads >= 2*total_heads: 3*20 = 60 >= 2*30 = 60",
                "3*part_area >= 2*total_area: 3*10000 = 30000 >= 2*15000 = 30000",
            ),
            id="R-ELEC-4-statutory-2/3-met-T9",
        ),
        pytest.param(
            THREE_QUARTERS,
            T9_TOTAL,
            ElectionOutcome.NO_QUORUM,
            (
                "4*part_heads >= 3*total_heads: 4*20 = 80 < 3*30 = 90",
                "4*part_area >= 3*total_area: 4*10000 = 40000 < 3*15000 = 45000",
            ),
            id="R-CAT-4-quorum-3/4-no-quorum-where-2/3-passes",
        ),
        pytest.param(
            THREE_QUARTERS,
            Weight(26, 13000),
            ElectionOutcome.DECIDED,
            (
                "4*part_heads >= 3*total_heads: 4*20 = 80 >= 3*26 = 78",
                "4*part_area >= 3*total_area: 4*10000 = 40000 >= 3*13000 = 39000",
            ),
            id="R-CAT-4-quorum-3/4-met",
        ),
    ],
)
def test_stricter_quorum_r_cat_4_r_elec_4(quorum, total, outcome, formulas):
    rule = community_rule(Category.ORDINARY, quorum=quorum)
    result = tally_election(t9_with(rule), total, spread(T9_AGREE))
    assert result.outcome is outcome
    assert result.quorum_formulas == formulas
    assert result.to_dict()["quorum_formulas"] == list(formulas)
    assert result.to_dict()["rule"]["quorum"] == rule.quorum.symbol
    if outcome is ElectionOutcome.NO_QUORUM:
        assert result.members == result.alternates == ()
        assert result.flags == (
            ElectionFlag.COMMITTEE_INCOMPLETE,
            ElectionFlag.BELOW_MINIMUM_SIZE,
            ElectionFlag.ALTERNATE_SEATS_VACANT,
        )
        assert result.reason_zh == (
            "参与表决的业主人数或专有部分面积未达到议事规则规定的比例（≥ 3/4，R-TALLY-3、R-CAT-4），"
            "本次选举无人当选（R-ELEC-4）。"
        )
        assert result.reason_en == (
            "Participation does not reach the quorum set by the rules of procedure (at least 3/4 of heads and "
            "area; R-TALLY-3, R-CAT-4), so nobody is elected (R-ELEC-4)."
        )
        assert all(c.reason_en == result.reason_en for c in result.candidates)
    else:
        assert result.members == tuple("ABCDE")


@pytest.mark.parametrize(
    ("quorum", "approval", "measure"),
    [
        pytest.param(Threshold(3, 5, strict=False), None, "quorum", id="R-CAT-4-looser-quorum-refused"),
        pytest.param(None, Threshold(1, 2, strict=False), "approval", id="R-CAT-4-half-inclusive-refused"),
    ],
)
def test_looser_election_thresholds_refused_r_cat_4(quorum, approval, measure):
    with pytest.raises(errors.ThresholdTooLoose) as caught:
        community_rule(Category.ORDINARY, quorum=quorum, approval=approval)
    assert caught.value.params["measure"] == measure


# --- R-ELEC-8: seats awaiting a tie re-vote are not filled ---

M, T = Seat.MEMBER, Seat.TIED
INCOMPLETE, BELOW, TIE = ElectionFlag.COMMITTEE_INCOMPLETE, ElectionFlag.BELOW_MINIMUM_SIZE, ElectionFlag.TIE_UNRESOLVED


@pytest.mark.parametrize(
    ("member_seats", "alternate_seats", "households", "agree", "expected", "flags", "tied_seats"),
    [
        pytest.param(
            5,
            0,
            300,
            {"A": 17, "B": 16, "C": 15, "D": 12, "E": 12, "F": 12},
            [M, M, M, T, T, T],
            [INCOMPLETE, BELOW, TIE],
            (2, 0),
            id="R-ELEC-8-3-elected-3-way-tie-for-places-4-6",
        ),
        pytest.param(
            5,
            1,
            300,
            {"A": 17, "B": 16, "C": 15, "D": 12, "E": 12, "F": 12},
            [M, M, M, T, T, T],
            [INCOMPLETE, BELOW, TIE],
            (2, 1),
            id="R-ELEC-8-3-elected-tie-across-members-and-alternate",
        ),
        pytest.param(
            3,
            0,
            80,
            {"A": 17, "B": 12, "C": 12, "D": 12},
            [M, T, T, T],
            [INCOMPLETE, BELOW, TIE],
            (2, 0),
            id="R-ELEC-8-small-area-1-elected-below-minimum-3",
        ),
        pytest.param(
            7,
            0,
            300,
            {"A": 17, "B": 16, "C": 15, "D": 14, "E": 13, "F": 12, "G": 12, "H": 12},
            [M, M, M, M, M, T, T, T],
            [INCOMPLETE, TIE],
            (2, 0),
            id="R-ELEC-8-5-elected-incomplete-not-below-minimum",
        ),
        pytest.param(
            5,
            0,
            300,
            {"A": 17, "B": 16, "C": 15, "D": 12, "E": 12},
            [M, M, M, M, M],
            [],
            (0, 0),
            id="R-ELEC-6-tie-inside-member-seats-is-elected",
        ),
    ],
)
def test_tied_seats_are_not_filled_for_shortfall_flags_r_elec_8(
    member_seats, alternate_seats, households, agree, expected, flags, tied_seats
):
    config = ElectionConfig(member_seats, alternate_seats, households, tuple(agree))
    result = tally_election(config, Weight(20, 10000), spread(agree))
    assert [seats(result)[c] for c in agree] == expected
    assert list(result.flags) == flags
    assert (result.member_seats_tied, result.alternate_seats_tied) == tied_seats
    elected = expected.count(M)
    assert len(result.members) == elected
    assert result.member_seats_vacant == member_seats - elected - tied_seats[0]
    assert result.reason_en.startswith(f"Elected {elected} members")
