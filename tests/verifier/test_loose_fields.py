"""Loose fields of a bundle that must not pass: each forged bundle FAILs with a line naming the problem.

The forger rewrites members and the manifest, which ``tests.verifier.helpers.rebuild`` signs again with the log key
as its holder would; nothing else is re-signed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from app.audit.keys import LogKeys
from app.ledger import completeness
from app.ledger.canonical import canonical_bytes, canonical_sha256
from app.ledger.note import Checkpoint
from app.ledger.signing import jws_sign, sign
from app.verifier import documents as d
from app.verifier.checks import MEMBER_CAPS, verify_bundle
from tests.verifier.helpers import (
    SIGNERS,
    _subtrees,
    decode,
    export_bundle,
    load,
    members,
    rebuild,
    replace_member,
    run_vote,
    tamper,
)
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


async def test_a_topic_entry_with_a_member_outside_its_hashed_document_fails(bundle):
    def annotate(topics: list[dict[str, Any]]) -> None:
        topics[0]["note"] = "voted down by the committee"  # neither hashed nor signed: a reader could be misled

    check, message = failure(tamper(bundle, d.TOPICS, annotate))
    assert check == "notice"
    assert "topics.json: an entry has members ['content_hash', 'document', 'note', 'position', 'topic_id']" in message


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


# --- issue #16 item 5, hostile review: fields no check read; each bundle below is re-signed with the log key ---------


def _unit_lines(bundle: bytes) -> tuple[dict[str, bytes], list[bytes]]:
    files = members(bundle)
    return files, files[d.REGISTER].splitlines()


def _with_lines(files: dict[str, bytes], name: str, lines: list[bytes]) -> bytes:
    files[name] = b"".join(line + b"\n" for line in lines)
    return rebuild(files)


@pytest.mark.parametrize("jobs", [1, 2])
async def test_a_register_unit_line_with_a_repeated_member_fails_naming_it(bundle, jobs):
    files, lines = _unit_lines(bundle)
    unit = json.loads(lines[1])
    # another area first (what a reader keeping the first value sees), the exported one last (what json keeps)
    lines[1] = b'{"area":' + str(unit["area"] + 5000).encode() + b"," + lines[1][1:]

    check, message = failure(_with_lines(files, d.REGISTER, lines), jobs=jobs)
    assert check == "register"
    assert f"{d.REGISTER} line 2 (unit '{unit['unit_key']}'): duplicate member 'area'" in message


def _developer_held(units: list[dict[str, Any]]) -> dict[str, Any]:
    return next(unit for unit in units if unit["sale_status"] == "UNSOLD" or not unit["delivered"])


def _delivered(units: list[dict[str, Any]]) -> dict[str, Any]:
    return next(unit for unit in units if unit["delivered"] and unit["sale_status"] == "SOLD" and not unit["parking"])


@pytest.mark.parametrize(
    ("pick", "change", "problem"),
    [
        (_delivered, lambda unit: unit.pop("building"), "missing member 'building'"),
        (_delivered, lambda unit: unit.update(evidence=1), "evidence 1 is not one of"),
        (_delivered, lambda unit: unit.update(delivered=1), "delivered 1 is not a boolean"),
        (_delivered, lambda unit: unit.update(parking=0), "parking 0 is not a boolean"),
        (_delivered, lambda unit: unit.update(area=str(unit["area"])), "is not an integer"),
        (_delivered, lambda unit: unit.update(note="x"), "unexpected member 'note'"),
        (_developer_held, lambda unit: unit.update(owners="".join(unit["owners"]) or "0" * 32), "owners"),
    ],
    ids=["building missing", "evidence int", "delivered 1", "parking 0", "area text", "extra member", "owners text"],
)
async def test_a_register_unit_field_of_another_type_fails_naming_the_unit(bundle, pick, change, problem):
    chosen: dict[str, Any] = {}

    def retype(register: dict[str, Any]) -> None:
        unit = pick(register["units"])
        chosen.update(unit)
        change(unit)

    check, message = failure(tamper(bundle, d.REGISTER, retype))
    assert check == "register"
    assert f"(unit '{chosen['unit_key']}')" in message
    assert problem in message


async def test_register_units_out_of_unit_key_order_fail_naming_them(bundle):
    files, lines = _unit_lines(bundle)
    first, second = json.loads(lines[1])["unit_key"], json.loads(lines[2])["unit_key"]
    lines[1], lines[2] = lines[2], lines[1]

    check, message = failure(_with_lines(files, d.REGISTER, lines))
    assert check == "register"
    assert f"{d.REGISTER} line 3: unit '{first}' comes after unit '{second}'" in message


async def test_a_register_header_with_another_number_fails(bundle):
    signed = load(bundle, d.RESULT)["register"]["number"]

    def renumber(register: dict[str, Any]) -> None:
        register["number"] += 1

    check, message = failure(tamper(bundle, d.REGISTER, renumber))
    assert check == "notice"
    assert f"register snapshot's number {signed + 1} is not the signed result's register number {signed}" in message


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda header: header.update(unit_count=len(header["units"]) + 1), "unexpected member 'unit_count'"),
        (lambda header: header.update(include_parking=int(header["include_parking"])), "include_parking"),
        (lambda header: header.pop("content_hash") and None, "missing member 'content_hash'"),
    ],
    ids=["unit count added", "include_parking int", "content_hash missing"],
)
async def test_a_register_header_field_missing_added_or_retyped_fails(bundle, change, problem):
    check, message = failure(tamper(bundle, d.REGISTER, change))
    assert check in ("notice", "register")
    assert f"{d.REGISTER} header" in message
    assert problem in message


async def test_a_register_line_not_in_canonical_form_fails(bundle):
    files, lines = _unit_lines(bundle)
    lines[1] = json.dumps(json.loads(lines[1]), sort_keys=True, ensure_ascii=False).encode()  # ", " and ": "

    check, message = failure(_with_lines(files, d.REGISTER, lines))
    assert check == "register"
    assert f"{d.REGISTER} line 2" in message
    assert "not in RFC 8785 canonical form" in message


async def test_an_extra_top_level_member_of_the_signed_index_fails(bundle):
    def annotate(signed: dict[str, Any]) -> None:
        signed["note"] = "the index above is complete"

    check, message = failure(tamper(bundle, d.INDEX, annotate))
    assert check == "completeness"
    assert f"{d.INDEX}: unexpected member 'note'" in message


async def test_a_roll_header_line_not_in_canonical_form_fails(bundle):
    files = members(bundle)
    lines = files[d.ROLL].splitlines()
    lines[0] = json.dumps(json.loads(lines[0]), sort_keys=True).encode()  # the same JSON, with ", " and ": "

    check, message = failure(_with_lines(files, d.ROLL, lines))
    assert check == "notice"
    assert f"{d.ROLL} line 1 (its header) is not in RFC 8785 canonical form" in message


@pytest.mark.parametrize("jobs", [1, 2])
async def test_a_ballot_with_an_extra_member_fails_naming_it(bundle, jobs):
    def annotate(ballots: list[dict[str, Any]]) -> None:
        ballots[0]["note"] = "recounted by hand"

    ballot_id = load(bundle, d.BALLOTS)[0]["ballot_id"]
    check, message = failure(tamper(bundle, d.BALLOTS, annotate), jobs=jobs)
    assert check == "ballots"
    assert f"ballot {ballot_id}: unexpected member 'note'" in message


@pytest.mark.parametrize("channel", ["PAPER", "ONLINE"])
async def test_a_ballot_without_its_scan_sha256_member_fails(client, session, app, repo_root, channel):
    bundle = await export_bundle(client, await run_vote(client, session, app, repo_root, paper_group="D"))
    chosen: dict[str, Any] = {}

    def unscan(ballots: list[dict[str, Any]]) -> None:
        ballot = next(ballot for ballot in ballots if ballot["channel"] == channel)
        chosen.update(ballot)
        del ballot["scan_sha256"]

    for jobs in (1, 2):
        check, message = failure(tamper(bundle, d.BALLOTS, unscan), jobs=jobs)
        assert check == "ballots"
        assert f"ballot {chosen['ballot_id']}: missing member 'scan_sha256'" in message


def _relogged(bundle: bytes, edit: Callable[[bytes], bytes], kind: str = "ballot.cast") -> bytes:
    """The first ``kind`` line of log/entries.jsonl that ``edit`` changes, rewritten by it, and everything the log
    key signs over it signed again (checkpoints, signed index, result) by that key's holder: the operator."""
    files = members(bundle)
    lines = files[d.ENTRIES].splitlines()
    marker = f'"kind":"{kind}"'.encode()
    at = next(i for i, line in enumerate(lines) if marker in line and edit(line) != line)
    lines[at] = edit(lines[at])
    files[d.ENTRIES] = b"".join(line + b"\n" for line in lines)
    return _resigned(files)


