"""Register files as committees have them (issue #20 item 1): UTF-8 with or without BOM, GBK, Excel .xlsx; every
error in one pass, named by the file's own columns (no database)."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import openpyxl
import pytest

from app.register.parsing import RegisterFormat, TextEncoding, parse_register
from app.register.template import template_csv, template_xlsx

ID_A = "110105198001010016"
ID_B = "110105198102020029"
ZH_HEADER = ["楼栋", "单元", "房号", "建筑面积", "面积来源", "销售状态", "已交付", "权属依据", "业主姓名", "证件号码"]
ZH_ROWS = [
    ["1", "1", "101", "100.00", "不动产登记", "已售", "是", "不动产登记", "王一", ID_A],
    ["1", "2", "201", "75.5", "实测", "已售", "是", "交付占有", "李二", ID_B],
    ["2", "", "101", "110", "实测", "未售", "否", "建设单位", "", ""],
]


def as_csv(rows: list[list[str]], *, encoding: str = "utf-8", bom: bool = False) -> bytes:
    text = "\r\n".join(",".join(row) for row in rows) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


def as_xlsx(rows: list[list[object]], *, title: str | None = None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.worksheets[0]
    if title is not None:
        sheet.append([title])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _located(result):
    return [(error.row, error.column, error.code) for error in result.errors]


def _content(result):
    return [(row.unit_key, row.area, row.area_source, row.evidence, row.owners) for row in result.rows]


def test_utf8_bom_gbk_and_xlsx_give_the_same_rows_and_say_how_they_were_read():
    table = [ZH_HEADER, *ZH_ROWS]
    utf8 = parse_register(as_csv(table), RegisterFormat.CSV)
    bom = parse_register(as_csv(table, bom=True), RegisterFormat.CSV)
    gbk = parse_register(as_csv(table, encoding="gbk"), RegisterFormat.CSV)
    gb18030 = parse_register(as_csv(table, encoding="gb18030"), RegisterFormat.CSV)
    xlsx = parse_register(as_xlsx(table), RegisterFormat.XLSX)
    for result in (utf8, bom, gbk, gb18030, xlsx):
        assert result.errors == []
        assert _content(result) == _content(utf8)
    assert len(utf8.rows) == 3
    assert (utf8.encoding, bom.encoding, gbk.encoding, xlsx.encoding) == (
        TextEncoding.UTF8,
        TextEncoding.UTF8_BOM,
        TextEncoding.GB18030,
        None,
    )


def test_xlsx_number_cells_read_as_the_text_a_csv_holds():
    """Excel stores 101 and 75.5 as numbers (and 100.00 as 100): they read as the same units and areas."""
    rows = [ZH_HEADER, [1, 1, 101, 100.0, "不动产登记", "已售", True, "不动产登记", "王一", ID_A],
            [1, 2, 201, 75.5, "实测", "已售", "是", "交付占有", "李二", ID_B]]  # fmt: skip
    result = parse_register(as_xlsx(rows), RegisterFormat.XLSX)
    assert result.errors == []
    assert [(row.unit_key, row.area) for row in result.rows] == [("1-1-101", 10000), ("1-2-201", 7550)]


def test_xlsx_cells_excel_altered_are_reported_not_guessed():
    rows = [
        ZH_HEADER,
        ["1", "1", "101", "100", "不动产登记", "已售", "是", "不动产登记", "王一", 110105198001010016],
        ["1", date(2024, 3, 2), "102", "100", "不动产登记", "已售", "是", "不动产登记", "李二", ID_B],
    ]
    result = parse_register(as_xlsx(rows), RegisterFormat.XLSX)
    assert _located(result) == [(2, "证件号码", "register.cell_number"), (3, "单元", "register.cell_date")]
    assert "文本" in result.errors[0].detail_zh
    assert ID_A not in result.errors[0].detail_zh + result.errors[0].detail_en


def test_a_title_row_above_the_header_is_read_past_and_rows_keep_excels_numbers():
    rows = [ZH_HEADER, ZH_ROWS[0], ["1", "1", "102", "75.555", "不动产登记", "已售", "是", "不动产登记", "王一", ID_A]]
    result = parse_register(as_xlsx(rows, title="望京西园小区房屋登记册"), RegisterFormat.XLSX)
    assert _located(result) == [(4, "建筑面积", "register.area_invalid")]


@pytest.mark.parametrize(
    "content",
    [b"PK\x03\x04 not really a zip", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 an old .xls", b""],
)
def test_a_damaged_or_old_excel_file_is_refused_with_advice(content):
    result = parse_register(content, RegisterFormat.XLSX)
    assert _located(result) == [(0, "", "register.xlsx_unreadable")]
    assert ".xls" in result.errors[0].detail_zh


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert _located(parse_register(buffer.getvalue(), RegisterFormat.XLSX)) == [(0, "", "register.xlsx_unreadable")]


def test_an_xlsx_that_inflates_past_the_limit_is_refused(monkeypatch):
    monkeypatch.setattr("app.register.parsing.XLSX_MAX_UNCOMPRESSED", 1000)
    result = parse_register(as_xlsx([ZH_HEADER, *ZH_ROWS]), RegisterFormat.XLSX)
    assert _located(result) == [(0, "", "register.xlsx_too_large")]


def test_neither_utf8_nor_gb18030_is_refused_with_advice():
    result = parse_register("楼栋,房号\n".encode() + b"\x81\x20\xff\xfe", RegisterFormat.CSV)
    assert [error.code for error in result.errors] == ["register.encoding"]
    assert "CSV UTF-8" in result.errors[0].detail_zh
    assert "GB18030" in result.errors[0].detail_en


def test_utf16_from_excels_unicode_text_is_refused_with_advice():
    result = parse_register("楼栋,房号\n".encode("utf-16"), RegisterFormat.CSV)
    assert [error.code for error in result.errors] == ["register.encoding"]
    assert "UTF-16" in result.errors[0].detail_zh


def test_five_kinds_of_error_in_one_pass_with_the_files_column_names():
    header = ["楼栋", "单元", "房号", "建筑面积", "销售状态", "已交付", "权属依据", "业主姓名", "证件号码", "备注"]
    rows = [
        header,  # no 面积来源 column, and a 备注 column evote does not know
        ["1", "1", "101", "75.555", "已售", "是", "不动产登记", "王一", ID_A, ""],
        ["1", "1", "102", "80", "已售", "是", "不动产登记", "李二", "110105198001010017", ""],
        ["1", "1", "101", "60", "已售", "是", "不动产登记", "王一", ID_A, ""],
        ["2", "", "101", "110", "未售", "否", "建设单位", "", "", ""],
    ]
    result = parse_register(as_csv(rows, encoding="gbk"), RegisterFormat.CSV, developer_recorded=False)
    assert _located(result) == [
        (1, "备注", "register.unknown_column"),
        (1, "面积来源", "register.missing_column"),
        (2, "建筑面积", "register.area_invalid"),
        (3, "证件号码", "register.identifier_invalid"),
        (4, "房号", "register.duplicate_unit"),
        (5, "销售状态", "register.developer_missing"),
    ]
    assert [error.field for error in result.errors] == [
        "", "area_source", "area", "owner_ids", "room", "sale_status"
    ]  # fmt: skip
    assert "缺少必需列“面积来源”" in result.errors[1].detail_zh


def test_an_english_file_missing_a_column_is_told_in_its_own_words():
    result = parse_register(as_csv([["building", "room", "area"], ["1", "101", "75"]]), RegisterFormat.CSV)
    assert _located(result)[0] == (1, "area_source", "register.missing_column")


def test_json_errors_name_the_files_keys():
    document = (
        '[{"楼栋": "1", "房号": "101", "面积": "75.555", "面积来源": "实测", "权属依据": "交付占有",'
        f' "owners": [{{"name": "王一", "id_number": "{ID_A[:-1]}7"}}]}}]'
    )
    result = parse_register(document.encode(), RegisterFormat.JSON)
    assert _located(result) == [
        (1, "面积", "register.area_invalid"),
        (1, "owners.id_number", "register.identifier_invalid"),
    ]


@pytest.mark.parametrize(("build", "register_format"), [(template_csv, RegisterFormat.CSV),
                                                       (template_xlsx, RegisterFormat.XLSX)])  # fmt: skip
def test_the_templates_example_row_imports_as_it_is(build, register_format):
    result = parse_register(build(), register_format)
    assert result.errors == []
    assert [row.unit_key for row in result.rows] == ["1-1-101"]


def test_the_xlsx_template_has_chinese_headers_text_columns_and_a_guide():
    workbook = openpyxl.load_workbook(io.BytesIO(template_xlsx()))
    sheet, guide = workbook.worksheets
    headers = [cell.value for cell in sheet[1]]
    assert headers[:4] == ["楼栋", "单元", "房号", "面积"]
    assert sheet["L2"].value == ID_A
    assert sheet["L2"].number_format == "@"
    assert guide.title == "填写说明"
    assert guide.max_row == len(headers) + 1
