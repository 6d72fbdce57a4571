"""Benchmark: the whole close of a 100,000-group vote with 5 topics on PostgreSQL, end to end and per phase.

Builds a world (``bench.common.World``: the register import, the vote and its publication through the real
services; 80 % of the groups' ballots, marks and ``ballot.cast`` entries loaded with COPY and integrated),
outside the timing. Then times, in one transaction as the lifecycle runner does:

* ``close_and_decide`` (``app.result.service``): lock, ``vote.closed`` with the participation, the SQL
  aggregate and the law core's decision for every topic, ``vote.decided``, publication and the result
  notice, integrating the new entries and signing the checkpoint;
* ``sign_result`` (``app.result.signing``): building the signed result document and signing it (raw
  Ed25519 and JWS).

Each run uses a copy of the closable database (``CREATE DATABASE … TEMPLATE``), so every run closes the
same vote from the same state, vacuumed first as autovacuum keeps it in production (``vacuum``; ``--no-vacuum``
closes a world no vacuum ever visited). Each run reports its client's and its backend's CPU per phase. Target
(issue #8): the tally of 100,000 groups × 5 topics ≤ 250 ms.

    .venv/bin/python bench/close_tally.py [--groups 100000] [--turnout 0.8] [--repeat 5]
        [--topics mixed|yes-no] [--reuse] [--profile] [--warm-cache] [--no-vacuum] [--template NAME] [--dsn postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.ballot import repository as ballot_repository
from app.db.session import create_engine, create_sessionmaker, unit_of_work
from app.main import settle_heap
from app.result import service as result_service
from app.result.signing import sign_result
from app.vote.models import Vote
from bench.common import (
    ADMIN_DSN,
    ENDS,
    World,
    bench_settings,
    database_url,
    raw_dsn,
    register_csv,
    say,
    write_results,
    yes_no_topics,
)
from tests.scenario import register_candidates, topics

TEMPLATES = {"mixed": "evote_bench_close", "yes-no": "evote_bench_close_yes_no"}
T = TypeVar("T")


def _wrap(
    phases: dict[str, float], cpu: dict[str, list[float]], backend: list[int], name: str,
    function: Callable[..., Awaitable[T]],
) -> Callable[..., Awaitable[T]]:  # fmt: skip
    """``function`` timed into ``phases[name]``, its CPU into ``cpu[name]``: this process's (threads too) and the
    session's backend's (``backend[0]``); a nested timed call counts in both phases."""

    async def wrapper(*args: Any, **kwargs: Any) -> T:
        started, client, server = time.perf_counter(), time.process_time(), _cpu_ms(backend[0])
        try:
            return await function(*args, **kwargs)
        finally:
            phases[name] = phases.get(name, 0.0) + (time.perf_counter() - started) * 1000
            spent = cpu.setdefault(name, [0.0, 0.0])
            spent[0] += (time.process_time() - client) * 1000
            spent[1] += _cpu_ms(backend[0]) - server

    return wrapper


def _cpu_ms(pid: int) -> float:
    """CPU time of a local process (a PostgreSQL backend) in ms: ``/proc/<pid>/schedstat``'s nanoseconds on the CPU
    (``/proc/<pid>/stat`` counts 10 ms ticks, too coarse for a phase); 0 when the pid is not known yet."""
    if pid <= 0:
        return 0.0
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e6


async def reuse(dsn: str, template: str) -> dict[str, Any] | None:
    """The closable vote of an earlier run's template database, if there is one (``--reuse``)."""
    admin = await asyncpg.connect(dsn)
    try:
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", template):
            return None
    finally:
        await admin.close()
    connection = await asyncpg.connect(raw_dsn(database_url(template, dsn)))
    try:
        vote = await connection.fetchrow("SELECT id, status FROM vote")
        if vote is None or vote["status"] not in ("PUBLISHED", "OPEN"):
            return None
        return {
            "units": await connection.fetchval("SELECT count(*) FROM unit"),
            "groups": await connection.fetchval("SELECT count(*) FROM roll_group"),
            "ballots": await connection.fetchval("SELECT count(*) FROM ballot"),
            "vote_id": vote["id"],
        }
    finally:
        await connection.close()


