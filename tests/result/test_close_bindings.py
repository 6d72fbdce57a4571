"""The close's completeness bindings (R-REC-1, issue #16 items 2 and 6) as the database computes them.

* The close computes the entry set once and signs it in ``vote.closed``, ``vote.decided`` and
  ``vote.result_published``; that is right only because every entry the close appends is stamped with the close's
  ``now`` (so none of them is "created strictly before" another of them). The test holds the close to that and
  recomputes each binding from the stored entries with ``app.ledger.completeness`` alone.
* On PostgreSQL the entry set's hash is computed by SQL (``sha256(string_agg(…))``): the same bytes as
  ``app.ledger.completeness`` writes in Python, even for digests that JSON must escape; the counted set is built
  beside it in a thread, from commitments whose order depends on the collation.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import async_sessionmaker

from app.audit import service as audit_service
from app.audit.models import AuditEntry
from app.ballot.models import Ballot
from app.common.access import Role
from app.db.session import create_engine
from app.ledger import completeness, merkle
from app.ledger.events import Event, EventKind
from app.result import repository
from tests.factories import make_api_key
from tests.factories_vote import make_vote, yes_no_topic
from tests.result.helpers import cast_directly

T0 = datetime(2025, 3, 16, 16, 0, tzinfo=UTC)
BINDINGS = ("vote.closed", "vote.decided", "vote.result_published")


async def _entries(session, vote_id):
    statement = sa.select(AuditEntry).where(AuditEntry.vote_id == vote_id).execution_options(populate_existing=True)
    return list((await session.scalars(statement)).all())


async def _logged(session, ballot, fixture, minutes):
    """The ballot's ``ballot.cast`` entry, ``minutes`` after the vote's start."""
    entry = await audit_service.append(
        session,
        Event(EventKind.BALLOT_CAST, {"commitment": ballot.content_hash}),
        estate_id=fixture.vote.estate_id,
        vote_id=fixture.vote.id,
        at=fixture.vote.starts_at + timedelta(minutes=minutes),
    )
    ballot.audit_entry_id = entry.id


async def test_every_binding_of_the_close_is_the_entry_set_before_its_instant(backend, app, client, session):
    fixture = await make_vote(session, app.state.cipher, now=T0, topics=[yes_no_topic(), yes_no_topic("第二项")])
    first, second = fixture.topics
    for n, (group, answer) in enumerate((("A", "AGREE"), ("BC", "OPPOSE"), ("D", "AGREE"), ("H", "ABSTAIN"))):
        await _logged(
            session, await cast_directly(session, fixture, group, {first: answer, second: answer}), fixture, n
        )
    session.add(  # an entry of the vote that is not bound (an access record)
        AuditEntry(
            kind=str(EventKind.VOTE_EXPORTED), vote_id=fixture.vote.id, payload={}, payload_sha256="e" * 64,
            created_at=fixture.vote.starts_at,
        )
    )  # fmt: skip
    await session.commit()
    before = {entry.id for entry in await _entries(session, fixture.vote.id)}
    headers = await make_api_key(
        session, app.state.token_hasher, role=Role.COMMITTEE, estate_id=fixture.places.estate.id
    )
    now = fixture.vote.ends_at + timedelta(hours=1, microseconds=7)  # not the wall clock, not the end
    app.state.clock = lambda: now
    response = await client.post(f"/api/v1/votes/{fixture.vote.id}/close", headers=headers)
    assert response.status_code == 200, response.text

    entries = await _entries(session, fixture.vote.id)
    appended = [entry for entry in entries if entry.id not in before]
    assert sorted(entry.kind for entry in appended) == sorted([*BINDINGS, "notice.published"])
    # Every entry of the close that a binding could cover is stamped ``now``, never by the wall clock, so no
    # binding covers another's entry; the result notice's entry (wall clock, after the bindings) is not bound.
    assert {entry.created_at.astimezone(UTC) for entry in appended if entry.kind in completeness.BOUND_KINDS} == {now}
    assert "notice.published" not in completeness.BOUND_KINDS
    bound = [
        (str(entry.id), entry.payload_sha256)
        for entry in entries
        if entry.kind in completeness.BOUND_KINDS and entry.created_at.astimezone(UTC) < now
    ]
    assert len(bound) == len(before) - 1 >= 4  # the 4 ballots at least, not the access record
    expected = completeness.entry_set(bound).payload()
    for entry in appended:
        if entry.kind in BINDINGS:
            assert entry.payload["entries"] == expected, entry.kind
    commitments = (await session.scalars(sa.select(Ballot.content_hash).where(Ballot.vote_id == fixture.vote.id))).all()
    closed = next(entry for entry in appended if entry.kind == "vote.closed")
    assert closed.payload["counted"] == completeness.counted_set(list(commitments)).payload()


# Digests a JSON writer would escape, or that are no SHA-256 in lowercase hex: PostgreSQL refuses them all
# (ck_audit_entry_payload_sha256_hex), so its entry set can write every digest as it is.
ODD_DIGESTS = (
    "F" * 64,
    "0" * 63,
    "0" * 63 + "g",
    "0" * 63 + "\n",
    'quote"d' + "0" * 57,
    "back\\slash",
    "é中文😀",
    "\u2028\u2029",
    "",
)


def _entry(vote_id: uuid.UUID, digest: str, *, at: datetime, entry_id: uuid.UUID | None = None) -> AuditEntry:
    return AuditEntry(
        id=entry_id or uuid.uuid4(), kind=str(EventKind.BALLOT_CAST), vote_id=vote_id, payload={},
        payload_sha256=digest, created_at=at,
    )  # fmt: skip


async def test_the_entry_set_computed_by_the_database_is_the_ledgers(backend, session):
    vote_id = uuid.uuid4()
    instant = datetime(2025, 3, 20, tzinfo=UTC)
    # Ids whose order differs between a signed and an unsigned byte comparison, and between bytes and text.
    ids = [uuid.UUID(int=(first << 120) | n) for first in (0x00, 0x09, 0x0A, 0x7F, 0x80, 0xFF) for n in (1, 2)]
    ids += [uuid.uuid4() for _ in range(40)]
    kinds = [EventKind.BALLOT_CAST, EventKind.VOTE_PUBLISHED, EventKind.SUPERVISION_REVOCATION, EventKind.VOTE_EXPORTED]
    rows = []
    for n, entry_id in enumerate(ids):
        rows.append(
            AuditEntry(
                id=entry_id,
                kind=str(kinds[n % len(kinds)]),
                vote_id=vote_id,
                payload={},
                payload_sha256=hashlib.sha256(entry_id.bytes).hexdigest() if n % 7 else "0" * 64,
                created_at=instant + timedelta(seconds=n % 5 - 2),  # some at or after the binding's instant
            )
        )
    other_vote = _entry(uuid.uuid4(), "1" * 64, at=instant - timedelta(days=1))
    session.add_all([*rows, other_vote])
    await session.flush()

    expected_pairs = [
        (str(row.id), row.payload_sha256)
        for row in rows
        if row.kind in completeness.BOUND_KINDS and row.created_at < instant
    ]
    assert len(expected_pairs) > 10
    found = await repository.bound_entry_set(session, vote_id, instant)
    assert found == completeness.entry_set(expected_pairs)
    assert found.sha256 != completeness.entry_set(expected_pairs[1:]).sha256
    # The document's bytes themselves, as the ledger writes them, hashed by the database: not only the digests.
    document = (
        completeness.ENTRY_SET_HEAD
        + ",".join(f'["{entry_id}","{digest}"]' for entry_id, digest in sorted(expected_pairs))
        + completeness.ENTRY_SET_TAIL
    )
    assert found.sha256 == hashlib.sha256(document.encode("ascii")).hexdigest()
    assert await repository.bound_entry_set(session, uuid.uuid4(), instant) == completeness.entry_set([])


async def test_postgresql_refuses_a_payload_digest_that_is_not_64_lowercase_hex_digits(backend, session):
    instant = datetime(2025, 3, 20, tzinfo=UTC)
    for digest in ODD_DIGESTS:
        vote_id = uuid.uuid4()
        if backend.backend == "postgresql":
            with pytest.raises(sa.exc.IntegrityError, match="ck_audit_entry_payload_sha256_hex"):
                async with session.begin_nested():
                    session.add(_entry(vote_id, digest, at=instant - timedelta(seconds=1)))
        else:  # no such constraint: SQLite's entry set is the ledger's own, which escapes what JSON must
            entry = _entry(vote_id, digest, at=instant - timedelta(seconds=1))
            session.add(entry)
            await session.flush()
            found = await repository.bound_entry_set(session, vote_id, instant)
            assert found == completeness.entry_set([(str(entry.id), digest)])
    good = _entry(uuid.uuid4(), "0123456789abcdef" * 4, at=instant)
    session.add(good)
    await session.flush()  # the constraint admits a digest


async def test_the_close_bindings_side_by_side_are_the_ledgers(backend, app, session):
    fixture = await make_vote(session, app.state.cipher, now=T0, topics=[yes_no_topic()])
    (topic,) = fixture.topics
    groups = ("A", "BC", "D", "E", "F", "DEV", "H")  # 7 leaves: not a perfect tree
    ballots = [await cast_directly(session, fixture, group, {topic: "AGREE"}) for group in groups]
    void = await cast_directly(session, fixture, "B", {topic: "AGREE"}, status=repository.BallotStatus.VOID)
    # Upper and lower case: a locale collation would interleave them, code point order puts "B…" before "a…".
    commitments = ["a" * 64, "B" * 64, "b" * 64, "A" * 63 + "0", "0" * 64, "Z" + "9" * 63, "_" * 64]
    for ballot, commitment in zip(ballots, commitments, strict=True):
        ballot.content_hash = commitment
    void.content_hash = "1" * 64  # not counted
    await session.flush()

    before = fixture.vote.ends_at
    entry_set, counted = await repository.close_bindings(session, fixture.vote.id, before)
    assert counted == completeness.counted_set(commitments)
    assert counted != completeness.counted_set([*commitments, "1" * 64])
    assert entry_set == await repository.bound_entry_set(session, fixture.vote.id, before)
    # A commitment of another length: the database's joined commitments cannot be cut every 64 characters.
    for shorter in ("c" * 10, ""):
        ballots[0].content_hash = shorter
        await session.flush()
        _, counted = await repository.close_bindings(session, fixture.vote.id, before)
        assert counted == completeness.counted_set([shorter, *commitments[1:]])


async def _kept_leaves(session, vote_id):
    rows = await session.execute(sa.select(Ballot.content_hash, Ballot.leaf_hash).where(Ballot.vote_id == vote_id))
    return {content: None if leaf is None else bytes(leaf) for content, leaf in rows.all()}


async def test_the_kept_leaf_hash_is_the_ledgers_on_every_write_and_the_close_does_without_it(backend, app, session):
    """PostgreSQL keeps each ballot's counted-set leaf hash (``ballot.leaf_hash``, migration ``close_reads``) on every
    write of its commitment, by any path (the ORM here, raw SQL, COPY: one row trigger); a value written into the
    column is recomputed; a commitment that is not ASCII gets none. The close then reads the kept leaves, and a
    counted ballot without one sends it back to the commitments: the same counted set either way."""
    fixture = await make_vote(session, app.state.cipher, now=T0, topics=[yes_no_topic()])
    (topic,) = fixture.topics
    ballots = [await cast_directly(session, fixture, group, {topic: "AGREE"}) for group in ("A", "BC", "D", "E")]
    before = fixture.vote.ends_at
    if backend.backend != "postgresql":  # SQLite keeps none: its close hashes the commitments
        assert set((await _kept_leaves(session, fixture.vote.id)).values()) == {None}
        return
    kept = await _kept_leaves(session, fixture.vote.id)
    assert kept == {ballot.content_hash: merkle.leaf_hash(ballot.content_hash.encode("ascii")) for ballot in ballots}
    ballots[0].content_hash = "B" * 64  # a changed commitment: its leaf follows
    await session.flush()
    await session.execute(  # written directly, by no path of the application: recomputed all the same
        sa.text("UPDATE ballot SET leaf_hash = '\\x00'::bytea WHERE id = :id"), {"id": ballots[1].id}
    )
    kept = await _kept_leaves(session, fixture.vote.id)
    commitments = [ballot.content_hash for ballot in ballots]
    assert kept == {commitment: merkle.leaf_hash(commitment.encode("ascii")) for commitment in commitments}
    _, counted = await repository.close_bindings(session, fixture.vote.id, before)
    assert counted == completeness.counted_set(commitments)

    # A counted ballot without a kept leaf (the trigger off for this transaction): the commitments decide.
    await session.execute(sa.text("ALTER TABLE ballot DISABLE TRIGGER ballot_leaf_hash"))
    await session.execute(sa.text("UPDATE ballot SET leaf_hash = NULL WHERE id = :id"), {"id": ballots[2].id})
    _, counted = await repository.close_bindings(session, fixture.vote.id, before)
    assert counted == completeness.counted_set(commitments)
    await session.execute(sa.text("ALTER TABLE ballot ENABLE TRIGGER ballot_leaf_hash"))

    ballots[3].content_hash = "é" + "0" * 63  # no ASCII: no leaf, and no counted set (the ledger refuses it)
    await session.flush()
    assert (await _kept_leaves(session, fixture.vote.id))[ballots[3].content_hash] is None
    with pytest.raises(UnicodeEncodeError):
        await repository.close_bindings(session, fixture.vote.id, before)


# --- the leaves read on a second connection of the pool, beside the entry set (issue #21) -------------------------


async def _committed_vote(application):
    """A closable vote with counted ballots (commitments in both cases), a void one and bound entries, committed; the
    engine's connections closed after, so the close's connection carries no counts of the set-up's writes (PostgreSQL
    15 keeps a backend's table counts of earlier transactions until it reports them)."""
    async with application.state.sessionmaker() as session:
        fixture = await make_vote(session, application.state.cipher, now=T0, topics=[yes_no_topic()])
        (topic,) = fixture.topics
        for n, group in enumerate(("A", "BC", "D", "E", "F", "DEV")):  # 6 leaves, "H" left to cast
            ballot = await cast_directly(session, fixture, group, {topic: "AGREE"})
            ballot.content_hash = ballot.content_hash.upper() if n % 2 else ballot.content_hash
            await _logged(session, ballot, fixture, n)
        await cast_directly(session, fixture, "B", {topic: "AGREE"}, status=repository.BallotStatus.VOID)
        await session.commit()
    await application.state.engine.dispose()
    return fixture


