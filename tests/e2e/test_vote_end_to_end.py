"""A whole vote through the API: publish → notice period → vote → close without traffic → result (issue #5).

The scenario (``tests/scenario.py``) runs RULES.md section P (8 heads, 90000 area units): six voter groups vote
on an ORDINARY and a SPECIAL yes/no topic, a single-choice topic, an election and a consultation. The published
result of every topic must equal what the law core computes directly from the same answers and weights.
"""

from __future__ import annotations

from app.rules.categories import Category, statutory_rule
from app.rules.choices import Choice
from app.rules.counts import Weight
from app.rules.elections import ElectionBallot, ElectionConfig, tally_election
from app.rules.kinds import consultation as consultation_kind
from app.rules.kinds import single_choice
from app.rules.options import count_option_ballots, decide_options
from app.rules.tally import count_ballots, decide
from tests.scenario import CANDIDATES, GROUPS, run_vote

TOTAL = Weight(8, 90000)


def _answer(value: str) -> Choice | str:
    return Choice.ABSTAIN if value == "ABSTAIN" else value


async def test_a_vote_from_notice_to_published_result(client, session, app, repo_root):
    run = await run_vote(client, session, app, repo_root)
    result = await client.get(f"/api/v1/votes/{run.vote_id}/result", headers=run.committee)
    assert result.status_code == 200, result.text
    by_topic = {topic["topic_id"]: topic for topic in result.json()["topics"]}
    groups = [(Weight(1, area), *answers) for _, area, *answers in GROUPS.values()]

    ordinary = decide(count_ballots([(w, Choice(o)) for w, o, *_ in groups], TOTAL), statutory_rule(Category.ORDINARY))
    special = decide(count_ballots([(w, Choice(s)) for w, _, s, *_ in groups], TOTAL), statutory_rule(Category.SPECIAL))
    options = decide_options(
        count_option_ballots(single_choice.RULES, ["A", "B", "C"], [(g[0], _answer(g[3])) for g in groups], TOTAL),
        statutory_rule(Category.ORDINARY),
    )
    election = tally_election(
        ElectionConfig(member_seats=5, alternate_seats=2, households=10, candidates=tuple(CANDIDATES)),  # R-ELEC-12
        TOTAL,
        [ElectionBallot(g[0], {c: Choice.AGREE if c in g[4] else Choice.OPPOSE for c in CANDIDATES}) for g in groups],
    )
    consultation = decide_options(
        count_option_ballots(
            consultation_kind.RULES,
            ["X", "Y", "Z"],
            [(g[0], Choice.ABSTAIN if g[5] == "ABSTAIN" else frozenset(g[5])) for g in groups],
            TOTAL,
        ),
        statutory_rule(Category.ORDINARY),
    )
    expected = [ordinary, special, options, election, consultation]
    for topic_id, law in zip(run.topic_ids, expected, strict=True):
        assert by_topic[topic_id]["evidence"] == law.to_dict()
    # Spot-check the law itself: 6 of 8 heads and 62000 of 90000 take part (≥ 2/3 on both measures).
    assert ordinary.outcome.value == "PASSED"  # 4 heads / 44000 agree of 6 / 62000: 8 > 6 and 88000 > 62000
    assert special.outcome.value == "REJECTED"  # 4*4=16 < 3*6=18 heads (R-CAT-1 SPECIAL)
    assert consultation.outcome.value == "NO_DECISION"  # R-MULTI-3
    pages = await client.get(f"/api/v1/votes/{run.vote_id}/result/units", headers=run.committee)
    units = {unit["area"] for unit in pages.json()["items"]}
    assert 7550 in units  # R-PUB-1: units and areas, no names
    assert "王一" not in result.text