def _resigned(files: dict[str, bytes]) -> bytes:
    """Everything the log key signs over log/entries.jsonl and result/result.json signed again by its holder."""
    lines = files[d.ENTRIES].splitlines()
    (proof,) = json.loads(files[d.INCLUSION])["proofs"]
    size = proof["tree_size"]
    leaves = [
        (i, hashlib.sha256(b"\x00" + line).digest()) for i, line in zip(proof["leaf_indices"], lines, strict=True)
    ]
    known: dict[tuple[int, int], bytes] = {}
    _subtrees(size, leaves, decode(d.INCLUSION_NODES, files[d.INCLUSION_NODES]), known)
    root = known[(0, size)]
    keys = json.loads(files[d.KEYS])
    key = SIGNERS[base64.b64decode(keys["log"]["public_key"])]
    operator = LogKeys.create(keys["origin"], key)
    checkpoints = json.loads(files[d.CHECKPOINTS])
    assert {Checkpoint.parse(note[: note.rfind("\n\n") + 1]).size for note in checkpoints.values()} == {size}
    files[d.CHECKPOINTS] = json.dumps(
        {label: operator.sign(Checkpoint(keys["origin"], size, root)) for label in checkpoints}
    ).encode()
    index = json.loads(files[d.INDEX])
    index["index"]["root_hash"] = base64.b64encode(root).decode()
    index["signature"] = base64.b64encode(sign(key, canonical_bytes(index["index"]))).decode()
    files[d.INDEX] = json.dumps(index).encode()
    result = json.loads(files[d.RESULT])
    result["checkpoint"]["root_hash"] = base64.b64encode(root).decode()
    payload = canonical_bytes(result)
    files[d.RESULT], files[d.RESULT_SIG] = payload, sign(key, payload)
    files[d.RESULT_JWS] = jws_sign(key, d.jwk_thumbprint(operator.current.verifier.public_key), payload).encode()
    return rebuild(files, signer=key)


