"""Reading a register file (CSV, Excel ``.xlsx`` or JSON) into validated rows, collecting every error with its row
and column.

Nothing here touches the database: a file is either entirely valid or rejected with all its problems listed
together, in one pass (a header problem does not hide the rows' problems), so an organiser fixes the spreadsheet
once instead of once per error. Errors name the columns as the file wrote them (``面积来源``, not ``area_source``).

Committees keep their registers in Excel: a CSV comes in UTF-8 (with or without the BOM Excel writes) or in the
GBK that Excel on Chinese Windows saves by default; GB18030 is read as a superset of GBK and GB2312.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import unicodedata
import warnings
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

import openpyxl

from app.register.identifiers import IdentityDocument, valid_identifier
from app.register.models import OwnerKind, OwnershipEvidence
from app.rules.errors import RuleViolation
from app.rules.roll import AreaSource, SaleStatus, parse_area
from app.security.pii import normalise_identifier, strip_format_characters

MAX_ROWS = 500_000
MAX_FIELD_CHARS = 200
# The database column sizes (app/register/models.py): a longer value must be a row error, never a 500.
FIELD_LIMITS = {"building": 100, "entrance": 50, "room": 50, "certificate_number": 100}
MAX_OWNER_NAME_CHARS = 200
MAX_OWNERS_PER_UNIT = 50
OWNER_SEPARATORS = (";", "；")


class RegisterFormat(StrEnum):
    CSV = "csv"
    JSON = "json"
    XLSX = "xlsx"


class TextEncoding(StrEnum):
    """The encoding a text register was read in, as the import report states it."""

    UTF8 = "UTF-8"
    UTF8_BOM = "UTF-8 (BOM)"
    GB18030 = "GB18030"


# Column name → accepted headers (English and Chinese). The first English name is canonical.
COLUMNS: dict[str, tuple[str, ...]] = {
    "building": ("building", "楼栋", "楼号", "楼栋号"),
    "entrance": ("entrance", "单元", "单元号"),
    "room": ("room", "房号", "房间号", "户号"),
    "area": ("area", "面积", "建筑面积", "专有部分面积"),
    "area_source": ("area_source", "面积来源"),
    "parking": ("parking", "车位", "是否车位"),
    "sale_status": ("sale_status", "销售状态"),
    "delivered": ("delivered", "已交付", "是否交付"),
    "evidence": ("evidence", "权属依据"),
    "certificate_number": ("certificate_number", "不动产权证号", "房产证号", "产权证号"),
    "owner_names": ("owner_names", "业主姓名", "业主"),
    "owner_ids": ("owner_ids", "证件号码", "身份证号"),
    "owner_kinds": ("owner_kinds", "业主类型"),
    "owner_document_types": ("owner_document_types", "证件类型"),
}
REQUIRED_COLUMNS = ("building", "room", "area", "area_source")
CHINESE_NAMES = {name: aliases[1] for name, aliases in COLUMNS.items()}
"""The Chinese header of each column: how a column the file does not have is named when its headers are Chinese
(and the header row of the downloadable template)."""
_HEADER_LOOKUP = {alias.casefold(): name for name, aliases in COLUMNS.items() for alias in aliases}

AREA_SOURCES = {
    "registry": AreaSource.REGISTRY, "不动产登记": AreaSource.REGISTRY, "登记": AreaSource.REGISTRY,
    "不动产登记簿": AreaSource.REGISTRY,
    "survey": AreaSource.SURVEY, "实测": AreaSource.SURVEY, "测绘": AreaSource.SURVEY,
    "contract": AreaSource.CONTRACT, "合同": AreaSource.CONTRACT, "买卖合同": AreaSource.CONTRACT,
}  # fmt: skip
SALE_STATUSES = {
    "sold": SaleStatus.SOLD, "已售": SaleStatus.SOLD,
    "unsold": SaleStatus.UNSOLD, "未售": SaleStatus.UNSOLD,
}  # fmt: skip
EVIDENCE = {
    "registration": OwnershipEvidence.REGISTRATION, "不动产登记": OwnershipEvidence.REGISTRATION,
    "possession": OwnershipEvidence.POSSESSION, "交付占有": OwnershipEvidence.POSSESSION,
    "inheritance": OwnershipEvidence.INHERITANCE, "继承": OwnershipEvidence.INHERITANCE,
    "ruling": OwnershipEvidence.RULING, "裁判": OwnershipEvidence.RULING,
    "builder": OwnershipEvidence.BUILDER, "合法建造": OwnershipEvidence.BUILDER,
    "public_housing": OwnershipEvidence.PUBLIC_HOUSING, "公房产权单位": OwnershipEvidence.PUBLIC_HOUSING,
    "developer": OwnershipEvidence.DEVELOPER, "建设单位": OwnershipEvidence.DEVELOPER,
}  # fmt: skip
OWNER_KINDS = {
    "person": OwnerKind.PERSON, "个人": OwnerKind.PERSON, "自然人": OwnerKind.PERSON,
    "organisation": OwnerKind.ORGANISATION, "organization": OwnerKind.ORGANISATION,
    "单位": OwnerKind.ORGANISATION, "组织": OwnerKind.ORGANISATION,
}  # fmt: skip
DOCUMENT_TYPES = {
    "resident_id": IdentityDocument.RESIDENT_ID, "居民身份证": IdentityDocument.RESIDENT_ID,
    "身份证": IdentityDocument.RESIDENT_ID,
    "passport": IdentityDocument.PASSPORT, "护照": IdentityDocument.PASSPORT,
    "hk_macao_permit": IdentityDocument.HK_MACAO_PERMIT, "港澳居民来往内地通行证": IdentityDocument.HK_MACAO_PERMIT,
    "回乡证": IdentityDocument.HK_MACAO_PERMIT,
    "taiwan_permit": IdentityDocument.TAIWAN_PERMIT, "台湾居民来往大陆通行证": IdentityDocument.TAIWAN_PERMIT,
    "台胞证": IdentityDocument.TAIWAN_PERMIT,
    "foreign_permanent_resident_id": IdentityDocument.FOREIGN_PERMANENT_RESIDENT_ID,
    "外国人永久居留身份证": IdentityDocument.FOREIGN_PERMANENT_RESIDENT_ID,
    "永居证": IdentityDocument.FOREIGN_PERMANENT_RESIDENT_ID,
    "uscc": IdentityDocument.USCC, "统一社会信用代码": IdentityDocument.USCC,
}  # fmt: skip
# Identifiers and unit-key parts: format characters (Cf) are dropped, and whatever is still not printable is
# refused, so a number in the register is one an owner can type as printed.
IDENTIFIER_COLUMNS = frozenset({"building", "entrance", "room", "certificate_number", "owner_ids"})
TRUE_WORDS = {"true", "yes", "y", "1", "是"}
FALSE_WORDS = {"false", "no", "n", "0", "否"}


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    column: str
    """The column as the file wrote it (its header, or JSON key); a missing column by the file's language."""
    code: str
    detail_zh: str
    detail_en: str
    field: str = ""
    """The column's stable key (``area_source``) for programs; empty when the column is not one evote knows."""

    def to_dict(self) -> dict[str, Any]:
        # ``detail`` is English here; the problem document puts it in the request's language
        # (``app.errors.DomainError.extra_for``).
        return {
            "row": self.row,
            "column": self.column,
            "field": self.field,
            "code": self.code,
            "detail": self.detail_en,
            "detail_zh": self.detail_zh,
            "detail_en": self.detail_en,
        }


