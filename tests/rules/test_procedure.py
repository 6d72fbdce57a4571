"""The rules of procedure as one validated configuration (R-PROC-1..8), and what its options change in a count."""

from __future__ import annotations

import pytest

from app.rules.categories import Category, MatterItem, blank_participates, statutory_rule
from app.rules.choices import Choice, Outcome
from app.rules.counts import Weight
from app.rules.elections import ElectionBallot, ElectionConfig, tally_election
from app.rules.errors import DelegationForbidden, DelegationUnknown, ProcedureRulesInvalid, ThresholdTooLoose
from app.rules.kinds import KINDS, TopicKind
from app.rules.kinds.base import TopicTerms
from app.rules.numeric import MORE_THAN_HALF, THREE_QUARTERS, TWO_THIRDS, Threshold
from app.rules.options import count_option_ballots, decide_options
from app.rules.procedure import (
    BlankBallots,
    CommitteePower,
    ElectionRanking,
    ProcedureRules,
    Thresholds,
    check_delegation,
    fill_vacancies,
    from_document,
    proxy_allowed,
    statutory,
)
from app.rules.tally import count_ballots, decide

NOT_COUNTED = from_document({"blank_ballots": "NOT_COUNTED"})


def test_statutory_defaults_are_the_behaviour_without_rules():
    """R-PROC-2: the statutory thresholds, proxies on, blanks as abstentions, heads-then-area, 7 days."""
    rules = statutory()
    assert rules == ProcedureRules() == from_document({})
    assert rules.counting_rule(Category.ORDINARY) == statutory_rule(Category.ORDINARY)
    assert rules.counting_rule(Category.SPECIAL) == statutory_rule(Category.SPECIAL)
    assert statutory(include_parking=True).include_parking is True
    assert rules.to_document() == {
        "schema": "evote/procedure-rules/1",
        "include_parking": False,
        "proxies": {"allowed": True, "max_per_agent": None},
        "blank_ballots": "ABSTAIN",
        "election_ranking": "HEADS_THEN_AREA",
        "vacancy_filling": "ALTERNATES_BY_RANK",
        "min_window_days": 7,
        "thresholds": {},
    }


def test_a_document_round_trips_and_its_hash_identifies_it():
    document = {
        "include_parking": True,
        "proxies": {"allowed": True, "max_per_agent": 3},
        "blank_ballots": "NOT_COUNTED",
        "election_ranking": "AREA_THEN_HEADS",
        "vacancy_filling": "ALTERNATES_BY_RANK",
        "min_window_days": 10,
        "thresholds": {
            "SPECIAL": {"quorum": None, "approval": {"num": 4, "den": 5, "strict": False}},
            "ORDINARY": {"quorum": {"num": 3, "den": 4, "strict": False}, "approval": None},
        },
    }
    rules = from_document(document)
    assert rules.thresholds[Category.ORDINARY] == Thresholds(quorum=Threshold(3, 4, strict=False))
    assert from_document(rules.to_document()) == rules
    assert list(rules.to_document()["thresholds"]) == ["ORDINARY", "SPECIAL"]  # canonical order
    assert rules.to_document() != statutory().to_document()
    special = rules.counting_rule(Category.SPECIAL)
    assert (special.quorum, special.approval, special.blank_participates) == (
        TWO_THIRDS,
        Threshold(4, 5, strict=False),
        False,
    )


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({"min_window_days": 6}, "min_window_days"),
        ({"min_window_days": "7"}, "min_window_days"),
        ({"proxies": {"max_per_agent": 0}}, "proxies.max_per_agent"),
        ({"proxies": {"max_per_agent": True}}, "proxies.max_per_agent"),
        ({"blank_ballots": "AGREE"}, "blank_ballots"),
        ({"election_ranking": "LOTTERY"}, "election_ranking"),  # R-ELEC-6: never by lot
        ({"vacancy_filling": "BY_ELECTION"}, "vacancy_filling"),  # Art. 41 ¶3: alternates fill vacancies
        ({"thresholds": {"NOT_A_MAJORITY_VOTE": {}}}, "thresholds"),
        ({"thresholds": {"ORDINARY": {"quorum": {"num": 3}}}}, "thresholds.ORDINARY.quorum"),
        (
            {"thresholds": {"ORDINARY": {"approval": {"num": 5, "den": 4, "strict": False}}}},
            "thresholds.ORDINARY.approval",
        ),
    ],
)
def test_invalid_documents_are_refused_with_the_field(document, field):
    with pytest.raises(ProcedureRulesInvalid) as refused:
        from_document(document)
    assert refused.value.params["field"] == field


