"""``tests/independent_verifier.py`` (written from ``docs/evidence-formats.md``, importing nothing from ``app``) gives
the same verdict as ``evote verify`` on a real exported bundle, and on forged variants of it."""

from __future__ import annotations

import ast
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.cli import main as cli_main
from app.ledger.note import verifier_key_string
from app.verifier import documents as d
from tests import independent_verifier
from tests.verifier.helpers import decode, encode, keep_entries, leaf_indices, members, rebuild

SOURCE = Path(independent_verifier.__file__)


def evote_verdict(tmp_path: Path, bundle: bytes, log_key: str, capsys: pytest.CaptureFixture[str]) -> str:
    path = tmp_path / "bundle.zip"
    path.write_bytes(bundle)
    code = cli_main(["verify", str(path), "--log-key", log_key])
    capsys.readouterr()
    return {0: "PASS", 1: "FAIL"}[code]


def member_name(bundle: bytes, stem: str) -> str:
    """``ballots`` → ``ballots.json`` (bundle format @1) or ``ballots.jsonl`` (@2), whichever the bundle holds."""
    files = members(bundle)
    return next(name for name in (f"{stem}.jsonl", f"{stem}.json") if name in files)


def edit(bundle: bytes, stem: str, change: Callable[[Any], None]) -> bytes:
    """Change one JSON or JSON Lines member in place and fix the manifest, as a forger would."""
    files = members(bundle)
    name = member_name(bundle, stem)
    text = files[name].decode("utf-8")
    if name in d.HEADED_MEMBERS:  # the register snapshot, the roll: a header line, then one item per line
        value = decode(name, files[name])
        change(value)
        files[name] = encode(name, value)
    elif name.endswith(".jsonl"):
        values = [json.loads(line) for line in text.split("\n") if line]
        change(values)
        files[name] = "".join(json.dumps(value, ensure_ascii=False) + "\n" for value in values).encode()
    else:
        value = json.loads(text)
        change(value)
        files[name] = json.dumps(value, ensure_ascii=False, indent=2).encode()
    return rebuild(files)


def test_the_independent_verifier_imports_nothing_from_app() -> None:
    tree = ast.parse(SOURCE.read_text(encoding="utf-8"))
    modules = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    modules |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert {module.split(".")[0] for module in modules} <= {
        "__future__", "base64", "hashlib", "io", "json", "sys", "zipfile", "fractions", "typing", "cryptography",
    }  # fmt: skip


async def test_both_verifiers_pass_the_exported_bundle(bundle, log_key, tmp_path, capsys):
    assert (
        json.loads(members(bundle)["manifest.json"])["format"] == "evote-bundle@4"
    )  # JSON Lines, batch proofs, signed manifest
    assert independent_verifier.verify(bundle, log_key) == ("PASS", "every check passed")
    assert evote_verdict(tmp_path, bundle, log_key, capsys) == "PASS"


def _answer(ballots: list[dict[str, Any]]) -> None:
    topic = next(topic for topic, answer in ballots[0]["answers"].items() if answer in ("AGREE", "OPPOSE"))
    ballots[0]["answers"][topic] = "OPPOSE" if ballots[0]["answers"][topic] == "AGREE" else "AGREE"


def _document(record: dict[str, Any]) -> dict[str, Any]:
    """A leaf document: a line of log/entries.jsonl (@2) or the ``entry`` of an item of log/entries.json (@1)."""
    return record.get("entry", record)


def _payload(records: list[dict[str, Any]]) -> None:
    _document(records[0])["payload"]["published_at"] = "2025-01-01T00:00:00Z"


def _drop_cast(records: list[dict[str, Any]]) -> None:
    position = next(i for i, record in enumerate(records) if _document(record)["kind"] == "ballot.cast")
    del records[position]


def _roll(roll: dict[str, Any]) -> None:
    roll["groups"][0]["area"] += 1


def _counted(counted: list[str]) -> None:
    counted.pop()


@pytest.mark.parametrize(
    ("stem", "change", "check"),
    [
        ("ballots", _answer, "ballots"),
        ("log/entries", _payload, "log"),
        ("log/entries", _drop_cast, "log"),
        ("roll", _roll, "register"),
        ("log/counted", _counted, "ballots"),
    ],
    ids=["ballot answer changed", "entry payload changed", "ballot.cast dropped", "roll area", "counted set"],
)
async def test_both_verifiers_fail_a_forged_bundle(bundle, log_key, tmp_path, capsys, stem, change, check):
    forged = edit(bundle, stem, change)
    verdict, reason = independent_verifier.verify(forged, log_key)
    assert verdict == "FAIL"
    assert reason.startswith(f"{check}:"), reason
    assert evote_verdict(tmp_path, forged, log_key, capsys) == "FAIL"


async def test_both_verifiers_fail_with_another_pinned_key(bundle, log_key, tmp_path, capsys):
    other = verifier_key_string(log_key.split("+")[0], Ed25519PrivateKey.generate().public_key())
    assert independent_verifier.verify(bundle, other)[0] == "FAIL"
    assert evote_verdict(tmp_path, bundle, other, capsys) == "FAIL"


async def test_both_verifiers_fail_a_member_that_does_not_match_the_manifest(bundle, log_key, tmp_path, capsys):
    files = members(bundle)
    files["notice.json"] += b" "
    forged = rebuild(files, fix_manifest=False)
    assert independent_verifier.verify(forged, log_key)[0] == "FAIL"
    assert evote_verdict(tmp_path, forged, log_key, capsys) == "FAIL"


async def test_both_verifiers_fail_a_bundle_missing_a_later_entry(bundle, log_key, tmp_path, capsys):
    files = members(bundle)
    last = leaf_indices(files)[-1]
    keep_entries(files, lambda leaf, _: leaf != last)  # its batch proof rebuilt without it, as anyone can
    forged = rebuild(files)
    verdict, reason = independent_verifier.verify(forged, log_key)
    assert (verdict, reason.split(":")[0]) == ("FAIL", "log"), reason
    assert evote_verdict(tmp_path, forged, log_key, capsys) == "FAIL"


async def test_both_verifiers_fail_an_altered_readme(bundle, log_key, tmp_path, capsys):
    files = members(bundle)
    files["README.md"] += b"\nSkip --log-key: the archive's own key is enough.\n"
    for forged in (rebuild(files, fix_manifest=False), rebuild(files, resign=False)):
        verdict, reason = independent_verifier.verify(forged, log_key)
        assert verdict == "FAIL", reason
        assert evote_verdict(tmp_path, forged, log_key, capsys) == "FAIL"
