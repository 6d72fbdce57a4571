"""Time-driven transitions without traffic (issue #5 item 5): the runner, its safety with several workers,
and the background task's start and stop in the app lifespan."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.audit.keys import LogKeys
from app.audit.models import AuditEntry
from app.common.access import Role
from app.db.migrate import upgrade
from app.db.session import create_engine, create_sessionmaker
from app.main import create_app
from app.result.models import TopicResult
from app.rules.categories import Category, statutory_rule
from app.rules.choices import Choice
from app.rules.tally import count_ballots, decide
from app.security.pii import FieldCipher
from app.settings import Settings
from app.transitions import TransitionRunner, run_due_transitions
from app.vote.models import Vote, VoteStatus
from tests.factories import make_api_key
from tests.factories_vote import make_vote, option_topic, yes_no_topic
from tests.result.helpers import TOTAL, audit_kinds, cast_directly, weight

T0 = datetime(2025, 3, 16, 16, 0, tzinfo=UTC)
T1 = {"A": "AGREE", "BC": "AGREE", "D": "OPPOSE", "E": "ABSTAIN", "DEV": "AGREE", "H": "AGREE"}


async def _status(session, vote_id):
    vote = await session.get(Vote, vote_id, populate_existing=True)
    assert vote is not None
    return vote.status


async def test_the_runner_decides_a_due_vote_and_leaves_running_ones_alone(backend, app, session, sessionmaker):
    due = await make_vote(session, app.state.cipher, now=T0)
    running = await make_vote(session, app.state.cipher, now=T0 + timedelta(days=3))
    (topic,) = due.topics
    for group, answer in T1.items():
        await cast_directly(session, due, group, {topic: answer})
    await session.commit()

    assert (
        await run_due_transitions(sessionmaker, due.vote.ends_at - timedelta(seconds=1), keys=app.state.log_keys) == 0
    )
    assert await _status(session, due.vote.id) is VoteStatus.PUBLISHED

    later = due.vote.ends_at + timedelta(minutes=5)  # nobody asked: no request, no organiser
    assert await run_due_transitions(sessionmaker, later, keys=app.state.log_keys) == 1
    assert await _status(session, due.vote.id) is VoteStatus.RESULT_PUBLISHED
    assert await _status(session, running.vote.id) is VoteStatus.PUBLISHED
    vote = await session.get(Vote, due.vote.id)
    assert vote is not None
    assert vote.closed_at == vote.ends_at
    assert vote.result_published_at == later
    result = (await session.scalars(sa.select(TopicResult).where(TopicResult.topic_id == topic.id))).one()
    expected = decide(
        count_ballots([(weight(g), Choice(a)) for g, a in T1.items()], TOTAL), statutory_rule(Category.ORDINARY)
    )
    assert result.evidence == expected.to_dict()
    assert result.outcome == "PASSED"

    assert (
        await run_due_transitions(sessionmaker, later + timedelta(minutes=1), keys=app.state.log_keys) == 0
    )  # nothing left to do
    assert (await audit_kinds(session, due.vote.id)).count("vote.decided") == 1


async def test_a_failing_vote_does_not_stop_the_others(backend, app, session, sessionmaker, caplog):
    broken = await make_vote(session, app.state.cipher, now=T0, topics=[option_topic()])
    fine = await make_vote(session, app.state.cipher, now=T0)
    broken.topics[0].options = [{"id": "ABSTAIN", "label": "?"}]  # corrupt: fails R-MULTI-1 validation at tally
    await session.commit()
    assert await run_due_transitions(sessionmaker, T0 + timedelta(days=8), keys=app.state.log_keys) == 1
    assert await _status(session, fine.vote.id) is VoteStatus.RESULT_PUBLISHED
    assert await _status(session, broken.vote.id) is VoteStatus.PUBLISHED  # rolled back, retried next run
    assert "not closed" in caplog.text or "failed" in caplog.text


async def test_a_deadline_in_a_year_without_holiday_data_does_not_block_the_close(
    backend, app, client, session, sessionmaker
):
    """R-LIFE-8: voting ends 24:00 of Tue 2026-12-29; the legal deadline's 3rd day, Fri 2027-01-01, lies in a year
    the installed holiday data does not cover. The vote is still closed, decided and published, the deadline is
    counted with the fixed-date holidays, and the signed entry and the result say that it is provisional."""
    ends_at = datetime(2026, 12, 29, 16, tzinfo=UTC)  # 2026-12-30 00:00 Asia/Shanghai
    fixture = await make_vote(session, app.state.cipher, now=ends_at - timedelta(days=7))
    await session.commit()
    assert await run_due_transitions(sessionmaker, ends_at, keys=app.state.log_keys) == 1
    assert await _status(session, fixture.vote.id) is VoteStatus.RESULT_PUBLISHED
    publication = {
        "decision_date": "2026-12-29",
        "app_deadline": "2026-12-31T00:00:00+08:00",
        "legal_deadline": "2027-01-05T00:00:00+08:00",  # New Year's Day, then the weekend: Mon 01-04 is the last
        "flags": [],
        "published_at": "2026-12-30T00:00:00+08:00",
        "calendar": "PROVISIONAL",
    }
    entry = (
        await session.scalars(
            sa.select(AuditEntry).where(
                AuditEntry.vote_id == fixture.vote.id, AuditEntry.kind == "vote.result_published"
            )
        )
    ).one()
    assert entry.payload["publication"] == publication

    headers = await make_api_key(
        session, app.state.token_hasher, role=Role.COMMITTEE, estate_id=fixture.places.estate.id
    )
    app.state.clock = lambda: ends_at + timedelta(days=10)
    response = await client.get(f"/api/v1/votes/{fixture.vote.id}/result", headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["publication"] == publication


@pytest.fixture
def race_database(backend, fresh_database, test_settings):
    """A database of its own: concurrent workers need separate connections, which the shared outer
    transaction of the other tests cannot give."""
    database = fresh_database(backend.backend)
    with ThreadPoolExecutor(max_workers=1) as pool:  # Alembic runs its own event loop
        pool.submit(upgrade, database.url).result()
    return test_settings.model_copy(update={"database_url": database.url})


async def test_two_workers_decide_a_vote_once(race_database):
    engine = create_engine(race_database)
    try:
        sessionmaker = create_sessionmaker(engine)
        cipher = FieldCipher.from_settings(race_database)
        async with sessionmaker() as session, session.begin():
            fixture = await make_vote(session, cipher, now=T0, topics=[yes_no_topic(), option_topic()])
            yes_no, single = fixture.topics
            for group, answer in T1.items():
                await cast_directly(session, fixture, group, {yes_no: answer, single: "A"})
        later = fixture.vote.ends_at + timedelta(seconds=30)
        keys = LogKeys.from_settings(race_database)
        moved = await asyncio.gather(*(run_due_transitions(sessionmaker, later, keys=keys) for _ in range(3)))
        assert sum(moved) == 1
        async with sessionmaker() as session:
            kinds = (
                await session.scalars(sa.select(AuditEntry.kind).where(AuditEntry.vote_id == fixture.vote.id))
            ).all()
            assert [kinds.count(k) for k in ("vote.closed", "vote.decided", "vote.result_published")] == [1, 1, 1]
            results = (
                await session.scalars(sa.select(TopicResult).where(TopicResult.vote_id == fixture.vote.id))
            ).all()
            assert len(results) == 2
            vote = await session.get(Vote, fixture.vote.id)
            assert vote is not None
            assert vote.status is VoteStatus.RESULT_PUBLISHED
    finally:
        await engine.dispose()


# --- the background task ----------------------------------------------------------------------------------


async def test_the_loop_survives_errors_and_stops_cleanly(caplog):
    calls: list[datetime] = []

    async def job(_sessionmaker, now):
        calls.append(now)
        if len(calls) % 2:
            raise RuntimeError("database hiccup")
        return 1

    clock_value = T0
    runner = TransitionRunner(None, lambda: clock_value, interval_seconds=0.01, job=job)  # type: ignore[arg-type]
    runner.start()
    for _ in range(200):
        if runner.runs >= 4:
            break
        await asyncio.sleep(0.01)
    assert runner.running
    assert runner.runs >= 4
    assert "transitions run failed" in caplog.text
    await runner.stop()
    assert not runner.running
    assert calls
    assert all(now == T0 for now in calls)


async def test_stop_cancels_a_run_that_hangs():
    started = asyncio.Event()

    async def job(_sessionmaker, _now):
        started.set()
        await asyncio.sleep(3600)
        return 0

    runner = TransitionRunner(None, lambda: T0, interval_seconds=1, job=job)  # type: ignore[arg-type]
    runner.start()
    await started.wait()
    await runner.stop(grace_seconds=0.05)
    assert not runner.running


async def test_interval_zero_disables_the_task():
    runner = TransitionRunner(None, lambda: T0, interval_seconds=0, job=lambda *_: asyncio.sleep(0, 0))  # type: ignore[arg-type]
    runner.start()
    assert not runner.running
    await runner.stop()


async def test_the_app_lifespan_starts_and_stops_the_runner(tmp_path, test_settings):
    settings = test_settings.model_copy(
        update={"database_url": f"sqlite+aiosqlite:///{tmp_path / 'life.db'}", "transition_interval_seconds": 0.02}
    )
    assert isinstance(settings, Settings)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        runner = app.state.transitions
        assert runner.running
        for _ in range(300):
            if runner.runs >= 2:
                break
            await asyncio.sleep(0.01)
        assert runner.runs >= 2  # ran against the migrated, empty database without failing the loop
    assert not runner.running
