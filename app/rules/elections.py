"""Owners' committee elections (R-ELEC-1..9).

Civil Code Art. 278(1)(3) and ¶2: electing (or replacing) committee members is an ordinary joint decision. The
election topic needs the participation quorum of R-TALLY-3 (≥ 2/3 of heads and of area), and each candidate
needs more than half of the *participating* heads and area (R-ELEC-5). The community's rules of procedure may
set stricter thresholds for both, never looser ones (R-CAT-4): ``ElectionConfig.rule``. Beijing Property
Management Regulation Art. 39 fixes the *committee* as an odd number of at least 5 members (3 allowed where the
area has at most 100 households) with no more alternates than members (R-ELEC-1); the household count is a fact
of the frozen roll, never typed (R-ELEC-12). Art. 39 sizes the committee, not one election: a by-election fills
the vacancies the alternates do not fill (Art. 41 ¶3), alternates may be elected alone, and only when fewer than
half the members remain after the alternates moved up is the whole committee re-elected (Art. 48; R-ELEC-10,
R-ELEC-11, ``validate_election``). Arts. 32(1)(4)-(5) and 35(5):
the candidate list and the election method are publicised items, so there are no write-ins (R-ELEC-2) and the
approval limit, the single-list or separate-lists mode and the seat counts come from the notice (R-ELEC-3,
R-ELEC-7).

Ranking (R-ELEC-6, CHOICE): more agreeing heads first, then more agreeing area. A tie that still straddles a
seat boundary is ``TIE_UNRESOLVED`` for the affected seats and goes to a new vote; there is no lottery.
Too few qualifying candidates leave seats vacant and are flagged (R-ELEC-8); seats waiting for a tie re-vote
are not filled yet, so they count as missing for the member shortfall flags. Removing a named member
(R-ELEC-9) is an ordinary yes/no topic and needs nothing here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from itertools import groupby

from app.rules.categories import Category, CountingRule, statutory_rule
from app.rules.choices import Choice
from app.rules.counts import Weight, quorum_met
from app.rules.errors import (
    ElectionAlternateSeatsInvalid,
    ElectionAlternatesOnlyInvalid,
    ElectionApprovalLimitExceeded,
    ElectionBallotIncomplete,
    ElectionBySeatsInvalid,
    ElectionCandidateDuplicate,
    ElectionCandidateListEmpty,
    ElectionChoiceInvalid,
    ElectionCommitteeInvalid,
    ElectionCommitteeRequired,
    ElectionFullReelectionRequired,
    ElectionSeatsInvalid,
    ElectionSeatsNotOdd,
    ElectionWriteIn,
)
from app.rules.numeric import MORE_THAN_HALF, TWO_THIRDS, Threshold, threshold_formula

SMALL_AREA_HOUSEHOLDS = 100  # Beijing Art. 39: at most 100 households may elect a 3-member committee
SMALL_AREA_MIN_MEMBERS = 3
MIN_MEMBERS = 5
_CANDIDATE_CHOICES = frozenset({Choice.AGREE, Choice.OPPOSE, Choice.ABSTAIN})
STATUTORY_RULE = statutory_rule(Category.ORDINARY)  # CC 278(1)(3): ≥ 2/3 quorum, > 1/2 per candidate


class ElectionMode(StrEnum):
    """R-ELEC-7: how seats are filled, as stated in the publicised election method."""

    SINGLE_LIST = "SINGLE_LIST"  # one list: rank order fills members first, then alternates
    SEPARATE_LISTS = "SEPARATE_LISTS"  # members and alternates are elected from their own lists


class ListKind(StrEnum):
    SINGLE = "SINGLE"
    MEMBERS = "MEMBERS"
    ALTERNATES = "ALTERNATES"


class Seat(StrEnum):
    """What a candidate ends up with."""

    MEMBER = "MEMBER"
    ALTERNATE = "ALTERNATE"
    NOT_ELECTED = "NOT_ELECTED"
    TIED = "TIED"  # R-ELEC-6: tied across a seat boundary; a new vote among the tied candidates decides


class ElectionOutcome(StrEnum):
    DECIDED = "DECIDED"  # every seat is either filled or vacant
    TIE_UNRESOLVED = "TIE_UNRESOLVED"  # some seats wait for a new vote among tied candidates (R-ELEC-6)
    NO_QUORUM = "NO_QUORUM"  # R-ELEC-4: nobody is elected


class ElectionFlag(StrEnum):
    COMMITTEE_INCOMPLETE = "COMMITTEE_INCOMPLETE"  # R-ELEC-8: fewer members elected (tied seats excluded) than seats
    BELOW_MINIMUM_SIZE = "BELOW_MINIMUM_SIZE"  # R-ELEC-8: cannot register (Beijing Arts. 39, 43)
    ALTERNATE_SEATS_VACANT = "ALTERNATE_SEATS_VACANT"
    TIE_UNRESOLVED = "TIE_UNRESOLVED"


class ElectionType(StrEnum):
    """R-ELEC-10: what one election fills (the election method publicises it, Beijing Art. 32(1)(5))."""

    FULL = "FULL"  # the whole committee: first election, changeover (Art. 49), re-election (Art. 48)
    BY_ELECTION = "BY_ELECTION"  # 补选: member seats the alternates do not fill (Art. 41 ¶3), optionally alternates
    ALTERNATES = "ALTERNATES"  # alternates only


@dataclass(frozen=True, slots=True)
class SittingCommittee:
    """The sitting committee's figures a by-election is measured against (R-ELEC-10, R-ELEC-11).

    ``size``: the committee's member seats (Art. 39, as elected and filed); ``members``: seats held now;
    ``alternates``: alternates in office, who fill vacancies first (Art. 41 ¶3). Inconsistent figures cannot be
    built (``rules.election_committee_invalid``).
    """

    size: int
    members: int
    alternates: int

    def __post_init__(self) -> None:
        if not (self.size >= 1 and 0 <= self.members <= self.size and 0 <= self.alternates <= self.size):
            raise ElectionCommitteeInvalid(size=self.size, members=self.members, alternates=self.alternates)

    @property
    def vacancies(self) -> int:
        return self.size - self.members

    @property
    def filled_by_alternates(self) -> int:
        """Art. 41 ¶3: alternates move up into the vacancies first, as many as there are."""
        return min(self.alternates, self.vacancies)

    @property
    def open_seats(self) -> int:
        """The member seats left for a by-election once the alternates moved up."""
        return self.vacancies - self.filled_by_alternates

    @property
    def remaining(self) -> int:
        """Members in office once the alternates moved up."""
        return self.members + self.filled_by_alternates

    @property
    def alternates_left(self) -> int:
        return self.alternates - self.filled_by_alternates

    @property
    def needs_full_reelection(self) -> bool:
        """R-ELEC-11 / Art. 48: fewer than half the seats held after the alternates moved up (``2*r < size``)."""
        return 2 * self.remaining < self.size

    def to_dict(self) -> dict[str, int]:
        return {"size": self.size, "members": self.members, "alternates": self.alternates}


def minimum_members(households: int | None) -> int:
    """R-ELEC-1: the smallest legal committee for an area with ``households`` residential units; before the roll
    fixes the count (a draft, ``None``) the smallest one the law allows anywhere."""
    if households is None or households <= SMALL_AREA_HOUSEHOLDS:
        return SMALL_AREA_MIN_MEMBERS
    return MIN_MEMBERS


def validate_seats(
    member_seats: int,
    alternate_seats: int,
    households: int | None,
    mode: ElectionMode = ElectionMode.SINGLE_LIST,
    *,
    most_alternates: int | None = None,
) -> None:
    """R-ELEC-1: odd ``member_seats`` >= the legal minimum; ``alternate_seats`` <= ``most_alternates`` (the
    member seats unless given).

    ``households is None`` (a draft: the roll fixes it at publication, R-ELEC-12) checks odd and at least 3.
    A separate alternates list (R-ELEC-7) with no seat to fill would be meaningless, so it needs one.
    """
    if member_seats % 2 == 0 or member_seats < minimum_members(households):
        if households is None:
            raise ElectionSeatsNotOdd(members=member_seats)
        raise ElectionSeatsInvalid(members=member_seats, households=households)
    _check_alternates(alternate_seats, mode, member_seats if most_alternates is None else most_alternates)


def _check_alternates(alternate_seats: int, mode: ElectionMode, most: int, *, least: int = 0) -> None:
    lowest = max(least, 1 if mode is ElectionMode.SEPARATE_LISTS else 0)
    if not lowest <= alternate_seats <= most:
        raise ElectionAlternateSeatsInvalid(alternates=alternate_seats, minimum=lowest, maximum=most)


def validate_election(
    election_type: ElectionType,
    member_seats: int,
    alternate_seats: int,
    *,
    households: int | None,
    committee: SittingCommittee | None,
    mode: ElectionMode = ElectionMode.SINGLE_LIST,
) -> None:
    """R-ELEC-1, R-ELEC-10, R-ELEC-11: the seats one election fills, measured against the committee.

    * FULL: the committee itself is sized (Art. 39): odd, at least 5 (3 at most 100 households), alternates no
      more than members. A sitting committee, if given, changes nothing: the whole committee is elected.
    * BY_ELECTION: 1 to ``committee.open_seats`` member seats (the vacancies the alternates do not fill, Art. 41
      ¶3), and alternates so that those left in office plus the new ones are no more than the seats (Art. 39).
    * ALTERNATES: no member seat, one list, at least one alternate seat within the same Art. 39 limit.
    * Both partial elections are refused when fewer than half the seats are held after the alternates moved up:
      the whole committee is re-elected (Art. 48).
    """
    if election_type is ElectionType.FULL:
        validate_seats(member_seats, alternate_seats, households, mode)
        return
    if committee is None:
        raise ElectionCommitteeRequired()
    if committee.needs_full_reelection:
        raise ElectionFullReelectionRequired(remaining=committee.remaining, size=committee.size)
    most_alternates = committee.size - committee.alternates_left  # Art. 39: alternates <= the member seats
    if election_type is ElectionType.ALTERNATES:
        if member_seats != 0 or mode is ElectionMode.SEPARATE_LISTS:
            raise ElectionAlternatesOnlyInvalid(members=member_seats)
        _check_alternates(alternate_seats, mode, most_alternates, least=1)
        return
    if not 1 <= member_seats <= committee.open_seats:
        raise ElectionBySeatsInvalid(
            members=member_seats,
            vacancies=committee.vacancies,
            filled=committee.filled_by_alternates,
            open=committee.open_seats,
        )
    _check_alternates(alternate_seats, mode, most_alternates)


@dataclass(frozen=True, slots=True)
class CandidateList:
    """One publicised list: its candidates and the seat won at each rank position (members first)."""

    kind: ListKind
    candidates: tuple[str, ...]
    seats: tuple[Seat, ...]

    @property
    def approval_limit(self) -> int:
        """R-ELEC-3: a ballot may AGREE with at most as many candidates of this list as it has seats."""
        return len(self.seats)

    def seat_at(self, position: int) -> Seat:
        return self.seats[position] if position < len(self.seats) else Seat.NOT_ELECTED


@dataclass(frozen=True, slots=True)
class ElectionConfig:
    """The publicised election method (Beijing Art. 32(1)(5)); invalid seat counts or lists cannot be built.

    ``alternate_candidates is None`` means single-list mode; otherwise ``candidates`` is the members' list and
    ``alternate_candidates`` the alternates' list (R-ELEC-7).

    ``rule`` gives the participation quorum (R-ELEC-4) and the per-candidate approval (R-ELEC-5, both measures).
    It defaults to the statutory ORDINARY thresholds; stricter ones from the rules of procedure (R-CAT-4) come
    from ``community_rule(Category.ORDINARY, quorum=..., approval=...)``, which refuses looser ones. Like the
    yes/no tally, the count itself accepts any rule, so the offline verifier can recompute a recorded result.
    """

    member_seats: int
    alternate_seats: int
    households: int | None  # residential units of the frozen roll (R-ELEC-12); None on a draft
    candidates: tuple[str, ...]
    alternate_candidates: tuple[str, ...] | None = None
    rule: CountingRule = STATUTORY_RULE
    election_type: ElectionType = ElectionType.FULL
    committee: SittingCommittee | None = None
    area_first: bool = False  # R-PROC-5: the rules of procedure rank by agreeing area, then heads

    def __post_init__(self) -> None:
        validate_election(
            self.election_type,
            self.member_seats,
            self.alternate_seats,
            households=self.households,
            committee=self.committee,
            mode=self.mode,
        )
        seen: set[str] = set()
        for candidate_list in self.lists:
            if not candidate_list.candidates:
                raise ElectionCandidateListEmpty(list=candidate_list.kind.value)
            for candidate in candidate_list.candidates:
                if candidate in seen:
                    raise ElectionCandidateDuplicate(candidate=candidate)
                seen.add(candidate)

    @property
    def mode(self) -> ElectionMode:
        return ElectionMode.SINGLE_LIST if self.alternate_candidates is None else ElectionMode.SEPARATE_LISTS

    @property
    def lists(self) -> tuple[CandidateList, ...]:
        members = (Seat.MEMBER,) * self.member_seats
        alternates = (Seat.ALTERNATE,) * self.alternate_seats
        if self.alternate_candidates is None:
            return (CandidateList(ListKind.SINGLE, self.candidates, members + alternates),)
        return (
            CandidateList(ListKind.MEMBERS, self.candidates, members),
            CandidateList(ListKind.ALTERNATES, self.alternate_candidates, alternates),
        )

    @property
    def minimum_members(self) -> int:
        return minimum_members(self.households)

    @property
    def members_in_office(self) -> int:
        """Members who stay in office whatever this election gives: none for FULL, the sitting ones after the
        alternates moved up otherwise (R-ELEC-8 measures the committee, not the election)."""
        if self.election_type is ElectionType.FULL or self.committee is None:
            return 0
        return self.committee.remaining


def validate_ballot(config: ElectionConfig, choices: Mapping[str, Choice]) -> None:
    """R-ELEC-2/3: listed candidates only, one of AGREE/OPPOSE/ABSTAIN for each, approvals within the limit."""
    ballot_validator(config)(choices)


def ballot_validator(config: ElectionConfig) -> Callable[[Mapping[str, Choice]], None]:
    """``validate_ballot`` for one election, its lists and listed candidates derived once (casting checks every
    ballot of a published election against the same config).

    Sorted iteration keeps the reported candidate independent of the ballot's key order.
    """
    lists = tuple((candidate_list, candidate_list.approval_limit) for candidate_list in config.lists)
    listed = frozenset(candidate for candidate_list, _ in lists for candidate in candidate_list.candidates)

    def validate(choices: Mapping[str, Choice]) -> None:
        write_ins = sorted(set(choices) - listed)
        if write_ins:
            raise ElectionWriteIn(candidate=write_ins[0])
        missing = sorted(listed - set(choices))
        if missing:
            raise ElectionBallotIncomplete(candidates=", ".join(missing))
        for candidate in sorted(choices):
            if choices[candidate] not in _CANDIDATE_CHOICES:
                raise ElectionChoiceInvalid(candidate=candidate, choice=str(choices[candidate]))
        for candidate_list, limit in lists:
            agreed = sum(1 for c in candidate_list.candidates if choices[c] == Choice.AGREE)
            if agreed > limit:
                raise ElectionApprovalLimitExceeded(agreed=agreed, list=candidate_list.kind.value, limit=limit)

    return validate


@dataclass(frozen=True, slots=True)
class ElectionBallot:
    """One voter group's election ballot: a choice per candidate, or ``None`` for a spoiled paper ballot.

    A spoiled ballot (R-TALLY-6, including a paper ballot over the approval limit, R-ELEC-3) counts as
    participating and agrees with nobody.
    """

    weight: Weight
    choices: Mapping[str, Choice] | None


@dataclass(frozen=True, slots=True)
class CandidateResult:
    """Evidence for one candidate: the counts, the R-ELEC-5 tests with their numbers, rank and seat."""

    candidate: str
    list_kind: ListKind
    agree: Weight
    oppose: Weight
    abstain: Weight
    participating: Weight
    approval: Threshold  # the per-candidate threshold applied (R-ELEC-5; stricter under R-CAT-4)
    rank: int | None  # competition rank among qualifying candidates of the list (1, 2, 2, 4); None otherwise
    seat: Seat
    tied_with: tuple[str, ...]
    reason_zh: str
    reason_en: str

    @property
    def heads_majority(self) -> bool:
        """Agreeing heads reach ``approval`` of the participating heads (> 1/2 unless stricter, R-CAT-4)."""
        return self.approval.met(self.agree.heads, self.participating.heads)

    @property
    def area_majority(self) -> bool:
        """Agreeing area reaches ``approval`` of the participating area (> 1/2 unless stricter, R-CAT-4)."""
        return self.approval.met(self.agree.area, self.participating.area)

    @property
    def qualified(self) -> bool:
        """R-ELEC-5: by default ``2*agree_area > part_area AND 2*agree_heads > part_heads``."""
        return self.heads_majority and self.area_majority

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {
            "candidate": self.candidate,
            "list": self.list_kind.value,
            "agree": self.agree.as_dict(),
            "oppose": self.oppose.as_dict(),
            "abstain": self.abstain.as_dict(),
            "approval": self.approval.symbol,
            "heads_formula": threshold_formula(
                self.approval, self.agree.heads, self.participating.heads, names=("agree_heads", "part_heads")
            ),
            "area_formula": threshold_formula(
                self.approval, self.agree.area, self.participating.area, names=("agree_area", "part_area")
            ),
            "qualified": "YES" if self.qualified else "NO",
            "seat": self.seat.value,
            "tied_with": list(self.tied_with),
            "reason_zh": self.reason_zh,
            "reason_en": self.reason_en,
        }
        if self.rank is not None:
            data["rank"] = self.rank
        return data


@dataclass(frozen=True, slots=True)
class ElectionResult:
    """The election topic's result (R-TALLY-10 evidence plus the seats, R-ELEC-4..8)."""

    mode: ElectionMode
    rule: CountingRule  # the thresholds applied (R-CAT-4)
    election_type: ElectionType
    committee: SittingCommittee | None
    member_seats: int
    alternate_seats: int
    minimum_members: int
    total: Weight
    participating: Weight
    spoiled: Weight
    quorum_met: bool
    outcome: ElectionOutcome
    candidates: tuple[CandidateResult, ...]  # per list, in rank order, then the non-qualifying ones
    member_seats_tied: int
    alternate_seats_tied: int
    flags: tuple[ElectionFlag, ...]
    reason_zh: str
    reason_en: str

    def _with_seat(self, seat: Seat) -> tuple[str, ...]:
        return tuple(c.candidate for c in self.candidates if c.seat is seat)

    @property
    def members(self) -> tuple[str, ...]:
        return self._with_seat(Seat.MEMBER)

    @property
    def alternates(self) -> tuple[str, ...]:
        """In rank order, which is the order alternates fill vacancies (递补)."""
        return self._with_seat(Seat.ALTERNATE)

    @property
    def tied(self) -> tuple[str, ...]:
        return self._with_seat(Seat.TIED)

    @property
    def member_seats_vacant(self) -> int:
        return self.member_seats - len(self.members) - self.member_seats_tied

    @property
    def alternate_seats_vacant(self) -> int:
        return self.alternate_seats - len(self.alternates) - self.alternate_seats_tied

    @property
    def quorum_formulas(self) -> tuple[str, str]:
        """R-TALLY-3 with the quorum applied and its numbers; ``quorum_met`` also applies R-NUM-5 (a zero total
        never meets it)."""
        quorum = self.rule.quorum
        return (
            threshold_formula(quorum, self.participating.heads, self.total.heads, names=("part_heads", "total_heads")),
            threshold_formula(quorum, self.participating.area, self.total.area, names=("part_area", "total_area")),
        )

    def to_dict(self) -> dict[str, object]:
        committee = {} if self.committee is None else {"committee": self.committee.to_dict()}
        return committee | {
            "mode": self.mode.value,
            "rule": {
                "category": self.rule.category.value,
                "quorum": self.rule.quorum.symbol,
                "approval": self.rule.approval.symbol,
                **({} if self.rule.blank_participates else {"blank_ballots": "NOT_COUNTED"}),  # R-PROC-4
            },
            "election_type": self.election_type.value,
            "member_seats": self.member_seats,
            "alternate_seats": self.alternate_seats,
            "minimum_members": self.minimum_members,
            "total": self.total.as_dict(),
            "participating": self.participating.as_dict(),
            "spoiled": self.spoiled.as_dict(),
            "quorum": "MET" if self.quorum_met else "NOT_MET",
            "quorum_formulas": list(self.quorum_formulas),
            "outcome": self.outcome.value,
            "members": list(self.members),
            "alternates": list(self.alternates),
            "tied": list(self.tied),
            "member_seats_vacant": self.member_seats_vacant,
            "member_seats_tied": self.member_seats_tied,
            "alternate_seats_vacant": self.alternate_seats_vacant,
            "alternate_seats_tied": self.alternate_seats_tied,
            "flags": [flag.value for flag in self.flags],
            "candidates": [c.to_dict() for c in self.candidates],
            "reason_zh": self.reason_zh,
            "reason_en": self.reason_en,
        }


