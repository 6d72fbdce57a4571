"""The published notice as canonical documents, and the hashes that identify it (R-LIFE-2, R-LIFE-4).

Everything R-LIFE-2 requires the notice to contain is covered by one hash: each topic's canonical document
(full text, matters, category and counting rule, options or election method, the R-BAN-2 declaration and its
attachments by SHA-256) gives the topic's ``content_hash``; the notice document (vote parameters, the topic
hashes in order, the roll hash and the register version) gives the vote's ``notice_hash``. Both are SHA-256 of
RFC 8785 canonical JSON (``app.ledger.canonical``), so anyone can recompute them from ``GET /votes/{id}``:

Topic document (``content_hash``)::

    {"schema": "evote/topic/1", "title", "text", "kind", "matters": [...], "category",
     "rule": {"quorum": {"num", "den", "strict"}, "approval": {...}},
     "options": [{"id", "label"}] | null, "election": {...} | null,
     "declaration_property_management": true,
     "attachments": [{"filename", "content_type", "size", "sha256"}, ...],
     "procedure_rules_sha256"?, "delegates"?}   # only when the topic proposes rules / delegates (R-PROC)

Notice document (``notice_hash``)::

    {"schema": "evote/notice/2", "estate_id", "title", "organiser_kind", "voting_method",
     "starts_at", "ends_at",            # ISO-8601 UTC, whole seconds: "2025-03-16T16:00:00Z"
     "min_window_days", "extension_rule": {...} | null, "scope_units": [...] | null,
     "proxies_allowed", "notice_text", "paper_ballot_place", "roll_inspection_place",
     "statement",                       # the notice in words (R-NOTICE-1, ``app.vote.notices.notice_statement``)
     "topics": [content_hash, ...], "roll_hash", "register_version_id",
     "procedure_rules_sha256"?}         # only under adopted rules of procedure (R-PROC-3)

Version 2 of the notice document adds the statement in words, the paper-ballot place and the roll inspection
place (R-NOTICE-1, Beijing Art. 35(4)), so the signed hash covers what the owners were told; votes published
before keep their version-1 hash (the same document without those three members). Topics are in their notice
order, attachments in upload order (``created_at``, then id). An erratum (R-LIFE-4) is hashed over its text and
the notice hash it amends, so it can never pass for a new notice.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from app.ledger.canonical import canonical_sha256
from app.vote.models import Attachment, Topic, Vote
from app.vote.models import ordered_attachments as ordered_attachments  # re-exported: defined beside the model
from app.vote.notices import notice_statement

TOPIC_SCHEMA = "evote/topic/1"
NOTICE_SCHEMA = "evote/notice/2"
NOTICE_SCHEMA_1 = "evote/notice/1"
ERRATUM_SCHEMA = "evote/erratum/1"


def utc_text(instant: datetime) -> str:
    """``2025-03-16T16:00:00Z``: the one spelling of an instant inside a hashed document."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def notice_end(vote: Vote) -> datetime:
    """The end the notice published: a resumption's extension (R-SUP-5) is announced by its own notice and never
    rewrites the published one, whose hash stays what it was."""
    return vote.notice_ends_at or vote.ends_at


def attachment_document(attachment: Attachment) -> dict[str, Any]:
    return {
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
    }


def topic_document(topic: Topic) -> dict[str, Any]:
    return {
        "schema": TOPIC_SCHEMA,
        "title": topic.title,
        "text": topic.text,
        "kind": topic.kind.value,
        "matters": list(topic.matters),
        "category": topic.category.value,
        "rule": topic.rule,
        "options": topic.options,
        "election": topic.election,
        "declaration_property_management": topic.declaration_property_management,
        "attachments": [attachment_document(a) for a in ordered_attachments(topic.attachments)],
        # R-PROC-1 / R-PROC-8, present only on topics that carry them, so other topics hash as before.
        **({} if topic.procedure_rules_sha256 is None else {"procedure_rules_sha256": topic.procedure_rules_sha256}),
        **({} if topic.delegates is None else {"delegates": list(topic.delegates)}),
    }


def topic_hash(topic: Topic) -> str:
    return canonical_sha256(topic_document(topic))


def notice_document(
    vote: Vote, topic_hashes: Sequence[str], *, roll_hash: str, register_version_id: uuid.UUID
) -> dict[str, Any]:
    """The version-2 document; for a vote whose recorded ``notice_hash`` is that of the version-1 document (published
    before R-NOTICE-1), the version-1 document, so its evidence still verifies."""
    version_1 = {
        "schema": NOTICE_SCHEMA_1,
        "estate_id": str(vote.estate_id),
        "title": vote.title,
        "organiser_kind": vote.organiser_kind.value,
        "voting_method": vote.voting_method.value,
        "starts_at": utc_text(vote.starts_at),
        "ends_at": utc_text(notice_end(vote)),
        "min_window_days": vote.min_window_days,
        "extension_rule": vote.extension_rule,
        "scope_units": vote.scope_units,
        "proxies_allowed": vote.proxies_allowed,
        "notice_text": vote.notice_text,
        "topics": list(topic_hashes),
        "roll_hash": roll_hash,
        "register_version_id": str(register_version_id),
        # R-PROC-3: the adopted rules of procedure the vote is counted under (absent: the statutory defaults).
        **({} if vote.procedure_rules_id is None else {"procedure_rules_sha256": vote.procedure_rules_sha256}),
    }
    if vote.notice_hash is not None and vote.notice_hash == canonical_sha256(version_1):
        return version_1
    return version_1 | {
        "schema": NOTICE_SCHEMA,
        "paper_ballot_place": vote.paper_ballot_place,
        "roll_inspection_place": vote.roll_inspection_place,
        "statement": notice_statement(vote),
    }


def notice_hash(vote: Vote, topic_hashes: Sequence[str], *, roll_hash: str, register_version_id: uuid.UUID) -> str:
    return canonical_sha256(
        notice_document(vote, topic_hashes, roll_hash=roll_hash, register_version_id=register_version_id)
    )


def erratum_hash(*, vote_id: uuid.UUID, notice_hash: str, text: str) -> str:
    return canonical_sha256(
        {"schema": ERRATUM_SCHEMA, "vote_id": str(vote_id), "notice_hash": notice_hash, "text": text}
    )
