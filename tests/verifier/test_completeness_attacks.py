"""The auditor's accepted attacks on completeness, times and loose fields: each bundle FAILs naming what is wrong.

Every forger here holds the bundle and the ballots' nonces but not the log key: the checkpoints, the signed result,
the signed entry index and every entry stay genuine; only what the forger may drop, rewrite or swap changes.
"""

from __future__ import annotations

import json
import zipfile
import zlib
from datetime import timedelta
from typing import Any

import httpx

from app.audit import service as audit_service
from app.audit.integrator import integrate_and_sign
from app.verifier import Trust
from app.verifier import documents as d
from app.verifier.checks import verify_bundle
from tests.verifier.helpers import (
    VoteRun,
    decode,
    encode,
    export_bundle,
    keep_entries,
    load,
    log_items,
    members,
    rebuild,
    revoke_as_street_office,
    run_vote,
    tamper,
)


def pinned(bundle: bytes) -> Trust:
    """These attacks are about completeness, not keys: every bundle here is signed with the test server's key,
    which is the key the bundle names, so pinning it is pinning the server's key (none for an unreadable one)."""
    try:
        return Trust.of(json.loads(members(bundle)[d.KEYS])["log"]["verifier_key"])
    except (zipfile.BadZipFile, zlib.error, KeyError, ValueError):
        return Trust()


def failure(bundle: bytes, **options: Any) -> tuple[str, str]:
    report = verify_bundle(bundle, trust=pinned(bundle), progress=None, **options)
    assert report.failed is not None, "\n".join(report.lines())
    return report.failed


def drop_entries(bundle: bytes, leaves: set[int], *, ballots: set[str] = frozenset()) -> bytes:  # type: ignore[assignment]
    """Remove these leaves' entries and proofs (and these ballots), fixing the manifest as a forger would."""
    files = members(bundle)
    keep_entries(files, lambda leaf, _: leaf not in leaves)
    listed = decode(d.BALLOTS, files[d.BALLOTS])
    files[d.BALLOTS] = encode(d.BALLOTS, [b for b in listed if b["ballot_id"] not in ballots])
    return rebuild(files)


def entries_of(bundle: bytes, kind: str) -> list[dict[str, Any]]:
    return [item for item in log_items(bundle) if item["entry"]["kind"] == kind]


async def revoke(client, session, app, run: VoteRun) -> None:  # type: ignore[no-untyped-def]
    await revoke_as_street_office(client, session, app, run)
    async with app.state.sessionmaker() as integration, integration.begin():
        await integrate_and_sign(integration, app.state.clock(), keys=app.state.log_keys)


async def log_dump(app) -> list[bytes]:  # type: ignore[no-untyped-def]
    async with app.state.sessionmaker() as session, session.begin():
        return [line.encode() + b"\n" async for line in audit_service.dump_lines(session)]


async def test_a_dropped_voided_ballot_with_its_cast_and_voided_entries_fails_naming_them(
    client, session, app, repo_root
):
    run = await run_vote(client, session, app, repo_root, paper_group="D")
    bundle = await export_bundle(client, run)
    assert verify_bundle(bundle, trust=pinned(bundle), progress=None).ok
    voided = entries_of(bundle, "ballot.voided")[0]
    ballot_id = voided["entry"]["payload"]["ballot_id"]
    cast = next(
        item for item in entries_of(bundle, "ballot.cast") if item["entry"]["payload"]["ballot_id"] == ballot_id
    )
    forged = drop_entries(bundle, {cast["leaf_index"], voided["leaf_index"]}, ballots={ballot_id})
    check, message = failure(forged)
    assert check == "completeness"
    assert f"the ballot.cast entry at leaf {cast['leaf_index']}" in message
    assert f"the ballot.voided entry at leaf {voided['leaf_index']}" in message
    assert "missing" in message


async def test_a_void_reason_rewritten_fails(client, session, app, repo_root):
    run = await run_vote(client, session, app, repo_root, paper_group="D")
    bundle = await export_bundle(client, run)

    def rewrite(ballots: list[dict[str, Any]]) -> None:
        next(ballot for ballot in ballots if ballot["status"] == "VOID")["void_reason"] = "业主本人要求作废"

    check, message = failure(tamper(bundle, d.BALLOTS, rewrite))
    assert check == "ballots"
    assert "void_reason '业主本人要求作废' is not the reason" in message


