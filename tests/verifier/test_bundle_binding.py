"""Issue #16, hostile review: every member of the bundle, README.md and each register unit included, is bound by
the manifest the log key signs at export (since ``evote-bundle@3``); a change after export FAILs naming what changed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.cli import main as cli_main
from app.verifier import documents as d
from app.verifier import verify_bundle
from tests.verifier.helpers import decode, encode, members, rebuild


def failure(bundle: bytes, trust: Any) -> tuple[str, str]:
    report = verify_bundle(bundle, trust=trust)
    assert report.failed is not None, "\n".join(report.lines())
    return report.failed


def _unit_in_a_group(register: dict[str, Any], roll: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A unit of a voter group with the most units (two or more when the estate has co-owned or multi-unit groups)."""
    group = max(roll["groups"], key=lambda group: len(group["units"]))
    unit = next(unit for unit in register["units"] if unit["unit_key"] == group["units"][0])
    return group, unit


def _with_unit_changed(bundle: bytes, change: Any) -> tuple[dict[str, bytes], str]:
    files = members(bundle)
    register, roll = decode(d.REGISTER, files[d.REGISTER]), decode(d.ROLL, files[d.ROLL])
    group, unit = _unit_in_a_group(register, roll)
    change(unit, group, register)
    files[d.REGISTER] = encode(d.REGISTER, register)
    return files, str(unit["unit_key"])


def _area_plus_one(unit: dict[str, Any], group: dict[str, Any], register: dict[str, Any]) -> None:
    unit["area"] += 1


async def test_a_unit_area_changed_inside_a_group_fails_naming_the_unit(bundle, trust):
    files, unit_key = _with_unit_changed(bundle, _area_plus_one)
    check, message = failure(rebuild(files, fix_manifest=False), trust)
    assert check == "bundle"
    assert f"{d.REGISTER}: unit '{unit_key}'" in message
    assert "was changed after export" in message or "were changed after export" in message


async def test_areas_swapped_inside_a_group_keeping_its_sum_fail_naming_the_unit(bundle, trust):
    """The roll binds only each group's total area: a swap inside a group keeps it. The signed manifest does not."""

    def swap(unit: dict[str, Any], group: dict[str, Any], register: dict[str, Any]) -> None:
        partner = next(u for u in register["units"] if u["unit_key"] in group["units"] and u is not unit)
        unit["area"], partner["area"] = unit["area"] + 100, partner["area"] - 100  # the group's sum is unchanged

    files, unit_key = _with_unit_changed(bundle, swap)
    check, message = failure(rebuild(files, fix_manifest=False), trust)
    assert check == "bundle"
    assert f"unit '{unit_key}'" in message


async def test_a_unit_attribute_changed_fails_naming_the_unit(bundle, trust):
    def relabel(unit: dict[str, Any], group: dict[str, Any], register: dict[str, Any]) -> None:
        unit["room"] = "9999"
        unit["evidence"] = "CONTRACT" if unit["evidence"] != "CONTRACT" else "CERTIFICATE"

    files, unit_key = _with_unit_changed(bundle, relabel)
    check, message = failure(rebuild(files, fix_manifest=False), trust)
    assert check == "bundle"
    assert f"unit '{unit_key}'" in message


async def test_a_register_change_with_the_manifest_fixed_without_the_key_fails_at_its_signature(bundle, trust):
    files, _ = _with_unit_changed(bundle, _area_plus_one)
    check, message = failure(rebuild(files, resign=False), trust)
    assert check == "signatures"
    assert "manifest.json: the log key's signature of the manifest does not verify" in message


async def test_the_readme_is_listed_first_in_the_signed_manifest(bundle):
    manifest = json.loads(members(bundle)[d.MANIFEST])
    assert [item["name"] for item in manifest["files"]] == [d.README, *d.MEMBERS]
    assert manifest["format"] == "evote-bundle@4"
    assert set(manifest) == {"format", "vote_id", "files", "register_unit_tags", "signature"}


async def test_an_altered_readme_fails_naming_it(bundle, trust):
    """A README telling the auditor to trust the archive's own key (or to skip --log-key) is an attack on the
    procedure, not on the data: it must not pass."""
    files = members(bundle)
    files[d.README] = files[d.README].replace(b"--log-key 'LOG_KEY'", b'--log-key "$(cat keys/keys.json)"')
    assert files[d.README] != members(bundle)[d.README]
    check, message = failure(rebuild(files, fix_manifest=False), trust)
    assert check == "bundle"
    assert "README.md does not match its size and SHA-256 in the signed manifest" in message
    # ... and a forger without the key who fixes the manifest's checksums breaks its signature.
    check, message = failure(rebuild(files, resign=False), trust)
    assert check == "signatures"
    assert "manifest.json" in message
    assert "README.md" in message


async def test_a_manifest_without_its_signature_fails(bundle, trust):
    files = members(bundle)
    manifest = json.loads(files[d.MANIFEST])
    del manifest["signature"]
    files[d.MANIFEST] = json.dumps(manifest).encode()
    check, message = failure(rebuild(files, fix_manifest=False), trust)
    assert check == "signatures"
    assert "signature" in message


@pytest.mark.parametrize("name", [d.README, d.MANIFEST, d.REGISTER, d.ROLL])
async def test_a_damaged_member_is_a_fail_line_naming_it(bundle, log_key, tmp_path, capsys, name):
    data = bytearray(bundle)
    start = data.index(name.encode()) + len(name) + 40
    data[start : start + 64] = bytes(64)  # inside the member's deflated data: its CRC (or its stream) breaks
    path = tmp_path / "damaged.zip"
    path.write_bytes(bytes(data))
    assert cli_main(["verify", str(path), "--log-key", log_key]) == 1
    out = capsys.readouterr().out
    assert "Traceback" not in out
    assert out.rstrip().splitlines()[-1].startswith(f"FAIL  bundle: member {name} is unreadable"), out
