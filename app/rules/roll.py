"""The voter roll: which units count, how they form voter groups (heads), and the totals.

SPC Interpretation Art. 8 (= 指导规则 Art. 23(1)) takes a unit's area from the real-estate register, else
the surveyor's measurement, else the sale contract (R-AREA-1). SPC Art. 9 (= 指导规则 Art. 24(1)) counts
one head per exclusive part, except that all of the developer's unsold and sold-but-undelivered parts are
one head, and so are several parts held by the same buyer (R-HEAD-1..5). The totals are the sums of the
same counts over the vote's scope (指导规则 Arts. 23(2), 24(2); R-AREA-4, R-HEAD-6). 指导规则 Art. 25
leaves parking spaces to the rules of procedure, so they are excluded unless included (R-AREA-3).

Areas are integers in 0.01 m² units (R-NUM-1). Every output is sorted, so a roll can be hashed canonically.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from app.rules.counts import Weight
from app.rules.errors import (
    AreaInvalid,
    DeveloperMissing,
    DuplicateUnit,
    EmptyRoll,
    RuleViolation,
    ScopeUnknownUnit,
    UnitAreaNotPositive,
    UnitNotInRoll,
    UnitWithoutOwner,
)

MAX_AREA_UNITS = 10**12  # 10^10 m²: far beyond any estate, so a larger value is a data error
_AREA_TEXT = re.compile(r"([0-9]+)(?:\.([0-9]{1,2}))?")  # ASCII digits only: no "1e3", "+5", "NaN", "７５"
_MAX_AREA_TEXT = 20  # longer text cannot be a plausible area; also bounds int() work on hostile input
_PREVIEW_IDS = 10  # messages name at most this many units; ``extra["unit_ids"]`` carries all of them


class AreaSource(StrEnum):
    """Where a unit's voting area comes from, in R-AREA-1 precedence order (SPC Art. 8)."""

    REGISTRY = "REGISTRY"
    SURVEY = "SURVEY"
    CONTRACT = "CONTRACT"


class SaleStatus(StrEnum):
    UNSOLD = "UNSOLD"
    SOLD = "SOLD"


class OwnershipEvidence(StrEnum):
    """Why the owner set of a unit is the owner of record (R-OWN-1); the register snapshot of an export bundle
    names it per unit (``evidence``)."""

    REGISTRATION = "REGISTRATION"  # registered title holder(s)
    POSSESSION = "POSSESSION"  # unregistered buyer who lawfully took possession (SPC Art. 1 ¶2)
    INHERITANCE = "INHERITANCE"  # heirs (Beijing Art. 25(3))
    RULING = "RULING"  # court or arbitration ruling
    BUILDER = "BUILDER"  # lawful builder
    PUBLIC_HOUSING = "PUBLIC_HOUSING"  # unsold public housing: the 产权单位
    DEVELOPER = "DEVELOPER"  # unsold, or sold but undelivered: the developer (R-HEAD-4)


def choose_voting_area(
    *, registry: int | None, survey: int | None, contract: int | None
) -> tuple[int, AreaSource] | None:
    """R-AREA-1: the first recorded area among register, survey and contract, or ``None`` if there is none.

    A recorded value is taken as is; ``build_roll`` rejects one that is not positive (R-ROLL-6).
    """
    in_precedence = (
        (registry, AreaSource.REGISTRY),
        (survey, AreaSource.SURVEY),
        (contract, AreaSource.CONTRACT),
    )
    for area, source in in_precedence:
        if area is not None:
            return area, source
    return None


def parse_area(text: str) -> int:
    """Square metres as written in a register (``"75.5"``, ``"75.50"``, ``"75"``) to 0.01 m² units (R-NUM-1).

    Surrounding whitespace is ignored. More than two decimals are rejected rather than rounded, because
    rounding would change a legal denominator; so are zero, signs, exponents and non-ASCII digits.
    """
    stripped = text.strip()
    match = _AREA_TEXT.fullmatch(stripped) if len(stripped) <= _MAX_AREA_TEXT else None
    if match is None:
        raise AreaInvalid(text=_preview_text(text))
    whole, fraction = match.groups()
    units = int(whole) * 100 + int((fraction or "").ljust(2, "0"))
    if not 0 < units <= MAX_AREA_UNITS:
        raise AreaInvalid(text=_preview_text(text))
    return units


