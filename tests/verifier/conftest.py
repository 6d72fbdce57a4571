"""Bundles of whole votes run through the API, built once per backend and scenario (plain bytes, read only)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.audit.keys import LogKeys
from app.rules.publicity import PostingCheck
from app.verifier import Trust, native
from tests.verifier.helpers import SIGNERS, STARTS, export_bundle, run_vote
from tests.verifier.native import native_module

_CACHE: dict[tuple[str, str], bytes] = {}


@pytest.fixture
async def bundle(backend, client, session, app, repo_root) -> bytes:  # type: ignore[no-untyped-def]
    key = (backend.backend, "on time")
    if key not in _CACHE:
        run = await run_vote(client, session, app, repo_root)
        _CACHE[key] = await export_bundle(client, run)
    return _CACHE[key]


@pytest.fixture
async def late_bundle(backend, client, session, app, repo_root, monkeypatch) -> bytes:  # type: ignore[no-untyped-def]
    """A vote a faulty server published only 14 days before the window: every signature is genuine."""
    key = (backend.backend, "late")
    if key not in _CACHE:
        monkeypatch.setattr("app.vote.service.check_window", lambda *args, **kwargs: None)
        # The same faulty server records the same-day posting without checking the period (R-NOTICE-3).
        monkeypatch.setattr(
            "app.vote.service.check_posting",
            lambda published, posted, *args, **kwargs: PostingCheck(posted, posted, posted),
        )
        run = await run_vote(client, session, app, repo_root, published=STARTS - timedelta(days=14))
        _CACHE[key] = await export_bundle(client, run)
    return _CACHE[key]


@pytest.fixture(scope="session", autouse=True)
def _forger_holds_the_log_key(test_settings) -> None:  # type: ignore[no-untyped-def]
    """``helpers.rebuild`` signs a tampered bundle's manifest again with the server's own log key: the checks past
    the manifest's signature defend against the key's holder (the server) too."""
    keys = LogKeys.from_settings(test_settings)
    SIGNERS[keys.current.verifier.public_key] = keys.private_key


@pytest.fixture(scope="session")
def log_key(test_settings) -> str:  # type: ignore[no-untyped-def]
    """The test server's log key, as ``GET /api/v1/log/keys`` publishes it: what an auditor pins."""
    return LogKeys.from_settings(test_settings).current.key_string


@pytest.fixture(scope="session")
def trust(log_key) -> Trust:  # type: ignore[no-untyped-def]
    return Trust.of(log_key)


@pytest.fixture(params=["reference", "native"])
def ballot_runs(request, monkeypatch) -> str:  # type: ignore[no-untyped-def]
    """The ballots' process's counted runs taken the Python way (``_Verifier._counted_run``, the reference) or in C
    (app/verifier/_native_ballots.pyx; skipped when not built, but under CI), whatever ``EVOTE_VERIFIER_NATIVE``."""
    counted_lines = None if request.param == "reference" else native_module("_native_ballots").CountedLines
    monkeypatch.setattr(native, "counted_lines", counted_lines)
    return str(request.param)
