"""The sums kept at cast time (``tally_sum``, issue #21) equal a recount from the ballots, whatever happened.

A random sequence of casts (online and paper, spoiled answers included), voids (one ballot or several in one
statement), replacements (a void and a new ballot for the group: R-TALLY-9's legacy paper-over-online) and
deletions is applied to the section-P vote with five mixed topics; after every sequence the kept sums must equal
the marks' aggregate, the election's ballots, the participation, and the law core's decision on both. PostgreSQL
only: SQLite keeps no sums (its close recounts the marks).
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.ballot.models import Ballot, BallotStatus, Channel, TallySum
from app.result import repository
from app.rules.categories import Category
from app.rules.counts import Weight
from app.rules.kinds.base import BallotsKind
from app.vote.spec import kind_rules, terms
from tests.factories_vote import election_topic, make_vote, option_topic, yes_no_topic
from tests.result.helpers import GROUP_UNIT, TOTAL, cast_directly, roll_groups
from tests.result.test_close_and_decide import CANDIDATES, consultation_topic

T0 = datetime(2025, 3, 16, 16, 0, tzinfo=UTC)
GROUPS = tuple(GROUP_UNIT)
YES_NO = st.sampled_from(["AGREE", "OPPOSE", "ABSTAIN"])
SINGLE = st.sampled_from(["A", "B", "C", "ABSTAIN"])
CONSULT = st.one_of(st.just("ABSTAIN"), st.lists(st.sampled_from("ABC"), min_size=1, max_size=3, unique=True))
ELECTION = st.dictionaries(
    st.sampled_from(CANDIDATES), st.sampled_from(["AGREE", "OPPOSE", "ABSTAIN"]), min_size=7, max_size=7
).filter(lambda answer: sum(choice == "AGREE" for choice in answer.values()) <= 5)
_fixtures: dict[int, Any] = {}


def _answers_strategy(paper: bool) -> st.SearchStrategy[list[Any]]:
    spoil = (lambda s: st.one_of(s, st.just("SPOILED"))) if paper else (lambda s: s)
    return st.tuples(spoil(YES_NO), spoil(YES_NO), spoil(SINGLE), spoil(CONSULT), spoil(ELECTION)).map(list)


@st.composite
def _operation(draw: st.DrawFn) -> tuple[Any, ...]:
    kind = draw(st.sampled_from(["cast", "cast", "cast", "void", "void_many", "replace", "delete"]))
    group = draw(st.sampled_from(GROUPS))
    paper = draw(st.booleans())
    if kind == "void_many":
        return (kind, tuple(draw(st.lists(st.sampled_from(GROUPS), min_size=1, max_size=4, unique=True))))
    return (kind, group, paper, draw(_answers_strategy(paper)))


async def _vote(session: Any, app: Any) -> Any:
    key = id(session)
    if key not in _fixtures:
        topics = [
            yes_no_topic(),
            yes_no_topic("筹集住宅专项维修资金", category=Category.SPECIAL),
            option_topic(),
            consultation_topic(),
            election_topic(),
        ]
        _fixtures.clear()
        _fixtures[key] = await make_vote(session, app.state.cipher, now=T0, topics=topics)
    return _fixtures[key]


async def _counted(session: Any, vote_id: uuid.UUID, groups: tuple[str, ...]) -> list[Ballot]:
    statement = sa.select(Ballot).where(Ballot.vote_id == vote_id, Ballot.status == BallotStatus.COUNTED)
    return [ballot for ballot in (await session.scalars(statement)).all() if ballot.group_id in groups]


async def _apply(session: Any, fixture: Any, group_ids: dict[str, str], operation: tuple[Any, ...]) -> None:
    kind = operation[0]
    vote_id = fixture.vote.id
    if kind == "void_many":  # several counted ballots voided by one UPDATE statement
        ids = [group_ids[name] for name in operation[1]]
        await session.execute(
            sa.update(Ballot)
            .where(Ballot.vote_id == vote_id, Ballot.group_id.in_(ids), Ballot.status == BallotStatus.COUNTED)
            .values(status=BallotStatus.VOID, void_reason="test: void")
        )
        return
    _, name, paper, answers = operation
    counted = await _counted(session, vote_id, (group_ids[name],))
    if kind in ("void", "replace") and counted:
        counted[0].status = BallotStatus.VOID
        counted[0].void_reason = "test: void"
        await session.flush()
        counted = []
    if kind == "delete":
        await session.execute(sa.delete(Ballot).where(Ballot.vote_id == vote_id, Ballot.group_id == group_ids[name]))
        return
    if kind in ("cast", "replace") and not counted:
        channel = Channel.PAPER if paper else Channel.ONLINE
        await cast_directly(session, fixture, name, dict(zip(fixture.topics, answers, strict=True)), channel=channel)


def _election_recount(rows: list[tuple[list[tuple[str, str]], Weight]]) -> Counter[tuple[tuple[str, str], ...]]:
    """Ballots by their exact sorted marks → how many (weights as (heads, area) added up in a Counter pair)."""
    heads: Counter[tuple[tuple[str, str], ...]] = Counter()
    for marks, weight in rows:
        heads[tuple(sorted(marks))] += weight.heads * 10**12 + weight.area
    return heads


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(_operation(), max_size=14))
async def test_kept_sums_equal_a_recount(backend, app, session, operations):
    if backend.backend != "postgresql":
        pytest.skip("SQLite keeps no sums: its close recounts the marks")
    fixture = await _vote(session, app)
    rows = (await session.execute(sa.select(Ballot.id).where(Ballot.vote_id == fixture.vote.id))).all()
    assert rows == []  # every example starts from the fixture's empty vote
    group_ids = {name: row.group_id for name, row in (await roll_groups(session, fixture)).items()}
    nested = await session.begin_nested()
    try:
        for operation in operations:
            await _apply(session, fixture, group_ids, operation)
        await session.flush()
        kept = await repository.kept_sums(session, fixture.vote.id)
        assert kept is not None
        assert kept.participation == await repository.participation(session, fixture.vote.id)
        election = [topic for topic in fixture.topics if isinstance(kind_rules(topic), BallotsKind)]
        others = [topic for topic in fixture.topics if topic not in election]
        recount = await repository.mark_sums(session, fixture.vote.id, skip_topics=[topic.id for topic in election])
        from_kept = kept.mark_sums(others)
        assert {k: v for k, v in from_kept.answers.items() if v} == recount.answers
        for topic in election:
            marks = repository._ballots_of_marks(await repository._topic_marks(session, fixture.vote.id, topic.id))
            assert _election_recount(kept.ballots(topic)) == _election_recount(marks)
            rules = kind_rules(topic)
            assert isinstance(rules, BallotsKind)
            assert (
                rules.decide(terms(topic), kept.ballots(topic), TOTAL).evidence
                == rules.decide(terms(topic), marks, TOTAL).evidence
            )
        for topic in others:
            rules = kind_rules(topic)
            assert not isinstance(rules, BallotsKind)
            assert (
                rules.decide(terms(topic), from_kept.answers.get(topic.id, {}), kept.participation, TOTAL).evidence
                == rules.decide(terms(topic), recount.answers.get(topic.id, {}), recount.participation, TOTAL).evidence
            )
    finally:
        await nested.rollback()
    assert await session.scalar(sa.select(sa.func.count()).select_from(TallySum)) == 0  # rolled back with them
