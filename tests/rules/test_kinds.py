"""The topic-kind registry: every kind validates answers into marks, and its tally from the marks' sums (the
server's SQL path) equals its ballot-by-ballot recount (the offline verifier's path)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from functools import partial

import pytest

from app.rules.categories import Category, MatterItem, statutory_rule
from app.rules.choices import Choice
from app.rules.counts import Weight
from app.rules.errors import ElectionSeatsInvalid, ElectionWriteIn, RuleViolation
from app.rules.kinds import KINDS, TopicKind, consultation, election, single_choice, yes_no
from app.rules.kinds.base import (
    CHOSEN,
    AnswerRefused,
    BallotsKind,
    Mark,
    MarkSumsKind,
    TallyInconsistent,
    TopicTerms,
)
from app.rules.numeric import Threshold

RULE = {"quorum": {"num": 2, "den": 3, "strict": False}, "approval": {"num": 1, "den": 2, "strict": True}}
TOTAL = Weight(5, 500)
OPTIONS = [{"id": "A", "label": "甲"}, {"id": "B", "label": "乙"}]
ELECTION = {
    "member_seats": 3,
    "alternate_seats": 1,
    "households": 50,
    "candidates": [{"id": "c1", "name": "张"}, {"id": "c2", "name": "李"}, {"id": "c3", "name": "王"}],
    "alternate_candidates": None,
}
TERMS = {
    TopicKind.YES_NO: TopicTerms("续聘", Category.ORDINARY, RULE),
    TopicKind.SINGLE_CHOICE: TopicTerms("选聘", Category.ORDINARY, RULE, options=OPTIONS),
    TopicKind.CONSULTATION: TopicTerms("征询", Category.ORDINARY, RULE, options=OPTIONS),
    TopicKind.ELECTION: TopicTerms("选举", Category.SPECIAL, RULE, election=ELECTION),
}
BALLOTS = {
    TopicKind.YES_NO: ["AGREE", "AGREE", "OPPOSE", "ABSTAIN", "SPOILED"],
    TopicKind.SINGLE_CHOICE: ["A", "A", "B", "ABSTAIN", "SPOILED"],
    TopicKind.CONSULTATION: [["A", "B"], ["A"], ["B"], "ABSTAIN", "SPOILED"],
    TopicKind.ELECTION: [
        {"c1": "AGREE", "c2": "AGREE", "c3": "OPPOSE"},
        {"c1": "AGREE", "c2": "ABSTAIN", "c3": "AGREE"},
        {"c1": "AGREE", "c2": "AGREE", "c3": "OPPOSE"},
        {"c1": "OPPOSE", "c2": "OPPOSE", "c3": "OPPOSE"},
        "SPOILED",
    ],
}
WEIGHT = Weight(1, 100)


def _marks(kind: TopicKind, answer: object) -> tuple[Mark, ...]:
    return (Mark("", "SPOILED"),) if answer == "SPOILED" else KINDS[kind].marks(TERMS[kind], answer)


def test_every_kind_is_registered_under_its_own_name():
    assert set(KINDS) == set(TopicKind)
    assert all(rules.kind is kind for kind, rules in KINDS.items())


@pytest.mark.parametrize("kind", list(TopicKind))
def test_the_tally_from_mark_sums_equals_the_ballot_by_ballot_recount(kind):
    rules, terms, answers = KINDS[kind], TERMS[kind], BALLOTS[kind]
    participating = Weight(len(answers), 100 * len(answers))
    if isinstance(rules, BallotsKind):
        marks = [([(mark.item, mark.answer) for mark in _marks(kind, answer)], WEIGHT) for answer in answers]
        decided = rules.decide(terms, marks, TOTAL)
    else:
        sums: defaultdict[tuple[str, str], Weight] = defaultdict(Weight)
        for answer in answers:
            for mark in _marks(kind, answer):
                sums[(mark.item, mark.answer)] += WEIGHT
        decided = rules.decide(terms, sums, participating, TOTAL)
    assert decided.participating == participating
    assert decided.evidence == rules.recount(terms, [(WEIGHT, answer) for answer in answers], TOTAL)
    assert decided.outcome == decided.evidence["outcome"]


@pytest.mark.parametrize(
    ("kind", "answer", "reason"),
    [
        (TopicKind.YES_NO, "MAYBE", "AGREE / OPPOSE / ABSTAIN"),
        (TopicKind.YES_NO, ["AGREE"], "AGREE / OPPOSE / ABSTAIN"),
        (TopicKind.SINGLE_CHOICE, "C", "one listed option or ABSTAIN"),
        (TopicKind.SINGLE_CHOICE, ["A"], "one listed option or ABSTAIN"),
        (TopicKind.CONSULTATION, "A", "a list of listed options, or ABSTAIN"),
        (TopicKind.CONSULTATION, [], "a list of listed options, or ABSTAIN"),
        (TopicKind.CONSULTATION, [1], "a list of listed options, or ABSTAIN"),
        (TopicKind.CONSULTATION, ["A", "A"], "each listed option at most once"),
        (TopicKind.CONSULTATION, ["C"], "each listed option at most once"),
        (TopicKind.ELECTION, "AGREE", "a choice for every candidate"),
        (TopicKind.ELECTION, {"c1": 1}, "a choice for every candidate"),
        (TopicKind.ELECTION, {"c1": "YES"}, "AGREE / OPPOSE / ABSTAIN for each candidate"),
        (TopicKind.ELECTION, {"c1": "SPOILED"}, "AGREE / OPPOSE / ABSTAIN for each candidate"),
    ],
)
def test_an_answer_the_kind_does_not_admit_is_refused_with_what_it_admits(kind, answer, reason):
    with pytest.raises(AnswerRefused) as refused:
        KINDS[kind].marks(TERMS[kind], answer)
    assert refused.value.reason.en == reason == str(refused.value)
    assert refused.value.reason.zh  # worded in Chinese for the problem message (issue #19 item 9)


REFUSED = [
    (TopicKind.YES_NO, "MAYBE"),
    (TopicKind.SINGLE_CHOICE, "C"),
    (TopicKind.CONSULTATION, ["A", "A"]),
    (TopicKind.ELECTION, {"c1": 1}),
    (TopicKind.ELECTION, {"c1": "YES"}),
    (TopicKind.ELECTION, {"c1": "AGREE", "c2": "AGREE", "c3": "AGREE", "c9": "AGREE"}),  # R-ELEC-2
    (TopicKind.ELECTION, {"c1": "AGREE", "c2": "AGREE"}),  # R-ELEC-3: every candidate
]


@pytest.mark.parametrize("kind", list(TopicKind))
def test_a_kept_answer_reader_marks_every_answer_as_marks_does(kind):
    """The cast path keeps one reader per published topic: it answers each ballot (valid or refused, first or
    later) exactly as ``marks`` does."""
    rules, terms = KINDS[kind], TERMS[kind]
    reader = rules.answer_reader(terms)
    valid = [answer for answer in BALLOTS[kind] if answer != "SPOILED"]
    refused = [answer for refused_kind, answer in REFUSED if refused_kind is kind]
    for answer in [*refused, *valid, *refused, *valid]:
        assert _outcome(reader, answer) == _outcome(partial(rules.marks, terms), answer)
        assert answer in refused or isinstance(_outcome(reader, answer), tuple)


def _outcome(marks: Callable[[object], tuple[Mark, ...]], answer: object) -> object:
    """The marks, or the refusal's type and message."""
    try:
        return marks(answer)
    except (AnswerRefused, RuleViolation) as error:
        return type(error), str(error)