@pytest.mark.parametrize("jobs", [1, 2])
async def test_the_operators_relogged_bundle_passes_unchanged(bundle, trust, jobs):
    # the control: a line changed, then changed back, and all signed again passes (the forger's tooling is sound)
    forth = _relogged(bundle, lambda line: line.replace(b'"kind":"ballot.cast"', b'"kind":"ballot.cast" '))
    assert not verify_bundle(forth, trust=trust, jobs=jobs).ok
    back = _relogged(forth, lambda line: line.replace(b'"kind":"ballot.cast" ', b'"kind":"ballot.cast"'))
    assert verify_bundle(back, trust=trust, jobs=jobs).ok


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize(
    ("name", "edit", "problem"),
    [
        (
            "a repeated kind",
            lambda line: line.replace(b'"kind":"ballot.cast"', b'"kind":"vote.cancelled","kind":"ballot.cast"'),
            "duplicate member 'kind'",
        ),
        (
            "a repeated commitment",
            lambda line: re.sub(
                rb'"commitment":"([0-9a-f]{64})"', lambda m: b'"commitment":"' + b"0" * 64 + b'",' + m.group(0), line
            ),
            "duplicate member 'commitment'",
        ),
        (
            "an escaped letter",
            lambda line: line.replace(b'"basis":"OWNER"', b'"basis":"\\u004fWNER"'),
            "not in RFC 8785 canonical form",
        ),
        (
            "a space",
            lambda line: line.replace(b'"kind":"ballot.cast",', b'"kind": "ballot.cast",'),
            "not in RFC 8785 canonical form",
        ),
    ],
)
async def test_a_log_entry_whose_bytes_are_not_its_canonical_document_fails(bundle, trust, jobs, name, edit, problem):
    """§1.1: the leaf data is the entry's canonical bytes; two readers must never read two documents under one
    signed leaf hash, even when the log key's holder signed them (found by the hostile review)."""
    report = verify_bundle(_relogged(bundle, edit), trust=trust, jobs=jobs)
    assert report.failed is not None, name
    check, message = report.failed
    assert check == "log"
    assert "log entry at leaf" in message
    assert problem in message


@pytest.mark.parametrize("where", ["top", "proof"])
async def test_an_extra_member_of_the_inclusion_proofs_fails(bundle, where):
    def annotate(inclusion: dict[str, Any]) -> None:
        (inclusion if where == "top" else inclusion["proofs"][0])["note"] = 1

    check, message = failure(tamper(bundle, d.INCLUSION, annotate))
    assert check == "log"
    assert message == "log/inclusion.json: " + ("" if where == "top" else "a proof: ") + "unexpected member 'note'"


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("when", ["2025-13-17", "2025-02-30"])
async def test_a_log_entry_created_at_no_real_instant_fails_naming_it(bundle, trust, jobs, when):
    def misdate(line: bytes) -> bytes:
        return re.sub(rb'"created_at":"[0-9]{4}-[0-9]{2}-[0-9]{2}', b'"created_at":"' + when.encode(), line, count=1)

    report = verify_bundle(_relogged(bundle, misdate), trust=trust, jobs=jobs)
    assert report.failed is not None
    check, message = report.failed
    assert check == "log"
    assert message.startswith("log entry at leaf ")
    assert "is malformed (" in message


