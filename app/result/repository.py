"""SQL for closing, tallying and reading a vote's results: queries only, no rules."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.util import greenlet_spawn

from app.audit.models import AuditEntry
from app.ballot import repository as ballot_repository
from app.ballot.models import PARTICIPATION_TOPIC, Ballot, BallotMark, BallotStatus, TallySum
from app.db.pool import FairAsyncQueuePool
from app.ledger import completeness
from app.ledger.completeness import BOUND_KINDS
from app.ledger.merkle import HASH_SIZE
from app.register.models import Building, Unit
from app.result.models import TopicResult
from app.rules.choices import Choice
from app.rules.counts import Weight
from app.vote.models import RollGroup, Topic, Vote
from app.vote.spec import marks_for


async def get_vote(session: AsyncSession, vote_id: uuid.UUID) -> Vote | None:
    return await session.get(Vote, vote_id)


async def topics_of(session: AsyncSession, vote_id: uuid.UUID) -> Sequence[Topic]:
    return (await session.scalars(sa.select(Topic).where(Topic.vote_id == vote_id).order_by(Topic.position))).all()


def _counted_marks(vote_id: uuid.UUID) -> sa.Subquery:
    return (
        sa.select(BallotMark.ballot_id, BallotMark.topic_id, BallotMark.item, BallotMark.answer, BallotMark.area)
        .join(Ballot, Ballot.id == BallotMark.ballot_id)
        .where(BallotMark.vote_id == vote_id, Ballot.vote_id == vote_id, Ballot.status == BallotStatus.COUNTED)
        .subquery("counted_marks")
    )


def _area_sum(column: sa.ColumnElement[int] | QueryableAttribute[int]) -> sa.ColumnElement[int]:
    # PostgreSQL widens sum(bigint) to numeric; cast back so the result is an exact int on both dialects.
    return sa.cast(sa.func.coalesce(sa.func.sum(column), 0), sa.BigInteger)


def mark_sums_statement(
    vote_id: uuid.UUID, skip_topics: Collection[uuid.UUID] = ()
) -> sa.Select[uuid.UUID, str, str, int, int]:
    """Every topic of the vote (but ``skip_topics``) in one round trip: ``(topic_id, item, answer, heads, area)``
    rows, heads and area per (topic, item, answer) over the counted ballots' marks, the sibling of
    ``app.result.tally_sql.answer_sums_statement`` with the item (option of a consultation, candidate of an
    election) kept apart."""
    marks = _counted_marks(vote_id)
    statement = sa.select(
        marks.c.topic_id, marks.c.item, marks.c.answer, sa.func.count().label("heads"), _area_sum(marks.c.area)
    ).group_by(marks.c.topic_id, marks.c.item, marks.c.answer)
    return statement.where(marks.c.topic_id.not_in(list(skip_topics))) if skip_topics else statement


@dataclass(frozen=True, slots=True)
class MarkSums:
    answers: dict[uuid.UUID, dict[tuple[str, str], Weight]]
    participation: Weight
    """The counted ballots and their groups' frozen areas: every counted ballot answers every topic (R-TALLY-1,
    a spoiled answer included), so this is each topic's participation (R-TALLY-2, R-ELEC-4), one head and the
    group's area per ballot (R-HEAD-7). Each topic's own marks must add up to it (``TallyInconsistent``)."""


async def mark_sums(
    session: AsyncSession,
    vote_id: uuid.UUID,
    participating: Weight | None = None,
    *,
    skip_topics: Collection[uuid.UUID] = (),
) -> MarkSums:
    """The answer sums (none for ``skip_topics``: those counted ballot by ballot), with ``participating``
    as the participation if the caller counted it already."""
    sums = MarkSums({}, participating if participating is not None else await participation(session, vote_id))
    for topic_id, item, answer, heads, area in await session.execute(mark_sums_statement(vote_id, skip_topics)):
        sums.answers.setdefault(uuid.UUID(str(topic_id)), {})[(str(item), str(answer))] = Weight(int(heads), int(area))
    return sums


@dataclass(frozen=True, slots=True)
class KeptSums:
    """The counted ballots' sums kept at cast time (``app.ballot.models.TallySum``): per topic, each distinct
    answer as cast with the weight of the ballots that gave it, and the participation."""

    answers: dict[uuid.UUID, list[tuple[object, Weight]]]
    participation: Weight

    def mark_sums(self, topics: Sequence[Topic]) -> MarkSums:
        """The marks' sums, as ``mark_sums`` adds them from the stored marks: each distinct answer's marks are made
        by ``app.vote.spec`` as at cast time (a spoiled paper answer: ``("", SPOILED)``) and weighted."""
        sums = MarkSums({}, self.participation)
        for topic in topics:
            topic_sums = sums.answers.setdefault(topic.id, {})
            for given, weight in self.answers.get(topic.id, []):
                for pair in _mark_pairs(topic, given):
                    topic_sums[pair] = topic_sums.get(pair, Weight(0, 0)) + weight
        return sums

    def ballots(self, topic: Topic) -> list[tuple[list[tuple[str, str]], Weight]]:
        """``topic_ballots`` from the sums: one weighted ballot per distinct answer."""
        return [(_mark_pairs(topic, given), weight) for given, weight in self.answers.get(topic.id, [])]


_KEPT_SUMS = (
    sa.select(TallySum.topic_id, TallySum.answer, sa.func.sum(TallySum.heads), _area_sum(TallySum.area))
    .where(TallySum.vote_id == sa.bindparam("vote_id"))
    .group_by(TallySum.topic_id, TallySum.answer)
    .having(sa.or_(sa.func.sum(TallySum.heads) != 0, sa.func.sum(TallySum.area) != 0))
)


async def kept_sums(session: AsyncSession, vote_id: uuid.UUID) -> KeptSums | None:
    """The sums the database kept while the vote ran (PostgreSQL: the ``tally_sum`` triggers); None on SQLite,
    which keeps none and recounts the marks. A few hundred rows, whatever the number of ballots."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    answers: dict[uuid.UUID, list[tuple[object, Weight]]] = {}
    participation = Weight(0, 0)
    for topic_id, answer, heads, area in await session.execute(_KEPT_SUMS, {"vote_id": vote_id}):
        weight = Weight(int(heads), int(area))
        if topic_id == PARTICIPATION_TOPIC:
            participation = weight
        else:
            answers.setdefault(topic_id, []).append((json.loads(answer), weight))
    return KeptSums(answers, participation)


