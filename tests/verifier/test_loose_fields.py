"""Loose fields of a bundle that must not pass: each forged bundle FAILs with a line naming the problem.

The forger rewrites members and the manifest only (``tests.verifier.helpers``): nothing is re-signed.
"""

from __future__ import annotations

import json
from typing import Any

from app.verifier import documents as d
from app.verifier.checks import MEMBER_CAPS
from tests.verifier.helpers import export_bundle, load, members, rebuild, replace_member, run_vote, tamper
from tests.verifier.test_completeness_attacks import failure


async def test_an_online_ballot_given_a_scan_hash_fails(bundle):
    def rescan(ballots: list[dict[str, Any]]) -> None:
        online = next(ballot for ballot in ballots if ballot["channel"] == "ONLINE")
        assert online["scan_sha256"] is None
        online["scan_sha256"] = "6" * 64

    check, message = failure(tamper(bundle, d.BALLOTS, rescan))
    assert check == "ballots"
    assert "channel ONLINE" in message
    assert f"its scan_sha256 '{'6' * 64}' and its signed ballot.cast entry's None disagree" in message


async def test_a_scanned_paper_ballot_without_its_scan_hash_fails(client, session, app, repo_root):
    bundle = await export_bundle(client, await run_vote(client, session, app, repo_root, paper_group="D"))

    def unscan(ballots: list[dict[str, Any]]) -> None:
        next(ballot for ballot in ballots if ballot["channel"] == "PAPER")["scan_sha256"] = None

    check, message = failure(tamper(bundle, d.BALLOTS, unscan))
    assert check == "ballots"
    assert f"its scan_sha256 None and its signed ballot.cast entry's '{'5' * 64}' disagree" in message


async def test_a_ballot_line_with_a_duplicate_answers_member_fails(bundle):
    files = members(bundle)
    lines = files[d.BALLOTS].splitlines()
    ballot = json.loads(lines[0])
    other = {topic: "OPPOSE" if answer != "OPPOSE" else "AGREE" for topic, answer in ballot["answers"].items()}
    # the committed answers first (what the commitment covers), another set last (what json.loads would keep)
    lines[0] = lines[0][:-1] + b',"answers":' + json.dumps(other, separators=(",", ":")).encode() + b"}"
    files[d.BALLOTS] = b"".join(line + b"\n" for line in lines)

    check, message = failure(rebuild(files))
    assert check == "ballots"
    assert "duplicate member 'answers'" in message


async def test_topic_positions_other_than_the_signed_results_fail(bundle):
    signed = [topic["position"] for topic in load(bundle, d.RESULT)["topics"]]

    def shift(topics: list[dict[str, Any]]) -> None:
        for topic in topics:
            topic["position"] += 10  # still sorted and unique

    check, message = failure(tamper(bundle, d.TOPICS, shift))
    assert check == "notice"
    assert f"topic positions {[p + 10 for p in signed]} are not the positions {signed} the signed result" in message


async def test_a_whole_read_member_above_its_cap_is_refused_unread(bundle):
    keys = load(bundle, d.KEYS)
    keys["padding"] = "x" * MEMBER_CAPS[d.KEYS]
    padded = json.dumps(keys).encode()

    check, message = failure(replace_member(bundle, d.KEYS, padded))
    assert check == "bundle"
    assert f"{d.KEYS} is {len(padded)} bytes, above the {MEMBER_CAPS[d.KEYS]}-byte cap" in message


async def test_every_member_read_whole_has_a_cap_the_bundle_is_well_under(bundle):
    whole = {d.README, d.MANIFEST, *d.MEMBERS} - set(d.JSONL_MEMBERS) - set(d.HEADED_MEMBERS) - set(d.BINARY_MEMBERS)
    assert set(MEMBER_CAPS) == whole
    for name, content in members(bundle).items():
        if name in whole:
            assert len(content) * 4 < MEMBER_CAPS[name], name
