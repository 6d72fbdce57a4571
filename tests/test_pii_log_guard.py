"""The session's personal-data log guard (tests/pii_log_guard.py) catches what it must and nothing else.

The detector is fed directly (never through the real loggers, which the guard itself watches).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import uuid

import pytest

from tests import pii_log_guard
from tests.notice.helpers import resident_id
from tests.pii_log_guard import PiiLogGuard, find_personal_data, known_plaintexts, mask

ID_NUMBER = resident_id("11010519700101001")  # valid check character, in no fixture
ID_WITH_X = "11010519850606006X"  # 周八 in the scenario: check character X
CREDIT_CODE = "91110105MA01ABCD13"


def patterns(text: str, plaintexts: frozenset[str] = frozenset()) -> list[str]:
    return [hit.pattern for hit in find_personal_data(text, plaintexts)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"owner {ID_NUMBER} verified", ["resident ID number"]),
        (f"id={ID_WITH_X}", ["resident ID number"]),
        (f"id={ID_WITH_X.lower()}", ["resident ID number"]),
        (f"org:{CREDIT_CODE}.", ["unified social credit code"]),
        ("sent to 13912345678", ["mobile number"]),
        ("sent to +8613912345678", ["mobile number"]),
        ("sent to 86-15012345678 today", ["mobile number"]),
        ('{"phone": "19987654321"}', ["mobile number"]),
    ],
)
def test_personal_data_is_found(text, expected):
    assert patterns(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        str(uuid.UUID("11010519700101001" + "0" * 15)),  # digits inside a UUID
        "a" * 23 + ID_NUMBER + "f" * 23,  # 18 digits inside a 64-character hex digest
        ID_NUMBER + "0",  # 19 digits: no ID number
        ID_NUMBER[:17] + ("1" if ID_NUMBER[17] != "1" else "2"),  # wrong check character
        "110105197001010012",  # a checksum-less 18-digit number
        "2026-03-02T01:00:00.123+00:00 took 13.12345678901 ms",  # timestamps and a float's fraction
        "1391234567",  # 10 digits
        "139123456789",  # 12 digits
        "12912345678",  # not a mobile prefix
        "phone *******5678, 139****5678, identifier **************0016",  # masked forms
        "91110105MA01ABCD14",  # credit code with a wrong check character
        "9" * 64,  # a run of digits far longer than any identifier
        "sha256=" + "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "1700000000000 ms since the epoch",
    ],
)
def test_near_misses_are_not_personal_data(text):
    assert patterns(text) == []


def test_the_fixture_plaintexts_are_collected_and_found():
    known = known_plaintexts()
    # From samples/ (names of natural persons, certificate numbers) and tests/test_privacy_scan.py (phones).
    assert {"王一", "李二", "京(2019)朝阳区不动产权第0000101号", "13912345678", "91110000100012345L"} <= known
    assert "北京某某商贸有限公司" not in known  # an organisation's name is not personal data
    assert patterns("applicant 王一 reviewed", known) == ["test fixture plaintext"]
    assert patterns("applicant 王** reviewed", known) == []


def _record(message: str, *args, exc_info=None, **extra) -> logging.LogRecord:  # type: ignore[no-untyped-def]
    record = logging.LogRecord("evote.test", logging.WARNING, __file__, 1, message, args, exc_info)
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def test_the_guard_formats_records_as_production_and_keeps_only_leaks():
    guard = PiiLogGuard(frozenset({"王一"}))
    guard.handle(_record("request %s", "/api/v1/votes/" + str(uuid.uuid4()), status=200))
    guard.handle(_record("verified", owner_hash="ab" * 32))
    assert guard.findings == []

    guard.handle(_record("verified", id_number=ID_NUMBER))  # an ``extra`` field
    guard.handle(_record("code for %s", "13912345678"))  # a message argument
    try:
        raise ValueError(f"owner 王一 ({CREDIT_CODE}) not found")
    except ValueError:
        guard.handle(_record("failed", exc_info=sys.exc_info()))  # the traceback
    assert [finding.hits[0].pattern for finding in guard.findings] == [
        "resident ID number",
        "mobile number",
        "unified social credit code",
    ]
    assert "test fixture plaintext" in {hit.pattern for hit in guard.findings[2].hits}
    report = "\n".join(guard.report())
    assert "evote.test [WARNING]" in report
    for secret in (ID_NUMBER, "13912345678", CREDIT_CODE, "王一"):
        assert secret not in report  # the report masks what it found
    assert mask("13912345678") in report


def test_debug_records_are_listed_apart_not_failed():
    guard = PiiLogGuard()
    record = _record("executing %s", "13912345678")
    record.levelno, record.levelname = logging.DEBUG, "DEBUG"
    guard.handle(record)
    assert guard.findings == []
    assert [finding.level for finding in guard.below_production_level] == ["DEBUG"]


def test_a_record_seen_through_two_loggers_is_judged_once():
    guard = PiiLogGuard()
    record = _record("code for %s", "13912345678")
    guard.handle(record)
    guard.handle(record)
    assert (guard.records_seen, len(guard.findings)) == (1, 1)


def test_the_guard_is_installed_for_the_session(request):
    guard = request.config.stash[pii_log_guard._GUARD_KEY]
    for name in ("", "evote", "sqlalchemy", "uvicorn"):
        assert guard in logging.getLogger(name).handlers
    assert logging.getLogger().getEffectiveLevel() <= logging.INFO
    before = guard.records_seen
    logging.getLogger("evote.test").info("a harmless record %s", uuid.uuid4())
    assert guard.records_seen == before + 1


LEAKY_TEST = """
import logging


def test_logs_a_phone_number():
    logging.getLogger("evote.sms").info("code sent to %s", "13912345678")


def test_logs_nothing_personal():
    logging.getLogger("evote.access").info("request", extra={"path": "/api/v1/me", "status": 200})
"""


def _child_session(tmp_path, repo_root, source: str) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    """A child pytest session over ``source`` with the guard as its only plugin of ours."""
    (tmp_path / "test_child.py").write_text(source, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-c", os.devnull, "--rootdir", str(tmp_path),
         "-p", "tests.pii_log_guard", "-p", "no:cacheprovider", str(tmp_path / "test_child.py")],
        capture_output=True, text=True, cwd=repo_root, env={**os.environ, "PYTHONPATH": str(repo_root)},
        timeout=120, check=False,
    )  # fmt: skip


def test_a_leak_fails_a_session_whose_tests_all_pass(tmp_path, repo_root):
    """End to end, in a child pytest session: both tests pass, the session fails because of one log line."""
    child = _child_session(tmp_path, repo_root, LEAKY_TEST)
    assert child.returncode == 1, child.stdout + child.stderr
    assert "2 passed" in child.stdout
    assert "evote.sms [INFO] mobile number (139******78)" in child.stdout
    assert "pii log guard: 1 of 2 records leak" in child.stdout  # the harmless access record is not a finding
    assert "13912345678" not in child.stdout


REPLACED_HANDLERS_TEST = """
import logging


def test_replaces_the_root_handlers():
    logging.getLogger().handlers[:] = [logging.NullHandler()]  # as app.logging.configure_logging does


def test_then_leaks_through_the_root_logger():
    logging.getLogger("somelibrary").warning("calling %s", "13912345678")
"""


def test_a_test_that_replaces_the_root_handlers_does_not_blind_the_guard(tmp_path, repo_root):
    child = _child_session(tmp_path, repo_root, REPLACED_HANDLERS_TEST)
    assert child.returncode == 1, child.stdout + child.stderr
    assert "2 passed" in child.stdout
    assert "13912345678" not in child.stdout
