"""``evote serve --workers 2`` (issue #20 item 3): a scrape answered by either worker adds up both workers' series."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _healthz_count(text: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "evote_http_requests_total" and sample.labels.get("route") == "/healthz":
                return sample.value
    return 0.0


@pytest.mark.slow
def test_two_workers_share_their_metrics(tmp_path, repo_root):
    port = _free_port()
    env = os.environ | {
        "EVOTE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'serve.db'}",
        "EVOTE_DEV_KEY_DIR": str(tmp_path / "keys"),
        "PYTHONPATH": str(repo_root),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        "EVOTE_TRANSITION_INTERVAL_SECONDS": "0",
        "EVOTE_LOG_INTEGRATION_INTERVAL_SECONDS": "0",
        "EVOTE_NOTICE_DISPATCH_INTERVAL_SECONDS": "0",
    }
    (tmp_path / "metrics").mkdir()
    (tmp_path / "metrics" / "counter_999999.db").write_bytes(b"stale")  # an earlier run's file is cleared
    log = tmp_path / "serve.log"
    with log.open("wb") as stderr:
        server = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", "--port", str(port), "--workers", "2"],
            env=env, cwd=repo_root, stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, log.read_text(errors="replace")
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the server did not become ready"
            time.sleep(0.5)
        requests = 40
        for _ in range(requests):  # new connections: the kernel spreads them over both workers
            assert httpx.get(f"{base}/healthz", timeout=5).status_code == 200
        scrapes = [_healthz_count(httpx.get(f"{base}/metrics", timeout=5).text) for _ in range(6)]
        assert all(count == requests for count in scrapes), scrapes
        assert not (tmp_path / "metrics" / "counter_999999.db").exists()
        # Both workers write their own files (each one's pool gauge at least); the scrape above summed them.
        pids = {path.stem.rsplit("_", 1)[1] for path in (tmp_path / "metrics").glob("gauge_livesum_*.db")}
        assert len(pids) == 2, pids
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
