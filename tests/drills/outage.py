"""Drill: database outage (issue #9 item 3). PostgreSQL is stopped under casting load and started again.

The machine's shared PostgreSQL is never touched: the drill creates a throwaway cluster (``initdb`` into a temp
directory owned by the ``postgres`` OS user, started with ``pg_ctl`` on a free loopback port), runs
``evote serve`` against it and casts with 16 requests in flight, every owner with its own Idempotency-Key and
retrying on 503 or on no answer. Once a share of the owners has receipts, the cluster is stopped
(``pg_ctl stop -m fast``) for about 5 seconds and started again. Checks:

* while it is down, casts get 503 ``application/problem+json`` (``db.unavailable``) with ``Retry-After``, never
  another 5xx and never a request that hangs past the client's bound; ``/readyz`` is 503 and ``/healthz`` 200;
* after it is back the same server process recovers by itself (the pool pre-pings and reconnects);
* retries with the same key end with every owner holding one receipt: 0 lost, 0 duplicated, and no ballot in the
  database that no receipt names.

The cluster is stopped and deleted at the end, also on failure. Needs root (``runuser``) and PostgreSQL 15's
binaries in /usr/lib/postgresql/15/bin (``--pg-bin`` to change). Run (about a minute)::

    .venv/bin/python -m tests.drills.outage [--voters 1000] [--concurrency 16] [--down 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from app.ballot.models import Ballot, BallotStatus
from app.db.base import utcnow
from app.db.migrate import upgrade_async
from app.db.session import create_engine, create_sessionmaker, unit_of_work
from app.http.problems import PROBLEM_MEDIA_TYPE
from tests.drills.common import (
    Server,
    Voter,
    World,
    build_world,
    create_database,
    drill_settings,
    free_port,
    report,
    say,
    server_env,
)

PG_BIN = Path("/usr/lib/postgresql/15/bin")
RUNUSER = shutil.which("runuser") or "/usr/sbin/runuser"
CLIENT_TIMEOUT = 20.0  # seconds: a request that takes longer counts as a hang


class Cluster:
    """A throwaway PostgreSQL cluster owned by the ``postgres`` OS user, on a loopback port."""

    def __init__(self, root: Path, pg_bin: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.pg_bin = pg_bin
        self.port = free_port()

    def _run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([RUNUSER, "-u", "postgres", "--", *argv], capture_output=True, text=True, timeout=120)
        if check and done.returncode != 0:
            raise RuntimeError(f"{Path(argv[0]).name} failed ({done.returncode}): {done.stderr.strip()}")
        return done

    def init(self) -> None:
        shutil.chown(self.root, "postgres", "postgres")
        os.chmod(self.root, 0o700)
        self._run(str(self.pg_bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8")  # fmt: skip

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.root}"
        self._run(str(self.pg_bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "postgres.log"),
                  "-o", options, "-w", "-t", "60", "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.pg_bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(str(self.pg_bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)

    @property
    def admin_dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"


@dataclass
class Observed:
    """Everything the client saw, stamped with the loop time."""

    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    problems_503: int = 0
    well_formed_503: int = 0
    transport: Counter[str] = field(default_factory=Counter)
    hangs: int = 0
    slowest: float = 0.0
    receipts: dict[int, dict[str, Any]] = field(default_factory=dict)
    refused: dict[int, str] = field(default_factory=dict)
    retried_voters: set[int] = field(default_factory=set)
    accepted_at: list[float] = field(default_factory=list)
    probes: list[tuple[float, str, int]] = field(default_factory=list)


async def cast_until_done(
    client: httpx.AsyncClient, world: World, voter: Voter, seen: Observed, deadline: float
) -> None:
    """Cast with one Idempotency-Key, retrying on 503 and on no answer, until 201 or a final 4xx."""
    loop = asyncio.get_running_loop()
    headers = voter.headers | {"Idempotency-Key": f"outage-drill-{voter.number}"}
    while loop.time() < deadline:
        started = loop.time()
        seen.requests += 1
        try:
            response = await client.post(world.ballots_url, json=world.ballot(voter), headers=headers)
        except httpx.TimeoutException:
            seen.hangs += 1
            seen.retried_voters.add(voter.number)
            continue
        except httpx.HTTPError as exc:
            seen.transport[type(exc).__name__] += 1
            seen.retried_voters.add(voter.number)
            await asyncio.sleep(0.2)
            continue
        finally:
            seen.slowest = max(seen.slowest, loop.time() - started)
        seen.statuses[response.status_code] += 1
        if response.status_code == 201:
            seen.receipts[voter.number] = response.json()
            seen.accepted_at.append(loop.time())
            return
        if response.status_code == 503:
            seen.problems_503 += 1
            seen.well_formed_503 += (
                response.headers.get("content-type") == PROBLEM_MEDIA_TYPE
                and response.headers.get("retry-after", "").isdigit()
                and response.json().get("code") == "db.unavailable"
            )
            seen.retried_voters.add(voter.number)
            await asyncio.sleep(0.2)  # shorter than Retry-After, to keep pressure on the recovery
            continue
        if response.status_code >= 500:
            seen.retried_voters.add(voter.number)
            await asyncio.sleep(0.2)
            continue
        seen.refused[voter.number] = str(response.json().get("code"))
        return


async def probe(client: httpx.AsyncClient, seen: Observed, stop: asyncio.Event) -> None:
    """``/readyz`` and ``/healthz`` every 200 ms for the whole drill."""
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        for path in ("/readyz", "/healthz"):
            try:
                status = (await client.get(path, timeout=5)).status_code
            except httpx.HTTPError:
                status = 0
            seen.probes.append((loop.time(), path, status))
        await asyncio.sleep(0.2)


async def run(voters: int, concurrency: int, down: float, stop_after: float, pg_bin: Path) -> int:
    root = Path(tempfile.mkdtemp(prefix="evote-drill-outage-"))
    os.chmod(root, 0o711)  # noqa: S103 - traverse only: the postgres user must reach its cluster directory
    cluster = Cluster(root / "pg", pg_bin)
    (root / "pg").mkdir()
    server: Server | None = None
    engine = None
    try:
        cluster.init()
        cluster.start()
        say(f"throwaway PostgreSQL cluster on 127.0.0.1:{cluster.port} in {cluster.root}")
        url = await create_database("evote_outage", cluster.admin_dsn)
        await upgrade_async(url)
        keys = root / "keys"
        settings = drill_settings(url, keys)
        engine = create_engine(settings)
        sessionmaker = create_sessionmaker(engine)
        now = utcnow()
        world = await build_world(
            sessionmaker, settings, units=voters, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=1)
        )
        await engine.dispose()  # the drill's own pool must not hold connections across the outage
        server = Server(
            server_env(url, keys, db_connect_timeout_seconds="2", db_pool_timeout_seconds="5",
                       log_integration_interval_seconds="0.5"),
            root / "server.log",
        )  # fmt: skip
        server.start()
        await server.wait_ready()
        pid = server.process.pid if server.process else None
        say(f"server on {server.base_url} (pid {pid})")

        loop = asyncio.get_running_loop()
        seen = Observed()
        stop_probing = asyncio.Event()
        window: dict[str, float] = {}
        limits = httpx.Limits(max_connections=concurrency + 4, max_keepalive_connections=concurrency + 4)
        async with httpx.AsyncClient(base_url=server.base_url, timeout=CLIENT_TIMEOUT, limits=limits) as client:
            deadline = loop.time() + 300
            queue = list(reversed(world.voters))

            enough = asyncio.Event()

            async def worker() -> None:
                while queue:
                    await cast_until_done(client, world, queue.pop(), seen, deadline)
                    if len(seen.receipts) >= voters * stop_after:
                        enough.set()
                enough.set()

            async def outage() -> None:
                await enough.wait()
                window["stop requested"] = loop.time()
                await asyncio.to_thread(cluster.stop, "fast")
                window["down"] = loop.time()
                say(f"PostgreSQL stopped with {len(seen.receipts)} receipts held")
                await asyncio.sleep(down)
                window["start requested"] = loop.time()
                await asyncio.to_thread(cluster.start)
                window["up"] = loop.time()
                say("PostgreSQL started again")

            probing = asyncio.create_task(probe(client, seen, stop_probing))
            await asyncio.gather(outage(), *(worker() for _ in range(concurrency)))
            stop_probing.set()
            await probing

        engine = create_engine(settings)
        async with unit_of_work(create_sessionmaker(engine)) as session:
            rows = (
                await session.execute(
                    select(Ballot.id, Ballot.group_id, Ballot.content_hash).where(
                        Ballot.vote_id == world.vote_id, Ballot.status == BallotStatus.COUNTED
                    )
                )
            ).all()
            groups_with_more = await session.scalar(
                select(func.count()).select_from(
                    select(Ballot.group_id)
                    .where(Ballot.vote_id == world.vote_id, Ballot.status == BallotStatus.COUNTED)
                    .group_by(Ballot.group_id)
                    .having(func.count() > 1)
                    .subquery()
                )
            )
        stored = {str(row.id): row for row in rows}
        held = {receipt["ballot_id"] for receipt in seen.receipts.values()}
        lost = [
            n
            for n, r in seen.receipts.items()
            if r["ballot_id"] not in stored or stored[r["ballot_id"]].content_hash != r["content_hash"]
        ]
        down_from, up_at = window["down"], window["up"]
        during = [
            (path, status) for at, path, status in seen.probes if down_from + 0.5 <= at <= window["start requested"]
        ]
        ready_down = Counter(status for path, status in during if path == "/readyz")
        health_down = Counter(status for path, status in during if path == "/healthz")
        first_after = min((at for at in seen.accepted_at if at >= up_at), default=None)
        recovery = None if first_after is None else round(first_after - up_at, 2)
        ready_after = min(
            (at for at, path, status in seen.probes if path == "/readyz" and status == 200 and at >= up_at),
            default=None,
        )
        other_5xx = sum(n for status, n in seen.statuses.items() if status >= 500 and status != 503)
        same_process = server.process is not None and server.process.poll() is None and server.starts == 1
        figures = {
            "voters": voters,
            "concurrency": concurrency,
            "database down (s)": round(up_at - down_from, 2),
            "requests (attempts incl. retries)": seen.requests,
            "accepted (owners with a receipt)": len(seen.receipts),
            "responses by status": dict(sorted(seen.statuses.items())),
            "503 problem+json with Retry-After": f"{seen.well_formed_503} / {seen.problems_503}",
            "5xx other than 503": other_5xx,
            "no answer (transport errors)": dict(seen.transport) or 0,
            "hangs (> client bound)": f"{seen.hangs} (bound {CLIENT_TIMEOUT:.0f} s, slowest {seen.slowest:.2f} s)",
            "owners who had to retry": len(seen.retried_voters),
            "/readyz while down": dict(ready_down),
            "/healthz while down": dict(health_down),
            "first receipt after restart (s)": recovery,
            "/readyz 200 again after restart (s)": None if ready_after is None else round(ready_after - up_at, 2),
            "server restarted": not same_process,
            "lost": len(lost),
            "duplicated (groups with 2+ ballots)": groups_with_more,
            "ballots stored / named by a receipt": f"{len(stored)} / {len(held)}",
            "refused (4xx)": dict(Counter(seen.refused.values())) or 0,
        }
        checks = {
            "casts got 503 while the database was down": seen.problems_503 > 0,
            "every 503 is problem+json db.unavailable with Retry-After": seen.well_formed_503 == seen.problems_503,
            "no other 5xx": other_5xx == 0,
            "no request hung past the bound": seen.hangs == 0,
            "/readyz was 503 while down": bool(ready_down) and set(ready_down) == {503},
            "/healthz was 200 while down": bool(health_down) and set(health_down) == {200},
            "recovered without a restart": same_process and recovery is not None,
            "every owner holds a receipt": len(seen.receipts) == voters and not seen.refused,
            "0 lost": not lost,
            "0 duplicated": groups_with_more == 0 and len(stored) == voters,
            "nothing stored that no receipt names": set(stored) == held,
        }
        return report("outage", figures, checks)
    finally:
        if server is not None:
            server.stop()
        if engine is not None:
            await engine.dispose()
        cluster.destroy()
        shutil.rmtree(root, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--voters", type=int, default=1000, help="verified owners, one voter group each")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight")
    parser.add_argument("--down", type=float, default=5.0, help="seconds the database stays down")
    parser.add_argument("--stop-after", type=float, default=0.3, help="stop it once this share of owners has receipts")
    parser.add_argument("--pg-bin", type=Path, default=PG_BIN, help="PostgreSQL binaries (initdb, pg_ctl)")
    args = parser.parse_args()
    return asyncio.run(run(args.voters, args.concurrency, args.down, args.stop_after, args.pg_bin))


if __name__ == "__main__":
    raise SystemExit(main())