#: ``json.dumps(..., ensure_ascii=False, separators=(",", ":"))`` with its encoder built once, not per call.
_compact_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def voter_group_key(owner_keys: Iterable[str]) -> str:
    """The key of the voter group with this owner set: the sorted keys as a compact JSON array.

    JSON quoting makes the key injective for any owner keys (a plain join would confuse ``{"a,b"}`` with
    ``{"a", "b"}``), and sorting makes it independent of input order.
    """
    keys = sorted(set(owner_keys))
    try:
        joined = "".join(keys)
    except TypeError:  # not all text: the encoder writes (or refuses) it
        joined = '"'
    # Keys the encoder writes unchanged (printable text holds no control character; no quote, no backslash), as
    # pseudonyms and ids are: its output joined directly, since a roll builds one key per group.
    if keys and joined.isprintable() and '"' not in joined and "\\" not in joined:
        return '["' + '","'.join(keys) + '"]'
    return _compact_json(keys)


def public_group_id(estate_id: str, group_key: str) -> str:
    """The opaque id under which a voter group is shown and voted: 32 hex digits of SHA-256.

    Owner ids are global (one person across estates), so the estate id is mixed in: the same owner set in
    two estates gets two unrelated ids, and an id reveals nothing about who is in the group.
    """
    return hashlib.sha256(f"{estate_id}\x1f{group_key}".encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class UnitRecord:
    """One exclusive part (专有部分) as the register records it."""

    unit_id: str  # stable key within the estate, e.g. "3-2-1201"
    area: int  # voting area (R-AREA-1), 0.01 m² units, > 0
    area_source: AreaSource
    owner_keys: frozenset[str]  # owner set of record (R-OWN-1); empty only for developer-held units
    sale_status: SaleStatus = SaleStatus.SOLD
    delivered: bool = True
    is_parking: bool = False  # R-AREA-3

    @property
    def developer_held(self) -> bool:
        """R-HEAD-4 / SPC Art. 9: unsold, or sold but not delivered, so it counts with the developer."""
        return self.sale_status is SaleStatus.UNSOLD or not self.delivered

    def to_dict(self) -> dict[str, object]:
        return {
            "unit_id": self.unit_id,
            "area": self.area,
            "area_source": self.area_source.value,
            "owner_keys": sorted(self.owner_keys),
            "sale_status": self.sale_status.value,
            "delivered": self.delivered,
            "is_parking": self.is_parking,
        }


@dataclass(frozen=True, slots=True)
class VoterGroup:
    """The entity that holds one head and casts one ballot per topic (R-HEAD-1, R-HEAD-7)."""

    key: str  # voter_group_key(owner_keys)
    owner_keys: frozenset[str]
    unit_ids: tuple[str, ...]  # sorted
    area: int  # R-AREA-5: sum of its units' voting areas in scope
    is_developer: bool

    @property
    def weight(self) -> Weight:
        return Weight(heads=1, area=self.area)

    def to_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "owner_keys": sorted(self.owner_keys),
            "unit_ids": list(self.unit_ids),
            "area": self.area,
            "is_developer": self.is_developer,
        }


@dataclass(frozen=True, slots=True)
class Roll:
    """The voter groups of one vote's scope and their totals (R-ROLL-1 snapshot content)."""

    groups: tuple[VoterGroup, ...]  # sorted by key
    total: Weight  # R-HEAD-6 heads, R-AREA-4 area, over every counted unit in scope
    excluded_parking: tuple[str, ...] = ()  # in-scope parking units left out by R-AREA-3, sorted
    units: tuple[UnitRecord, ...] = ()  # the counted units, sorted by id (per-unit areas for the snapshot)
    _group_by_unit: Mapping[str, VoterGroup] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Precomputed once: group_of is on the ballot-casting path.
        index = {unit_id: group for group in self.groups for unit_id in group.unit_ids}
        object.__setattr__(self, "_group_by_unit", index)

    def group_of(self, unit_id: str) -> VoterGroup:
        """The voter group that casts the ballot for ``unit_id``; ``UnitNotInRoll`` if it is not counted."""
        group = self._group_by_unit.get(unit_id)
        if group is None:
            raise UnitNotInRoll(unit_id=unit_id)
        return group

    def to_dict(self) -> dict[str, object]:
        """Plain data (str, int, bool, list, dict; never float), ordered deterministically, for hashing."""
        return {
            "groups": [group.to_dict() for group in self.groups],
            "total": {"heads": self.total.heads, "area": self.total.area},
            "excluded_parking": list(self.excluded_parking),
            "units": [unit.to_dict() for unit in self.units],
        }


