"""The integrator (STYLE.md §8.4.4): contiguous leaf indexes, the Merkle root of the stored leaves, signed
checkpoints that verify with the published key, proofs for every entry, and one tree however many run."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from app.audit import integrator as integrator_module
from app.audit.integrator import IntegratorRunner, integrate, integrate_and_sign, integrate_once
from app.audit.keys import LogKeys
from app.audit.models import AuditEntry, LogCheckpoint, LogLeaf, LogState
from app.audit.repository import document_of
from app.db.base import utcnow
from app.db.session import unit_of_work
from app.ledger import merkle
from app.ledger.entries import entry_leaf_hash
from app.ledger.errors import NoteUnverified
from app.ledger.events import Event, EventKind
from app.ledger.note import Checkpoint, open_note, parse_verifier_key
from tests.audit.conftest import ORIGIN, append, stored_checkpoints, stored_leaves

NOW = utcnow()


async def test_an_empty_log_gets_a_size_zero_checkpoint_and_nothing_new_signs_nothing(sessionmaker, session, log_keys):
    checkpoint = await integrate_once(sessionmaker, NOW, keys=log_keys)
    assert checkpoint == Checkpoint(ORIGIN, 0, merkle.EMPTY_ROOT)
    assert await integrate_once(sessionmaker, NOW, keys=log_keys) is None
    assert [c.size for c in await stored_checkpoints(session)] == [0]


async def test_integration_assigns_contiguous_indexes_and_signs_the_merkle_root(sessionmaker, session, log_keys):
    entries = await append(session, 5)
    checkpoint = await integrate_once(sessionmaker, NOW, keys=log_keys)
    assert checkpoint is not None
    assert checkpoint.size == 5
    for entry in entries:
        await session.refresh(entry)
    assert sorted(entry.leaf_index for entry in entries) == [0, 1, 2, 3, 4]
    # Oldest first by (created_at, id).
    ordered = sorted(entries, key=lambda e: (e.created_at, e.id))
    assert [entry.leaf_index for entry in ordered] == [0, 1, 2, 3, 4]
    leaves = await stored_leaves(session)
    assert leaves == [entry_leaf_hash(document_of(entry)) for entry in ordered]
    assert checkpoint.root_hash == merkle.root(leaves)
    state = await session.get(LogState, 1)
    assert (state.size, state.root_hash) == (5, merkle.root(leaves))
    stored = await session.get(LogCheckpoint, 5)
    # The note verifies with the published verifier key string alone.
    opened = open_note(stored.note_text, [parse_verifier_key(log_keys.current.key_string)])
    assert Checkpoint.parse(opened.text) == checkpoint
    assert stored.root_hash == checkpoint.root_hash


async def test_batches_extend_one_tree_with_consistent_checkpoints_and_proofs_for_every_entry(
    sessionmaker, session, log_keys
):
    await append(session, 3)
    first = await integrate_once(sessionmaker, NOW, keys=log_keys)
    await append(session, 6)
    for expected in (5, 7, 9):  # batches of two, the last one short
        step = await integrate_once(sessionmaker, NOW, keys=log_keys, batch_size=2)
        assert step is not None
        assert step.size == expected
    assert await integrate_once(sessionmaker, NOW, keys=log_keys, batch_size=2) is None
    leaves = await stored_leaves(session)
    assert len(leaves) == 9
    checkpoints = await stored_checkpoints(session)
    assert [c.size for c in checkpoints] == [3, 5, 7, 9]
    for older in checkpoints:
        assert older.root_hash == merkle.root(leaves[: older.size])
        for newer in checkpoints:
            if older.size <= newer.size:
                proof = merkle.consistency_proof(older.size, leaves[: newer.size])
                assert merkle.verify_consistency(older.size, newer.size, older.root_hash, newer.root_hash, proof)
    assert first.root_hash == checkpoints[0].root_hash
    latest = checkpoints[-1]
    entries = (await session.scalars(select(AuditEntry).order_by(AuditEntry.leaf_index))).all()
    for entry in entries:
        leaf = entry_leaf_hash(document_of(entry))
        proof = merkle.inclusion_proof(entry.leaf_index, leaves)
        assert merkle.verify_inclusion(entry.leaf_index, latest.size, leaf, proof, latest.root_hash)


async def test_integrate_and_sign_returns_a_checkpoint_covering_everything(sessionmaker, session, log_keys):
    await append(session, 2)
    checkpoint = await integrate_and_sign(sessionmaker, NOW, keys=log_keys)
    assert checkpoint.size == 2
    # Asked again with nothing new: the same checkpoint, no new row.
    assert await integrate_and_sign(sessionmaker, NOW, keys=log_keys) == checkpoint
    # Inside a caller's transaction, its own uncommitted entries are integrated too.
    async with sessionmaker() as caller, caller.begin():
        await append_uncommitted(caller, 3)
        inside = await integrate_and_sign(caller, NOW, keys=log_keys)
    assert inside.size == 5
    assert [c.size for c in await stored_checkpoints(session)] == [2, 5]


async def append_uncommitted(session, count):
    from app.audit import service as audit_service

    for number in range(count):
        await audit_service.append(session, Event(EventKind.BALLOTS_VIEWED, {"n": number}))


async def test_integrate_and_sign_drains_more_than_one_batch(sessionmaker, session, log_keys, monkeypatch):
    monkeypatch.setattr(integrator_module, "BATCH_SIZE", 2)
    await append(session, 5)
    assert (await integrate_and_sign(sessionmaker, NOW, keys=log_keys)).size == 5


async def test_a_rotated_key_re_signs_the_latest_checkpoint_and_old_ones_stay_verifiable(
    sessionmaker, session, log_keys, log_key
):
    await append(session, 2)
    await integrate_once(sessionmaker, NOW, keys=log_keys)
    rotated = LogKeys.create(ORIGIN, Ed25519PrivateKey.generate(), retired=(log_key.public_key(),))
    # Nothing new and not asked: nothing changes.
    assert await integrate_once(sessionmaker, NOW, keys=rotated) is None
    checkpoint = await integrate_and_sign(sessionmaker, NOW, keys=rotated)
    stored = await session.get(LogCheckpoint, 2)
    await session.refresh(stored)
    open_note(stored.note_text, [rotated.verifier])
    with pytest.raises(NoteUnverified):
        open_note(stored.note_text, [log_keys.verifier])
    # Signing again with the same key leaves the note alone.
    note = stored.note_text
    assert await integrate_and_sign(sessionmaker, NOW, keys=rotated) == checkpoint
    await session.refresh(stored)
    assert stored.note_text == note
    await append(session, 1)
    await integrate_once(sessionmaker, NOW, keys=log_keys)  # a checkpoint by the old key, e.g. before rollout
    older = await session.get(LogCheckpoint, 3)
    assert open_note(older.note_text, rotated.log_verifiers).signers == (log_keys.verifier,)


async def test_a_state_that_disagrees_with_the_checkpoints_is_an_error(sessionmaker, session, log_keys):
    await append(session, 1)
    await integrate_once(sessionmaker, NOW, keys=log_keys)
    state = await session.get(LogState, 1)
    state.root_hash = b"\x00" * 32
    state.frontier = b"\x00" * 32
    await session.commit()
    with pytest.raises(RuntimeError, match="disagrees"):
        await integrate_and_sign(sessionmaker, NOW, keys=log_keys)


async def test_the_runner_integrates_in_the_background_and_survives_errors(
    sessionmaker, session, log_keys, caplog, monkeypatch
):
    runner = IntegratorRunner(sessionmaker, lambda: NOW, keys=log_keys, interval_seconds=0.01, batch_size=2)
    await append(session, 5)
    runner.start()
    runner.start()  # already running: no second loop
    assert runner.running
    for _ in range(500):
        if await session.scalar(select(func.count()).select_from(LogLeaf)) == 5:
            break
        await asyncio.sleep(0.01)
    await runner.stop()
    assert not runner.running
    await runner.stop()  # stopping twice is harmless
    assert await session.scalar(select(func.count()).select_from(LogLeaf)) == 5

    async def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(integrator_module, "integrate", broken)
    with caplog.at_level(logging.ERROR, logger="evote.audit"):
        assert await runner.run_once() == 0
    assert "log-integrator run failed" in caplog.text


async def test_a_runner_with_interval_zero_never_starts(sessionmaker, log_keys):
    runner = IntegratorRunner(sessionmaker, lambda: NOW, keys=log_keys, interval_seconds=0)
    runner.start()
    assert not runner.running


async def test_a_slow_step_is_cancelled_at_shutdown(sessionmaker, log_keys, monkeypatch):
    started = asyncio.Event()

    async def slow(*args, **kwargs):
        started.set()
        await asyncio.sleep(60)

    monkeypatch.setattr(integrator_module, "integrate", slow)
    runner = IntegratorRunner(sessionmaker, lambda: NOW, keys=log_keys, interval_seconds=1)
    runner.start()
    await started.wait()
    await runner.stop(grace_seconds=0.01)
    assert not runner.running


async def test_two_integrators_at_once_build_one_tree_without_a_fork(race_app, log_keys):
    """Many integrators race while entries keep committing: every entry gets exactly one leaf index, the indexes
    are 0..n-1 without gaps, and every checkpoint signed along the way is a prefix of the final tree."""
    sessionmaker = race_app.state.sessionmaker
    total = 0

    async def writer(round_number: int) -> None:
        async with unit_of_work(sessionmaker) as session:
            await append_uncommitted(session, 10)

    async def integrator() -> None:
        await integrate_once(sessionmaker, NOW, keys=log_keys, batch_size=7)

    for round_number in range(6):
        await asyncio.gather(*(writer(round_number) for _ in range(3)), *(integrator() for _ in range(4)))
        total += 30
    await integrate_and_sign(sessionmaker, NOW + timedelta(seconds=1), keys=log_keys)
    async with unit_of_work(sessionmaker) as session:
        indexes = sorted((await session.scalars(select(AuditEntry.leaf_index))).all())
        assert indexes == list(range(total))
        leaf_rows = (await session.execute(select(LogLeaf.leaf_index, LogLeaf.entry_id))).all()
        assert sorted(row.leaf_index for row in leaf_rows) == list(range(total))
        assert len({row.entry_id for row in leaf_rows}) == total
        leaves = await stored_leaves(session)
        entries = (await session.scalars(select(AuditEntry).order_by(AuditEntry.leaf_index))).all()
        assert leaves == [entry_leaf_hash(document_of(entry)) for entry in entries]
        checkpoints = await stored_checkpoints(session)
        assert checkpoints[-1].size == total
        for checkpoint in checkpoints:
            assert checkpoint.root_hash == merkle.root(leaves[: checkpoint.size])
        state = await session.get(LogState, 1)
        assert (state.size, state.root_hash) == (total, merkle.root(leaves))


async def test_a_second_integrator_on_postgresql_backs_off_while_the_first_holds_the_lock(race_app, log_keys):
    """``pg_try_advisory_xact_lock``: the second integrator returns at once instead of waiting (SQLite: one writer)."""
    if race_app.state.settings.is_sqlite:
        pytest.skip("SQLite admits one writer with BEGIN IMMEDIATE; there is no advisory lock to try")
    sessionmaker = race_app.state.sessionmaker
    async with unit_of_work(sessionmaker) as first:
        await append_uncommitted(first, 1)
    async with unit_of_work(sessionmaker) as holder:
        step = await integrate(holder, NOW, keys=log_keys)
        assert step.ran
        assert step.integrated == 1
        async with unit_of_work(sessionmaker) as second:
            assert await integrate(second, NOW, keys=log_keys) == integrator_module.Integration(ran=False)
            assert await integrate_once(sessionmaker, NOW, keys=log_keys) is None


async def test_the_app_lifespan_starts_and_stops_the_integrator(tmp_path, test_settings):
    from app.main import create_app

    settings = test_settings.model_copy(
        update={
            "database_url": f"sqlite+aiosqlite:///{tmp_path / 'log.db'}",
            "log_integration_interval_seconds": 0.02,
            "transition_interval_seconds": 0,
        }
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        runner = app.state.integrator
        assert runner.running
        for _ in range(300):
            if runner.runs >= 2:
                break
            await asyncio.sleep(0.01)
        assert runner.runs >= 2
        async with unit_of_work(app.state.sessionmaker) as session:
            checkpoint = await session.get(LogCheckpoint, 0)  # the empty log's first checkpoint
            open_note(checkpoint.note_text, [app.state.log_keys.verifier])
    assert not runner.running
