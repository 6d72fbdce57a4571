"""Benchmark: importing a generated 100,000-unit register into PostgreSQL through the real import service.

The register (``bench.common.register_csv``) is realistic: 30-storey buildings with two entrances, areas
with two decimals, owners with valid resident ID numbers, co-owners, organisations with valid credit codes,
second flats, unsold developer units and parking spaces. It is imported

1. through ``app.register.service.import_register`` (what the API and ``evote register import`` call) in
   one transaction, timed end to end and per phase (parsing and validation, blind indexes and the content
   hash, owners, the roll, units), then committed;
2. once more through the CLI, ``evote register import FILE --estate ID``, in a subprocess, into a second
   estate (wall time, including the interpreter's start-up and the migrations check).

Target (issue #8): 100,000 units ≤ 30 s.

    .venv/bin/python bench/register_import.py [--units 100000] [--repeat 1] [--no-cli]
        [--dsn postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.db.session import create_engine, create_sessionmaker, unit_of_work
from app.identity.service import OPERATOR
from app.register import service as register_service
from app.register.parsing import RegisterFormat
from app.security.pii import FieldCipher
from bench.common import (
    ADMIN_DSN,
    bench_settings,
    fresh_database,
    make_estate,
    peak_rss_mb,
    register_csv,
    say,
    write_results,
)

DATABASE = "evote_bench_register"
REPO = Path(__file__).resolve().parents[1]


def _timed(phases: dict[str, float], name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    if asyncio.iscoroutinefunction(function):

        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await function(*args, **kwargs)
            finally:
                phases[name] = phases.get(name, 0.0) + (time.perf_counter() - started) * 1000

        return async_wrapper

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            phases[name] = phases.get(name, 0.0) + (time.perf_counter() - started) * 1000

    return wrapper


PHASES = {
    "parse_register": "parse_validate_ms",
    "_canonical_content": "content_hash_ms",
    "_build_roll_or_raise": "roll_ms",
    "_insert_units": "insert_units_ms",
}


async def import_once(url: str, content: bytes) -> dict[str, Any]:
    settings = bench_settings(url)
    cipher = FieldCipher.from_settings(settings)
    engine = create_engine(settings)
    phases: dict[str, float] = {}
    originals = {name: getattr(register_service, name) for name in PHASES}
    owners_original = register_service.repository.owner_ids
    try:
        sessionmaker = create_sessionmaker(engine)
        async with unit_of_work(sessionmaker) as session:
            estate_id = await make_estate(session, cipher, label=os.urandom(4).hex())
        for name, label in PHASES.items():
            setattr(register_service, name, _timed(phases, label, originals[name]))
        register_service.repository.owner_ids = _timed(phases, "owners_ms", owners_original)  # type: ignore[method-assign]
        started = time.perf_counter()
        async with unit_of_work(sessionmaker) as session:
            outcome = await register_service.import_register(
                session, estate_id, content, register_format=RegisterFormat.CSV, source_name="bench.csv",
                imported_by=OPERATOR, cipher=cipher,
            )  # fmt: skip
            imported = time.perf_counter()
        committed = time.perf_counter()
    finally:
        for name in PHASES:
            setattr(register_service, name, originals[name])
        register_service.repository.owner_ids = owners_original  # type: ignore[method-assign]
        await engine.dispose()
    phases["import_ms"] = (imported - started) * 1000
    phases["commit_ms"] = (committed - imported) * 1000
    phases["total_ms"] = (committed - started) * 1000
    return {
        "phases_ms": {key: round(value, 1) for key, value in phases.items()},
        "heads": outcome.roll.total.heads,
        "area": outcome.roll.total.area,
        "units": outcome.version.unit_count,
    }


def cli_once(url: str, path: Path) -> float:
    settings = bench_settings(url)

    async def estate() -> str:
        engine = create_engine(settings)
        try:
            async with unit_of_work(create_sessionmaker(engine)) as session:
                return str(await make_estate(session, FieldCipher.from_settings(settings), label=os.urandom(4).hex()))
        finally:
            await engine.dispose()

    estate_id = asyncio.run(estate())
    environment = {**os.environ, "EVOTE_DATABASE_URL": url, "EVOTE_ENV": "test",
                   "EVOTE_DEV_KEY_DIR": str(settings.dev_key_dir), "EVOTE_LOG_JSON": "false"}  # fmt: skip
    started = time.perf_counter()
    completed = subprocess.run(  # noqa: S603 - a fixed argv: this interpreter or evote, and our temp file
        [str(REPO / ".venv/bin/evote"), "register", "import", str(path), "--estate", estate_id],
        env=environment, cwd=REPO, capture_output=True, text=True, check=False,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"evote register import failed:\n{completed.stdout}\n{completed.stderr}")
    say(f"CLI: {completed.stdout.strip().splitlines()[-1]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--no-cli", action="store_true")
    parser.add_argument("--dsn", default=ADMIN_DSN)
    args = parser.parse_args()

    started = time.perf_counter()
    content = register_csv(args.units)
    say(f"generated {args.units} units ({len(content) / 1e6:.1f} MB CSV) in {time.perf_counter() - started:.1f} s")
    url = fresh_database(DATABASE, args.dsn)
    runs = []
    for run in range(args.repeat):
        figures = asyncio.run(import_once(url, content))
        runs.append(figures)
        shown = ", ".join(f"{key[:-3]} {value / 1000:.2f}" for key, value in figures["phases_ms"].items())
        say(f"service run {run + 1}: {shown} (s); heads {figures['heads']}, area {figures['area']}")
    cli_seconds = None
    if not args.no_cli:
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "register.csv"
            path.write_bytes(content)
            cli_seconds = round(cli_once(url, path), 2)
        say(f"CLI: evote register import of {args.units} units in {cli_seconds} s (wall, new process)")
    best = min(run["phases_ms"]["total_ms"] for run in runs) / 1000
    say(f"import of {args.units} units through the service: {best:.2f} s (target <= 30 s); peak RSS {peak_rss_mb()} MB")
    write_results(
        "register_import",
        {"units": args.units, "service_seconds": round(best, 2), "cli_seconds": cli_seconds, "runs": runs,
         "peak_rss_mb": peak_rss_mb(), "target_seconds": 30},
    )  # fmt: skip


if __name__ == "__main__":
    main()
