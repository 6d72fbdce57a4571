"""R-ELEC-4..7 properties: order invariance, monotonicity and agreement with a brute-force Fraction reference."""

from __future__ import annotations

from fractions import Fraction
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from app.rules.categories import Category, community_rule, statutory_rule
from app.rules.choices import Choice
from app.rules.counts import Weight
from app.rules.elections import (
    ElectionBallot,
    ElectionConfig,
    ElectionFlag,
    ElectionOutcome,
    ListKind,
    Seat,
    tally_election,
)
from app.rules.numeric import THREE_QUARTERS, TWO_THIRDS, Threshold

AGREE, OPPOSE, ABSTAIN = Choice.AGREE, Choice.OPPOSE, Choice.ABSTAIN
# R-CAT-4: the statutory thresholds (most often) and stricter ones from the rules of procedure.
RULES = [
    statutory_rule(Category.ORDINARY),
    statutory_rule(Category.ORDINARY),
    community_rule(Category.ORDINARY, quorum=THREE_QUARTERS),
    community_rule(Category.ORDINARY, approval=TWO_THIRDS),
    community_rule(Category.ORDINARY, quorum=Threshold(2, 3, strict=True), approval=Threshold(2, 3, strict=True)),
]


@st.composite
def elections(draw: st.DrawFn) -> tuple[ElectionConfig, Weight, list[ElectionBallot]]:
    separate = draw(st.booleans())
    member_seats = draw(st.sampled_from([3, 5]))
    alternate_seats = draw(st.integers(1 if separate else 0, member_seats))
    names = [f"C{i}" for i in range(draw(st.integers(2 if separate else 1, 8)))]
    split = draw(st.integers(1, len(names) - 1)) if separate else len(names)
    config = ElectionConfig(
        member_seats,
        alternate_seats,
        50,
        tuple(names[:split]),
        alternate_candidates=tuple(names[split:]) if separate else None,
        rule=draw(st.sampled_from(RULES)),
    )
    ballots = []
    # Few distinct areas (often one) and a bias towards AGREE make qualifications and ties common.
    areas = draw(st.sampled_from([[100], [100], [100, 200, 300]]))
    twins = {c: draw(st.booleans()) for c in names}
    for _ in range(draw(st.integers(1, 14))):
        weight = Weight(1, draw(st.sampled_from(areas)))
        if draw(st.integers(0, 9)) == 0:
            ballots.append(ElectionBallot(weight, None))
            continue
        choices = {c: draw(st.sampled_from([AGREE, AGREE, AGREE, OPPOSE, ABSTAIN])) for c in names}
        for previous, c in pairwise(names):  # twins tie unless the limit splits them
            if twins[c]:
                choices[c] = choices[previous]
        for candidate_list in config.lists:  # keep within the approval limit (R-ELEC-3)
            agreed = [c for c in candidate_list.candidates if choices[c] is AGREE]
            choices |= dict.fromkeys(agreed[candidate_list.approval_limit :], OPPOSE)
        ballots.append(ElectionBallot(weight, choices))
    absent = Weight(draw(st.integers(0, 2)), draw(st.integers(0, 2)) * 100)
    return config, Weight.sum(b.weight for b in ballots) + absent, ballots


Expected = tuple[bool, set[str], dict[str, tuple[int, int]], dict[str, tuple[Seat, int | None]]]


def reference(config: ElectionConfig, total: Weight, ballots: list[ElectionBallot]) -> Expected:
    """Fractions and pairwise counting instead of integer products, sorting and grouping."""
    part = Weight.sum(b.weight for b in ballots)

    def reaches(threshold: Threshold, p: int, t: int) -> bool:
        if t <= 0:
            return False
        share, bound = Fraction(p, t), Fraction(threshold.num, threshold.den)
        return share > bound if threshold.strict else share >= bound

    def at_least_quorum(p: int, t: int) -> bool:
        return reaches(config.rule.quorum, p, t)

    def over_approval(a: int, p: int) -> bool:
        return reaches(config.rule.approval, a, p)

    quorum = at_least_quorum(part.heads, total.heads) and at_least_quorum(part.area, total.area)
    agree: dict[str, tuple[int, int]] = {}
    for candidate_list in config.lists:
        for c in candidate_list.candidates:
            agreeing = [b.weight for b in ballots if b.choices is not None and b.choices[c] is AGREE]
            agree[c] = (sum(w.heads for w in agreeing), sum(w.area for w in agreeing))
    qualified = {c for c, (h, a) in agree.items() if over_approval(h, part.heads) and over_approval(a, part.area)}
    expected: dict[str, tuple[Seat, int | None]] = {}
    for candidate_list in config.lists:
        if candidate_list.kind is ListKind.ALTERNATES:
            classes = [Seat.ALTERNATE] * config.alternate_seats
        else:
            classes = [Seat.MEMBER] * config.member_seats
            classes += [Seat.ALTERNATE] * (config.alternate_seats if candidate_list.kind is ListKind.SINGLE else 0)
        rivals = [c for c in candidate_list.candidates if quorum and c in qualified]
        for c in candidate_list.candidates:
            if c not in rivals:
                expected[c] = (Seat.NOT_ELECTED, None)
                continue
            better = sum(1 for o in rivals if agree[o] > agree[c])
            equal = sum(1 for o in rivals if agree[o] == agree[c])
            span = {classes[p] if p < len(classes) else Seat.NOT_ELECTED for p in range(better, better + equal)}
            expected[c] = (span.pop() if len(span) == 1 else Seat.TIED, better + 1)
    return quorum, qualified, agree, expected


