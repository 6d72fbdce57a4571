"""Table-driven tests for the voter roll (RULES.md R-AREA-1..5, R-HEAD-1..7, R-OWN-1, R-ROLL-4/6, P, T7)."""

from __future__ import annotations

import json

import pytest

from app.errors import DomainError
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
from app.rules.roll import (
    MAX_AREA_UNITS,
    AreaSource,
    Roll,
    SaleStatus,
    UnitRecord,
    VoterGroup,
    build_roll,
    choose_voting_area,
    parse_area,
    voter_group_key,
)

DEV = "DEV"


def unit(
    unit_id: str,
    area: int,
    *owners: str,
    sale_status: SaleStatus = SaleStatus.SOLD,
    delivered: bool = True,
    is_parking: bool = False,
    area_source: AreaSource = AreaSource.REGISTRY,
) -> UnitRecord:
    return UnitRecord(
        unit_id=unit_id,
        area=area,
        area_source=area_source,
        owner_keys=frozenset(owners),
        sale_status=sale_status,
        delivered=delivered,
        is_parking=is_parking,
    )


def unsold(unit_id: str, area: int, *owners: str) -> UnitRecord:
    return unit(unit_id, area, *owners, sale_status=SaleStatus.UNSOLD)


def undelivered(unit_id: str, area: int, *owners: str) -> UnitRecord:
    return unit(unit_id, area, *owners, delivered=False)


def parking(unit_id: str, area: int, *owners: str) -> UnitRecord:
    return unit(unit_id, area, *owners, is_parking=True)


def areas_by_owner_set(roll: Roll) -> dict[frozenset[str], int]:
    return {group.owner_keys: group.area for group in roll.groups}


# --- parse_area (R-NUM-1) -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "units"),
    [
        ("75.5", 7550),
        ("75.50", 7550),
        ("75", 7500),
        ("75.00", 7500),
        ("0.01", 1),
        ("0.1", 10),
        ("075.5", 7550),
        (" 75.50 ", 7550),  # surrounding whitespace from a spreadsheet cell is not data
        ("\t75\n", 7500),
        ("10000000000.00", MAX_AREA_UNITS),  # the largest accepted value
    ],
)
def test_r_num_1_parse_area_accepts(text: str, units: int) -> None:
    assert parse_area(text) == units


@pytest.mark.parametrize(
    "text",
    [
        "75.555",  # 3 decimals: rejected, never rounded
        "75.501",
        "0",
        "0.00",
        "-1",
        "+1",
        "abc",
        "1e3",
        "1E3",
        "",
        "   ",
        "NaN",
        "nan",
        "Infinity",
        "inf",
        "75.",
        ".5",
        "75,5",
        "1,000",
        "7 5",
        "75 .5",
        "0x10",
        "1_000",
        "７５",  # full-width digits
        "75．5",  # full-width dot
        "٧٥",  # Arabic-Indic digits
        "10000000000.01",  # above MAX_AREA_UNITS
        "1" * 21,  # too long to be an area
    ],
)
def test_r_num_1_parse_area_rejects(text: str) -> None:
    with pytest.raises(AreaInvalid) as caught:
        parse_area(text)
    assert caught.value.code == "register.area_invalid"
    assert caught.value.status == 422


def test_r_num_1_parse_area_error_quotes_short_text_and_truncates_long_text() -> None:
    with pytest.raises(AreaInvalid) as short:
        parse_area("75.555")
    assert "75.555" in short.value.message("en")
    assert "75.555" in short.value.message("zh")
    with pytest.raises(AreaInvalid) as long:
        parse_area("9" * 500)
    assert long.value.params["text"] == "9" * 20 + "…"


# --- choose_voting_area (R-AREA-1, SPC Art. 8) --------------------------------------------------------------


