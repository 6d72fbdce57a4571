"""Issue #9 item 6: direct SQL edits are named by ``evote audit check`` and refused by the offline verifier.

Each test runs the RULES.md section-P vote through the API (``tests.scenario.run_vote``: register, notice, six
ballots, close, decision, integrated and signed log), checks the clean database (OK), edits one row with SQL
behind the service's back, and expects the check to name that row (``FAIL <check> <table>:<id> …``); where the
export reads the edited row, the bundle exported afterwards must fail ``app.verifier`` with a named check.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import uuid

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry, LogCheckpoint, LogLeaf
from app.ballot.models import Ballot, BallotMark
from app.cli import main as cli_main
from app.errors import DomainError
from app.integrity.check import (
    CheckReport,
    cast_at_text,
    check_database,
    entry_hash_problem,
    mark_problems,
)
from app.ledger.canonical import canonical_sha256
from app.register.models import RegisterVersion, Unit, UnitOwner
from app.result.export import build_bundle
from app.settings import get_settings
from app.verifier import verify_bundle
from app.vote import repository as topic_repository
from app.vote.models import RollGroup, Vote
from app.vote.spec import Mark
from tests.scenario import VoteRun, run_vote

# --- pure parts -----------------------------------------------------------------------------------------------


def test_entry_hash_problem_names_a_changed_payload_and_a_float():
    estate = uuid.uuid4()
    good = canonical_sha256({"kind": "k", "estate_id": str(estate), "vote_id": "", "payload": {"n": 1}})
    assert entry_hash_problem("k", estate, None, {"n": 1}, good) is None
    assert "is not the hash" in str(entry_hash_problem("k", estate, None, {"n": 2}, good))
    assert "not canonical JSON" in str(entry_hash_problem("k", estate, None, {"n": 1.5}, good))


def test_cast_at_text_keeps_the_logged_text_only_for_the_same_instant():
    from datetime import UTC, datetime

    instant = datetime(2025, 3, 18, 8, 0, tzinfo=UTC)
    assert cast_at_text("2025-03-18T16:00:00+08:00", instant) == "2025-03-18T16:00:00+08:00"
    assert cast_at_text("2025-03-18T16:00:01+08:00", instant) == instant.isoformat()
    assert cast_at_text("not a time", instant) == instant.isoformat()
    assert cast_at_text(None, instant) == instant.isoformat()


def test_mark_problems_name_missing_extra_and_changed_marks():
    vote = uuid.uuid4()
    expected = {"t1": (Mark("", "AGREE"),), "t2": (Mark("c1", "AGREE"), Mark("c2", "OPPOSE"))}
    stored = [("t1", "", "AGREE", 100, str(vote)), ("t2", "c1", "AGREE", 100, str(vote))]
    assert mark_problems(vote, expected, 100, [*stored, ("t2", "c2", "OPPOSE", 100, str(vote))]) == []
    found = dict(
        mark_problems(
            vote, expected, 100, [*stored[:1], ("t2", "c1", "OPPOSE", 99, str(vote)), ("t3", "", "X", 1, str(vote))]
        )
    )
    assert set(found) == {"t2/c1", "t2/c2", "t3/"}
    assert found["t2/c2"].startswith("missing")
    assert "not on the ballot" in found["t3/"]
    assert "differ" in found["t2/c1"]


def test_report_lists_a_bounded_number_of_problems(monkeypatch):
    monkeypatch.setattr("app.integrity.check.MAX_PER_CHECK", 2)
    report = CheckReport()
    for number in range(5):
        report.fail("tree", "log_leaf", number, "missing")
    assert not report.ok
    assert report.lines() == [
        "FAIL tree log_leaf:0 missing",
        "FAIL tree log_leaf:1 missing",
        "FAIL tree … and 3 more problem(s) not listed",
    ]


# --- a decided vote in the test database ------------------------------------------------------------------------


@pytest.fixture
async def world(backend, client, session, app, repo_root) -> VoteRun:  # type: ignore[no-untyped-def]
    return await run_vote(client, session, app, repo_root)


async def check(session, app, **narrow) -> list[str]:  # type: ignore[no-untyped-def]
    session.expire_all()  # the edits went round the ORM
    report = await check_database(
        session, app.state.log_keys, pseudonym_key=app.state.settings.key("pseudonym_key"), chunk=3, **narrow
    )  # small chunks: paging is used
    return report.lines()


async def verifier_failure(session, app, run: VoteRun) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    session.expire_all()
    vote = await topic_repository.get_vote(session, uuid.UUID(run.vote_id))
    bundle = await build_bundle(
        session, vote, keys=app.state.log_keys, pseudonym_key=app.state.settings.key("pseudonym_key")
    )
    report = verify_bundle(bundle.content)
    assert report.failed is not None, "the verifier passed a tampered database's bundle"
    return report.failed


def named(lines: list[str], check_name: str, row: str) -> list[str]:
    return [line for line in lines if line.startswith(f"FAIL {check_name} {row} ")]


async def first_ballot(session, run: VoteRun) -> Ballot:  # type: ignore[no-untyped-def]
    statement = sa.select(Ballot).where(Ballot.vote_id == uuid.UUID(run.vote_id)).order_by(Ballot.cast_at, Ballot.id)
    return (await session.scalars(statement.limit(1))).one()


async def test_clean_world_is_ok_whole_and_narrowed(world, session, app):
    lines = await check(session, app)
    assert len(lines) == 1, lines
    assert lines[0].startswith("OK "), lines
    for table in ("audit_entry", "log_leaf", "log_checkpoint", "ballot", "ballot_mark", "register_version", "unit"):
        assert f" {table}" in lines[0]
    assert "6 ballot," in lines[0]
    assert (await check(session, app, vote_id=uuid.UUID(world.vote_id)))[0].startswith("OK ")
    assert (await check(session, app, estate_id=uuid.UUID(world.estate_id)))[0].startswith("OK ")
    assert (
        verify_bundle(
            (
                await build_bundle(
                    session,
                    await topic_repository.get_vote(session, uuid.UUID(world.vote_id)),
                    keys=app.state.log_keys,
                    pseudonym_key=app.state.settings.key("pseudonym_key"),
                )
            ).content
        ).failed
        is None
    )


async def test_unknown_vote_is_not_found(world, session, app):
    from app.errors import NotFound

    with pytest.raises(NotFound):
        await check_database(
            session, app.state.log_keys, pseudonym_key=app.state.settings.key("pseudonym_key"), vote_id=uuid.uuid4()
        )


# --- (a) a ballot's answers ------------------------------------------------------------------------------------


async def test_ballot_answers_edited(world, session, app):
    ballot = await first_ballot(session, world)
    answers = dict(ballot.answers)
    topic = world.topic_ids[0]
    answers[topic] = "OPPOSE" if answers[topic] != "OPPOSE" else "AGREE"
    await session.execute(sa.update(Ballot).where(Ballot.id == ballot.id).values(answers=answers))

    lines = await check(session, app)
    assert named(lines, "ballot", f"ballot:{ballot.id}"), lines
    assert named(lines, "mark", f"ballot_mark:{ballot.id}/{topic}/"), lines  # the marks no longer match it
    assert named(await check(session, app, vote_id=uuid.UUID(world.vote_id)), "ballot", f"ballot:{ballot.id}")
    failed = await verifier_failure(session, app, world)
    assert failed[0] == "ballots", failed
    assert str(ballot.id) in failed[1], failed


# --- (b) a ballot mark (the rows the SQL tally adds up) ---------------------------------------------------------


async def test_ballot_mark_edited(world, session, app):
    ballot = await first_ballot(session, world)
    topic = uuid.UUID(world.topic_ids[0])
    mark = (
        await session.scalars(
            sa.select(BallotMark).where(BallotMark.ballot_id == ballot.id, BallotMark.topic_id == topic)
        )
    ).one()
    other = "OPPOSE" if mark.answer != "OPPOSE" else "AGREE"
    await session.execute(
        sa.update(BallotMark)
        .where(BallotMark.ballot_id == ballot.id, BallotMark.topic_id == topic)
        .values(answer=other)
    )
    lines = await check(session, app)
    assert named(lines, "mark", f"ballot_mark:{ballot.id}/{topic}/"), lines
    assert not named(lines, "ballot", f"ballot:{ballot.id}")  # the ballot itself is intact
    # The export does not read marks (the bundle's tally is recomputed from the ballots), so the verifier has
    # nothing to refuse here: the live check is what catches a mark edited behind the tally's back.


async def test_ballot_mark_deleted(world, session, app):
    ballot = await first_ballot(session, world)
    topic = uuid.UUID(world.topic_ids[1])
    await session.execute(sa.delete(BallotMark).where(BallotMark.ballot_id == ballot.id, BallotMark.topic_id == topic))
    lines = await check(session, app)
    assert [line for line in named(lines, "mark", f"ballot_mark:{ballot.id}/{topic}/") if "missing" in line], lines


# --- (c) the register: a unit's area, an owner link -------------------------------------------------------------


async def _published_unit(session, run: VoteRun) -> tuple[Vote, Unit, RollGroup]:  # type: ignore[no-untyped-def]
    vote = await session.get(Vote, uuid.UUID(run.vote_id))
    groups = (
        await session.scalars(sa.select(RollGroup).where(RollGroup.vote_id == vote.id).order_by(RollGroup.group_id))
    ).all()
    group = next(group for group in groups if not group.is_developer)  # an owner's group: its units have links
    unit = (
        await session.scalars(
            sa.select(Unit).where(
                Unit.register_version_id == vote.register_version_id, Unit.unit_key == group.unit_keys[0]
            )
        )
    ).one()
    return vote, unit, group


async def test_register_unit_area_edited(world, session, app):
    vote, unit, group = await _published_unit(session, world)
    await session.execute(sa.update(Unit).where(Unit.id == unit.id).values(area=unit.area + 100))

    lines = await check(session, app)
    assert named(lines, "register", f"register_version:{vote.register_version_id}"), lines
    roll = named(lines, "roll", f"roll_group:{vote.id}/{group.group_id}")
    assert roll, lines
    assert unit.unit_key in roll[0], roll
    assert str(group.area + 100) in roll[0], roll
    failed = await verifier_failure(session, app, world)
    assert failed[0] == "register", failed
    assert group.pseudonym in failed[1], failed  # the bundle names groups by their per-vote pseudonym


async def test_register_owner_link_edited(world, session, app):
    """An owner link swapped for an owner whose new owner set forms no other group: the units still group the same
    way, so only the owners the roll hash binds (their per-vote pseudonyms) show the swap offline."""
    vote, _, group = await _published_unit(session, world)
    units = (
        await session.scalars(
            sa.select(Unit).where(
                Unit.register_version_id == vote.register_version_id, Unit.unit_key.in_(group.unit_keys)
            )
        )
    ).all()
    frozen_sets = {
        frozenset(row.owner_ids)
        for row in await session.scalars(sa.select(RollGroup).where(RollGroup.vote_id == vote.id))
    }
    candidates = (
        await session.scalars(
            sa.select(UnitOwner.owner_id)
            .join(Unit, Unit.id == UnitOwner.unit_id)
            .where(Unit.register_version_id == vote.register_version_id)
            .distinct()
        )
    ).all()
    replaced = sorted(group.owner_ids)[0]
    # The swapped-in owner makes an owner set no frozen group has: every unit of the group stays together, alone.
    other = next(
        owner
        for owner in sorted(candidates, key=str)
        if str(owner) not in group.owner_ids
        and frozenset({*group.owner_ids} - {replaced} | {str(owner)}) not in frozen_sets
    )
    for row in units:  # every unit of the group, so its units still form one group
        await session.execute(
            sa.update(UnitOwner)
            .where(UnitOwner.unit_id == row.id, UnitOwner.owner_id == uuid.UUID(replaced))
            .values(owner_id=other)
        )
    lines = await check(session, app)
    assert named(lines, "register", f"register_version:{vote.register_version_id}"), lines
    assert named(lines, "roll", f"roll_group:{vote.id}/{group.group_id}"), lines
    failed = await verifier_failure(session, app, world)
    assert failed[0] == "register", failed
    assert group.pseudonym in failed[1], failed
    assert "owner link" in failed[1], failed


async def test_register_version_hash_and_rows_rewritten_together_still_disagree_with_the_log(world, session, app):
    """A forger who also rewrites ``register_version.content_hash`` is caught by the logged hash."""
    vote, unit, _ = await _published_unit(session, world)
    await session.execute(sa.update(Unit).where(Unit.id == unit.id).values(area=unit.area + 1))
    await session.execute(
        sa.update(RegisterVersion).where(RegisterVersion.id == vote.register_version_id).values(content_hash="0" * 64)
    )
    lines = named(await check(session, app), "register", f"register_version:{vote.register_version_id}")
    assert any("logged in audit entry" in line for line in lines), lines


# --- (d) an audit entry's payload -------------------------------------------------------------------------------


async def test_audit_entry_payload_edited(world, session, app):
    ballot = await first_ballot(session, world)
    entry = await session.get(AuditEntry, ballot.audit_entry_id)
    payload = dict(entry.payload) | {"basis": "PROXY"}
    await session.execute(sa.update(AuditEntry).where(AuditEntry.id == entry.id).values(payload=payload))

    lines = await check(session, app)
    assert named(lines, "entry", f"audit_entry:{entry.id}"), lines
    failed = await verifier_failure(session, app, world)
    assert failed[0] == "log", failed
    assert f"leaf {entry.leaf_index}" in failed[1], failed


# --- (e) a log leaf ---------------------------------------------------------------------------------------------


async def test_log_leaf_edited(world, session, app):
    ballot = await first_ballot(session, world)
    entry = await session.get(AuditEntry, ballot.audit_entry_id)
    await session.execute(
        sa.update(LogLeaf).where(LogLeaf.leaf_index == entry.leaf_index).values(leaf_hash=hashlib.sha256(b"x").digest())
    )
    lines = await check(session, app)
    assert named(lines, "entry", f"log_leaf:{entry.leaf_index}"), lines
    later = [line for line in lines if line.startswith("FAIL checkpoint log_checkpoint:")]
    assert later, lines  # every checkpoint over that leaf no longer has its signed root
    # The stored leaf hash is a cache of the entry's: the bundle's batch proof (evote-bundle@4) takes the vote's
    # leaves from their entries, so the damaged cache cannot make the auditor believe anything false — the entry
    # is still proven under the signed checkpoint. The audit check above is what names the damage.
    session.expire_all()
    vote = await topic_repository.get_vote(session, uuid.UUID(world.vote_id))
    bundle = await build_bundle(
        session, vote, keys=app.state.log_keys, pseudonym_key=app.state.settings.key("pseudonym_key")
    )
    assert verify_bundle(bundle.content).failed is None


async def test_log_leaf_deleted(world, session, app):
    ballot = await first_ballot(session, world)
    entry = await session.get(AuditEntry, ballot.audit_entry_id)
    await session.execute(sa.delete(LogLeaf).where(LogLeaf.leaf_index == entry.leaf_index))
    lines = await check(session, app)
    assert named(lines, "entry", f"audit_entry:{entry.id}"), lines  # its leaf_index points at nothing
    assert named(lines, "tree", f"log_leaf:{entry.leaf_index}"), lines  # the gap in the leaf indexes
    assert len([line for line in lines if line.startswith("FAIL tree log_leaf:")]) == 1, lines  # named once


# --- (f) a checkpoint's root or signature -----------------------------------------------------------------------


async def _result_checkpoint(session, run: VoteRun) -> LogCheckpoint:  # type: ignore[no-untyped-def]
    from app.result.signing import result_checkpoint

    return await result_checkpoint(session, await session.get(Vote, uuid.UUID(run.vote_id)))


async def test_checkpoint_root_edited(world, session, app):
    checkpoint = await _result_checkpoint(session, world)
    forged = hashlib.sha256(b"another tree").digest()
    await session.execute(
        sa.update(LogCheckpoint).where(LogCheckpoint.size == checkpoint.size).values(root_hash=forged)
    )
    lines = await check(session, app)
    assert named(lines, "checkpoint", f"log_checkpoint:{checkpoint.size}"), lines
    failed = await verifier_failure(session, app, world)
    assert failed[0] == "log", failed
    assert "names another checkpoint" in failed[1], failed


async def test_checkpoint_signature_edited(world, session, app):
    checkpoint = await _result_checkpoint(session, world)
    body, _, signature_line = checkpoint.note_text.rstrip("\n").rpartition("\n")
    prefix, _, encoded = signature_line.rpartition(" ")
    raw = bytearray(base64.b64decode(encoded))
    raw[-1] ^= 0x01
    note = f"{body}\n{prefix} {base64.b64encode(bytes(raw)).decode()}\n"
    await session.execute(sa.update(LogCheckpoint).where(LogCheckpoint.size == checkpoint.size).values(note_text=note))
    lines = await check(session, app)
    assert [line for line in named(lines, "checkpoint", f"log_checkpoint:{checkpoint.size}") if "verify" in line], lines
    failed = await verifier_failure(session, app, world)
    assert failed[0] == "signatures", failed
    assert "'result'" in failed[1], failed


# --- (g) a deleted audit entry, and a deleted ballot ------------------------------------------------------------


async def _delete_cast_entry(session, run: VoteRun) -> tuple[Ballot, uuid.UUID, int]:  # type: ignore[no-untyped-def]
    """Delete a ballot's ``ballot.cast`` entry and its leaf (the foreign key forbids the entry alone)."""
    ballot = await first_ballot(session, run)
    entry = await session.get(AuditEntry, ballot.audit_entry_id)
    index = entry.leaf_index
    await session.execute(sa.delete(LogLeaf).where(LogLeaf.entry_id == entry.id))
    await session.execute(sa.delete(AuditEntry).where(AuditEntry.id == entry.id))
    return ballot, entry.id, index


