"""Hypothesis properties of the voter roll, checked against an independent brute-force reference."""

from __future__ import annotations

from dataclasses import dataclass, replace
from random import Random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.rules.errors import AreaInvalid, EmptyRoll
from app.rules.numeric import area_display
from app.rules.roll import MAX_AREA_UNITS, AreaSource, Roll, SaleStatus, UnitRecord, build_roll, parse_area

# A small pool makes identical and partially overlapping owner sets common; "X" may also be the developer.
OWNERS = ("X", "Y", "Z", "W", "DEV")


@dataclass(frozen=True)
class Case:
    units: list[UnitRecord]
    developer_key: str | None
    include_parking: bool
    scope: frozenset[str] | None

    def build(self) -> Roll:
        return build_roll(
            self.units,
            developer_key=self.developer_key,
            include_parking=self.include_parking,
            scope=self.scope,
        )

    def counted(self) -> list[UnitRecord]:
        """Reference for which units enter the roll (R-ROLL-4 scope, R-AREA-3 parking)."""
        return [
            u
            for u in self.units
            if (self.scope is None or u.unit_id in self.scope) and (self.include_parking or not u.is_parking)
        ]

    def voter_of(self, unit: UnitRecord) -> frozenset[str]:
        """Reference for whose head a unit counts toward: R-HEAD-4 developer-held, else R-HEAD-1 owner set."""
        held = unit.sale_status is SaleStatus.UNSOLD or not unit.delivered
        if held:
            assert self.developer_key is not None
            return frozenset({self.developer_key})
        return unit.owner_keys


@st.composite
def units_strategy(draw: st.DrawFn) -> list[UnitRecord]:
    ids = draw(st.lists(st.text("ABC0123-", min_size=1, max_size=4), min_size=0, max_size=20, unique=True))
    units = []
    for unit_id in ids:
        sale_status = draw(st.sampled_from(SaleStatus))
        delivered = draw(st.booleans())
        held = sale_status is SaleStatus.UNSOLD or not delivered
        owners = draw(st.frozensets(st.sampled_from(OWNERS), min_size=0 if held else 1, max_size=3))
        units.append(
            UnitRecord(
                unit_id=unit_id,
                area=draw(st.integers(1, 10**7)),
                area_source=draw(st.sampled_from(AreaSource)),
                owner_keys=owners,
                sale_status=sale_status,
                delivered=delivered,
                is_parking=draw(st.integers(0, 4)) == 0,
            )
        )
    return units


@st.composite
def cases(draw: st.DrawFn) -> Case:
    units = draw(units_strategy())
    any_held = any(u.sale_status is SaleStatus.UNSOLD or not u.delivered for u in units)
    developer_key = draw(st.sampled_from(["DEV", "X"] if any_held else ["DEV", "X", None]))
    ids = [u.unit_id for u in units]
    scope = draw((st.none() | st.frozensets(st.sampled_from(ids))) if ids else st.none())
    return Case(units, developer_key, draw(st.booleans()), scope)


def build_or_skip_empty(case: Case) -> Roll | None:
    """The roll, or ``None`` when the reference says it is empty (and the rule agrees: EmptyRoll)."""
    if not case.counted():
        with pytest.raises(EmptyRoll):
            case.build()
        return None
    return case.build()


@given(cases())
def test_heads_are_distinct_groups_and_area_is_the_counted_sum(case: Case) -> None:
    roll = build_or_skip_empty(case)
    if roll is None:
        return
    counted = case.counted()
    assert roll.total.heads == len(roll.groups) == len({case.voter_of(u) for u in counted})
    assert roll.total.area == sum(u.area for u in counted) == sum(g.area for g in roll.groups)


@given(cases())
def test_each_counted_unit_is_in_exactly_one_group(case: Case) -> None:
    roll = build_or_skip_empty(case)
    if roll is None:
        return
    listed = [unit_id for group in roll.groups for unit_id in group.unit_ids]
    assert sorted(listed) == sorted(u.unit_id for u in case.counted())
    assert len(listed) == len(set(listed))
    assert not set(listed) & set(roll.excluded_parking)
    for group in roll.groups:
        assert list(group.unit_ids) == sorted(group.unit_ids)
        assert all(roll.group_of(unit_id) is group for unit_id in group.unit_ids)


@given(cases())
def test_groups_merge_exactly_by_identical_owner_set(case: Case) -> None:
    roll = build_or_skip_empty(case)
    if roll is None:
        return
    counted = case.counted()
    # Brute force over all pairs: same group iff same voter identity (never by partial overlap, R-HEAD-3).
    for a in counted:
        for b in counted:
            same_group = roll.group_of(a.unit_id) is roll.group_of(b.unit_id)
            assert same_group == (case.voter_of(a) == case.voter_of(b))
        group = roll.group_of(a.unit_id)
        assert group.owner_keys == case.voter_of(a)
        assert group.is_developer == (case.developer_key is not None and group.owner_keys == {case.developer_key})


@given(cases(), st.randoms(use_true_random=False))
def test_roll_is_invariant_under_permutation(case: Case, rng: Random) -> None:
    roll = build_or_skip_empty(case)
    if roll is None:
        return
    shuffled = list(case.units)
    rng.shuffle(shuffled)
    permuted = replace(case, units=shuffled).build()
    assert permuted == roll
    assert permuted.to_dict() == roll.to_dict()
    assert [g.key for g in roll.groups] == sorted({g.key for g in roll.groups})


@given(cases(), st.data())
def test_adding_a_unit_with_an_existing_owner_set_never_adds_a_head(case: Case, data: st.DataObject) -> None:
    roll = build_or_skip_empty(case)
    if roll is None:
        return
    template = data.draw(st.sampled_from(case.counted()))
    # Same voter: a delivered unit with the template's owner set, or another developer-held unit.
    extra = replace(template, unit_id="NEW-UNIT", area=data.draw(st.integers(1, 10**7)), is_parking=False)
    scope = None if case.scope is None else case.scope | {extra.unit_id}
    grown = replace(case, units=[*case.units, extra], scope=scope).build()
    assert grown.total.heads == roll.total.heads
    assert grown.total.area == roll.total.area + extra.area
    assert grown.group_of(extra.unit_id).owner_keys == roll.group_of(template.unit_id).owner_keys


@given(st.integers(1, MAX_AREA_UNITS))
def test_parse_area_reads_back_the_displayed_area(units: int) -> None:
    assert parse_area(area_display(units)) == units


@given(st.text(max_size=30))
def test_parse_area_returns_a_valid_area_or_raises_area_invalid(text: str) -> None:
    try:
        units = parse_area(text)
    except AreaInvalid:
        return
    assert 0 < units <= MAX_AREA_UNITS
