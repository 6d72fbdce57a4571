"""Hypothesis fuzzing of the register import through the API (issue #9 item 4).

Malformed CSV and JSON, random bytes, other encodings (GBK, UTF-16, UTF-32, BOMs), huge fields, NUL
bytes, wrong types, duplicate keys and deeply nested JSON must each get a clear 4xx problem+json with a stable
code and located row errors, and nothing may be written: no register version, no audit entry.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.common.access import Role
from app.register.models import Owner, RegisterVersion, Unit
from tests.factories import make_api_key, make_places

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "register-sample.csv"
SAMPLE_TEXT = SAMPLE.read_text(encoding="utf-8-sig")
HEADER = SAMPLE_TEXT.splitlines()[0].split(",")
BAD_ID = "110105198001010017"  # 王一's number with a wrong check digit: never a valid row
CODES = {"register.invalid", "register.format_unknown"}
FUZZ = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture
async def target(client, session, app):
    places = await make_places(session, app.state.cipher)
    await session.commit()
    headers = await make_api_key(session, app.state.token_hasher, role=Role.COMMITTEE, estate_id=places.estate.id)
    return places.estate.id, headers


async def _written(session, estate_id) -> tuple[int, int, int, int]:
    versions = select(func.count()).select_from(RegisterVersion).where(RegisterVersion.estate_id == estate_id)
    return (
        await session.scalar(versions),
        await session.scalar(select(func.count()).select_from(AuditEntry)),
        await session.scalar(select(func.count()).select_from(Unit)),
        await session.scalar(select(func.count()).select_from(Owner)),
    )


async def _refused(client, session, target, content: bytes, filename: str, content_type: str) -> dict:
    """Upload; assert a clear 4xx problem with a stable code and that nothing was written. Returns the body."""
    estate_id, headers = target
    before = await _written(session, estate_id)
    response = await client.post(
        f"/api/v1/estates/{estate_id}/register/imports",
        files={"file": (filename, content, content_type)},
        headers=headers,
    )
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:500])
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == response.status_code
    assert body["code"] in CODES, body
    assert body["messages"]["zh"]
    assert body["messages"]["en"]
    if body["code"] == "register.invalid":
        assert body["errors"], body
        for error in body["errors"]:
            assert error["code"].startswith("register."), error
            assert isinstance(error["row"], int)
            assert error["detail_zh"]
            assert error["detail_en"]
    assert await _written(session, estate_id) == before
    return body


def _codes(body: dict) -> set[str]:
    return {error["code"] for error in body.get("errors", [])}


def _located(body: dict) -> set[tuple[int, str, str]]:
    return {(error["row"], error["column"], error["code"]) for error in body.get("errors", [])}


# --- strategies -------------------------------------------------------------------------------------------------

cells = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="0123456789.,-;\"'\n\r\t \x00", max_size=30),
    st.sampled_from(["", "0", "-1", "1e309", "NaN", "100.005", "是", "否", "个人", "不动产登记", "9" * 400]),
)
huge = st.integers(min_value=1, max_value=300_000).map(lambda size: "字" * size)
filenames = st.sampled_from(
    [
        ("r.csv", "text/csv"),
        ("r.json", "application/json"),
        ("r.csv", "application/json"),
        ("r.xlsx", "application/zip"),
    ]
)


@st.composite
def poisoned_csv(draw) -> bytes:
    """The sample's header over random rows, one of which certainly cannot be valid."""
    rows = draw(st.lists(st.lists(cells, min_size=len(HEADER), max_size=len(HEADER)), min_size=1, max_size=6))
    poison = draw(st.sampled_from(["bad_id", "nul", "huge", "columns", "quote"]))
    victim = draw(st.integers(min_value=0, max_value=len(rows) - 1))
    if poison == "bad_id":
        rows[victim][HEADER.index("证件号码")] = BAD_ID
    elif poison == "nul":
        rows[victim][draw(st.integers(0, len(HEADER) - 1))] += "\x00"
    elif poison == "huge":
        rows[victim][draw(st.integers(0, len(HEADER) - 1))] = draw(huge)
    elif poison == "columns":
        rows[victim] = rows[victim] + [draw(cells)] * draw(st.integers(1, 5))
    else:
        rows[victim][0] = '"unterminated'
    lines = [",".join(HEADER)]
    for row in rows:
        if poison in ("columns", "quote"):
            lines.append(",".join(row))  # raw: stray quotes and separators stay as they are
        else:
            lines.append(",".join('"' + cell.replace('"', '""') + '"' for cell in row))
    text = "\r\n".join(lines)
    if draw(st.booleans()):
        text = "\ufeff" + text
    return text.encode("utf-8", errors="surrogatepass")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
