"""One shape per thing in every response (issue #19 item 8): one time format, areas in m² beside their units.

The rule for client authors is in README.md, "API conventions": every instant in a response is RFC 3339 in Beijing
time (``2026-12-22T00:00:00+08:00``), whole seconds; request bodies take any RFC 3339 offset. Signed documents and
audit-log entries keep their own formats (docs/evidence-formats.md), so the sample walk leaves them out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from app.common.schemas import INSTANT_PATTERN
from tests.scenario import run_vote

SPEC = Path(__file__).resolve().parents[1] / "openapi" / "openapi.json"
#: Anything that looks like an instant (a date, a "T" and a time), whatever its offset or fraction.
LOOKS_LIKE_AN_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
#: Members holding signed or logged documents, which keep their own formats (docs/evidence-formats.md).
SIGNED_OR_LOGGED = frozenset({"evidence", "payload", "document", "signed", "note", "checkpoint", "entries"})


def _schemas(spec: dict[str, Any]) -> dict[str, Any]:
    return dict(spec["components"]["schemas"])


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    return _schemas(spec)[ref.rsplit("/", 1)[1]] if ref else node


def _walk_schema(spec: dict[str, Any], node: Any, path: str, seen: set[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every (path, property schema) reachable from ``node``, following $refs once."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if ref:
            if ref in seen:
                return
            seen.add(ref)
            yield from _walk_schema(spec, _resolve(spec, node), path, seen)
            return
        if node.get("format") == "date-time":
            yield path, node
        for name, child in (node.get("properties") or {}).items():
            yield from _walk_schema(spec, child, f"{path}.{name}", seen)
        for key in ("items", "additionalProperties"):
            if isinstance(node.get(key), dict):
                yield from _walk_schema(spec, node[key], f"{path}[]", seen)
        for key in ("anyOf", "oneOf", "allOf"):
            for child in node.get(key) or []:
                yield from _walk_schema(spec, child, path, seen)


def _response_schemas(spec: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    for route, operations in spec["paths"].items():
        for method, operation in operations.items():
            for status, response in (operation.get("responses") or {}).items():
                for media, content in (response.get("content") or {}).items():
                    if "json" in media and "schema" in content:
                        yield f"{method.upper()} {route} {status}", content["schema"]


def _request_schemas(spec: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    for route, operations in spec["paths"].items():
        for method, operation in operations.items():
            for media, content in ((operation.get("requestBody") or {}).get("content") or {}).items():
                if "json" in media and "schema" in content:
                    yield f"{method.upper()} {route} body", content["schema"]


def test_every_instant_in_a_response_schema_is_beijing_rfc3339():
    """openapi.json: each date-time of a response is the shared ``Instant`` (pattern ``…+08:00``, whole seconds)."""
    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    found = 0
    wrong: list[str] = []
    for where, schema in _response_schemas(spec):
        for path, prop in _walk_schema(spec, schema, where, set()):
            found += 1
            if prop.get("pattern") != INSTANT_PATTERN:
                wrong.append(path)
    assert found > 50, "the walk found too few instants to mean anything"
    assert wrong == []


def test_request_bodies_take_any_rfc3339_offset():
    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    instants = [
        path
        for where, schema in _request_schemas(spec)
        for path, prop in _walk_schema(spec, schema, where, set())
        if "pattern" not in prop
    ]
    assert any("starts_at" in path for path in instants)  # the vote's window, e.g. "…T00:00:00Z" or "+08:00"


def _strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, child in value.items():
            if key not in SIGNED_OR_LOGGED:
                yield from _strings(child, f"{path}/{key}")
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _strings(child, f"{path}/{index}")
    elif isinstance(value, str):
        yield path, value


async def test_sample_responses_of_a_whole_vote_carry_one_time_format(client, session, app, repo_root):
    """Every JSON body of a whole vote (notice, window, ballots, close, result), and the owner-facing reads after
    it: each instant is ``YYYY-MM-DDTHH:MM:SS+08:00``, never ``Z``, ``+00:00`` or a fraction of a second."""
    bodies: list[tuple[str, Any]] = []

    async def keep(response: httpx.Response) -> None:
        await response.aread()
        if response.headers.get("content-type", "").split(";")[0].endswith("json") and response.content:
            bodies.append((f"{response.request.method} {response.request.url.path}", response.json()))

    client.event_hooks["response"].append(keep)
    run = await run_vote(client, session, app, repo_root)
    vote = f"/api/v1/votes/{run.vote_id}"
    for path in (vote, f"{vote}/result", f"{vote}/turnout", f"{vote}/ballots", f"{vote}/roll"):
        await client.get(path, headers=run.committee)
    strict = re.compile(INSTANT_PATTERN)
    instants = [
        (where, path, text)
        for where, body in bodies
        for path, text in _strings(body)
        if LOOKS_LIKE_AN_INSTANT.search(text) and len(text) <= 40
    ]
    assert len(instants) > 20
    assert [item for item in instants if not strict.match(item[2])] == []


def test_every_integer_area_in_a_response_has_its_m2_string_beside_it():
    """``area`` / ``*_area`` (0.01 m² units) always travel with ``area_m2`` / ``*_area_m2`` (R-NUM-1, R-NUM-4)."""
    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    missing = []
    for name, schema in _schemas(spec).items():
        properties = schema.get("properties") or {}
        for prop, value in properties.items():
            types = {value.get("type"), *(item.get("type") for item in value.get("anyOf") or [])}
            if (prop == "area" or prop.endswith("_area")) and "integer" in types and f"{prop}_m2" not in properties:
                missing.append(f"{name}.{prop}")
    assert missing == []


async def test_a_results_shapes_positions_decisions_areas_and_unit_pages(client, session, app, repo_root):
    """Positions 1-based as in the vote; no decision status on a topic that decided nothing; reasons in m²; the
    participating units a page at a time, each named as every body names a unit."""
    run = await run_vote(client, session, app, repo_root)
    vote_url = f"/api/v1/votes/{run.vote_id}"
    vote = (await client.get(vote_url, headers=run.committee)).json()
    result = (await client.get(f"{vote_url}/result", headers=run.committee)).json()
    in_vote = {topic["id"]: topic["position"] for topic in vote["topics"]}
    assert [(topic["topic_id"], topic["position"]) for topic in result["topics"]] == list(in_vote.items())
    assert sorted(in_vote.values()) == [1, 2, 3, 4, 5]
    for topic in result["topics"]:
        decided = topic["outcome"] in ("PASSED", "DECIDED", "TIE_UNRESOLVED")
        assert (topic["decision_status"] is not None) is decided, topic["outcome"]
    [ordinary] = [topic for topic in result["topics"] if topic["position"] == 1]
    assert ordinary["reason_zh"].startswith("参与表决面积 620.00/900.00 平方米 ≥ 2/3")
    assert ordinary["reason_en"].startswith("Participating area 620.00/900.00 m² ≥ 2/3")
    assert "62000/90000" in ordinary["evidence"]["reason_zh"]  # the signed evidence keeps its integers
    assert result["participating"] == {"heads": 6, "area": 62000, "area_m2": "620.00"}

    units: list[dict[str, Any]] = []
    cursor = None
    for _ in range(10):
        query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = (await client.get(f"{vote_url}/result/units{query}", headers=run.committee)).json()
        assert len(page["items"]) <= 2
        units += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(units) == result["participating_units_count"] > 2
    assert [unit["unit_key"] for unit in units] == sorted(unit["unit_key"] for unit in units)
    assert sum(unit["area"] for unit in units) == 62000
    for unit in units:
        assert set(unit) == {"unit_key", "building", "entrance", "room", "area", "area_m2"}
        assert unit["unit_key"].startswith(unit["building"])
        assert unit["unit_key"].endswith(unit["room"])


def test_a_unit_key_splits_back_into_the_parts_the_register_joined():
    from app.common.schemas import UnitRef, unit_parts
    from app.register.parsing import unit_key

    for parts in [("1", "1", "101"), ("3", None, "1201"), ("A-1", "2", "3"), ("1-2", None, "301"), ("B\\", None, "1-")]:
        assert unit_parts(unit_key(*parts)) == parts
    assert unit_parts("odd") == ("odd", None, "")
    assert UnitRef.of_key("1-1-101").model_dump() == {
        "unit_key": "1-1-101",
        "building": "1",
        "entrance": "1",
        "room": "101",
    }


def test_a_grant_request_takes_group_id_and_still_the_old_group_key():
    from app.grant.schemas import GrantCreate

    for name in ("group_id", "group_key"):
        body = GrantCreate.model_validate({name: "a" * 32, "kind": "PROXY", "evidence_type": "E"})
        assert body.group_id == "a" * 32


def test_beijing_time_is_a_fixed_utc_plus_8_whatever_the_year():
    """Found by fuzzing: the zone database gives Shanghai +08:05:43 in the year 358 and +09:00 in summer 1987."""
    from datetime import UTC, datetime

    from app.common.schemas import beijing_rfc3339

    assert beijing_rfc3339(datetime(358, 10, 7, 2, 35, 33, tzinfo=UTC)) == "0358-10-07T10:35:33+08:00"
    assert beijing_rfc3339(datetime(1987, 7, 1, 0, 0, tzinfo=UTC)) == "1987-07-01T08:00:00+08:00"
    assert beijing_rfc3339(datetime(2026, 12, 21, 16, 0, 0, 999999, tzinfo=UTC)) == "2026-12-22T00:00:00+08:00"
    assert (
        beijing_rfc3339(datetime(2026, 12, 21, 16, 0, 0, 1, tzinfo=UTC), round_up=True) == "2026-12-22T00:00:01+08:00"
    )