def tally_election(config: ElectionConfig, total: Weight, ballots: Iterable[ElectionBallot]) -> ElectionResult:
    """Count an election topic and assign seats (R-ELEC-4..8).

    ``total`` is the roll snapshot; ``ballots`` has one entry per voter group that submitted the election
    ballot (R-ELEC-4). Every non-spoiled ballot is validated again (R-ELEC-2/3): a bad one is never counted.
    """
    counts = {c: {k: Weight() for k in _CANDIDATE_CHOICES} for cl in config.lists for c in cl.candidates}
    participating = spoiled = Weight()
    validate = ballot_validator(config)
    for ballot in ballots:
        if ballot.choices is None:
            spoiled += ballot.weight
            if config.rule.blank_participates:  # R-TALLY-6 unless the rules of procedure say otherwise (R-PROC-4)
                participating += ballot.weight
            continue
        participating += ballot.weight
        validate(ballot.choices)
        for candidate, choice in ballot.choices.items():
            counts[candidate][choice] += ballot.weight
    rule = config.rule
    quorum = quorum_met(participating, total, rule.quorum)
    no_quorum = _no_quorum_reason(rule.quorum)

    def agree(candidate: str) -> Weight:
        return counts[candidate][Choice.AGREE]

    def order(candidate: str) -> tuple[int, int, str]:
        """R-ELEC-6: heads, then area, descending (area first under R-PROC-5); the name only makes the output
        order deterministic."""
        weight = agree(candidate)
        if config.area_first:
            return (-weight.area, -weight.heads, candidate)
        return (-weight.heads, -weight.area, candidate)

    placed: list[CandidateResult] = []
    occupied: Counter[Seat] = Counter()  # seats taken by qualifying candidates, tied or not
    tied_seats: Counter[Seat] = Counter()
    for candidate_list in config.lists:
        # R-ELEC-4/5: without a quorum nobody qualifies; otherwise the approval of participants on both measures.
        qualified = [c for c in candidate_list.candidates if quorum and agree(c).meets(rule.approval, participating)]
        placements: list[tuple[str, int | None, Seat, tuple[str, ...]]] = []
        position = 0
        for _, same in groupby(sorted(qualified, key=order), key=lambda c: order(c)[:2]):
            group = tuple(same)
            span = [candidate_list.seat_at(p) for p in range(position, position + len(group))]
            taken = [seat for seat in span if seat is not Seat.NOT_ELECTED]
            occupied.update(taken)
            if len(set(span)) == 1:  # a tie inside one seat class decides nothing
                placements.extend((c, position + 1, span[0], ()) for c in group)
            else:
                tied_seats.update(taken)
                placements.extend((c, position + 1, Seat.TIED, tuple(o for o in group if o != c)) for c in group)
            position += len(group)
        rest = sorted(set(candidate_list.candidates) - set(qualified), key=order)
        placements.extend((c, None, Seat.NOT_ELECTED, ()) for c in rest)
        for candidate, rank, seat, tied in placements:
            zh, en = (
                _candidate_reason(rule.approval, agree(candidate), participating, rank, seat, tied)
                if quorum
                else no_quorum
            )
            placed.append(
                CandidateResult(
                    candidate=candidate,
                    list_kind=candidate_list.kind,
                    agree=agree(candidate),
                    oppose=counts[candidate][Choice.OPPOSE],
                    abstain=counts[candidate][Choice.ABSTAIN],
                    participating=participating,
                    approval=rule.approval,
                    rank=rank,
                    seat=seat,
                    tied_with=tied,
                    reason_zh=zh,
                    reason_en=en,
                )
            )

    # R-ELEC-8: a seat awaiting a tie re-vote is not filled yet, so only members actually elected count here.
    elected_members = occupied[Seat.MEMBER] - tied_seats[Seat.MEMBER]
    flags: list[ElectionFlag] = []
    if elected_members < config.member_seats:
        flags.append(ElectionFlag.COMMITTEE_INCOMPLETE)
    if config.member_seats and config.members_in_office + elected_members < config.minimum_members:
        flags.append(ElectionFlag.BELOW_MINIMUM_SIZE)  # R-ELEC-8: the committee after this election
    if occupied[Seat.ALTERNATE] < config.alternate_seats:
        flags.append(ElectionFlag.ALTERNATE_SEATS_VACANT)
    if tied_seats:
        flags.append(ElectionFlag.TIE_UNRESOLVED)
    if not quorum:
        outcome = ElectionOutcome.NO_QUORUM
        zh, en = no_quorum
    else:
        outcome = ElectionOutcome.TIE_UNRESOLVED if tied_seats else ElectionOutcome.DECIDED
        numbers = {
            "members": elected_members,
            "alternates": occupied[Seat.ALTERNATE] - tied_seats[Seat.ALTERNATE],
            "vacant_members": config.member_seats - occupied[Seat.MEMBER],
            "vacant_alternates": config.alternate_seats - occupied[Seat.ALTERNATE],
            "tied": tied_seats.total(),
        }
        zh = (
            "当选委员 {members} 名、候补委员 {alternates} 名；委员空缺 {vacant_members} 名、"
            "候补委员空缺 {vacant_alternates} 名；待并列候选人重新投票决定的席位 {tied} 个。"
        ).format(**numbers)
        en = (
            "Elected {members} members and {alternates} alternates; {vacant_members} member and "
            "{vacant_alternates} alternate seats are vacant; "
            "{tied} seats await a new vote among tied candidates."
        ).format(**numbers)
    return ElectionResult(
        mode=config.mode,
        rule=rule,
        election_type=config.election_type,
        committee=config.committee,
        member_seats=config.member_seats,
        alternate_seats=config.alternate_seats,
        minimum_members=config.minimum_members,
        total=total,
        participating=participating,
        spoiled=spoiled,
        quorum_met=quorum,
        outcome=outcome,
        candidates=tuple(placed),
        member_seats_tied=tied_seats[Seat.MEMBER],
        alternate_seats_tied=tied_seats[Seat.ALTERNATE],
        flags=tuple(flags),
        reason_zh=zh,
        reason_en=en,
    )


