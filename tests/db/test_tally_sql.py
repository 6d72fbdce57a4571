"""The SQL aggregate gives the pure engine exactly the sums it computes itself (issue #3 item 7)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.result.tally_sql import answer_sums, topic_counts
from app.rules.categories import Category, statutory_rule
from app.rules.choices import Choice
from app.rules.counts import Weight
from app.rules.tally import count_ballots, decide

metadata = sa.MetaData()
ballot_table = sa.Table(
    "tally_check_ballot",
    metadata,
    sa.Column("topic_id", sa.Integer, primary_key=True),
    sa.Column("group_key", sa.String(40), primary_key=True),  # one ballot per group and topic (R-TALLY-7)
    sa.Column("answer", sa.String(16), nullable=False),
    sa.Column("area", sa.BigInteger, nullable=False),
)


async def _create_table(session) -> None:
    await session.run_sync(lambda sync_session: metadata.create_all(sync_session.connection()))


async def _load(session, rows) -> None:
    await session.execute(sa.delete(ballot_table))
    if rows:
        await session.execute(sa.insert(ballot_table), rows)


SECTION_P = {"A": 18000, "BC": 12000, "D": 9000, "E": 9000, "Fco": 6000, "DEV": 22000, "H": 7550, "B": 6450}
TOTAL = Weight(8, 90000)


async def test_t1_through_the_sql_path(backend, session):
    """RULES.md T1: 6 heads / 77550 take part, 4 heads / 59550 agree: ORDINARY passes, SPECIAL does not."""
    await _create_table(session)
    answers = {"A": "AGREE", "BC": "AGREE", "D": "OPPOSE", "E": "ABSTAIN", "DEV": "AGREE", "H": "AGREE"}
    await _load(
        session, [{"topic_id": 1, "group_key": g, "answer": a, "area": SECTION_P[g]} for g, a in answers.items()]
    )
    counts = topic_counts((await answer_sums(session, ballot_table))[1], TOTAL)
    assert counts.participating == Weight(6, 77550)
    assert counts.agree == Weight(4, 59550)
    assert decide(counts, statutory_rule(Category.ORDINARY)).outcome.value == "PASSED"
    assert decide(counts, statutory_rule(Category.SPECIAL)).outcome.value == "REJECTED"


async def test_a_topic_nobody_voted_on_has_no_sums(backend, session):
    await _create_table(session)
    await _load(session, [])
    assert await answer_sums(session, ballot_table) == {}
    assert decide(topic_counts({}, TOTAL), statutory_rule(Category.ORDINARY)).outcome.value == "NO_QUORUM"


def test_unknown_answers_are_refused():
    with pytest.raises(ValueError, match="MAYBE"):
        topic_counts({"MAYBE": Weight(1, 1)}, TOTAL)


roll_strategy = st.lists(st.integers(min_value=1, max_value=10**9), min_size=1, max_size=40)
answer_strategy = st.sampled_from([*list(Choice), None])  # None: did not vote


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(areas=roll_strategy, data=st.data())
async def test_sql_path_equals_pure_path(backend, session, areas, data):
    await _create_table(session)
    topics = data.draw(st.integers(min_value=1, max_value=5))
    rows, pure = [], {}
    for topic in range(topics):
        ballots = []
        for index, area in enumerate(areas):
            answer = data.draw(answer_strategy)
            if answer is not None:
                rows.append({"topic_id": topic, "group_key": f"g{index}", "answer": answer.value, "area": area})
                ballots.append((Weight(1, area), answer))
        pure[topic] = count_ballots(ballots, Weight(len(areas), sum(areas)))
    await _load(session, rows)
    sums = await answer_sums(session, ballot_table)
    total = Weight(len(areas), sum(areas))
    for topic, expected in pure.items():
        assert topic_counts(sums.get(topic, {}), total) == expected
        for category in (Category.ORDINARY, Category.SPECIAL):
            rule = statutory_rule(category)
            assert decide(topic_counts(sums.get(topic, {}), total), rule).to_dict() == decide(expected, rule).to_dict()
