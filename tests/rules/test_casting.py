"""Who may act for a voter group (R-CAST-1..6): bases, grants, validity windows, signatures, grant states."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.rules import casting
from app.rules.casting import (
    ActingBasis,
    Caller,
    Entitlement,
    GrantFacts,
    GrantKind,
    GrantState,
    NotEntitled,
    NotEntitledReason,
    ProxyScope,
)
from app.rules.errors import NaiveDatetime
from app.rules.roll import VoterGroup, voter_group_key

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
ORG = "org-1"
DEV = "developer"


def group(*owners: str, developer: bool = False) -> VoterGroup:
    return VoterGroup(
        key=voter_group_key(owners),
        owner_keys=frozenset(owners),
        unit_ids=("1-1-101",),
        area=100,
        is_developer=developer,
    )


def grant(
    kind: GrantKind,
    grantee: str = "acc-agent",
    *,
    status: GrantState = GrantState.APPROVED,
    grantee_owner: str | None = None,
    grant_id: str = "g1",
    **kwargs: object,
) -> GrantFacts:
    return GrantFacts(
        grant_id=grant_id, kind=kind, grantee_key=grantee, status=status, grantee_owner_key=grantee_owner, **kwargs
    )  # type: ignore[arg-type]


def bases(g: VoterGroup, caller: Caller, grants=(), orgs=(), **kwargs) -> tuple[ActingBasis, ...]:  # type: ignore[no-untyped-def]
    return casting.bases(g, caller, organisation_keys=orgs, grants=grants, now=NOW, **kwargs)


WANG = Caller("acc-wang", "p-wang")
LI = Caller("acc-li", "p-li")
ZHANG = Caller("acc-zhang", "p-zhang")
AGENT = Caller("acc-agent", "p-agent")
UNVERIFIED = Caller("acc-agent", None)


# --- Owners of record (R-CAST-1, R-CAST-2) ---


def test_sole_natural_person_owner_acts_as_owner():
    assert bases(group("p-wang"), WANG) == (ActingBasis.OWNER,)
    assert casting.entitlements(group("p-wang"), WANG, organisation_keys=(), grants=(), now=NOW) == (
        Entitlement(ActingBasis.OWNER),
    )


def test_any_verified_co_owner_acts_as_co_owner():
    co_owned = group("p-li", "p-zhang")
    assert bases(co_owned, LI) == (ActingBasis.CO_OWNER,)
    assert bases(co_owned, ZHANG) == (ActingBasis.CO_OWNER,)


def test_partial_overlap_groups_are_separate():  # R-HEAD-3: {X} and {X, Y} give X two different bases
    assert bases(group("p-li"), LI) == (ActingBasis.OWNER,)
    assert bases(group("p-li", "p-zhang"), LI) == (ActingBasis.CO_OWNER,)


def test_unverified_caller_never_acts():
    with pytest.raises(NotEntitled) as caught:
        casting.ensure_may_act(group("p-wang"), Caller("acc-wang", None), organisation_keys=(), grants=(), now=NOW)
    assert caught.value.reason is NotEntitledReason.NOT_VERIFIED
    assert caught.value.code == "cast.not_entitled"
    assert caught.value.status == 403
    assert caught.value.extra == {"reason": "not_verified"}
    assert "实名" in caught.value.message("zh")
    assert "identity-verified" in caught.value.message("en")
    assert (
        casting.signatory_keys(group("p-wang"), Caller("acc-wang", None), organisation_keys=(), grants=(), now=NOW)
        == frozenset()
    )


def test_a_verified_caller_not_bound_in_the_estate_acts_only_through_grants():
    # R-CAST-1: verified in another estate (no owner binding here): never an owner here, but a proxy still acts.
    unbound = Caller("acc-wang", None, verified=True)
    assert unbound.is_verified
    with pytest.raises(NotEntitled) as caught:
        casting.ensure_may_act(group("p-wang"), unbound, organisation_keys=(), grants=(), now=NOW)
    assert caught.value.reason is NotEntitledReason.NOT_LINKED
    assert bases(group("p-wang"), unbound, [grant(GrantKind.PROXY, "acc-wang")]) == (ActingBasis.PROXY,)
    assert not Caller("acc-wang", "p-wang", verified=False).is_verified
    org_group = group(ORG)
    representative = [grant(GrantKind.LEGAL_REPRESENTATIVE, "acc-wang")]
    signs = casting.signatory_keys(org_group, unbound, organisation_keys=(ORG,), grants=representative, now=NOW)
    assert signs == frozenset({ORG})  # a legal representative signs for the organisation without owning here
    assert casting.signatory_keys(group("p-wang"), unbound, organisation_keys=(), grants=(), now=NOW) == frozenset()


def test_stranger_is_not_linked():
    with pytest.raises(NotEntitled) as caught:
        casting.ensure_may_act(group("p-wang"), AGENT, organisation_keys=(), grants=(), now=NOW)
    assert caught.value.reason is NotEntitledReason.NOT_LINKED


def test_ensure_may_act_returns_the_entitlements():
    found = casting.ensure_may_act(group("p-wang"), WANG, organisation_keys=(), grants=(), now=NOW)
    assert found == (Entitlement(ActingBasis.OWNER),)


# --- Designated representative (R-CAST-2 CHOICE) ---


def test_designated_representative_replaces_co_owner_basis():
    co_owned = group("p-li", "p-zhang")
    designation = grant(GrantKind.DESIGNATED_REPRESENTATIVE, "acc-li", grantee_owner="p-li")
    assert bases(co_owned, LI, [designation]) == (ActingBasis.DESIGNATED_REPRESENTATIVE,)
    assert bases(co_owned, ZHANG, [designation]) == ()
    with pytest.raises(NotEntitled) as caught:
        casting.ensure_may_act(co_owned, ZHANG, organisation_keys=(), grants=[designation], now=NOW)
    assert caught.value.reason is NotEntitledReason.DESIGNATED_REPRESENTATIVE_ONLY
    assert casting.designated_owner_keys(co_owned, [designation], organisation_keys=(), now=NOW) == {"p-li"}


@pytest.mark.parametrize("status", [GrantState.PENDING, GrantState.REJECTED, GrantState.REVOKED])
def test_a_designation_not_approved_changes_nothing(status):
    co_owned = group("p-li", "p-zhang")
    designation = grant(GrantKind.DESIGNATED_REPRESENTATIVE, "acc-li", grantee_owner="p-li", status=status)
    assert bases(co_owned, ZHANG, [designation]) == (ActingBasis.CO_OWNER,)
    assert bases(co_owned, LI, [designation]) == (ActingBasis.CO_OWNER,)


def test_an_expired_designation_changes_nothing():
    co_owned = group("p-li", "p-zhang")
    designation = grant(GrantKind.DESIGNATED_REPRESENTATIVE, "acc-li", grantee_owner="p-li", valid_until=NOW)
    assert bases(co_owned, ZHANG, [designation]) == (ActingBasis.CO_OWNER,)


def test_designation_of_a_non_co_owner_is_void():
    co_owned = group("p-li", "p-zhang")
    designation = grant(GrantKind.DESIGNATED_REPRESENTATIVE, "acc-agent", grantee_owner="p-agent")
    assert bases(co_owned, AGENT, [designation]) == ()
    assert bases(co_owned, ZHANG, [designation]) == (ActingBasis.CO_OWNER,)
    with pytest.raises(NotEntitled) as caught:
        casting.ensure_may_act(co_owned, AGENT, organisation_keys=(), grants=[designation], now=NOW)
    assert caught.value.reason is NotEntitledReason.GRANT_NOT_IN_FORCE


def test_designation_for_a_sole_owner_group_does_not_apply():
    sole = group("p-li")
    designation = grant(GrantKind.DESIGNATED_REPRESENTATIVE, "acc-li", grantee_owner="p-li")
    assert bases(sole, LI, [designation]) == (ActingBasis.OWNER,)
    assert casting.designated_owner_keys(sole, [designation], organisation_keys=(), now=NOW) == frozenset()


# --- Organisations and the developer (R-CAST-3, R-CAST-6) ---


def test_organisation_acts_only_through_representatives():
    owned = group(ORG)
    org_self = Caller("acc-org", ORG)  # an organisation's own key is never a natural person
    assert bases(owned, org_self, orgs={ORG}) == ()
    with pytest.raises(NotEntitled) as caught:
        casting.ensure_may_act(owned, org_self, organisation_keys={ORG}, grants=(), now=NOW)
    assert caught.value.reason is NotEntitledReason.ORGANISATION_ACTS_THROUGH_REPRESENTATIVE
    legal = grant(GrantKind.LEGAL_REPRESENTATIVE, "acc-agent", grant_id="g-legal")
    sealed = grant(GrantKind.SEALED_AUTHORISATION, "acc-agent", grant_id="g-sealed")
    assert casting.entitlements(owned, AGENT, organisation_keys={ORG}, grants=[sealed, legal], now=NOW) == (
        Entitlement(ActingBasis.LEGAL_REPRESENTATIVE, "g-legal"),
        Entitlement(ActingBasis.SEALED_AUTHORISATION, "g-sealed"),
    )


def test_developer_group_acts_through_representatives_and_proxies():
    dev = group(DEV, developer=True)
    legal = grant(GrantKind.LEGAL_REPRESENTATIVE, grant_id="a")
    proxy = grant(GrantKind.PROXY, grant_id="b")
    guardian = grant(GrantKind.GUARDIAN, grant_id="c")
    designation = grant(GrantKind.DESIGNATED_REPRESENTATIVE, grantee_owner="p-agent", grant_id="d")
    assert bases(dev, AGENT, [legal, proxy, guardian, designation]) == (
        ActingBasis.LEGAL_REPRESENTATIVE,
        ActingBasis.PROXY,
    )
    # the developer key need not be listed as an organisation: the developer's group has no natural persons
    assert bases(dev, Caller("acc-dev", DEV)) == ()


def test_representative_grants_do_not_apply_to_person_groups():
    assert bases(group("p-wang"), AGENT, [grant(GrantKind.LEGAL_REPRESENTATIVE)]) == ()
    with pytest.raises(NotEntitled) as caught:
        casting.ensure_may_act(
            group("p-wang"), AGENT, organisation_keys=(), grants=[grant(GrantKind.SEALED_AUTHORISATION)], now=NOW
        )
    assert caught.value.reason is NotEntitledReason.GRANT_NOT_IN_FORCE


def test_mixed_person_and_organisation_group():
    mixed = group("p-li", ORG)
    assert bases(mixed, LI, orgs={ORG}) == (ActingBasis.CO_OWNER,)
    assert bases(mixed, AGENT, [grant(GrantKind.LEGAL_REPRESENTATIVE)], orgs={ORG}) == (
        ActingBasis.LEGAL_REPRESENTATIVE,
    )


# --- Guardian (R-CAST-5) ---


def test_guardian_acts_for_a_natural_person_group():
    assert bases(group("p-minor"), AGENT, [grant(GrantKind.GUARDIAN)]) == (ActingBasis.GUARDIAN,)
    assert bases(group(ORG), AGENT, [grant(GrantKind.GUARDIAN)], orgs={ORG}) == ()


# --- Proxy (R-CAST-4, R-OWN-2) ---


def test_approved_proxy_acts():
    proxy = grant(GrantKind.PROXY, grant_id="p1")
    assert casting.entitlements(group("p-wang"), AGENT, organisation_keys=(), grants=[proxy], now=NOW) == (
        Entitlement(ActingBasis.PROXY, "p1"),
    )


@pytest.mark.parametrize("status", [GrantState.PENDING, GrantState.REJECTED, GrantState.REVOKED])
def test_proxy_not_approved_never_counts(status):
    proxy = grant(GrantKind.PROXY, status=status)
    with pytest.raises(NotEntitled) as caught:
        casting.ensure_may_act(group("p-wang"), AGENT, organisation_keys=(), grants=[proxy], now=NOW)
    assert caught.value.reason is NotEntitledReason.GRANT_NOT_IN_FORCE


@pytest.mark.parametrize(
    ("valid_from", "valid_until", "counts"),
    [
        (None, None, True),
        (NOW, None, True),  # valid_from is inclusive
        (NOW + timedelta(microseconds=1), None, False),  # not yet valid
        (None, NOW, False),  # valid_until is exclusive: expired at that instant
        (None, NOW + timedelta(microseconds=1), True),
        (NOW - timedelta(days=1), NOW + timedelta(days=1), True),
    ],
)
def test_validity_window_boundaries(valid_from, valid_until, counts):
    proxy = grant(GrantKind.PROXY, valid_from=valid_from, valid_until=valid_until)
    assert proxy.in_force(NOW) is counts
    assert bases(group("p-wang"), AGENT, [proxy]) == ((ActingBasis.PROXY,) if counts else ())


def test_proxy_scope_covers_named_votes_and_topics_only():
    proxy = grant(GrantKind.PROXY, scope=ProxyScope(vote_ids=frozenset({"v1"}), topic_ids=frozenset({"t1"})))
    owned = group("p-wang")
    assert bases(owned, AGENT, [proxy]) == (ActingBasis.PROXY,)  # no vote given: listing still shows it
    assert bases(owned, AGENT, [proxy], vote_id="v1") == (ActingBasis.PROXY,)
    assert bases(owned, AGENT, [proxy], vote_id="v1", topic_id="t1") == (ActingBasis.PROXY,)
    assert bases(owned, AGENT, [proxy], vote_id="v2") == ()
    assert bases(owned, AGENT, [proxy], vote_id="v1", topic_id="t2") == ()
    with pytest.raises(NotEntitled) as caught:
        casting.ensure_may_act(owned, AGENT, organisation_keys=(), grants=[proxy], now=NOW, vote_id="v2")
    assert caught.value.reason is NotEntitledReason.SCOPE_EXCLUDES_VOTE
    assert "does not cover" in caught.value.message("en")


def test_unscoped_proxy_covers_any_vote():
    assert ProxyScope().covers("v9", "t9")


def test_grants_to_other_accounts_are_ignored():
    proxy = grant(GrantKind.PROXY, "acc-someone-else")
    assert bases(group("p-wang"), AGENT, [proxy]) == ()
    with pytest.raises(NotEntitled) as caught:
        casting.ensure_may_act(group("p-wang"), AGENT, organisation_keys=(), grants=[proxy], now=NOW)
    assert caught.value.reason is NotEntitledReason.NOT_LINKED


def test_owner_and_proxy_bases_combine_sorted():
    proxy = grant(GrantKind.PROXY, "acc-li")
    assert bases(group("p-li", "p-zhang"), LI, [proxy]) == (ActingBasis.CO_OWNER, ActingBasis.PROXY)


def test_unverified_proxy_agent_does_not_act():
    assert bases(group("p-wang"), UNVERIFIED, [grant(GrantKind.PROXY)]) == ()


# --- Naive datetimes are refused ---


def test_naive_now_is_refused():
    with pytest.raises(NaiveDatetime):
        casting.entitlements(group("p-wang"), WANG, organisation_keys=(), grants=(), now=datetime(2027, 1, 1))  # noqa: DTZ001


@pytest.mark.parametrize("name", ["valid_from", "valid_until"])
def test_naive_grant_bounds_are_refused(name):
    with pytest.raises(NaiveDatetime):
        grant(GrantKind.PROXY, **{name: datetime(2027, 1, 1)})  # noqa: DTZ001


# --- Kinds that apply ---


@pytest.mark.parametrize(
    ("kind", "target", "orgs", "applies"),
    [
        (GrantKind.DESIGNATED_REPRESENTATIVE, group("p-li", "p-zhang"), (), True),
        (GrantKind.DESIGNATED_REPRESENTATIVE, group("p-li"), (), False),
        (GrantKind.DESIGNATED_REPRESENTATIVE, group(ORG, "org-2"), (ORG, "org-2"), False),
        (GrantKind.LEGAL_REPRESENTATIVE, group(ORG), (ORG,), True),
        (GrantKind.SEALED_AUTHORISATION, group(DEV, developer=True), (), True),
        (GrantKind.LEGAL_REPRESENTATIVE, group("p-li"), (), False),
        (GrantKind.GUARDIAN, group("p-li"), (), True),
        (GrantKind.GUARDIAN, group(DEV, developer=True), (), False),
        (GrantKind.PROXY, group(DEV, developer=True), (), True),
    ],
)
def test_kind_applies(kind, target, orgs, applies):
    assert casting.kind_applies(kind, target, orgs) is applies


# --- Signatures (R-CAST-4) ---


def test_signatory_keys():
    co_owned = group("p-li", "p-zhang")
    assert casting.signatory_keys(co_owned, LI, organisation_keys=(), grants=(), now=NOW) == {"p-li"}
    assert casting.signatory_keys(co_owned, AGENT, organisation_keys=(), grants=(), now=NOW) == frozenset()
    org = group(ORG)
    legal = grant(GrantKind.LEGAL_REPRESENTATIVE)
    assert casting.signatory_keys(org, AGENT, organisation_keys={ORG}, grants=[legal], now=NOW) == {ORG}
    pending = grant(GrantKind.LEGAL_REPRESENTATIVE, status=GrantState.PENDING)
    assert casting.signatory_keys(org, AGENT, organisation_keys={ORG}, grants=[pending], now=NOW) == frozenset()
    proxy = grant(GrantKind.PROXY)  # a proxy never signs a further authorisation
    assert casting.signatory_keys(org, AGENT, organisation_keys={ORG}, grants=[proxy], now=NOW) == frozenset()
    other = grant(GrantKind.LEGAL_REPRESENTATIVE, "acc-other")
    assert casting.signatory_keys(org, AGENT, organisation_keys={ORG}, grants=[other], now=NOW) == frozenset()
    misplaced = grant(GrantKind.LEGAL_REPRESENTATIVE)  # on a group of persons it signs for nobody
    assert casting.signatory_keys(co_owned, AGENT, organisation_keys=(), grants=[misplaced], now=NOW) == frozenset()
    dev = group(DEV, developer=True)
    assert casting.signatory_keys(dev, AGENT, organisation_keys=(), grants=[legal], now=NOW) == {DEV}


def test_sole_owner_signature_is_enough():
    proxy = grant(GrantKind.PROXY, signed_by=frozenset({"p-wang"}))
    assert casting.proxy_requirements_met(proxy, group("p-wang"))
    casting.ensure_signatures_complete(proxy, group("p-wang"))


def test_co_owned_group_needs_every_co_owner():
    co_owned = group("p-li", "p-zhang")
    one = grant(GrantKind.PROXY, signed_by=frozenset({"p-li"}))
    assert not casting.proxy_requirements_met(one, co_owned)
    assert casting.missing_signatures(one, co_owned) == {"p-zhang"}
    with pytest.raises(casting.SignaturesIncomplete) as caught:
        casting.ensure_signatures_complete(one, co_owned)
    assert caught.value.code == "grant.signatures_incomplete"
    assert caught.value.status == 422
    assert caught.value.extra == {"missing": 1}
    both = grant(GrantKind.PROXY, signed_by=frozenset({"p-li", "p-zhang"}))
    assert casting.proxy_requirements_met(both, co_owned)


def test_designated_representative_signature_is_enough():
    co_owned = group("p-li", "p-zhang")
    one = grant(GrantKind.PROXY, signed_by=frozenset({"p-li"}))
    assert casting.proxy_requirements_met(one, co_owned, designated_owner_keys={"p-li"})
    assert not casting.proxy_requirements_met(one, co_owned, designated_owner_keys={"p-zhang"})


def test_no_signatures_at_all():
    assert casting.missing_signatures(grant(GrantKind.PROXY), group("p-wang")) == {"p-wang"}


# --- Grant states ---


def test_only_pending_grants_are_decided():
    casting.ensure_decidable(grant(GrantKind.PROXY, status=GrantState.PENDING))
    for status in (GrantState.APPROVED, GrantState.REJECTED, GrantState.REVOKED):
        with pytest.raises(casting.GrantAlreadyDecided) as caught:
            casting.ensure_decidable(grant(GrantKind.PROXY, status=status))
        assert caught.value.status == 409
        assert status.value in caught.value.message("en")


def test_revocable_until_used():
    casting.ensure_revocable(grant(GrantKind.PROXY, status=GrantState.PENDING))
    casting.ensure_revocable(grant(GrantKind.PROXY, status=GrantState.APPROVED))
    with pytest.raises(casting.GrantAlreadyUsed):
        casting.ensure_revocable(grant(GrantKind.PROXY, used=True))
    for status in (GrantState.REJECTED, GrantState.REVOKED):
        with pytest.raises(casting.GrantNotRevocable):
            casting.ensure_revocable(grant(GrantKind.PROXY, status=status))


@pytest.mark.parametrize("reason", list(NotEntitledReason))
def test_every_reason_has_both_languages(reason):
    error = NotEntitled(reason)
    assert error.message("zh") != error.message("en")
    assert str(error) == error.message("en")
