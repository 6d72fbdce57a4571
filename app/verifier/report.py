"""The verifier's report (PASS / FAIL naming the first inconsistency) and a stdlib-only progress line."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO, TypeVar

T = TypeVar("T")

#: Show a progress line for loops at least this long (``rich`` is outside the verifier's allowed imports).
PROGRESS_THRESHOLD = 2000


class Progress:
    """``\\r<label> 1234/5000 (24%)`` on a stream, redrawn at most once per percent; silent for short loops."""

    def __init__(self, stream: TextIO | None, *, threshold: int = PROGRESS_THRESHOLD) -> None:
        self._stream = stream
        self._threshold = threshold

    def iterate(self, label: str, items: Iterable[T], total: int) -> Iterator[T]:
        if self._stream is None or total < self._threshold:
            yield from items
            return
        step = max(1, total // 100)
        for done, item in enumerate(items, start=1):
            yield item
            if done % step == 0 or done == total:
                self._stream.write(f"\r{label} {done}/{total} ({100 * done // total}%)")
                self._stream.flush()
        self._stream.write("\n")
        self._stream.flush()


@dataclass(slots=True)
class Report:
    """The checks that passed, in order, and the first one that failed (if any)."""

    passed: list[tuple[str, str]] = field(default_factory=list)
    failed: tuple[str, str] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.failed is None

    def lines(self) -> list[str]:
        lines = [f"ok    {check:<11} {summary}" for check, summary in self.passed]
        lines += [f"note  {note}" for note in self.notes]
        if self.failed is None:
            lines.append("PASS  every check passed")
        else:
            check, message = self.failed
            lines.append(f"FAIL  {check}: {message}")
        return lines


def run(
    bundle: Path | str,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    log_key: str | None = None,
    progress_threshold: int = PROGRESS_THRESHOLD,
    log_dump: Path | str | None = None,
) -> int:
    """Verify a bundle file (against a dump of the public log, if given) and print the report: 0 when every
    check passed, 1 otherwise."""
    from app.verifier.checks import verify_bundle

    out = out or sys.stdout
    path = Path(bundle)
    out.write(f"evote verify {path}\n")
    try:
        data = path.read_bytes()
    except OSError as error:
        report = Report(failed=("bundle", f"cannot read {path}: {error.strerror or error}"))
    else:
        progress = Progress(err, threshold=progress_threshold)
        if log_dump is None:
            report = verify_bundle(data, log_key=log_key, progress=progress)
        else:
            try:
                with Path(log_dump).open("rb") as lines:
                    report = verify_bundle(data, log_key=log_key, progress=progress, log_dump=lines)
            except OSError as error:
                report = Report(failed=("freshness", f"cannot read the log dump {log_dump}: {error.strerror or error}"))
    for line in report.lines():
        out.write(line + "\n")
    out.flush()
    return 0 if report.ok else 1