def test_looser_thresholds_are_refused():
    """R-CAT-4 / R-BAN-4: Civil Code Art. 278 is mandatory; the rules may only be stricter."""
    with pytest.raises(ThresholdTooLoose):
        from_document({"thresholds": {"ORDINARY": {"quorum": {"num": 1, "den": 2, "strict": False}}}})
    with pytest.raises(ThresholdTooLoose):
        ProcedureRules(thresholds={Category.SPECIAL: Thresholds(approval=MORE_THAN_HALF)})
    assert ProcedureRules(thresholds={Category.SPECIAL: Thresholds(approval=THREE_QUARTERS)})


def test_proxies_and_the_limit_per_agent():
    """R-CAST-4 via R-PROC-1: proxies off, unlimited, or at most N groups per agent."""
    assert proxy_allowed(statutory(), 1000)
    assert not proxy_allowed(from_document({"proxies": {"allowed": False}}), 0)
    capped = from_document({"proxies": {"max_per_agent": 2}})
    assert proxy_allowed(capped, 1)
    assert not proxy_allowed(capped, 2)


def test_alternates_fill_vacancies_in_rank_order_and_art_48_needs_a_reelection():
    """Beijing Art. 41 ¶3 and Art. 48 (R-PROC-6)."""
    two_vacant = fill_vacancies(7, 5, ["a1", "a2", "a3"])
    assert (two_vacant.promoted, two_vacant.alternates_left, two_vacant.members_after) == (("a1", "a2"), ("a3",), 7)
    assert not two_vacant.full_reelection
    short = fill_vacancies(7, 2, ["a1"])  # 3 of 7 after filling: fewer than half
    assert (short.promoted, short.members_after, short.full_reelection) == (("a1",), 3, True)
    assert fill_vacancies(7, 3, ["a1"]).full_reelection is False  # 4 of 7
    assert fill_vacancies(5, 5, ["a1"]).promoted == ()


def test_no_art_34_matter_can_be_delegated_to_the_committee():
    """R-PROC-8: Beijing Art. 44 (last ¶); a tender (Art. 64) and signing the decided contract may be."""
    with pytest.raises(DelegationForbidden) as refused:
        check_delegation(["ORGANISE_TENDER", "HIRE_DISMISS_PROVIDER"])
    assert refused.value.params["matters"] == "HIRE_DISMISS_PROVIDER"
    for matter in MatterItem:
        with pytest.raises(DelegationForbidden):
            check_delegation([matter.value])
    with pytest.raises(DelegationUnknown):
        check_delegation(["DECIDE_EVERYTHING"])
    assert check_delegation(["ORGANISE_TENDER", "SIGN_SERVICE_CONTRACT", "ORGANISE_TENDER"]) == (
        CommitteePower.ORGANISE_TENDER,
        CommitteePower.SIGN_SERVICE_CONTRACT,
    )
    assert check_delegation([]) == ()


# --- What the blank-ballot option changes (R-PROC-4) ---

TOTAL = Weight(6, 60000)
# 3 agree, 1 oppose, 1 spoiled paper ballot (blank): 5 of 6 take part if blanks count, 4 if not.
BALLOTS = [
    (Weight(1, 10000), Choice.AGREE),
    (Weight(1, 10000), Choice.AGREE),
    (Weight(1, 10000), Choice.AGREE),
    (Weight(1, 10000), Choice.OPPOSE),
    (Weight(1, 10000), Choice.SPOILED),
]


def test_blank_ballots_as_abstentions_or_not_counted_change_the_yes_no_tally():
    counts = count_ballots(BALLOTS, TOTAL)
    as_abstention = decide(counts, statutory().counting_rule(Category.SPECIAL))
    not_counted = decide(counts, NOT_COUNTED.counting_rule(Category.SPECIAL))
    # As abstentions: 3/5 agree, 4*3=12 < 3*5=15: rejected. Not counted: 3/4, 4*3=12 >= 3*4=12: passed.
    assert as_abstention.counts.participating == Weight(5, 50000)
    assert as_abstention.outcome is Outcome.REJECTED
    assert not_counted.counts.participating == Weight(4, 40000)
    assert not_counted.outcome is Outcome.PASSED
    evidence = not_counted.to_dict()
    assert evidence["spoiled"] == {"heads": 1, "area": 10000}
    assert evidence["rule"]["blank_ballots"] == "NOT_COUNTED"
    assert "blank_ballots" not in as_abstention.to_dict()["rule"]


def test_blank_ballots_not_counted_can_cost_the_quorum():
    counts = count_ballots([*BALLOTS[:3], (Weight(1, 10000), Choice.SPOILED)], TOTAL)
    assert decide(counts, statutory().counting_rule(Category.ORDINARY)).outcome is Outcome.PASSED  # 4/6 ≥ 2/3
    assert decide(counts, NOT_COUNTED.counting_rule(Category.ORDINARY)).outcome is Outcome.NO_QUORUM  # 3/6