unit_keys = st.sampled_from(
    ["building", "room", "area", "area_source", "evidence", "owner_names", "owner_ids", "owners", "楼栋", "x", ""]
)


@st.composite
def malformed_json(draw) -> bytes:
    """Random JSON documents and unit lists, each with a certainly invalid unit."""
    shape = draw(st.sampled_from(["value", "units", "list"]))
    if shape == "value":
        document = draw(json_values.filter(lambda value: not isinstance(value, list)))
        return json.dumps(document, ensure_ascii=draw(st.booleans())).encode()
    units = draw(st.lists(st.dictionaries(unit_keys, json_values, max_size=8), max_size=4))
    units.append({"building": "1", "room": "101", "area": "100.00", "owner_names": "王一", "owner_ids": BAD_ID})
    document = {"units": units} if shape == "units" else units
    return json.dumps(document, ensure_ascii=False).encode()


# --- properties -------------------------------------------------------------------------------------------------


@FUZZ
@given(content=st.binary(max_size=4096), name=filenames)
async def test_random_bytes_are_refused(client, session, target, content, name):
    await _refused(client, session, target, content, *name)


@FUZZ
@given(content=poisoned_csv(), name=st.sampled_from([("r.csv", "text/csv"), ("register", "text/csv")]))
async def test_malformed_csv_is_refused_with_located_errors(client, session, target, content, name):
    await _refused(client, session, target, content, *name)


@FUZZ
@given(content=malformed_json())
async def test_malformed_json_is_refused_with_located_errors(client, session, target, content):
    await _refused(client, session, target, content, "r.json", "application/json")


# --- the hand-picked cases --------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
async def test_the_sample_in_another_encoding_is_refused(client, session, target, encoding):
    body = await _refused(client, session, target, SAMPLE_TEXT.encode(encoding), "r.csv", "text/csv")
    assert _codes(body) <= {"register.encoding", "register.binary"}, body