async def topic_ballots(
    session: AsyncSession, vote_id: uuid.UUID, topic: Topic
) -> list[tuple[list[tuple[str, str]], Weight]]:
    """One topic's counted ballots as ``(marks, weight)``, for a kind whose law core counts ballot by ballot
    (``app.rules.kinds.base.Aggregate.BALLOTS``: an election).

    ``marks`` are the ``(item, answer)`` pairs ``app.vote.spec`` makes of the answer at cast time (a spoiled
    paper ballot: ``("", SPOILED)``). Such a law core adds ballot weights and validates each ballot's choices
    alone, so it reaches the same result from one weighted ballot per distinct answer as from every ballot: on
    PostgreSQL the database groups the ballots by their exact answer (one row per ballot instead of one per
    ballot and item), ``weight`` being how many gave it and their groups' frozen areas. Elsewhere each ballot's
    stored marks are read, one row per ballot and item.
    """
    if session.get_bind().dialect.name != "postgresql":
        return _ballots_of_marks(await _topic_marks(session, vote_id, topic.id))
    answer = sa.cast(Ballot.answers[str(topic.id)], JSONB)
    statement = (
        sa.select(answer, sa.func.count(), _area_sum(RollGroup.area))
        .select_from(Ballot)
        .join(RollGroup, sa.and_(RollGroup.vote_id == Ballot.vote_id, RollGroup.group_id == Ballot.group_id))
        .where(Ballot.vote_id == vote_id, Ballot.status == BallotStatus.COUNTED)
        .group_by(answer)
    )
    return [
        (_mark_pairs(topic, given), Weight(int(ballots), int(area)))
        for given, ballots, area in await session.execute(statement)
    ]


