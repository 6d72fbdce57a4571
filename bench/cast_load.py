"""Benchmark: casting ballots over HTTP against the real server, beside a raw-asyncpg baseline, in one run (issue #8).

One command (``.venv/bin/python bench/cast_load.py``):

1. generates a realistic estate (``bench/cast_world.py``: 20,000 units → ~18,000 voter groups, co-owned and
   multi-unit owners, one verified account per caster) with one open vote per concurrency level for HTTP and
   one per level for the baseline, so each group casts at most once per vote;
2. starts the real server (``evote serve --workers N``) on the generated database, with logs at WARNING;
3. per concurrency level C (16, 64, 200): C keep-alive connections on loopback, each POSTing pre-built ballot
   requests (every topic answered, an ``Idempotency-Key``, distinct voter groups) back to back, after an
   unmeasured warm-up, bounded by ``--duration`` seconds and by the number of voters; records every latency,
   counts 201 as ballots and anything else as errors by status; samples each worker's RSS and the CPU time of
   the workers, PostgreSQL and the driver;
4. stops the server, then runs the baseline: the same database writes with raw asyncpg and no HTTP (a pool of C
   connections, each task running cast transactions back to back: read the vote FOR SHARE, read the roll group,
   insert the ballot ON CONFLICT DO NOTHING on the partial unique index, its marks in one statement, its audit
   entry with the payload hash, the idempotency record);
5. verifies every vote afterwards (counted ballots = 201s/commits, the same groups, no group twice, marks and
   audit entries per ballot) and prints a table with the targets, PASS/MISS, and writes
   ``bench/results/cast_load-<timestamp>.json``.

The driver is a minimal asyncio HTTP/1.1 client (request bytes built before the clock starts; it parses the
status line and Content-Length only) so it costs little of the CPU it shares with the server and PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import orjson
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.db.base import utcnow
from app.identity.tokens import TokenService
from app.ledger.canonical import canonical_sha256
from app.ledger.entries import entry_payload_sha256
from app.settings import Settings
from app.vote.spec import marks_for_ballot
from bench.cast_world import BenchVote, Voter, World, build_world, database_url, random_answers, recreate_database

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
console = Console(highlight=False, width=max(120, shutil.get_terminal_size((140, 40)).columns))

TARGET_RATE_64 = 1500.0
TARGET_P99_64_MS = 100.0
TARGET_RATIO_64 = 0.40
TARGET_FLAT_200 = 0.80  # ballots/s at 200 clients at least 80 % of those at 16
TARGET_RSS_MB = 250.0


# --- statistics ------------------------------------------------------------------------------------------------


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list (ms); 0 for no values."""
    if not sorted_values:
        return 0.0
    rank = max(1, min(len(sorted_values), math.ceil(fraction * len(sorted_values))))
    return sorted_values[rank - 1]


@dataclass
class Phase:
    """What one measured phase (HTTP or baseline, one level) recorded."""

    clients: int
    ok: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    elapsed_s: float = 0.0
    exhausted: bool = False  # ran out of voters before the time limit
    error_samples: dict[str, str] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        values = sorted(self.latencies_ms)
        return {
            "clients": self.clients,
            "ballots": self.ok,
            "errors": dict(self.errors),
            "error_samples": self.error_samples,
            "elapsed_s": round(self.elapsed_s, 3),
            "ballots_per_s": round(self.ok / self.elapsed_s, 1) if self.elapsed_s else 0.0,
            "p50_ms": round(percentile(values, 0.50), 2),
            "p95_ms": round(percentile(values, 0.95), 2),
            "p99_ms": round(percentile(values, 0.99), 2),
            "max_ms": round(values[-1], 2) if values else 0.0,
            "mean_ms": round(statistics.fmean(values), 2) if values else 0.0,
            "voters_exhausted": self.exhausted,
        }


# --- processes: the server, its workers' RSS, CPU time --------------------------------------------------------


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as handle:
                    fields = handle.read().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def worker_pids(server_pid: int) -> list[int]:
    """uvicorn's worker processes (multiprocessing spawn children), or the server itself with one worker."""
    workers = [pid for pid in _children(server_pid) if "spawn_main" in _cmdline(pid)]
    return sorted(workers) or [server_pid]


def rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[bytes] | None:
    """The fields of ``/proc/<pid>/stat`` after the command name (``fields[0]`` is field 3, the state)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[1].split()
    except OSError:
        return None


def cpu_seconds(pid: int) -> float:
    fields = _stat(pid)
    return 0.0 if fields is None else (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def reaped_cpu_seconds(pid: int) -> float:
    """The CPU of ``pid``'s children that have exited and been waited for: cutime + cstime (fields 16-17), each
    child's whole lifetime, added by the kernel when the parent reaps it."""
    fields = _stat(pid)
    return 0.0 if fields is None else (int(fields[13]) + int(fields[14])) / TICK


def children_of(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(child) for child in handle.read().split()]
    except OSError:
        return []