@pytest.mark.parametrize(
    ("registry", "survey", "contract", "expected"),
    [
        (7550, 7600, 7700, (7550, AreaSource.REGISTRY)),
        (7550, None, None, (7550, AreaSource.REGISTRY)),
        (7550, None, 7700, (7550, AreaSource.REGISTRY)),
        (None, 7600, 7700, (7600, AreaSource.SURVEY)),
        (None, 7600, None, (7600, AreaSource.SURVEY)),
        (None, None, 7700, (7700, AreaSource.CONTRACT)),
        (None, None, None, None),
    ],
)
def test_r_area_1_precedence_registry_survey_contract(
    registry: int | None, survey: int | None, contract: int | None, expected: tuple[int, AreaSource] | None
) -> None:
    assert choose_voting_area(registry=registry, survey=survey, contract=contract) == expected


def test_r_area_1_area_source_order_is_precedence_order() -> None:
    assert list(AreaSource) == [AreaSource.REGISTRY, AreaSource.SURVEY, AreaSource.CONTRACT]


# --- Voter groups (R-HEAD) ----------------------------------------------------------------------------------


def test_r_head_1_identical_owner_set_is_one_group_with_summed_area() -> None:
    roll = build_roll([unit("U1", 10000, "A"), unit("U2", 8000, "A"), unit("U3", 5000, "B")], developer_key=None)
    assert roll.total == Weight(heads=2, area=23000)
    group = roll.group_of("U1")
    assert group is roll.group_of("U2")
    assert group.unit_ids == ("U1", "U2")
    assert group.area == 18000
    assert group.weight == Weight(heads=1, area=18000)


def test_r_head_1_co_owned_units_with_the_same_owners_merge() -> None:
    roll = build_roll([unit("U1", 100, "B", "C"), unit("U2", 200, "C", "B")], developer_key=None)
    assert areas_by_owner_set(roll) == {frozenset({"B", "C"}): 300}
    assert roll.total.heads == 1


def test_r_head_2_co_owned_unit_is_one_head() -> None:
    roll = build_roll([unit("U1", 12000, "B", "C"), unit("U2", 9000, "D", "E", "F")], developer_key=None)
    assert roll.total == Weight(heads=2, area=21000)
    assert roll.group_of("U1").owner_keys == frozenset({"B", "C"})


@pytest.mark.parametrize(
    ("owner_sets", "heads"),
    [
        ([{"X"}, {"X", "Y"}], 2),  # sole owner and co-owner: different legal owners
        ([{"X"}, {"Y"}], 2),  # spouses each solely owning a unit
        ([{"X", "Y"}, {"Y", "Z"}], 2),  # a chain is not unioned
        ([{"X", "Y"}, {"Y", "Z"}, {"X", "Z"}], 3),
        ([{"X"}, {"X", "Y"}, {"X", "Y", "Z"}, {"X"}], 3),
    ],
)
def test_r_head_3_partial_overlap_is_two_groups(owner_sets: list[set[str]], heads: int) -> None:
    units = [unit(f"U{i}", 100, *owners) for i, owners in enumerate(owner_sets, start=1)]
    roll = build_roll(units, developer_key=None)
    assert roll.total == Weight(heads=heads, area=100 * len(owner_sets))


def test_r_head_4_unsold_and_undelivered_units_are_one_developer_head() -> None:
    units = [
        unsold("U1", 1000),  # unsold, no owner of record besides the developer
        unsold("U2", 2000, "P"),  # a stale owner on an unsold unit does not count
        undelivered("U3", 3000, "Q"),  # sold to Q, not delivered: Q is not a voter for it
        unit("U4", 4000, DEV),  # kept by the developer as owner of record: same group (R-HEAD-1)
        unit("U5", 5000, "Q"),
    ]
    roll = build_roll(units, developer_key=DEV)
    developer = roll.group_of("U1")
    assert developer.is_developer
    assert developer.owner_keys == frozenset({DEV})
    assert developer.key == voter_group_key([DEV])
    assert developer.unit_ids == ("U1", "U2", "U3", "U4")
    assert developer.area == 10000
    assert roll.group_of("U5").owner_keys == frozenset({"Q"})
    assert not roll.group_of("U5").is_developer
    assert all("P" not in group.owner_keys for group in roll.groups)
    assert roll.total == Weight(heads=2, area=15000)


def test_r_head_4_developer_co_owning_with_another_is_a_separate_group() -> None:
    roll = build_roll([unsold("U1", 100), unit("U2", 200, DEV, "Z")], developer_key=DEV)
    assert roll.total.heads == 2
    assert not roll.group_of("U2").is_developer


