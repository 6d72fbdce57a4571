"""Who may stand for the owners' committee, and on what evidence (R-CAND-1..8).

Beijing Property Management Regulation Art. 39 ¶2: members and alternates are natural-person owners of the area
or the authorised natural-person representative of an organisation owner (R-CAND-1). Art. 40 ¶1: candidates are
recommended by the community Party organisation or the residents' committee, nominate themselves, or are
nominated jointly by owners (R-CAND-2). Art. 39 ¶3 lists the conditions (law-abiding, full civil capacity, the
residence period of the candidate rules, no direct interest with the property service provider, not a listed
dishonest judgment debtor, no banned use of the home). The Chaoyang opinions (seed 003 §二.5) add that owners
who do not pay the property fee on time and in full, owe the special maintenance fund, or have illegal
construction may not serve. Each condition is attested before the notice by the source able to know it (R-CAND-3
to R-CAND-6); the latest attestation of each counts, and a candidate is refused at publication with the reason
(R-CAND-7). Art. 40 ¶2: the list goes to the community Party organisation; its acknowledgment must cover the
list as published (R-CAND-8).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from app.errors import Text
from app.rules.errors import (
    CandidateConditionsUnmet,
    CandidateFeeArrears,
    CandidateFundArrears,
    CandidateIllegalConstruction,
    CandidateNotAttested,
    CandidateRepresentativeNotAllowed,
    CandidateRepresentativeRequired,
    EligibilitySourceNotAccepted,
    RuleViolation,
)


class OwnerType(StrEnum):
    """The register's owner kinds, as far as standing for the committee goes (R-CAND-1)."""

    PERSON = "PERSON"
    ORGANISATION = "ORGANISATION"


class Nomination(StrEnum):
    """R-CAND-2 / Beijing Art. 40 ¶1: how the candidate was put forward."""

    PARTY_ORGANISATION = "PARTY_ORGANISATION"  # 社区党组织推荐
    RESIDENTS_COMMITTEE = "RESIDENTS_COMMITTEE"  # 居民委员会推荐
    SELF = "SELF"  # 业主自荐
    OWNERS_JOINT = "OWNERS_JOINT"  # 业主联名推荐


class Criterion(StrEnum):
    """A condition attested before the notice; each has its rule id and the sources that can attest it."""

    PROPERTY_FEES = "PROPERTY_FEES"  # R-CAND-3: fee paid on time and in full (seed 003 §二.5)
    MAINTENANCE_FUND = "MAINTENANCE_FUND"  # R-CAND-4: no arrears of the special maintenance fund (seed 003 §二.5)
    ILLEGAL_CONSTRUCTION = "ILLEGAL_CONSTRUCTION"  # R-CAND-5: no illegal construction (seed 003 §二.5)
    ART39_CONDITIONS = "ART39_CONDITIONS"  # R-CAND-6: Beijing Art. 39 ¶3


class Source(StrEnum):
    """Who attests a criterion; the organiser records it with the document's SHA-256."""

    PROPERTY_SERVICE_COMPANY = "PROPERTY_SERVICE_COMPANY"  # the fee ledger (and the fund it collects)
    MAINTENANCE_FUND_RECORDS = "MAINTENANCE_FUND_RECORDS"  # the special maintenance fund's account records
    STREET_OFFICE = "STREET_OFFICE"  # 街道办事处 / 乡镇: illegal construction (违法建设) is its enforcement matter
    RESIDENTS_COMMITTEE = "RESIDENTS_COMMITTEE"  # the residents' committee's review of the Art. 39 ¶3 conditions
    CANDIDATE_DECLARATION = "CANDIDATE_DECLARATION"  # the candidate's signed declaration (承诺书) of Art. 39 ¶3


class Finding(StrEnum):
    MET = "MET"  # the condition holds: no arrears, no illegal construction, Art. 39 ¶3 met
    NOT_MET = "NOT_MET"  # the candidate may not serve (R-CAND-7)