async def _expected(session, vote_id, before):
    counted = (
        await session.scalars(
            sa.select(Ballot.content_hash).where(Ballot.vote_id == vote_id, Ballot.status == "COUNTED")
        )
    ).all()
    entries = completeness.entry_set(await repository.bound_entries(session, vote_id, before))
    return entries, completeness.counted_set(list(counted))


@pytest.fixture
def aside_calls(monkeypatch):
    """Every use of a second connection for the leaves (``repository._counted_set_aside``)."""
    calls = []
    original = repository._counted_set_aside

    async def spy(pooled, vote_id):
        calls.append(vote_id)
        return await original(pooled, vote_id)

    monkeypatch.setattr(repository, "_counted_set_aside", spy)
    return calls


async def test_the_leaves_read_on_a_second_connection_give_the_same_bindings(
    backend, race_app, aside_calls, monkeypatch
):
    fixture = await _committed_vote(race_app)
    before = fixture.vote.ends_at
    pool = race_app.state.engine.sync_engine.pool
    async with race_app.state.sessionmaker() as session:
        aside = await repository.close_bindings(session, fixture.vote.id, before)
        expected = await _expected(session, fixture.vote.id, before)
        assert aside == expected
        assert expected[0] == await repository.bound_entry_set(session, fixture.vote.id, before)
        # The second connection is back in the pool, idle, out of any transaction; the close's own is still lent.
        assert aside_calls == ([fixture.vote.id] if backend.backend == "postgresql" else [])
        if backend.backend == "postgresql":
            assert pool.checkedout() == 1
        monkeypatch.setattr(repository, "_aside_connection", _no_connection)
        sequential = await repository.close_bindings(session, fixture.vote.id, before)
        assert sequential == aside
        assert len(aside_calls) <= 1


