"""Benchmark: close-time tally of a 100,000-group estate with 5 topics through the SQL path on PostgreSQL.

Generates the ballots once (COPY), then times ``answer_sums`` + ``decide`` for all five topics several
times and prints the figures; writes them as JSON to bench/results/tally_sql.json. Target (issue #3):
<= 250 ms on the 2-core reference machine. Run by hand:

    .venv/bin/python bench/tally_sql.py [--groups 100000] [--topics 5] [--repeat 7]
        [--dsn postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import random
import statistics
import time
from pathlib import Path

import asyncpg
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from app.result.tally_sql import answer_sums, topic_counts
from app.rules.categories import Category, statutory_rule
from app.rules.counts import Weight
from app.rules.tally import decide

DATABASE = "evote_bench"
metadata = sa.MetaData()
ballots = sa.Table(
    "bench_ballot",
    metadata,
    sa.Column("topic_id", sa.Integer, primary_key=True),
    sa.Column("group_key", sa.Integer, primary_key=True),
    sa.Column("answer", sa.String(16), nullable=False),
    sa.Column("area", sa.BigInteger, nullable=False),
)


async def prepare(dsn: str, groups: int, topics: int, seed: int) -> Weight:
    admin = await asyncpg.connect(dsn)
    try:
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", DATABASE):
            await admin.execute(f"CREATE DATABASE {DATABASE}")
    finally:
        await admin.close()
    connection = await asyncpg.connect(dsn.rsplit("/", 1)[0] + "/" + DATABASE)
    try:
        await connection.execute("DROP TABLE IF EXISTS bench_ballot")
        await connection.execute(
            "CREATE TABLE bench_ballot (topic_id int, group_key int, answer varchar(16) NOT NULL, "
            "area bigint NOT NULL, PRIMARY KEY (topic_id, group_key))"
        )
        rng = random.Random(seed)
        areas = [rng.randint(4000, 25000) for _ in range(groups)]  # 40 to 250 m²
        records = []
        for topic in range(topics):
            for group, area in enumerate(areas):
                draw = rng.random()
                if draw < 0.8:  # 80 % turnout, like a well-run vote
                    answer = "AGREE" if draw < 0.55 else "OPPOSE" if draw < 0.7 else "ABSTAIN"
                    records.append((topic, group, answer, area))
        await connection.copy_records_to_table("bench_ballot", records=records)
        await connection.execute("ANALYZE bench_ballot")
    finally:
        await connection.close()
    return Weight(groups, sum(areas))


async def measure(dsn: str, total: Weight, topics: int, repeat: int) -> list[float]:
    url = dsn.replace("postgresql://", "postgresql+asyncpg://", 1).rsplit("/", 1)[0] + "/" + DATABASE
    engine = create_async_engine(url)
    timings: list[float] = []
    outcomes: list[str] = []
    try:
        async with AsyncSession(engine) as session:
            await session.execute(sa.text("SELECT 1"))  # connection set up outside the timing
            for _ in range(repeat):
                started = time.perf_counter()
                sums = await answer_sums(session, ballots)
                results = [
                    decide(topic_counts(sums.get(topic, {}), total), statutory_rule(Category.ORDINARY))
                    for topic in range(topics)
                ]
                timings.append((time.perf_counter() - started) * 1000)
                outcomes = [result.outcome.value for result in results]
    finally:
        await engine.dispose()
    print(f"outcomes: {outcomes}")
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--groups", type=int, default=100_000)
    parser.add_argument("--topics", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()

    started = time.perf_counter()
    total = asyncio.run(prepare(args.dsn, args.groups, args.topics, args.seed))
    print(f"generated {args.groups} groups x {args.topics} topics in {time.perf_counter() - started:.1f} s")
    timings = asyncio.run(measure(args.dsn, total, args.topics, args.repeat))
    figures = {
        "benchmark": "tally_sql",
        "groups": args.groups,
        "topics": args.topics,
        "repeat": args.repeat,
        "ms_min": round(min(timings), 1),
        "ms_median": round(statistics.median(timings), 1),
        "ms_max": round(max(timings), 1),
        "target_ms": 250,
        "machine": f"{platform.machine()} {platform.processor() or ''} python {platform.python_version()}".strip(),
    }
    print(
        f"tally via SQL: min {figures['ms_min']} ms, median {figures['ms_median']} ms, max {figures['ms_max']} ms "
        f"(target <= 250 ms) over {args.repeat} runs"
    )
    out = Path(__file__).parent / "results" / "tally_sql.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
