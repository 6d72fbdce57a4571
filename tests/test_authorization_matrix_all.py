"""Every operation of the OpenAPI document × every principal (issue #9 item 5): who reaches what.

World (built once per backend, through the services and the API as a user would leave it):

* estate A (street office SA, community CA) with the section-P register; an open vote V (owner 王一 has cast,
  the log is integrated so his receipt exists, the street office ordered a correction), a draft vote D with a
  topic and an attachment, a pending proxy grant, a petition, a manual verification request, a notice whose
  outbox message is dead;
* estate B in another street office, with a register of its own owner.

Principals: ``anonymous``; ``admin`` (an operator API key); the street office, committee, observer and auditor
of A and the same four of B (accounts holding one scoped grant); ``owner_a`` (王一, verified, group A),
``owner_a2`` (李二, verified, other groups of A), ``owner_b`` (verified owner of B) and ``unverified``.

Each (operation, principal) pair expects one outcome class:

* ``OK`` — the handler ran with permission: 2xx, or a domain refusal other than 401/403/404 (e.g. 409 "vote
  frozen", 422 "mismatch"), never a request-validation 422 (the bodies are valid, so a 422 ``request.invalid``
  would mean the permission check was never reached);
* ``401`` / ``403`` / ``404`` — denied with exactly that status (404 for places the caller has no role on, so
  their existence is not disclosed; 403 for a role that sees the object but may not act);
* ``PUBLIC`` — needs no credential: every principal, anonymous included, gets the same answer, never 5xx.

Every request runs in a SAVEPOINT that is rolled back afterwards, so each pair meets the same world. For a denied
request other than GET, the rows of every table are fingerprinted before and after: a refusal must write nothing
(no audit entry, no vote or topic change, no supervision act, no notice).

The table must classify every operation in ``app.openapi()``; a new endpoint fails the test until it is added.
"""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from app.assembly.models import PublicityItem, PublicityObjection
from app.audit.integrator import integrate_once
from app.common.access import Principal, Role, Scope
from app.db.base import Base, utcnow
from app.grant.models import ActingGrant, ActingKind, GrantStatus
from app.identity.models import RoleGrant
from app.identity.service import OPERATOR
from app.notice.models import OutboxStatus
from app.objection import service as objection_service
from app.objection.schemas import ObjectionCreate
from app.register.models import OwnerKind
from app.register.parsing import RegisterFormat
from app.register.repository import get_or_create_owner
from app.register.service import import_register
from tests.ballot.helpers import LI, WANG, ZHAO, answers_for, group_of, owner_id
from tests.factories import bearer, make_account, make_api_key, make_places
from tests.factories_vote import make_vote, yes_no_topic
from tests.notice.helpers import HEADER, notice_for, outbox_of, resident_id

NOW = utcnow().replace(microsecond=0)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
ID_B = resident_id("11010519900202456")  # the one owner of estate B (in no other register)
ID_APPLICANT = resident_id("11010519910303789")  # applies for manual review in A
ID_PERSON = resident_id("11010519920606123")  # verified as a person, no home, no grant
ID_GRANTEE = resident_id("11010519700707456")  # the company's legal representative in A, no home
PHONE_OWNER_A2 = "13900000902"
SUPERVISION = {"reason": "表决程序违反议事规则", "document_ref": "朝东街发〔2025〕12号"}

FEE_BODY = {"year": 2000, "half": 1, "source": "COMMITTEE_RECORDS", "source_document_sha256": "5" * 64, "entries": []}

OK, PUBLIC = "OK", "PUBLIC"
PRINCIPALS = (
    "anonymous", "admin",
    "so_a", "committee_a", "observer_a", "auditor_a",
    "so_b", "committee_b", "observer_b", "auditor_b",
    "owner_a", "owner_a2", "owner_b", "unverified", "grantee_a", "person",
)  # fmt: skip
MANAGERS_A = ("admin", "so_a", "committee_a")
READERS_A = ("observer_a", "auditor_a")
STAFF_A = MANAGERS_A + READERS_A
STAFF_B = ("so_b", "committee_b", "observer_b", "auditor_b")
OWNERS_A = ("owner_a", "owner_a2")
# Issue #19 item 5: the company's legal representative in A (no home, an approved grant in force) reads what A's
# owners read of the votes; ``person`` is verified as a person, owns no home and holds no grant: A is not found.
ACTING_A = (*OWNERS_A, "grantee_a")
ACCOUNTS = (
    "so_a", "committee_a", "observer_a", "auditor_a", *STAFF_B, *OWNERS_A, "owner_b", "unverified", "grantee_a",
    "person",
)  # fmt: skip


def expect(default: str, *groups: tuple[tuple[str, ...] | str, str]) -> dict[str, str]:
    """Every principal gets ``default`` (anonymous 401) unless a later (principals, outcome) pair says otherwise."""
    table = dict.fromkeys(PRINCIPALS, default) | {"anonymous": "401"}
    for names, outcome in groups:
        for name in (names,) if isinstance(names, str) else names:
            table[name] = outcome
    return table


PUBLIC_ALL = dict.fromkeys(PRINCIPALS, PUBLIC)
ANY_SIGNED_IN = expect(OK)
ADMIN_ONLY = expect("403", ("admin", OK))
# Organiser work on A: managers act, observer/auditor see the estate (403), everybody else 404 (not disclosed).
ORGANISERS_A = expect("404", (MANAGERS_A, OK), (READERS_A, "403"))
# R-LIFE-1 with R-SUP-1: on the committee's votes the street office supervises; it does not act as the organiser.
VOTE_ORGANISERS_A = expect(
    "404", (("admin", "committee_a"), OK), (READERS_A, "403"), ("so_a", "403:vote.not_organiser")
)
STAFF_OF_A = expect("404", (STAFF_A, OK))
# Supervision (R-SUP-1, Beijing Art. 51): the street office of the jurisdiction and operators; A's other roles 403.
SUPERVISORS_A = expect("404", (("admin", "so_a"), OK), (("committee_a", *READERS_A), "403"))
# Account-only endpoints: operators' API keys have no account.
ACCOUNT_ONLY = expect(OK, ("admin", "403"))
VERIFIED_ONLY = expect("403", (OWNERS_A, OK), ("owner_b", OK), ("grantee_a", OK), ("person", OK))
# R-ROLL-7: the roll with owners' names: A's owners and organisers; the residents' committee and the auditor 403.
ROLL_READERS_A = expect("404", (MANAGERS_A, OK), (READERS_A, "403"), (OWNERS_A, OK))


@dataclass(frozen=True)
class Call:
    """How to call one operation, and what each principal must get."""

    expected: dict[str, str]
    params: dict[str, str] = field(default_factory=dict)  # path parameters overriding the world's defaults
    body: Callable[[World, str], dict[str, Any]] | None = None  # (world, principal) → httpx keyword arguments
    note: str = ""


@dataclass
class World:
    ids: dict[str, str]  # path parameter → value (estate_id → A, vote_id → V, …)
    headers: dict[str, dict[str, str]]
    extra: dict[str, Any]


async def _person(session, cipher, id_number: str) -> uuid.UUID:  # type: ignore[no-untyped-def]
    """A person's identity as verification records one for someone in no register (issue #19 item 5)."""
    owner = await get_or_create_owner(session, kind=OwnerKind.PERSON, identifier=id_number, cipher=cipher)
    return owner.id


def _json(factory: Callable[[World], Any]) -> Callable[[World, str], dict[str, Any]]:
    return lambda world, principal: {"json": factory(world)}


def _static(value: Any) -> Callable[[World, str], dict[str, Any]]:
    return lambda world, principal: {"json": value}


def _vote_body(world: World | None, principal: str = "admin") -> dict[str, Any]:
    start = NOW + timedelta(days=20)
    return {
        "json": {
            "title": "临时会议",
            # R-LIFE-1: a street office convenes only in its own name.
            "organiser_kind": "STREET_OFFICE" if principal in ("so_a", "so_b") else "OWNERS_COMMITTEE",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(days=7)).isoformat(),
        }
    }


