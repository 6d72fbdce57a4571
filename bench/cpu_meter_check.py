"""Check ``cast_load.CpuMeter``'s PostgreSQL figure against connections that come and go during the phase.

    .venv/bin/python bench/cpu_meter_check.py          # ~10 s; PostgreSQL on this host, database evote_bench_meter

In a database of its own, a phase runs two connections that live through it and ``--connections`` short ones
(``--parallel`` at a time), each burning CPU in PostgreSQL (``count(*)`` over ``generate_series``); every connection
reads its own backend's CPU time (``/proc/<pid>/schedstat``, nanoseconds) just before it closes (or at the phase's
end), which is the truth. The meter's figure must match it; the figure the meter gave before it read the
postmaster's reaped children (backends alive at the end only) is printed beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.cast_load import CpuMeter

DATABASE = "evote_bench_meter"
WORK = "SELECT count(*) FROM generate_series(1, $1::integer)"


def on_cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/schedstat") as handle:
        return int(handle.read().split()[0]) / 1e9


async def main(args: argparse.Namespace) -> None:
    admin = await asyncpg.connect(args.dsn)
    try:
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", DATABASE):
            await admin.execute(f"CREATE DATABASE {DATABASE}")
    finally:
        await admin.close()
    dsn = args.dsn.rsplit("/", 1)[0] + "/" + DATABASE
    truth = 0.0
    at_end_only = 0.0  # what a meter reading only the backends alive at the end would have counted
    gate = asyncio.Semaphore(args.parallel)

    async def short() -> None:
        nonlocal truth
        async with gate:
            connection = await asyncpg.connect(dsn)
            pid = await connection.fetchval("SELECT pg_backend_pid()")
            for _ in range(args.statements):
                await connection.fetchval(WORK, args.rows)
            truth += on_cpu_seconds(pid)
            await connection.close()

    long_lived = [await asyncpg.connect(dsn) for _ in range(2)]
    pids = [await connection.fetchval("SELECT pg_backend_pid()") for connection in long_lived]
    async with CpuMeter(dsn, []) as meter:
        before = [on_cpu_seconds(pid) for pid in pids]
        started = time.perf_counter()

        async def busy(connection: asyncpg.Connection) -> None:
            while time.perf_counter() - started < args.seconds:
                await connection.fetchval(WORK, args.rows)

        await asyncio.gather(*(short() for _ in range(args.connections)), *(busy(c) for c in long_lived))
        lived = sum(on_cpu_seconds(pid) - was for pid, was in zip(pids, before, strict=True))
        truth += lived
        at_end_only = lived
    for connection in long_lived:
        await connection.close()
    wall = time.perf_counter() - started
    counted = meter.postgres_seconds
    print(f"phase {wall:.1f} s, {args.connections} short connections ({args.parallel} at a time) and 2 long-lived")
    print(f"truth (each backend's own schedstat):      {truth:7.2f} CPU s")
    print(
        f"meter:                                     {counted:7.2f} CPU s  ({100 * (counted - truth) / truth:+.1f} %; "
        f"from the reaped total {meter.cores['postgres_reaped'] * meter.elapsed:.2f} s)"
    )
    print(f"backends alive at the end only (old meter): {at_end_only:7.2f} CPU s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--connections", type=int, default=60)
    parser.add_argument("--parallel", type=int, default=4)
    parser.add_argument("--statements", type=int, default=3)
    parser.add_argument("--rows", type=int, default=400_000)
    parser.add_argument("--seconds", type=float, default=6.0, help="how long the two long-lived connections work")
    asyncio.run(main(parser.parse_args()))
