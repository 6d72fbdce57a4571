"""Drill: races (issue #9 item 1), against a real ``evote serve`` on loopback and PostgreSQL.

1. **Double vote**: 1,000 concurrent cast attempts for ONE voter group: both co-owners and an approved proxy,
   without a key, retrying with one Idempotency-Key per caster, and with a new key each time (R-TALLY-7,
   R-CAST-2). Exactly one ballot may exist; every 201 names it; every other answer is ``ballot.already_cast``.
2. **Close racing casts**: the vote's end is set a moment ahead and casts are fired across it while the closer
   (``POST …/close`` in a loop, and the server's own transition task) runs. No ballot may carry a ``cast_at`` at
   or after the close instant, and every accepted ballot must be in the decided count (R-LIFE-5, R-LIFE-8).
3. **Two integrators at once**: two integrators on separate connections are started together, over and over,
   while the casts above append entries (and the server's own integrator runs too). There must be one tree:
   leaves 0..n-1 each holding one entry, every checkpoint the root of that prefix, no two roots for a size.

Run (about a minute; creates and drops its own database on the local PostgreSQL)::

    .venv/bin/python -m tests.drills.races [--attempts 1000] [--voters 400]

The same functions run in-process in CI: tests/drills/test_races_ci.py.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit.integrator import integrate_once
from app.audit.keys import LogKeys
from app.audit.models import AuditEntry, LogCheckpoint, LogLeaf, LogState
from app.audit.repository import document_of
from app.ballot.models import Ballot, BallotStatus
from app.db.base import utcnow
from app.db.migrate import upgrade_async
from app.db.session import create_engine, create_sessionmaker, unit_of_work
from app.grant.models import ActingGrant, ActingKind, GrantStatus
from app.ledger import merkle
from app.ledger.entries import entry_leaf_hash
from app.ledger.note import open_note
from app.result.models import TopicResult
from app.vote.models import RollGroup, Vote, VoteStatus
from tests.drills.common import (
    Server,
    Voter,
    World,
    build_world,
    create_database,
    drill_settings,
    drop_database,
    report,
    say,
    server_env,
)

Figures = dict[str, Any]
Checks = dict[str, bool]


# --- 1. double vote ------------------------------------------------------------------------------------------


async def grant_proxy(
    sessionmaker: async_sessionmaker[AsyncSession], world: World, owners: Sequence[Voter], agent: Voter
) -> None:
    """An approved written proxy from ``owners`` (the whole group) to ``agent`` (R-CAST-4)."""
    async with unit_of_work(sessionmaker) as session:
        key = await session.scalar(
            select(RollGroup.group_key).where(
                RollGroup.vote_id == world.vote_id, RollGroup.group_id == owners[0].group_id
            )
        )
        assert key is not None
        session.add(
            ActingGrant(
                estate_id=world.estate_id, group_key=key, kind=ActingKind.PROXY, grantee_account_id=agent.account_id,
                requested_by_account_id=owners[0].account_id, status=GrantStatus.APPROVED,
                evidence_type="WRITTEN_AUTHORISATION", signed_by_owner_ids=[str(owner.owner_id) for owner in owners],
                scope={}, decided_by="drill", decided_at=utcnow(),
            )
        )  # fmt: skip


def attempt_plan(attempts: int, casters: Sequence[Voter]) -> list[tuple[Voter, str | None]]:
    """Who casts each attempt and with which Idempotency-Key: none, one retry key per caster, or a fresh key."""
    plan: list[tuple[Voter, str | None]] = []
    for number in range(attempts):
        caster = casters[number % len(casters)]
        style = number % 4
        key = None if style == 0 else f"retry-{caster.number}" if style in (1, 3) else f"fresh-{number}"
        plan.append((caster, key))
    return plan


async def double_vote(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], world: World, casters: Sequence[Voter],
    attempts: int, in_flight: int = 100,
) -> tuple[Figures, Checks]:  # fmt: skip
    """All ``attempts`` start at once; at most ``in_flight`` requests are on the wire at a time."""
    body = world.ballot(casters[0])
    plan = attempt_plan(attempts, casters)
    gate = asyncio.Semaphore(in_flight)

    async def attempt(caster: Voter, key: str | None) -> httpx.Response | Exception:
        headers = caster.headers | ({"Idempotency-Key": key} if key else {})
        async with gate:
            try:
                return await client.post(world.ballots_url, json=body, headers=headers)
            except httpx.HTTPError as exc:
                return exc

    started = time.monotonic()
    outcomes = await asyncio.gather(*(attempt(caster, key) for caster, key in plan))
    elapsed = time.monotonic() - started
    responses = [outcome for outcome in outcomes if isinstance(outcome, httpx.Response)]
    statuses = Counter(response.status_code for response in responses)
    receipts = {response.json()["ballot_id"] for response in responses if response.status_code == 201}
    codes = Counter(response.json().get("code") for response in responses if response.status_code != 201)
    async with unit_of_work(sessionmaker) as session:
        stored = [
            str(ballot_id)
            for ballot_id in await session.scalars(
                select(Ballot.id).where(Ballot.vote_id == world.vote_id, Ballot.group_id == casters[0].group_id)
            )
        ]
    figures: Figures = {
        "double_vote.attempts": attempts,
        "double_vote.casters": len({caster.account_id for caster in casters}),
        "double_vote.accepted (ballots stored)": len(stored),
        "double_vote.201 (first + same-key replays)": statuses[201],
        "double_vote.409 already_cast": codes["ballot.already_cast"],
        "double_vote.other 4xx": sum(n for s, n in statuses.items() if 400 <= s < 500) - codes["ballot.already_cast"],
        "double_vote.5xx": sum(n for s, n in statuses.items() if s >= 500),
        "double_vote.transport errors": _errors(outcomes),
        "double_vote.distinct ballot ids in 201s": len(receipts),
        "double_vote.seconds": round(elapsed, 2),
    }
    checks: Checks = {
        "double_vote: exactly 1 ballot stored": len(stored) == 1,
        "double_vote: every 201 names that ballot": receipts == set(stored),
        "double_vote: every attempt got an HTTP answer": len(responses) == attempts,
        "double_vote: every other answer is 409 ballot.already_cast": (
            statuses[201] + codes["ballot.already_cast"] == attempts and set(codes) <= {"ballot.already_cast"}
        ),
    }
    return figures, checks


# --- 2. close racing casts ------------------------------------------------------------------------------------


async def close_race(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], world: World, voters: Sequence[Voter],
    admin_key: str, *, lead: float = 1.5, tail: float = 0.5, settle: float = 1.0,
) -> tuple[Figures, Checks]:  # fmt: skip
    """Move the vote's end ``lead + settle`` seconds ahead, spread one cast per voter over [end-lead, end+tail]."""
    loop = asyncio.get_running_loop()
    ends_at = (utcnow() + timedelta(seconds=lead + settle)).replace(microsecond=0) + timedelta(seconds=1)
    async with unit_of_work(sessionmaker) as session:
        await session.execute(update(Vote).where(Vote.id == world.vote_id).values(ends_at=ends_at))
    until_end = (ends_at - utcnow()).total_seconds()
    end_on_loop = loop.time() + until_end
    step = (lead + tail) / max(len(voters), 1)

    async def cast(position: int, voter: Voter) -> httpx.Response | Exception:
        await asyncio.sleep(max(0.0, end_on_loop - lead + position * step - loop.time()))
        try:
            return await client.post(world.ballots_url, json=world.ballot(voter), headers=voter.headers)
        except httpx.HTTPError as exc:
            return exc

    async def closer() -> tuple[int, Counter[int]]:
        """POST …/close from the end instant on, until it answers 200 (the server may close it first)."""
        await asyncio.sleep(max(0.0, end_on_loop - loop.time()))
        seen: Counter[int] = Counter()
        for _ in range(400):
            response = await client.post(
                f"/api/v1/votes/{world.vote_id}/close", headers={"Authorization": f"Bearer {admin_key}"}
            )
            seen[response.status_code] += 1
            if response.status_code == 200:
                return sum(seen.values()), seen
            await asyncio.sleep(0.02)
        return sum(seen.values()), seen

    outcomes, (close_calls, close_statuses) = await asyncio.gather(
        asyncio.gather(*(cast(position, voter) for position, voter in enumerate(voters))), closer()
    )
    return await _close_outcome(sessionmaker, world, outcomes, ends_at, close_calls, close_statuses)