TOPIC_BODY = {
    "title": "续聘物业服务企业",
    "text": "全文",
    "kind": "YES_NO",
    "matters": ["HIRE_DISMISS_PROVIDER"],
    "declaration_property_management": True,
}
DRAFT = {"vote_id": "draft_vote_id"}  # operations on topics and attachments work on the draft D
ARCHIVED_VOTE = {"vote_id": "vote_id"}

# (METHOD, path) → Call. Comments name the rule or the check that makes the row what it is.
MATRIX: dict[tuple[str, str], Call] = {
    # --- health, public log and sign-in: no credential involved -------------------------------------------------
    ("GET", "/healthz"): Call(PUBLIC_ALL),
    ("GET", "/readyz"): Call(PUBLIC_ALL),
    ("GET", "/api/v1/auth/jwks"): Call(PUBLIC_ALL),
    ("POST", "/api/v1/auth/codes"): Call(PUBLIC_ALL, body=_static({"phone": "13900000999"})),
    ("POST", "/api/v1/auth/login"): Call(PUBLIC_ALL, body=_static({"phone": "13900000999", "code": "000000"})),
    ("POST", "/api/v1/auth/refresh"): Call(PUBLIC_ALL, body=_static({"refresh_token": "x" * 40})),
    ("POST", "/api/v1/auth/logout"): Call(PUBLIC_ALL, body=_static({"refresh_token": "x" * 40})),
    ("GET", "/api/v1/log/checkpoint"): Call(PUBLIC_ALL),
    ("GET", "/api/v1/log/checkpoints/{size}"): Call(PUBLIC_ALL),
    ("GET", "/api/v1/log/consistency"): Call(PUBLIC_ALL, body=lambda w, _: {"params": {"first": 1, "second": 2}}),
    ("GET", "/api/v1/log/entries"): Call(PUBLIC_ALL, body=lambda w, _: {"params": {"start": 0, "end": 2}}),
    ("GET", "/api/v1/log/entries/{entry_id}/inclusion"): Call(PUBLIC_ALL),
    # Restricted payloads: the operator, street offices and auditors, each its own estates' entries in full; B's
    # supervisors see of A only what the public log shows anyone.
    ("GET", "/api/v1/audit/entries"): Call(
        expect("403", (("admin", "so_a", "auditor_a"), OK), (("so_b", "auditor_b"), PUBLIC)),
        body=lambda w, _: {"params": {"start": 0, "end": 2}},
    ),
    ("GET", "/api/v1/log/keys"): Call(PUBLIC_ALL),
    ("POST", "/api/v1/log/witness/cosign"): Call(PUBLIC_ALL, body=lambda w, _: {"json": {"note": w.extra["note"]}}),
    # --- the signed-in caller's own things -------------------------------------------------------------------------
    ("GET", "/api/v1/me"): Call(ACCOUNT_ONLY),
    ("GET", "/api/v1/me/grants"): Call(ACCOUNT_ONLY),
    ("GET", "/api/v1/me/groups"): Call(VERIFIED_ONLY, note="R-CAST-1: only verified owners have groups"),
    ("GET", "/api/v1/me/notices"): Call(ANY_SIGNED_IN),
    ("GET", "/api/v1/me/notices/unread-count"): Call(ANY_SIGNED_IN),
    ("POST", "/api/v1/me/notices/{notice_id}/read"): Call(
        expect("404", (ACTING_A, OK)), note="only a notice of the caller's own feed: A's owners and its grantee"
    ),
    ("GET", "/api/v1/me/estates"): Call(ANY_SIGNED_IN, note="the caller's own estates only (none for staff)"),
    ("GET", "/api/v1/me/votes"): Call(ANY_SIGNED_IN, note="the caller's own votes only (none for staff)"),
    # R-PART-4 / R-PART-5: an account's own push devices and deliveries; an operator's API key has none.
    ("POST", "/api/v1/me/devices"): Call(
        ACCOUNT_ONLY, body=_static({"platform": "FCM", "token": "fcm-token-0123456789", "label": "手机"})
    ),
    ("GET", "/api/v1/me/devices"): Call(ACCOUNT_ONLY),
    ("DELETE", "/api/v1/me/devices/{device_id}"): Call(
        expect("404", ("owner_a", OK), ("admin", "403")), note="王一's device: anyone else's request 404"
    ),
    ("GET", "/api/v1/me/deliveries"): Call(ACCOUNT_ONLY),
    ("GET", "/api/v1/me/verification"): Call(ACCOUNT_ONLY),
    ("POST", "/api/v1/me/verification"): Call(
        ACCOUNT_ONLY, body=_static({"id_number": ID_APPLICANT, "certificate_number": "京(2019)朝阳区不动产权第1号"})
    ),
    # The handler ran for every account: it judged the (forged) assertion; an API key has no account to verify.
    ("POST", "/api/v1/me/verification/idp"): Call(
        expect("401:verification.assertion_invalid", ("admin", "403")), body=_static({"assertion": "e30.e30.e30"})
    ),
    ("POST", "/api/v1/me/verification/manual"): Call(
        ACCOUNT_ONLY,
        body=lambda w, _: {
            "data": {
                "estate_id": w.ids["estate_id"],
                "id_number": resident_id("11010519920404111"),
                "name": "孙七",
                "document_type": "RESIDENT_ID_CARD",
            },
            "files": {"file": ("id.png", PNG, "image/png")},
        },
    ),
    ("GET", "/api/v1/receipts/{entry_id}"): Call(
        expect("404", ("owner_a", OK)), note="a receipt only to the account that cast the ballot (another group: 404)"
    ),
    ("GET", "/api/v1/receipts/{entry_id}/counted"): Call(
        expect("404", ("owner_a", OK)),
        note="the counted proof only to the caster (V is open: 409 vote_not_closed); anyone else: 404",
    ),
    # --- places and staff ------------------------------------------------------------------------------------------
    ("GET", "/api/v1/districts"): Call(ANY_SIGNED_IN),
    ("GET", "/api/v1/street-offices"): Call(ANY_SIGNED_IN),
    ("GET", "/api/v1/communities"): Call(ANY_SIGNED_IN),
    ("GET", "/api/v1/estates"): Call(
        ANY_SIGNED_IN,
        body=lambda w, _: {"params": {"community_id": w.extra["community_a"]}},
        note="filtered to the caller's places: outsiders asking for A's community see nothing of A",
    ),
    ("POST", "/api/v1/districts"): Call(ADMIN_ONLY, body=_static({"code": "110101", "name": "东城区"})),
    ("POST", "/api/v1/street-offices"): Call(
        ADMIN_ONLY, body=lambda w, _: {"json": {"district_id": w.extra["district_a"], "name": "新街道"}}
    ),
    # ensure_can_manage_street_office: anyone but the operator and that street office gets 404.
    ("POST", "/api/v1/communities"): Call(
        expect("404", (("admin", "so_a"), OK)),
        body=lambda w, _: {"json": {"street_office_id": w.extra["street_office_a"], "name": "新社区"}},
    ),
    ("POST", "/api/v1/estates"): Call(
        expect("404", (("admin", "so_a"), OK)),
        body=lambda w, _: {"json": {"community_id": w.extra["community_a"], "name": "新小区"}},
    ),
    ("GET", "/api/v1/estates/{estate_id}"): Call(expect("404", (STAFF_A, OK), (ACTING_A, OK))),
    # R-PLACE-3: edits by the operator and the street office of the jurisdiction; anyone else: 404 (not disclosed).
    ("PATCH", "/api/v1/estates/{estate_id}"): Call(
        expect("404", (("admin", "so_a"), OK)), body=_static({"name": "上京家园（更正）"})
    ),
    ("PATCH", "/api/v1/street-offices/{street_office_id}"): Call(
        expect("404", (("admin", "so_a"), OK)), body=_static({"name": "东湖街道（更正）"})
    ),
    ("PATCH", "/api/v1/communities/{community_id}"): Call(
        expect("404", (("admin", "so_a"), OK)), body=_static({"name": "望京西园社区（更正）"})
    ),
    # R-PLACE-4: merging a duplicate is the operator's (A's district is B's: merging it into itself is a 422).
    ("POST", "/api/v1/districts/{district_id}/merge"): Call(
        ADMIN_ONLY, body=lambda w, _: {"json": {"into_id": w.extra["district_a"]}}
    ),
    ("POST", "/api/v1/street-offices/{street_office_id}/merge"): Call(
        ADMIN_ONLY, body=lambda w, _: {"json": {"into_id": w.extra["street_office_b"]}}
    ),
    ("POST", "/api/v1/communities/{community_id}/merge"): Call(
        ADMIN_ONLY, body=lambda w, _: {"json": {"into_id": w.extra["community_b"]}}
    ),
    ("GET", "/api/v1/street-offices/{street_office_id}/overview"): Call(expect("404", (("admin", "so_a"), OK))),
    ("POST", "/api/v1/api-keys"): Call(
        expect("403", (("admin", "so_a"), OK), ("so_b", "404")),
        body=lambda w, _: {"json": {"name": "svc", "role": "AUDITOR", "estate_id": w.ids["estate_id"]}},
    ),
    ("GET", "/api/v1/staff"): Call(
        expect("403", (("admin", "so_a"), OK), ("so_b", "404")),
        body=lambda w, _: {"params": {"estate_id": w.ids["estate_id"]}},
        note="each street office sees its jurisdiction: B's asking for A's estate is told it does not exist",
    ),
    ("POST", "/api/v1/staff"): Call(
        expect("403", (("admin", "so_a"), OK), ("so_b", "404")),
        body=lambda w, _: {
            "json": {"phone": "13900000777", "display_name": "钱审", "role": "AUDITOR", "estate_id": w.ids["estate_id"]}
        },
    ),
    ("DELETE", "/api/v1/staff/grants/{grant_id}"): Call(
        expect("403", (("admin", "so_a"), OK), ("so_b", "404")), params={"grant_id": "staff_grant_id"}
    ),
    ("GET", "/api/v1/admin/outbox"): Call(ADMIN_ONLY),
    ("POST", "/api/v1/admin/outbox/{message_id}/retry"): Call(ADMIN_ONLY),
    # --- the estate's register, roll, reviews, notices, reminders -------------------------------------------------
    ("POST", "/api/v1/estates/{estate_id}/register/imports"): Call(
        ORGANISERS_A, body=lambda w, _: {"files": {"file": ("r.csv", w.extra["register_a"], "text/csv")}}
    ),
    ("GET", "/api/v1/estates/{estate_id}/register/versions"): Call(STAFF_OF_A),
    ("GET", "/api/v1/register/template"): Call(ANY_SIGNED_IN, note="a blank template: nothing of any estate"),
    # --- the rules of procedure (R-PROC-1..3) ---------------------------------------------------------------------
    ("POST", "/api/v1/estates/{estate_id}/procedure-rules"): Call(
        ORGANISERS_A, body=lambda w, _: {"json": {"document": {"blank_ballots": "NOT_COUNTED"}}}
    ),
    ("GET", "/api/v1/estates/{estate_id}/procedure-rules"): Call(STAFF_OF_A),
    ("GET", "/api/v1/estates/{estate_id}/procedure-rules/in-force"): Call(STAFF_OF_A),
    ("GET", "/api/v1/estates/{estate_id}/register/versions/{number}/units"): Call(
        expect("404", ((*MANAGERS_A, "auditor_a"), OK), ("observer_a", "403")),
        note="R-SUP-2: the residents' committee observes notices, participation and results, not owners' units",
    ),
    ("GET", "/api/v1/estates/{estate_id}/register/diff"): Call(
        expect("404", ((*MANAGERS_A, "auditor_a"), OK), ("observer_a", "403")),
        note="R-SUP-1: the street office reads what every import changed; owners masked, not for observers",
    ),
    ("GET", "/api/v1/estates/{estate_id}/roll"): Call(STAFF_OF_A),
    ("GET", "/api/v1/estates/{estate_id}/verification-requests"): Call(ORGANISERS_A),
    ("GET", "/api/v1/estates/{estate_id}/verification-requests/{request_id}"): Call(ORGANISERS_A),
    ("GET", "/api/v1/estates/{estate_id}/verification-requests/{request_id}/document"): Call(ORGANISERS_A),
    ("POST", "/api/v1/estates/{estate_id}/verification-requests/{request_id}/approve"): Call(
        ORGANISERS_A, body=_static({"reason": "证件与登记一致"})
    ),
    ("POST", "/api/v1/estates/{estate_id}/verification-requests/{request_id}/reject"): Call(
        ORGANISERS_A, body=_static({"reason": "证件不清晰"})
    ),
    ("GET", "/api/v1/estates/{estate_id}/notices"): Call(
        expect("404", (STAFF_A, OK), (ACTING_A, OK)), note="owners and grantees: the OWNERS notices only"
    ),
    ("GET", "/api/v1/estates/{estate_id}/archive"): Call(expect("404", (STAFF_A, OK), (OWNERS_A, OK))),
    ("GET", "/api/v1/estates/{estate_id}/archive/notices/{notice_id}"): Call(
        expect("404", (STAFF_A, OK), (OWNERS_A, OK))
    ),
    ("GET", "/api/v1/estates/{estate_id}/archive/results/{vote_id}"): Call(
        expect("404", (STAFF_A, OK), (OWNERS_A, OK)), params=ARCHIVED_VOTE
    ),
    ("GET", "/api/v1/estates/{estate_id}/reminders"): Call(STAFF_OF_A),
    ("PATCH", "/api/v1/estates/{estate_id}/reminder-dates"): Call(
        ORGANISERS_A, body=_static({"committee_term_ends_on": "2027-05-01"})
    ),
    # --- grants to act for a group (R-CAST-2..5) ----------------------------------------------------------------------
    ("GET", "/api/v1/estates/{estate_id}/grants"): Call(ORGANISERS_A),
    ("POST", "/api/v1/estates/{estate_id}/grants"): Call(
        expect("403", ("owner_a", OK)), body=_json(lambda w: w.extra["grant_body"])
    ),
    ("POST", "/api/v1/estates/{estate_id}/grants/{grant_id}/sign"): Call(expect("403", ("owner_a", OK))),
    ("POST", "/api/v1/estates/{estate_id}/grants/{grant_id}/approve"): Call(ORGANISERS_A),
    ("POST", "/api/v1/estates/{estate_id}/grants/{grant_id}/reject"): Call(ORGANISERS_A, body=_static({"reason": "x"})),
    ("POST", "/api/v1/estates/{estate_id}/grants/{grant_id}/revoke"): Call(
        expect("404", (MANAGERS_A, OK), (READERS_A, "403"), ("owner_a", OK)),
        note="R-CAST-4: the requester, an owner of the group or the organiser",
    ),
    # --- petitions (R-LIFE-9, R-LIFE-10) ----------------------------------------------------------------------------
    # The petition package already counted grants in force: the company's representative reads A's petitions and
    # may sign for the company's group, but is no owner who opens one (R-LIFE-10).
    ("GET", "/api/v1/estates/{estate_id}/petitions"): Call(expect("404", (STAFF_A, OK), (ACTING_A, OK))),
    ("POST", "/api/v1/estates/{estate_id}/petitions"): Call(
        expect("404", (OWNERS_A, OK), ((*STAFF_A, "grantee_a"), "403")),
        body=_static({"kind": "TEMPORARY_MEETING", "title": "提议召开临时会议", "text": "讨论更换物业。"}),
    ),
    ("GET", "/api/v1/petitions/{petition_id}"): Call(expect("404", (STAFF_A, OK), (ACTING_A, OK))),
    ("POST", "/api/v1/petitions/{petition_id}/signatures"): Call(
        expect("404", ("owner_a2", OK), (("owner_a", *STAFF_A, "grantee_a"), "403")),
        body=_json(lambda w: {"group_id": w.extra["group_a2"]}),
        note="李二 signs for his group; 王一 signing for 李二's group (another group) is refused (R-CAST)",
    ),
    ("POST", "/api/v1/petitions/{petition_id}/submit"): Call(
        expect("404", ("owner_a", OK), ((*STAFF_A, "owner_a2", "grantee_a"), "403"))
    ),
    ("POST", "/api/v1/petitions/{petition_id}/escalate"): Call(
        expect("404", ("owner_a", OK), ((*STAFF_A, "owner_a2", "grantee_a"), "403"))
    ),
    # --- votes: drafting, publication, errata, cancellation (the organiser) --------------------------------------
    ("GET", "/api/v1/estates/{estate_id}/votes"): Call(
        expect("404", (STAFF_A, OK), (ACTING_A, OK)), note="owners and grantees: the votes they act in"
    ),
    ("POST", "/api/v1/estates/{estate_id}/votes"): Call(ORGANISERS_A, body=_vote_body),
    ("GET", "/api/v1/votes/{vote_id}"): Call(expect("404", (STAFF_A, OK), (ACTING_A, OK))),
    ("PATCH", "/api/v1/votes/{vote_id}"): Call(VOTE_ORGANISERS_A, body=_static({"title": "改名"})),
    ("POST", "/api/v1/votes/{vote_id}/publish"): Call(VOTE_ORGANISERS_A),
    ("POST", "/api/v1/votes/{vote_id}/errata"): Call(
        VOTE_ORGANISERS_A, body=_static({"text": "第二条应为“物业服务费用”。"})
    ),
    ("POST", "/api/v1/votes/{vote_id}/cancel"): Call(VOTE_ORGANISERS_A, body=_static({"reason": "议题有误"})),
    # R-NOTICE-2: the organiser records the posting on site; every reader of the vote reads the postings and photos.
    ("POST", "/api/v1/votes/{vote_id}/postings"): Call(
        VOTE_ORGANISERS_A,
        body=lambda w, _: {
            "data": {"posted_at": NOW.isoformat(), "place": "2号楼公告栏"},
            "files": {"photo": ("posting.png", PNG, "image/png")},
        },
    ),
    ("GET", "/api/v1/votes/{vote_id}/postings"): Call(expect("404", (STAFF_A, OK), (OWNERS_A, OK))),
    ("GET", "/api/v1/votes/{vote_id}/postings/{posting_id}/photo"): Call(expect("404", (STAFF_A, OK), (OWNERS_A, OK))),
    ("POST", "/api/v1/votes/{vote_id}/topics"): Call(VOTE_ORGANISERS_A, params=DRAFT, body=_static(TOPIC_BODY)),
    ("PATCH", "/api/v1/votes/{vote_id}/topics/{topic_id}"): Call(
        VOTE_ORGANISERS_A, params=DRAFT, body=_static({"title": "续聘"})
    ),
    ("DELETE", "/api/v1/votes/{vote_id}/topics/{topic_id}"): Call(VOTE_ORGANISERS_A, params=DRAFT),
    ("POST", "/api/v1/votes/{vote_id}/topics/{topic_id}/attachments"): Call(
        VOTE_ORGANISERS_A, params=DRAFT, body=lambda w, _: {"files": {"file": ("a.png", PNG, "image/png")}}
    ),
    ("GET", "/api/v1/votes/{vote_id}/topics/{topic_id}/attachments/{attachment_id}"): Call(
        expect("404", (MANAGERS_A, OK)), params=DRAFT, note="a draft is the organisers' alone"
    ),
    ("DELETE", "/api/v1/votes/{vote_id}/topics/{topic_id}/attachments/{attachment_id}"): Call(
        VOTE_ORGANISERS_A, params=DRAFT
    ),
    # --- committee candidates (R-CAND): the draft's topic is a yes/no topic, so allowed callers meet a 422 -------
    ("GET", "/api/v1/votes/{vote_id}/topics/{topic_id}/candidates"): Call(
        expect("404", (MANAGERS_A, OK)), params=DRAFT, note="restricted nomination records: managing roles only"
    ),
    ("POST", "/api/v1/votes/{vote_id}/topics/{topic_id}/attestations"): Call(
        VOTE_ORGANISERS_A,
        params=DRAFT,
        body=_static(
            {
                "candidate_id": "c1",
                "criterion": "PROPERTY_FEES",
                "finding": "MET",
                "source": "PROPERTY_SERVICE_COMPANY",
                "document_sha256": "d0" * 32,
                "attested_on": "2025-02-20",
            }
        ),
    ),
    ("POST", "/api/v1/votes/{vote_id}/topics/{topic_id}/candidate-list/acknowledgment"): Call(
        VOTE_ORGANISERS_A,
        params=DRAFT,
        body=_static({"submitted_on": "2025-02-21", "acknowledged_on": "2025-02-22", "receipt_sha256": "ac" * 32}),
    ),
    # --- casting (R-CAST), results (R-PUB), export -------------------------------------------------------------------
    ("POST", "/api/v1/votes/{vote_id}/ballots"): Call(
        # R-CAST-1 is checked first: accounts without a verified owner (staff, API keys) get 403 before any
        # lookup; a verified owner outside the group (李二 in A, the owner of B) is not entitled (403).
        expect("403", ("anonymous", "401"), ("owner_a", OK)),
        body=lambda w, _: {"json": {"group_id": w.extra["group_a"], "answers": w.extra["answers"]}},
        note="another group's ballot: 李二 casting for 王一's group is refused",
    ),
    ("POST", "/api/v1/votes/{vote_id}/paper-scans"): Call(
        VOTE_ORGANISERS_A, body=lambda w, _: {"content": b"%PDF- scan of a signed paper ballot"}
    ),
    ("POST", "/api/v1/votes/{vote_id}/paper-receptions"): Call(
        VOTE_ORGANISERS_A,
        body=_json(lambda w: {"group_id": w.extra["group_a2"], "form": "SHEET", "scan_sha256": w.extra["scan"]}),
        note="R-PAPER-1: the world's vote is online only, so the organisers get the domain refusal (409)",
    ),
    ("GET", "/api/v1/votes/{vote_id}/counting-session"): Call(expect("404", (STAFF_A, OK))),
    ("POST", "/api/v1/votes/{vote_id}/counting-session"): Call(
        expect(
            "404",
            (("admin", "committee_a"), "409:ballot.paper_not_allowed"),
            (READERS_A, "403"),
            ("so_a", "403:vote.not_organiser"),
        ),
        body=_json(
            lambda w: {
                "witnesses": [
                    {"account_id": w.extra["owner_a_account"], "role": "OWNER"},
                    {"account_id": w.extra["owner_a_account"], "role": "RESIDENTS_COMMITTEE"},
                ]
            }
        ),
        note="R-PAPER-3: organisers of a paper or mixed vote only (the world's vote is online)",
    ),
    ("POST", "/api/v1/votes/{vote_id}/counting-session/ballots"): Call(
        expect(
            "404",
            (("admin", "committee_a"), "409:ballot.paper_not_allowed"),
            (READERS_A, "403"),
            ("so_a", "403:vote.not_organiser"),
        ),
        body=_json(lambda w: {"reception_id": "00000000-0000-4000-8000-000000000000", "answers": w.extra["answers"]}),
    ),
    ("POST", "/api/v1/votes/{vote_id}/counting-session/confirmations"): Call(
        expect("403:counting.not_a_witness"), note="R-PAPER-3: only a named witness, through their own account"
    ),
    ("GET", "/api/v1/votes/{vote_id}/my-ballot"): Call(expect("404", (ACTING_A, OK))),
    ("GET", "/api/v1/votes/{vote_id}/turnout"): Call(expect("404", (STAFF_A, OK), (ACTING_A, OK))),
    ("GET", "/api/v1/votes/{vote_id}/result"): Call(expect("404", (STAFF_A, OK), (ACTING_A, OK))),
    ("GET", "/api/v1/votes/{vote_id}/result/units"): Call(expect("404", (STAFF_A, OK), (ACTING_A, OK))),
    ("GET", "/api/v1/votes/{vote_id}/signed-result"): Call(expect("404", (STAFF_A, OK), (ACTING_A, OK))),
    ("GET", "/api/v1/votes/{vote_id}/ballots"): Call(ORGANISERS_A, note="R-PUB-2: per-unit ballots"),
    ("GET", "/api/v1/votes/{vote_id}/export"): Call(
        expect("404", (("admin", "so_a", "committee_a", "auditor_a"), OK), ("observer_a", "403")),
        note="the auditor of B exporting A's vote: 404",
    ),
    ("POST", "/api/v1/votes/{vote_id}/close"): Call(VOTE_ORGANISERS_A),
    # --- records of the assembly (R-REC-6..8): the open vote has none yet, so readers get 409 ----------------------
    ("GET", "/api/v1/votes/{vote_id}/minutes"): Call(
        expect("404", (STAFF_A, OK), (ACTING_A, OK)),
        note="R-REC-6: the estate's staff, and the owners and grantees who act for groups in the roll",
    ),
    ("GET", "/api/v1/votes/{vote_id}/announcement"): Call(expect("404", (STAFF_A, OK), (ACTING_A, OK))),
    ("GET", "/api/v1/votes/{vote_id}/filing-package"): Call(
        expect("404", (MANAGERS_A, OK), ((*READERS_A, *ACTING_A), "403")),
        note="R-REC-8: the organiser and the street office of the jurisdiction; B's committee 404",
    ),
    # --- supervision (R-SUP-1..3): another street's decision is not found -----------------------------------------
    ("POST", "/api/v1/votes/{vote_id}/suspend"): Call(SUPERVISORS_A, body=_static(SUPERVISION)),
    ("POST", "/api/v1/votes/{vote_id}/resume"): Call(
        SUPERVISORS_A, body=_static(SUPERVISION | {"ends_at": (NOW + timedelta(days=30)).isoformat()})
    ),
    ("POST", "/api/v1/votes/{vote_id}/terminate"): Call(SUPERVISORS_A, body=_static(SUPERVISION)),
    ("POST", "/api/v1/votes/{vote_id}/revoke"): Call(
        SUPERVISORS_A, body=lambda w, _: {"json": SUPERVISION | {"topic_id": str(w.ids["topic_id"])}}
    ),
    ("POST", "/api/v1/votes/{vote_id}/correction-orders"): Call(
        SUPERVISORS_A, body=_static(SUPERVISION | {"deadline": (NOW + timedelta(days=10)).isoformat()})
    ),
    ("POST", "/api/v1/votes/{vote_id}/correction-orders/{order_id}/follow-up"): Call(
        SUPERVISORS_A, body=_static(SUPERVISION)
    ),
    ("POST", "/api/v1/votes/{vote_id}/court-revocation"): Call(
        expect("404", ("admin", OK), (("so_a", "committee_a", *READERS_A), "403")),
        body=lambda w, _: {
            "json": {"judgment_ref": "(2025)京0105民初123号", "reason": "判决撤销", "topic_id": str(w.ids["topic_id"])}
        },
        note="R-SUP-3: operators record court judgments",
    ),
    ("GET", "/api/v1/votes/{vote_id}/supervision"): Call(expect("404", (STAFF_A, OK), (OWNERS_A, OK))),
    # --- participation without answers (R-PART): V is open -------------------------------------------------------
    ("GET", "/api/v1/votes/{vote_id}/participation/not-voted"): Call(
        ORGANISERS_A, note="R-PART-1: organiser, street office, operators; observer/auditor 403; owners 404"
    ),
    ("POST", "/api/v1/votes/{vote_id}/participation/reminders"): Call(
        VOTE_ORGANISERS_A, note="R-PART-3: the organiser; the street office does not act on the committee's vote"
    ),
    # --- the roll open to owners, objections, corrections (R-ROLL-7) -------------------------------------------------
    ("GET", "/api/v1/votes/{vote_id}/roll"): Call(
        ROLL_READERS_A, note="SPC Interp. Art. 13: owners, organiser, street office; no names for observer/auditor"
    ),
    ("GET", "/api/v1/votes/{vote_id}/roll/objections"): Call(
        ROLL_READERS_A, note="owners see the objections they are a party to"
    ),
    ("POST", "/api/v1/votes/{vote_id}/roll/objections"): Call(
        expect("404", (OWNERS_A, OK), (STAFF_A, "403")),
        body=_static({"unit_key": "1-1-101", "text": "面积有误"}),
        note="owners only; V is open, so the owners' filing is refused with 409 notice_period_over",
    ),
    ("GET", "/api/v1/roll-objections/{objection_id}"): Call(
        expect("404", (MANAGERS_A, OK), ("owner_a", OK)),
        note="the objector (王一), the owners of the entry, the organiser and the street office; 李二 is no party",
    ),
    ("POST", "/api/v1/roll-objections/{objection_id}/answer"): Call(
        VOTE_ORGANISERS_A, body=_static({"decision": "REJECTED", "reasons": "名册无误"})
    ),
    ("POST", "/api/v1/votes/{vote_id}/roll/republish"): Call(
        VOTE_ORGANISERS_A, body=_static({}), note="V is open: the organiser is refused with 409 notice_period_over"
    ),
    # --- committees and who convenes (R-COMM, R-CONV): the committee C of A is unfiled, 王一 and 李二 sit on it -----
    ("GET", "/api/v1/estates/{estate_id}/committees"): Call(
        expect("404", (STAFF_A, OK), (OWNERS_A, OK)), note="owners of the estate read its committees (masked)"
    ),
    ("POST", "/api/v1/estates/{estate_id}/committees"): Call(
        ORGANISERS_A,
        body=_static(
            {
                "kind": "OWNERS_COMMITTEE",
                "seats": 3,
                "alternate_seats": 0,
                "term_starts_on": "2040-01-01",
                "term_ends_on": "2041-01-01",
            }
        ),
        note="a 业委会's record; a 物管会 is the street office's alone (tests/committee)",
    ),
    ("GET", "/api/v1/committees/{committee_id}"): Call(expect("404", (STAFF_A, OK), (OWNERS_A, OK))),
    ("POST", "/api/v1/committees/{committee_id}/filing"): Call(
        expect("404", ("so_a", OK), (("admin", "committee_a", *READERS_A), "403")),
        body=_static({"filed_on": NOW.date().isoformat(), "reference": "备〔2026〕1号"}),
        note="Beijing Art. 43: only the street office of the jurisdiction records the filing, not even the operator",
    ),
    ("POST", "/api/v1/committees/{committee_id}/members"): Call(
        ORGANISERS_A,
        body=_static({"seat_kind": "ALTERNATE", "seat": 1, "document_type": "RESIDENT_ID", "identifier": ZHAO}),
        note="before filing the organisers enter members; afterwards the street office (Art. 50)",
    ),
    ("POST", "/api/v1/committee-members/{member_id}/end"): Call(ORGANISERS_A, body=_static({"reason": "RESIGNED"})),
    ("POST", "/api/v1/committee-members/{member_id}/fill-vacancy"): Call(
        ORGANISERS_A, body=_static({"seat": 1}), note="seat 1 is held: 409 once the writer is allowed"
    ),
    ("GET", "/api/v1/estates/{estate_id}/convening-triggers"): Call(STAFF_OF_A),
    ("POST", "/api/v1/estates/{estate_id}/convening-triggers"): Call(
        expect("404", ("so_a", OK), (("admin", "committee_a", *READERS_A), "403")),
        body=_static(
            {
                "ground": "NO_COMMITTEE",
                "occurred_on": NOW.date().isoformat(),
                "document_ref": "x",
                "evidence_sha256": "c" * 64,
            }
        ),
        note="R-CONV-3: the street office's own ground",
    ),
    # --- the committee's disclosures (R-DISC): C has a report for this year; the bodies' periods precede its term ----
    ("GET", "/api/v1/committees/{committee_id}/fee-disclosures"): Call(
        expect("404", (STAFF_A, OK), (OWNERS_A, OK)), note="R-DISC-6: the estate's owners read the publications"
    ),
    ("POST", "/api/v1/committees/{committee_id}/fee-disclosures"): Call(
        expect("404", ("committee_a", OK), (("admin", "so_a", *READERS_A), "403")),
        body=_static(FEE_BODY),
        note="Beijing Art. 44(8): the committee's duty, not the operator's or the street office's (422 outside term)",
    ),
    ("GET", "/api/v1/committees/{committee_id}/reports"): Call(expect("404", (STAFF_A, OK), (OWNERS_A, OK))),
    ("POST", "/api/v1/committees/{committee_id}/reports"): Call(
        expect("404", ("committee_a", OK), (("admin", "so_a", *READERS_A), "403")),
        body=lambda w, _: {
            "data": {"year": "2000"},
            "files": {"work_report": ("w.png", PNG, "image/png"), "finances": ("f.png", PNG, "image/png")},
        },
        note="Beijing Art. 44(1): the committee's yearly report (422 outside term)",
    ),
    ("GET", "/api/v1/committee-reports/{report_id}/documents/{document}"): Call(
        expect("404", (STAFF_A, OK), (OWNERS_A, OK))
    ),
    ("GET", "/api/v1/committees/{committee_id}/evaluations"): Call(expect("404", (STAFF_A, OK), (OWNERS_A, OK))),
    ("POST", "/api/v1/committees/{committee_id}/evaluations"): Call(
        expect("404", ("so_a", OK), (("admin", "committee_a", *READERS_A), "403")),
        body=_static({"year": 2000, "grade": "GOOD", "document_ref": "评〔2000〕1号", "document_sha256": "e" * 64}),
        note="seed 003 §四.3: only the street office of the jurisdiction evaluates; the committee never grades itself",
    ),
    # --- the first assembly (R-FIRST): V is a committee's vote, so an owner's publicity objection gets 409 ------
    ("POST", "/api/v1/estates/{estate_id}/preparatory-groups"): Call(
        expect("404", ("so_a", OK), (("admin", "committee_a", *READERS_A), "403")),
        body=_static(
            {
                "formed_on": NOW.date().isoformat(),
                "document_ref": "筹〔2026〕1号",
                "members": [
                    {"constituency": "RESIDENTS_COMMITTEE", "name": "刘组长", "is_head": True},
                    {"constituency": "OWNER", "name": "王一", "document_type": "RESIDENT_ID", "identifier": WANG},
                    {"constituency": "OWNER", "name": "李二", "document_type": "RESIDENT_ID", "identifier": LI},
                ],
            }
        ),
        note="Beijing Art. 31: the street office forms and records the preparatory group, not even the operator",
    ),
    ("GET", "/api/v1/estates/{estate_id}/preparatory-groups"): Call(
        expect("404", (STAFF_A, OK), (OWNERS_A, OK)), note="owners of the estate read its members (masked)"
    ),
    ("GET", "/api/v1/estates/{estate_id}/first-assembly"): Call(
        ORGANISERS_A, note="R-FIRST-6: the guided view for the street office and the preparatory group"
    ),
    ("POST", "/api/v1/votes/{vote_id}/publicity-objections"): Call(
        expect("404", (STAFF_A, "403:objection.not_estate_owner"), (OWNERS_A, OK)),
        body=_static({"item": "MANAGEMENT_COVENANT", "text": "异议"}),
        note="owners in the roll object; V is not a first assembly, so they get 409",
    ),
    ("GET", "/api/v1/votes/{vote_id}/publicity-objections"): Call(
        expect("404", (MANAGERS_A, OK), (READERS_A, "403"), (OWNERS_A, OK)),
        note="the organiser and the street office read all; an owner reads their own",
    ),
    ("POST", "/api/v1/publicity-objections/{objection_id}/answer"): Call(
        VOTE_ORGANISERS_A,
        params={"objection_id": "publicity_objection_id"},
        body=_static({"decision": "REJECTED", "reasons": "草案无误"}),
    ),
    ("PUT", "/api/v1/votes/{vote_id}/mandate"): Call(
        VOTE_ORGANISERS_A, params=DRAFT, body=lambda w, _: {"json": {"committee_id": w.ids["committee_id"]}}
    ),
    ("GET", "/api/v1/votes/{vote_id}/mandate"): Call(
        expect("404", (MANAGERS_A, OK), (OWNERS_A, OK)),
        params=DRAFT,
        note="a draft's mandate: its organisers, and the committee's sitting members who sign it",
    ),
    ("POST", "/api/v1/votes/{vote_id}/mandate/signatures"): Call(
        expect("404", (OWNERS_A, OK), (MANAGERS_A, "403:vote.not_a_sitting_member")),
        params=DRAFT,
        note="R-CONV-2: members sign through their own accounts; staff who see the draft are told they are not members",
    ),
}