def test_an_election_answer_naming_an_unlisted_candidate_breaks_the_law_core():
    answer = {"c1": "AGREE", "c2": "AGREE", "c3": "AGREE", "c9": "AGREE"}
    with pytest.raises(ElectionWriteIn):
        election.RULES.marks(TERMS[TopicKind.ELECTION], answer)  # R-ELEC-2


def test_marks_of_each_kind():
    assert yes_no.RULES.marks(TERMS[TopicKind.YES_NO], "AGREE") == (Mark("", "AGREE"),)
    assert single_choice.RULES.marks(TERMS[TopicKind.SINGLE_CHOICE], "ABSTAIN") == (Mark("", "ABSTAIN"),)
    assert consultation.RULES.marks(TERMS[TopicKind.CONSULTATION], ["B", "A"]) == (Mark("A", CHOSEN), Mark("B", CHOSEN))
    assert consultation.RULES.marks(TERMS[TopicKind.CONSULTATION], "ABSTAIN") == (Mark("", "ABSTAIN"),)
    assert election.RULES.marks(TERMS[TopicKind.ELECTION], BALLOTS[TopicKind.ELECTION][0]) == (
        Mark("c1", "AGREE"),
        Mark("c2", "AGREE"),
        Mark("c3", "OPPOSE"),
    )