def test_r_head_4_delivered_unit_of_a_buyer_is_the_buyers() -> None:
    roll = build_roll([unit("U1", 100, "Q", delivered=True)], developer_key=DEV)
    assert [group.owner_keys for group in roll.groups] == [frozenset({"Q"})]
    assert not roll.groups[0].is_developer


def test_r_head_4_a_developer_key_without_developer_units_is_harmless() -> None:
    roll = build_roll([unit("U1", 100, "A")], developer_key=DEV)
    assert roll.total == Weight(heads=1, area=100)


def test_r_head_4_developer_missing_is_rejected() -> None:
    with pytest.raises(DeveloperMissing) as caught:
        build_roll([unit("U1", 100, "A"), undelivered("U3", 100, "B"), unsold("U2", 100)], developer_key=None)
    assert caught.value.extra == {"unit_ids": ["U2", "U3"]}
    assert caught.value.params == {"unit_ids": "U2, U3"}


def test_r_head_5_organisation_is_one_owner_identity() -> None:
    company = "91110000MA00000000"  # a unified social credit code
    units = [unit("S1", 6000, company), unit("S2", 4000, company), unit("S3", 1000, company, "A")]
    roll = build_roll(units, developer_key=None)
    assert areas_by_owner_set(roll) == {frozenset({company}): 10000, frozenset({company, "A"}): 1000}


def test_r_head_6_r_area_4_totals_cover_every_unit_in_scope() -> None:
    units = [unit("U1", 100, "A"), unsold("U2", 200), unit("U3", 300, "B", "C"), unit("U4", 400, "A")]
    roll = build_roll(units, developer_key=DEV)
    assert roll.total == Weight(heads=3, area=1000)
    assert roll.total == Weight.sum(group.weight for group in roll.groups)


def test_r_head_7_every_unit_of_a_group_resolves_to_the_same_group() -> None:
    roll = build_roll([unit("U1", 1, "A"), unit("U2", 1, "A"), unsold("U3", 1)], developer_key=DEV)
    assert roll.group_of("U1") == roll.group_of("U2") != roll.group_of("U3")


# --- Areas and parking (R-AREA-3, R-AREA-5) -----------------------------------------------------------------


def test_r_area_3_parking_is_excluded_by_default() -> None:
    units = [unit("U1", 9000, "A"), parking("P1", 1200, "A"), parking("P2", 1300, "Z")]
    roll = build_roll(units, developer_key=None)
    assert roll.total == Weight(heads=1, area=9000)  # Z owns only parking, so Z is no head
    assert roll.excluded_parking == ("P1", "P2")
    assert [u.unit_id for u in roll.units] == ["U1"]
    with pytest.raises(UnitNotInRoll) as caught:
        roll.group_of("P1")
    assert caught.value.code == "roll.unit_not_in_roll"
    assert caught.value.params == {"unit_id": "P1"}


def test_r_area_3_include_parking_counts_it_like_any_unit() -> None:
    units = [unit("U1", 9000, "A"), parking("P1", 1200, "A"), parking("P2", 1300, "Z")]
    roll = build_roll(units, developer_key=None, include_parking=True)
    assert roll.total == Weight(heads=2, area=11500)
    assert roll.excluded_parking == ()
    assert roll.group_of("P1").unit_ids == ("P1", "U1")


def test_r_area_3_excluded_unsold_parking_needs_no_developer() -> None:
    units = [unit("U1", 9000, "A"), unit("P1", 1200, sale_status=SaleStatus.UNSOLD, is_parking=True)]
    assert build_roll(units, developer_key=None).total == Weight(heads=1, area=9000)
    with pytest.raises(DeveloperMissing):
        build_roll(units, developer_key=None, include_parking=True)


def test_r_area_5_group_area_counts_only_units_in_scope() -> None:
    units = [unit("1-101", 100, "A"), unit("2-101", 200, "A"), unit("1-102", 300, "B")]
    roll = build_roll(units, developer_key=None, scope=["1-101", "1-102"])
    assert areas_by_owner_set(roll) == {frozenset({"A"}): 100, frozenset({"B"}): 300}
    assert roll.group_of("1-101").unit_ids == ("1-101",)