@given(elections(), st.data())
def test_invariant_under_order_of_groups_and_candidates_r_elec_4_6(case, data):
    config, total, ballots = case
    shuffled = ElectionConfig(
        config.member_seats,
        config.alternate_seats,
        config.households,
        tuple(data.draw(st.permutations(config.candidates))),
        alternate_candidates=(
            None
            if config.alternate_candidates is None
            else tuple(data.draw(st.permutations(config.alternate_candidates)))
        ),
        rule=config.rule,
    )
    reordered = [
        ElectionBallot(b.weight, None if b.choices is None else dict(reversed(list(b.choices.items()))))
        for b in data.draw(st.permutations(ballots))
    ]
    assert tally_election(shuffled, total, reordered).to_dict() == tally_election(config, total, ballots).to_dict()


@given(elections(), st.data())
def test_one_more_agree_never_unqualifies_or_unseats_a_member_r_elec_5(case, data):
    config, total, ballots = case
    before = tally_election(config, total, ballots)
    candidates = [c for cl in config.lists for c in cl.candidates]
    target = data.draw(st.sampled_from(candidates))
    limit = next(cl.approval_limit for cl in config.lists if target in cl.candidates)
    same_list = next(cl.candidates for cl in config.lists if target in cl.candidates)
    changeable = [
        i
        for i, b in enumerate(ballots)
        if b.choices is not None
        and b.choices[target] is not AGREE
        and sum(1 for c in same_list if b.choices[c] is AGREE) < limit
    ]
    if not changeable:
        return
    i = data.draw(st.sampled_from(changeable))
    after_ballots = list(ballots)
    after_ballots[i] = ElectionBallot(ballots[i].weight, {**ballots[i].choices, target: AGREE})
    after = tally_election(config, total, after_ballots)
    old = {c.candidate: c for c in before.candidates}[target]
    new = {c.candidate: c for c in after.candidates}[target]
    assert new.agree.heads == old.agree.heads + 1
    assert not old.qualified or new.qualified
    assert old.seat is not Seat.MEMBER or new.seat is Seat.MEMBER


@settings(max_examples=300)  # the reference is the main oracle, so look harder
@given(elections())
def test_matches_fraction_reference_r_elec_4_5_6_7(case):
    config, total, ballots = case
    result = tally_election(config, total, ballots)
    quorum, qualified, agree, expected = reference(config, total, ballots)
    assert result.quorum_met is quorum
    assert {c.candidate for c in result.candidates if c.qualified} == qualified
    assert {c.candidate: (c.agree.heads, c.agree.area) for c in result.candidates} == agree
    assert {c.candidate: (c.seat, c.rank) for c in result.candidates} == expected
    for c in result.candidates:
        assert c.agree + c.oppose + c.abstain + result.spoiled == result.participating
    if not quorum:
        assert result.outcome is ElectionOutcome.NO_QUORUM
    else:
        tied = any(seat is Seat.TIED for seat, _ in expected.values())
        assert result.outcome is (ElectionOutcome.TIE_UNRESOLVED if tied else ElectionOutcome.DECIDED)
    filled = len(result.members) + result.member_seats_tied + result.member_seats_vacant
    assert filled == config.member_seats
    # R-ELEC-8: the shortfall flags count members actually elected, never seats awaiting a tie re-vote.
    assert (ElectionFlag.COMMITTEE_INCOMPLETE in result.flags) is (len(result.members) < config.member_seats)
    assert (ElectionFlag.BELOW_MINIMUM_SIZE in result.flags) is (len(result.members) < config.minimum_members)
    assert (ElectionFlag.TIE_UNRESOLVED in result.flags) is (result.tied != ())
    assert result.alternate_seats_vacant >= 0