async def test_audit_entry_deleted(world, session, app):
    ballot, entry_id, index = await _delete_cast_entry(session, world)
    lines = await check(session, app)
    assert named(lines, "tree", f"log_leaf:{index}"), lines
    assert [line for line in named(lines, "ballot", f"ballot:{ballot.id}") if str(entry_id) in line], lines
    assert [line for line in lines if line.startswith("FAIL checkpoint log_checkpoint:")], lines


async def test_audit_entry_deleted_is_refused_by_the_export_or_the_verifier(world, session, app):
    await _delete_cast_entry(session, world)
    try:
        failed = await verifier_failure(session, app, world)
    except DomainError as refused:  # the export refusing to build from a damaged log, by name, counts too
        failed = ("export", refused.code)
    assert failed in {("export", "log.incomplete")} or failed[0] in {"log", "ballots"}, failed


async def test_ballot_deleted(world, session, app):
    ballot = await first_ballot(session, world)
    await session.execute(sa.delete(BallotMark).where(BallotMark.ballot_id == ballot.id))
    await session.execute(sa.delete(Ballot).where(Ballot.id == ballot.id))
    lines = await check(session, app)
    assert [line for line in named(lines, "ballot", f"audit_entry:{ballot.audit_entry_id}") if str(ballot.id) in line]
    failed = await verifier_failure(session, app, world)
    assert failed[0] == "ballots", failed
    assert str(ballot.id) in failed[1], failed