_NO_QUORUM = (
    "参与表决的业主人数或专有部分面积未达到三分之二（R-TALLY-3），本次选举无人当选（R-ELEC-4）。",
    "Participation is below two thirds of heads or area (R-TALLY-3), so nobody is elected (R-ELEC-4).",
)
_ZH_RELATION = {">": ">", "<=": "≤", ">=": "≥", "<": "<"}


def _words(threshold: Threshold) -> str:
    return f"{'more than' if threshold.strict else 'at least'} {threshold.num}/{threshold.den}"


def _no_quorum_reason(quorum: Threshold) -> tuple[str, str]:
    """R-ELEC-4, naming the quorum applied when the rules of procedure set a stricter one (R-CAT-4)."""
    if quorum == TWO_THIRDS:
        return _NO_QUORUM
    return (
        f"参与表决的业主人数或专有部分面积未达到议事规则规定的比例（{quorum.symbol}，R-TALLY-3、R-CAT-4），"
        "本次选举无人当选（R-ELEC-4）。",
        f"Participation does not reach the quorum set by the rules of procedure ({_words(quorum)} of heads and "
        "area; R-TALLY-3, R-CAT-4), so nobody is elected (R-ELEC-4).",
    )


def _candidate_reason(
    approval: Threshold, agree: Weight, part: Weight, rank: int | None, seat: Seat, tied: tuple[str, ...]
) -> tuple[str, str]:
    if rank is None:
        k, m = approval.den, approval.num
        zh_items, en_items = [], []
        for zh_name, en_name, a, p in (
            ("人数", "heads", agree.heads, part.heads),
            ("面积", "area", agree.area, part.area),
        ):
            if approval.met(a, p):
                continue
            relation = approval.relation(a, p)
            zh_whole, en_whole = (str(p), str(p)) if m == 1 else (f"{m}×{p}={m * p}", f"{m}*{p} = {m * p}")
            zh_items.append(f"同意{zh_name} {k}×{a}={k * a} {_ZH_RELATION[relation]} 参与{zh_name} {zh_whole}")
            en_items.append(f"agreeing {en_name} {k}*{a} = {k * a} {relation} participating {en_name} {en_whole}")
        zh, en = "；".join(zh_items), "; ".join(en_items)
        if approval == MORE_THAN_HALF:
            return (
                f"未获参与表决业主人数和面积双过半同意（R-ELEC-5）：{zh}。",
                f"Not agreed by more than half of participating heads and area (R-ELEC-5): {en}.",
            )
        return (
            f"未获参与表决业主人数和面积均 {approval.symbol} 同意（议事规则，R-ELEC-5、R-CAT-4）：{zh}。",
            f"Not agreed by {_words(approval)} of participating heads and area as the rules of procedure "
            f"require (R-ELEC-5, R-CAT-4): {en}.",
        )
    if seat is Seat.TIED:
        others = ", ".join(tied)
        return (
            f"第 {rank} 名，与 {others} 同意人数和面积均相同且跨越名额界限，须由并列候选人重新投票决定（R-ELEC-6）。",
            f"Rank {rank}: tied with {others} on agreeing heads and area across a seat boundary; "
            "a new vote among the tied candidates decides (R-ELEC-6).",
        )
    return {
        Seat.MEMBER: (f"第 {rank} 名，当选委员（R-ELEC-7）。", f"Rank {rank}: elected member (R-ELEC-7)."),
        Seat.ALTERNATE: (
            f"第 {rank} 名，当选候补委员（R-ELEC-7）。",
            f"Rank {rank}: elected alternate (R-ELEC-7).",
        ),
        Seat.NOT_ELECTED: (
            f"第 {rank} 名，已获双过半同意，但名额已满，未当选（R-ELEC-7）。",
            f"Rank {rank}: agreed by a double majority, but all seats are filled (R-ELEC-7).",
        ),
    }[seat]
