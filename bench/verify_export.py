"""Benchmark: exporting a large vote's bundle from a 1,000,000-entry audit log and verifying it offline.

World (``bench.common.World``, outside the timing): the register import, the vote and its publication go
through the real services; every group's ballot, marks and ``ballot.cast`` entry are loaded with COPY, with
entries of other estates' votes in between until the log holds ``--log-entries`` entries, integrated into
the Merkle tree with correct leaf hashes (``app.ledger.entries``) and a signed checkpoint. The vote is then
closed with ``close_and_decide`` (which integrates the closing entries and signs the result's checkpoint).

Timed:

* export: ``app.result.export.export`` (what ``GET …/export`` and ``evote export`` run), in one transaction;
* baseline, in the same run: a fresh process that only opens the bundle and SHA-256-hashes every member's
  uncompressed bytes as a stream (what any check of the bundle costs at least), wall time and peak RSS;
* verify: ``python -m app.verifier BUNDLE --log-key KEY`` (the same code as ``evote verify``) in a fresh process,
  wall time and peak RSS (the process's own ``ru_maxrss``); the report must say PASS;
* a tampered copy (one counted ballot's answer changed, the manifest's checksums fixed and signed again with
  the bench's log key, as the key's holder could) must FAIL, naming the ballot.

``--bundle FILE`` skips the world and the export: it measures the baseline and the verifier on a bundle kept by an
earlier run's ``--save FILE`` (its log key beside it, ``FILE`` with the suffix ``.key``), e.g. to measure the
verifier again after a change without rebuilding the 1,000,000-entry log (~8 min). ``--reuse`` skips only the world:
it exports again (with the code as it is now, e.g. after a layout change) from the closed vote an earlier run left
in ``--database`` (default ``evote_bench_verify``; a run without ``--reuse`` drops and rebuilds that database).

A register holds at most 500,000 units (``app.register.parsing.MAX_ROWS``), so one vote's bundle holds at
most that many ballot entries; the per-entry verify time is printed so that the time for a bundle of
1,000,000 entries can be read off (``--groups`` up to about 450,000 for the largest single estate). The log's
entries are built and copied in batches (``bench.common.COPY_BATCH``), so a 1,000,000-entry log fits the
reference machine (2 cores, 24 GB).

    .venv/bin/python bench/verify_export.py [--groups 100000] [--turnout 1.0] [--log-entries 1000000]
        [--profile] [--dsn postgresql://postgres@127.0.0.1:5432/postgres] [--save FILE | --bundle FILE]
        [--repeat N] [--database NAME] [--reuse] [--jobs N] [--voided N]

``--voided N``: N of the voting groups also cast an earlier ballot that a ``ballot.voided`` entry voids (as logs
written before R-PAPER-2 hold them): N more ``ballot.cast`` and N ``ballot.voided`` entries, N ``VOID`` ballots, for
the verifier's memory with many voidings (issue #16 item 8: bounded whatever the bundle holds).

``--jobs N`` is passed to the verifier (its default: 2 on two cores: the register regrouped and the ballots
checked in two forked processes beside the log's pass). Its CPU seconds include every process (the bench's
children's rusage counts every waited descendant), and are printed per process too (the main one's, then each
forked one's as it is reaped); its peak RSS is the highest summed RSS of all its processes, sampled every 20 ms, an
upper bound (a forked process also counts the pages it shares with the first; not PSS).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import compileall
import cProfile
import hashlib
import io
import json
import os
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text

from app.audit.keys import LogKeys
from app.db.session import unit_of_work
from app.identity.service import OPERATOR
from app.ledger.canonical import canonical_bytes
from app.ledger.signing import sign
from app.result import service as result_service
from app.result.export import export, write_zip
from app.verifier import Trust, native
from app.verifier import documents as d
from app.verifier.checks import verify_bundle
from bench.common import ADMIN_DSN, ENDS, World, bench_settings, register_csv, say, write_results
from tests.scenario import register_candidates, topics

DATABASE = "evote_bench_verify"
REPO = Path(__file__).resolve().parents[1]


async def build_and_export(args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    if args.reuse:  # the world an earlier run built (and closed) in this database: export again only
        world = World.attach(args.database, args.dsn)
        async with world.sessionmaker() as session:
            world.vote_id = (
                await session.execute(text("SELECT id FROM vote WHERE closed_at IS NOT NULL"))
            ).scalar_one()
        units = world.groups = world.ballots = world.voided = -1  # not known without counting: the run that built it
    else:
        world = await World.create(args.database, args.dsn)
    try:
        if not args.reuse:
            units = round(args.groups * 1.094)  # second flats, developer units, parking: ~1.094 units per group
            register = register_csv(units)
            await world.publish_vote(register, topics(register_candidates(register)))
            await world.cast_ballots(args.turnout, fill_to=args.log_entries, voided=args.voided)
            async with unit_of_work(world.sessionmaker) as session:
                await result_service.close_and_decide(session, world.vote_id, now=ENDS, keys=world.keys)
        size = await world.log_size()
        say(
            f"world: {units} units, {world.groups} groups, {world.ballots} ballots ({world.voided} more voided), "
            f"log size {size}, "
            f"built and closed in {time.perf_counter() - started:.1f} s"
        )
        exported = time.perf_counter()
        async with unit_of_work(world.sessionmaker) as session:
            bundle = await export(
                session, OPERATOR, world.vote_id, keys=world.keys,
                pseudonym_key=world.settings.key("pseudonym_key"), now=ENDS,
            )  # fmt: skip
        export_seconds = time.perf_counter() - exported
    finally:
        await world.close()
    return {
        "units": units, "groups": world.groups, "ballots": world.ballots, "voided": world.voided, "log_size": size,
        "export_seconds": round(export_seconds, 2), "content": bundle.content,
        "log_key": world.keys.current.key_string,
    }  # fmt: skip


#: Run in a fresh interpreter: the verifier's entry point, then the process's own peak RSS on stderr (VmHWM, in
#: kB: unlike ``ru_maxrss`` it is not inherited from the parent across fork and exec).
#: With ``--jobs 2`` the verifier forks two more processes (the register's regrouping, the ballots' checks): the
#: summed RSS of the whole process tree is sampled while it runs (``_tree_rss``), and the figure reported is the
#: highest of that sum and the main process's own peak (an upper bound: pages shared since a fork count once per
#: process).
#: Its CPU seconds per process are printed too: its own, and each forked process's as it is reaped (``os.wait4``),
#: in the order they were forked (the register's, then the ballots').
VERIFY = (
    "import os, resource, sys\n"
    "from app.verifier.__main__ import main\n"
    "forked = []\n"
    "def waitpid(pid, options, wait4=os.wait4):\n"
    "    pid, status, usage = wait4(pid, options)\n"
    "    forked.append((pid, usage.ru_utime + usage.ru_stime))\n"
    "    return pid, status\n"
    "os.waitpid = waitpid\n"
    "code = main(sys.argv[1:])\n"
    "print(*next(line for line in open('/proc/self/status') if line.startswith('VmHWM')).split()[:2], "
    "file=sys.stderr)\n"
    "own = resource.getrusage(resource.RUSAGE_SELF)\n"
    "print('CPU:', f'{own.ru_utime + own.ru_stime:.2f}', *(f'{cpu:.2f}' for _, cpu in sorted(forked)), "
    "file=sys.stderr)\n"
    "sys.exit(code)\n"
)
#: The baseline: open the archive and hash every member's uncompressed bytes as a stream, nothing else.
BASELINE = (
    "import hashlib, sys, zipfile\n"
    "with zipfile.ZipFile(sys.argv[1]) as archive:\n"
    "    for info in archive.infolist():\n"
    "        digest = hashlib.sha256()\n"
    "        with archive.open(info) as stream:\n"
    "            while chunk := stream.read(1 << 20):\n"
    "                digest.update(chunk)\n"
    "print(*next(line for line in open('/proc/self/status') if line.startswith('VmHWM')).split()[:2], "
    "file=sys.stderr)\n"
)


def _tree_rss(pid: int) -> int:
    """The resident set (kB) of a process and all its descendants, now (0 for what has exited meanwhile)."""
    total = 0
    try:
        with open(f"/proc/{pid}/status") as status:
            total += next((int(line.split()[1]) for line in status if line.startswith("VmRSS:")), 0)
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as children:
                total += sum(_tree_rss(int(child)) for child in children.read().split())
    except (FileNotFoundError, ProcessLookupError):
        pass
    return total


def in_subprocess(code: str, *args: str) -> tuple[int, float, float, str, float]:
    """``code`` in a fresh interpreter: exit code, wall seconds, its peak RSS (MB: its own, or its process tree's
    summed RSS sampled every 20 ms when that is higher) and its output; its CPU seconds (user + system, every waited
    process) are said too: on a shared machine they vary far less than the wall time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603 - a fixed argv: this interpreter, our code and our temp file
        [sys.executable, "-c", code, *args], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    tree_peak = [0]

    def sample() -> None:
        while process.poll() is None:
            tree_peak[0] = max(tree_peak[0], _tree_rss(process.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    stdout, stderr = process.communicate()
    sampler.join()
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    say(f"  (fresh process: {elapsed:.2f} s wall, {cpu:.2f} s CPU)")
    per_process = next((line.split()[1:] for line in stderr.splitlines() if line.startswith("CPU:")), [])
    if len(per_process) > 1:
        say(f"  (CPU per process: main {per_process[0]} s, forked {' s, '.join(per_process[1:])} s)")
    rss = next(int(line.split()[1]) / 1024 for line in stderr.splitlines() if line.startswith("VmHWM:"))
    if tree_peak[0] / 1024 > rss:
        say(f"  (peak RSS {rss:.0f} MB of the main process, {tree_peak[0] / 1024:.0f} MB of all its processes)")
        rss = tree_peak[0] / 1024
    return process.returncode, elapsed, rss, stdout, cpu


def tampered(content: bytes) -> bytes:
    """One counted ballot's first answer changed, the manifest's checksums fixed and signed again with the bench's
    log key (tests/verifier/helpers.py)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        files = {info.filename: archive.read(info) for info in archive.infolist()}
    ballots = [json.loads(line) for line in files[d.BALLOTS].splitlines()]
    ballot = next(item for item in ballots if item["status"] == "COUNTED")
    topic_id = sorted(ballot["answers"])[0]
    answer = ballot["answers"][topic_id]
    if isinstance(answer, str) and answer in ("AGREE", "OPPOSE", "ABSTAIN"):
        ballot["answers"][topic_id] = "OPPOSE" if answer == "AGREE" else "AGREE"
    else:
        ballot["answers"][topic_id] = "ABSTAIN" if answer != "ABSTAIN" else ["X"]
    files[d.BALLOTS] = b"".join(canonical_bytes(item) + b"\n" for item in ballots)
    manifest = json.loads(files[d.MANIFEST])
    for member in manifest["files"]:
        member["size"] = len(files[member["name"]])
        member["sha256"] = hashlib.sha256(files[member["name"]]).hexdigest()
    keys = LogKeys.from_settings(bench_settings(ADMIN_DSN))  # the bench's own keys (bench.common)
    manifest["signature"] = base64.b64encode(sign(keys.private_key, d.manifest_message(manifest))).decode()
    files[d.MANIFEST] = canonical_bytes(manifest) + b"\n"
    return write_zip([(name, files[name]) for name in (d.README, d.MANIFEST, *d.MEMBERS)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--groups", type=int, default=100_000)
    parser.add_argument("--turnout", type=float, default=1.0)
    parser.add_argument("--log-entries", type=int, default=1_000_000)
    parser.add_argument(
        "--voided", type=int, default=0,
        help="that many groups also cast an earlier ballot, voided by a ballot.voided entry (two more entries each)",
    )  # fmt: skip
    parser.add_argument("--profile", action="store_true", help="also profile the verifier in-process (cProfile)")
    parser.add_argument("--dsn", default=ADMIN_DSN)
    parser.add_argument("--database", default=DATABASE, help="the benchmark database (dropped and rebuilt)")
    parser.add_argument("--reuse", action="store_true", help="export from the world already in --database")
    parser.add_argument("--save", type=Path, default=None, help="also keep the bundle there (and its log key beside)")
    parser.add_argument("--bundle", type=Path, default=None, help="measure this saved bundle (no world, no export)")
    parser.add_argument("--repeat", type=int, default=1, help="verify (and baseline) this many times: best, median")
    parser.add_argument("--jobs", type=int, default=None, help="the verifier's --jobs (default: its own default)")
    args = parser.parse_args()

    if args.bundle is None:
        world = asyncio.run(build_and_export(args))
        content: bytes = world.pop("content")
        log_key: str = world.pop("log_key")
    else:
        content, log_key = args.bundle.read_bytes(), args.bundle.with_suffix(".key").read_text().strip()
        world = {"bundle": str(args.bundle)}
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        with archive.open(d.ENTRIES) as stream:
            entries = sum(1 for _ in stream)
        uncompressed = sum(info.file_size for info in archive.infolist())
    say(
        f"export: {world.get('export_seconds', '(not run)')} s, bundle {len(content) / 1e6:.1f} MB zipped "
        f"({uncompressed / 1e6:.1f} MB unzipped), {entries} log entries of the vote in a tree of "
        f"{world.get('log_size', '(saved bundle)')}"
    )
    # An installed evote has its modules' bytecode (pip compiles a wheel's modules): without it (a checkout run with
    # PYTHONDONTWRITEBYTECODE=1, as on the reference machine) every fresh process compiles app/ again, ~0.2 s.
    compileall.compile_dir(Path(__file__).resolve().parents[1] / "app", quiet=1)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "bundle.zip"
        path.write_bytes(content)
        if args.save is not None:
            args.save.write_bytes(content)
            args.save.with_suffix(".key").write_text(log_key + "\n")
        runs, base_runs = [], []
        for attempt in range(1, args.repeat + 1):  # interleaved, so both see the same load of the shared machine
            _, base_seconds, base_rss, _, base_cpu = in_subprocess(BASELINE, str(path))
            say(f"baseline {attempt} (open the zip, SHA-256 of every member as a stream): {base_seconds:.2f} s, "
                f"peak RSS {base_rss:.0f} MB")  # fmt: skip
            jobs = () if args.jobs is None else ("--jobs", str(args.jobs))
            code, seconds, rss, report, cpu = in_subprocess(VERIFY, str(path), "--log-key", log_key, *jobs)
            if code != 0 or "PASS" not in report:
                say(report.rstrip())
                raise SystemExit("the verifier did not PASS the exported bundle")
            say(f"verify {attempt}: {seconds:.2f} s wall (fresh process), peak RSS {rss:.0f} MB")
            runs.append((seconds, rss, cpu))
            base_runs.append((base_seconds, base_rss, base_cpu))
        say(report.rstrip())
        seconds, rss = min(runs)[0], max(run[1] for run in runs)
        median = statistics.median(run[0] for run in runs)
        base_seconds, base_rss = min(base_runs)[0], max(run[1] for run in base_runs)
        base_median = statistics.median(run[0] for run in base_runs)
        # CPU seconds (user + system) of the fresh processes: on a shared machine the wall time mostly measures the load
        cpu_best, cpu_median = min(run[2] for run in runs), statistics.median(run[2] for run in runs)
        base_cpu_best = min(run[2] for run in base_runs)
        bad = Path(directory) / "tampered.zip"
        bad.write_bytes(tampered(content))
        bad_code, bad_seconds, _, bad_report, _ = in_subprocess(VERIFY, str(bad), "--log-key", log_key)
        failure = bad_report.strip().splitlines()[-1]
        if bad_code == 0 or not failure.startswith("FAIL"):
            raise SystemExit("the verifier did not FAIL the tampered bundle")
        say(f"tampered copy: {failure[:160]} ({bad_seconds:.2f} s)")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        verify_bundle(content, trust=Trust.of(log_key))
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(20)
    say("load average (1, 5, 15 min): " + ", ".join(f"{value:.2f}" for value in os.getloadavg()))
    say(f"the verifier's native core (app.verifier.native): {', '.join(native.BUILT) or 'none, the Python references'}")
    per_entry_us = seconds / entries * 1e6
    base_us = base_seconds / entries * 1e6
    median_us = median / entries * 1e6
    say(
        f"verify {entries} entries: best {seconds:.2f} s = {per_entry_us:.1f} µs per entry (everything included, "
        f"process start too), median {median:.2f} s of {len(runs)}; baseline best {base_seconds:.2f} s = "
        f"{base_us:.1f} µs per entry (median {base_median:.2f} s)"
    )
    say(
        f"per 1,000,000 entries: verify {per_entry_us:.1f} s best, {median_us:.1f} s median (target <= 15 s: "
        f"{'met' if per_entry_us <= 15 else 'MISSED'}); baseline {base_us:.1f} s. Peak RSS {rss:.0f} MB (highest of "
        f"the runs; target <= 300 MB: {'met' if rss <= 300 else 'MISSED'}); baseline {base_rss:.0f} MB"
    )
    say(
        f"CPU (user + system, all processes with --jobs 2) per 1,000,000 entries: verify "
        f"{cpu_best / entries * 1e6:.1f} s best, "
        f"{cpu_median / entries * 1e6:.1f} s median (the sum over the processes, which a shared machine's load "
        f"changes less than the wall time; the target is the wall time above); "
        f"baseline {base_cpu_best / entries * 1e6:.1f} s"
    )
    write_results(
        "verify_export",
        {**world, "bundle_entries": entries, "bundle_mb": round(len(content) / 1e6, 1),
         "bundle_unzipped_mb": round(uncompressed / 1e6, 1), "verify_seconds": round(seconds, 2),
         "verify_peak_rss_mb": round(rss), "verify_us_per_entry": round(per_entry_us, 1),
         "verify_median_seconds": round(median, 2), "runs": len(runs),
         "baseline_seconds": round(base_seconds, 2), "baseline_peak_rss_mb": round(base_rss),
         "baseline_us_per_entry": round(base_us, 1), "target_peak_rss_mb": 300,
         "verify_cpu_seconds": round(cpu_best, 2), "verify_cpu_median_seconds": round(cpu_median, 2),
         "baseline_cpu_seconds": round(base_cpu_best, 2),
         "tampered": failure, "target_seconds_per_million": 15, "jobs": args.jobs,
         "load_average": list(os.getloadavg())},
    )  # fmt: skip


if __name__ == "__main__":
    main()