# --- the command ------------------------------------------------------------------------------------------------


async def test_cli_audit_check_on_a_committed_database(race_app, repo_root, monkeypatch, capsys):
    """``evote audit check`` in-process against the database URL (EVOTE_DATABASE_URL), as an operator runs it."""
    import httpx

    settings = race_app.state.settings
    transport = httpx.ASGITransport(app=race_app, raise_app_exceptions=False)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://evote.test") as client,
        race_app.state.sessionmaker() as session,
    ):
        run = await run_vote(client, session, race_app, repo_root)
    monkeypatch.setenv("EVOTE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("EVOTE_ENV", settings.env)
    monkeypatch.setenv("EVOTE_DEV_KEY_DIR", str(settings.dev_key_dir))
    get_settings.cache_clear()
    try:
        assert await asyncio.to_thread(cli_main, ["audit", "check"]) == 0
        assert capsys.readouterr().out.startswith("OK ")
        async with race_app.state.sessionmaker() as session:
            ballot = await first_ballot(session, run)
            await session.execute(sa.update(Ballot).where(Ballot.id == ballot.id).values(basis="PROXY"))
            await session.commit()
        assert await asyncio.to_thread(cli_main, ["audit", "check", "--vote", run.vote_id]) == 1
        out = capsys.readouterr().out
        assert named(out.splitlines(), "ballot", f"ballot:{ballot.id}"), out
    finally:
        get_settings.cache_clear()