def _operations(app) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    found = []
    for path, operations in app.openapi()["paths"].items():
        for method in operations:
            if method in ("get", "post", "put", "patch", "delete"):
                found.append((method.upper(), path))
    return sorted(found)


def test_every_operation_of_the_openapi_document_is_classified(shared_app):
    operations = set(_operations(shared_app))
    assert len(operations) > 90
    unclassified = sorted(operations - set(MATRIX))
    assert not unclassified, f"classify these operations in MATRIX: {unclassified}"
    stale = sorted(set(MATRIX) - operations)
    assert not stale, f"MATRIX rows for operations that no longer exist: {stale}"
    for key, call in MATRIX.items():
        assert set(call.expected) == set(PRINCIPALS), key


# --- the world --------------------------------------------------------------------------------------------------


async def _build_world(client, session, sessionmaker, app) -> World:  # type: ignore[no-untyped-def]
    cipher = app.state.cipher
    app.state.clock = lambda: NOW + timedelta(hours=1)
    fixture = await make_vote(session, cipher, now=NOW, topics=[yes_no_topic()])
    a = fixture.places
    b = await make_places(session, cipher)
    certificate_b = "京(2020)朝阳区不动产权第0009101号"
    register_b = HEADER + f"1,1,101,100.00,不动产登记,否,已售,是,不动产登记,{certificate_b},吴九,{ID_B},个人\n"
    await import_register(
        session, b.estate.id, register_b.encode(), register_format=RegisterFormat.CSV,
        source_name="b.csv", imported_by=OPERATOR, cipher=cipher,
    )  # fmt: skip
    owner_a = await make_account(session, cipher, owner_id=await owner_id(session, app, WANG))
    owner_a2 = await make_account(
        session, cipher, owner_id=await owner_id(session, app, LI), phone=PHONE_OWNER_A2, display_name="李二"
    )
    owner_b = await make_account(session, cipher, owner_id=await owner_id(session, app, ID_B))
    unverified = await make_account(session, cipher)
    # Issue #19 item 5: two people who own no home, verified as persons; one is the company's legal representative
    # in A (2-1-102) by a grant the organiser approved, the other holds no grant anywhere.
    person = await make_account(session, cipher, owner_id=await _person(session, cipher, ID_PERSON))
    grantee_a = await make_account(session, cipher, owner_id=await _person(session, cipher, ID_GRANTEE))
    company_group = next(group for group in fixture.roll.groups if "2-1-102" in group.unit_ids)
    session.add(
        ActingGrant(
            estate_id=a.estate.id, group_key=company_group.key, kind=ActingKind.LEGAL_REPRESENTATIVE,
            grantee_account_id=grantee_a.id, requested_by_account_id=grantee_a.id, status=GrantStatus.APPROVED,
            evidence_type="LICENCE", evidence_sha256="b" * 64, created_at=NOW, decided_at=NOW, decided_by="tests",
        )
    )  # fmt: skip
    applicant = await make_account(session, cipher)

    accounts = {}

    async def staff(name: str, role: Role, **scope: uuid.UUID) -> None:
        accounts[name] = await make_account(session, cipher, scopes=(Scope(role, **scope),))

    await staff("so_a", Role.STREET_OFFICE, street_office_id=a.street_office.id)
    await staff("committee_a", Role.COMMITTEE, estate_id=a.estate.id)
    await staff("observer_a", Role.OBSERVER, community_id=a.community.id)
    await staff("auditor_a", Role.AUDITOR, estate_id=a.estate.id)
    await staff("so_b", Role.STREET_OFFICE, street_office_id=b.street_office.id)
    await staff("committee_b", Role.COMMITTEE, estate_id=b.estate.id)
    await staff("observer_b", Role.OBSERVER, community_id=b.community.id)
    await staff("auditor_b", Role.AUDITOR, estate_id=b.estate.id)
    notice = await notice_for(session, a, now=NOW)
    message = await outbox_of(session, notice)
    message.status = OutboxStatus.DEAD
    await session.commit()
    admin = await make_api_key(session, app.state.token_hasher, role=Role.ADMIN)
    headers = {name: bearer(app, account) for name, account in accounts.items()}
    headers |= {
        "anonymous": {},
        "admin": admin,
        "owner_a": bearer(app, owner_a),
        "owner_a2": bearer(app, owner_a2),
        "owner_b": bearer(app, owner_b),
        "unverified": bearer(app, unverified),
        "grantee_a": bearer(app, grantee_a),
        "person": bearer(app, person),
    }
    vote_id = fixture.vote.id
    wang, li = await owner_id(session, app, WANG), await owner_id(session, app, LI)
    group_a = await group_of(session, vote_id, wang)
    group_a2 = await group_of(session, vote_id, li)  # 李二's sole unit 3-1-102 (R-HEAD-3)
    answers = answers_for(fixture)  # type: ignore[no-untyped-call]
    scan = hashlib.sha256(b"matrix scan").hexdigest()

    async def ok(response, status: int = 201):  # type: ignore[no-untyped-def]
        assert response.status_code == status, response.text
        return response.json()

    cast = await ok(
        await client.post(
            f"/api/v1/votes/{vote_id}/ballots",
            json={"group_id": group_a, "answers": answers},
            headers=headers["owner_a"],
        )
    )
    # The draft D, with a topic and an attachment (through the API, as the committee would).
    draft = await ok(await client.post(f"/api/v1/estates/{a.estate.id}/votes", **_vote_body(None), headers=admin))
    topic = await ok(await client.post(f"/api/v1/votes/{draft['id']}/topics", json=TOPIC_BODY, headers=admin))
    attachment = await ok(
        await client.post(
            f"/api/v1/votes/{draft['id']}/topics/{topic['id']}/attachments",
            files={"file": ("plan.png", PNG, "image/png")},
            headers=admin,
        )
    )
    posting = await ok(
        await client.post(
            f"/api/v1/votes/{vote_id}/postings",
            data={"posted_at": NOW.isoformat(), "place": "1号楼大堂公告栏"},
            files={"photo": ("posting.png", PNG, "image/png")},
            headers=admin,
        )
    )
    order = await ok(
        await client.post(
            f"/api/v1/votes/{vote_id}/correction-orders",
            json=SUPERVISION | {"deadline": (NOW + timedelta(days=10)).isoformat()},
            headers=headers["so_a"],
        )
    )
    roll = await ok(await client.get(f"/api/v1/estates/{a.estate.id}/roll", headers=admin), 200)
    estate_key_a = next(group["group_id"] for group in roll["groups"] if group["units"][0]["unit_key"] == "1-1-101")
    grant_body = {
        "group_id": estate_key_a,
        "kind": "PROXY",
        "grantee_phone": PHONE_OWNER_A2,
        "evidence_type": "E_SIGNATURE",
        "scope": {"authority": "FREE"},
        "valid_from": NOW.isoformat(),
        "valid_until": (NOW + timedelta(days=30)).isoformat(),
    }
    grant = await ok(
        await client.post(f"/api/v1/estates/{a.estate.id}/grants", json=grant_body, headers=headers["owner_a"])
    )
    petition = await ok(
        await client.post(
            f"/api/v1/estates/{a.estate.id}/petitions",
            json={"kind": "TEMPORARY_MEETING", "title": "提议召开临时会议", "text": "讨论更换物业。"},
            headers=headers["owner_a"],
        )
    )
    # R-ROLL-7: 王一's objection to his own entry, filed in V's notice period (the day before voting opened).
    objection = await objection_service.file_objection(
        session,
        Principal(subject=f"account:{owner_a.id}", name="王一", account_id=owner_a.id, owner_id=owner_a.owner_id),
        vote_id,
        ObjectionCreate(unit_key="1-1-101", text="面积应为 100.50 平方米。"),
        now=NOW - timedelta(days=1),
    )
    publicity_objection = PublicityObjection(
        id=uuid.uuid4(), vote_id=vote_id, estate_id=a.estate.id, item=PublicityItem.MANAGEMENT_COVENANT,
        text="管理规约草案第十二条有误。", salt="0" * 32, text_commitment="1" * 64, filed_by_account_id=owner_a.id,
        filed_by_owner_id=owner_a.owner_id, filed_at=NOW - timedelta(days=1),
    )  # fmt: skip
    session.add(publicity_objection)
    await session.commit()
    manual = await ok(
        await client.post(
            "/api/v1/me/verification/manual",
            data={
                "estate_id": str(a.estate.id),
                "id_number": ID_APPLICANT,
                "name": "郑十",
                "document_type": "RESIDENT_ID_CARD",
            },
            files={"file": ("id.png", PNG, "image/png")},
            headers=bearer(app, applicant),
        )
    )
    # The committee C of A (unfiled): 王一, 李二 and 赵四, alternate 张三; the draft D is convened on its decision.
    today = (NOW + timedelta(hours=9)).date()
    committee = await ok(
        await client.post(
            f"/api/v1/estates/{a.estate.id}/committees",
            json={"kind": "OWNERS_COMMITTEE", "seats": 3, "alternate_seats": 1,
                  "term_starts_on": (today - timedelta(days=365)).isoformat(),
                  "term_ends_on": (today + timedelta(days=365)).isoformat()},
            headers=admin,
        )
    )  # fmt: skip
    for seat_kind, seat, identifier in (("MEMBER", 1, WANG), ("MEMBER", 2, LI), ("MEMBER", 3, ZHAO)):
        committee = await ok(
            await client.post(
                f"/api/v1/committees/{committee['id']}/members",
                json={"seat_kind": seat_kind, "seat": seat, "document_type": "RESIDENT_ID", "identifier": identifier},
                headers=admin,
            )
        )
    await ok(
        await client.put(f"/api/v1/votes/{draft['id']}/mandate", json={"committee_id": committee["id"]}, headers=admin),
        200,
    )
    report = await ok(
        await client.post(
            f"/api/v1/committees/{committee['id']}/reports",
            data={"year": str(today.year)},
            files={"work_report": ("w.png", PNG, "image/png"), "finances": ("f.png", PNG, "image/png")},
            headers=headers["committee_a"],
        )
    )
    await integrate_once(sessionmaker, NOW + timedelta(hours=1), keys=app.state.log_keys)
    checkpoint = await client.get("/api/v1/log/checkpoint")
    assert checkpoint.status_code == 200, checkpoint.text
    device = await ok(
        await client.post(
            "/api/v1/me/devices",
            json={"platform": "APNS", "token": "apns-token-abcdef0123"},
            headers=headers["owner_a"],
        )
    )
    staff_grant = await session.scalar(
        sa.select(RoleGrant.id).where(RoleGrant.account_id == accounts["committee_a"].id)
    )
    return World(
        ids={
            "estate_id": str(a.estate.id),
            "vote_id": str(vote_id),
            "draft_vote_id": draft["id"],
            "topic_id": topic["id"],
            "attachment_id": attachment["id"],
            "posting_id": posting["id"],
            "order_id": order["action"]["id"],
            "grant_id": grant["id"],
            "staff_grant_id": str(staff_grant),
            "petition_id": petition["id"],
            "objection_id": str(objection.id),
            "publicity_objection_id": str(publicity_objection.id),
            "request_id": manual["id"],
            "notice_id": str(notice.id),
            "message_id": str(message.id),
            "street_office_id": str(a.street_office.id),
            "community_id": str(a.community.id),
            "district_id": str(a.district.id),
            "entry_id": cast["audit_entry_id"],
            "number": "1",
            "size": "1",
            "committee_id": committee["id"],
            "member_id": committee["members"][2]["id"],
            "report_id": report["id"],
            "document": "FINANCES",
            "device_id": device["id"],
        },
        headers=headers,
        extra={
            "group_a": group_a,
            "group_a2": group_a2,
            "scan": scan,
            "owner_a_account": str(owner_a.id),
            "answers": answers,
            "grant_body": grant_body,
            "note": checkpoint.text,
            "district_a": str(a.district.id),
            "street_office_a": str(a.street_office.id),
            "community_a": str(a.community.id),
            "street_office_b": str(b.street_office.id),
            "community_b": str(b.community.id),
            "register_a": (HEADER + "9,1,901,80.00,不动产登记,否,已售,是,不动产登记,京(2020)第1号,王一,"
                           f"{WANG},个人\n").encode(),
        },
    )  # fmt: skip


