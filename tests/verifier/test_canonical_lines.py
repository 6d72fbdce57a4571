"""docs/evidence-formats.md § Conventions, §5.1, §5.4: a JSON Lines line is RFC 8785 canonical bytes, so it holds no
float, no integer beyond 2^53 - 1 and its member names in UTF-16 code unit order. orjson reads such a line and writes
it back unchanged, so the verifier's fast paths must refuse it as the strict reader does: the same verdict, naming
the line, the ballot or the unit, with one process and with two (a forger holding the log key signs everything
again)."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import orjson
import pytest

from app.ledger import ballot as ballot_commitments
from app.verifier import documents as d
from app.verifier import verify_bundle
from tests.verifier.helpers import members, rebuild
from tests.verifier.test_completeness_attacks import pinned
from tests.verifier.test_loose_fields import _relogged

#: Values a canonical line never holds, as orjson writes them back unchanged after reading them.
NOT_CANONICAL = {
    "a float": (b"1.5", "1.5 is a float"),
    "negative zero": (b"-0.0", "-0.0 is a float"),
    "an integer beyond 2^53 - 1": (b"9007199254740993", "integer beyond 2^53 - 1"),
    "an integer beyond 2^63": (b"18446744073709551615", "integer beyond 2^53 - 1"),
}
#: Two member names whose code point order (U+FF61 first) is not their UTF-16 order (U+1F600 first).
CODE_POINT_ORDER = ',"\uff61":1,"\U0001f600":2'.encode()


def _verdicts(bundle: bytes) -> tuple[str, str]:
    """The failing check and message with one process; the same report's lines with two, checked equal."""
    reports = [verify_bundle(bundle, trust=pinned(bundle), progress=None, jobs=jobs) for jobs in (1, 2)]
    assert reports[0].lines() == reports[1].lines()
    assert reports[0].failed is not None, "\n".join(reports[0].lines())
    return reports[0].failed


def _payload_appended(member: bytes) -> Any:
    """An edit of a leaf line: ``member`` appended to its payload (sorted last), its payload hash over the line's
    own bytes, as a forger computes it."""

    def edit(line: bytes) -> bytes:
        document = json.loads(line)
        end = line.rindex(b',"payload_sha256":')
        line = line[: end - 1] + member + line[end - 1 :]
        end += len(member)
        payload = line[line.index(b'"payload":') + len(b'"payload":') : end]
        preimage = b'{"estate_id":"%b","kind":"%b","payload":%b,"vote_id":"%b"}' % (
            document["estate_id"].encode(), document["kind"].encode(), payload, document["vote_id"].encode(),
        )  # fmt: skip
        digest = hashlib.sha256(preimage).hexdigest().encode()
        return line[: end + 19] + digest + line[end + 19 + 64 :]

    return edit


def test_the_forger_s_payload_member_alone_passes(bundle, trust):
    # the control: an integer member added the same way is canonical, and the payload is not closed (§6.1)
    relogged = _relogged(bundle, _payload_appended(b',"zz":1'), kind="notice.published")
    for jobs in (1, 2):
        assert verify_bundle(relogged, trust=trust, jobs=jobs).ok


@pytest.mark.parametrize("name", sorted(NOT_CANONICAL))
def test_a_log_entry_with_a_number_no_canonical_line_holds_fails_naming_it(bundle, name):
    value, problem = NOT_CANONICAL[name]
    relogged = _relogged(bundle, _payload_appended(b',"zz":' + value), kind="notice.published")
    check, message = _verdicts(relogged)
    assert check == "log"
    assert re.match(r"log entry at leaf [0-9]+: ", message), message
    assert problem in message


def test_a_log_entry_with_member_names_in_code_point_order_fails_naming_it(bundle):
    relogged = _relogged(bundle, _payload_appended(CODE_POINT_ORDER), kind="notice.published")
    check, message = _verdicts(relogged)
    assert check == "log"
    assert re.match(r"log entry at leaf [0-9]+: ", message), message
    # the reference hashes the payload's canonical bytes, in UTF-16 order: not the forger's
    assert "payload_sha256 does not match" in message


#: A ballot's answer to a topic that takes a string (after its topic's UUID), and its answer for candidate c1.
TOPIC_ANSWER = rb'(?<=[0-9a-f]{12}":)"[A-Z]+"'
CANDIDATE_ANSWER = rb'(?<="c1":)"[A-Z]+"'