def _roll_reissued(bundle: bytes, edit: Callable[[list[bytes]], None]) -> bytes:
    """roll.jsonl's group lines changed by ``edit`` and everything over the roll hash issued again by the log key's
    holder: the notice (its ``roll_hash``), then ``reissued``'s log and result."""
    files = members(bundle)
    lines = files[d.ROLL].splitlines()
    edit(lines)
    files[d.ROLL] = b"".join(line + b"\n" for line in lines)
    header = json.loads(lines[0])
    prefix, suffix = canonical_bytes({**header, "groups": []}).split(b'"groups":[]', 1)
    roll_hash = hashlib.sha256(prefix + b'"groups":[' + b",".join(lines[1:]) + b"]" + suffix).hexdigest()
    notice = json.loads(files[d.NOTICE])
    old = {notice["roll_hash"]: roll_hash}
    old_notice_hash = canonical_sha256(notice)
    notice["roll_hash"] = roll_hash
    files[d.NOTICE] = canonical_bytes(notice)
    old[old_notice_hash] = canonical_sha256(notice)
    result = json.loads(files[d.RESULT])
    result["roll_hash"], result["notice_hash"] = roll_hash, old[old_notice_hash]
    files[d.RESULT] = canonical_bytes(result)
    return reissued(files, old)


def reissued(files: dict[str, bytes], old: dict[str, str], counted: list[str] | None = None) -> bytes:
    """Every log entry naming a hash of ``old`` given its new one (and its payload hash), ``vote.closed``'s counted set
    over ``counted`` if given, the entry-set bindings over them (docs/evidence-formats.md §7.1), and everything the
    log key signs over the log and the result signed again (``_resigned``): as the key's holder issues them."""

    def hashed(document: dict[str, Any]) -> bytes:
        document["payload_sha256"] = canonical_sha256(
            {
                "kind": document["kind"], "estate_id": document["estate_id"] or "",
                "vote_id": document["vote_id"] or "", "payload": document["payload"],
            }
        )  # fmt: skip
        return canonical_bytes(document)

    entries = files[d.ENTRIES].splitlines()
    for at, line in enumerate(entries):
        changed = line
        for before, after in old.items():
            changed = changed.replace(before.encode(), after.encode())
        if changed != line:
            entries[at] = hashed(json.loads(changed))
    documents = [json.loads(line) for line in entries]
    for at, document in enumerate(documents):
        if counted is not None and document["kind"] == "vote.closed":
            document["payload"]["counted"] = completeness.counted_set(counted).payload()
            entries[at] = hashed(document)
    for at, document in enumerate(documents):
        if document["kind"] in completeness.BINDING_KINDS and "entries" in document["payload"]:
            bound = completeness.bound_before(documents, document)
            document["payload"]["entries"] = completeness.entry_set(
                (entry["id"], entry["payload_sha256"]) for entry in bound
            ).payload()
            entries[at] = hashed(document)
    files[d.ENTRIES] = b"".join(line + b"\n" for line in entries)
    if counted is not None:
        files[d.COUNTED] = json.dumps(sorted(counted)).encode()
    return _resigned(files)


def _first_group(edit: Callable[[bytes], bytes]) -> Callable[[list[bytes]], None]:
    def change(lines: list[bytes]) -> None:
        lines[1] = edit(lines[1])

    return change


@pytest.mark.parametrize("jobs", [1, 2])
async def test_the_operators_reissued_roll_passes_unchanged(bundle, trust, jobs):
    # the control: the roll, its hash and everything over it issued again unchanged passes (the tooling is sound)
    assert verify_bundle(_roll_reissued(bundle, _first_group(lambda line: line)), trust=trust, jobs=jobs).ok


@pytest.mark.parametrize(
    ("name", "edit", "problem"),
    [
        (
            "a repeated area",  # the tally's reading of a line's head takes the first, a JSON parser the last
            lambda line: line[:-1] + b',"area":' + re.match(rb'\{"area":([0-9]+)', line).group(1) + b"}",
            "duplicate member 'area'",
        ),
        ("a space", lambda line: line.replace(b'"heads":1', b'"heads": 1'), "not in RFC 8785 canonical form"),
    ],
)
async def test_a_roll_group_line_not_in_canonical_form_fails_naming_it(bundle, trust, name, edit, problem):
    # docs/evidence-formats.md §5.4: a JSON Lines line not in canonical form is refused, naming it; the roll hash is
    # over the lines' bytes, which the log key's holder signs again
    forged = _roll_reissued(bundle, _first_group(edit))
    reports = [verify_bundle(forged, trust=trust, jobs=jobs) for jobs in (1, 2)]
    assert reports[0].lines() == reports[1].lines()
    assert reports[0].failed is not None, "\n".join(reports[0].lines())
    check, message = reports[0].failed
    assert check == "register"
    assert message.startswith(f"{d.ROLL} line 2: "), message
    assert problem in message