@dataclass(frozen=True, slots=True)
class OwnerEntry:
    kind: OwnerKind
    identifier: str  # normalised; encrypted before it is stored
    name: str
    document: IdentityDocument = IdentityDocument.RESIDENT_ID


@dataclass(frozen=True, slots=True)
class RegisterRow:
    row: int
    building: str
    entrance: str | None
    room: str
    area: int
    area_source: AreaSource
    parking: bool
    sale_status: SaleStatus
    delivered: bool
    evidence: OwnershipEvidence
    certificate_number: str | None
    owners: tuple[OwnerEntry, ...]

    @property
    def unit_key(self) -> str:
        return unit_key(self.building, self.entrance, self.room)

    @property
    def developer_held(self) -> bool:
        """R-HEAD-4: unsold, or sold but not delivered."""
        return self.sale_status is SaleStatus.UNSOLD or not self.delivered


@dataclass(slots=True)
class ParseResult:
    rows: list[RegisterRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    encoding: TextEncoding | None = None
    """How a CSV or JSON file was decoded (None for ``.xlsx``, whose cells are text already, or if it was not)."""
    failed_rows: int = 0
    """Data rows that had errors (they are not in ``rows``)."""
    _names: dict[int, Callable[[str], str]] = field(default_factory=dict)

    def column_name(self, row: int, column: str) -> str:
        """How the file named ``column`` on (valid) row ``row``: for errors found after parsing."""
        name = self._names.get(row)
        return name(column) if name is not None else column


@dataclass(frozen=True, slots=True)
class _Record:
    """One data row: values by column key, and how the file named each column."""

    row: int
    values: dict[str, str]
    names: Mapping[str, str]
    chinese: bool = False
    absent: frozenset[str] = frozenset()
    """Columns already reported as missing or repeated in the header: not reported again on every row."""

    def name(self, column: str) -> str:
        written = self.names.get(column)
        if written is not None:
            return written
        return CHINESE_NAMES.get(column, column) if self.chinese else column


def unit_key(building: str, entrance: str | None, room: str) -> str:
    """``楼-单元-室`` as people write it, e.g. ``3-2-1201``; a hyphen inside a part is escaped (``A\\-1``) so
    building ``1-2`` room ``301`` and building ``1`` entrance ``2`` room ``301`` never share a key."""
    joined = f"{building}{entrance or ''}{room}"
    if building and room and "-" not in joined and "\\" not in joined:
        return f"{building}-{entrance}-{room}" if entrance else f"{building}-{room}"  # nothing to escape
    parts = (building, entrance, room)
    return "-".join(part.replace("\\", "\\\\").replace("-", "\\-") for part in parts if part)


def parse_register(
    content: bytes, register_format: RegisterFormat, *, developer_recorded: bool = True, include_parking: bool = False
) -> ParseResult:
    """Every row and every error of the file. ``developer_recorded`` and ``include_parking`` are the estate's:
    without a developer recorded, a unit that would count with one is an error of its row (R-HEAD-4)."""
    result = ParseResult()
    records: Iterator[_Record]
    if register_format is RegisterFormat.XLSX:
        records = _xlsx_records(content, result)
    else:
        text = _decode(content, result)
        if text is None:
            return result
        records = _csv_records(text, result) if register_format is RegisterFormat.CSV else _json_records(text, result)
    seen: dict[str, int] = {}
    for record in records:
        if len(result.rows) + result.failed_rows >= MAX_ROWS:
            result.errors.append(
                _error(
                    record.row,
                    "",
                    "register.too_many_rows",
                    f"超过 {MAX_ROWS} 行上限。",
                    f"More than {MAX_ROWS} rows.",
                )
            )
            break
        row, key = _parse_row(
            record, result.errors, developer_recorded=developer_recorded, include_parking=include_parking
        )
        # A unit listed twice is reported even when one of its rows has other errors too.
        first = seen.setdefault(key, record.row) if key is not None else record.row
        if first != record.row:
            result.errors.append(
                _error(
                    record.row,
                    record.name("room"),
                    "register.duplicate_unit",
                    f"房屋 {key} 与第 {first} 行重复。",
                    f"Unit {key} duplicates row {first}.",
                    field="room",
                )
            )
            row = None
        if row is None:
            result.failed_rows += 1
            continue
        result.rows.append(row)
        result._names[row.row] = record.name
    result.errors.extend(_name_conflicts(result))
    if not result.errors and not result.rows:
        result.errors.append(_error(0, "", "register.empty", "文件中没有房屋记录。", "The file lists no units."))
    return result


_ENCODING_ADVICE_ZH = "请在 Excel 中“另存为”“CSV UTF-8（逗号分隔）”或 Excel 工作簿（.xlsx）后重新上传。"
_ENCODING_ADVICE_EN = (
    "In Excel, use Save As \u201cCSV UTF-8 (Comma delimited)\u201d or Excel Workbook (.xlsx) and upload again."
)


def _decode(content: bytes, result: ParseResult) -> str | None:
    """UTF-8 first (strictly: a GBK file is almost never valid UTF-8), then GB18030, which reads GBK and GB2312
    too; anything else is refused with advice, never guessed further."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        result.errors.append(
            _error(
                0,
                "",
                "register.encoding",
                "文件为 UTF-16（Excel 的“Unicode 文本”），无法读取。" + _ENCODING_ADVICE_ZH,
                "The file is UTF-16 (Excel's \u201cUnicode Text\u201d), which is not read. " + _ENCODING_ADVICE_EN,
            )
        )
        return None
    if b"\x00" in content:
        result.errors.append(
            _error(
                0,
                "",
                "register.binary",
                "文件含有空字符（NUL），不是文本文件。",
                "The file contains NUL bytes; it is not a text file.",
            )
        )
        return None
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as utf8_error:
        try:
            text = content.decode("gb18030")
        except UnicodeDecodeError:
            result.errors.append(
                _error(
                    0,
                    "",
                    "register.encoding",
                    f"文件编码无法识别：既不是 UTF-8（第 {utf8_error.start} 字节），也不是 GBK/GB18030。"
                    + _ENCODING_ADVICE_ZH,
                    f"Unknown encoding: neither UTF-8 (byte {utf8_error.start}) nor GBK/GB18030. "
                    + _ENCODING_ADVICE_EN,
                )
            )
            return None
        result.encoding = TextEncoding.GB18030
        return text
    if text.startswith("\ufeff"):  # the BOM Excel writes before "CSV UTF-8"
        result.encoding = TextEncoding.UTF8_BOM
        return text[1:]
    result.encoding = TextEncoding.UTF8
    return text


def _name_conflicts(result: ParseResult) -> list[RowError]:
    """One identity document number is one owner: within a file, rows that give the same kind, document type and
    number must give the same name (spacing and letter case aside), or the file would merge two people into one
    owner. Neither the number nor the names are echoed (R-PI-2); both rows are named."""
    first: dict[tuple[OwnerKind, IdentityDocument, str], tuple[int, str]] = {}
    errors: list[RowError] = []
    for row in result.rows:
        for position, owner in enumerate(row.owners, start=1):
            name = " ".join(owner.name.split()).casefold()
            identity = (owner.kind, owner.document, owner.identifier)
            earlier_row, earlier_name = first.setdefault(identity, (row.row, name))
            if earlier_name != name:
                errors.append(
                    _error(
                        row.row,
                        result.column_name(row.row, "owner_names"),
                        "register.owner_name_conflict",
                        f"第 {position} 位业主的证件号码与第 {earlier_row} 行相同，姓名却不同；"
                        "同一证件号码只能属于一位业主。",
                        f"Owner {position}: the same identity document number as on row {earlier_row}, with a "
                        "different name; one document number belongs to one owner.",
                        field="owner_names",
                    )
                )
    return errors


HEADER_SEARCH_ROWS = 10
"""A sheet may open with a title (``某某小区房屋登记册``) above the header: the header is the first of these rows
that names a known column (else the first non-blank row, so its unknown columns are reported)."""
Line = tuple[int, list[str]]
"""A row of a CSV or sheet: its number as the file numbers it, and its cells as text."""
IGNORED = ""
"""A header position whose values are ignored: an unknown or repeated column, already reported on row 1."""


@dataclass(frozen=True, slots=True)
class _Header:
    row: int
    columns: list[str | None]  # per position: a column key, IGNORED, or None for a blank header
    names: dict[str, str]  # column key → header as written
    chinese: bool
    absent: frozenset[str]  # required columns the header lacks, and repeated ones: not checked again per row

    def record(self, row: int, values: Sequence[str]) -> _Record:
        return _Record(
            row,
            {column: value for column, value in zip(self.columns, values, strict=False) if column},
            self.names,
            self.chinese,
            self.absent,
        )


def _read_header(row: int, cells: Sequence[str], result: ParseResult) -> _Header:
    columns: list[str | None] = []
    names: dict[str, str] = {}
    repeated: set[str] = set()
    errors: list[RowError] = []
    for cell in cells:
        written = cell.strip()
        column = _HEADER_LOOKUP.get(written.casefold())
        if column is None:
            columns.append(IGNORED if written else None)
            if written:
                errors.append(
                    _error(row, written, "register.unknown_column", f"无法识别的列“{written}”。",
                           f"Unknown column '{written}'.")
                )  # fmt: skip
        elif column in names:
            # "area" and "面积" both present: which one counts? Refuse rather than let one silently win.
            columns.append(IGNORED)
            repeated.add(column)
            errors.append(
                _error(row, written, "register.duplicate_column",
                       f"列“{written}”与列“{names[column]}”是同一列（{CHINESE_NAMES[column]}），只能保留一个。",
                       f"Column '{written}' is the same column as '{names[column]}' ({column}); keep one of them.",
                       field=column)
            )  # fmt: skip
        else:
            columns.append(column)
            names[column] = written
    chinese = any(not written.isascii() for written in names.values())
    missing = [column for column in REQUIRED_COLUMNS if column not in names]
    for column in missing:
        name = CHINESE_NAMES[column] if chinese else column
        errors.append(
            _error(
                row,
                name,
                "register.missing_column",
                f"缺少必需列“{name}”。",
                f"Required column '{name}' is missing.",
                field=column,
            )
        )
    for column in sorted(repeated):
        columns = [IGNORED if position == column else position for position in columns]
    result.errors.extend(errors)
    return _Header(row, columns, names, chinese, frozenset(missing) | repeated)


def _find_header(rows: Iterator[tuple[int, list[str]]], result: ParseResult) -> tuple[_Header | None, list[Line]]:
    """Read past a title above the header (``HEADER_SEARCH_ROWS``); None for a file without rows. Also returns
    the rows read past that are data after all (nothing was recognised: the first row is the header)."""
    leading: list[Line] = []
    for row, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue
        leading.append((row, cells))
        if any(cell.strip().casefold() in _HEADER_LOOKUP for cell in cells):
            return _read_header(row, cells, result), []
        if len(leading) == HEADER_SEARCH_ROWS:
            break
    if not leading:
        return None, []
    row, cells = leading[0]
    return _read_header(row, cells, result), leading[1:]


def _csv_records(text: str, result: ParseResult) -> Iterator[_Record]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)

    def lines() -> Iterator[Line]:
        for values in reader:
            yield reader.line_num, values

    try:
        source = lines()
        header, pending = _find_header(source, result)
        if header is None:
            return
        width = len(header.columns)
        for row_number, values in itertools.chain(pending, source):
            if not any(value.strip() for value in values):
                continue  # blank lines are common at the end of spreadsheets
            if len(values) != width:
                result.errors.append(
                    _error(
                        row_number,
                        "",
                        "register.column_count",
                        f"本行有 {len(values)} 列，表头有 {width} 列。",
                        f"The row has {len(values)} columns; the header has {width}.",
                    )
                )
                result.failed_rows += 1
                continue
            if _unnamed_data(header, values, row_number, result):
                continue
            yield header.record(row_number, values)
    except csv.Error as exc:
        result.errors.append(
            _error(reader.line_num, "", "register.csv_malformed", f"CSV 格式错误：{exc}", f"Malformed CSV: {exc}")
        )


def _unnamed_data(header: _Header, values: Sequence[str], row: int, result: ParseResult) -> bool:
    named = len(header.columns)
    if any(value.strip() for value in values[named:]) or any(
        value.strip() for column, value in zip(header.columns, values, strict=False) if column is None
    ):
        result.errors.append(
            _error(row, "", "register.unnamed_column", "有数据位于没有表头的列中。",
                   "The row has data in a column without a header.")
        )  # fmt: skip
        result.failed_rows += 1
        return True
    return False


XLSX_MAX_UNCOMPRESSED = 400 * 1024 * 1024
"""An .xlsx is a zip: a small upload may inflate enormously, so its parts' declared sizes are checked first."""
_NUMBER_MARK = "\x00number"
_DATE_MARK = "\x00date"
_NESTED_MARK = "\x00invalid"


def _xlsx_records(content: bytes, result: ParseResult) -> Iterator[_Record]:
    """The first worksheet of an Excel workbook, streamed (openpyxl's read-only mode), cached formula values."""
    unreadable = _error(
        0, "", "register.xlsx_unreadable",
        "无法读取该 Excel 文件：文件已损坏，或不是 .xlsx 格式（旧版 .xls 请在 Excel 中另存为 .xlsx 或“CSV UTF-8”）。",
        "The Excel file cannot be read: it is damaged or not .xlsx (save an old .xls as .xlsx or CSV UTF-8 in Excel).",
    )  # fmt: skip
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            inflated = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        result.errors.append(unreadable)
        return
    if inflated > XLSX_MAX_UNCOMPRESSED:
        result.errors.append(
            _error(0, "", "register.xlsx_too_large", "Excel 文件解压后过大，请拆分或另存为 CSV。",
                   "The Excel file is too large once unpacked; split it or save it as CSV.")
        )  # fmt: skip
        return
    try:
        with warnings.catch_warnings():  # openpyxl warns about styles and extensions it does not read
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # any failure of the third-party reader on untrusted input means "unreadable"
        result.errors.append(unreadable)
        return
    try:
        sheets = workbook.worksheets
        if not sheets:
            return
        rows = _sheet_rows(sheets[0])
        header, pending = _find_header(rows, result)
        if header is None:
            return
        for row_number, values in itertools.chain(pending, rows):
            if not any(value.strip() for value in values):
                continue
            if _unnamed_data(header, values, row_number, result):
                continue
            yield header.record(row_number, values)
    except _Unreadable:
        result.errors.append(unreadable)
    finally:
        workbook.close()


class _Unreadable(Exception):
    pass


def _sheet_rows(sheet: Any) -> Iterator[Line]:
    """Rows as text, numbered as Excel numbers them (openpyxl fills the blank rows in)."""
    cells = sheet.iter_rows(values_only=True)
    row_number = 0
    while True:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                values = next(cells, None)
        except Exception as exc:  # a damaged sheet part surfaces only while streaming
            raise _Unreadable from exc
        if values is None:
            return
        row_number += 1
        yield row_number, [_cell_text(value) for value in values]


def _cell_text(value: object) -> str:
    """A cell as the text a CSV would hold. A long number typed into a number cell has lost its digits (Excel
    keeps 15), and "3-2" typed into a general cell became a date: both are reported, never guessed back."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value)) if abs(value) < 1e15 else _NUMBER_MARK
        return repr(value)
    if isinstance(value, datetime | date | time | timedelta):
        return _DATE_MARK
    return str(value)


def _json_records(text: str, result: ParseResult) -> Iterator[_Record]:
    try:
        # Numbers stay as their literal text so "75.555" is rejected, never rounded through a float.
        document = json.loads(
            text, parse_float=str, parse_int=str, parse_constant=str, object_pairs_hook=_JsonObject.from_pairs
        )
    except (json.JSONDecodeError, RecursionError) as exc:
        result.errors.append(
            _error(0, "", "register.json_malformed", f"JSON 格式错误：{exc}", f"Malformed JSON: {exc}")
        )
        return
    _report_duplicate_keys(document, 0, "", result.errors)
    units = document.get("units") if isinstance(document, dict) else document
    if not isinstance(units, list):
        result.errors.append(
            _error(
                0,
                "units",
                "register.json_shape",
                "JSON 须为房屋数组或含 units 数组的对象。",
                "JSON must be an array of units or an object with a 'units' array.",
            )
        )
        return
    for index, unit in enumerate(units, start=1):
        if not isinstance(unit, dict):
            result.errors.append(
                _error(
                    index,
                    "",
                    "register.json_shape",
                    "每个房屋须为 JSON 对象。",
                    "Each unit must be a JSON object.",
                )
            )
            result.failed_rows += 1
            continue
        _report_duplicate_keys(unit, index, "", result.errors)
        record: dict[str, str] = {}
        names: dict[str, str] = {}
        for key, value in unit.items():
            column = _HEADER_LOOKUP.get(str(key).casefold())
            if column is not None and (column in record or (column.startswith("owner_") and "owners" in unit)):
                result.errors.append(
                    _error(index, str(key), "register.duplicate_column", f"字段“{key}”与其他字段重复。",
                           f"Field '{key}' duplicates another field.")
                )  # fmt: skip
            elif column is None and key != "owners":
                result.errors.append(
                    _error(
                        index,
                        str(key),
                        "register.unknown_column",
                        f"无法识别的字段“{key}”。",
                        f"Unknown field '{key}'.",
                    )
                )
            elif column is not None:
                record[column] = _json_scalar(value)
                names[column] = str(key)
        owners = unit.get("owners")
        if owners is not None:
            if not isinstance(owners, list) or not all(isinstance(owner, dict) for owner in owners):
                result.errors.append(
                    _error(
                        index,
                        "owners",
                        "register.json_shape",
                        "owners 须为对象数组。",
                        "'owners' must be an array of objects.",
                    )
                )
                result.failed_rows += 1
                continue
            for owner in owners:
                _report_duplicate_keys(owner, index, "owners", result.errors)
            record["owner_names"] = ";".join(_json_scalar(owner.get("name")) for owner in owners)
            record["owner_ids"] = ";".join(_json_scalar(owner.get("id_number")) for owner in owners)
            record["owner_kinds"] = ";".join(_json_scalar(owner.get("kind", "PERSON")) for owner in owners)
            if any("document_type" in owner for owner in owners):
                record["owner_document_types"] = ";".join(_json_scalar(owner.get("document_type")) for owner in owners)
            names.update(_OWNERS_FIELDS)
        yield _Record(index, record, names, chinese=any(not key.isascii() for key in names.values()))


_OWNERS_FIELDS = {
    "owner_names": "owners.name",
    "owner_ids": "owners.id_number",
    "owner_kinds": "owners.kind",
    "owner_document_types": "owners.document_type",
}
"""How errors name the columns given through a unit's ``owners`` array."""


class _JsonObject(dict[str, Any]):
    """A JSON object that remembers the keys it was given more than once (``json.loads`` keeps the last silently)."""

    duplicates: tuple[str, ...] = ()

    @classmethod
    def from_pairs(cls, pairs: list[tuple[str, Any]]) -> _JsonObject:
        document = cls(pairs)
        if len(document) != len(pairs):
            counts = Counter(key for key, _ in pairs)
            document.duplicates = tuple(sorted(key for key, count in counts.items() if count > 1))
        return document


def _report_duplicate_keys(value: Any, row: int, column: str, errors: list[RowError]) -> None:
    """``{"area": "100.00", "area": "1.00"}`` is ambiguous: refuse it rather than let the last one win."""
    for key in value.duplicates if isinstance(value, _JsonObject) else ():
        errors.append(
            _error(row, f"{column}.{key}" if column else key, "register.duplicate_column",
                   f"字段“{key}”出现多次。", f"Field '{key}' appears more than once.")
        )  # fmt: skip


def _json_scalar(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return _NESTED_MARK  # a nested value is never a valid cell; the field check reports it
    return str(value)


_CELL_PROBLEMS = {
    _NUMBER_MARK: (
        "register.cell_number",
        "该单元格是数字格式，超过 15 位的号码已被 Excel 改写；请把此列设为“文本”格式后重新填写。",
        "The cell is a number: Excel keeps 15 digits, so a longer number was altered; format the column as Text "
        "and enter it again.",
    ),
    _DATE_MARK: (
        "register.cell_date",
        "该单元格被 Excel 识别为日期（如把“3-2”当作 3 月 2 日）；请把此列设为“文本”格式后重新填写。",
        "Excel took the cell for a date (e.g. '3-2' as 2 March); format the column as Text and enter it again.",
    ),
}


def _parse_row(
    record: _Record, errors: list[RowError], *, developer_recorded: bool, include_parking: bool
) -> tuple[RegisterRow | None, str | None]:
    """The row, or None if it has errors (appended to ``errors``); and its unit key whenever building and room
    are readable, so a repeated unit is found even on a row with other errors."""
    before = len(errors)
    row_number = record.row

    def fail(column: str, code: str, zh: str, en: str) -> None:
        errors.append(_error(row_number, record.name(column), code, zh, en, field=column))

    def text(column: str, *, required: bool = False) -> str | None:
        if column in record.absent:
            return None  # reported once, on the header
        value = strip_format_characters(record.values.get(column, "")).strip()
        if value in _CELL_PROBLEMS:
            fail(column, *_CELL_PROBLEMS[value])
            return None
        if "\x00" in value:
            fail(column, "register.field_invalid", "字段格式无效。", "The field is not a plain value.")
            return None
        if column in IDENTIFIER_COLUMNS and not value.isprintable():
            fail(
                column,
                "register.non_printable",
                "字段含有不可打印的字符（如控制字符）。",
                "The field contains characters that cannot be printed (such as control characters).",
            )
            return None
        limit = FIELD_LIMITS.get(column, MAX_FIELD_CHARS)
        if column.startswith("owner_"):
            limit = MAX_FIELD_CHARS * MAX_OWNERS_PER_UNIT
        if len(value) > limit:
            fail(
                column,
                "register.field_too_long",
                f"字段超过 {limit} 个字符。",
                f"The field exceeds {limit} characters.",
            )
            return None
        if required and not value:
            name = record.name(column)
            fail(column, "register.field_required", f"“{name}”不能为空。", f"'{name}' is required.")
            return None
        return value or None

    def choice(column: str, table: Mapping[str, Any], default: Any) -> Any:
        value = text(column)
        if value is None:
            return default
        found = table.get(value.casefold())
        if found is None:
            allowed = ", ".join(sorted({str(item) for item in table.values()}))
            fail(
                column,
                "register.value_unknown",
                f"无法识别的取值“{value}”，可选：{allowed}。",
                f"Unknown value '{value}'; allowed: {allowed}.",
            )
        return found

    def flag(column: str, default: bool) -> bool:
        value = text(column)
        if value is None:
            return default
        if value.casefold() in TRUE_WORDS:
            return True
        if value.casefold() in FALSE_WORDS:
            return False
        fail(column, "register.value_unknown", f"“{value}”不是是/否。", f"'{value}' is not yes/no.")
        return default

    # NFKC folds full-width digits and letters ("１０１" is "101"), so one unit cannot be listed twice.
    building = _fold(text("building", required=True))
    entrance = _fold(text("entrance"))
    room = _fold(text("room", required=True))
    area_text = text("area", required=True)
    area = 0
    if area_text is not None:
        try:
            area = parse_area(area_text)
        except RuleViolation as violation:
            fail("area", violation.code, violation.message("zh"), violation.message("en"))
    area_source = choice("area_source", AREA_SOURCES, None)
    if area_source is None and "area_source" not in record.absent and not record.values.get("area_source", "").strip():
        fail(
            "area_source",
            "register.area_source_required",
            "缺少面积来源（R-AREA-1：登记、实测或合同）。",
            "The area source is missing (R-AREA-1: registry, survey or contract).",
        )
    parking = flag("parking", False)
    sale_status = choice("sale_status", SALE_STATUSES, SaleStatus.SOLD)
    delivered = flag("delivered", True)
    developer_held = sale_status is SaleStatus.UNSOLD or not delivered
    # R-HEAD-4: such a unit counts with the developer, unless it is parking left out of the roll (R-AREA-3).
    if developer_held and not developer_recorded and (include_parking or not parking):
        fail(
            "sale_status",
            "register.developer_missing",
            "该房屋未售或未交付，应计入建设单位（R-HEAD-4），但小区未登记建设单位；请先为小区登记建设单位"
            "（evote estate update --developer-name … --developer-credit-code …）。",
            "The unit is unsold or undelivered and counts with the developer (R-HEAD-4), but the estate has no "
            "developer recorded; record it first (evote estate update --developer-name … --developer-credit-code …).",
        )
    evidence = choice("evidence", EVIDENCE, OwnershipEvidence.DEVELOPER if developer_held else None)
    if evidence is None and "evidence" not in record.absent and not record.values.get("evidence", "").strip():
        fail(
            "evidence",
            "register.evidence_required",
            "缺少权属依据（R-OWN-1）。",
            "The ownership evidence is missing (R-OWN-1).",
        )
    # R-HEAD-4 / R-OWN-1: developer-held units (unsold, or sold but undelivered) and only those carry
    # the developer's evidence; a unit the developer keeps as registered owner is REGISTRATION with its code.
    if evidence is not None and (evidence is OwnershipEvidence.DEVELOPER) != developer_held:
        fail(
            "evidence",
            "register.evidence_inconsistent",
            "未售或未交付的房屋权属依据须为“建设单位”，已售并交付的房屋则不得为“建设单位”（R-HEAD-4）。",
            "Unsold or undelivered units have DEVELOPER evidence, and only they do (R-HEAD-4).",
        )
    # R-AREA-1: a registered unit's voting area is the one in the real-estate register.
    if evidence is OwnershipEvidence.REGISTRATION and area_source not in (None, AreaSource.REGISTRY):
        fail(
            "area_source",
            "register.area_source_precedence",
            "已登记的房屋须采用不动产登记簿记载的面积（R-AREA-1）。",
            "A registered unit takes its area from the real-estate register (R-AREA-1).",
        )
    certificate = text("certificate_number")
    owner_errors_before = len(errors)
    owners = _parse_owners(fail, text, errors)
    if not owners and not developer_held and len(errors) == owner_errors_before:
        fail(
            "owner_names",
            "register.unit_without_owner",
            "已售并交付的房屋须有业主（R-OWN-1、R-ROLL-6）。",
            "A sold and delivered unit needs an owner of record (R-OWN-1, R-ROLL-6).",
        )
    key = unit_key(building, entrance, room) if building is not None and room is not None else None
    if len(errors) > before or building is None or room is None or area_source is None or evidence is None:
        return None, key
    return RegisterRow(
        row=row_number,
        building=building,
        entrance=entrance,
        room=room,
        area=area,
        area_source=area_source,
        parking=parking,
        sale_status=sale_status,
        delivered=delivered,
        evidence=evidence,
        certificate_number=normalise_identifier(certificate) if certificate else None,
        owners=owners,
    ), key


def _parse_owners(
    fail: Callable[[str, str, str, str], None], text: Callable[[str], str | None], errors: list[RowError]
) -> tuple[OwnerEntry, ...]:
    before = len(errors)
    names = _split(text("owner_names"))
    identifiers = _split(text("owner_ids"))
    kinds_text = _split(text("owner_kinds"))
    documents_text = _split(text("owner_document_types"))
    if len(errors) > before:
        return ()  # a cell already reported (too long, altered by Excel): comparing the lists would only add noise
    if not names and not identifiers:
        return ()
    if (
        len(names) != len(identifiers)
        or (kinds_text and len(kinds_text) != len(names))
        or (documents_text and len(documents_text) != len(names))
    ):
        fail(
            "owner_ids",
            "register.owner_mismatch",
            "业主姓名、证件号码、业主类型、证件类型的个数须一致（以分号分隔）。",
            "Owner names, identifiers, kinds and document types must have the same count (separated by ';').",
        )
        return ()
    if len(names) > MAX_OWNERS_PER_UNIT:
        fail(
            "owner_names",
            "register.too_many_owners",
            f"共有人超过 {MAX_OWNERS_PER_UNIT} 人。",
            f"More than {MAX_OWNERS_PER_UNIT} co-owners.",
        )
        return ()
    owners: list[OwnerEntry] = []
    seen: set[tuple[OwnerKind, IdentityDocument, str]] = set()
    for position, (name, raw_identifier) in enumerate(zip(names, identifiers, strict=True)):
        document = DOCUMENT_TYPES.get(documents_text[position].casefold()) if documents_text else None
        if documents_text and document is None:
            allowed = ", ".join(sorted(item.value for item in IdentityDocument))
            fail(
                "owner_document_types",
                "register.value_unknown",
                f"第 {position + 1} 位业主的证件类型无法识别，可选：{allowed}。",
                f"Owner {position + 1}: unknown document type; allowed: {allowed}.",
            )
            continue
        default_kind = OwnerKind.ORGANISATION if document is IdentityDocument.USCC else OwnerKind.PERSON
        kind = OWNER_KINDS.get(kinds_text[position].casefold()) if kinds_text else default_kind
        identifier = normalise_identifier(raw_identifier)
        if kind is None:
            fail(
                "owner_kinds",
                "register.value_unknown",
                f"无法识别的业主类型“{kinds_text[position]}”。",
                f"Unknown owner kind '{kinds_text[position]}'.",
            )
            continue
        if document is None:
            document = IdentityDocument.USCC if kind is OwnerKind.ORGANISATION else IdentityDocument.RESIDENT_ID
        if document.for_organisations != (kind is OwnerKind.ORGANISATION):
            # R-HEAD-5: organisations are matched by their credit code, natural persons by a personal document.
            fail(
                "owner_document_types",
                "register.document_kind_mismatch",
                f"第 {position + 1} 位业主：单位业主使用统一社会信用代码，个人业主使用个人证件。",
                f"Owner {position + 1}: organisations use a unified social credit code, persons a personal document.",
            )
            continue
        if len(name) > MAX_OWNER_NAME_CHARS:
            fail(
                "owner_names",
                "register.field_too_long",
                f"第 {position + 1} 位业主姓名超过 {MAX_OWNER_NAME_CHARS} 个字符。",
                f"Owner {position + 1}: the name exceeds {MAX_OWNER_NAME_CHARS} characters.",
            )
            continue
        if not name or not identifier:
            fail(
                "owner_names",
                "register.field_required",
                "每位业主须有姓名和证件号码。",
                "Every owner needs a name and an identifier.",
            )
            continue
        if not valid_identifier(document, identifier):
            # Never echo the identifier: it is personal data (R-PI-2).
            fail(
                "owner_ids",
                "register.identifier_invalid",
                f"第 {position + 1} 位业主的{document.name_zh}无效（校验位不符或格式错误）。",
                f"Owner {position + 1}: invalid {document.name_en} (format or check character).",
            )
            continue
        if (kind, document, identifier) in seen:
            fail(
                "owner_ids",
                "register.owner_repeated",
                f"第 {position + 1} 位业主在本房屋中重复列出。",
                f"Owner {position + 1} is listed twice for this unit.",
            )
            continue
        seen.add((kind, document, identifier))
        owners.append(OwnerEntry(kind, identifier, name, document))
    return tuple(owners)


def _fold(value: str | None) -> str | None:
    return unicodedata.normalize("NFKC", value).strip() or None if value is not None else None


def _split(value: str | None) -> list[str]:
    if not value:
        return []
    for separator in OWNER_SEPARATORS[1:]:
        value = value.replace(separator, OWNER_SEPARATORS[0])
    return [part.strip() for part in value.split(OWNER_SEPARATORS[0])]


def _error(row: int, column: str, code: str, zh: str, en: str, *, field: str = "") -> RowError:
    return RowError(row, column, code, zh, en, field or (column if column in COLUMNS else ""))
