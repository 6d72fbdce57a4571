"""Every issue #8 benchmark in one command, then one table of every figure against its target.

    .venv/bin/python bench/all.py            # about 15 minutes on the 2-core reference machine
    .venv/bin/python bench/all.py --quick    # smaller worlds, to check that everything runs (figures not comparable)

Runs, one after another so that none disturbs another's timing: ``cast_load.py`` (casting over HTTP at 16, 64 and
200 clients beside the raw-asyncpg baseline, RSS per worker), ``close_tally.py`` (5 yes/no topics, then 5 mixed
topics with an election), ``verify_export.py`` (export and offline verification against a 1,000,000-entry log) and
``register_import.py`` (100,000 units). Each script prints its own detail and writes its JSON under
``bench/results/``; this one reads them back and writes ``bench/results/all.json``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"
console = Console()


def run(script: str, *arguments: str) -> float:
    console.rule(f"[bold]{script} {' '.join(arguments)}")
    started = time.perf_counter()
    subprocess.run([sys.executable, str(BENCH / script), *arguments], check=True)  # noqa: S603 - our own scripts
    return time.perf_counter() - started


def latest(pattern: str) -> dict[str, Any]:
    found = sorted(RESULTS.glob(pattern), key=lambda path: path.stat().st_mtime)
    if not found:
        raise SystemExit(f"no result matching {pattern} in {RESULTS}")
    data: dict[str, Any] = json.loads(found[-1].read_text())
    return data


def rows(quick: bool) -> list[tuple[str, Any, str, bool | None]]:
    cast = latest("cast_load-*.json")
    table: list[tuple[str, Any, str, bool | None]] = [
        (f"casting: {row['target']}", row["value"], row["goal"], row["pass"]) for row in cast["targets"]
    ]
    for level in cast["levels"]:
        http, baseline = level.get("http") or {}, level.get("baseline") or {}
        table.append(
            (
                f"casting at {level['clients']} clients: service / baseline ballots/s",
                f"{http.get('ballots_per_s')} / {baseline.get('ballots_per_s')}",
                "",
                None,
            )
        )
    also = cast.get("also_workers")
    if also:
        table.append(
            (f"casting at {also['clients']} clients with {also['workers']} workers: ballots/s, p50 / p99 ms",
             f"{also['http']['ballots_per_s']}, {also['http']['p50_ms']} / {also['http']['p99_ms']}", "", None)
        )  # fmt: skip
    profile = json.loads((RESULTS / "profile_cast.json").read_text())
    cpu = profile["cpu_ms_per_cast"]
    table.append(("worker CPU per cast, in-process (ms)", cpu, "<= 1.0", cpu <= 1.0))
    for name, label in (("close_tally_yes_no.json", "5 yes/no topics"), ("close_tally.json", "5 mixed topics")):
        close = json.loads((RESULTS / name).read_text())
        tally = close["tally_ms_median"]
        table.append((f"tally of {close['groups']:,} groups, {label} (ms)", tally, "<= 250", tally <= 250))
        table.append((f"whole close + signing, {label} (ms)", close["median_ms"].get("total_ms"), "", None))
    verify = json.loads((RESULTS / "verify_export.json").read_text())
    per_million = verify["verify_us_per_entry"]  # µs per entry = s per 1,000,000 entries
    table += [
        (f"export of {verify['bundle_entries']:,} entries from a {verify['log_size']:,}-entry log (s)",
         verify["export_seconds"], "", None),
        ("offline verify, seconds per 1,000,000 entries", per_million, "<= 15", per_million <= 15),
        ("offline verify, peak RSS (MB)", verify["verify_peak_rss_mb"], "<= 300", verify["verify_peak_rss_mb"] <= 300),
        ("baseline: hashing the bundle's members, seconds per 1,000,000 entries / peak RSS (MB)",
         f"{verify['baseline_us_per_entry']} / {verify['baseline_peak_rss_mb']}", "", None),
        ("tampered bundle refused", verify["tampered"][:60], "FAIL", verify["tampered"].startswith("FAIL")),
    ]  # fmt: skip
    register = json.loads((RESULTS / "register_import.json").read_text())
    seconds = register["service_seconds"]
    table.append((f"import of {register['units']:,} units (s)", seconds, "<= 30", seconds <= 30))
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small worlds: checks that everything runs")
    args = parser.parse_args()
    small = args.quick
    durations = {
        "cast_load": run("cast_load.py", *(["--units", "2000", "--duration", "3", "--warmup", "1"] if small else [])),
        "profile_cast": run("profile_cast.py", "--no-profile", *(["--casts", "200"] if small else [])),
        "close yes/no": run("close_tally.py", "--topics", "yes-no", *(["--groups", "5000"] if small else [])),
        "close mixed": run("close_tally.py", "--topics", "mixed", *(["--groups", "5000"] if small else [])),
        "verify_export": run("verify_export.py", *(["--groups", "2000", "--log-entries", "20000"] if small else [])),
        "register_import": run("register_import.py", *(["--units", "5000"] if small else [])),
    }
    table = Table(title="issue #8 benchmarks" + (" (--quick: not comparable with the targets)" if small else ""))
    for column in ("figure", "value", "target", ""):
        table.add_column(column)
    figures = rows(small)
    for name, value, goal, passed in figures:
        mark = "" if passed is None else ("PASS" if passed else "MISS")
        table.add_row(name, str(value), goal, mark)
    console.print(table)
    out = RESULTS / "all.json"
    out.write_text(
        json.dumps(
            {"quick": small, "durations_s": durations,
             "figures": [{"figure": f, "value": v, "goal": g, "pass": p} for f, v, g, p in figures]},
            indent=2, ensure_ascii=False,
        ) + "\n"
    )  # fmt: skip
    console.print(f"wrote {out}")


if __name__ == "__main__":
    main()