class CpuMeter:
    """CPU seconds used during a phase by the server's workers, the bench database's PostgreSQL backends (other
    databases on the same server are left out), PostgreSQL's background processes and this driver, as cores (CPU
    seconds per wall second).

    PostgreSQL's backends come and go during a phase (a pool closing a connection, a baseline pool's last ones), and
    an exited process's CPU can no longer be read from it. So every ``interval`` the meter reads each child of the
    postmaster (``/proc/<postmaster>/task/<postmaster>/children``: the backends of every database, autovacuum and
    the background processes; the database of each from ``pg_stat_activity``) and keeps its last CPU time. A child
    that exits is reaped by the postmaster, and the kernel adds its whole lifetime's CPU to the postmaster's
    cutime + cstime: the delta of that over the phase is exactly the CPU of the children that exited in it. Of that,
    the exited children of other databases count at their last reading; the rest, minus what the exited bench
    backends had used before the phase, is the bench database's: its exited backends, and any child that lived and
    died between two readings (so on a server shared with other work, another database's connection shorter than
    ``interval`` counts here, and another's CPU after its last reading; ``postgres_reaped`` shows how much of the
    bench database's figure came from the reaped total). ``bench/cpu_meter_check.py`` checks the method against
    connections that each read their own backend's CPU before closing.
    """

    def __init__(self, dsn: str, workers: list[int], interval: float = 0.1) -> None:
        self.dsn = dsn
        self.workers = workers
        self.interval = interval
        self.database: dict[int, str | None] = {}  # postmaster child -> its database (None: background process)
        self.last: dict[int, float] = {}  # postmaster child -> CPU seconds at its last reading

    async def _read(self) -> list[int]:
        """Read every postmaster child's CPU now; returns the children alive."""
        alive = [pid for pid in children_of(self.postmaster) if pid != self.own_backend]
        if any(pid not in self.database for pid in alive):
            rows = await self.connection.fetch("SELECT pid, datname FROM pg_stat_activity")
            for row in rows:
                self.database.setdefault(row["pid"], row["datname"])
        for pid in alive:
            fields = _stat(pid)
            if fields is not None:
                self.last[pid] = (int(fields[11]) + int(fields[12])) / TICK
        return alive

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self._read()

    async def __aenter__(self) -> CpuMeter:
        self.connection = await asyncpg.connect(self.dsn)
        self.own_backend, self.bench_database = await self.connection.fetchrow(
            "SELECT pg_backend_pid(), current_database()"
        )
        fields = _stat(self.own_backend)
        assert fields is not None, "the meter reads PostgreSQL's processes: run it on the database's host"
        self.postmaster = int(fields[1])  # a backend's parent
        self.reaped_before = reaped_cpu_seconds(self.postmaster)
        await self._read()
        self.started = dict(self.last) | {pid: cpu_seconds(pid) for pid in self.workers}
        self.driver = time.process_time()
        self.wall = time.perf_counter()
        self.task = asyncio.create_task(self._poll())
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        alive = set(await self._read())
        reaped = reaped_cpu_seconds(self.postmaster) - self.reaped_before
        wall = time.perf_counter() - self.wall
        driver = time.process_time() - self.driver
        await self.connection.close()

        def used(pid: int, now: float) -> float:  # a process that started during the phase counts from zero
            return now - self.started.get(pid, 0.0)

        def ours(pid: int) -> bool:  # unclassified (gone before its first reading) counts as the bench database's
            return self.database.get(pid, self.bench_database) == self.bench_database

        exited = [pid for pid in self.last if pid not in alive]
        others_exited = sum(self.last[pid] for pid in exited if not ours(pid))
        ours_reaped = reaped - others_exited - sum(self.started.get(pid, 0.0) for pid in exited if ours(pid))
        live_backends = sum(used(pid, self.last[pid]) for pid in alive if self.database.get(pid) == self.bench_database)
        background = sum(used(pid, self.last[pid]) for pid in alive if self.database.get(pid, "") is None)
        workers = {pid: used(pid, cpu_seconds(pid)) for pid in self.workers}
        self.elapsed = wall
        self.postgres_seconds = live_backends + max(ours_reaped, 0.0)
        self.cores = {
            "workers": round(sum(workers.values()) / wall, 2),
            # each worker apart: an uneven share of the connections shows as one worker far busier than another
            "each_worker": [round(value / wall, 2) for value in workers.values()],  # type: ignore[dict-item]
            "postgres": round(self.postgres_seconds / wall, 2),
            "postgres_reaped": round(max(ours_reaped, 0.0) / wall, 2),
            "postgres_background": round(background / wall, 2),
            "driver": round(driver / wall, 2),
        }