# --- Scope (R-ROLL-4) ---------------------------------------------------------------------------------------


def test_r_roll_4_scope_restricts_units_and_totals() -> None:
    units = [unit("1-101", 100, "A"), unit("1-102", 200, "B"), unit("2-101", 400, "C"), unsold("2-102", 800)]
    roll = build_roll(units, developer_key=DEV, scope={"2-101", "2-102"})
    assert roll.total == Weight(heads=2, area=1200)
    with pytest.raises(UnitNotInRoll):
        roll.group_of("1-101")


def test_r_roll_4_scope_accepts_any_collection_and_repeated_ids() -> None:
    units = [unit("U1", 100, "A"), unit("U2", 200, "B")]
    expected = build_roll(units, developer_key=None, scope={"U1"})
    assert build_roll(units, developer_key=None, scope=("U1", "U1")) == expected
    assert build_roll(units, developer_key=None, scope=frozenset({"U1"})) == expected


def test_r_roll_4_scope_parking_is_reported_only_in_scope() -> None:
    units = [unit("U1", 100, "A"), parking("P1", 10, "A"), parking("P2", 10, "A")]
    roll = build_roll(units, developer_key=None, scope=["U1", "P2"])
    assert roll.excluded_parking == ("P2",)


def test_r_roll_4_unknown_scope_ids_are_rejected() -> None:
    with pytest.raises(ScopeUnknownUnit) as caught:
        build_roll([unit("U1", 100, "A")], developer_key=None, scope=["U1", "U9", "U8"])
    assert caught.value.extra == {"unit_ids": ["U8", "U9"]}
    assert caught.value.code == "roll.scope_unknown_unit"


def test_r_roll_4_a_string_scope_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        build_roll([unit("U1", 100, "A")], developer_key=None, scope="U1")


def test_r_roll_4_full_scope_equals_no_scope() -> None:
    units = [unit("U1", 100, "A"), unit("U2", 200, "B"), parking("P1", 5, "A")]
    assert build_roll(units, developer_key=None, scope=["U1", "U2", "P1"]) == build_roll(units, developer_key=None)


# --- Rejected registers (R-ROLL-6 and integrity) ------------------------------------------------------------


@pytest.mark.parametrize("area", [0, -1, -7550])
def test_r_roll_6_unit_without_positive_area_is_rejected(area: int) -> None:
    with pytest.raises(UnitAreaNotPositive) as caught:
        build_roll([unit("U1", 100, "A"), unit("U2", area, "B")], developer_key=None)
    assert caught.value.extra == {"unit_ids": ["U2"]}
    assert caught.value.code == "roll.area_not_positive"


def test_r_roll_6_bad_area_on_excluded_parking_in_scope_is_still_rejected() -> None:
    with pytest.raises(UnitAreaNotPositive):
        build_roll([unit("U1", 100, "A"), parking("P1", 0, "A")], developer_key=None)


def test_r_roll_6_bad_unit_outside_scope_does_not_block_the_vote() -> None:
    units = [unit("U1", 100, "A"), unit("U2", 0, "B"), unit("U3", 100)]
    assert build_roll(units, developer_key=None, scope=["U1"]).total == Weight(heads=1, area=100)


def test_r_roll_6_r_own_1_unit_without_owner_is_rejected() -> None:
    with pytest.raises(UnitWithoutOwner) as caught:
        build_roll([unit("U1", 100, "A"), unit("U2", 100)], developer_key=DEV)
    assert caught.value.extra == {"unit_ids": ["U2"]}
    assert caught.value.code == "roll.owner_missing"


@pytest.mark.parametrize(
    ("units", "scope", "include_parking"),
    [
        ([], None, False),
        ([unit("U1", 100, "A")], [], False),
        ([parking("P1", 100, "A")], None, False),
    ],
)
def test_r_roll_6_empty_roll_is_rejected(
    units: list[UnitRecord], scope: list[str] | None, include_parking: bool
) -> None:
    with pytest.raises(EmptyRoll) as caught:
        build_roll(units, developer_key=None, scope=scope, include_parking=include_parking)
    assert caught.value.code == "roll.empty"


