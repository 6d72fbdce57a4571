"""Hypothesis properties of the tally (STYLE.md §8.3): R-TALLY-2..5, R-CAT-4, R-MULTI-2, R-NUM-3/5.

The reference below is deliberately written differently from ``app.rules``: it divides with ``Fraction`` and
compares shares, where the implementation cross-multiplies integers (R-NUM-3).
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from app.rules.categories import Category, CountingRule, statutory_rule
from app.rules.choices import Choice, Outcome
from app.rules.counts import Weight
from app.rules.kinds import consultation as consultation_kind
from app.rules.kinds import single_choice
from app.rules.numeric import THREE_QUARTERS, TWO_THIRDS, Threshold
from app.rules.options import count_option_ballots, decide_options
from app.rules.tally import count_ballots, decide

relaxed = settings(deadline=None)  # pure and fast, but a loaded CI machine must not make these flaky

# Small areas make exact boundaries (2/3, 3/4, 1/2 of participants) likely; large ones look like real rolls.
areas = st.integers(min_value=0, max_value=4) | st.integers(min_value=0, max_value=100_000)
# A roll of voter groups (one head each, R-HEAD-7) with their answer; None means the group did not vote.
# AGREE is listed thrice so that PASSED is as common as REJECTED and NO_QUORUM.
answers = st.sampled_from([None, Choice.AGREE, Choice.AGREE, Choice.AGREE, *Choice])
groups = st.lists(st.tuples(areas, answers), max_size=25)


@st.composite
def thresholds(draw: st.DrawFn) -> Threshold:
    den = draw(st.integers(min_value=1, max_value=12))
    return Threshold(draw(st.integers(min_value=0, max_value=den)), den, draw(st.booleans()))


categories = st.sampled_from([Category.ORDINARY, Category.SPECIAL])
rules = st.one_of(
    categories.map(statutory_rule),
    st.builds(CountingRule, categories, thresholds(), thresholds()),
)


def run(roll, rule):
    total = Weight.sum(Weight(1, area) for area, _ in roll)
    ballots = [(Weight(1, area), answer) for area, answer in roll if answer is not None]
    return decide(count_ballots(ballots, total), rule)


def reaches(part: int, whole: int, threshold: Threshold) -> bool:
    """The share ``part/whole`` against the threshold as an exact fraction; no share when ``whole`` is 0."""
    if whole == 0:
        return False
    share, bound = Fraction(part, whole), Fraction(threshold.num, threshold.den)
    return share > bound if threshold.strict else share >= bound


def reference(roll, rule: CountingRule) -> Outcome:
    voters = [(area, answer) for area, answer in roll if answer is not None]
    agreeing = [area for area, answer in voters if answer is Choice.AGREE]
    total_area, part_area = sum(area for area, _ in roll), sum(area for area, _ in voters)
    quorum = reaches(len(voters), len(roll), rule.quorum) and reaches(part_area, total_area, rule.quorum)
    if not quorum:
        return Outcome.NO_QUORUM
    heads_ok = reaches(len(agreeing), len(voters), rule.approval)
    area_ok = reaches(sum(agreeing), part_area, rule.approval)
    return Outcome.PASSED if heads_ok and area_ok else Outcome.REJECTED


@relaxed
@given(groups, rules)
def test_r_num_3_agrees_with_fraction_reference(roll, rule):
    result = run(roll, rule)
    assert result.outcome is reference(roll, rule)
    assert result.quorum_met is (reference(roll, rule) is not Outcome.NO_QUORUM)


@relaxed
@given(groups, rules, st.data())
def test_r_tally_2_permutation_invariance(roll, rule, data):
    shuffled = data.draw(st.permutations(roll))
    assert run(shuffled, rule).to_dict() == run(roll, rule).to_dict()


@relaxed
@given(groups, rules, st.data())
def test_r_tally_4_monotonic_in_agreement(roll, rule, data):
    """Turning any answer (or a non-voter) into AGREE never turns PASSED into anything else."""
    assume(any(answer is not Choice.AGREE for _, answer in roll))
    index = data.draw(
        st.sampled_from([i for i, (_, answer) in enumerate(roll) if answer is not Choice.AGREE]),
        label="index",
    )
    area, before_answer = roll[index]
    changed = [*roll[:index], (area, Choice.AGREE), *roll[index + 1 :]]
    before, after = run(roll, rule), run(changed, rule)
    if before.outcome is Outcome.PASSED:
        assert after.outcome is Outcome.PASSED
    if before_answer is not None:  # a voter changing their mind never changes who took part (R-TALLY-3)
        assert after.quorum_met is before.quorum_met
        assert (after.outcome is Outcome.NO_QUORUM) is (before.outcome is Outcome.NO_QUORUM)
    if before_answer is Choice.OPPOSE:
        assert after.counts.participating == before.counts.participating


@st.composite
def stricter_than(draw: st.DrawFn, base: Threshold) -> Threshold:
    """A threshold at least as strict as ``base`` (R-CAT-4), built directly rather than filtered."""
    den = draw(st.integers(min_value=1, max_value=12))
    num = draw(st.integers(min_value=-(-base.num * den // base.den), max_value=den))
    same_fraction = num * base.den == base.num * den
    return Threshold(num, den, draw(st.booleans()) or (same_fraction and base.strict))


@relaxed
@given(groups, categories, st.data())
def test_r_cat_4_stricter_rules_never_pass_more(roll, category, data):
    statutory = statutory_rule(category)
    quorum = data.draw(stricter_than(statutory.quorum), label="quorum")
    approval = data.draw(stricter_than(statutory.approval), label="approval")
    assert quorum.at_least_as_strict_as(statutory.quorum)
    assert approval.at_least_as_strict_as(statutory.approval)
    strict = run(roll, CountingRule(category, quorum, approval))
    lawful = run(roll, statutory)
    if lawful.outcome is not Outcome.PASSED:
        assert strict.outcome is not Outcome.PASSED
    if lawful.outcome is Outcome.NO_QUORUM:
        assert strict.outcome is Outcome.NO_QUORUM


@relaxed
@given(groups)
def test_r_tally_5_abstaining_never_helps_approval(roll):
    """Replacing every ABSTAIN by not voting can only help approval (never hurt it) once the quorum holds."""
    rule = statutory_rule(Category.ORDINARY)
    without = [(area, None if answer is Choice.ABSTAIN else answer) for area, answer in roll]
    if run(roll, rule).approval_met:
        assert run(without, rule).approval_met


OPTIONS = ("P1", "P2", "P3")
option_groups = st.lists(
    st.tuples(
        areas,
        st.sampled_from([None, "P1", "P1", *OPTIONS, Choice.ABSTAIN, Choice.SPOILED]),
    ),
    max_size=25,
)
lawful_approvals = stricter_than(Threshold(1, 2, strict=True))


@relaxed
@given(option_groups, st.one_of(st.just(THREE_QUARTERS), lawful_approvals))
def test_r_multi_2_at_most_one_option_and_no_plurality(roll, approval):
    rule = CountingRule(Category.ORDINARY, TWO_THIRDS, approval)
    total = Weight.sum(Weight(1, area) for area, _ in roll)
    ballots = [(Weight(1, area), answer) for area, answer in roll if answer is not None]
    result = decide_options(count_option_ballots(single_choice.RULES, OPTIONS, ballots, total), rule)
    assert len(result.qualified) <= 1
    voters = [(area, answer) for area, answer in roll if answer is not None]
    part_area = sum(area for area, _ in voters)
    expected = [
        option
        for option in OPTIONS
        if reaches(sum(1 for _, answer in voters if answer == option), len(voters), approval)
        and reaches(sum(area for area, answer in voters if answer == option), part_area, approval)
    ]
    assert list(result.qualified) == expected
    if not result.quorum_met:
        assert result.outcome is Outcome.NO_QUORUM
    else:
        assert result.outcome is (Outcome.PASSED if expected else Outcome.REJECTED)
        assert result.adopted == (expected[0] if expected else None)
    consultation = decide_options(count_option_ballots(consultation_kind.RULES, OPTIONS, ballots, total), rule)
    assert consultation.outcome is Outcome.NO_DECISION