@pytest.mark.parametrize("encoding", ["gbk", "gb2312", "gb18030"])
async def test_the_sample_saved_by_chinese_excel_imports_as_gb18030(client, session, target, encoding):
    """Excel on Chinese Windows saves CSV in GBK; GB18030 reads it (and GB2312) as the same text."""
    estate_id, headers = target
    response = await client.post(
        f"/api/v1/estates/{estate_id}/register/imports",
        files={"file": ("r.csv", SAMPLE_TEXT.encode(encoding), "text/csv")},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    assert response.json()["encoding"] == "GB18030"
    assert response.json()["totals"] == {"heads": 8, "area": 90000, "area_m2": "900.00"}


async def test_a_utf8_bom_is_tolerated_but_a_doubled_bom_is_not(client, session, target):
    doubled = ("\ufeff\ufeff" + SAMPLE_TEXT).encode()
    body = await _refused(client, session, target, doubled, "r.csv", "text/csv")
    assert "register.unknown_column" in _codes(body) or "register.missing_column" in _codes(body), body


@pytest.mark.parametrize("position", [0, 200, -1])
async def test_a_nul_byte_anywhere_is_refused(client, session, target, position):
    content = bytearray(SAMPLE_TEXT.encode())
    content.insert(position if position >= 0 else len(content), 0)
    body = await _refused(client, session, target, bytes(content), "r.csv", "text/csv")
    assert _codes(body) == {"register.binary"}


async def test_a_field_past_the_csv_limit_is_refused(client, session, target):
    lines = SAMPLE_TEXT.splitlines()
    lines[1] = lines[1].replace("王一", "王" * 200_000, 1)
    body = await _refused(client, session, target, "\n".join(lines).encode(), "r.csv", "text/csv")
    assert _codes(body) & {"register.csv_malformed", "register.too_long"}, body


@pytest.mark.parametrize("depth", [50, 5_000, 200_000])
async def test_deeply_nested_json_is_refused(client, session, target, depth):
    for content in ("[" * depth + "]" * depth, '{"units": [{"owners": ' + "[" * depth + "]" * depth + "}]}"):
        body = await _refused(client, session, target, content.encode(), "r.json", "application/json")
        assert _codes(body) & {"register.json_malformed", "register.json_shape"}, body


async def test_wrong_json_types_are_refused(client, session, target):
    unit = {"building": 1, "room": 101, "area": 100.0, "owner_names": ["王一"], "owner_ids": {"id": 1}}
    for document in ("null", "7", '"units"', "{}", '{"units": {}}', '{"units": [1, "a", null]}', json.dumps([unit])):
        await _refused(client, session, target, document.encode(), "r.json", "application/json")


async def test_duplicate_json_keys_are_refused_not_silently_resolved(client, session, target):
    """``{"area": "100.00", "area": "1.00"}``: json.loads keeps the last one; the register must not guess."""
    rows = [line.split(",") for line in SAMPLE_TEXT.splitlines()[1:]]
    units = []
    for row in rows:
        fields = [f'"{name}": {json.dumps(value, ensure_ascii=False)}' for name, value in zip(HEADER, row, strict=True)]
        units.append("{" + ", ".join(fields) + "}")
    units[0] = units[0][:-1] + ', "面积": "1.00"}'
    body = await _refused(
        client, session, target, ("[" + ", ".join(units) + "]").encode(), "r.json", "application/json"
    )
    assert _located(body) == {(1, "面积", "register.duplicate_column")}, body
    nested = '[{"building": "1", "room": "101", "area": "100.00", "owners": [{"name": "王一", "name": "王二"}]}]'
    body = await _refused(client, session, target, nested.encode(), "r.json", "application/json")
    assert (1, "owners.name", "register.duplicate_column") in {
        (e["row"], e["column"], e["code"]) for e in body["errors"]
    }
    body = await _refused(client, session, target, b'{"units": [], "units": []}', "r.json", "application/json")
    assert (0, "units", "register.duplicate_column") in _located(body)


async def test_the_valid_sample_still_imports(client, session, target):
    """Control: the refusals above are about the input, not a broken endpoint."""
    estate_id, headers = target
    response = await client.post(
        f"/api/v1/estates/{estate_id}/register/imports",
        files={"file": ("r.csv", SAMPLE.read_bytes(), "text/csv")},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    assert (await _written(session, estate_id))[0] == 1


async def test_one_document_number_with_two_names_is_refused_through_the_api(client, session, target):
    content = (
        b"building,room,area,area_source,evidence,certificate_number,owner_names,owner_ids,owner_document_types\n"
        b"1,101,100.00,registry,registration,C-1,John Smith,E12345678,passport\n"
        b"1,102,100.00,registry,registration,C-2,Jane Doe,E12345678,passport\n"
    )
    body = await _refused(client, session, target, content, "r.csv", "text/csv")
    assert _located(body) == {(3, "owner_names", "register.owner_name_conflict")}, body
    assert "第 2 行" in body["errors"][0]["detail"]  # in the request's language: Chinese by default
    assert "row 2" in body["errors"][0]["detail_en"]
