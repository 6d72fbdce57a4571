"""Who may act for a voter group, and on which basis (R-CAST-1..6, R-OWN-2/3).

R-CAST-1: only an identity-verified account acts, and only when it is linked to the group as owner, legal
representative, guardian or approved proxy. The bases:

* ``OWNER``: the group's sole owner of record is the caller, a natural person.
* ``CO_OWNER`` (R-CAST-2): any one verified natural-person co-owner, unless the co-owners registered a
  designated representative (an APPROVED ``DESIGNATED_REPRESENTATIVE`` grant in force); then only that person
  acts, on the basis ``DESIGNATED_REPRESENTATIVE``, and no co-owner acts as ``CO_OWNER``. R-OWN-3 heirs are
  recorded as the owner set and follow the same rule (CHOICE in RULES.md).
* ``LEGAL_REPRESENTATIVE`` / ``SEALED_AUTHORISATION`` (R-CAST-3): an organisation owner acts only through
  these; its own owner key is never treated as a natural person. The developer's group (R-HEAD-4, R-CAST-6)
  is an organisation's group too.
* ``GUARDIAN`` (R-CAST-5): the guardian of a minor or incapacitated natural-person owner.
* ``PROXY`` (R-CAST-4): an agent under a written authorisation, approved, within its validity period and
  covering the vote (and topic) when the authorisation names them. Tenants (R-OWN-2) act only this way.

Only APPROVED grants within their validity period count: pending, rejected, revoked and expired grants never
do. **Validity window (CHOICE):** ``valid_from`` is inclusive and ``valid_until`` exclusive, so a grant valid
"until 2027-01-01T00:00+08:00" is no longer valid at that instant, and consecutive grants never overlap.
A missing bound is open.

R-CAST-4 signatures: a proxy authorisation is signed by the owner, by ALL co-owners, or by the designated
representative. An organisation owner signs through its legal representative or sealed-authorisation holder.

Everything here is pure: values in, values out; grants are identified by plain strings (account ids for
grantees, owner ids for owners), and ``now`` is passed in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Required, TypedDict, Unpack

from app.errors import Text
from app.rules import labels
from app.rules.errors import NaiveDatetime, RuleViolation
from app.rules.roll import VoterGroup


class ActingBasis(StrEnum):
    CO_OWNER = "CO_OWNER"
    DESIGNATED_REPRESENTATIVE = "DESIGNATED_REPRESENTATIVE"
    GUARDIAN = "GUARDIAN"
    LEGAL_REPRESENTATIVE = "LEGAL_REPRESENTATIVE"
    OWNER = "OWNER"
    PROXY = "PROXY"
    SEALED_AUTHORISATION = "SEALED_AUTHORISATION"


class GrantKind(StrEnum):
    """Mirrors ``app.grant.models.ActingKind`` (the rules cannot import models)."""

    DESIGNATED_REPRESENTATIVE = "DESIGNATED_REPRESENTATIVE"
    LEGAL_REPRESENTATIVE = "LEGAL_REPRESENTATIVE"
    SEALED_AUTHORISATION = "SEALED_AUTHORISATION"
    GUARDIAN = "GUARDIAN"
    PROXY = "PROXY"


class GrantState(StrEnum):
    """Mirrors ``app.grant.models.GrantStatus``; "expired" is not a state but ``valid_until <= now``."""

    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    REVOKED = "REVOKED"


ORGANISATION_KINDS = frozenset({GrantKind.LEGAL_REPRESENTATIVE, GrantKind.SEALED_AUTHORISATION})
SIGNED_KINDS = frozenset({GrantKind.PROXY, GrantKind.DESIGNATED_REPRESENTATIVE})
"""Kinds the owners themselves sign (R-CAST-4, R-CAST-2); the others rest on documents the organiser checks."""


class NotEntitledReason(StrEnum):
    NOT_VERIFIED = "not_verified"
    NOT_LINKED = "not_linked"
    DESIGNATED_REPRESENTATIVE_ONLY = "designated_representative_only"
    ORGANISATION_ACTS_THROUGH_REPRESENTATIVE = "organisation_acts_through_representative"
    GRANT_NOT_IN_FORCE = "grant_not_in_force"
    SCOPE_EXCLUDES_VOTE = "scope_excludes_vote"
    TITLE_TRANSFERRED = "title_transferred"


_REASON_TEXT: dict[NotEntitledReason, tuple[str, str]] = {
    NotEntitledReason.NOT_VERIFIED: ("账号尚未完成业主实名身份认证", "the account is not identity-verified"),
    NotEntitledReason.NOT_LINKED: (
        "您不是该表决组的业主，也没有经批准的代理或代表授权",
        "you are not an owner of this voter group and hold no approved grant for it",
    ),
    NotEntitledReason.DESIGNATED_REPRESENTATIVE_ONLY: (
        "共有人已指定代表，只有该代表可以投票",
        "the co-owners designated a representative; only that person may vote",
    ),
    NotEntitledReason.ORGANISATION_ACTS_THROUGH_REPRESENTATIVE: (
        "单位业主只能由法定代表人或持盖章授权书的人投票",
        "an organisation votes only through its legal representative or a sealed authorisation",
    ),
    NotEntitledReason.GRANT_NOT_IN_FORCE: (
        "您的授权尚未批准、已被驳回或撤销，或不在有效期内",
        "your grant is not approved, was rejected or revoked, or is outside its validity period",
    ),
    NotEntitledReason.TITLE_TRANSFERRED: (
        "表决期间该表决组的全部房屋已过户，由新业主投票（R-ROLL-5）",
        "every unit of this voter group changed hands during the vote; the new owners vote (R-ROLL-5)",
    ),
    NotEntitledReason.SCOPE_EXCLUDES_VOTE: (
        "您的委托授权不包括本次表决或议题",
        "your proxy authorisation does not cover this vote or topic",
    ),
}


class NotEntitled(RuleViolation):
    """R-CAST-1: the caller may not act for the voter group."""

    code = "cast.not_entitled"
    status = 403
    title = "Not entitled to act for the voter group"
    message_zh = "无权代表该表决组：{reason}。"
    message_en = "Not entitled to act for this voter group: {reason}."

    def __init__(self, reason: NotEntitledReason) -> None:
        self.reason = reason
        super().__init__(reason=Text(*_REASON_TEXT[reason]), extra={"reason": reason.value})


class SignaturesIncomplete(RuleViolation):
    """R-CAST-4 / R-CAST-2: the owners have not all signed (or the designated representative has not)."""

    code = "grant.signatures_incomplete"
    title = "Signatures incomplete"
    message_zh = "授权尚缺 {missing} 位业主签署（需全体共有人或指定代表签署）。"
    message_en = "The authorisation still lacks {missing} owner signature(s) (all co-owners or the designated one)."


class GrantAlreadyDecided(RuleViolation):
    code = "grant.already_decided"
    status = 409
    title = "Grant already decided"
    message_zh = "该授权已处理（当前状态：{status}）。"
    message_en = "The grant has already been decided (status: {status})."
    words = MappingProxyType({"status": labels.REVIEW_STATUSES})


class GrantAlreadyUsed(RuleViolation):
    """R-CAST-4: an authorisation is revocable only until it is used."""

    code = "grant.already_used"
    status = 409
    title = "Grant already used"
    message_zh = "该授权已被用于投票，不能再撤销。"
    message_en = "The grant has been used to cast a ballot and can no longer be revoked."


class GrantNotRevocable(RuleViolation):
    code = "grant.not_revocable"
    status = 409
    title = "Grant not revocable"
    message_zh = "该授权已被驳回或撤销（当前状态：{status}）。"
    message_en = "The grant was already rejected or revoked (status: {status})."
    words = MappingProxyType({"status": labels.REVIEW_STATUSES})


def _aware(value: datetime | None, name: str) -> None:
    if value is not None and value.utcoffset() is None:
        raise NaiveDatetime(field=name)


@dataclass(frozen=True, slots=True)
class ProxyScope:
    """What a proxy authorisation covers (CC Art. 165): ``None`` means any vote / any topic."""

    vote_ids: frozenset[str] | None = None
    topic_ids: frozenset[str] | None = None

    def covers(self, vote_id: str | None, topic_id: str | None) -> bool:
        """Without a vote (or topic) to check, for example when listing groups, a scoped grant still counts."""
        vote_ok = vote_id is None or self.vote_ids is None or vote_id in self.vote_ids
        topic_ok = topic_id is None or self.topic_ids is None or topic_id in self.topic_ids
        return vote_ok and topic_ok


@dataclass(frozen=True, slots=True)
class GrantFacts:
    """One acting grant of a voter group as plain values."""

    grant_id: str
    kind: GrantKind
    grantee_key: str  # the grantee's account id
    status: GrantState
    grantee_owner_key: str | None = None  # the grantee account's verified owner identity, if any
    valid_from: datetime | None = None  # inclusive
    valid_until: datetime | None = None  # exclusive
    scope: ProxyScope = field(default_factory=ProxyScope)  # PROXY only
    used: bool = False
    signed_by: frozenset[str] = frozenset()  # owner keys that signed (R-CAST-4)

    def __post_init__(self) -> None:
        _aware(self.valid_from, "valid_from")
        _aware(self.valid_until, "valid_until")

    def in_force(self, now: datetime) -> bool:
        """Approved and within ``[valid_from, valid_until)``."""
        _aware(now, "now")
        return (
            self.status is GrantState.APPROVED
            and (self.valid_from is None or self.valid_from <= now)
            and (self.valid_until is None or now < self.valid_until)
        )


@dataclass(frozen=True, slots=True)
class Caller:
    """Who acts. ``owner_key`` is the owner identity the account is bound to in the group's estate (R-CAST-1: an
    owner of one estate proves nothing in another). ``verified`` says the account is identity-verified at all
    (a proxy acts without owning in the estate); by default an owner key implies it, and its absence denies it."""

    account_key: str
    owner_key: str | None
    verified: bool | None = None

    @property
    def is_verified(self) -> bool:
        return self.verified if self.verified is not None else self.owner_key is not None


@dataclass(frozen=True, slots=True, order=True)
class Entitlement:
    basis: ActingBasis
    grant_id: str = ""  # the grant it rests on; "" for OWNER / CO_OWNER


def person_owner_keys(group: VoterGroup, organisation_keys: Iterable[str]) -> frozenset[str]:
    """The group's owners who are natural persons (none in the developer's group, R-HEAD-4)."""
    if group.is_developer:
        return frozenset()
    return group.owner_keys - frozenset(organisation_keys)


def kind_applies(kind: GrantKind, group: VoterGroup, organisation_keys: Iterable[str]) -> bool:
    """Whether a grant of ``kind`` makes sense for this group at all."""
    organisations = frozenset(organisation_keys)
    persons = person_owner_keys(group, organisations)
    if kind is GrantKind.DESIGNATED_REPRESENTATIVE:  # R-CAST-2: a co-owned group with a person to designate
        return len(group.owner_keys) >= 2 and bool(persons)
    if kind in ORGANISATION_KINDS:  # R-CAST-3, R-CAST-6
        return group.is_developer or bool(group.owner_keys & organisations)
    if kind is GrantKind.GUARDIAN:  # R-CAST-5: guardians act for natural persons
        return bool(persons)
    return True  # PROXY (R-CAST-4): any group


def _valid_designation(grant: GrantFacts, group: VoterGroup, persons: frozenset[str], now: datetime) -> bool:
    return (
        grant.kind is GrantKind.DESIGNATED_REPRESENTATIVE
        and len(group.owner_keys) >= 2
        and grant.grantee_owner_key in persons
        and grant.in_force(now)
    )


def designated_owner_keys(
    group: VoterGroup, grants: Iterable[GrantFacts], *, organisation_keys: Iterable[str], now: datetime
) -> frozenset[str]:
    """Owner keys of the co-owners designated (and approved, in force) to act for the group (R-CAST-2)."""
    persons = person_owner_keys(group, organisation_keys)
    return frozenset(
        grant.grantee_owner_key
        for grant in grants
        if _valid_designation(grant, group, persons, now) and grant.grantee_owner_key is not None
    )


def entitlements(
    group: VoterGroup,
    caller: Caller,
    *,
    organisation_keys: Iterable[str],
    grants: Iterable[GrantFacts],
    now: datetime,
    vote_id: str | None = None,
    topic_id: str | None = None,
) -> tuple[Entitlement, ...]:
    """Every basis on which ``caller`` may act for ``group`` now (sorted; empty when none)."""
    _aware(now, "now")
    if not caller.is_verified:  # R-CAST-1
        return ()
    organisations = frozenset(organisation_keys)
    grants = tuple(grants)
    persons = person_owner_keys(group, organisations)
    found: set[Entitlement] = set()
    if caller.owner_key in persons:
        if group.owner_keys == {caller.owner_key}:
            found.add(Entitlement(ActingBasis.OWNER))
        elif not designated_owner_keys(group, grants, organisation_keys=organisations, now=now):
            found.add(Entitlement(ActingBasis.CO_OWNER))  # R-CAST-2
    for grant in grants:
        if grant.grantee_key != caller.account_key or not grant.in_force(now):
            continue
        if not kind_applies(grant.kind, group, organisations):
            continue
        if grant.kind is GrantKind.DESIGNATED_REPRESENTATIVE and not _valid_designation(grant, group, persons, now):
            continue
        if grant.kind is GrantKind.PROXY and not grant.scope.covers(vote_id, topic_id):
            continue
        found.add(Entitlement(ActingBasis(grant.kind.value), grant.grant_id))
    return tuple(sorted(found))


class ActingContext(TypedDict, total=False):
    """What :func:`entitlements`, :func:`bases` and :func:`ensure_may_act` judge a caller against, besides the group:
    the estate's organisation owners, the grants, the time and (for a proxy's scope) the vote and topic."""

    organisation_keys: Required[Iterable[str]]
    grants: Required[Iterable[GrantFacts]]
    now: Required[datetime]
    vote_id: str | None
    topic_id: str | None


def bases(group: VoterGroup, caller: Caller, **context: Unpack[ActingContext]) -> tuple[ActingBasis, ...]:
    """The distinct bases of :func:`entitlements`, sorted."""
    return tuple(sorted({entitlement.basis for entitlement in entitlements(group, caller, **context)}))


def ensure_may_act(group: VoterGroup, caller: Caller, **context: Unpack[ActingContext]) -> tuple[Entitlement, ...]:
    """The caller's entitlements, or ``NotEntitled`` with the most specific reason why there is none."""
    organisations = frozenset(context["organisation_keys"])
    grants = tuple(context["grants"])
    found = entitlements(
        group,
        caller,
        organisation_keys=organisations,
        grants=grants,
        now=context["now"],
        vote_id=context.get("vote_id"),
        topic_id=context.get("topic_id"),
    )
    if found:
        return found
    raise NotEntitled(_reason(group, caller, organisations, grants, context["now"]))