def test_blank_ballots_on_an_option_topic():
    kind = KINDS[TopicKind.SINGLE_CHOICE]
    ballots = [(Weight(1, 10000), "A")] * 3 + [(Weight(1, 10000), "B"), (Weight(1, 10000), Choice.SPOILED)]
    counts = count_option_ballots(kind, ("A", "B"), ballots, TOTAL)  # type: ignore[arg-type]
    assert decide_options(counts, statutory().counting_rule(Category.SPECIAL)).outcome is Outcome.REJECTED
    adopted = decide_options(counts, NOT_COUNTED.counting_rule(Category.SPECIAL))
    assert (adopted.outcome, adopted.adopted, adopted.counts.participating) == (Outcome.PASSED, "A", Weight(4, 40000))


def test_blank_ballots_in_an_election_and_the_ranking_option():
    """R-PROC-4 in an election; R-PROC-5: area first changes who is a member."""
    candidates = ("c1", "c2", "c3", "c4", "c5", "c6")
    rule = NOT_COUNTED.counting_rule(Category.ORDINARY)

    # c6 has more heads, c5 more area: heads-then-area seats c6, area-then-heads seats c5.
    def approving(*approved: str) -> dict[str, Choice]:
        return {c: Choice.AGREE if c in approved else Choice.OPPOSE for c in candidates}

    ballots = [
        ElectionBallot(Weight(1, 30000), approving("c1", "c2", "c3", "c4", "c5")),
        ElectionBallot(Weight(1, 10000), approving("c1", "c2", "c3", "c4", "c6")),
        ElectionBallot(Weight(1, 10000), approving("c1", "c2", "c3", "c4", "c6")),
        ElectionBallot(Weight(1, 10000), approving("c1", "c2", "c3", "c4", "c5", "c6")),
        ElectionBallot(Weight(1, 10000), approving("c1", "c2", "c3", "c4", "c5", "c6")),
        ElectionBallot(Weight(1, 10000), None),
    ]
    total = Weight(7, 90000)
    heads_result = tally_election(ElectionConfig(5, 1, 300, candidates, rule=rule), total, ballots)
    area_result = tally_election(ElectionConfig(5, 1, 300, candidates, rule=rule, area_first=True), total, ballots)
    assert heads_result.participating == Weight(5, 70000)  # the blank ballot is not counted
    assert heads_result.to_dict()["rule"]["blank_ballots"] == "NOT_COUNTED"
    # c6: 4 heads, 40000; c5: 3 heads, 50000.
    assert (heads_result.members[-1], heads_result.alternates) == ("c6", ("c5",))
    assert (area_result.members[-1], area_result.alternates) == ("c5", ("c6",))
    counted = tally_election(ElectionConfig(5, 1, 300, candidates), total, ballots)
    assert counted.participating == Weight(6, 80000)
    assert "blank_ballots" not in counted.to_dict()["rule"]


def test_a_topic_rule_carries_the_option_to_the_kinds_and_the_verifier():
    """The stored and published topic rule names the option only when not the default (R-PROC-4)."""
    rule = NOT_COUNTED.counting_rule(Category.SPECIAL)
    stored = {"quorum": rule.quorum.to_dict(), "approval": rule.approval.to_dict(), "blank_ballots": "NOT_COUNTED"}
    assert not blank_participates(stored)
    assert blank_participates({"quorum": rule.quorum.to_dict(), "approval": rule.approval.to_dict()})
    terms = TopicTerms("t", Category.SPECIAL, stored)
    kind = KINDS[TopicKind.YES_NO]
    assert kind.counting_rule(terms) == rule
    recounted = kind.recount(terms, [(w, c.value) for w, c in BALLOTS], TOTAL)
    assert recounted["outcome"] == "PASSED"


def test_the_election_method_carries_the_ranking():
    election = KINDS[TopicKind.ELECTION]
    method = {"member_seats": 5, "alternate_seats": 0, "households": 300, "ranking": ElectionRanking.AREA_THEN_HEADS}
    method["candidates"] = [{"id": f"c{n}", "name": f"候选人{n}"} for n in range(1, 7)]
    drafted = election.drafted_election(method, statutory_rule(Category.ORDINARY))
    assert drafted["ranking"] == "AREA_THEN_HEADS"
    assert "ranking" not in election.drafted_election(
        method | {"ranking": "HEADS_THEN_AREA"}, statutory_rule(Category.ORDINARY)
    )
    assert election.config(TopicTerms("e", Category.ORDINARY, {}, election=drafted)).area_first


def test_blank_ballots_enum_names_what_the_topic_rule_spells():
    assert BlankBallots.NOT_COUNTED.value == "NOT_COUNTED"
