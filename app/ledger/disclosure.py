"""What the unauthenticated log shows of each entry: public-law acts in full, everything else as its leaf hash.

Public are the acts the law makes public (R-PUB-1, R-PUB-2, R-LIFE-3, R-LIFE-8, R-SUP-1, R-NOTICE-2, R-NOTICE-4):
notices and their delivery counts per channel, the vote's publication hashes, the posting on site (hashes and
roles), errata and cancellations, the close with its totals, decisions and the published result,
supervision acts, register versions (hashes and totals), and each ballot's hiding commitment under its per-vote
group pseudonym. Everything else is restricted: identity events (sign-in, verification and its failures, grants,
roles), petitions, delivery attempts, views and exports, and any kind this table does not name. An entry of a public
kind is restricted too when it is in a format that is not safe to show (a version-1 ballot entry: unsalted hash and an
unkeyed group id; a ballot entry naming its grant by the permanent ``grant_id`` rather than its per-vote ``grant``
pseudonym) or when its payload carries an owner id, an account id, an identifier fragment or a phone
(``carries_personal_data``); entries already in the log are judged the same way, since they never change.

The public listing serves a restricted entry as its leaf index and leaf hash only: inclusion and consistency
proofs still verify. Its payload is served only through the authorised, logged read (``app.audit``).
docs/secrecy.md writes the table out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from app.ledger.ballot import is_commitment_entry
from app.ledger.events import EventKind


class Disclosure(StrEnum):
    PUBLIC = "PUBLIC"
    RESTRICTED = "RESTRICTED"


#: Kinds whose entries are public-law acts, with the reason; any other kind is restricted.
PUBLIC_KINDS: Mapping[EventKind, str] = {
    EventKind.VOTE_PUBLISHED: "the notice's, roll's and topics' hashes (R-LIFE-3)",
    EventKind.VOTE_ERRATUM: "an erratum notice visible to all (R-LIFE-4)",
    EventKind.VOTE_CANCELLED: "the withdrawal of a published notice (R-LIFE-4)",
    EventKind.VOTE_CLOSED: "the close with participation and totals (R-LIFE-8)",
    EventKind.VOTE_DECIDED: "the decision's result hashes (R-LIFE-8)",
    EventKind.VOTE_RESULT_PUBLISHED: "the published result (R-PUB-1)",
    EventKind.NOTICE_PUBLISHED: "a notice's content hash and audience (R-PUB-1)",
    EventKind.REGISTER_VERSION: "a register version's hash and totals (R-ROLL-1)",
    EventKind.SUPERVISION_SUSPENSION: "a street office's act (R-SUP-1)",
    EventKind.SUPERVISION_RESUMPTION: "a street office's act (R-SUP-1)",
    EventKind.SUPERVISION_CORRECTION_ORDER: "a street office's act (R-SUP-1)",
    EventKind.SUPERVISION_CORRECTION_FOLLOW_UP: "a street office's act (R-SUP-1)",
    EventKind.SUPERVISION_REVOCATION: "a street office's act (R-SUP-1)",
    EventKind.SUPERVISION_COURT_REVOCATION: "a court's judgment (R-SUP-3)",
    EventKind.SUPERVISION_TERMINATION: "a street office's act ending a suspended vote (R-SUP-6)",
    EventKind.BALLOT_CAST: "a hiding commitment under a per-vote pseudonym (R-PUB-2)",
    EventKind.BALLOT_VOIDED: "a voiding under a per-vote pseudonym (R-TALLY-6)",
    EventKind.ROLL_OBJECTION_FILED: "an objection to the roll: its id, roll and text commitment only (R-ROLL-7)",
    EventKind.ROLL_OBJECTION_ANSWERED: "the organiser's answer: decision and reasons commitment only (R-ROLL-7)",
    EventKind.VOTE_ROLL_REPUBLISHED: "a corrected roll's hashes, totals and window (R-ROLL-7, R-LIFE-3)",
    EventKind.ELECTION_CANDIDATE_LIST_ACKNOWLEDGED: "the candidate list's hash acknowledged (Art. 40 ¶2, R-CAND-8)",
    EventKind.PAPER_RECEIVED: "a paper ballot's reception and scan hash under a per-vote pseudonym (R-PAPER-1)",
    EventKind.COUNTING_OPENED: "the public counting session and its witnesses' roles and pseudonyms (R-PAPER-3)",
    EventKind.COUNTING_CONFIRMED: "a counting witness's sign-off under a per-vote pseudonym (R-PAPER-3)",
    EventKind.COUNTING_SIGNED_OFF: "the counting session's close with the counted set (R-PAPER-3)",
    EventKind.VOTE_NOTICE_POSTED: "the on-site posting: times, acting role, place and photo hashes (R-NOTICE-2)",
    EventKind.NOTICE_DELIVERY_RECORDED: "an owners' notice's delivery counts per channel (R-NOTICE-4)",
    EventKind.COMMITTEE_RECORDED: "a committee's seats and term (R-COMM-1, R-COMM-2)",
    EventKind.COMMITTEE_FILED: "the street office's filing of a committee (R-COMM-3, Beijing Art. 43)",
    EventKind.COMMITTEE_MEMBER_SEATED: "a seat taken, by member id and seat only (R-COMM-4)",
    EventKind.COMMITTEE_MEMBER_ENDED: "a seat left, by member id and reason only (R-COMM-4, Beijing Art. 46)",
    EventKind.CONVENING_TRIGGER_RECORDED: "the street office's statutory ground for convening (R-CONV-3)",
    EventKind.CONVENING_MANDATE_RECORDED: "what a vote is convened on (R-CONV-1)",
    EventKind.CONVENING_MANDATE_SIGNED: "a member's signature of the decision to convene, by member id (R-CONV-2)",
    EventKind.PROCEDURE_RULES_PROPOSED: "a proposed rules-of-procedure document and its hash (R-PROC-1)",
    EventKind.PROCEDURE_RULES_ADOPTED: "the adoption of rules of procedure by an owners' decision (R-PROC-1)",
    EventKind.COMMITTEE_FEES_PUBLISHED: "a half-year's fee publication: counts and hashes only (R-DISC-1, R-DISC-2)",
    EventKind.COMMITTEE_REPORT_PUBLISHED: "a committee's yearly report by its documents' hashes (R-DISC-4)",
    EventKind.COMMITTEE_EVALUATION_RECORDED: "the street office's yearly evaluation by its hashes (R-DISC-5)",
    EventKind.VOTE_PARTICIPATION_REMINDED: "a non-voters' reminder: acting role and counts only (R-PART-3)",
    EventKind.PREPARATORY_GROUP_FORMED: "the preparatory group's size and owners' share, no names (R-FIRST-1)",
    EventKind.PUBLICITY_OBJECTION_FILED: "an objection to a publicised item: id, item, text commitment (R-FIRST-3)",
    EventKind.PUBLICITY_OBJECTION_ANSWERED: "the answer: decision, role, reasons commitment only (R-FIRST-3)",
}

#: Payload members that name or fragment a person.
PERSONAL_MEMBERS = frozenset(
    {
        "owner_id", "owner_ids", "account_id", "account_ids", "actor", "owner_identifier_last4", "identifier",
        "identifier_last4", "last4", "phone", "phone_last4", "estates", "certificate_number", "grantee_account_id",
        "viewer",
    }
)  # fmt: skip
_PERSONAL_VALUE = re.compile(r"(account|owner|apikey):")


def carries_personal_data(value: Any) -> bool:
    """Whether a payload (recursively) has a personal member or an ``account:…``/``owner:…`` reference."""
    if isinstance(value, Mapping):
        return any(key in PERSONAL_MEMBERS or carries_personal_data(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(carries_personal_data(item) for item in value)
    return isinstance(value, str) and _PERSONAL_VALUE.match(value) is not None


def disclosure(kind: str, payload: Mapping[str, Any]) -> Disclosure:
    """How the public log serves an entry of this kind and payload (see the module docstring)."""
    if kind not in PUBLIC_KINDS or carries_personal_data(payload):
        return Disclosure.RESTRICTED
    if kind == EventKind.BALLOT_CAST and not is_commitment_entry(payload):
        return Disclosure.RESTRICTED  # version 1: an unsalted hash of guessable answers
    if kind == EventKind.BALLOT_CAST and "group" not in payload:
        return Disclosure.RESTRICTED  # a vote frozen before pseudonyms: its group id is unkeyed
    if kind == EventKind.BALLOT_CAST and payload.get("grant_id"):
        return Disclosure.RESTRICTED  # logged before grant pseudonyms: a permanent grant id links votes
    if kind == EventKind.PAPER_RECEIVED and "group" not in payload:
        return Disclosure.RESTRICTED  # a vote frozen before pseudonyms: its group id is unkeyed
    if kind == EventKind.BALLOT_VOIDED and "group" not in payload:
        return Disclosure.RESTRICTED  # version 1: an unkeyed group id
    return Disclosure.PUBLIC
