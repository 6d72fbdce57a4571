"""R-LIFE-9 (first-assembly application, Beijing Art. 30) and R-LIFE-10 (temporary meeting, Beijing Art. 35)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.rules.counts import Weight
from app.rules.petitions import (
    PetitionThreshold,
    check_first_assembly_application,
    check_temporary_meeting_petition,
)

TOTAL = Weight(40, 10000)
DELIVERED, HEADS, AREA, DEVELOPER = (
    PetitionThreshold.DELIVERED_AREA,
    PetitionThreshold.APPLICANT_HEADS,
    PetitionThreshold.APPLICANT_AREA,
    PetitionThreshold.DEVELOPER,
)


def leaves(value: object) -> list[object]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in leaves(item)]
    return [value]


# --- R-LIFE-9 ---


@pytest.mark.parametrize(
    ("delivered", "applicants", "developer", "reached", "eligible"),
    [
        pytest.param(5000, Weight(2, 0), False, [DELIVERED, HEADS], True, id="R-LIFE-9-delivered-50pct-heads-5pct"),
        pytest.param(4999, Weight(2, 0), False, [HEADS], False, id="R-LIFE-9-delivered-one-unit-short"),
        pytest.param(5000, Weight(1, 499), False, [DELIVERED], False, id="R-LIFE-9-heads-and-area-one-short"),
        pytest.param(5000, Weight(1, 500), False, [DELIVERED, AREA], True, id="R-LIFE-9-area-5pct-alone"),
        pytest.param(5000, Weight(0, 0), True, [DELIVERED, DEVELOPER], True, id="R-LIFE-9-developer-alone"),
        pytest.param(10000, Weight(2, 500), True, [DELIVERED, HEADS, AREA, DEVELOPER], True, id="R-LIFE-9-all-grounds"),
    ],
)
def test_first_assembly_application_r_life_9(delivered, applicants, developer, reached, eligible):
    check = check_first_assembly_application(
        total=TOTAL, delivered_area=delivered, applicants=applicants, applicant_is_developer=developer
    )
    assert list(check.reached) == reached
    assert check.eligible is eligible
    assert check.precondition_met is (DELIVERED in reached)
    assert check.applicants_qualify is bool(set(reached) - {DELIVERED})
    data = check.to_dict()
    assert all(type(leaf) in (int, str) for leaf in leaves(data))
    assert data["thresholds_reached"] == [t.value for t in reached]
    assert data["result"] == ("ELIGIBLE" if eligible else "NOT_ELIGIBLE")


def test_first_assembly_formulas_and_reasons_r_life_9():
    check = check_first_assembly_application(total=TOTAL, delivered_area=4999, applicants=Weight(2, 400))
    assert check.formulas == (
        "2*delivered_area >= total_area: 2*4999 = 9998 < 10000",
        "20*applicant_heads >= total_heads: 20*2 = 40 >= 40",
        "20*applicant_area >= total_area: 20*400 = 8000 < 10000",
    )
    zh, en = check.reasons
    assert zh.startswith("已交付业主的专有部分面积 49.99 平方米未达到建筑物总面积 100.00 平方米的 50%")
    assert en.startswith("The delivered area 49.99 m² is below 50% of the total area 100.00 m²")
    data = check.to_dict()
    assert data["delivered_area_percent"] == "49.99%"
    assert data["applicant_heads_percent"] == "5.00%"
    assert data["applicant_is_developer"] == "NO"

    check = check_first_assembly_application(total=TOTAL, delivered_area=6000, applicants=Weight(1, 100))
    assert "均未达到 5%" in check.reasons[0]
    assert check.reasons[1].startswith("The delivered area reaches 50%, but the applicants hold less than 5%")

    check = check_first_assembly_application(
        total=TOTAL, delivered_area=6000, applicants=Weight(1, 9000), applicant_is_developer=True
    )
    assert "（APPLICANT_AREA, DEVELOPER）" in check.reasons[0]
    assert "qualify (APPLICANT_AREA, DEVELOPER)" in check.reasons[1]
    assert check.to_dict()["applicant_is_developer"] == "YES"


def test_zero_totals_never_meet_r_num_5():
    check = check_first_assembly_application(total=Weight(0, 0), delivered_area=0, applicants=Weight(0, 0))
    assert check.reached == ()
    assert check.to_dict()["delivered_area_percent"] == "-"
    petition = check_temporary_meeting_petition(total=Weight(0, 0), petitioners=Weight(0, 0))
    assert not petition.succeeded


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"delivered_area": 10001, "applicants": Weight(1, 1)}, "delivered_area"),
        ({"delivered_area": -1, "applicants": Weight(1, 1)}, "delivered_area"),
        ({"delivered_area": 1, "applicants": Weight(41, 1)}, "applicant heads"),
        ({"delivered_area": 1, "applicants": Weight(1, 10001)}, "applicant area"),
    ],
)
def test_first_assembly_rejects_impossible_figures(kwargs, message):
    with pytest.raises(ValueError, match=message):
        check_first_assembly_application(total=TOTAL, **kwargs)


# --- R-LIFE-10 ---


@pytest.mark.parametrize(
    ("total", "petitioners", "succeeded", "area_reached"),
    [
        pytest.param(TOTAL, Weight(8, 1999), True, False, id="R-LIFE-10-exactly-20pct-heads"),
        pytest.param(TOTAL, Weight(7, 9000), False, True, id="R-LIFE-10-one-head-short-area-irrelevant"),
        pytest.param(Weight(41, 10000), Weight(8, 2000), False, True, id="R-LIFE-10-8-of-41-short"),
        pytest.param(Weight(41, 10000), Weight(9, 2000), True, True, id="R-LIFE-10-9-of-41"),
    ],
)
def test_temporary_meeting_petition_r_life_10(total, petitioners, succeeded, area_reached):
    check = check_temporary_meeting_petition(total=total, petitioners=petitioners)
    assert check.succeeded is succeeded
    assert check.area_reached is area_reached
    expected = [PetitionThreshold.PETITION_HEADS] * succeeded + [PetitionThreshold.PETITION_AREA] * area_reached
    assert list(check.reached) == expected
    data = check.to_dict()
    assert all(type(leaf) in (int, str) for leaf in leaves(data))
    assert data["result"] == ("SUCCEEDED" if succeeded else "FAILED")


def test_temporary_meeting_evidence_r_life_10():
    check = check_temporary_meeting_petition(total=TOTAL, petitioners=Weight(8, 1999))
    assert check.formulas == (
        "5*petitioning_heads >= total_heads: 5*8 = 40 >= 40",
        "5*petitioning_area >= total_area: 5*1999 = 9995 < 10000",
    )
    zh, en = check.reasons
    assert zh == (
        "提议业主人数 8/40 达到 20%，业主委员会应当组织召开业主大会临时会议"
        "（北京市物业管理条例第三十五条，R-LIFE-10）；专有部分面积 19.99/100.00 平方米仅供参考。"
    )
    assert en == (
        "Petitioning owners 8/40 reach 20%, so the committee must organise a temporary meeting "
        "(Beijing Art. 35, R-LIFE-10); the area 19.99/100.00 m² is for information only."
    )
    data = check.to_dict()
    assert (data["heads_percent"], data["area_percent"]) == ("20.00%", "19.99%")
    failed = check_temporary_meeting_petition(total=TOTAL, petitioners=Weight(7, 0))
    assert failed.reasons[1].startswith("Petitioning owners 7/40 are below 20%")
    assert "未达到 20%" in failed.reasons[0]


@pytest.mark.parametrize("petitioners", [Weight(41, 0), Weight(1, 10001), Weight(-1, 0)])
def test_temporary_meeting_rejects_impossible_figures(petitioners):
    with pytest.raises(ValueError, match="petitioning"):
        check_temporary_meeting_petition(total=TOTAL, petitioners=petitioners)


@given(st.integers(1, 10_000), st.data())
def test_petition_matches_percentage_reading_r_life_10(total_heads, data):
    heads = data.draw(st.integers(0, total_heads))
    check = check_temporary_meeting_petition(total=Weight(total_heads, 1), petitioners=Weight(heads, 0))
    assert check.succeeded is (heads * 100 >= total_heads * 20)