class RssSampler(threading.Thread):
    """Max VmRSS per worker, sampled every ``interval`` seconds while the load runs."""

    def __init__(self, pids: list[int], interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.pids = pids
        self.interval = interval
        self.max_mb: dict[int, float] = dict.fromkeys(pids, 0.0)
        self.stop_event = threading.Event()

    def run(self) -> None:
        while not self.stop_event.is_set():
            for pid in self.pids:
                value = rss_mb(pid)
                if value is not None and value > self.max_mb[pid]:
                    self.max_mb[pid] = value
            self.stop_event.wait(self.interval)

    def stop(self) -> dict[str, float]:
        self.stop_event.set()
        self.join()
        return {str(pid): round(value, 1) for pid, value in self.max_mb.items()}


class WaitSampler:
    """Samples ``pg_stat_activity`` of the bench database: what the server's connections are doing or waiting for.

    ``idle in transaction`` with ``ClientRead`` means PostgreSQL waits for the application inside a transaction;
    ``Lock`` waits mean transactions queue behind each other.
    """

    def __init__(self, dsn: str, interval: float = 0.1) -> None:
        self.dsn = dsn
        self.interval = interval
        self.states: Counter[str] = Counter()
        self.waiting_queries: Counter[str] = Counter()
        self.samples = 0

    async def __aenter__(self) -> WaitSampler:
        self.connection = await asyncpg.connect(self.dsn)
        self.task = asyncio.create_task(self._run())
        return self

    async def _run(self) -> None:
        query = (
            "SELECT state, wait_event_type, wait_event, left(regexp_replace(query, '\\s+', ' ', 'g'), 90) AS query "
            "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend'"
        )
        while True:
            rows = await self.connection.fetch(query)
            self.samples += 1
            for row in rows:
                state = row["state"] or "?"
                if state == "idle":
                    continue
                wait = f"{row['wait_event_type']}:{row['wait_event']}" if row["wait_event_type"] else "on CPU"
                self.states[f"{state} / {wait}"] += 1
                if row["wait_event_type"] == "Lock" or state == "active":
                    self.waiting_queries[f"{wait} | {row['query']}"] += 1
            await asyncio.sleep(self.interval)

    async def __aexit__(self, *exc: object) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        await self.connection.close()

    def summary(self) -> dict[str, Any]:
        """Average number of connections per state/wait, and the most seen active or lock-waiting queries."""
        per = max(1, self.samples)
        return {
            "samples": self.samples,
            "mean_connections": {key: round(count / per, 2) for key, count in self.states.most_common(8)},
            "top_active_or_waiting": [
                [query, round(count / per, 2)] for query, count in self.waiting_queries.most_common(8)
            ],
        }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(workers: int, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    evote = Path(sys.executable).parent / "evote"
    command = [str(evote)] if evote.exists() else [sys.executable, "-m", "app"]
    command += ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    log = log_path.open("wb")
    return subprocess.Popen(command, cwd=REPO, env=os.environ.copy(), stdout=log, stderr=subprocess.STDOUT)  # noqa: S603


async def wait_ready(port: int, process: subprocess.Popen[bytes], workers: int, limit_s: float = 90) -> list[int]:
    deadline = time.monotonic() + limit_s
    request = f"GET /readyz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    ready = 0
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}; see its log")
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            try:
                status, _ = await _exchange(reader, writer, request)
            finally:
                writer.close()
            ready = ready + 1 if status == 200 else 0
        except OSError:
            ready = 0
        pids = worker_pids(process.pid)
        if ready >= 3 and (workers == 1 or len(pids) >= workers):
            return pids
        await asyncio.sleep(0.3)
    raise RuntimeError("the server did not become ready in time")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- the HTTP driver -------------------------------------------------------------------------------------------


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> tuple[int, bytes]:
    """Send one request and read one response: status line, Content-Length (or chunked) body."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    lower = head.lower()
    at = lower.find(b"\r\ncontent-length:")
    if at >= 0:
        end = lower.index(b"\r\n", at + 2)
        body = await reader.readexactly(int(lower[at + 17 : end]))
    elif b"\r\ntransfer-encoding: chunked" in lower:
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
            chunks.append(await reader.readexactly(size + 2))
            if size == 0:
                break
        body = b"".join(chunk[:-2] for chunk in chunks)
    else:
        body = b""
    if b"\r\nconnection: close" in lower:
        raise ConnectionResetError("server closed the connection")
    return status, body


@dataclass
class Prepared:
    """One voter's request, built before the clock starts."""

    voter: Voter
    request: bytes
    marks: int


def build_requests(
    vote: BenchVote, voters: list[Voter], tokens: dict[uuid.UUID, str], port: int, seed: int
) -> list[Prepared]:
    rng = random.Random(seed)
    topics = [topic.topic for topic in vote.topics if topic.topic is not None]
    prepared = []
    path = f"/api/v1/votes/{vote.id}/ballots"
    for number, voter in enumerate(voters):
        answers = random_answers(vote, rng)
        marks = sum(len(found) for found in marks_for_ballot(topics, answers).values())
        body = orjson.dumps({"group_id": voter.group_id, "answers": answers})
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {tokens[voter.account_id]}\r\n"
            f"Content-Type: application/json\r\nIdempotency-Key: bench-{vote.id.hex[:8]}-{number}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        prepared.append(Prepared(voter, head.encode() + body, marks))
    return prepared


class Feed:
    """Hands out each voter once, across the warm-up and the measured phase."""

    def __init__(self, items: list[Any]) -> None:
        self.items = items
        self.next = 0

    def take(self) -> Any | None:
        if self.next >= len(self.items):
            return None
        item = self.items[self.next]
        self.next += 1
        return item


async def http_phase(port: int, clients: int, feed: Feed, seconds: float, succeeded: list[Prepared]) -> Phase:
    """``clients`` keep-alive connections casting back to back for ``seconds`` (or until the voters run out)."""
    phase = Phase(clients)
    deadline = time.perf_counter() + seconds
    latencies = phase.latencies_ms

    async def client() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.perf_counter() < deadline:
                item = feed.take()
                if item is None:
                    phase.exhausted = True
                    return
                started = time.perf_counter()
                for attempt in range(3):
                    try:
                        status, body = await _exchange(reader, writer, item.request)
                        break
                    except (OSError, asyncio.IncompleteReadError, ValueError) as failure:
                        # The ballot may have been committed: retry with the same Idempotency-Key, as an app would.
                        phase.errors[f"{type(failure).__name__} (retried)"] += 1
                        writer.close()
                        await asyncio.sleep(0.05 * (attempt + 1))
                        reader, writer = await asyncio.open_connection("127.0.0.1", port)
                else:
                    raise RuntimeError("three connection failures in a row; see the server log")
                latencies.append((time.perf_counter() - started) * 1000)
                if status == 201:
                    phase.ok += 1
                    succeeded.append(item)
                else:
                    key = str(status)
                    phase.errors[key] += 1
                    phase.error_samples.setdefault(key, body[:300].decode(errors="replace"))
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    phase.elapsed_s = time.perf_counter() - started
    return phase


async def unintegrated(dsn: str) -> int:
    connection = await asyncpg.connect(dsn)
    try:
        return int(await connection.fetchval("SELECT count(*) FROM audit_entry WHERE leaf_index IS NULL"))
    finally:
        await connection.close()


async def analyze_cast_tables(dsn: str) -> None:
    """``--analyze-after-warmup``: the tables a cast writes, analysed with the warm-up's rows in them. The world is
    analysed with no ballot at all, and a plan a server connection caches then (the foreign-key checks' lookups of
    ``ballot`` by id, say) stays a sequential scan until the table is analysed again: its invalidation replans it."""
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute("ANALYZE ballot, ballot_mark, audit_entry, idempotency_record, tally_sum")
    finally:
        await connection.close()


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


async def wait_integrated(dsn: str, limit_s: float = 120) -> float | None:
    """Seconds until the server's integrator has folded every committed entry into the tree (None: timed out, or no
    integrator: ``--integration-interval 0``)."""
    if os.environ.get("EVOTE_LOG_INTEGRATION_INTERVAL_SECONDS") in {"0", "0.0"}:
        return None
    started = time.perf_counter()
    while time.perf_counter() - started < limit_s:
        if await unintegrated(dsn) == 0:
            return round(time.perf_counter() - started, 1)
        await asyncio.sleep(0.5)
    return None


# --- the raw-asyncpg baseline ----------------------------------------------------------------------------------

SELECT_VOTE = (
    "SELECT estate_id, status, starts_at, ends_at, published_at, posted_at, voting_method FROM vote WHERE id = $1 "
    "FOR SHARE"
)
SELECT_GROUP = "SELECT group_key, area, owner_ids FROM roll_group WHERE vote_id = $1 AND group_id = $2"
INSERT_BALLOT = (
    "INSERT INTO ballot (id, vote_id, group_id, status, channel, answers, content_hash, cast_by_account_id, basis, "
    "cast_at, audit_entry_id) VALUES ($1, $2, $3, 'COUNTED', 'ONLINE', $4::json, $5, $6, 'OWNER', $7, $8) "
    "ON CONFLICT (vote_id, group_id) WHERE status = 'COUNTED' DO NOTHING RETURNING id"
)
INSERT_MARKS = (
    "INSERT INTO ballot_mark (ballot_id, topic_id, item, vote_id, answer, area) "
    "SELECT $1::uuid, t, i, $2::uuid, a, $3::bigint FROM unnest($4::uuid[], $5::text[], $6::text[]) AS m(t, i, a)"
)
INSERT_ENTRY = (
    "INSERT INTO audit_entry (id, kind, estate_id, vote_id, payload, payload_sha256, created_at) "
    "VALUES ($1, 'ballot.cast', $2, $3, $4::json, $5, $6)"
)
INSERT_IDEMPOTENCY = (
    "INSERT INTO idempotency_record (account_id, key, request_sha256, status_code, body, created_at) "
    "VALUES ($1, $2, $3, 201, $4::json, $5)"
)


@dataclass
class BaselineItem:
    voter: Voter
    answers: dict[str, Any]
    answers_json: str
    topic_ids: list[uuid.UUID]
    items: list[str]
    marks: list[str]
    key: str


def build_baseline(vote: BenchVote, voters: list[Voter], seed: int) -> list[BaselineItem]:
    rng = random.Random(seed)
    topics = [topic.topic for topic in vote.topics if topic.topic is not None]
    prepared = []
    for number, voter in enumerate(voters):
        answers = random_answers(vote, rng)
        marks = marks_for_ballot(topics, answers)
        flat = [(uuid.UUID(topic_id), mark) for topic_id, found in marks.items() for mark in found]
        prepared.append(
            BaselineItem(
                voter, answers, orjson.dumps(answers).decode(), [topic_id for topic_id, _ in flat],
                [mark.item for _, mark in flat], [mark.answer for _, mark in flat],
                f"bench-{vote.id.hex[:8]}-{number}",
            )
        )  # fmt: skip
    return prepared


async def cast_raw(connection: asyncpg.Connection, vote_id: uuid.UUID, item: BaselineItem) -> bool:
    """One cast transaction with the writes the service makes; False if the group already has a ballot."""
    async with connection.transaction():
        vote = await connection.fetchrow(SELECT_VOTE, vote_id)
        now = datetime.now(UTC)
        if vote is None or vote["posted_at"] is None or not vote["starts_at"] <= now < vote["ends_at"]:
            raise RuntimeError("the baseline vote is not open")
        group = await connection.fetchrow(SELECT_GROUP, vote_id, item.voter.group_id)
        if group is None:
            raise RuntimeError("group not in the roll")
        ballot_id, entry_id = uuid.uuid4(), uuid.uuid4()
        cast_at = now.isoformat()
        content_hash = canonical_sha256(
            {
                "vote_id": str(vote_id), "group_id": item.voter.group_id, "answers": item.answers, "basis": "OWNER",
                "channel": "ONLINE", "cast_at": cast_at,
            }
        )  # fmt: skip
        inserted = await connection.fetchval(
            INSERT_BALLOT, ballot_id, vote_id, item.voter.group_id, item.answers_json, content_hash,
            item.voter.account_id, now, entry_id,
        )  # fmt: skip
        if inserted is None:
            return False
        await connection.execute(
            INSERT_MARKS, ballot_id, vote_id, group["area"], item.topic_ids, item.items, item.marks
        )
        payload = {
            "ballot_id": str(ballot_id), "group_id": item.voter.group_id, "content_hash": content_hash,
            "basis": "OWNER", "channel": "ONLINE", "cast_at": cast_at, "grant_id": "",
        }  # fmt: skip
        estate_id = vote["estate_id"]
        await connection.execute(
            INSERT_ENTRY, entry_id, estate_id, vote_id, orjson.dumps(payload).decode(),
            entry_payload_sha256("ballot.cast", estate_id, vote_id, payload), now,
        )  # fmt: skip
        receipt = {
            "ballot_id": str(ballot_id), "vote_id": str(vote_id), "group_id": item.voter.group_id,
            "content_hash": content_hash, "audit_entry_id": str(entry_id), "cast_at": cast_at, "basis": "OWNER",
            "status": "COUNTED",
        }  # fmt: skip
        request_hash = canonical_sha256(
            {"vote_id": str(vote_id), "group_id": item.voter.group_id, "answers": item.answers}
        )
        await connection.execute(
            INSERT_IDEMPOTENCY, item.voter.account_id, item.key, request_hash, orjson.dumps(receipt).decode(), now
        )
    return True


async def pool_size_for(dsn: str, clients: int, reserve: int = 10) -> int:
    """One connection per client, as far as ``max_connections`` allows beside everyone else's connections."""
    connection = await asyncpg.connect(dsn)
    try:
        limit = int(await connection.fetchval("SHOW max_connections"))
        used = int(await connection.fetchval("SELECT count(*) FROM pg_stat_activity"))
    finally:
        await connection.close()
    return max(1, min(clients, limit - used - reserve))


async def baseline_phase(
    pool: asyncpg.Pool, vote_id: uuid.UUID, clients: int, feed: Feed, seconds: float, succeeded: list[BaselineItem]
) -> Phase:
    phase = Phase(clients)
    deadline = time.perf_counter() + seconds

    async def task() -> None:
        while time.perf_counter() < deadline:
            item = feed.take()
            if item is None:
                phase.exhausted = True
                return
            started = time.perf_counter()
            try:
                async with pool.acquire() as connection:  # like the server: waiting for a connection counts
                    cast = await cast_raw(connection, vote_id, item)
            except asyncpg.PostgresError as failure:
                phase.errors[type(failure).__name__] += 1
                phase.error_samples.setdefault(type(failure).__name__, str(failure)[:300])
                continue
            phase.latencies_ms.append((time.perf_counter() - started) * 1000)
            if cast:
                phase.ok += 1
                succeeded.append(item)
            else:
                phase.errors["already_cast"] += 1

    started = time.perf_counter()
    await asyncio.gather(*(task() for _ in range(clients)))
    phase.elapsed_s = time.perf_counter() - started
    return phase


# --- verification ----------------------------------------------------------------------------------------------


async def verify_vote(dsn: str, vote_id: uuid.UUID, groups: list[str], marks: int, *, http: bool) -> dict[str, Any]:
    """The database after the load: exactly the successful groups counted once each, with marks and log entries."""
    connection = await asyncpg.connect(dsn)
    try:
        counted = await connection.fetch(
            "SELECT group_id FROM ballot WHERE vote_id = $1 AND status = 'COUNTED'", vote_id
        )
        all_ballots = await connection.fetchval("SELECT count(*) FROM ballot WHERE vote_id = $1", vote_id)
        mark_rows = await connection.fetchval("SELECT count(*) FROM ballot_mark WHERE vote_id = $1", vote_id)
        entries = await connection.fetchval(
            "SELECT count(*) FROM audit_entry WHERE vote_id = $1 AND kind = 'ballot.cast'", vote_id
        )
        linked = await connection.fetchval(
            "SELECT count(*) FROM ballot b JOIN audit_entry e ON e.id = b.audit_entry_id WHERE b.vote_id = $1",
            vote_id,
        )
        keys = await connection.fetchval(
            "SELECT count(*) FROM idempotency_record WHERE key LIKE $1", f"bench-{vote_id.hex[:8]}-%"
        )
    finally:
        await connection.close()
    in_db = [row["group_id"] for row in counted]
    checks = {
        "counted_equals_successes": len(in_db) == len(groups),
        "same_groups": set(in_db) == set(groups),
        "no_group_twice": len(set(in_db)) == len(in_db) and all_ballots == len(in_db),
        "marks_match": mark_rows == marks,
        "one_log_entry_per_ballot": entries == len(in_db) and linked == len(in_db),
        "one_idempotency_record_per_ballot": keys == len(in_db),
    }
    return {
        "kind": "http" if http else "baseline",
        "vote_id": str(vote_id),
        "successes": len(groups),
        "counted_ballots": len(in_db),
        "ballots_any_status": all_ballots,
        "marks": mark_rows,
        "expected_marks": marks,
        "log_entries": entries,
        "idempotency_records": keys,
        "checks": checks,
        "ok": all(checks.values()),
    }


# --- report ----------------------------------------------------------------------------------------------------


def targets(levels: list[dict[str, Any]], rss: dict[str, float]) -> list[dict[str, Any]]:
    by_clients = {level["clients"]: level for level in levels}
    found: list[dict[str, Any]] = []

    def add(name: str, value: float | None, target: str, passed: bool | None) -> None:
        found.append({"target": name, "value": value, "goal": target, "pass": passed})

    if 64 in by_clients:
        level = by_clients[64]
        add("ballots/s at 64 clients", level["http"]["ballots_per_s"], f">= {TARGET_RATE_64:,.0f}",
            level["http"]["ballots_per_s"] >= TARGET_RATE_64)  # fmt: skip
        add("p99 at 64 clients (ms)", level["http"]["p99_ms"], f"<= {TARGET_P99_64_MS:.0f}",
            level["http"]["p99_ms"] <= TARGET_P99_64_MS)  # fmt: skip
        ratio = level.get("ratio")
        add("service / baseline at 64", ratio, f">= {TARGET_RATIO_64:.2f}",
            None if ratio is None else ratio >= TARGET_RATIO_64)  # fmt: skip
    if 16 in by_clients and 200 in by_clients:
        low, high = by_clients[16]["http"]["ballots_per_s"], by_clients[200]["http"]["ballots_per_s"]
        value = round(high / low, 2) if low else None
        add(
            "ballots/s at 200 / at 16",
            value,
            f">= {TARGET_FLAT_200:.2f}",
            value is not None and value >= TARGET_FLAT_200,
        )
    if rss:
        worst = max(rss.values())
        add("max RSS per worker (MB)", worst, f"<= {TARGET_RSS_MB:.0f}", worst <= TARGET_RSS_MB)
    return found


def _per_ballot(cores: dict[str, float], phase: dict[str, Any], client: str) -> str:
    """CPU milliseconds per ballot of the client side (workers, or the baseline's driver) + PostgreSQL."""
    rate = phase["ballots_per_s"]
    if not rate:
        return "-"
    return f"{1000 * cores.get(client, 0) / rate:.2f} + {1000 * cores.get('postgres', 0) / rate:.2f}"


def print_report(figures: dict[str, Any]) -> None:
    table = Table(title="Casting: HTTP service vs raw-asyncpg baseline (same writes)")
    for column in ("clients", "", "ballots/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors", "ratio"):
        table.add_column(column, justify="right" if column not in ("", "errors") else "left")
    for level in figures["levels"]:
        http, base = level["http"], level.get("baseline")
        errors = ", ".join(f"{key}×{value}" for key, value in http["errors"].items()) or "-"
        table.add_row(
            str(level["clients"]), "service", f"{http['ballots_per_s']:,.0f}", f"{http['p50_ms']:.1f}",
            f"{http['p95_ms']:.1f}", f"{http['p99_ms']:.1f}", f"{http['max_ms']:.1f}", errors,
            f"{level['ratio']:.2f}" if level.get("ratio") is not None else "-",
        )  # fmt: skip
        if base is not None:
            errors = ", ".join(f"{key}×{value}" for key, value in base["errors"].items()) or "-"
            table.add_row(
                "", "baseline", f"{base['ballots_per_s']:,.0f}", f"{base['p50_ms']:.1f}", f"{base['p95_ms']:.1f}",
                f"{base['p99_ms']:.1f}", f"{base['max_ms']:.1f}", errors, "",
            )  # fmt: skip
    console.print(table)
    server = Table(title="During the measured phase (CPU cores used; PostgreSQL connections by state, mean)")
    for column in ("clients", "workers", "postgres", "driver", "CPU ms/ballot (workers + postgres)",
                   "RSS MB per worker", "idle in transaction", "log caught up (s)"):  # fmt: skip
        server.add_column(column, justify="right")
    for level in figures["levels"]:
        cores = level.get("cpu_cores", {})
        states = level.get("postgres_activity", {}).get("mean_connections", {})
        idle = sum(value for key, value in states.items() if key.startswith("idle in transaction"))
        rss = ", ".join(f"{value:.0f}" for value in level.get("rss_max_mb", {}).values())
        server.add_row(
            str(level["clients"]),
            f"{cores.get('workers', 0):.2f} ({' + '.join(f'{each:.2f}' for each in cores.get('each_worker', []))})",
            f"{cores.get('postgres', 0):.2f}",
            f"{cores.get('driver', 0):.2f}", _per_ballot(cores, level["http"], "workers"), rss,
            f"{idle:.1f}", str(level.get("integrator_catch_up_s")),
        )  # fmt: skip
        base = level.get("baseline")
        if base is not None:
            cores = base.get("cpu_cores", {})
            server.add_row(
                "baseline", "-", f"{cores.get('postgres', 0):.2f}", f"{cores.get('driver', 0):.2f}",
                _per_ballot(cores, base, "driver"), "-", "-", "-",
            )  # fmt: skip
    console.print(server)
    goals = Table(title="Targets (issue #8)")
    for column in ("target", "value", "goal", ""):
        goals.add_column(column)
    for row in figures["targets"]:
        verdict = "-" if row["pass"] is None else "[green]PASS[/green]" if row["pass"] else "[red]MISS[/red]"
        goals.add_row(row["target"], str(row["value"]), row["goal"], verdict)
    checks = all(check["ok"] for check in figures["verification"])
    goals.add_row("correctness after load", f"{len(figures['verification'])} votes checked", "all checks",
                  "[green]PASS[/green]" if checks else "[red]FAIL[/red]")  # fmt: skip
    console.print(goals)


# --- the run ---------------------------------------------------------------------------------------------------


def configure_environment(args: argparse.Namespace) -> Settings:
    """The bench's settings, shared with the server subprocess through the environment."""
    os.environ["EVOTE_DATABASE_URL"] = database_url(args.dsn)
    os.environ["EVOTE_AUTO_MIGRATE"] = "false"
    os.environ["EVOTE_LOG_LEVEL"] = "WARNING"
    os.environ["EVOTE_JWT_ACCESS_TTL_SECONDS"] = "3600"  # tokens minted before the run outlive it
    os.environ.setdefault("EVOTE_DEV_KEY_DIR", str(REPO / "var" / "keys"))  # the keys the server will use
    if args.pool_size is not None:
        os.environ["EVOTE_DB_POOL_SIZE"] = str(args.pool_size)
    if getattr(args, "integration_interval", None) is not None:  # profile_cast.py has no such option
        os.environ["EVOTE_LOG_INTEGRATION_INTERVAL_SECONDS"] = str(args.integration_interval)
    return Settings()


def machine() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as handle:
        model = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), "")
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    settings = configure_environment(args)
    levels: list[int] = args.levels
    raw_dsn = database_url(args.dsn).replace("postgresql+asyncpg://", "postgresql://", 1)
    load_before = os.getloadavg()

    console.print(f"[bold]generating[/bold] {args.units:,} units, {2 * len(levels)} votes into evote_bench_cast …")
    await recreate_database(args.dsn)
    world: World = await build_world(
        settings, units=args.units, votes=2 * len(levels) + (1 if args.also_workers else 0), seed=args.seed,
        log=console.print,
    )  # fmt: skip
    admin = await asyncpg.connect(raw_dsn)
    try:
        server_version = await admin.fetchval("SHOW server_version")
        await admin.execute("ANALYZE")
        await admin.execute("CHECKPOINT")
        for setting in args.pg_set:  # --pg-set: on this database only, for the server's new connections
            name, _, value = setting.partition("=")
            if not name.replace("_", "").replace(".", "").isalnum():
                raise SystemExit(f"--pg-set: not a setting name: {name!r}")
            await admin.execute(f"ALTER DATABASE evote_bench_cast SET {name} = {_quote(value)}")
    finally:
        await admin.close()
    console.print(
        f"  {world.stats['voter_groups']:,} voter groups ({world.stats['co_owned_groups']:,} co-owned), "
        f"{world.stats['accounts']:,} accounts, generated in {world.stats['generation_s']} s"
    )

    tokens_service = TokenService.from_settings(settings)
    issued_at = utcnow()
    accounts = {voter.account_id for voter in world.voters}
    tokens = {account: tokens_service.issue_access(str(account), now=issued_at).token for account in accounts}
    voters = world.voters[: args.max_voters] if args.max_voters else world.voters

    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    log_path = RESULTS / f"cast_load-{stamp}.server.log"
    port = args.port or free_port()
    console.print(f"[bold]starting[/bold] evote serve --workers {args.workers} on port {port} (log {log_path.name})")
    server = start_server(args.workers, port, log_path)
    results: list[dict[str, Any]] = []
    verification: list[dict[str, Any]] = []
    all_rss: dict[str, float] = {}
    profile: dict[str, Any] | None = None
    try:
        pids = await wait_ready(port, server, args.workers)
        console.print(f"  ready; worker pids {pids}")
        for index, clients in enumerate(levels):
            vote = world.votes[index]
            prepared = build_requests(vote, voters, tokens, port, seed=args.seed + index)
            feed = Feed(prepared)
            succeeded: list[Prepared] = []
            await http_phase(port, clients, feed, args.warmup, succeeded)  # not measured
            await wait_integrated(raw_dsn, limit_s=30)  # start from an empty integration queue
            if args.analyze_after_warmup:
                await analyze_cast_tables(raw_dsn)
            sampler = RssSampler(pids)
            sampler.start()
            spy = start_py_spy(pids[0], args, stamp, clients)
            async with WaitSampler(raw_dsn) as waits, CpuMeter(raw_dsn, pids) as meter:
                phase = await http_phase(port, clients, feed, args.duration, succeeded)
            rss = sampler.stop()
            if spy is not None:
                profile = finish_py_spy(spy)
            catch_up = await wait_integrated(raw_dsn)
            for pid, value in rss.items():
                all_rss[pid] = max(all_rss.get(pid, 0.0), value)
            summary = phase.summary()
            console.print(
                f"  HTTP {clients:>3} clients: {summary['ballots']:,} ballots in {summary['elapsed_s']:.1f} s = "
                f"{summary['ballots_per_s']:,.0f}/s, p99 {summary['p99_ms']:.1f} ms, errors {summary['errors']}"
            )
            console.print(f"    postgres: {waits.summary()['mean_connections']}")
            results.append(
                {"clients": clients, "http": summary, "warmup_ballots": len(succeeded) - phase.ok,
                 "rss_max_mb": rss, "cpu_cores": meter.cores, "integrator_catch_up_s": catch_up,
                 "postgres_activity": waits.summary()}
            )  # fmt: skip
            verification.append(
                await verify_vote(
                    raw_dsn, vote.id, [item.voter.group_id for item in succeeded],
                    sum(item.marks for item in succeeded), http=True,
                )
            )  # fmt: skip
    finally:
        stop_server(server)
    also: dict[str, Any] | None = None
    if args.also_workers:  # the same server with more workers, at one level, on a vote of its own
        clients = args.also_clients
        console.print(f"[bold]starting[/bold] evote serve --workers {args.also_workers} for {clients} clients")
        server = start_server(args.also_workers, port, RESULTS / f"cast_load-{stamp}-w{args.also_workers}.server.log")
        try:
            pids = await wait_ready(port, server, args.also_workers)
            vote = world.votes[2 * len(levels)]
            feed = Feed(build_requests(vote, voters, tokens, port, seed=args.seed + 50))
            succeeded = []
            await http_phase(port, clients, feed, args.warmup, succeeded)
            await wait_integrated(raw_dsn, limit_s=30)
            async with CpuMeter(raw_dsn, pids) as meter:
                phase = await http_phase(port, clients, feed, args.duration, succeeded)
            await wait_integrated(raw_dsn)
            also = {"workers": args.also_workers, "clients": clients, "http": phase.summary(), "cpu_cores": meter.cores}
            console.print(
                f"  HTTP {clients:>3} clients, {args.also_workers} workers: {also['http']['ballots_per_s']:,.0f}/s, "
                f"p50 {also['http']['p50_ms']:.1f} ms, p99 {also['http']['p99_ms']:.1f} ms, "
                f"workers {meter.cores['workers']} cores, "
                f"CPU ms/ballot {_per_ballot(meter.cores, also['http'], 'workers')}"
            )
            verification.append(
                await verify_vote(
                    raw_dsn, vote.id, [item.voter.group_id for item in succeeded],
                    sum(item.marks for item in succeeded), http=True,
                )
            )  # fmt: skip
        finally:
            stop_server(server)
    console.print("[bold]server stopped[/bold]; baseline with raw asyncpg")

    if not args.skip_baseline:
        for index, clients in enumerate(levels):
            vote = world.votes[len(levels) + index]
            items = build_baseline(vote, voters, seed=args.seed + 100 + index)
            feed = Feed(items)
            done: list[BaselineItem] = []
            connections = await pool_size_for(raw_dsn, clients)
            pool = await asyncpg.create_pool(raw_dsn, min_size=connections, max_size=connections)
            try:
                await baseline_phase(pool, vote.id, clients, feed, args.warmup, done)
                async with CpuMeter(raw_dsn, []) as meter:
                    phase = await baseline_phase(pool, vote.id, clients, feed, args.duration, done)
            finally:
                await pool.close()
            summary = phase.summary()
            level = results[index]
            level["baseline"] = summary
            level["baseline"]["cpu_cores"] = meter.cores
            level["baseline"]["connections"] = connections
            level["ratio"] = (
                round(level["http"]["ballots_per_s"] / summary["ballots_per_s"], 2)
                if summary["ballots_per_s"]
                else None
            )
            console.print(
                f"  baseline {clients:>3} clients on {connections} connections: {summary['ballots']:,} in "
                f"{summary['elapsed_s']:.1f} s = "
                f"{summary['ballots_per_s']:,.0f}/s, p99 {summary['p99_ms']:.1f} ms; ratio {level['ratio']}"
            )
            verification.append(
                await verify_vote(
                    raw_dsn, vote.id, [item.voter.group_id for item in done], sum(len(item.marks) for item in done),
                    http=False,
                )
            )  # fmt: skip

    figures: dict[str, Any] = {
        "benchmark": "cast_load",
        "started_at": stamp,
        "command": " ".join([".venv/bin/python", "bench/cast_load.py", *sys.argv[1:]]),
        "workers": args.workers,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "estate": world.stats,
        "voters_per_vote": len(voters),
        "levels": results,
        "rss_max_mb_per_worker": all_rss,
        "verification": verification,
        "machine": machine() | {"postgresql": server_version},
        "load_average_before": [round(value, 2) for value in load_before],
        "load_average_after": [round(value, 2) for value in os.getloadavg()],
        "profile": profile,
        "also_workers": also,
    }
    figures["targets"] = targets(results, all_rss)
    return figures