def _first_ballot_changed(bundle: bytes, old: bytes, new: bytes) -> tuple[bytes, str]:
    """The first ballot with the first match of the pattern ``old`` replaced by ``new``."""
    files = members(bundle)
    lines = files[d.BALLOTS].splitlines()
    lines[0], count = re.subn(old, new, lines[0], count=1)
    assert count == 1
    files[d.BALLOTS] = b"".join(line + b"\n" for line in lines)
    return rebuild(files), json.loads(lines[0])["ballot_id"]


def _not_canonical_ballot(check: str, message: str, problem: str) -> None:
    assert check == "ballots"
    assert re.match(r"ballots\.jsonl: the ballot of the ballot\.cast entry at leaf [0-9]+ is not a canonical", message)
    assert problem in message, message


@pytest.mark.parametrize("name", sorted(NOT_CANONICAL))
@pytest.mark.parametrize("where", ["answer", "candidate's answer"])
def test_a_ballot_with_a_number_no_canonical_line_holds_fails_naming_it(bundle, name, where):
    value, problem = NOT_CANONICAL[name]
    changed, _ = _first_ballot_changed(bundle, TOPIC_ANSWER if where == "answer" else CANDIDATE_ANSWER, value)
    check, message = _verdicts(changed)
    # the strict reader's words: its float hook, or the reference serialisation's integer limit
    _not_canonical_ballot(check, message, problem.replace(" is a float", ": floats and constants are not allowed"))


def test_a_ballot_with_answer_members_in_code_point_order_fails_naming_it(bundle):
    changed, _ = _first_ballot_changed(bundle, rb'"c7":"[A-Z]+"', rb"\g<0>" + CODE_POINT_ORDER)
    check, message = _verdicts(changed)
    _not_canonical_ballot(check, message, "not in RFC 8785 canonical form")


def test_a_ballot_whose_float_answer_its_commitment_covers_fails_naming_it(bundle):
    """The commitment computed over the float as orjson writes it (a server that logged it so): the fast paths
    recompute that hash and would have counted the ballot."""
    files = members(bundle)
    lines = files[d.BALLOTS].splitlines()
    ballot = orjson.loads(lines[0])
    topic = next(topic for topic, answer in ballot["answers"].items() if type(answer) is str)
    ballot["answers"][topic] = 1.5
    vote_id = json.loads(files[d.RESULT])["vote_id"]
    document = ballot_commitments.commitment_document(
        vote_id=vote_id, group=ballot["group_id"], answers=ballot["answers"], basis=ballot["basis"],
        channel=ballot["channel"], cast_at=ballot["cast_at"], nonce=ballot["nonce"],
    )  # fmt: skip
    ballot["content_hash"] = hashlib.sha256(orjson.dumps(document, option=orjson.OPT_SORT_KEYS)).hexdigest()
    lines[0] = orjson.dumps(ballot, option=orjson.OPT_SORT_KEYS)
    files[d.BALLOTS] = b"".join(line + b"\n" for line in lines)
    check, message = _verdicts(rebuild(files))
    _not_canonical_ballot(check, message, "1.5: floats and constants are not allowed")


def _unit_changed(bundle: bytes, pick: Any, old: bytes, new: bytes) -> tuple[bytes, int, str]:
    files = members(bundle)
    lines = files[d.REGISTER].splitlines()
    at = next(i for i, line in enumerate(lines[1:], 1) if pick(json.loads(line)))
    lines[at], count = re.subn(old, new, lines[at], count=1)
    assert count == 1
    files[d.REGISTER] = b"".join(line + b"\n" for line in lines)
    return rebuild(files), at + 1, json.loads(lines[at])["unit_key"]


def _parking(unit: dict[str, Any]) -> bool:
    return bool(unit["parking"])  # outside the roll (include_parking is false): nothing else reads its area


@pytest.mark.parametrize("name", sorted(NOT_CANONICAL))
def test_a_register_unit_with_a_number_no_canonical_line_holds_fails_naming_it(bundle, name):
    value, problem = NOT_CANONICAL[name]
    files = members(bundle)
    assert json.loads(files[d.REGISTER].splitlines()[0])["include_parking"] is False
    changed, number, key = _unit_changed(bundle, _parking, rb'"area":[0-9]+', b'"area":' + value)
    check, message = _verdicts(changed)
    assert check == "register"
    assert message.startswith(f"{d.REGISTER} line {number} (unit {key!r}): "), message
    assert problem.replace(" is a float", ": floats and constants are not allowed") in message


def test_a_register_unit_with_member_names_in_code_point_order_fails_naming_it(bundle):
    changed, number, key = _unit_changed(bundle, _parking, rb"\}$", CODE_POINT_ORDER + b"}")
    check, message = _verdicts(changed)
    assert check == "register"
    assert message == f"{d.REGISTER} line {number} (unit {key!r}): not in RFC 8785 canonical form"
