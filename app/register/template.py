"""The register template a committee downloads and fills in: Chinese headers, an example row, CSV or Excel.

The headers are the ones ``app.register.parsing`` reads (``CHINESE_NAMES``), so a filled-in template imports as
it is. In the Excel template every column is formatted as text, so Excel neither shortens an 18-digit ID number
nor turns room ``3-2`` into a date, and a second sheet explains each column (the import reads the first only).
"""

from __future__ import annotations

import csv
import io
import warnings

import openpyxl
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from app.register.parsing import CHINESE_NAMES, COLUMNS, REQUIRED_COLUMNS

TEMPLATE_NAME = "register-template"
EXAMPLE_ROWS: tuple[dict[str, str], ...] = (
    {
        "building": "1",
        "entrance": "1",
        "room": "101",
        "area": "89.50",
        "area_source": "不动产登记",
        "parking": "否",
        "sale_status": "已售",
        "delivered": "是",
        "evidence": "不动产登记",
        "certificate_number": "京(2019)朝阳区不动产权第0000101号",
        "owner_names": "王一",
        "owner_ids": "110105198001010016",  # a made-up number with a valid check digit
        "owner_kinds": "个人",
        "owner_document_types": "居民身份证",
    },
)
HELP: dict[str, str] = {
    "building": "必填。楼栋号，如 1、A座。",
    "entrance": "选填。单元号。",
    "room": "必填。房号，如 101、B1-01。",
    "area": "必填。专有部分面积，单位平方米，最多两位小数（R-NUM-1）。",
    "area_source": "必填。不动产登记 / 实测 / 合同；已登记的房屋须为“不动产登记”（R-AREA-1）。",
    "parking": "选填。是 / 否，默认否（R-AREA-3）。",
    "sale_status": "选填。已售 / 未售，默认已售。",
    "delivered": "选填。是 / 否，默认是。",
    "evidence": "已售并交付的房屋必填。不动产登记 / 交付占有 / 继承 / 裁判 / 合法建造 / 公房产权单位；"
    "未售或未交付的房屋为“建设单位”（R-OWN-1、R-HEAD-4）。",
    "certificate_number": "选填。不动产权证号，加密保存。",
    "owner_names": "已售并交付的房屋必填。共有人以分号（;）分隔。",
    "owner_ids": "与业主姓名一一对应，以分号分隔；校验位会被检查，加密保存。",
    "owner_kinds": "选填。个人 / 单位，默认个人。",
    "owner_document_types": "选填。居民身份证 / 护照 / 港澳居民来往内地通行证 / 台湾居民来往大陆通行证 / "
    "外国人永久居留身份证 / 统一社会信用代码（单位）。",
}


def headers() -> list[str]:
    return [CHINESE_NAMES[column] for column in COLUMNS]


def template_csv() -> bytes:
    """UTF-8 with a BOM: Excel then opens the Chinese headers correctly (without it, it assumes GBK)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers())
    for example in EXAMPLE_ROWS:
        writer.writerow([example[column] for column in COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def template_xlsx() -> bytes:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        workbook = openpyxl.Workbook()
        sheet = workbook.worksheets[0]
        sheet.title = "房屋登记册"
        sheet.append(headers())
        for example in EXAMPLE_ROWS:
            sheet.append([example[column] for column in COLUMNS])
        bold = Font(bold=True)
        for position, column in enumerate(COLUMNS, start=1):
            letter = get_column_letter(position)
            sheet.column_dimensions[letter].width = 14 if column != "certificate_number" else 34
            sheet.column_dimensions[letter].number_format = "@"  # text: no 15-digit or date conversion
            sheet.cell(row=1, column=position).font = bold
            for row in range(2, 2 + len(EXAMPLE_ROWS)):
                sheet.cell(row=row, column=position).number_format = "@"
        sheet.freeze_panes = "A2"
        guide = workbook.create_sheet("填写说明")
        guide.append(["列名", "是否必填", "说明", "也可写作"])
        for column, aliases in COLUMNS.items():
            guide.append(
                [
                    CHINESE_NAMES[column],
                    "必填" if column in REQUIRED_COLUMNS else "见说明",
                    HELP[column],
                    "、".join(alias for alias in aliases if alias != CHINESE_NAMES[column]),
                ]
            )
        guide.column_dimensions["A"].width = 16
        guide.column_dimensions["C"].width = 90
        guide.column_dimensions["D"].width = 40
        buffer = io.BytesIO()
        workbook.save(buffer)
    return buffer.getvalue()