def _reason(
    group: VoterGroup, caller: Caller, organisations: frozenset[str], grants: tuple[GrantFacts, ...], now: datetime
) -> NotEntitledReason:
    if not caller.is_verified:
        return NotEntitledReason.NOT_VERIFIED
    if caller.owner_key in person_owner_keys(group, organisations):
        return NotEntitledReason.DESIGNATED_REPRESENTATIVE_ONLY  # a person owner without a basis: R-CAST-2
    mine = [grant for grant in grants if grant.grantee_key == caller.account_key]
    if any(grant.kind is GrantKind.PROXY and grant.in_force(now) for grant in mine):
        return NotEntitledReason.SCOPE_EXCLUDES_VOTE  # an approved proxy in force gives no basis only by scope
    if mine:
        return NotEntitledReason.GRANT_NOT_IN_FORCE
    if caller.owner_key in group.owner_keys:
        return NotEntitledReason.ORGANISATION_ACTS_THROUGH_REPRESENTATIVE
    return NotEntitledReason.NOT_LINKED


def signatory_keys(
    group: VoterGroup,
    caller: Caller,
    *,
    organisation_keys: Iterable[str],
    grants: Iterable[GrantFacts],
    now: datetime,
) -> frozenset[str]:
    """The owner keys for which ``caller`` signs an authorisation of the group (R-CAST-4).

    A natural-person owner signs for themself; the holder of an in-force legal-representative or
    sealed-authorisation grant signs for the group's organisation owners (the developer in its group).
    """
    if not caller.is_verified:
        return frozenset()
    organisations = frozenset(organisation_keys)
    persons = person_owner_keys(group, organisations)
    keys = {key for key in persons if key == caller.owner_key}  # an owner bound in this estate signs for themself
    for grant in grants:
        if (
            grant.grantee_key == caller.account_key
            and grant.kind in ORGANISATION_KINDS
            and grant.in_force(now)
            and kind_applies(grant.kind, group, organisations)
        ):
            keys |= group.owner_keys - persons
    return frozenset(keys)


