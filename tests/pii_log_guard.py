"""No personal data in the logs, across the whole test session (issue #9 item 5; R-PI-2).

A pytest plugin: for the whole session a handler on the root logger (and on the ``evote``, ``uvicorn`` and
``sqlalchemy`` loggers, in case one of them stops propagating) formats every record exactly as production does
(``app.logging.JsonFormatter``: message, ``extra`` fields, exception tracebacks) and searches the line for

* resident ID numbers (18 characters, GB 11643 check character, X included),
* unified social credit codes (18 characters, GB 32100 check character),
* mainland mobile numbers (``1[3-9]`` and 9 digits, with or without +86),
* the plaintext identifiers, phones, certificate numbers and names the tests feed to the application
  (``samples/``, ``tests/factories.py`` and ``tests/test_privacy_scan.py``).

Every pattern is bounded by characters that are not letters or digits, so UUIDs, SHA-256 hex digests and
timestamps never match; the ID and credit-code patterns also need a correct check character. At the end of
the session every hit is printed (logger, masked message, pattern) and the exit status is made non-zero.
Records below the production level (INFO), which exist only because a test lowered it with ``caplog``, are
listed but do not fail the session (e.g. aiosqlite logs SQL parameters at DEBUG).

Registered from ``tests/conftest.py`` (``pytest_plugins``). Run ``-p no:tests.pii_log_guard`` to switch it off.
"""

from __future__ import annotations

import csv
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import pytest

from app.logging import JsonFormatter
from app.register.identifiers import valid_credit_code, valid_resident_id

ROOT = Path(__file__).resolve().parents[1]
WATCHED_LOGGERS = ("", "evote", "uvicorn", "uvicorn.access", "uvicorn.error", "sqlalchemy")
CAPTURE_LEVEL = logging.INFO  # the production default (Settings.log_level)

_EDGE_BEFORE = r"(?<![0-9A-Za-z])"
_EDGE_AFTER = r"(?![0-9A-Za-z])"
RESIDENT_ID = re.compile(_EDGE_BEFORE + r"\d{17}[\dXx]" + _EDGE_AFTER)
CREDIT_CODE = re.compile(_EDGE_BEFORE + r"[0-9A-HJ-NPQRTUWXY]{18}" + _EDGE_AFTER)
# Not after a decimal point, not before one followed by a digit: a float's fraction is no phone number.
MOBILE = re.compile(r"(?<![0-9A-Za-z.])(?:\+?86[- ]?)?1[3-9]\d{9}(?![0-9A-Za-z]|\.\d)")


@dataclass(frozen=True)
class Hit:
    pattern: str
    masked: str


def mask(value: str) -> str:
    """Enough to find the value in the fixtures, not enough to read it: first 3 and last 2 characters."""
    return value[:3] + "*" * max(len(value) - 5, 1) + value[-2:] if len(value) > 5 else value[:1] + "*" * 3


def _sample_values() -> set[str]:
    """Identifiers, certificate numbers and natural persons' names in ``samples/``."""
    values: set[str] = set()
    for path in sorted((ROOT / "samples").glob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                values.update(filter(None, row.get("证件号码", "").split(";")))
                values.update(filter(None, [row.get("不动产权证号", "")]))
                kinds = row.get("业主类型", "").split(";")
                names = row.get("业主姓名", "").split(";")
                values.update(name for name, kind in zip(names, kinds, strict=False) if kind == "个人" and name)
    for path in sorted((ROOT / "samples").glob("*.json")):
        for unit in json.loads(path.read_text(encoding="utf-8")).get("units", []):
            values.update(filter(None, [unit.get("certificate_number")]))
            for owner in unit.get("owners", []):
                values.update(filter(None, [owner.get("id_number")]))
                if owner.get("kind") == "PERSON" and owner.get("name"):
                    values.add(owner["name"])
    return values


def known_plaintexts() -> frozenset[str]:
    """The exact personal data the tests hand to the application (imported, not copied)."""
    from tests.factories import DEVELOPER_CREDIT_CODE
    from tests.test_privacy_scan import SECRETS

    return frozenset({*SECRETS, DEVELOPER_CREDIT_CODE, *_sample_values()})


def find_personal_data(text: str, plaintexts: frozenset[str] = frozenset()) -> list[Hit]:
    """Every piece of personal data in ``text``, masked."""
    hits: list[Hit] = []
    id_numbers = set()
    for match in RESIDENT_ID.finditer(text):
        if valid_resident_id(match.group().upper()):
            id_numbers.add(match.group())
            hits.append(Hit("resident ID number", mask(match.group())))
    for match in CREDIT_CODE.finditer(text):
        code = match.group()  # positions 3-8 are the registration authority's region code: digits
        if code not in id_numbers and code[2:8].isdigit() and valid_credit_code(code):
            hits.append(Hit("unified social credit code", mask(match.group())))
    hits.extend(Hit("mobile number", mask(match.group())) for match in MOBILE.finditer(text))
    hits.extend(Hit("test fixture plaintext", mask(value)) for value in sorted(plaintexts) if value in text)
    return hits


@dataclass(frozen=True)
class Finding:
    logger: str
    level: str
    message: str  # masked
    hits: tuple[Hit, ...]


class PiiLogGuard(logging.Handler):
    """Formats each record as production does and keeps the ones that carry personal data."""

    def __init__(self, plaintexts: frozenset[str] = frozenset()) -> None:
        super().__init__(level=logging.NOTSET)
        self.setFormatter(JsonFormatter())
        self.plaintexts = plaintexts
        self.findings: list[Finding] = []
        self.below_production_level: list[Finding] = []  # DEBUG records a test asked for (caplog): reported only
        self.records_seen = 0

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "_pii_guard_seen", False):  # attached to several loggers: judge each record once
            return
        record._pii_guard_seen = True  # underscore: JsonFormatter leaves it out
        self.records_seen += 1
        try:
            line = self.format(record)
        except Exception as exc:  # a record production could not format is judged on its raw parts
            line = f"<unformattable record: {type(exc).__name__}> {record.msg!r} {record.args!r}"
        hits = find_personal_data(line, self.plaintexts)
        if hits:
            message = line
            for value in sorted(self._raw_values(line), key=len, reverse=True):
                message = message.replace(value, mask(value))
            finding = Finding(record.name, record.levelname, message[:500], tuple(hits))
            # Production logs at INFO (Settings.log_level); a DEBUG record exists only because a test lowered
            # the level with caplog (e.g. aiosqlite then logs SQL parameters): shown, but not a failure.
            (self.findings if record.levelno >= CAPTURE_LEVEL else self.below_production_level).append(finding)

    def _raw_values(self, line: str) -> Iterator[str]:
        for pattern in (RESIDENT_ID, CREDIT_CODE, MOBILE):
            yield from (match.group() for match in pattern.finditer(line))
        yield from (value for value in self.plaintexts if value in line)

    def report(self, findings: list[Finding] | None = None) -> list[str]:
        return [
            f"{finding.logger} [{finding.level}] "
            f"{', '.join(sorted({f'{hit.pattern} ({hit.masked})' for hit in finding.hits}))}: "
            f"{finding.message}"
            for finding in (self.findings if findings is None else findings)
        ]