@pytest.mark.parametrize(
    ("kind", "sums"),
    [
        (TopicKind.YES_NO, {("x", "AGREE"): WEIGHT}),  # an itemised mark on a whole-topic answer
        (TopicKind.YES_NO, {("", "MAYBE"): WEIGHT}),
        (TopicKind.SINGLE_CHOICE, {("", "C"): WEIGHT}),
        (TopicKind.SINGLE_CHOICE, {("A", "CHOSEN"): WEIGHT}),
        (TopicKind.CONSULTATION, {("", "A"): WEIGHT}),
        (TopicKind.CONSULTATION, {("C", CHOSEN): WEIGHT}),
        (TopicKind.CONSULTATION, {("A", "AGREE"): WEIGHT}),
    ],
)
def test_sums_no_valid_ballot_makes_are_inconsistent(kind, sums):
    rules = KINDS[kind]
    assert isinstance(rules, MarkSumsKind)
    with pytest.raises(TallyInconsistent):
        rules.decide(TERMS[kind], sums, WEIGHT, TOTAL)


def test_drafting_flags_of_each_kind():
    deciding = {kind for kind, rules in KINDS.items() if rules.one_decision}
    assert deciding == {TopicKind.YES_NO, TopicKind.SINGLE_CHOICE}  # R-CAT-5
    assert {kind for kind, rules in KINDS.items() if rules.takes_options} == {
        TopicKind.SINGLE_CHOICE,
        TopicKind.CONSULTATION,
    }
    assert [kind for kind, rules in KINDS.items() if rules.takes_election] == [TopicKind.ELECTION]
    assert election.RULES.only_matter is MatterItem.ELECT_COMMITTEE
    assert yes_no.RULES.only_matter is None


def test_an_election_is_counted_as_an_ordinary_decision_whatever_its_stored_category():
    assert election.RULES.counting_category(Category.SPECIAL) is Category.ORDINARY
    assert election.RULES.counting_rule(TERMS[TopicKind.ELECTION]) == statutory_rule(Category.ORDINARY)
    assert yes_no.RULES.counting_category(Category.SPECIAL) is Category.SPECIAL


def test_a_rule_looser_than_the_law_is_refused():
    loose = {**RULE, "approval": {"num": 1, "den": 3, "strict": False}}
    with pytest.raises(RuleViolation):
        yes_no.RULES.counting_rule(TopicTerms("t", Category.ORDINARY, loose))
    assert Threshold.from_dict(RULE["approval"]).strict is True


def test_an_election_draft_is_stored_normalised_and_must_build():
    drafted = election.RULES.drafted_election(
        {**ELECTION, "member_seats": "3", "alternate_candidates": [{"id": "d1", "name": "赵", "extra": 1}]},
        statutory_rule(Category.ORDINARY),
    )
    assert drafted["member_seats"] == 3
    assert drafted["alternate_candidates"] == [{"id": "d1", "name": "赵"}]
    with pytest.raises(RuleViolation):
        election.RULES.drafted_election({**ELECTION, "member_seats": 2}, statutory_rule(Category.ORDINARY))


def test_only_a_kind_that_takes_an_election_drafts_one():
    with pytest.raises(TypeError, match="takes no election method"):
        yes_no.RULES.drafted_election(ELECTION, statutory_rule(Category.ORDINARY))


def test_a_spoiled_election_ballot_takes_part_and_agrees_with_nobody():
    terms = TERMS[TopicKind.ELECTION]
    decided = election.RULES.decide(terms, [([("", "SPOILED")], Weight(4, 400))], TOTAL)
    assert decided.participating == Weight(4, 400)
    assert decided.evidence["spoiled"] == {"heads": 4, "area": 400}
    assert election.RULES.read_answer(terms, BALLOTS[TopicKind.ELECTION][1])["c3"] is Choice.AGREE


def test_an_election_draft_carries_its_type_and_committee_but_never_typed_households():
    """R-ELEC-10 / R-ELEC-12: the type and the sitting committee are stored; the households wait for the roll."""
    drafted = election.RULES.drafted_election(
        {
            **ELECTION,
            "election_type": "BY_ELECTION",
            "committee": {"size": 7, "members": 5, "alternates": 0},
            "member_seats": 2,
            "alternate_seats": 0,
            "households": 80,
        },
        statutory_rule(Category.ORDINARY),
    )
    assert drafted["election_type"] == "BY_ELECTION"
    assert drafted["committee"] == {"size": 7, "members": 5, "alternates": 0}
    assert drafted["households"] is None


def test_the_roll_households_are_checked_against_art_39_at_publication():
    """R-ELEC-12: 3 seats pass a draft, and pass or fail on the roll's residential units."""
    drafted = election.RULES.drafted_election({**ELECTION, "households": 80}, statutory_rule(Category.ORDINARY))
    assert election.RULES.with_households(drafted, 100)["households"] == 100
    with pytest.raises(ElectionSeatsInvalid):
        election.RULES.with_households(drafted, 500)
    with pytest.raises(TypeError, match="takes no election method"):
        yes_no.RULES.with_households(drafted, 500)