async def close_race_on_the_apps_clock(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], world: World, voters: Sequence[Voter],
    admin_key: str, set_clock: Callable[[datetime], None],
) -> tuple[Figures, Checks]:  # fmt: skip
    """``close_race`` in-process, paced by the app's clock instead of the wall clock, so a loaded machine cannot
    push every cast past the end: a third of the voters cast while the clock stands a second before the end; the
    second third is sent at that time too and, once its first answers are back, the clock is moved to the end and
    the close is posted while the rest are in flight (the race); the last third is sent after the close."""
    ends_at = (utcnow() + timedelta(minutes=5)).replace(microsecond=0)
    async with unit_of_work(sessionmaker) as session:
        await session.execute(update(Vote).where(Vote.id == world.vote_id).values(ends_at=ends_at))
    set_clock(ends_at - timedelta(seconds=1))
    third = max(len(voters) // 3, 1)
    before, racing, after = voters[:third], voters[third : 2 * third], voters[2 * third :]

    async def cast(voter: Voter) -> httpx.Response | Exception:
        try:
            return await client.post(world.ballots_url, json=world.ballot(voter), headers=voter.headers)
        except httpx.HTTPError as exc:
            return exc

    outcomes: list[httpx.Response | Exception] = list(await asyncio.gather(*(cast(voter) for voter in before)))
    in_flight = [asyncio.ensure_future(cast(voter)) for voter in racing]
    await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
    set_clock(ends_at)
    seen: Counter[int] = Counter()
    while seen[200] == 0 and sum(seen.values()) < 400:
        response = await client.post(
            f"/api/v1/votes/{world.vote_id}/close", headers={"Authorization": f"Bearer {admin_key}"}
        )
        seen[response.status_code] += 1
    outcomes += await asyncio.gather(*in_flight)
    outcomes += await asyncio.gather(*(cast(voter) for voter in after))
    return await _close_outcome(sessionmaker, world, outcomes, ends_at, sum(seen.values()), seen)


async def _close_outcome(
    sessionmaker: async_sessionmaker[AsyncSession], world: World, outcomes: Sequence[httpx.Response | Exception],
    ends_at: datetime, close_calls: int, close_statuses: Counter[int],
) -> tuple[Figures, Checks]:  # fmt: skip
    """The figures and checks of a close race: what was answered, what was stored, what the result counted."""
    responses = [outcome for outcome in outcomes if isinstance(outcome, httpx.Response)]
    statuses = Counter(response.status_code for response in responses)
    receipts = {response.json()["ballot_id"]: response.json() for response in responses if response.status_code == 201}
    codes = Counter(response.json().get("code") for response in responses if response.status_code != 201)
    async with unit_of_work(sessionmaker) as session:
        vote = await session.get(Vote, world.vote_id)
        assert vote is not None
        rows = (
            await session.execute(
                select(Ballot.id, Ballot.cast_at, Ballot.status).where(Ballot.vote_id == world.vote_id)
            )
        ).all()
        result = await session.scalar(select(TopicResult).where(TopicResult.vote_id == world.vote_id))
        status, closed_at = vote.status, vote.closed_at
    counted = {str(ballot_id) for ballot_id, _, state in rows if state is BallotStatus.COUNTED}
    late = [ballot_id for ballot_id, cast_at, _ in rows if cast_at >= ends_at]
    late_receipts = [r for r in receipts.values() if datetime.fromisoformat(r["cast_at"]) >= ends_at]
    participating = _participating_heads(result.evidence) if result is not None else None
    figures: Figures = {
        "close.attempts": len(outcomes),
        "close.accepted (201)": statuses[201],
        "close.409 vote_closed": codes["ballot.vote_closed"],
        "close.other 4xx": sum(n for s, n in statuses.items() if 400 <= s < 500) - codes["ballot.vote_closed"],
        "close.5xx": sum(n for s, n in statuses.items() if s >= 500),
        "close.transport errors": _errors(outcomes),
        "close.ballots stored": len(rows),
        "close.ballots cast at/after the close instant": len(late),
        "close.participating heads in the decided result": participating,
        "close.close calls (statuses)": f"{close_calls} {dict(close_statuses)}",
        "close.vote status": status.value,
    }
    checks: Checks = {
        "close: the vote was closed at its end and published": (
            status is VoteStatus.RESULT_PUBLISHED and closed_at == ends_at
        ),
        "close: casts on both sides of the end (accepted and refused)": (
            statuses[201] > 0 and codes["ballot.vote_closed"] > 0
        ),
        "close: no ballot cast at or after the close instant": not late and not late_receipts,
        "close: every accepted cast is stored and counted": set(receipts) == counted == {str(r[0]) for r in rows},
        "close: the decided result counts exactly the accepted ballots": participating == len(receipts),
        "close: every attempt got an HTTP answer": len(responses) == len(outcomes),
        "close: every refusal is 409 ballot.vote_closed": statuses[201] + codes["ballot.vote_closed"] == len(outcomes),
    }
    return figures, checks


def _errors(outcomes: Sequence[httpx.Response | Exception]) -> str:
    """How many requests got no HTTP answer at all, by exception type."""
    kinds = Counter(type(outcome).__name__ for outcome in outcomes if isinstance(outcome, Exception))
    return f"{sum(kinds.values())} {dict(kinds)}" if kinds else "0"


def _participating_heads(evidence: dict[str, Any]) -> int | None:
    """Participating heads from a topic result's evidence (``participating.heads``, app.rules.tally)."""
    participating = evidence.get("participating")
    heads = participating.get("heads") if isinstance(participating, dict) else None
    return heads if isinstance(heads, int) else None


# --- 3. two integrators at once -----------------------------------------------------------------------------


@dataclass
class IntegratorTally:
    rounds: int = 0
    both_signed: int = 0
    one_signed: int = 0
    steps: Counter[str] = field(default_factory=Counter)


async def integrators_at_once(
    sessionmakers: tuple[async_sessionmaker[AsyncSession], async_sessionmaker[AsyncSession]],
    keys: LogKeys,
    stop: asyncio.Event,
    tally: IntegratorTally,
    *,
    batch_size: int = 7,
) -> None:
    """Start both integrators together, round after round, until ``stop`` is set and nothing is pending."""
    while True:
        stopping = stop.is_set()
        first, second = await asyncio.gather(
            integrate_once(sessionmakers[0], utcnow(), keys=keys, batch_size=batch_size),
            integrate_once(sessionmakers[1], utcnow(), keys=keys, batch_size=batch_size),
        )
        tally.rounds += 1
        tally.steps["A signed"] += first is not None
        tally.steps["B signed"] += second is not None
        if first is not None and second is not None:
            tally.both_signed += 1
        elif first is not None or second is not None:
            tally.one_signed += 1
        elif stopping:
            async with unit_of_work(sessionmakers[0]) as session:
                if not await session.scalar(select(func.count()).where(AuditEntry.leaf_index.is_(None))):
                    return
        await asyncio.sleep(0.005)


async def check_tree(
    sessionmaker: async_sessionmaker[AsyncSession], keys: LogKeys, tally: IntegratorTally
) -> tuple[Figures, Checks]:
    async with unit_of_work(sessionmaker) as session:
        leaves = (
            await session.execute(
                select(LogLeaf.leaf_index, LogLeaf.entry_id, LogLeaf.leaf_hash).order_by(LogLeaf.leaf_index)
            )
        ).all()
        entries = {entry.id: entry for entry in await session.scalars(select(AuditEntry))}
        checkpoints = (
            await session.execute(select(LogCheckpoint.size, LogCheckpoint.root_hash, LogCheckpoint.note_text))
        ).all()
        state = await session.get(LogState, 1)
    hashes = [leaf_hash for _, _, leaf_hash in leaves]
    prefix_roots_ok = all(merkle.root(hashes[:size]) == root for size, root, _ in checkpoints)
    notes_ok = True
    for _, _, note in checkpoints:
        try:
            open_note(note, [keys.verifier])
        except ValueError:
            notes_ok = False
    roots_per_size = Counter(size for size, _, _ in checkpoints)
    figures: Figures = {
        "integrators.rounds started together": tally.rounds,
        "integrators.rounds where both signed": tally.both_signed,
        "integrators.rounds where one signed": tally.one_signed,
        "integrators.A / B signed": f"{tally.steps['A signed']} / {tally.steps['B signed']}",
        "integrators.entries": len(entries),
        "integrators.leaves": len(leaves),
        "integrators.checkpoints": len(checkpoints),
        "integrators.forks": sum(1 for count in roots_per_size.values() if count > 1) + (0 if prefix_roots_ok else 1),
    }
    checks: Checks = {
        "integrators: leaves are 0..n-1, one per entry, every entry integrated": (
            [index for index, _, _ in leaves] == list(range(len(leaves)))
            and len({entry_id for _, entry_id, _ in leaves}) == len(leaves) == len(entries)
            and all(entries[entry_id].leaf_index == index for index, entry_id, _ in leaves)
        ),
        "integrators: every leaf hash is its entry's": all(
            entry_leaf_hash(document_of(entries[entry_id])) == leaf_hash for _, entry_id, leaf_hash in leaves
        ),
        "integrators: every checkpoint is the root of its prefix (no fork)": prefix_roots_ok and notes_ok,
        "integrators: the tree state is the root of all leaves": (
            state is not None and state.size == len(leaves) and state.root_hash == merkle.root(hashes)
        ),
        "integrators: the racing integrators made progress": tally.one_signed + tally.both_signed > 0,
    }
    return figures, checks


# --- the script ---------------------------------------------------------------------------------------------------


async def run(attempts: int, voters: int) -> int:
    name = f"evote_drill_races_{uuid.uuid4().hex[:8]}"
    url = await create_database(name)
    workdir = Path(tempfile.mkdtemp(prefix="evote-drill-races-"))
    server: Server | None = None
    engines = []
    try:
        await upgrade_async(url)
        settings = drill_settings(url, workdir / "keys")
        engines = [create_engine(settings), create_engine(settings)]
        sessionmakers = (create_sessionmaker(engines[0]), create_sessionmaker(engines[1]))
        now = utcnow()
        starts_at, ends_at = now - timedelta(hours=1), now + timedelta(days=1)
        group_world = await build_world(
            sessionmakers[0], settings, units=8, co_owned=1, starts_at=starts_at, ends_at=ends_at
        )
        co_owner_a, co_owner_b, agent = group_world.voters[0], group_world.voters[8], group_world.voters[1]
        await grant_proxy(sessionmakers[0], group_world, [co_owner_a, co_owner_b], agent)
        close_world = await build_world(
            sessionmakers[0], settings, units=voters, first=100, starts_at=starts_at, ends_at=ends_at
        )
        server = Server(
            server_env(url, workdir / "keys", transition_interval_seconds="0.25", db_pool_size="40"),
            workdir / "server.log",
        )  # fmt: skip
        server.start()
        await server.wait_ready()
        say(f"server on {server.base_url}, database {name}, log {server.log_path}")
        keys = LogKeys.from_settings(settings)
        stop = asyncio.Event()
        tally = IntegratorTally()
        integrators = asyncio.create_task(integrators_at_once(sessionmakers, keys, stop, tally))
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=100, keepalive_expiry=1)
        async with httpx.AsyncClient(base_url=server.base_url, timeout=60, limits=limits) as client:
            figures, checks = await double_vote(
                client, sessionmakers[0], group_world, [co_owner_a, co_owner_b, agent], attempts
            )
            close_figures, close_checks = await close_race(
                client, sessionmakers[0], close_world, close_world.voters, close_world.admin_key
            )
        stop.set()
        await asyncio.wait_for(integrators, timeout=120)
        tree_figures, tree_checks = await check_tree(sessionmakers[0], keys, tally)
        return report("races", figures | close_figures | tree_figures, checks | close_checks | tree_checks)
    finally:
        if server is not None:
            server.stop()
        for engine in engines:
            await engine.dispose()
        await drop_database(name)
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--attempts", type=int, default=1000, help="concurrent double-vote attempts (default 1000)")
    parser.add_argument("--voters", type=int, default=400, help="voters casting across the close (default 400)")
    args = parser.parse_args()
    return asyncio.run(run(args.attempts, args.voters))


if __name__ == "__main__":
    raise SystemExit(main())