async def _topic_marks(
    session: AsyncSession, vote_id: uuid.UUID, topic_id: uuid.UUID
) -> Sequence[sa.Row[uuid.UUID, str, str, int]]:
    statement = (
        sa.select(BallotMark.ballot_id, BallotMark.item, BallotMark.answer, BallotMark.area)
        .join(Ballot, Ballot.id == BallotMark.ballot_id)
        .where(
            BallotMark.vote_id == vote_id,
            BallotMark.topic_id == topic_id,
            Ballot.status == BallotStatus.COUNTED,
        )
        .order_by(BallotMark.ballot_id, BallotMark.item)
    )
    return (await session.execute(statement)).all()


def _ballots_of_marks(rows: Sequence[sa.Row[uuid.UUID, str, str, int]]) -> list[tuple[list[tuple[str, str]], Weight]]:
    """Rows ``(ballot_id, item, answer, area)`` sorted by ballot, as one ``(marks, Weight(1, area))`` per ballot."""
    ballots: dict[uuid.UUID, tuple[list[tuple[str, str]], Weight]] = {}
    for ballot_id, item, answer, area in rows:
        ballots.setdefault(ballot_id, ([], Weight(1, int(area))))[0].append((str(item), str(answer)))
    return list(ballots.values())


def _mark_pairs(topic: Topic, answer: object) -> list[tuple[str, str]]:
    if answer == Choice.SPOILED.value:  # R-TALLY-6, R-ELEC-3: a spoiled paper ballot agrees with nobody
        return [("", Choice.SPOILED.value)]
    return [(mark.item, mark.answer) for mark in marks_for(topic, answer)]


async def participation(session: AsyncSession, vote_id: uuid.UUID) -> Weight:
    """Counted ballots of the vote and their groups' frozen areas (R-LIFE-7: participation only)."""
    statement = (
        sa.select(sa.func.count(Ballot.id), _area_sum(RollGroup.area))
        .select_from(Ballot)
        .join(RollGroup, sa.and_(RollGroup.vote_id == Ballot.vote_id, RollGroup.group_id == Ballot.group_id))
        .where(Ballot.vote_id == vote_id, Ballot.status == BallotStatus.COUNTED)
    )
    heads, area = (await session.execute(statement)).one()
    return Weight(int(heads), int(area))


async def bound_entries(session: AsyncSession, vote_id: uuid.UUID, before: datetime) -> list[tuple[str, str]]:
    """``(entry id, payload_sha256)`` of the vote's bound entries created before ``before``
    (``app.ledger.completeness.entry_set``; PostgreSQL computes the binding itself, ``bound_entry_set``)."""
    statement = sa.select(AuditEntry.id, AuditEntry.payload_sha256).where(
        AuditEntry.vote_id == vote_id,
        AuditEntry.kind.in_(sorted(BOUND_KINDS)),
        AuditEntry.created_at < before,
    )
    return [(str(entry_id), digest) for entry_id, digest in (await session.execute(statement)).all()]


# The entry set's document written by PostgreSQL (``completeness.entry_set``): the pairs in entry id order (the
# uuid type orders by its 16 bytes, which is the order of the lowercase canonical text, as Python sorts the ids),
# each id and digest written between quotes as they are: canonical JSON escapes neither a uuid's text nor a digest,
# which ck_audit_entry_payload_sha256_hex holds to 64 lowercase hex digits. The pairs' brackets and quotes are in
# the separator (fewer concatenations per row), the head and tail joined to them before they meet the ~8 MB of
# pairs (each || copies its operands); the whole is hashed by the built-in sha256(). The aggregate's own
# ORDER BY is what guarantees the order; the subquery's lets the planner read ix_audit_entry_vote_entries in that
# order (the vote's entries, narrow, without their payloads), so the aggregate's sort finds its input sorted.
# tests/result/test_close_bindings.py checks it against ``completeness.entry_set``.
_ENTRY_SET_POSTGRESQL = """
SELECT count(*), encode(sha256(convert_to(coalesce(
    ($4::text || '["')
    || string_agg(id::text || '","' || payload_sha256, '"],["' ORDER BY id)
    || ('"]' || $5::text),
    $4::text || $5::text), 'UTF8')), 'hex')
FROM (
    SELECT id, payload_sha256 FROM audit_entry
    WHERE vote_id = $1 AND kind = ANY($2::text[]) AND created_at < $3
    ORDER BY id
) AS bound
"""