# Tables whose rows are updated in place (the others only grow, so their row counts show any change).
UPDATED_IN_PLACE = (
    "account", "acting_grant", "api_key", "committee", "committee_member", "community", "district", "estate",
    "log_state", "street_office",
    "manual_verification_request", "otp_challenge", "outbox_message", "petition", "refresh_token", "role_grant",
    "publicity_objection", "roll_objection", "topic", "verification_document", "vote",
)  # fmt: skip


async def _fingerprint(connection: AsyncConnection) -> str:
    """Row counts of every table and the full rows of those updated in place, from inside the savepoint."""
    tables = Base.metadata.sorted_tables
    counts = sa.union_all(*(sa.select(sa.literal(table.name), sa.func.count()).select_from(table) for table in tables))
    digest = hashlib.sha256(repr(sorted((await connection.execute(counts)).all())).encode())
    for name in UPDATED_IN_PLACE:
        rows = (await connection.execute(sa.select(Base.metadata.tables[name]))).all()
        digest.update(repr(sorted(repr(tuple(row)) for row in rows)).encode())
    return digest.hexdigest()


def _outcome(response) -> str:  # type: ignore[no-untyped-def]
    status = response.status_code
    if status in (401, 403, 404):
        return str(status)  # refused (the code is compared too when the table names one)
    if status >= 500:
        return f"5xx:{status}"
    if status == 422 and response.json().get("code") == "request.invalid":
        return "request.invalid"  # the body of the table is wrong: the handler never ran
    return OK


