"""The verifier's report and verdict, its exit status, and a stdlib-only progress line.

Verdicts and exit statuses (``evote verify`` and ``python -m app.verifier``):

* ``PASS`` (0): every check passed with the log key the auditor pinned (and the witness quorum, if any).
* ``FAIL`` (1): a check failed; the line names the check and what is wrong (a corrupted archive or an
  unreadable member included).
* usage error (2): the options or the trust file are unusable; nothing was verified.
* ``UNVERIFIED KEY`` (3): no log key was pinned; every check passed against the bundle's *own* key, which
  proves only that the bundle is consistent, not who signed it. Never PASS.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO, TypeVar

from app.verifier.trust import Trust

T = TypeVar("T")

#: Show a progress line for loops at least this long (``rich`` is outside the verifier's allowed imports).
PROGRESS_THRESHOLD = 2000

#: Processes ``evote verify`` uses by default: two where there are two cores (the register's regrouping beside the
#: log's stream, ``checks._fork_register``), else one.
DEFAULT_JOBS = min(2, os.cpu_count() or 1)

EXIT_PASS = 0
EXIT_FAIL = 1
EXIT_USAGE = 2
EXIT_UNVERIFIED_KEY = 3


class Progress:
    """``\\r<label> 1234/5000 (24%)`` on a stream, redrawn at most once per percent; silent for short loops."""

    def __init__(self, stream: TextIO | None, *, threshold: int = PROGRESS_THRESHOLD) -> None:
        self._stream = stream
        self._threshold = threshold

    def iterate(self, label: str, items: Iterable[T], total: int) -> Iterator[T]:
        if self._stream is None or total < self._threshold:
            return iter(items)  # no generator in between: the log's stream passes every entry through here
        return self._drawn(self._stream, label, items, total)

    @staticmethod
    def _drawn(stream: TextIO, label: str, items: Iterable[T], total: int) -> Iterator[T]:
        step = max(1, total // 100)
        for done, item in enumerate(items, start=1):
            yield item
            if done % step == 0 or done == total:
                stream.write(f"\r{label} {done}/{total} ({100 * done // total}%)")
                stream.flush()
        stream.write("\n")
        stream.flush()


@dataclass(slots=True)
class Report:
    """The checks that passed, in order, the first one that failed (if any), and whether a log key was pinned."""

    passed: list[tuple[str, str]] = field(default_factory=list)
    failed: tuple[str, str] | None = None
    notes: list[str] = field(default_factory=list)
    pinned: bool = True

    @property
    def ok(self) -> bool:
        """PASS: no check failed and the log key was pinned."""
        return self.failed is None and self.pinned

    @property
    def verdict(self) -> str:
        if self.failed is not None:
            return "FAIL"
        return "PASS" if self.pinned else "UNVERIFIED KEY"

    @property
    def exit_status(self) -> int:
        return {"PASS": EXIT_PASS, "FAIL": EXIT_FAIL}.get(self.verdict, EXIT_UNVERIFIED_KEY)

    def lines(self) -> list[str]:
        lines = [f"ok    {check:<11} {summary}" for check, summary in self.passed]
        lines += [f"note  {note}" for note in self.notes]
        if self.failed is not None:
            check, message = self.failed
            lines.append(f"FAIL  {check}: {message}")
        elif self.pinned:
            lines.append("PASS  every check passed")
        else:
            lines.append(
                "UNVERIFIED KEY  every check passed against the bundle's own log key, which proves nothing about "
                "who signed it: pin the key published by the operator (GET /api/v1/log/keys) and by the street "
                "office with --log-key (or --trust FILE)"
            )
        return lines


def run(
    bundle: Path | str,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    trust: Trust | None = None,
    progress_threshold: int = PROGRESS_THRESHOLD,
    log_dump: Path | str | None = None,
    jobs: int = 1,
) -> int:
    """Verify a bundle file (against a dump of the public log, if given) and print the report; the exit status of
    its verdict (see the module docstring)."""
    from app.verifier.checks import verify_bundle

    out = out or sys.stdout
    path = Path(bundle)
    out.write(f"evote verify {path}\n")
    try:
        data = path.open("rb")  # read as a stream: the bundle is never whole in memory
    except OSError as error:
        report = Report(failed=("bundle", f"cannot read {path}: {error.strerror or error}"))
    else:
        progress = Progress(err, threshold=progress_threshold)
        with data:
            if log_dump is None:
                report = verify_bundle(data, trust=trust, progress=progress, jobs=jobs)
            else:
                try:
                    with Path(log_dump).open("rb") as lines:
                        report = verify_bundle(data, trust=trust, progress=progress, log_dump=lines, jobs=jobs)
                except OSError as error:
                    report = Report(
                        failed=("freshness", f"cannot read the log dump {log_dump}: {error.strerror or error}")
                    )
    for line in report.lines():
        out.write(line + "\n")
    out.flush()
    return report.exit_status


def add_jobs_argument(parser: argparse.ArgumentParser) -> None:
    """``--jobs N``: how many processes verify (1: everything in this one)."""
    parser.add_argument(
        "--jobs", type=_jobs, default=DEFAULT_JOBS,
        help=f"processes to use: 2 regroups the register beside the log's stream (default {DEFAULT_JOBS})",
    )  # fmt: skip


def _jobs(text: str) -> int:
    try:
        jobs = int(text)
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"--jobs takes a positive number, not {text!r}")
    return jobs
