"""Where a cast's CPU goes: casts one after another through the ASGI app in-process, under cProfile.

Sequential casts measure CPU per ballot without the noise of a busy machine (process time, not wall time), and the
profile names the functions that cost it. No uvicorn and no background tasks: only the request path.

    .venv/bin/python bench/profile_cast.py                 # 2,000 units, 600 casts, top 35 functions
    .venv/bin/python bench/profile_cast.py --casts 2000 --sort tottime
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

import orjson
import uvloop

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from app.db.base import utcnow  # noqa: E402
from app.db.session import create_engine, create_sessionmaker  # noqa: E402
from app.identity.tokens import TokenService  # noqa: E402
from app.main import attach_state, create_app, settle_heap  # noqa: E402
from bench.cast_load import configure_environment  # noqa: E402
from bench.cast_world import build_world, random_answers, recreate_database  # noqa: E402

DATABASE = "evote_bench_profile"
RESULTS = REPO / "bench" / "results"


async def run(args: argparse.Namespace) -> None:
    settings = configure_environment(args)
    database_url = settings.database_url.replace("evote_bench_cast", args.database)
    settings = settings.model_copy(update={"database_url": database_url})
    await recreate_database(args.dsn, args.database)
    world = await build_world(settings, units=args.units, votes=1, seed=7, log=lambda *_: None)
    vote = world.votes[0]
    voters = world.voters[: args.casts + args.warmup]
    tokens = TokenService.from_settings(settings)
    rng = random.Random(7)
    now = utcnow()
    requests = [
        (
            {"Authorization": f"Bearer {tokens.issue_access(str(v.account_id), now=now).token}",
             "Idempotency-Key": f"profile-{n}", "Content-Type": "application/json"},
            orjson.dumps({"group_id": v.group_id, "answers": random_answers(vote, rng)}),
        )
        for n, v in enumerate(voters)
    ]  # fmt: skip
    engine = create_engine(settings)
    app = create_app(settings)
    attach_state(app, settings, engine, create_sessionmaker(engine))
    settle_heap()  # what a worker's start-up does once its state is built (app.main lifespan)
    url = f"/api/v1/votes/{vote.id}/ballots"

    async def post(headers: dict[str, str], body: bytes) -> int:
        """One request straight into the ASGI app, as uvicorn hands it over (no HTTP client in the profile)."""
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
            "path": url, "raw_path": url.encode(), "query_string": b"", "root_path": "",
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]
            + [(b"content-length", str(len(body)).encode()), (b"host", b"bench")],
            "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000), "state": {},
        }  # fmt: skip
        sent = False
        status = 0

        async def receive() -> dict[str, object]:
            nonlocal sent
            if sent:
                await asyncio.sleep(3600)
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, object]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])  # type: ignore[call-overload]

        await app(scope, receive, send)
        return status

    for headers, body in requests[: args.warmup]:
        assert await post(headers, body) == 201
    measured = requests[args.warmup :]
    # Wall time by default; --cpu-timer charges each function its process CPU time (system time in the socket
    # calls included), which on a shared machine separates what the path costs from waiting for the cores.
    profiler = cProfile.Profile(time.process_time) if args.cpu_timer else cProfile.Profile()
    if args.callgrind:
        _callgrind("on")
    load_before = os.getloadavg()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu, wall = time.process_time(), time.perf_counter()
    if not args.no_profile:
        profiler.enable()
    for headers, body in measured:
        assert await post(headers, body) == 201
    profiler.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_SELF)
    user, system = after.ru_utime - usage.ru_utime, after.ru_stime - usage.ru_stime
    if args.callgrind:
        _callgrind("off")
    await engine.dispose()
    print(f"{len(measured)} casts: {1000 * cpu / len(measured):.2f} ms CPU ({1000 * user / len(measured):.2f} user + "
          f"{1000 * system / len(measured):.2f} system) and {1000 * wall / len(measured):.2f} ms "
          f"wall per cast (in-process, sequential, {args.loop}, profiler {'off' if args.no_profile else 'on'}); "
          f"load average {load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after")  # fmt: skip
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "profile_cast.json").write_text(
        json.dumps({
            "casts": len(measured), "cpu_ms_per_cast": round(1000 * cpu / len(measured), 3),
            "user_ms_per_cast": round(1000 * user / len(measured), 3),
            "system_ms_per_cast": round(1000 * system / len(measured), 3),
            "wall_ms_per_cast": round(1000 * wall / len(measured), 3), "profiler": not args.no_profile,
            "loop": args.loop,
            "load_average": [round(value, 2) for value in os.getloadavg()],
            "load_average_before": [round(value, 2) for value in load_before], "target_cpu_ms": 1.0,
        }, indent=2) + "\n"
    )  # fmt: skip
    if not args.no_profile and args.save:
        profiler.dump_stats(args.save)
    if not args.no_profile:
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)


def _callgrind(state: str) -> None:
    """Instrumentation on or off in this process when it runs under ``valgrind --tool=callgrind --instr-atstart=no``:
    instructions executed are a measure of CPU that a busy machine does not inflate."""
    subprocess.run(["callgrind_control", "-i", state, str(os.getpid())], check=True, capture_output=True)  # noqa: S603,S607
    time.sleep(0.5)  # callgrind applies the request at its next check


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=2_000)
    parser.add_argument("--casts", type=int, default=600)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--no-profile", action="store_true", help="time only (cProfile roughly doubles the CPU)")
    parser.add_argument("--cpu-timer", action="store_true", help="profile process CPU time instead of wall time")
    parser.add_argument(
        "--callgrind",
        action="store_true",
        help="under valgrind --tool=callgrind --instr-atstart=no: collect only the measured casts",
    )
    parser.add_argument("--pool-size", type=int, default=None)
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--save", type=Path, help="also write the profile there (for pstats)")
    parser.add_argument("--database", default=DATABASE, help="a database of one's own on a shared server")
    parser.add_argument(
        "--loop", choices=("uvloop", "asyncio"), default="uvloop",
        help="uvloop is what a worker runs (`evote serve`: uvicorn's loop='auto' takes it when installed)",
    )  # fmt: skip
    args = parser.parse_args()
    with asyncio.Runner(loop_factory=uvloop.new_event_loop if args.loop == "uvloop" else None) as runner:
        runner.run(run(args))


if __name__ == "__main__":
    main()