def missing_signatures(
    grant: GrantFacts, group: VoterGroup, *, designated_owner_keys: Iterable[str] = ()
) -> frozenset[str]:
    """Owner keys still to sign: none once every owner signed, or a designated representative did."""
    if grant.signed_by & frozenset(designated_owner_keys):
        return frozenset()
    return group.owner_keys - grant.signed_by


def proxy_requirements_met(grant: GrantFacts, group: VoterGroup, *, designated_owner_keys: Iterable[str] = ()) -> bool:
    """R-CAST-4: signed by the owner, by all co-owners, or by the designated representative."""
    return not missing_signatures(grant, group, designated_owner_keys=designated_owner_keys)


def ensure_signatures_complete(
    grant: GrantFacts, group: VoterGroup, *, designated_owner_keys: Iterable[str] = ()
) -> None:
    missing = missing_signatures(grant, group, designated_owner_keys=designated_owner_keys)
    if missing:
        raise SignaturesIncomplete(missing=len(missing), extra={"missing": len(missing)})


def ensure_decidable(grant: GrantFacts) -> None:
    """Only a pending grant is approved or rejected, and only once."""
    if grant.status is not GrantState.PENDING:
        raise GrantAlreadyDecided(status=grant.status.value)


def ensure_revocable(grant: GrantFacts) -> None:
    """A pending or approved grant is revocable until it is used (R-CAST-4)."""
    if grant.status in (GrantState.REJECTED, GrantState.REVOKED):
        raise GrantNotRevocable(status=grant.status.value)
    if grant.used:
        raise GrantAlreadyUsed()