# The aggregate sorts the ~100,000 rows of a large vote (~15 MB) itself; with the default 4 MB of work_mem that sort
# spills to disk. Set for the rest of the close's transaction only.
_ENTRY_SET_WORK_MEM = "SET LOCAL work_mem = '32MB'"


def _entry_set_arguments(vote_id: uuid.UUID, before: datetime) -> tuple[Any, ...]:
    kinds = [str(kind) for kind in sorted(BOUND_KINDS)]
    return (vote_id, kinds, before, completeness.ENTRY_SET_HEAD, completeness.ENTRY_SET_TAIL)


async def bound_entry_set(session: AsyncSession, vote_id: uuid.UUID, before: datetime) -> completeness.EntrySet:
    """The binding of the vote's bound entries created before ``before`` (``app.ledger.completeness.entry_set``):
    on PostgreSQL computed by the database in one row (a large vote binds ~100,000 entries), elsewhere in Python
    over ``bound_entries``."""
    if session.get_bind().dialect.name != "postgresql":
        return completeness.entry_set(await bound_entries(session, vote_id, before))
    driver = (await (await session.connection()).get_raw_connection()).driver_connection
    await driver.execute(_ENTRY_SET_WORK_MEM)  # type: ignore[union-attr]
    count, digest = await driver.fetchrow(_ENTRY_SET_POSTGRESQL, *_entry_set_arguments(vote_id, before))  # type: ignore[union-attr]
    return completeness.EntrySet(int(count), str(digest))


# The counted ballots' leaf hashes (``ballot.leaf_hash``, kept by the database at every write of the commitment) as
# ONE value in the counted set's leaf order, their commitments' code point order (collation "C", as Python sorts
# str), read from ix_ballot_counted_leaves in that order (the aggregate's ORDER BY guarantees it, the subquery's
# lets the index provide it): the close hashes only the tree's interior nodes. ``kept`` counts the leaves kept; a
# ballot without one (a commitment that is not ASCII) sends the close to the commitments themselves.
_COUNTED_LEAVES_POSTGRESQL = """
SELECT count(*), count(leaf_hash), coalesce(string_agg(leaf_hash, ''::bytea ORDER BY content_hash COLLATE "C"), '')
FROM (
    SELECT content_hash, leaf_hash FROM ballot WHERE vote_id = $1 AND status = 'COUNTED'
    ORDER BY content_hash COLLATE "C"
) AS counted
"""
# The counted ballots' commitments (``app.ballot.repository.counted_commitments``) as ONE string, their count
# beside it: not ~100,000 row records, which the cyclic garbage collector would traverse with the whole application
# heap several times while they arrive (that tripled the read's CPU), nor a text[] (building and decoding the array
# costs the server half as much again as the string). A commitment is 64 hex digits and the column holds at most 64
# characters, so the string is ``count`` × 64 characters exactly when every commitment has 64: it is then cut
# every 64 characters; otherwise the commitments are read as an array (``_COUNTED_ARRAY_POSTGRESQL``).
_COUNTED_JOINED_POSTGRESQL = """
SELECT count(*), coalesce(string_agg(content_hash, ''), '') FROM ballot WHERE vote_id = $1 AND status = 'COUNTED'
"""
_COUNTED_ARRAY_POSTGRESQL = """
SELECT coalesce(array_agg(content_hash), '{}') FROM ballot WHERE vote_id = $1 AND status = 'COUNTED'
"""
_COMMITMENT_SIZE = 64


async def _counted_commitments(driver: Any, vote_id: uuid.UUID) -> list[str]:
    count, joined = await driver.fetchrow(_COUNTED_JOINED_POSTGRESQL, vote_id)
    if len(joined) != count * _COMMITMENT_SIZE:
        return list(await driver.fetchval(_COUNTED_ARRAY_POSTGRESQL, vote_id))
    return [joined[start : start + _COMMITMENT_SIZE] for start in range(0, len(joined), _COMMITMENT_SIZE)]


async def _counted_set(driver: Any, vote_id: uuid.UUID) -> Callable[[], completeness.CountedSet]:
    """How to build the counted set from what was just read: from the kept leaf hashes when every counted ballot
    has one, else from the commitments (``completeness.counted_set``)."""
    count, kept, leaves = await driver.fetchrow(_COUNTED_LEAVES_POSTGRESQL, vote_id)
    if kept == count and len(leaves) == count * HASH_SIZE:
        return partial(completeness.counted_set_of_leaves, bytes(leaves))
    return partial(completeness.counted_set, await _counted_commitments(driver, vote_id))