# --- optional profile of one worker with py-spy ---------------------------------------------------------------


def start_py_spy(pid: int, args: argparse.Namespace, stamp: str, clients: int) -> dict[str, Any] | None:
    if args.py_spy is None or clients != args.py_spy:
        return None
    binary = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(binary).exists():
        console.print("[yellow]py-spy not installed (.venv/bin/pip install py-spy); no profile[/yellow]")
        return None
    out = RESULTS / f"cast_load-{stamp}-worker{pid}-c{clients}.txt"
    command = [binary, "record", "--pid", str(pid), "--duration", str(int(args.duration)), "--format", "raw",
               "--rate", "200", "--nonblocking", "--output", str(out)]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    return {"process": process, "out": out, "pid": pid, "clients": clients}


def finish_py_spy(spy: dict[str, Any], top: int = 25) -> dict[str, Any]:
    """Wait for py-spy and summarise its collapsed stacks: the functions with the most samples, inclusive."""
    process: subprocess.Popen[bytes] = spy["process"]
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    out: Path = spy["out"]
    if not out.exists():
        return {"error": "py-spy wrote nothing (ptrace not permitted?)"}
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in out.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        samples = int(count)
        total += samples
        frames = [_frame(frame) for frame in stack.split(";")]
        for name in set(frames):
            inclusive[name] += samples
        own[frames[-1]] += samples
    return {
        "worker_pid": spy["pid"],
        "clients": spy["clients"],
        "samples": total,
        "collapsed_stacks": str(out.relative_to(REPO)),
        "top_inclusive": [(name, round(100 * count / total, 1)) for name, count in inclusive.most_common(top)],
        "top_app_inclusive": [
            (name, round(100 * count / total, 1)) for name, count in inclusive.most_common() if " (app/" in name
        ][:top],
        "top_self": [(name, round(100 * count / total, 1)) for name, count in own.most_common(top)],
    }


