#!/usr/bin/env python3
"""Rehearse a whole vote against a running ``evote serve --dev-clock``, over HTTP only (issue #19 item 11).

    .venv/bin/python scripts/rehearse.py            # about a minute; ends with the verifier's PASS

What it does, step by step (README, "Rehearsing against a running server"):

 1. a fresh SQLite database under ``var/rehearsal/<time>/`` (``evote migrate``);
 2. the estate and three staff API keys with the CLI, as an operator does before opening the service
    (``evote estate create``; ``evote apikey create`` for ADMIN, COMMITTEE and STREET_OFFICE);
 3. ``evote serve --dev-clock`` on a free loopback port, its JSON log in ``serve.log`` (the development SMS
    sender writes each login code there: the rehearsal reads it by the code request's ``X-Request-ID``);
 4. over HTTP from here on: the committee imports the register (a generated estate of about 260 units);
 5. the committee records its five members, the street office files it;
 6. the committee drafts the vote (three topics, voting from 17 days from now for a week) and the decision to
    convene, which the members sign after signing in with their login codes and verifying against the register;
 7. the committee publishes the notice and records its posting with a photograph;
 8. the operator moves the server's clock into the voting window (``POST /api/v1/dev/clock``);
 9. owners sign in with login codes, verify, see their voter groups and cast; each keeps the receipt;
10. the operator moves the clock to the end of the window; the server closes and decides the vote by itself;
11. the committee reads the result and the signed result and exports the auditor's bundle; the rehearsal pins
    the log key the server publishes (``GET /api/v1/log/keys``) and runs ``evote verify`` on the bundle.

Exit status 0 only if every step answered as expected and the verifier said PASS. The server is stopped at the
end; its database, log and the bundle stay in the run's directory.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.demo import Owner, demo_photo, generate_register  # noqa: E402  (the demo's generated estate)

SHANGHAI = ZoneInfo("Asia/Shanghai")
API = "/api/v1"


class RehearsalFailed(Exception):
    pass


def say(step: str, text: str) -> None:
    sys.stdout.write(f"[{step:>2}] {text}\n")
    sys.stdout.flush()


def evote(*args: str, env: Mapping[str, str]) -> str:
    """One CLI command; its standard output. A failure stops the rehearsal with the command's own message."""
    done = subprocess.run(  # noqa: S603 - this interpreter, the evote CLI, fixed arguments
        [sys.executable, "-m", "app", *args], env=dict(env), cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RehearsalFailed(f"evote {' '.join(args[:2])} exited {done.returncode}: {done.stderr.strip()[-2000:]}")
    return done.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Rehearsal:
    def __init__(self, base_url: str, log: Path, *, committee: str, office: str, admin: str) -> None:
        self.http = httpx.Client(base_url=base_url + API, timeout=60)
        self.log = log
        self.committee = {"Authorization": f"Bearer {committee}"}
        self.office = {"Authorization": f"Bearer {office}"}
        self.admin = {"Authorization": f"Bearer {admin}"}
        self.verified: set[str] = set()

    def call(self, method: str, path: str, *, expect: int = 200, **kwargs: Any) -> Any:
        response = self.http.request(method, path, **kwargs)
        if response.status_code != expect:
            raise RehearsalFailed(f"{method} {path}: {response.status_code}, expected {expect}: {response.text[:800]}")
        return response.json() if response.content else None

    def code_from_log(self, request_id: str, within: float = 10) -> str:
        """The login code the development SMS sender logged while answering ``request_id``."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            for line in self.log.read_text(encoding="utf-8", errors="replace").splitlines():
                if request_id in line and line.startswith("{"):
                    entry = json.loads(line)
                    if entry.get("logger") == "evote.sms" and entry.get("request_id") == request_id:
                        return str(entry["sms_code"])
            time.sleep(0.1)
        raise RehearsalFailed(f"no login code in {self.log} for request {request_id}")

    def sign_in(self, phone: str) -> dict[str, str]:
        response = self.http.post("/auth/codes", json={"phone": phone})
        if response.status_code != 202:
            raise RehearsalFailed(f"POST /auth/codes: {response.status_code}: {response.text[:800]}")
        code = self.code_from_log(response.headers["x-request-id"])
        tokens = self.call("POST", "/auth/login", json={"phone": phone, "code": code})
        return {"Authorization": f"Bearer {tokens['access_token']}"}

    def verified_owner(self, owner: Owner) -> dict[str, str]:
        """Signed in and, the first time, verified against the register (R-CAST-1)."""
        headers = self.sign_in(owner.phone)
        if owner.phone not in self.verified:
            body = {"id_number": owner.id_number, "certificate_number": owner.certificate}
            self.call("POST", "/me/verification", json=body, headers=headers)
            self.verified.add(owner.phone)
        return headers

    def move_clock(self, to: datetime) -> datetime:
        moved = self.call("POST", "/dev/clock", json={"to": to.isoformat()}, headers=self.admin)
        return datetime.fromisoformat(moved["now"])

    def now(self) -> datetime:
        return datetime.fromisoformat(self.call("GET", "/dev/clock", headers=self.admin)["now"])


def rehearse(workdir: Path, voters: int, seed: int) -> int:
    run_dir = workdir / datetime.now(SHANGHAI).strftime("%Y%m%d-%H%M%S-%f")
    run_dir.mkdir(parents=True)
    database = run_dir / "evote.db"
    env = {name: value for name, value in os.environ.items() if not name.startswith("EVOTE_")}
    env |= {
        "EVOTE_ENV": "development",
        "EVOTE_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "EVOTE_DEV_KEY_DIR": str(run_dir / "keys"),
        "EVOTE_LOG_JSON": "true",
        "EVOTE_LOG_LEVEL": "INFO",
        "EVOTE_TRANSITION_INTERVAL_SECONDS": "1",  # the background close runs soon after the clock moves
        "PYTHONPATH": str(ROOT),
    }

    evote("migrate", env=env)
    say("1", f"fresh database {database}")

    estate = [
        "estate", "create", "--district-code", "110105", "--district", "朝阳区", "--street-office", "东湖街道",
        "--community", "望京西园社区", "--name", "演练小区", "--developer-name", "北京某某房地产开发有限公司",
        "--developer-credit-code", "91110000100012345L",
    ]  # fmt: skip
    placed = json.loads(evote(*estate, env=env))
    estate_id = placed["estate_id"]
    admin = evote("apikey", "create", "--name", "rehearsal operator", "--role", "ADMIN", env=env).strip()
    committee = evote(
        "apikey", "create", "--name", "rehearsal committee", "--role", "COMMITTEE", "--estate", estate_id, env=env
    ).strip()
    office = evote(
        "apikey", "create", "--name", "rehearsal street office", "--role", "STREET_OFFICE",
        "--street-office", placed["street_office_id"], env=env,
    ).strip()  # fmt: skip
    say("2", f"estate {estate_id} and ADMIN, COMMITTEE and STREET_OFFICE keys (evote estate create, apikey create)")

    port = free_port()
    log = run_dir / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen(  # noqa: S603 - this interpreter, the evote CLI
            [sys.executable, "-m", "app", "serve", "--dev-clock", "--host", "127.0.0.1", "--port", str(port)],
            env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base_url, server, log)
        say("3", f"evote serve --dev-clock at {base_url} (log {log})")
        return _drive(Rehearsal(base_url, log, committee=committee, office=office, admin=admin), run_dir, env, seed,
                      voters, estate_id)  # fmt: skip
    finally:
        _stop(server)


def _drive(r: Rehearsal, run_dir: Path, env: Mapping[str, str], seed: int, voters: int, estate_id: str) -> int:
    rng = random.Random(seed)  # noqa: S311 - reproducible rehearsal data, not security
    csv_text, groups = generate_register(rng)
    imported = r.call(
        "POST", f"/estates/{estate_id}/register/imports", expect=201,
        files={"file": ("register.csv", csv_text.encode(), "text/csv")}, headers=r.committee,
    )  # fmt: skip
    say("4", f"register imported: {imported['version']['unit_count']} units, {imported['totals']['heads']} heads")

    members = [owners[0] for owners in groups if len(owners) == 1][:5]
    seated = r.call(
        "POST", f"/estates/{estate_id}/committees", expect=201, headers=r.committee,
        json={"kind": "OWNERS_COMMITTEE", "seats": 5, "alternate_seats": 0,
              "term_starts_on": "2024-06-01", "term_ends_on": "2029-05-31"},
    )  # fmt: skip
    for seat, member in enumerate(members, start=1):
        r.call(
            "POST", f"/committees/{seated['id']}/members", expect=201, headers=r.committee,
            json={"seat_kind": "MEMBER", "seat": seat, "document_type": "RESIDENT_ID", "identifier": member.id_number},
        )  # fmt: skip
    r.call(
        "POST", f"/committees/{seated['id']}/filing", headers=r.office,
        json={"filed_on": "2024-06-20", "reference": "东湖街备〔2024〕1号"},
    )  # fmt: skip
    say("5", "committee of five recorded by the committee, filed by the street office")

    published = r.now().astimezone(SHANGHAI)
    starts = datetime.combine(published.date() + timedelta(days=17), datetime.min.time(), SHANGHAI)
    ends = starts + timedelta(days=7)
    vote = r.call(
        "POST", f"/estates/{estate_id}/votes", expect=201, headers=r.committee,
        json={"title": "演练：业主大会会议", "organiser_kind": "OWNERS_COMMITTEE", "starts_at": starts.isoformat(),
              "ends_at": ends.isoformat(), "notice_text": "演练公告"},
    )  # fmt: skip
    vote_path = f"/votes/{vote['id']}"
    topics: list[dict[str, Any]] = [
        {"title": "续聘物业服务企业", "text": "是否续聘现物业服务企业。", "kind": "YES_NO",
         "matters": ["HIRE_DISMISS_PROVIDER"]},
        {"title": "筹集电梯维修资金", "text": "按专有部分面积筹集。", "kind": "YES_NO", "matters": ["FUND_RAISE"]},
        {"title": "选择物业服务标准", "text": "二选一。", "kind": "SINGLE_CHOICE", "matters": ["SERVICE_TERMS"],
         "options": [{"id": "A", "label": "一级服务"}, {"id": "B", "label": "二级服务"}]},
    ]  # fmt: skip
    topic_ids = [
        r.call("POST", f"{vote_path}/topics", expect=201, headers=r.committee,
               json=topic | {"declaration_property_management": True})["id"]
        for topic in topics
    ]  # fmt: skip
    decided_on = (published.date() - timedelta(days=2)).isoformat()
    r.call("PUT", f"{vote_path}/mandate", headers=r.committee,
           json={"committee_id": seated["id"], "decided_on": decided_on})  # fmt: skip
    for member in members:
        r.call("POST", f"{vote_path}/mandate/signatures", expect=201, headers=r.verified_owner(member))
    say(
        "6",
        f"vote drafted: {len(topics)} topics, voting {starts:%Y-%m-%d} to {ends:%Y-%m-%d}; the five members "
        "signed in with their login codes, verified and signed the decision to convene",
    )

    notice = r.call("POST", f"{vote_path}/publish", headers=r.committee)
    time.sleep(1)  # the posting time is kept to the second: a second after publication, not before it
    posted = r.now().astimezone(SHANGHAI)  # posted on the notice board right after publication (R-NOTICE-2)
    r.call(
        "POST", f"{vote_path}/postings", expect=201, headers=r.committee,
        data={"posted_at": posted.isoformat(), "place": "小区东门公告栏"},
        files={"photo": ("posting.png", demo_photo(), "image/png")},
    )  # fmt: skip
    say("7", f"notice published and posted {posted:%Y-%m-%d %H:%M} (hash {notice['notice_hash'][:16]}…)")

    now = r.move_clock(starts + timedelta(hours=9))
    say("8", f"clock moved to {now.astimezone(SHANGHAI):%Y-%m-%d %H:%M} (Beijing): the voting window is open")

    receipts = []
    for owners in groups[:voters]:
        owner = owners[0]
        headers = r.verified_owner(owner)
        mine = r.call("GET", "/me/groups", headers=headers)
        group = next(item for item in mine["items"] if item["co_owners"] == len(owners))
        answers = {topic_ids[0]: rng.choice(["AGREE", "AGREE", "AGREE", "OPPOSE", "ABSTAIN"]),
                   topic_ids[1]: rng.choice(["AGREE", "AGREE", "OPPOSE"]),
                   topic_ids[2]: rng.choice(["A", "A", "B"])}  # fmt: skip
        receipt = r.call("POST", f"{vote_path}/ballots", expect=201, headers=headers,
                         json={"group_id": group["group_id"], "answers": answers})  # fmt: skip
        receipts.append(receipt)
    say("9", f"{len(receipts)} owners signed in, verified and voted; each kept a receipt")

    now = r.move_clock(ends + timedelta(minutes=1))
    result = _await_result(r, vote_path)
    say("10", f"clock moved to {now.astimezone(SHANGHAI):%Y-%m-%d %H:%M}: the server closed and decided the vote")
    for topic in result["topics"]:
        say("", f"     {topic['title']}: {topic['outcome']}")

    signed = r.call("GET", f"{vote_path}/signed-result", headers=r.committee)
    bundle = r.http.get(f"{vote_path}/export", headers=r.committee)
    if bundle.status_code != 200:
        raise RehearsalFailed(f"GET {vote_path}/export: {bundle.status_code}: {bundle.text[:800]}")
    out = run_dir / "bundle.zip"
    out.write_bytes(bundle.content)
    log_key = str(r.call("GET", "/log/keys")["current"]["verifier_key"])
    verified = subprocess.run(  # noqa: S603 - this interpreter, the evote CLI
        [sys.executable, "-m", "app", "verify", str(out), "--log-key", log_key],
        env=dict(env), cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    sys.stdout.write(verified.stdout)
    say("11", f"result signed (kid {str(signed.get('kid', ''))[:16]}…), bundle {out} ({len(bundle.content)} bytes), "
              f"evote verify with the pinned log key: exit {verified.returncode}")  # fmt: skip
    if verified.returncode != 0:
        sys.stderr.write(verified.stderr)
    return verified.returncode


def _await_result(r: Rehearsal, vote_path: str, within: float = 60) -> Any:
    """The result, once the background close has run (409 with Retry-After until then)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        response = r.http.get(f"{vote_path}/result", headers=r.committee)
        if response.status_code == 200:
            return response.json()
        if response.status_code != 409:
            raise RehearsalFailed(f"GET {vote_path}/result: {response.status_code}: {response.text[:800]}")
        time.sleep(min(float(response.headers.get("retry-after", "1")), 2.0))
    raise RehearsalFailed(f"no result {within} s after the end of the window")


def _wait_ready(base_url: str, server: subprocess.Popen[bytes], log: Path, within: float = 60) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RehearsalFailed(f"evote serve exited with {server.returncode}; see {log}")
        try:
            if httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RehearsalFailed(f"evote serve not ready after {within} s; see {log}")


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--workdir", type=Path, default=ROOT / "var" / "rehearsal", help="where each run's directory goes"
    )
    parser.add_argument("--voters", type=int, default=30, help="how many voter groups cast a ballot")
    parser.add_argument("--seed", type=int, default=2026, help="the generated estate's seed")
    args = parser.parse_args(argv)
    try:
        return rehearse(args.workdir, args.voters, args.seed)
    except RehearsalFailed as failure:
        sys.stderr.write(f"rehearsal failed: {failure}\n")
        return 1


if __name__ == "__main__":
    sys.exit(main())