# The entry set's work_mem (``_ENTRY_SET_WORK_MEM``, as ``SET LOCAL``) and whether this transaction may have
# inserted, updated or deleted a ballot row, in one round trip: another connection does not see such writes. The
# backend's counts of its actions on the table include this transaction's (its subtransactions' too, rolled back or
# not) and, on PostgreSQL 15, earlier transactions' not yet reported (up to ~10 s idle): never 0 after a write here,
# sometimes more than 0 without one (the close then reads the leaves itself, as safe, only slower).
_CLOSE_START_POSTGRESQL = """
SELECT set_config('work_mem', '32MB', true),
    pg_stat_get_xact_tuples_inserted('ballot'::regclass) + pg_stat_get_xact_tuples_updated('ballot'::regclass)
    + pg_stat_get_xact_tuples_deleted('ballot'::regclass)
"""
# The leaves' read on a connection of its own: its aggregate sorts as the entry set's does (``_ENTRY_SET_WORK_MEM``).
_SIDE_BEGIN_POSTGRESQL = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL work_mem = '32MB'"


# How long the close waits for the pool to open a connection for the leaves' read before reading them itself.
_ASIDE_CONNECT_SECONDS = 0.5


async def _aside_connection(session: AsyncSession) -> PoolProxiedConnection | None:
    """A connection of the session's engine's pool for the leaves' read, or None: another kind of pool, none to
    lend without waiting for another request to put one back, not opened within ``_ASIDE_CONNECT_SECONDS``, or any
    error getting one."""
    bind = session.get_bind()
    pool = bind.pool if isinstance(bind, sa.Engine) else None
    if not isinstance(pool, FairAsyncQueuePool) or not pool.lends_at_once():
        return None
    try:
        pooled = pool.connect_nowait()  # an idle one, without a greenlet
        if pooled is not None:
            return pooled
        async with asyncio.timeout(_ASIDE_CONNECT_SECONDS):
            return await greenlet_spawn(pool.connect)  # opened (or pinged): no waiting for another request
    except Exception:
        return None


async def _counted_set_aside(pooled: PoolProxiedConnection, vote_id: uuid.UUID) -> completeness.CountedSet:
    """The counted set read on ``pooled`` (its own read-only transaction) and built in a worker thread; ``pooled``
    goes back to its pool whatever happens, closed if it may still be busy or in a transaction."""
    driver = pooled.driver_connection
    broken = True
    try:
        await driver.execute(_SIDE_BEGIN_POSTGRESQL)  # type: ignore[union-attr]
        try:
            build = await _counted_set(driver, vote_id)
        except Exception:
            await driver.execute("ROLLBACK")  # type: ignore[union-attr]
            raise
        await driver.execute("ROLLBACK")  # type: ignore[union-attr]
        broken = False
    except Exception:
        broken = bool(driver.is_closed() or driver.is_in_transaction())  # type: ignore[union-attr]
        raise
    finally:
        # Cancelled mid-statement (asyncpg cancels it on the server), or its transaction not ended: closed, never
        # lent again. Back before the tree is built: the pool has it again sooner.
        await greenlet_spawn(_release, pooled, broken)
    return await asyncio.to_thread(build)


def _release(pooled: PoolProxiedConnection, broken: bool) -> None:
    if broken:
        pooled.invalidate()
    pooled.close()


