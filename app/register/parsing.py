"""Reading a register file (CSV or JSON) into validated rows, collecting every error with its row and column.

Nothing here touches the database: a file is either entirely valid or rejected with all its problems
listed together, so an organiser fixes the spreadsheet once instead of once per error.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

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
    code: str
    detail_zh: str
    detail_en: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
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


def unit_key(building: str, entrance: str | None, room: str) -> str:
    """``楼-单元-室`` as people write it, e.g. ``3-2-1201``; a hyphen inside a part is escaped (``A\\-1``) so
    building ``1-2`` room ``301`` and building ``1`` entrance ``2`` room ``301`` never share a key."""
    joined = f"{building}{entrance or ''}{room}"
    if building and room and "-" not in joined and "\\" not in joined:
        return f"{building}-{entrance}-{room}" if entrance else f"{building}-{room}"  # nothing to escape
    parts = (building, entrance, room)
    return "-".join(part.replace("\\", "\\\\").replace("-", "\\-") for part in parts if part)


def parse_register(content: bytes, register_format: RegisterFormat) -> ParseResult:
    result = ParseResult()
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
        return result
    try:
        text = content.decode("utf-8-sig")  # a UTF-8 BOM, as Excel writes it, is tolerated
    except UnicodeDecodeError as exc:
        result.errors.append(
            _error(
                0,
                "",
                "register.encoding",
                f"文件不是 UTF-8 编码（第 {exc.start} 字节）。",
                f"The file is not UTF-8 (byte {exc.start}).",
            )
        )
        return result
    records = _csv_records(text, result) if register_format is RegisterFormat.CSV else _json_records(text, result)
    seen: dict[str, int] = {}
    for row_number, record in records:
        if len(result.rows) >= MAX_ROWS:
            result.errors.append(
                _error(
                    row_number,
                    "",
                    "register.too_many_rows",
                    f"超过 {MAX_ROWS} 行上限。",
                    f"More than {MAX_ROWS} rows.",
                )
            )
            break
        row = _parse_row(row_number, record, result.errors)
        if row is None:
            continue
        first = seen.setdefault(row.unit_key, row_number)
        if first != row_number:
            result.errors.append(
                _error(
                    row_number,
                    "room",
                    "register.duplicate_unit",
                    f"房屋 {row.unit_key} 与第 {first} 行重复。",
                    f"Unit {row.unit_key} duplicates row {first}.",
                )
            )
            continue
        result.rows.append(row)
    result.errors.extend(_name_conflicts(result.rows))
    if not result.errors and not result.rows:
        result.errors.append(_error(0, "", "register.empty", "文件中没有房屋记录。", "The file lists no units."))
    return result


def _name_conflicts(rows: Sequence[RegisterRow]) -> list[RowError]:
    """One identity document number is one owner: within a file, rows that give the same kind, document type and
    number must give the same name (spacing and letter case aside), or the file would merge two people into one
    owner. Neither the number nor the names are echoed (R-PI-2); both rows are named."""
    first: dict[tuple[OwnerKind, IdentityDocument, str], tuple[int, str]] = {}
    errors: list[RowError] = []
    for row in rows:
        for position, owner in enumerate(row.owners, start=1):
            name = " ".join(owner.name.split()).casefold()
            identity = (owner.kind, owner.document, owner.identifier)
            earlier_row, earlier_name = first.setdefault(identity, (row.row, name))
            if earlier_name != name:
                errors.append(
                    _error(
                        row.row,
                        "owner_names",
                        "register.owner_name_conflict",
                        f"第 {position} 位业主的证件号码与第 {earlier_row} 行相同，姓名却不同；"
                        "同一证件号码只能属于一位业主。",
                        f"Owner {position}: the same identity document number as on row {earlier_row}, with a "
                        "different name; one document number belongs to one owner.",
                    )
                )
    return errors


def _csv_records(text: str, result: ParseResult) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            return
        columns = [_HEADER_LOOKUP.get(name.strip().casefold()) for name in header]
        unknown = [name for name, column in zip(header, columns, strict=True) if column is None and name.strip()]
        repeated = sorted({column for column in columns if column is not None and columns.count(column) > 1})
        for column in repeated:
            # "area" and "面积" both present: which one counts? Refuse rather than let one silently win.
            result.errors.append(
                _error(1, column, "register.duplicate_column", f"列“{column}”出现多次（含中英文别名）。",
                       f"Column '{column}' appears more than once (aliases included).")
            )  # fmt: skip
        for name in unknown:
            result.errors.append(
                _error(1, name, "register.unknown_column", f"无法识别的列“{name}”。", f"Unknown column '{name}'.")
            )
        present = {column for column in columns if column is not None}
        for column in REQUIRED_COLUMNS:
            if column not in present:
                result.errors.append(
                    _error(
                        1,
                        column,
                        "register.missing_column",
                        f"缺少必需列“{column}”。",
                        f"Required column '{column}' is missing.",
                    )
                )
        if unknown or repeated or any(column not in present for column in REQUIRED_COLUMNS):
            return
        for values in reader:
            row_number = reader.line_num
            if not any(value.strip() for value in values):
                continue  # blank lines are common at the end of spreadsheets
            if len(values) != len(columns):
                result.errors.append(
                    _error(
                        row_number,
                        "",
                        "register.column_count",
                        f"本行有 {len(values)} 列，表头有 {len(columns)} 列。",
                        f"The row has {len(values)} columns; the header has {len(columns)}.",
                    )
                )
                continue
            if any(value.strip() for column, value in zip(columns, values, strict=True) if column is None):
                result.errors.append(
                    _error(row_number, "", "register.unnamed_column", "有数据位于没有表头的列中。",
                           "The row has data in a column without a header.")
                )  # fmt: skip
                continue
            yield row_number, {column: value for column, value in zip(columns, values, strict=True) if column}
    except csv.Error as exc:
        result.errors.append(
            _error(reader.line_num, "", "register.csv_malformed", f"CSV 格式错误：{exc}", f"Malformed CSV: {exc}")
        )


def _json_records(text: str, result: ParseResult) -> Iterator[tuple[int, dict[str, str]]]:
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
            continue
        _report_duplicate_keys(unit, index, "", result.errors)
        record: dict[str, str] = {}
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
                continue
            for owner in owners:
                _report_duplicate_keys(owner, index, "owners", result.errors)
            record["owner_names"] = ";".join(_json_scalar(owner.get("name")) for owner in owners)
            record["owner_ids"] = ";".join(_json_scalar(owner.get("id_number")) for owner in owners)
            record["owner_kinds"] = ";".join(_json_scalar(owner.get("kind", "PERSON")) for owner in owners)
            if any("document_type" in owner for owner in owners):
                record["owner_document_types"] = ";".join(_json_scalar(owner.get("document_type")) for owner in owners)
        yield index, record


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
        return "\x00invalid"  # a nested value is never a valid cell; the field check reports it
    return str(value)


def _parse_row(row_number: int, record: Mapping[str, str], errors: list[RowError]) -> RegisterRow | None:
    before = len(errors)

    def fail(column: str, code: str, zh: str, en: str) -> None:
        errors.append(_error(row_number, column, code, zh, en))

    def text(column: str, *, required: bool = False) -> str | None:
        value = strip_format_characters(record.get(column, "")).strip()
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
            fail(column, "register.field_required", f"“{column}”不能为空。", f"'{column}' is required.")
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
    if area_source is None and record.get("area_source", "").strip() == "":
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
    evidence = choice("evidence", EVIDENCE, OwnershipEvidence.DEVELOPER if developer_held else None)
    if evidence is None and not record.get("evidence", "").strip():
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
    owners = _parse_owners(record, fail, text)
    if not owners and not developer_held and len(errors) == owner_errors_before:
        fail(
            "owner_names",
            "register.unit_without_owner",
            "已售并交付的房屋须有业主（R-OWN-1、R-ROLL-6）。",
            "A sold and delivered unit needs an owner of record (R-OWN-1, R-ROLL-6).",
        )
    if len(errors) > before or building is None or room is None or area_source is None or evidence is None:
        return None
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
    )


def _parse_owners(record: Mapping[str, str], fail: Any, text: Any) -> tuple[OwnerEntry, ...]:
    names = _split(text("owner_names"))
    identifiers = _split(text("owner_ids"))
    kinds_text = _split(text("owner_kinds"))
    documents_text = _split(text("owner_document_types"))
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


def _error(row: int, column: str, code: str, zh: str, en: str) -> RowError:
    return RowError(row, column, code, zh, en)
