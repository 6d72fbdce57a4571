"""Candidates for the owners' committee (R-CAND-1..7): who may stand, who attests what, and the reason given."""

from __future__ import annotations

import pytest

from app.rules import errors
from app.rules.candidates import (
    RULE_IDS,
    SOURCES,
    Attestation,
    Criterion,
    Finding,
    OwnerType,
    Source,
    check_eligible,
    check_representative,
    check_source,
)

MET, NOT_MET = Finding.MET, Finding.NOT_MET


def all_met(start: int = 0) -> list[Attestation]:
    return [Attestation(criterion, MET, start + i) for i, criterion in enumerate(Criterion)]


@pytest.mark.parametrize(
    ("owner_type", "has_representative", "error"),
    [
        (OwnerType.PERSON, False, None),
        (OwnerType.PERSON, True, errors.CandidateRepresentativeNotAllowed),
        (OwnerType.ORGANISATION, True, None),
        (OwnerType.ORGANISATION, False, errors.CandidateRepresentativeRequired),
    ],
)
def test_an_organisation_stands_through_its_authorised_person_art_39_2(owner_type, has_representative, error):
    if error is None:
        check_representative(owner_type, has_representative)
    else:
        with pytest.raises(error):
            check_representative(owner_type, has_representative)


def test_each_condition_has_its_sources_and_rule_id():
    assert set(SOURCES) == set(RULE_IDS) == set(Criterion)
    check_source(Criterion.PROPERTY_FEES, Source.PROPERTY_SERVICE_COMPANY)
    check_source(Criterion.MAINTENANCE_FUND, Source.MAINTENANCE_FUND_RECORDS)
    check_source(Criterion.ILLEGAL_CONSTRUCTION, Source.STREET_OFFICE)
    check_source(Criterion.ART39_CONDITIONS, Source.CANDIDATE_DECLARATION)
    with pytest.raises(errors.EligibilitySourceNotAccepted, match="no illegal construction") as raised:
        check_source(Criterion.ILLEGAL_CONSTRUCTION, Source.CANDIDATE_DECLARATION)
    assert raised.value.extra == {"rules": ["R-CAND-5"]}  # the rule id apart from the messages (issue #19 item 9)
    assert raised.value.message("zh") == "该项任职条件（无违法建设）须由规定的机构或记录出具证明。"
    with pytest.raises(errors.EligibilitySourceNotAccepted, match="property fee") as raised:
        check_source(Criterion.PROPERTY_FEES, Source.CANDIDATE_DECLARATION)
    assert raised.value.extra == {"rules": ["R-CAND-3"]}


def test_a_candidate_with_every_condition_met_is_eligible():
    check_eligible("c1", all_met())


@pytest.mark.parametrize(
    ("criterion", "error"),
    [
        (Criterion.PROPERTY_FEES, errors.CandidateFeeArrears),
        (Criterion.MAINTENANCE_FUND, errors.CandidateFundArrears),
        (Criterion.ILLEGAL_CONSTRUCTION, errors.CandidateIllegalConstruction),
        (Criterion.ART39_CONDITIONS, errors.CandidateConditionsUnmet),
    ],
)
def test_a_condition_not_met_refuses_with_its_reason_seed_003_2_5(criterion, error):
    attestations = [*all_met(), Attestation(criterion, NOT_MET, 99)]
    with pytest.raises(error, match="c1"):
        check_eligible("c1", attestations)


def test_the_latest_attestation_of_a_criterion_counts():
    """Arrears paid and attested again: the later MET replaces the earlier NOT_MET, whatever the input order."""
    paid = [Attestation(Criterion.PROPERTY_FEES, MET, 10), *all_met(), Attestation(Criterion.PROPERTY_FEES, NOT_MET, 5)]
    check_eligible("c1", paid)
    relapsed = [Attestation(Criterion.PROPERTY_FEES, NOT_MET, 10), *all_met()]
    with pytest.raises(errors.CandidateFeeArrears):
        check_eligible("c1", relapsed)


def test_missing_attestations_are_named_by_rule():
    only_fees = [Attestation(Criterion.PROPERTY_FEES, MET, 1)]
    with pytest.raises(errors.CandidateNotAttested) as raised:
        check_eligible("c2", only_fees)
    assert raised.value.extra == {"rules": ["R-CAND-7", "R-CAND-4", "R-CAND-5", "R-CAND-6"]}
    assert raised.value.message("zh") == (
        "候选人 c2 的任职条件尚未全部取得证明，不得公示"
        "（缺：未欠缴专项维修资金、无违法建设、符合北京市物业管理条例第三十九条第三款的任职条件）。"
    )
    assert "no arrears of the special maintenance fund, no illegal construction" in raised.value.message("en")


def test_a_failure_is_reported_before_what_is_missing():
    with pytest.raises(errors.CandidateIllegalConstruction):
        check_eligible("c3", [Attestation(Criterion.ILLEGAL_CONSTRUCTION, NOT_MET, 1)])