def _frame(frame: str) -> str:
    """``function (path/to/file.py:line)`` without the line, with the path shortened after site-packages."""
    name, _, rest = frame.partition(" (")
    where = rest.rsplit(":", 1)[0].rstrip(")")
    for marker in ("site-packages/", "/work/main/", "lib/python3"):
        if marker in where:
            where = where.split(marker, 1)[1]
    return f"{name} ({where})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=20_000, help="units in the generated estate")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers (evote serve --workers)")
    parser.add_argument(
        "--levels", type=lambda text: [int(part) for part in text.split(",")], default=[16, 64, 200],
        help="concurrency levels, comma-separated",
    )  # fmt: skip
    parser.add_argument(
        "--also-workers",
        type=int,
        default=4,
        help="then the same server with this many workers, at --also-clients (0: skip)",
    )
    parser.add_argument("--also-clients", type=int, default=64)
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per level")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured warm-up seconds per level")
    parser.add_argument("--max-voters", type=int, default=0, help="cap the voters per vote (0: every castable group)")
    parser.add_argument("--pool-size", type=int, default=None, help="EVOTE_DB_POOL_SIZE for the server")
    parser.add_argument("--port", type=int, default=0, help="server port (0: a free one)")
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument(
        "--py-spy", type=int, default=None, metavar="CLIENTS",
        help="record the first worker with py-spy during the level with this many clients (needs py-spy)",
    )  # fmt: skip
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/postgres", help="admin DSN")
    parser.add_argument(
        "--integration-interval", type=float, default=None, metavar="SECONDS",
        help="EVOTE_LOG_INTEGRATION_INTERVAL_SECONDS for the server (0: no integrator, and no wait for it)",
    )  # fmt: skip
    parser.add_argument(
        "--analyze-after-warmup", action=argparse.BooleanOptionalAction, default=True,
        help="ANALYZE the tables a cast writes after each level's warm-up, as autovacuum would once they fill (see "
        "analyze_cast_tables)",
    )  # fmt: skip
    parser.add_argument(
        "--pg-set", action="append", default=[], metavar="NAME=VALUE",
        help="ALTER DATABASE evote_bench_cast SET NAME = VALUE before the server starts (a diagnosis run only: the "
        "database is recreated by the next run)",
    )  # fmt: skip
    args = parser.parse_args()
    os.chdir(REPO)

    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvicorn[standard] brings it
        figures = asyncio.run(run(args))
    else:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            figures = runner.run(run(args))
    print_report(figures)
    if figures.get("profile") and "top_self" in figures["profile"]:
        hot = Table(
            title=f"py-spy: worker {figures['profile']['worker_pid']} at {figures['profile']['clients']} clients"
        )
        hot.add_column("% samples (self)", justify="right")
        hot.add_column("function")
        for name, share in figures["profile"]["top_self"][:12]:
            hot.add_row(f"{share}", name)
        console.print(hot)
        hot = Table(title="py-spy: app functions by inclusive samples (% of the worker's samples)")
        hot.add_column("% samples (inclusive)", justify="right")
        hot.add_column("function")
        for name, share in figures["profile"]["top_app_inclusive"][:15]:
            hot.add_row(f"{share}", name)
        console.print(hot)
    out = RESULTS / f"cast_load-{figures['started_at']}.json"
    out.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    console.print(
        f"wrote {out.relative_to(REPO)}; load average before {figures['load_average_before']}, "
        f"after {figures['load_average_after']} (other work on the machine makes the figures noisy)"
    )
    if not all(check["ok"] for check in figures["verification"]):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