async def test_a_paper_ballots_scan_hash_is_in_its_signed_commitment(client, session, app, repo_root):
    run = await run_vote(client, session, app, repo_root, paper_group="D")
    bundle = await export_bundle(client, run)
    paper = next(ballot for ballot in load(bundle, d.BALLOTS) if ballot["channel"] == "PAPER")
    entry = next(item for item in entries_of(bundle, "ballot.cast") if item["entry"]["payload"]["channel"] == "PAPER")
    assert entry["entry"]["payload"]["scan_sha256"] == paper["scan_sha256"] == "5" * 64

    def rescan(ballots: list[dict[str, Any]]) -> None:
        next(ballot for ballot in ballots if ballot["channel"] == "PAPER")["scan_sha256"] = "6" * 64

    check, message = failure(tamper(bundle, d.BALLOTS, rescan))
    assert check == "ballots"
    assert "does not hash to the commitment" in message


async def test_two_ballots_audit_entry_ids_swapped_fail(bundle):
    def swap(ballots: list[dict[str, Any]]) -> None:
        ballots[0]["audit_entry_id"], ballots[1]["audit_entry_id"] = (
            ballots[1]["audit_entry_id"],
            ballots[0]["audit_entry_id"],
        )

    check, message = failure(tamper(bundle, d.BALLOTS, swap))
    assert check == "ballots"
    assert "audit_entry_id" in message
    assert "is not the id of its ballot.cast entry" in message


async def test_topic_positions_swapped_fail(bundle):
    def swap(topics: list[dict[str, Any]]) -> None:
        topics[0]["position"], topics[1]["position"] = topics[1]["position"], topics[0]["position"]

    check, message = failure(tamper(bundle, d.TOPICS, swap))
    assert check == "notice"
    assert "topic positions" in message


async def test_a_dropped_revocation_fails_naming_it(client, session, app, repo_root):
    run = await run_vote(client, session, app, repo_root)
    await revoke(client, session, app, run)
    bundle = await export_bundle(client, run)
    revocation = entries_of(bundle, "supervision.revocation")[0]
    check, message = failure(drop_entries(bundle, {revocation["leaf_index"]}))
    assert check == "completeness"
    assert f"supervision.revocation entry at leaf {revocation['leaf_index']}" in message


async def test_the_result_checkpoint_as_latest_with_later_entries_dropped_fails_against_the_log(
    client, session, app, repo_root
):
    """The forger presents an export made before the revocation (every signature genuine): only the log shows
    the later entry; ``--log-dump`` names it."""
    run = await run_vote(client, session, app, repo_root)
    stale = await export_bundle(client, run)
    assert verify_bundle(stale, trust=pinned(stale), progress=None).ok
    await revoke(client, session, app, run)
    dump = await log_dump(app)
    check, message = failure(stale, log_dump=iter(dump))
    assert check == "freshness"
    assert "later entries of this vote" in message
    assert "supervision.revocation" in message
    fresh = await export_bundle(client, run)
    assert verify_bundle(fresh, trust=pinned(fresh), progress=None, log_dump=iter(await log_dump(app))).ok


async def test_a_fork_signed_with_the_same_key_fails_against_the_log(client, session, app, repo_root, race_app):
    """Two databases under one key: this test's database and another freshly migrated one are two histories signed
    by the same key; the dump of the one shows the other's checkpoint as a fork."""
    transport = httpx.ASGITransport(app=race_app, raise_app_exceptions=False)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://evote.test") as other_client,
        race_app.state.sessionmaker() as other_session,
    ):
        bundle = await export_bundle(other_client, await run_vote(other_client, other_session, race_app, repo_root))
    run = await run_vote(client, session, app, repo_root)
    mine = await export_bundle(client, run)
    dump = await log_dump(app)
    assert verify_bundle(mine, trust=pinned(mine), progress=None, log_dump=iter(dump)).ok
    check, message = failure(bundle, log_dump=iter(dump))  # the other database's bundle against this log
    assert check == "freshness"
    assert "fork:" in message


async def test_a_created_at_contradicting_the_publication_date_fails(client, session, app, repo_root, monkeypatch):
    """The server's clock (and so every entry's created_at) says 2026, the publication entry claims 2025."""
    from app.vote import lifecycle

    original = lifecycle.audit_service.append

    async def late_clock(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("at") is not None and args[1].kind == "vote.published":
            kwargs["at"] = kwargs["at"] + timedelta(days=640)
        return await original(*args, **kwargs)

    monkeypatch.setattr(lifecycle.audit_service, "append", late_clock)
    run = await run_vote(client, session, app, repo_root)
    check, message = failure(await export_bundle(client, run))
    assert check == "times"
    assert "vote.published" in message
    assert "published_at" in message


async def test_a_corrupted_member_is_a_named_failure_not_a_traceback(bundle):
    raw = bytearray(bundle)
    offset = raw.find(b"PK\x03\x04", raw.find(d.BALLOTS.encode()) - 64)
    raw[offset + 80 : offset + 120] = b"\x00" * 40
    check, message = failure(bytes(raw))
    assert check == "bundle"
    assert message