async def _no_connection(session):
    return None


async def test_a_close_that_wrote_a_ballot_reads_the_leaves_on_its_own_connection(backend, race_app, aside_calls):
    fixture = await _committed_vote(race_app)
    (topic,) = fixture.topics
    before = fixture.vote.ends_at
    async with race_app.state.sessionmaker() as session:
        _, committed = await _expected(session, fixture.vote.id, before)
        await cast_directly(session, fixture, "H", {topic: "OPPOSE"})  # uncommitted: another connection misses it
        found = await repository.close_bindings(session, fixture.vote.id, before)
        assert found == await _expected(session, fixture.vote.id, before)
        assert found[1].count == committed.count + 1
        assert aside_calls == []
        await session.rollback()
    async with race_app.state.sessionmaker() as session:  # an update alone, in a savepoint, counts as a write too
        some = (await session.scalars(sa.select(Ballot.id).where(Ballot.vote_id == fixture.vote.id))).first()
        async with session.begin_nested():
            await session.execute(sa.update(Ballot).where(Ballot.id == some).values(content_hash="f" * 64))
        found = await repository.close_bindings(session, fixture.vote.id, before)
        assert found == await _expected(session, fixture.vote.id, before)
        assert found[1] != committed
        assert aside_calls == []
        await session.rollback()


