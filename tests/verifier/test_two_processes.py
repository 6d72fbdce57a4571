"""``evote verify --jobs 2``: the register's regrouping runs in a forked second process beside the log's stream;
the report (every line, every verdict, the order of the checks) is the one a single process gives."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest

from app.cli import main as cli_main
from app.verifier import documents as d
from app.verifier import verify_bundle
from app.verifier.report import _jobs
from tests.verifier.helpers import decode, encode, members, rebuild, tamper


def both(bundle: bytes, trust: Any, tmp_path: Path) -> tuple[list[str], list[str], list[str]]:
    """The report's lines from one process, from two over the bytes, and from two over a file."""
    path = tmp_path / "bundle.zip"
    path.write_bytes(bundle)
    alone = verify_bundle(bundle, trust=trust).lines()
    forked = verify_bundle(bundle, trust=trust, jobs=2).lines()
    with path.open("rb") as stream:
        from_file = verify_bundle(stream, trust=trust, jobs=2).lines()
    return alone, forked, from_file


async def test_two_processes_pass_a_bundle_with_the_same_report(bundle, trust, tmp_path):
    alone, forked, from_file = both(bundle, trust, tmp_path)
    assert alone[-1].startswith("PASS")
    assert alone == forked == from_file
    assert any(line.startswith("ok    register") for line in forked)


def _unit_area_plus_one(bundle: bytes, *, fix_manifest: bool) -> bytes:
    files = members(bundle)
    register = decode(d.REGISTER, files[d.REGISTER])
    register["units"][0]["area"] += 1
    files[d.REGISTER] = encode(d.REGISTER, register)
    return rebuild(files, fix_manifest=fix_manifest)


async def test_the_second_process_s_register_failure_comes_in_its_turn(bundle, trust, tmp_path):
    # the manifest re-signed by the key's holder: the regrouping itself finds the changed area
    alone, forked, from_file = both(_unit_area_plus_one(bundle, fix_manifest=True), trust, tmp_path)
    assert alone[-1].startswith("FAIL  register:"), alone
    assert alone == forked == from_file


async def test_a_register_changed_after_export_is_a_bundle_failure_with_two_processes(bundle, trust, tmp_path):
    # the second process hashes register.jsonl as it reads it; this one settles it against the manifest
    alone, forked, from_file = both(_unit_area_plus_one(bundle, fix_manifest=False), trust, tmp_path)
    assert alone[-1].startswith("FAIL  bundle: register.jsonl: unit"), alone
    assert not any(line.startswith("ok ") for line in alone)  # the bundle check comes first: nothing passed
    assert alone == forked == from_file


async def test_a_failure_before_the_register_s_turn_stops_the_second_process(bundle, trust, tmp_path):
    def swap(ballots: list[Any]) -> None:
        ballots[0], ballots[1] = ballots[1], ballots[0]

    def alter_result(result: dict[str, Any]) -> None:
        result["checkpoint"]["size"] += 1

    for broken in (tamper(bundle, d.BALLOTS, swap), tamper(bundle, d.RESULT, alter_result)):
        alone, forked, from_file = both(broken, trust, tmp_path)
        assert alone[-1].startswith("FAIL")
        assert alone == forked == from_file


async def test_a_member_changed_after_export_is_named_before_what_its_content_breaks(bundle, trust, tmp_path):
    """Large members are hashed as their check reads them: a failure their changed content causes first is
    still reported as the change of the member (the bundle check comes first)."""
    files = members(bundle)
    lines = files[d.ENTRIES].split(b"\n")
    lines[0] = lines[0].replace(b'"kind":"', b'"kind":"x', 1)  # the first entry altered: the log check would fail
    files[d.ENTRIES] = b"\n".join(lines)
    alone, forked, from_file = both(rebuild(files, fix_manifest=False), trust, tmp_path)
    assert alone[-1] == (
        f"FAIL  bundle: {d.ENTRIES} does not match its size and SHA-256 in the signed manifest (changed after export)"
    )
    assert not any(line.startswith("ok ") for line in alone)
    assert alone == forked == from_file


async def test_the_cli_takes_the_number_of_processes(bundle, log_key, tmp_path, capsys):
    path = tmp_path / "bundle.zip"
    path.write_bytes(bundle)
    for jobs in ("1", "2"):
        assert cli_main(["verify", str(path), "--log-key", log_key, "--jobs", jobs]) == 0
        assert capsys.readouterr().out.rstrip().endswith("PASS  every check passed")
    assert _jobs("3") == 3
    for wrong in ("0", "-1", "two"):
        with pytest.raises(argparse.ArgumentTypeError, match="--jobs takes a positive number"):
            _jobs(wrong)
    assert json.loads(members(bundle)[d.MANIFEST])["format"] == d.BUNDLE_FORMAT
