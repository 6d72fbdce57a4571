"""Register file parsing: headers in Chinese or English, BOM, every error with row and column (no database)."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.register.identifiers import valid_credit_code, valid_resident_id
from app.register.models import OwnerKind, OwnershipEvidence
from app.register.parsing import RegisterFormat, parse_register
from app.rules.roll import AreaSource, SaleStatus

ID_A = "110105198001010016"
EN = "building,room,area,area_source,evidence,owner_names,owner_ids"
ZH = "楼栋,房号,面积,面积来源,权属依据,业主姓名,证件号码"


def csv_bytes(*lines: str, bom: bool = False) -> bytes:
    return (("\ufeff" if bom else "") + "\n".join(lines) + "\n").encode()


def test_english_and_chinese_headers_give_the_same_rows():
    english = parse_register(csv_bytes(EN, f"1,101,75.50,REGISTRY,REGISTRATION,王一,{ID_A}"), RegisterFormat.CSV)
    chinese = parse_register(
        csv_bytes(ZH, f"1,101,75.50,不动产登记,不动产登记,王一,{ID_A}", bom=True), RegisterFormat.CSV
    )
    assert english.errors == chinese.errors == []
    assert [(row.unit_key, row.area, row.area_source) for row in english.rows] == [("1-101", 7550, AreaSource.REGISTRY)]
    assert [row.owners for row in english.rows] == [row.owners for row in chinese.rows]


def test_defaults_and_developer_held_rows():
    result = parse_register(
        csv_bytes("building,room,area,area_source,sale_status,delivered", "1,101,90,SURVEY,UNSOLD,no"),
        RegisterFormat.CSV,
    )
    assert result.errors == []
    (row,) = result.rows
    assert row.sale_status is SaleStatus.UNSOLD
    assert row.developer_held
    assert row.evidence is OwnershipEvidence.DEVELOPER
    assert row.owners == ()


def test_co_owners_with_full_width_separator_and_kinds():
    result = parse_register(
        csv_bytes(
            EN + ",owner_kinds",
            f"1,101,75.5,REGISTRY,REGISTRATION,王一；北京某某商贸有限公司,{ID_A}；91110105MA01ABCD13,个人；单位",
        ),
        RegisterFormat.CSV,
    )
    assert result.errors == []
    assert [owner.kind for owner in result.rows[0].owners] == [OwnerKind.PERSON, OwnerKind.ORGANISATION]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["building,room,area"], [(1, "area_source", "register.missing_column")]),
        (["building,room,area,area_source,colour"], [(1, "colour", "register.unknown_column")]),
        ([EN, "1,101,75.50"], [(2, "", "register.column_count")]),
        ([EN, f"1,101,75.50,REGISTRY,REGISTRATION,王一;李二,{ID_A}"], [(2, "owner_ids", "register.owner_mismatch")]),
        (
            [EN, f"1,101,75.50,REGISTRY,REGISTRATION,王一;王一,{ID_A};{ID_A}"],
            [(2, "owner_ids", "register.owner_repeated")],
        ),
        ([EN, f",101,75.50,REGISTRY,REGISTRATION,王一,{ID_A}"], [(2, "building", "register.field_required")]),
        ([EN, f"1,101,75.50,REGISTRY,,王一,{ID_A}"], [(2, "evidence", "register.evidence_required")]),
        (
            [EN + ",parking", f"1,101,75.50,REGISTRY,REGISTRATION,王一,{ID_A},maybe"],
            [(2, "parking", "register.value_unknown")],
        ),
        ([EN], [(0, "", "register.empty")]),
    ],
)
def test_csv_errors(lines, expected):
    result = parse_register(csv_bytes(*lines), RegisterFormat.CSV)
    assert [(error.row, error.column, error.code) for error in result.errors] == expected
    assert all(error.detail_zh and error.detail_en for error in result.errors)


def test_blank_lines_are_ignored():
    result = parse_register(
        csv_bytes(EN, "", f"1,101,75.50,REGISTRY,REGISTRATION,王一,{ID_A}", ",,,,,,"), RegisterFormat.CSV
    )
    assert result.errors == []
    assert len(result.rows) == 1


def test_json_numbers_keep_their_literal_text():
    document = json.dumps(
        {
            "units": [
                {
                    "building": "1",
                    "room": "101",
                    "area": 1,
                    "area_source": "REGISTRY",
                    "evidence": "REGISTRATION",
                    "owners": [{"name": "王一", "id_number": ID_A}],
                }
            ]
        }
    ).replace('"area": 1', '"area": 75.555')
    result = parse_register(document.encode(), RegisterFormat.JSON)
    assert [(error.row, error.column, error.code) for error in result.errors] == [(1, "area", "register.area_invalid")]


@pytest.mark.parametrize(
    ("document", "code"),
    [
        ("{", "register.json_malformed"),
        ('{"units": 5}', "register.json_shape"),
        ("[1]", "register.json_shape"),
        ('[{"building": "1", "room": "1", "area": "1", "area_source": "REGISTRY", "x": 1}]', "register.unknown_column"),
        ('[{"building": {"a": 1}, "room": "1", "area": "1", "area_source": "REGISTRY"}]', "register.field_invalid"),
        (
            '[{"building": "1", "room": "1", "area": "1", "area_source": "SURVEY", "owners": "x"}]',
            "register.json_shape",
        ),
        ("[]", "register.empty"),
    ],
)
def test_json_errors(document, code):
    result = parse_register(document.encode(), RegisterFormat.JSON)
    assert code in [error.code for error in result.errors]


@pytest.mark.parametrize(
    ("value", "valid"),
    [(ID_A, True), ("11010519850606006X", True), ("110105198001010017", False), ("11010519800101001", False),
     ("A10105198001010016", False), ("１10105198001010016", False)],
)  # fmt: skip
def test_resident_id_check_digit(value, valid):
    assert valid_resident_id(value) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [("91110105MA01ABCD13", True), ("91110000100012345L", True), ("91110000100012345M", False), ("9111", False),
     ("91110000I00012345L", False)],
)  # fmt: skip
def test_credit_code_check_character(value, valid):
    assert valid_credit_code(value) is valid


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.binary(max_size=2000), st.sampled_from(list(RegisterFormat)))
def test_arbitrary_bytes_never_crash_the_parser(content, register_format):
    result = parse_register(content, register_format)
    assert result.errors or result.rows


cell = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(st.lists(cell, min_size=0, max_size=9), max_size=8))
def test_arbitrary_csv_cells_are_rows_or_located_errors(rows):
    lines = [EN] + [",".join('"' + value.replace('"', '""') + '"' for value in row) for row in rows]
    result = parse_register("\n".join(lines).encode("utf-8", "surrogatepass"), RegisterFormat.CSV)
    for error in result.errors:
        assert error.row >= 0
        assert error.detail_en


def test_huge_fields_are_refused():
    result = parse_register(
        csv_bytes(EN, f"{'楼' * 5000},101,75.50,REGISTRY,REGISTRATION,王一,{ID_A}"), RegisterFormat.CSV
    )
    assert [error.code for error in result.errors] == ["register.field_too_long"]


def _codes(result):
    return [(error.row, error.column, error.code) for error in result.errors]


def test_alias_columns_cannot_both_be_given():
    """`area` and `面积` in one header: which one counts? Refused instead of letting one silently win."""
    result = parse_register(
        csv_bytes("building,room,area,面积,area_source", "1,101,100,50,REGISTRY"), RegisterFormat.CSV
    )
    # The rows are still checked (one pass), but not for the ambiguous area again.
    assert _codes(result) == [
        (1, "面积", "register.duplicate_column"),
        (2, "evidence", "register.evidence_required"),
        (2, "owner_names", "register.unit_without_owner"),
    ]
    assert result.errors[0].field == "area"
    assert "“面积”与列“area”是同一列" in result.errors[0].detail_zh


def test_json_alias_fields_and_owner_forms_cannot_be_mixed():
    document = (
        '[{"building":"1","room":"1","area":"100","面积":"50","area_source":"REGISTRY","evidence":"REGISTRATION",'
        f'"owners":[{{"name":"王一","id_number":"{ID_A}"}}],"owner_names":"李二"}}]'
    )
    codes = [error.code for error in parse_register(document.encode(), RegisterFormat.JSON).errors]
    assert codes.count("register.duplicate_column") == 2


def test_data_under_a_blank_header_is_refused():
    result = parse_register(
        csv_bytes(EN + ",", f"1,101,75.50,REGISTRY,REGISTRATION,王一,{ID_A},surprise"), RegisterFormat.CSV
    )
    assert _codes(result) == [(2, "", "register.unnamed_column")]


def test_full_width_and_ascii_unit_numbers_are_the_same_unit():
    result = parse_register(
        csv_bytes(
            EN,
            f"1,101,75.50,REGISTRY,REGISTRATION,王一,{ID_A}",
            f"１,１０１,75.50,REGISTRY,REGISTRATION,王一,{ID_A}",
        ),
        RegisterFormat.CSV,
    )
    assert _codes(result) == [(3, "room", "register.duplicate_unit")]


def test_hyphens_inside_names_never_make_two_units_collide():
    header = "building,entrance,room,area,area_source,evidence,owner_names,owner_ids"
    result = parse_register(
        csv_bytes(
            header,
            f"1-2,,301,75.50,REGISTRY,REGISTRATION,王一,{ID_A}",
            f"1,2,301,75.50,REGISTRY,REGISTRATION,王一,{ID_A}",
        ),
        RegisterFormat.CSV,
    )
    assert result.errors == []
    assert [row.unit_key for row in result.rows] == ["1\\-2-301", "1-2-301"]


@pytest.mark.parametrize(
    ("line", "column", "code"),
    [
        # R-HEAD-4: DEVELOPER evidence exactly on unsold or undelivered units.
        ("1,101,75.50,SURVEY,SOLD,yes,DEVELOPER", "evidence", "register.evidence_inconsistent"),
        ("1,101,75.50,REGISTRY,UNSOLD,no,REGISTRATION", "evidence", "register.evidence_inconsistent"),
        # R-AREA-1: a registered unit's area comes from the register.
        ("1,101,75.50,CONTRACT,SOLD,yes,REGISTRATION", "area_source", "register.area_source_precedence"),
        ("1,101,75.50,SURVEY,SOLD,yes,REGISTRATION", "area_source", "register.area_source_precedence"),
    ],
)
def test_evidence_must_agree_with_sale_delivery_and_area_source(line, column, code):
    header = "building,room,area,area_source,sale_status,delivered,evidence,owner_names,owner_ids"
    result = parse_register(csv_bytes(header, f"{line},王一,{ID_A}"), RegisterFormat.CSV)
    assert (2, column, code) in _codes(result)


def test_a_missing_owner_is_reported_alongside_other_errors():
    result = parse_register(csv_bytes(EN, "1,101,75.555,REGISTRY,REGISTRATION,,"), RegisterFormat.CSV)
    assert [code for _, _, code in _codes(result)] == ["register.area_invalid", "register.unit_without_owner"]


@pytest.mark.parametrize(("column", "limit"), [("building", 100), ("room", 50)])
def test_field_limits_match_the_database_columns(column, limit):
    values = {"building": "1", "room": "101"}
    values[column] = "号" * (limit + 1)
    line = f"{values['building']},{values['room']},75.50,REGISTRY,REGISTRATION,王一,{ID_A}"
    assert _codes(parse_register(csv_bytes(EN, line), RegisterFormat.CSV)) == [(2, column, "register.field_too_long")]
    values[column] = "号" * limit
    line = f"{values['building']},{values['room']},75.50,REGISTRY,REGISTRATION,王一,{ID_A}"
    assert parse_register(csv_bytes(EN, line), RegisterFormat.CSV).errors == []