def test_duplicate_unit_ids_are_rejected() -> None:
    units = [unit("U1", 100, "A"), unit("U2", 100, "B"), unit("U1", 200, "C"), unit("U1", 300, "C")]
    with pytest.raises(DuplicateUnit) as caught:
        build_roll(units, developer_key=None)
    assert caught.value.extra == {"unit_ids": ["U1"]}


def test_errors_name_at_most_ten_units_and_carry_all_in_extra() -> None:
    ids = [f"U{i:02d}" for i in range(12)]
    with pytest.raises(UnitWithoutOwner) as caught:
        build_roll([unit(unit_id, 100) for unit_id in ids], developer_key=None)
    assert caught.value.extra == {"unit_ids": ids}
    assert caught.value.params["unit_ids"] == ", ".join(ids[:10]) + ", …"
    assert "U09, …" in caught.value.message("zh")


@pytest.mark.parametrize(
    "error",
    [
        AreaInvalid,
        UnitAreaNotPositive,
        UnitWithoutOwner,
        DeveloperMissing,
        DuplicateUnit,
        ScopeUnknownUnit,
        EmptyRoll,
        UnitNotInRoll,
    ],
)
def test_roll_errors_are_registered_rule_violations_with_matching_placeholders(
    error: type[RuleViolation],
) -> None:
    assert issubclass(error, RuleViolation)
    assert DomainError.registry[error.code] is error
    assert error.status == 422
    assert error.placeholders("zh") == error.placeholders("en")
    assert RuleViolation.code not in DomainError.registry  # the abstract base is not registered


# --- Test vectors (RULES.md P, T7) --------------------------------------------------------------------------


def section_p_units() -> list[UnitRecord]:
    return [
        unit("U1", 10000, "A"),
        unit("U2", 8000, "A"),
        unit("U3", 12000, "B", "C"),
        unit("U4", 9000, "D"),
        unit("U5", 9000, "E"),
        unit("U6", 6000, "Fco"),
        unsold("U7", 11000, DEV),
        undelivered("U8", 11000, "G"),  # sold to G, not delivered: counts with the developer
        unit("U9", 7550, "H", area_source=AreaSource.CONTRACT),
        unit("U10", 6450, "B"),
    ]


def test_section_p_roll() -> None:
    roll = build_roll(section_p_units(), developer_key=DEV)
    assert roll.total == Weight(heads=8, area=90000)
    assert areas_by_owner_set(roll) == {
        frozenset({"A"}): 18000,
        frozenset({"B", "C"}): 12000,
        frozenset({"D"}): 9000,
        frozenset({"E"}): 9000,
        frozenset({"Fco"}): 6000,
        frozenset({DEV}): 22000,
        frozenset({"H"}): 7550,
        frozenset({"B"}): 6450,
    }
    assert [group.is_developer for group in roll.groups].count(True) == 1
    assert roll.group_of("U8").owner_keys == frozenset({DEV})
    # Quorum figures quoted in P: 3*part_area >= 180000 and 3*part_heads >= 16.
    assert (2 * roll.total.area, 2 * roll.total.heads) == (180000, 16)


def test_t7_partial_overlap_gives_two_heads() -> None:
    roll = build_roll([unit("U1", 100, "X"), unit("U2", 200, "X", "Y")], developer_key=None)
    assert roll.total == Weight(heads=2, area=300)


def test_t7_same_owner_gives_one_head_with_summed_area() -> None:
    roll = build_roll([unit("U1", 100, "X"), unit("U2", 200, "X")], developer_key=None)
    assert roll.total == Weight(heads=1, area=300)
    assert roll.groups[0].area == 300


def test_t7_developer_43_units_give_one_head() -> None:
    held = [unsold(f"D{i:02d}", 5000 + i) for i in range(40)]
    held += [undelivered(f"S{i}", 9000 + i, f"buyer{i}") for i in range(3)]
    roll = build_roll([*held, unit("U1", 7550, "H")], developer_key=DEV)
    developer = roll.group_of("D00")
    assert developer.weight == Weight(heads=1, area=sum(u.area for u in held))
    assert len(developer.unit_ids) == 43
    assert roll.total == Weight(heads=2, area=sum(u.area for u in held) + 7550)