_GUARD_KEY = pytest.StashKey[PiiLogGuard]()
_LEVELS_KEY = pytest.StashKey[int]()


def pytest_configure(config: pytest.Config) -> None:
    guard = PiiLogGuard(known_plaintexts())
    for name in WATCHED_LOGGERS:
        logging.getLogger(name).addHandler(guard)
    root = logging.getLogger()
    config.stash[_LEVELS_KEY] = root.level
    if root.getEffectiveLevel() > CAPTURE_LEVEL:
        root.setLevel(CAPTURE_LEVEL)  # see what production would log (INFO), not only warnings
    config.stash[_GUARD_KEY] = guard


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Attach the guard again if something replaced the handlers (``app.logging.configure_logging`` sets the root
    logger's handlers outright), so no test runs with its records unchecked."""
    guard = item.config.stash.get(_GUARD_KEY, None)
    if guard is None:
        return
    for name in WATCHED_LOGGERS:
        logger = logging.getLogger(name)
        if guard not in logger.handlers:
            logger.addHandler(guard)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    guard = session.config.stash.get(_GUARD_KEY, None)
    if guard is None:
        return
    for name in WATCHED_LOGGERS:
        logging.getLogger(name).removeHandler(guard)
    logging.getLogger().setLevel(session.config.stash[_LEVELS_KEY])
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # a pytest-xdist worker: the controller judges the findings of every worker
        workeroutput["pii_log_guard"] = {
            "records_seen": guard.records_seen,
            "findings": [asdict(finding) for finding in guard.findings],
            "below_production_level": [asdict(finding) for finding in guard.below_production_level],
        }
        return
    if guard.findings and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):  # type: ignore[no-untyped-def]
    """pytest-xdist controller: gather a finished worker's records, so a leak in any worker fails the run."""
    guard = node.config.stash.get(_GUARD_KEY, None)
    output = getattr(node, "workeroutput", {}).get("pii_log_guard")
    if guard is None or output is None:
        return
    guard.records_seen += output["records_seen"]
    for name in ("findings", "below_production_level"):
        getattr(guard, name).extend(_finding(item) for item in output[name])


def _finding(item: dict) -> Finding:  # type: ignore[type-arg]
    hits = tuple(Hit(**hit) for hit in item["hits"])
    return Finding(item["logger"], item["level"], item["message"], hits)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    guard = config.stash.get(_GUARD_KEY, None)
    if guard is None:
        return
    if guard.below_production_level:
        terminalreporter.write_line(
            f"pii log guard: {len(guard.below_production_level)} DEBUG records (below the production level INFO, "
            "enabled by a test) carry personal data, e.g.:"
        )
        for line in guard.report(guard.below_production_level)[:3]:
            terminalreporter.write_line("  " + line[:300])
    if not guard.findings:
        terminalreporter.write_line(f"pii log guard: {guard.records_seen} log records checked, no personal data")
        return
    terminalreporter.section("personal data in the logs", sep="=", red=True, bold=True)
    for line in guard.report():
        terminalreporter.write_line(line)
    terminalreporter.write_line(f"pii log guard: {len(guard.findings)} of {guard.records_seen} records leak")
