"""Drill: crash (issue #9 item 2). ``evote serve`` is killed with SIGKILL under casting load and restarted.

A generated estate (default 3,000 verified owners, one voter group each) casts through a real server on
loopback with 32 requests in flight, each owner with its own Idempotency-Key. Once a share of the receipts is
in, the server process gets SIGKILL (no shutdown, no flush) and is started again. Then:

* every ballot whose 201 receipt the client holds is in the database with the same id and content hash (lost: 0);
* every request that got no answer is retried with its same key: it returns the original receipt (the ballot had
  committed) or casts the ballot now; never a second ballot (duplicated: 0), never ``already_cast``;
* the remaining owners cast, so the restarted server carries the load;
* no group has two counted ballots and no ballot exists that no receipt names;
* the audit log integrates everything after the restart, its checkpoint is consistent with the one signed before
  the kill, and every acknowledged receipt's log proof verifies offline against the log key.

Run (about a minute; creates and drops its own database on the local PostgreSQL)::

    .venv/bin/python -m tests.drills.crash [--voters 3000] [--concurrency 32] [--kill-after 0.3]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import shutil
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from app.audit.keys import LogKeys
from app.audit.models import AuditEntry
from app.ballot.models import Ballot, BallotStatus
from app.db.base import utcnow
from app.db.migrate import upgrade_async
from app.db.session import create_engine, create_sessionmaker, unit_of_work
from app.ledger import merkle
from app.ledger.receipt import open_receipt
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


@dataclass
class Load:
    """What the client saw: receipts it holds, requests without an answer, and anything else."""

    acknowledged: dict[int, dict[str, Any]] = field(default_factory=dict)
    unanswered: set[int] = field(default_factory=set)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    attempts: int = 0


def key_of(voter: Voter) -> str:
    return f"crash-drill-{voter.number}"


async def cast(client: httpx.AsyncClient, world: World, voter: Voter) -> httpx.Response:
    return await client.post(
        world.ballots_url, json=world.ballot(voter), headers=voter.headers | {"Idempotency-Key": key_of(voter)}
    )


async def load_until_killed(
    client: httpx.AsyncClient, world: World, server: Server, *, concurrency: int, kill_at: int
) -> tuple[Load, list[Voter], dict[str, Any], int]:
    """Cast with ``concurrency`` workers; SIGKILL the server once ``kill_at`` receipts are in.

    Returns the load, the owners never attempted, the checkpoint fetched just before the kill, and how many
    requests were in flight at the kill.
    """
    load = Load()
    queue = list(reversed(world.voters))
    killed = asyncio.Event()
    enough = asyncio.Event()
    in_flight = 0
    before: dict[str, Any] = {}
    at_kill = 0

    async def worker() -> None:
        nonlocal in_flight
        while queue and not killed.is_set():
            voter = queue.pop()
            load.attempts += 1
            in_flight += 1
            try:
                response = await cast(client, world, voter)
            except httpx.HTTPError as exc:
                load.unanswered.add(voter.number)
                load.errors[type(exc).__name__] += 1
                continue
            finally:
                in_flight -= 1
            load.statuses[response.status_code] += 1
            if response.status_code == 201:
                load.acknowledged[voter.number] = response.json()
                if len(load.acknowledged) >= kill_at:
                    enough.set()
        enough.set()  # out of owners before the threshold: kill now anyway

    async def killer() -> None:
        nonlocal before, at_kill
        await enough.wait()
        async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as side:
            before = (await side.get("/api/v1/log/checkpoint", params={"format": "json"})).json()
        at_kill = in_flight
        server.kill()
        killed.set()

    await asyncio.gather(killer(), *(worker() for _ in range(concurrency)))
    return load, list(reversed(queue)), before, at_kill


async def run(voters: int, concurrency: int, kill_after: float) -> int:
    name = f"evote_drill_crash_{uuid.uuid4().hex[:8]}"
    url = await create_database(name)
    workdir = Path(tempfile.mkdtemp(prefix="evote-drill-crash-"))
    server: Server | None = None
    engine = None
    try:
        await upgrade_async(url)
        settings = drill_settings(url, workdir / "keys")
        engine = create_engine(settings)
        sessionmaker = create_sessionmaker(engine)
        now = utcnow()
        started = time.monotonic()
        world = await build_world(
            sessionmaker, settings, units=voters, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=1)
        )
        say(f"world: {voters} verified owners in {time.monotonic() - started:.1f} s")
        server = Server(
            server_env(url, workdir / "keys", log_integration_interval_seconds="0.5", db_pool_size="40"),
            workdir / "server.log",
        )
        server.start()
        await server.wait_ready()
        say(f"server on {server.base_url} (pid {server.process.pid if server.process else '?'})")
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency, keepalive_expiry=1)
        by_number = {voter.number: voter for voter in world.voters}
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30, limits=limits) as client:
            load, untouched, before, at_kill = await load_until_killed(
                client, world, server, concurrency=concurrency, kill_at=int(voters * kill_after)
            )
            say(f"SIGKILL with {at_kill} requests in flight; {len(load.acknowledged)} receipts held")
            restart = time.monotonic()
            server.start()
            restart_seconds = await server.wait_ready()
            say(f"restarted in {time.monotonic() - restart:.1f} s")

            # 1. Every receipt the client holds is a stored, counted ballot with the same content hash.
            async with unit_of_work(sessionmaker) as session:
                stored = {
                    str(row.id): row
                    for row in (
                        await session.execute(
                            select(Ballot.id, Ballot.group_id, Ballot.content_hash, Ballot.status).where(
                                Ballot.vote_id == world.vote_id
                            )
                        )
                    ).all()
                }
            lost = [
                number
                for number, receipt in load.acknowledged.items()
                if (row := stored.get(receipt["ballot_id"])) is None
                or row.content_hash != receipt["content_hash"]
                or row.status is not BallotStatus.COUNTED
            ]
            committed_unanswered = {
                number
                for number in load.unanswered
                if by_number[number].group_id in {r.group_id for r in stored.values()}
            }

            # 2. Retry every unanswered request with its same key.
            retries: Counter[str] = Counter()
            retry_receipts: dict[int, dict[str, Any]] = {}
            for number in sorted(load.unanswered):
                response = await cast(client, world, by_number[number])
                if response.status_code == 201:
                    retry_receipts[number] = response.json()
                    replayed = response.json()["ballot_id"] in stored
                    retries["original receipt (had committed)" if replayed else "new ballot"] += 1
                else:
                    retries[f"{response.status_code} {response.json().get('code')}"] += 1

            # 3. The rest of the owners cast on the restarted server.
            rest: Counter[int] = Counter()
            rest_receipts: dict[int, dict[str, Any]] = {}
            gate = asyncio.Semaphore(concurrency)

            async def cast_rest(voter: Voter) -> None:
                async with gate:
                    response = await cast(client, world, voter)
                rest[response.status_code] += 1
                if response.status_code == 201:
                    rest_receipts[voter.number] = response.json()

            await asyncio.gather(*(cast_rest(voter) for voter in untouched))

            # 4. The log integrates everything; its checkpoint extends the one signed before the kill.
            pending = -1
            for _ in range(300):
                async with unit_of_work(sessionmaker) as session:
                    pending = await session.scalar(select(func.count()).where(AuditEntry.leaf_index.is_(None))) or 0
                if pending == 0:
                    break
                await asyncio.sleep(0.1)
            after = (await client.get("/api/v1/log/checkpoint", params={"format": "json"})).json()
            proof = (
                await client.get("/api/v1/log/consistency", params={"first": before["size"], "second": after["size"]})
            ).json()
            consistent = merkle.verify_consistency(
                before["size"], after["size"], base64.b64decode(before["root_hash"]),
                base64.b64decode(after["root_hash"]), [base64.b64decode(node) for node in proof["proof"]],
            )  # fmt: skip
            verifier_key = LogKeys.from_settings(settings).current.key_string  # trusted: from the key file itself
            verified, unverified = 0, []
            proven = {**load.acknowledged, **retry_receipts}
            for number, receipt in proven.items():
                document = (
                    await client.get(
                        f"/api/v1/receipts/{receipt['audit_entry_id']}",
                        params={"format": "json"},
                        headers=by_number[number].headers,
                    )
                ).json()
                try:
                    opened = open_receipt(document, verifier_key)
                except (ValueError, TypeError, KeyError):
                    unverified.append(number)
                    continue
                payload = opened.entry["payload"]
                if payload["ballot_id"] == receipt["ballot_id"] and payload["content_hash"] == receipt["content_hash"]:
                    verified += 1
                else:
                    unverified.append(number)

        # 5. The database: one counted ballot per group at most, and no ballot that no receipt names.
        async with unit_of_work(sessionmaker) as session:
            per_group = (
                await session.execute(
                    select(Ballot.group_id, func.count())
                    .where(Ballot.vote_id == world.vote_id, Ballot.status == BallotStatus.COUNTED)
                    .group_by(Ballot.group_id)
                )
            ).all()
            final = {
                str(ballot_id)
                for ballot_id in await session.scalars(select(Ballot.id).where(Ballot.vote_id == world.vote_id))
            }
        held = {
            r["ballot_id"] for r in (*load.acknowledged.values(), *retry_receipts.values(), *rest_receipts.values())
        }
        duplicated = sum(count - 1 for _, count in per_group if count > 1)
        five_xx = sum(n for s, n in (*load.statuses.items(), *rest.items()) if s >= 500)
        figures = {
            "voters": voters,
            "concurrency": concurrency,
            "attempts before the kill": load.attempts,
            "acknowledged before the kill (201)": len(load.acknowledged),
            "unanswered (in flight at SIGKILL)": f"{len(load.unanswered)} {dict(load.errors)}",
            "unanswered that had committed": len(committed_unanswered),
            "restart to ready (s)": round(restart_seconds, 2),
            "retries with the same key": dict(retries),
            "cast after the restart": dict(rest),
            "lost (acknowledged, not stored)": len(lost),
            "duplicated (groups with 2+ ballots)": duplicated,
            "ballots stored / named by a receipt": f"{len(final)} / {len(held)}",
            "5xx": five_xx,
            "log: size before kill -> after": f"{before['size']} -> {after['size']} (pending {pending})",
            "log: acknowledged receipts verified": f"{verified} / {len(proven)}",
        }
        checks = {
            "the kill hit requests in flight": len(load.unanswered) > 0,
            "0 acknowledged ballots lost": not lost,
            "every retry gives the original receipt or a new ballot": (
                set(retries) <= {"original receipt (had committed)", "new ballot"}
                and retries["original receipt (had committed)"] == len(committed_unanswered)
            ),
            "0 duplicated": duplicated == 0,
            "every owner ended with exactly one ballot": len(final) == voters and all(c == 1 for _, c in per_group),
            "nothing stored that no receipt names": final == held,
            "no 5xx": five_xx == 0,
            "the log integrated everything after the restart": pending == 0 and after["size"] > before["size"],
            "the new checkpoint is consistent with the one before the kill": consistent,
            "every acknowledged receipt's proof verifies": not unverified and verified == len(proven),
        }
        return report("crash", figures, checks)
    finally:
        if server is not None:
            server.stop()
        if engine is not None:
            await engine.dispose()
        await drop_database(name)
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--voters", type=int, default=3000, help="verified owners, one voter group each")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight")
    parser.add_argument("--kill-after", type=float, default=0.3, help="SIGKILL once this share of owners has receipts")
    args = parser.parse_args()
    return asyncio.run(run(args.voters, args.concurrency, args.kill_after))


if __name__ == "__main__":
    raise SystemExit(main())
