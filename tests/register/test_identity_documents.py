"""Identity documents beyond the resident ID card, and identifiers normalised at import (pure parsing)."""

from __future__ import annotations

import pytest

from app.register.identifiers import IdentityDocument, valid_identifier
from app.register.models import OwnerKind
from app.register.parsing import RegisterFormat, parse_register
from tests.realname.conftest import resident_id

FOREIGN_2023 = resident_id("91100084019900101")  # 9, province 11, nationality 000(840), born 1990-01-01
HEADER = "building,room,area,area_source,evidence,certificate_number,owner_names,owner_ids,owner_document_types"


@pytest.mark.parametrize(
    ("document", "value", "valid"),
    [
        (IdentityDocument.RESIDENT_ID, "110105198001010016", True),
        (IdentityDocument.RESIDENT_ID, "110105198001010017", False),
        (IdentityDocument.PASSPORT, "E12345678", True),
        (IdentityDocument.PASSPORT, "EA1234567", True),
        (IdentityDocument.PASSPORT, "X12", False),
        (IdentityDocument.PASSPORT, "E1234567#", False),
        (IdentityDocument.HK_MACAO_PERMIT, "H12345678", True),
        (IdentityDocument.HK_MACAO_PERMIT, "M1234567801", True),
        (IdentityDocument.HK_MACAO_PERMIT, "K12345678", False),
        (IdentityDocument.TAIWAN_PERMIT, "12345678", True),
        (IdentityDocument.TAIWAN_PERMIT, "1234567890", True),
        (IdentityDocument.TAIWAN_PERMIT, "1234567", False),
        (IdentityDocument.FOREIGN_PERMANENT_RESIDENT_ID, "USA110190010100", True),  # 2004/2017: 15 characters
        (IdentityDocument.FOREIGN_PERMANENT_RESIDENT_ID, "US1110190010100", False),
        (IdentityDocument.FOREIGN_PERMANENT_RESIDENT_ID, FOREIGN_2023, True),  # 2023: 18, MOD 11-2
        (IdentityDocument.FOREIGN_PERMANENT_RESIDENT_ID, FOREIGN_2023[:17] + "Y", False),
        (IdentityDocument.FOREIGN_PERMANENT_RESIDENT_ID, "110105198001010016", False),  # a citizen's number
        (IdentityDocument.USCC, "91110105MA01ABCD13", True),
        (IdentityDocument.USCC, "91110105MA01ABCD14", False),
    ],
)
def test_each_document_has_its_format_and_check_character(document, value, valid):
    assert valid_identifier(document, value) is valid


def _parse(*lines: str):  # type: ignore[no-untyped-def]
    return parse_register(("\n".join((HEADER, *lines)) + "\n").encode(), RegisterFormat.CSV)


def test_a_passport_owner_is_imported_with_the_document_type():
    result = _parse("1,101,100.00,registry,registration,C-1,John Smith,e 1234 5678,护照")
    assert result.errors == []
    (owner,) = result.rows[0].owners
    assert (owner.kind, owner.document, owner.identifier) == (OwnerKind.PERSON, IdentityDocument.PASSPORT, "E12345678")


def test_one_bad_document_number_names_its_row_and_the_others_are_checked_too():
    result = _parse(
        "1,101,100.00,registry,registration,C-1,John Smith,E12345678,passport",
        "1,102,100.00,registry,registration,C-2,陈大文,K12345678,港澳居民来往内地通行证",
        "1,103,100.00,registry,registration,C-3,林小明,12345678,台胞证",
    )
    assert [(error.row, error.column, error.code) for error in result.errors] == [
        (3, "owner_ids", "register.identifier_invalid")
    ]
    assert "港澳居民来往内地通行证号码" in result.errors[0].detail_zh


def test_an_organisation_uses_its_credit_code_and_a_person_never_does():
    result = _parse("1,101,100.00,registry,registration,C-1,某公司,91110105MA01ABCD13,统一社会信用代码")
    assert result.errors == []
    assert result.rows[0].owners[0].kind is OwnerKind.ORGANISATION
    wrong = parse_register(
        f"{HEADER},owner_kinds\n1,101,100.00,registry,registration,C-1,某公司,91110105MA01ABCD13,passport,单位\n".encode(),
        RegisterFormat.CSV,
    )
    assert [(error.row, error.code) for error in wrong.errors] == [(2, "register.document_kind_mismatch")]
    unknown = _parse("1,101,100.00,registry,registration,C-1,某人,E12345678,驾驶证")
    assert [(error.column, error.code) for error in unknown.errors] == [
        ("owner_document_types", "register.value_unknown")
    ]


def test_a_zero_width_space_and_full_width_characters_are_normalised_away():
    result = _parse("1,１０１,100.00,registry,registration,C\u200b-1\u200d,王一,１１０１０５１９８００１０１００１６,")
    assert result.errors == []
    row = result.rows[0]
    assert (row.room, row.certificate_number, row.owners[0].identifier) == ("101", "C1", "110105198001010016")


def test_a_control_character_in_an_identifier_is_refused_with_row_and_column():
    result = _parse(
        "1,101,100.00,registry,registration,C-1,王一,110105198001010016,",
        "1,102,100.00,registry,registration,C\x07-2,李二,110105198102020029,",
    )
    assert [(error.row, error.column, error.code) for error in result.errors] == [
        (3, "certificate_number", "register.non_printable")
    ]


def test_json_owners_carry_their_document_type():
    content = (
        '[{"building": "1", "room": "101", "area": "90.00", "area_source": "registry", "evidence": "registration",'
        ' "owners": [{"name": "John Smith", "id_number": "E12345678", "document_type": "PASSPORT"}]}]'
    )
    result = parse_register(content.encode(), RegisterFormat.JSON)
    assert result.errors == []
    assert result.rows[0].owners[0].document is IdentityDocument.PASSPORT


def test_one_document_number_with_two_names_is_refused_naming_both_rows():
    """Two passports E12345678 for John Smith and Jane Doe would merge two people into one owner (one head, one
    ballot): the file is refused, naming both rows and neither the number nor the names."""
    result = _parse(
        "1,101,100.00,registry,registration,C-1,John Smith,E12345678,passport",
        "1,102,100.00,registry,registration,C-2,Jane Doe,E12345678,passport",
    )
    assert [(error.row, error.column, error.code) for error in result.errors] == [
        (3, "owner_names", "register.owner_name_conflict")
    ]
    assert "row 2" in result.errors[0].detail_en
    assert "第 2 行" in result.errors[0].detail_zh
    assert not any(secret in result.errors[0].detail_en for secret in ("E12345678", "Jane", "John"))


def test_the_same_owner_on_several_rows_is_one_owner():
    result = _parse(
        "1,101,100.00,registry,registration,C-1,John Smith,E12345678,passport",
        "1,102,100.00,registry,registration,C-2,john  SMITH,E12345678,passport",  # spacing and case aside
        "1,103,100.00,registry,registration,C-3,Jane Doe,E12345678,港澳居民来往内地通行证",  # another document type
    )
    assert [error.code for error in result.errors] == ["register.identifier_invalid"]  # E… is no HK/Macao permit
    fine = _parse(
        "1,101,100.00,registry,registration,C-1,John Smith,E12345678,passport",
        "1,102,100.00,registry,registration,C-2,john  SMITH,E12345678,passport",
        "1,103,100.00,registry,registration,C-3,陈大文,H12345678,港澳居民来往内地通行证",
    )
    assert fine.errors == []