def _url(template: str, world: World, call: Call) -> str:
    names = {name: world.ids[call.params.get(name, name)] for name in re.findall(r"{(\w+)}", template)}
    return template.format(**names)


@pytest.fixture
async def world(client, session, sessionmaker, app) -> World:  # type: ignore[no-untyped-def]
    return await _build_world(client, session, sessionmaker, app)


OUTSIDERS = (*STAFF_B, "owner_b", "unverified", "person")
# Writes whose success the fingerprint must see (proof that it would see a refused write that wrote).
MUST_CHANGE = {
    ("POST", "/api/v1/votes/{vote_id}/suspend"),
    ("POST", "/api/v1/votes/{vote_id}/correction-orders"),
    ("POST", "/api/v1/votes/{vote_id}/errata"),
    ("POST", "/api/v1/estates/{estate_id}/votes"),
    ("POST", "/api/v1/votes/{vote_id}/topics"),
    ("PATCH", "/api/v1/votes/{vote_id}/topics/{topic_id}"),
    ("DELETE", "/api/v1/staff/grants/{grant_id}"),
    ("PATCH", "/api/v1/estates/{estate_id}/reminder-dates"),
    ("POST", "/api/v1/roll-objections/{objection_id}/answer"),
    ("POST", "/api/v1/publicity-objections/{objection_id}/answer"),
    ("POST", "/api/v1/estates/{estate_id}/preparatory-groups"),
    ("POST", "/api/v1/committees/{committee_id}/filing"),
    ("POST", "/api/v1/committee-members/{member_id}/end"),
}