async def close_bindings(
    session: AsyncSession, vote_id: uuid.UUID, before: datetime
) -> tuple[completeness.EntrySet, completeness.CountedSet]:
    """What the close binds (R-REC-1): the vote's entry set before ``before`` (``bound_entry_set``) and its counted
    ballots' commitments (``app.ledger.completeness.counted_set``).

    On PostgreSQL the two run side by side on the two cores a close has. The database computes the entry set on
    the close's connection while another connection of the pool reads the counted ballots' leaf hashes and a
    worker thread then builds the counted set's Merkle tree (~100,000 leaves) from them. Both read committed data
    that the locked vote no longer changes (every cast has committed: the close holds the vote's casting lock), and
    the close has written nothing bound yet; the other connection sees none of this transaction's writes, so it is
    used only when this transaction has written no ballot, and when the pool has one idle at once. Otherwise the
    leaves are read on the close's connection first and the tree is built beside the entry set."""
    if session.get_bind().dialect.name != "postgresql":
        return await bound_entry_set(session, vote_id, before), completeness.counted_set(
            await ballot_repository.counted_commitments(session, vote_id)
        )
    driver = (await (await session.connection()).get_raw_connection()).driver_connection
    _, ballots_written = await driver.fetchrow(_CLOSE_START_POSTGRESQL)  # type: ignore[union-attr]
    aside = await _aside_connection(session) if ballots_written == 0 else None
    counted_work: Awaitable[completeness.CountedSet]
    if aside is not None:
        counted_work = _counted_set_aside(aside, vote_id)
    else:
        counted_work = asyncio.to_thread(await _counted_set(driver, vote_id))
    # Both finish before either's error is raised: a query left running would leave a connection busy.
    entry_row, counted = await asyncio.gather(
        driver.fetchrow(_ENTRY_SET_POSTGRESQL, *_entry_set_arguments(vote_id, before)),  # type: ignore[union-attr]
        counted_work,
        return_exceptions=True,
    )
    if isinstance(entry_row, BaseException):
        raise entry_row
    if isinstance(counted, BaseException):
        raise counted
    count, digest = entry_row
    return completeness.EntrySet(int(count), str(digest)), counted


async def results_of(session: AsyncSession, vote_id: uuid.UUID) -> Sequence[TopicResult]:
    return (await session.scalars(sa.select(TopicResult).where(TopicResult.vote_id == vote_id))).all()


async def participating_groups(session: AsyncSession, vote_id: uuid.UUID) -> Sequence[RollGroup]:
    statement = (
        sa.select(RollGroup)
        .join(Ballot, sa.and_(Ballot.vote_id == RollGroup.vote_id, Ballot.group_id == RollGroup.group_id))
        .where(RollGroup.vote_id == vote_id, Ballot.status == BallotStatus.COUNTED)
    )
    return (await session.scalars(statement)).all()


async def groups_by_id(session: AsyncSession, vote_id: uuid.UUID, group_ids: Iterable[str]) -> dict[str, RollGroup]:
    ids = sorted(set(group_ids))
    if not ids:
        return {}
    statement = sa.select(RollGroup).where(RollGroup.vote_id == vote_id, RollGroup.group_id.in_(ids))
    return {group.group_id: group for group in (await session.scalars(statement)).all()}


@dataclass(frozen=True, slots=True)
class UnitPlace:
    """Where a unit is and its voting area: what R-PUB-1 publishes, and nothing about its owners."""

    unit_key: str
    building: str
    entrance: str | None
    room: str
    area: int


async def unit_places(session: AsyncSession, version_id: uuid.UUID, unit_keys: Iterable[str]) -> list[UnitPlace]:
    """Building, entrance, room and area of the given units of a register version, in unit-key order."""
    wanted = set(unit_keys)
    if not wanted:
        return []
    statement = (
        sa.select(Unit.unit_key, Building.name, Unit.entrance, Unit.room, Unit.area)
        .join(Building, Building.id == Unit.building_id)
        .where(Unit.register_version_id == version_id)
        .order_by(Unit.unit_key)
    )
    if len(wanted) <= 500:
        statement = statement.where(Unit.unit_key.in_(sorted(wanted)))
    rows = (await session.execute(statement)).all()
    return [
        UnitPlace(key, building, entrance, room, int(area))
        for key, building, entrance, room, area in rows
        if key in wanted
    ]


async def ballots_of_groups(session: AsyncSession, vote_id: uuid.UUID, group_ids: Iterable[str]) -> Sequence[Ballot]:
    ids = sorted(set(group_ids))
    if not ids:
        return []
    statement = (
        sa.select(Ballot).where(Ballot.vote_id == vote_id, Ballot.group_id.in_(ids)).order_by(Ballot.cast_at, Ballot.id)
    )
    return (await session.scalars(statement)).all()


def ballots_statement(vote_id: uuid.UUID) -> sa.Select[Ballot]:
    return sa.select(Ballot).where(Ballot.vote_id == vote_id)