async def build(args: argparse.Namespace) -> dict[str, Any]:
    template = args.template or TEMPLATES[args.topics]
    if args.reuse:
        found = await reuse(args.dsn, template)
        if found is not None:
            say(f"reusing {template}: {found['groups']} groups, {found['ballots']} ballots")
            return found
    started = time.perf_counter()
    world = await World.create(template, args.dsn)
    try:
        units = round(args.groups * 1.094)  # second flats, developer units, parking: ~1.094 units per group
        register = register_csv(units)
        specs = topics(register_candidates(register)) if args.topics == "mixed" else yes_no_topics(5)
        await world.publish_vote(register, specs)
        await world.cast_ballots(args.turnout)
        size = await world.log_size()
    finally:
        await world.close()
    say(
        f"world: {units} units, {world.groups} groups, {world.ballots} ballots, log size {size}, "
        f"built in {time.perf_counter() - started:.1f} s (import {world.phases['register_import_ms'] / 1000:.1f} s, "
        f"publish {world.phases['publish_ms'] / 1000:.1f} s)"
    )
    return {"units": units, "groups": world.groups, "ballots": world.ballots, "vote_id": world.vote_id}


async def vacuum(dsn: str, template: str) -> None:
    """VACUUM (ANALYZE) the world: what autovacuum keeps in production (migration ``close_reads``: after every 10,000
    inserts into ``ballot`` or ``audit_entry``), so the close's index-only reads see a current visibility map.
    The benchmark database runs with autovacuum off; ``--no-vacuum`` measures a close no vacuum ever preceded."""
    connection = await asyncpg.connect(raw_dsn(database_url(template, dsn)))
    try:
        started = time.perf_counter()
        await connection.execute("VACUUM (ANALYZE)")
        visible = await connection.fetch(
            "SELECT relname, relallvisible, relpages FROM pg_class WHERE relname IN ('ballot', 'audit_entry')"
        )
        shown = ", ".join(f"{row['relname']} {row['relallvisible']}/{row['relpages']}" for row in visible)
        say(f"vacuumed {template} in {time.perf_counter() - started:.1f} s; all-visible pages: {shown}")
    finally:
        await connection.close()


async def close_once(
    dsn: str, template: str, vote_id: Any, *, profile: bool = False, warm_cache: bool = False
) -> dict[str, float]:
    name = f"{template}_run"
    admin = await asyncpg.connect(dsn)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        await admin.close()
    settings = bench_settings(database_url(name, dsn))
    engine = create_engine(settings)
    phases: dict[str, float] = {}
    cpu: dict[str, list[float]] = {}  # phase -> [client ms, server ms]
    backend = [0]
    # (module, attribute, phase): each is timed where it is found (an older checkout may lack some)
    timed = [
        (result_service.vote_repository, "lock_vote", "lock_ms"),
        (result_service.repository, "close_bindings", "bindings_ms"),
        (ballot_repository, "counted_commitments", "commitments_ms"),
        (result_service.repository, "bound_entries", "bound_entries_ms"),
        (result_service.repository, "participation", "participation_ms"),
        (result_service.repository, "kept_sums", "kept_sums_ms"),
        (result_service.repository, "mark_sums", "sql_aggregate_ms"),
        (result_service.repository, "topic_ballots", "election_ballots_ms"),
        (result_service, "_decide", "decide_ms"),
        (result_service.notice_service, "publish_notice", "notice_ms"),
        (result_service, "integrate_and_sign", "integrate_sign_ms"),
    ]
    originals = [
        (owner, attribute, getattr(owner, attribute)) for owner, attribute, _ in timed if hasattr(owner, attribute)
    ]
    try:
        from app.audit.keys import LogKeys

        keys = LogKeys.from_settings(settings)
        sessionmaker = create_sessionmaker(engine)
        async with sessionmaker() as warm:  # connection set-up outside the timing
            await warm.get(Vote, vote_id)
            backend[0] = int(await warm.scalar(sa.text("SELECT pg_backend_pid()")))
            async with engine.connect() as spare:  # a served pool has more than one idle connection (close_bindings)
                await spare.execute(sa.text("SELECT 1"))
            if warm_cache:  # in service the close follows the casting that just wrote these pages
                for table in ("ballot", "audit_entry", "ballot_mark"):
                    await warm.execute(sa.text(f"SELECT count(*) FROM (SELECT * FROM {table}) AS rows"))
        settle_heap()  # what a server's start-up does once its state is built (app.main lifespan)
        for owner, attribute, phase in timed:
            if hasattr(owner, attribute):
                setattr(owner, attribute, _wrap(phases, cpu, backend, phase, getattr(owner, attribute)))
        profiler = cProfile.Profile(time.process_time) if profile else None  # CPU, not the wait for a core
        server_cpu, client_cpu = _cpu_ms(backend[0]), time.process_time()
        started = time.perf_counter()
        if profiler is not None:
            profiler.enable()
        async with unit_of_work(sessionmaker) as session:
            decision = await result_service.close_and_decide(session, vote_id, now=ENDS, keys=keys)
            closed = time.perf_counter()
            closed_cpu = (time.process_time(), _cpu_ms(backend[0]))
            signed = await sign_result(session, decision.vote, keys)
            signed_at = time.perf_counter()
            signed_cpu = (time.process_time(), _cpu_ms(backend[0]))
        committed = time.perf_counter()
        phases["client_cpu_ms"] = (time.process_time() - client_cpu) * 1000  # this process, its threads too
        phases["server_cpu_ms"] = _cpu_ms(backend[0]) - server_cpu  # the session's backend (not parallel workers)
        cpu["sign_result_ms"] = [(signed_cpu[0] - closed_cpu[0]) * 1000, signed_cpu[1] - closed_cpu[1]]
        cpu["commit_ms"] = [(time.process_time() - signed_cpu[0]) * 1000, _cpu_ms(backend[0]) - signed_cpu[1]]
        phases["cpu"] = {name: [round(value, 1) for value in spent] for name, spent in cpu.items()}  # type: ignore[assignment]
        if profiler is not None:
            profiler.disable()
            stats = pstats.Stats(profiler, stream=sys.stdout)
            stats.sort_stats("tottime").print_stats(25)
            stats.sort_stats("cumulative").print_stats(40)
        phases["close_and_decide_ms"] = (closed - started) * 1000
        phases["sign_result_ms"] = (signed_at - closed) * 1000
        phases["commit_ms"] = (committed - signed_at) * 1000
        phases["total_ms"] = (committed - started) * 1000
        phases["outcomes"] = [row.outcome for row in decision.results]  # type: ignore[assignment]
        assert len(signed.signature) == 64
    finally:
        for owner, attribute, original in originals:
            setattr(owner, attribute, original)
        await engine.dispose()
        admin = await asyncpg.connect(dsn)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
    return phases