# --- Determinism and the snapshot form ----------------------------------------------------------------------


def test_voter_group_key_is_sorted_and_injective() -> None:
    assert voter_group_key(["B", "A"]) == voter_group_key({"A", "B"}) == '["A","B"]'
    assert voter_group_key({"a,b"}) != voter_group_key({"a", "b"})
    assert voter_group_key({'a"]'}) != voter_group_key({"a"})
    assert voter_group_key({"业主甲"}) == '["业主甲"]'


OWNER_SETS = [
    [], ["a"], ["b", "a", "b"], ['a"]'], ["a\\b"], ["x\n", "y"], ["\x1f"], ["\x7f", "\x20"], ["\ud800"],
    ["\u2028"], ["业主", "é"],
]  # fmt: skip


@pytest.mark.parametrize("owners", OWNER_SETS)
def test_voter_group_key_is_the_compact_json_array(owners: list[str]) -> None:
    # the direct join for keys needing no escape writes what the JSON encoder writes for every key
    assert voter_group_key(owners) == json.dumps(sorted(set(owners)), ensure_ascii=False, separators=(",", ":"))


def test_voter_group_key_of_non_text_keys_is_the_encoders() -> None:
    assert voter_group_key([2, 1]) == "[1,2]"  # type: ignore[list-item]


def test_roll_is_independent_of_input_order() -> None:
    units = section_p_units()
    forward = build_roll(units, developer_key=DEV)
    backward = build_roll(reversed(units), developer_key=DEV)
    assert forward == backward
    assert forward.to_dict() == backward.to_dict()
    assert [group.key for group in forward.groups] == sorted(group.key for group in forward.groups)
    assert [u.unit_id for u in forward.units] == sorted(u.unit_id for u in units)


def test_to_dict_is_plain_data_without_floats() -> None:
    roll = build_roll([*section_p_units(), parking("P1", 1200, "A")], developer_key=DEV)
    data = roll.to_dict()

    def walk(value: object) -> None:
        assert not isinstance(value, float)
        assert isinstance(value, str | int | list | dict)
        if isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            for key, item in value.items():
                assert isinstance(key, str)
                walk(item)

    walk(data)
    assert json.loads(json.dumps(data)) == data
    assert data["total"] == {"heads": 8, "area": 90000}
    assert data["excluded_parking"] == ["P1"]
    groups, units = data["groups"], data["units"]
    assert isinstance(groups, list)
    assert isinstance(units, list)
    assert [group for group in groups if group["is_developer"]] == [
        {
            "key": '["DEV"]',
            "owner_keys": ["DEV"],
            "unit_ids": ["U7", "U8"],
            "area": 22000,
            "is_developer": True,
        }
    ]
    # The snapshot keeps what the register says (G bought U8) next to how it counts (with the developer).
    assert [u for u in units if u["unit_id"] == "U8"] == [
        {
            "unit_id": "U8",
            "area": 11000,
            "area_source": "REGISTRY",
            "owner_keys": ["G"],
            "sale_status": "SOLD",
            "delivered": False,
            "is_parking": False,
        }
    ]


def test_roll_can_be_built_directly_from_stored_groups() -> None:
    group = VoterGroup(key='["A"]', owner_keys=frozenset({"A"}), unit_ids=("U1", "U2"), area=300, is_developer=False)
    roll = Roll(groups=(group,), total=Weight(1, 300))
    assert roll.group_of("U2") is group
    assert roll.excluded_parking == ()
    assert roll.units == ()


def test_public_group_id_is_opaque_per_estate_and_stable():
    from app.rules.roll import public_group_id

    key = voter_group_key(["owner-1", "owner-2"])
    assert public_group_id("estate-a", key) == public_group_id("estate-a", key)
    assert public_group_id("estate-a", key) != public_group_id("estate-b", key)
    assert len(public_group_id("estate-a", key)) == 32
    assert "owner" not in public_group_id("estate-a", key)