def build_roll(
    units: Iterable[UnitRecord],
    *,
    developer_key: str | None,
    include_parking: bool = False,
    scope: Collection[str] | None = None,
) -> Roll:
    """Group the units in ``scope`` (default: all) into voter groups and total them.

    * R-HEAD-1/-2/-5: units with an identical owner set (persons or organisations, one or several) are one
      group with one head and the summed area.
    * R-HEAD-3: groups are never merged over a partial overlap: ``{X}`` and ``{X, Y}`` are two heads.
    * R-HEAD-4: every unsold or undelivered unit belongs to the developer's one group whatever its recorded
      owner set, and so does every unit whose owner set is ``{developer_key}``.
    * R-AREA-3: parking units are left out (area and head) unless ``include_parking``.
    * R-ROLL-4/-6: unknown scope ids, non-positive areas, missing owners, a missing developer and an empty
      roll are rejected with a ``RuleViolation``.
    """
    if isinstance(scope, str):
        # A str is a Collection[str] of characters; treating it as unit ids would be a silent bug.
        raise TypeError("scope must be a collection of unit ids, not a single string")
    by_id: dict[str, UnitRecord] = {}
    duplicates: list[str] = []
    for unit in units:
        if unit.unit_id in by_id:
            duplicates.append(unit.unit_id)
        by_id[unit.unit_id] = unit
    _reject(DuplicateUnit, duplicates)

    if scope is None:
        in_scope = sorted(by_id.values(), key=lambda unit: unit.unit_id)
    else:
        wanted = set(scope)
        _reject(ScopeUnknownUnit, wanted - by_id.keys())
        in_scope = [by_id[unit_id] for unit_id in sorted(wanted)]

    # Bad data is reported for every unit in scope, including parking that is then excluded.
    _reject(UnitAreaNotPositive, [unit.unit_id for unit in in_scope if unit.area <= 0])
    _reject(UnitWithoutOwner, [u.unit_id for u in in_scope if not u.owner_keys and not u.developer_held])

    counted = [unit for unit in in_scope if include_parking or not unit.is_parking]
    excluded = tuple(unit.unit_id for unit in in_scope if unit.is_parking and not include_parking)
    if developer_key is None:
        _reject(DeveloperMissing, [unit.unit_id for unit in counted if unit.developer_held])
    if not counted:
        raise EmptyRoll()

    # Empty only when developer_key is None, and then no counted unit is developer-held (checked above).
    developer: frozenset[str] = frozenset() if developer_key is None else frozenset({developer_key})
    members: dict[frozenset[str], list[UnitRecord]] = {}
    for unit in counted:
        owners = developer if unit.developer_held else unit.owner_keys
        members.setdefault(owners, []).append(unit)

    groups = sorted(
        (
            VoterGroup(
                key=voter_group_key(owners),
                owner_keys=owners,
                unit_ids=tuple(unit.unit_id for unit in group_units),  # already sorted: counted is
                area=sum(unit.area for unit in group_units),
                is_developer=owners == developer,
            )
            for owners, group_units in members.items()
        ),
        key=lambda group: group.key,
    )
    return Roll(
        groups=tuple(groups),
        total=Weight(heads=len(groups), area=sum(group.area for group in groups)),  # one head per group
        excluded_parking=excluded,
        units=tuple(counted),
    )


def _reject(error: type[RuleViolation], unit_ids: Iterable[str]) -> None:
    """Raise ``error`` naming every offending unit, if there is any (one report, not one error per unit)."""
    ids = sorted(set(unit_ids))
    if ids:
        raise error(unit_ids=_preview_ids(ids), extra={"unit_ids": ids})


def _preview_ids(ids: Sequence[str]) -> str:
    shown = ", ".join(ids[:_PREVIEW_IDS])
    return shown + ", …" if len(ids) > _PREVIEW_IDS else shown


def _preview_text(text: str) -> str:
    return text if len(text) <= _MAX_AREA_TEXT else text[:_MAX_AREA_TEXT] + "…"