async def main(args: argparse.Namespace) -> None:
    world = await build(args)
    template = args.template or TEMPLATES[args.topics]
    if args.vacuum:
        await vacuum(args.dsn, template)
    runs = []
    for run in range(args.repeat):
        profile = args.profile and run == args.repeat - 1
        phases = await close_once(args.dsn, template, world["vote_id"], profile=profile, warm_cache=args.warm_cache)
        runs.append(phases)
        shown = ", ".join(f"{key[:-3]} {value:.1f}" for key, value in phases.items() if key.endswith("_ms"))
        say(f"run {run + 1}: {shown} (ms); outcomes {phases['outcomes']}")
        used = ", ".join(f"{name[:-3]} {client:.0f}/{server:.0f}" for name, (client, server) in phases["cpu"].items())
        say(f"  CPU client/server per phase (ms; load {os.getloadavg()[0]:.1f}): {used}")
    keys = [key for key in runs[0] if key.endswith("_ms")]
    median = {key: round(statistics.median(run.get(key, 0.0) for run in runs), 1) for key in keys}
    cpu_median = {
        name: [round(statistics.median(run["cpu"].get(name, [0.0, 0.0])[side] for run in runs), 1) for side in (0, 1)]
        for name in runs[0]["cpu"]
    }
    say(
        "median CPU client/server per phase (ms): "
        + ", ".join(f"{n[:-3]} {c:.0f}/{s:.0f}" for n, (c, s) in cpu_median.items())
    )
    tally = median["decide_ms"]  # _decide: the SQL aggregate, the law core per topic, the result rows
    say(
        f"median over {args.repeat} closes: tally (SQL aggregate + law core, _decide) {tally} ms (target <= 250 ms); "
        f"close_and_decide {median['close_and_decide_ms']} ms; sign_result {median['sign_result_ms']} ms; "
        f"total with commit {median['total_ms']} ms"
    )
    write_results(
        "close_tally" if args.topics == "mixed" else "close_tally_yes_no",
        {
            "groups": world["groups"],
            "units": world["units"],
            "ballots": world["ballots"],
            "topics": args.topics,
            "vacuumed": args.vacuum,
            "repeat": args.repeat,
            "tally_ms_median": tally,
            "median_ms": median,
            "median_cpu_ms": cpu_median,
            "load_average": [round(value, 2) for value in os.getloadavg()],
            "runs": runs,
            "target_ms": 250,
        },
    )


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--groups", type=int, default=100_000)
    parser.add_argument("--turnout", type=float, default=0.8)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--topics", choices=("mixed", "yes-no"), default="mixed")
    parser.add_argument("--warm-cache", action="store_true", help="read the tables once before each timed close")
    parser.add_argument(
        "--no-vacuum", dest="vacuum", action="store_false", help="close without vacuuming the world first (see vacuum)"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the last close (its times are inflated)")
    parser.add_argument("--reuse", action="store_true", help="close the vote of the last run's world again")
    parser.add_argument("--dsn", default=ADMIN_DSN)
    parser.add_argument("--template", help="the world's database name (default by --topics; runs use NAME_run)")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse()))