async def test_every_operation_for_every_principal(client, app, connection, world, request):
    started = time.perf_counter()
    baseline = await _fingerprint(connection)
    secrets_of_a = [world.ids[name] for name in ("estate_id", "vote_id", "draft_vote_id", "petition_id", "grant_id")]
    problems: list[str] = []
    changed: set[tuple[str, str]] = set()
    requests = fingerprints = 0
    for (method, template), call in sorted(MATRIX.items()):
        url = _url(template, world, call)
        public_answers: dict[str, int] = {}
        for principal in PRINCIPALS:
            wanted = call.expected[principal]
            savepoint = await connection.begin_nested()
            try:
                kwargs = call.body(world, principal) if call.body else {}
                response = await client.request(method, url, headers=world.headers[principal], **kwargs)
                requests += 1
                got = _outcome(response)
                if ":" in wanted and response.status_code >= 400:
                    got = f"{response.status_code}:{response.json().get('code')}"
                if wanted == PUBLIC:
                    public_answers[principal] = response.status_code
                    if response.status_code >= 500:
                        problems.append(f"{method} {template} [{principal}]: {response.status_code}")
                elif got != wanted:
                    problems.append(
                        f"{method} {template} [{principal}]: expected {wanted}, got {response.status_code} "
                        f"{response.text[:160]}"
                    )
                if got in ("401", "403", "404") and method != "GET":
                    fingerprints += 1
                    if await _fingerprint(connection) != baseline:
                        problems.append(f"{method} {template} [{principal}]: refused ({got}) but changed rows")
                elif (
                    (method, template) in MUST_CHANGE
                    and response.status_code < 300
                    and await _fingerprint(connection) != baseline
                ):
                    changed.add((method, template))
                if principal in OUTSIDERS and wanted != PUBLIC and response.status_code < 300:
                    # The public log names estates by design (pseudonymous entries); echoes of the request aside.
                    leaked = [v for v in secrets_of_a if v in response.text and v not in repr(kwargs)]
                    if leaked:
                        problems.append(f"{method} {template} [{principal}]: answer names A's objects {leaked}")
            finally:
                await savepoint.rollback()
        if public_answers and len(set(public_answers.values())) != 1:
            problems.append(f"{method} {template}: a public operation answers by caller: {public_answers}")
    elapsed = time.perf_counter() - started
    # Figures for reports (pytest's user_properties; record_property would warn under junit xunit2).
    figures = f"{requests} requests, {fingerprints} refused writes fingerprinted, {elapsed:.1f} s"
    request.node.user_properties.append(("authorisation matrix", figures))
    assert not problems, "\n".join(problems)
    assert changed == MUST_CHANGE, f"the fingerprint missed allowed writes: {sorted(MUST_CHANGE - changed)}"
