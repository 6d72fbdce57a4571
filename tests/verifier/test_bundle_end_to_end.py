"""Issue #6 items 6-8 end to end: a vote through the API, its export, ``evote verify`` → PASS; each tamper → FAIL.

The bundles are built once per backend (``bundle`` / ``late_bundle``) and reused: tampering works on bytes.
"""

from __future__ import annotations

import base64
import json
import uuid

import pytest

from app.cli import main as cli_main
from app.verifier import documents as d
from app.verifier import verify_bundle
from tests.verifier.helpers import (
    OWNER_NAMES,
    ballot_hash,
    export_bundle,
    load,
    members,
    replace_member,
    run_vote,
    tamper,
)


def verify_cli(tmp_path, data: bytes, capsys, log_key: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    path = tmp_path / "bundle.zip"
    path.write_bytes(data)
    code = cli_main(["verify", str(path), "--log-key", log_key])
    return code, capsys.readouterr().out


async def test_exported_bundle_verifies(bundle, log_key, tmp_path, capsys):
    code, out = verify_cli(tmp_path, bundle, capsys, log_key)
    assert code == 0, out
    assert out.rstrip().endswith("PASS  every check passed")
    for check in ("bundle", "keys", "signatures", "log", "notice", "register", "ballots", "publicity", "tally"):
        assert f"ok    {check}" in out


async def test_bundle_holds_no_personal_data(bundle):
    files = members(bundle)
    assert list(files) == [d.README, d.MANIFEST, *d.MEMBERS]
    text = b"".join(files.values()).decode("utf-8", errors="replace")
    for name in OWNER_NAMES:
        assert name not in text  # R-PI-5: no names
    assert "110105" not in text  # no ID numbers (every sample ID starts so)
    register = load(bundle, d.REGISTER)
    assert set(register["units"][0]) == {
        "unit_key", "building", "entrance", "room", "area", "area_source", "parking", "sale_status", "delivered",
        "evidence", "owners",
    }  # fmt: skip


def _first_answer(bundle: bytes) -> tuple[str, str]:
    topics = load(bundle, d.TOPICS)
    return topics[0]["topic_id"], topics[0]["document"]["kind"]


def change_choice(bundle: bytes) -> bytes:
    topic_id, kind = _first_answer(bundle)
    assert kind == "YES_NO"

    def change(ballots):  # type: ignore[no-untyped-def]
        ballot = ballots[0]
        ballot["answers"][topic_id] = "OPPOSE" if ballot["answers"][topic_id] != "OPPOSE" else "AGREE"

    return tamper(bundle, d.BALLOTS, change)


def delete_ballot(bundle: bytes) -> bytes:
    return tamper(bundle, d.BALLOTS, lambda ballots: ballots.pop(2) and None)


def add_ballot(bundle: bytes) -> bytes:
    roll = load(bundle, d.ROLL)
    vote_id = load(bundle, d.MANIFEST)["vote_id"]

    def change(ballots):  # type: ignore[no-untyped-def]
        voted = {ballot["group_id"] for ballot in ballots}
        silent = next(group["group_id"] for group in roll["groups"] if group["group_id"] not in voted)
        forged = dict(ballots[0], ballot_id=str(uuid.uuid4()), group_id=silent)
        forged["content_hash"] = ballot_hash(vote_id, forged)
        ballots.append(forged)

    return tamper(bundle, d.BALLOTS, change)


def change_area(bundle: bytes) -> bytes:
    def change(register):  # type: ignore[no-untyped-def]
        register["units"][0]["area"] += 100

    return tamper(bundle, d.REGISTER, change)


def reorder_entries(bundle: bytes) -> bytes:
    """Two entries swapped with their leaf indices: the batch proof still holds, but leaf order is broken."""

    def change(lines):  # type: ignore[no-untyped-def]
        lines[1], lines[2] = lines[2], lines[1]

    def swap(inclusion):  # type: ignore[no-untyped-def]
        change(inclusion["proofs"][0]["leaf_indices"])

    return tamper(tamper(bundle, d.ENTRIES, change), d.INCLUSION, swap)


def alter_root(bundle: bytes) -> bytes:
    def change(checkpoints):  # type: ignore[no-untyped-def]
        lines = checkpoints["result"].split("\n")
        lines[2] = base64.b64encode(b"\x01" * 32).decode()
        checkpoints["result"] = "\n".join(lines)

    return tamper(bundle, d.CHECKPOINTS, change)


def swap_signature(bundle: bytes) -> bytes:
    jws = members(bundle)[d.RESULT_JWS].decode().strip()
    other = base64.urlsafe_b64decode(jws.split(".")[2] + "==")  # a genuine signature, of other bytes
    return replace_member(bundle, d.RESULT_SIG, other)


TAMPERS = {
    "change one ballot's choice": (change_choice, "ballots", "content does not hash"),
    "delete a ballot": (delete_ballot, "ballots", "it was deleted"),
    "add a ballot": (add_ballot, "ballots", "it was added after the fact"),
    "change a unit's area in the register snapshot": (change_area, "register", "a unit's area was changed"),
    "reorder two log entries": (reorder_entries, "log", "out of order"),
    "alter a checkpoint root": (alter_root, "signatures", "checkpoint 'result'"),
    "swap a signature": (swap_signature, "signatures", "result.sig"),
}


@pytest.mark.parametrize("name", list(TAMPERS))
async def test_each_tamper_fails_naming_it(bundle, log_key, tmp_path, capsys, name):
    forge, check, words = TAMPERS[name]
    code, out = verify_cli(tmp_path, forge(bundle), capsys, log_key)
    assert code != 0
    failure = out.rstrip().splitlines()[-1]
    assert failure.startswith(f"FAIL  {check}: "), failure
    assert words in failure, failure


async def test_topics_published_14_days_before_the_window_fail(late_bundle, log_key, tmp_path, capsys):
    code, out = verify_cli(tmp_path, late_bundle, capsys, log_key)
    assert code != 0
    failure = out.rstrip().splitlines()[-1]
    assert failure.startswith("FAIL  publicity: "), failure
    assert "2025-03-03" in failure
    assert "14 days later" in failure
    assert "R-LIFE-3 requires 15" in failure
    # Everything before the rule held: the signatures and the log are genuine, only the law was broken.
    assert "ok    tally" not in out
    assert "ok    ballots" in out


async def test_signed_result_endpoint_matches_the_bundle(backend, client, session, app, repo_root, trust):
    run = await run_vote(client, session, app, repo_root)
    response = await client.get(f"/api/v1/votes/{run.vote_id}/signed-result", headers=run.owner)
    assert response.status_code == 200, response.text
    body = response.json()
    again = (await client.get(f"/api/v1/votes/{run.vote_id}/signed-result", headers=run.committee)).json()
    assert again["payload"] == body["payload"]
    assert again["jws"] == body["jws"]
    assert json.loads(body["payload"]) == body["result"]
    bundle = await export_bundle(client, run)
    assert members(bundle)[d.RESULT] == body["payload"].encode()
    assert base64.b64decode(body["signature"]) == members(bundle)[d.RESULT_SIG]
    assert verify_bundle(bundle, trust=trust).ok