SOURCES: Mapping[Criterion, frozenset[Source]] = {
    Criterion.PROPERTY_FEES: frozenset({Source.PROPERTY_SERVICE_COMPANY}),
    Criterion.MAINTENANCE_FUND: frozenset({Source.MAINTENANCE_FUND_RECORDS, Source.PROPERTY_SERVICE_COMPANY}),
    Criterion.ILLEGAL_CONSTRUCTION: frozenset({Source.STREET_OFFICE}),
    Criterion.ART39_CONDITIONS: frozenset({Source.RESIDENTS_COMMITTEE, Source.CANDIDATE_DECLARATION}),
}
RULE_IDS: Mapping[Criterion, str] = {
    Criterion.PROPERTY_FEES: "R-CAND-3",
    Criterion.MAINTENANCE_FUND: "R-CAND-4",
    Criterion.ILLEGAL_CONSTRUCTION: "R-CAND-5",
    Criterion.ART39_CONDITIONS: "R-CAND-6",
}
CRITERION_WORDS: Mapping[Criterion, Text] = {
    Criterion.PROPERTY_FEES: Text("按时足额交纳物业费", "property fee paid on time and in full"),
    Criterion.MAINTENANCE_FUND: Text("未欠缴专项维修资金", "no arrears of the special maintenance fund"),
    Criterion.ILLEGAL_CONSTRUCTION: Text("无违法建设", "no illegal construction"),
    Criterion.ART39_CONDITIONS: Text(
        "符合北京市物业管理条例第三十九条第三款的任职条件", "the conditions of Beijing Art. 39 ¶3"
    ),
}
_NOT_MET: Mapping[Criterion, type[RuleViolation]] = {
    Criterion.PROPERTY_FEES: CandidateFeeArrears,
    Criterion.MAINTENANCE_FUND: CandidateFundArrears,
    Criterion.ILLEGAL_CONSTRUCTION: CandidateIllegalConstruction,
    Criterion.ART39_CONDITIONS: CandidateConditionsUnmet,
}


def check_representative(owner_type: OwnerType, has_representative: bool) -> None:
    """R-CAND-1 / Art. 39 ¶2: an organisation owner stands through an authorised natural person; a person
    stands in person."""
    if owner_type is OwnerType.ORGANISATION and not has_representative:
        raise CandidateRepresentativeRequired()
    if owner_type is OwnerType.PERSON and has_representative:
        raise CandidateRepresentativeNotAllowed()


def check_source(criterion: Criterion, source: Source) -> None:
    """R-CAND-3..6: only the source able to know a condition attests it."""
    if source not in SOURCES[criterion]:
        raise EligibilitySourceNotAccepted(criterion=CRITERION_WORDS[criterion], extra={"rules": [RULE_IDS[criterion]]})


@dataclass(frozen=True, slots=True)
class Attestation:
    """One recorded attestation; ``sequence`` orders them (the latest of a criterion counts)."""

    criterion: Criterion
    finding: Finding
    sequence: int


def check_eligible(candidate: str, attestations: Iterable[Attestation]) -> None:
    """R-CAND-7: every criterion attested, the latest attestation of each MET; the first failing criterion (in
    ``Criterion`` order) is the reason given, then the missing ones."""
    latest: dict[Criterion, Attestation] = {}
    for attestation in sorted(attestations, key=lambda a: a.sequence):
        latest[attestation.criterion] = attestation
    for criterion in Criterion:
        found = latest.get(criterion)
        if found is not None and found.finding is Finding.NOT_MET:
            raise _NOT_MET[criterion](candidate=candidate)
    missing = [RULE_IDS[criterion] for criterion in Criterion if criterion not in latest]
    if missing:
        raise CandidateNotAttested(
            candidate=candidate,
            criteria=Text(
                "、".join(CRITERION_WORDS[c].zh for c in Criterion if c not in latest),
                ", ".join(CRITERION_WORDS[c].en for c in Criterion if c not in latest),
            ),
            extra={"rules": ["R-CAND-7", *missing]},
        )