async def test_without_a_connection_to_lend_at_once_the_close_reads_the_leaves_itself(
    backend, race_app, aside_calls, monkeypatch
):
    if backend.backend != "postgresql":
        pytest.skip("SQLite's close reads on its own connection")
    fixture = await _committed_vote(race_app)
    before = fixture.vote.ends_at
    settings = race_app.state.settings.model_copy(update={"db_pool_size": 1})
    engine = create_engine(settings)  # one connection, the close's: none to lend, and nobody waits for it
    try:
        async with async_sessionmaker(engine)() as session:
            started = time.monotonic()
            found = await repository.close_bindings(session, fixture.vote.id, before)
            assert time.monotonic() - started < settings.db_pool_timeout_seconds
            assert found == await _expected(session, fixture.vote.id, before)
            assert aside_calls == []
    finally:
        await engine.dispose()

    refused = []

    def refuse(self):
        refused.append(self)
        raise sa.exc.OperationalError("connect", {}, OSError("refused"))

    pool = race_app.state.engine.sync_engine.pool
    async with race_app.state.sessionmaker() as session:
        await session.connection()  # the close's own; then opening a second one fails: no error, the close reads it
        with monkeypatch.context() as patch:
            patch.setattr(type(pool), "connect", refuse)
            found = await repository.close_bindings(session, fixture.vote.id, before)
        assert refused == [pool]
        assert found == await _expected(session, fixture.vote.id, before)
    assert aside_calls == []
    assert pool.checkedout() == 0


async def _active_queries(engine, marker):
    async with engine.connect() as connection:
        statement = sa.text("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE :marker")
        return await connection.scalar(statement, {"marker": f"%{marker}%"})


async def test_an_error_or_a_cancellation_puts_the_second_connection_back(backend, race_app, aside_calls, monkeypatch):
    if backend.backend != "postgresql":
        pytest.skip("SQLite's close reads on its own connection")
    fixture = await _committed_vote(race_app)
    before = fixture.vote.ends_at
    engine = race_app.state.engine
    pool = engine.sync_engine.pool
    # The leaves' read fails on the second connection: raised once the entry set has finished, the connection back.
    monkeypatch.setattr(repository, "_COUNTED_LEAVES_POSTGRESQL", "SELECT 1 / 0, $1::uuid")
    async with race_app.state.sessionmaker() as session:
        with pytest.raises(asyncpg.DivisionByZeroError):
            await repository.close_bindings(session, fixture.vote.id, before)
        assert aside_calls == [fixture.vote.id]
        assert pool.checkedout() == 1  # the close's own
        assert await repository.bound_entry_set(session, fixture.vote.id, before)  # its connection not left busy
    assert pool.checkedout() == 0

    # Cancelled while the second connection's read runs: the query is cancelled on the server, the connection back.
    marker = "close2_leaves_sleep"
    monkeypatch.setattr(
        repository, "_COUNTED_LEAVES_POSTGRESQL", f"SELECT 0, 0, ''::bytea, $1::uuid /* {marker} */ FROM pg_sleep(30)"
    )
    async with race_app.state.sessionmaker() as session:
        task = asyncio.create_task(repository.close_bindings(session, fixture.vote.id, before))
        for _ in range(100):
            await asyncio.sleep(0.05)
            if await _active_queries(engine, marker):
                break
        assert await _active_queries(engine, marker) == 1
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        with contextlib.suppress(Exception):
            await session.rollback()
    assert pool.checkedout() == 0
    for _ in range(100):
        if not await _active_queries(engine, marker):
            break
        await asyncio.sleep(0.05)
    assert await _active_queries(engine, marker) == 0
