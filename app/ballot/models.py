"""Ballots: one final ballot per voter group and vote, covering every topic (R-TALLY-1, R-TALLY-7).

The unique key on (vote, group) among counted ballots is the last line of defence against a double vote,
whichever co-owner, proxy or channel submits it. Each ballot's answers are also stored as marks, one per
topic (and per candidate for elections), carrying the group's frozen area: the close-time tally's aggregate on
SQLite and the recount the kept sums (``TallySum``, PostgreSQL) are tested against.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin, enum_column, utcnow
from app.rules.paper import PaperForm, ReceptionStatus, WitnessRole


class Channel(StrEnum):
    ONLINE = "ONLINE"
    PAPER = "PAPER"  # R-TALLY-9: entered by the organiser with the scan's hash


class BallotStatus(StrEnum):
    COUNTED = "COUNTED"
    VOID = "VOID"  # R-TALLY-6: excluded completely, with a logged reason


class Ballot(IdMixin, Base):
    __tablename__ = "ballot"
    __table_args__ = (
        # One counted ballot per group and vote (R-TALLY-7); void ones stay on record beside it.
        sa.Index(
            "uq_ballot_vote_group_counted",
            "vote_id",
            "group_id",
            unique=True,
            sqlite_where=sa.text("status = 'COUNTED'"),
            postgresql_where=sa.text("status = 'COUNTED'"),
        ),
        # The close's counted set (R-REC-1): the counted commitments in code point order (``content_hash`` is
        # collated "C" on PostgreSQL), the set's leaf order, with their leaf hashes, read from the index alone.
        sa.Index(
            "ix_ballot_counted_leaves",
            "vote_id",
            "content_hash",
            postgresql_include=["leaf_hash"],
            sqlite_where=sa.text("status = 'COUNTED'"),
            postgresql_where=sa.text("status = 'COUNTED'"),
        ),
    )

    vote_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("vote.id", ondelete="RESTRICT"), index=True)
    group_id: Mapped[str] = mapped_column(sa.String(32))
    status: Mapped[BallotStatus] = mapped_column(enum_column(BallotStatus), default=BallotStatus.COUNTED)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel), default=Channel.ONLINE)
    answers: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    """Topic id → answer, exactly as cast (the canonical ballot content)."""
    content_hash: Mapped[str] = mapped_column(sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql"))
    """The ballot's commitment (``app.ledger.ballot``); the unsalted version-1 hash for ballots without a nonce.
    Ordered by code point on PostgreSQL (collation "C"), as the counted set sorts its leaves."""
    nonce: Mapped[str | None] = mapped_column(sa.String(32))
    """The commitment's 128 random bits (hex), for the recount bundle and the caster's receipt; None: version 1."""
    cast_by_account_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("account.id", ondelete="RESTRICT"), index=True
    )
    basis: Mapped[str] = mapped_column(sa.String(40))
    """R-REC-1: OWNER, CO_OWNER, PROXY, GUARDIAN, LEGAL_REPRESENTATIVE, … or PAPER_ENTRY."""
    grant_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("acting_grant.id", ondelete="RESTRICT"))
    entered_by: Mapped[str | None] = mapped_column(sa.String(200))
    scan_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    cast_at: Mapped[datetime]
    void_reason: Mapped[str | None] = mapped_column(sa.String(500))
    audit_entry_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    leaf_hash: Mapped[bytes | None] = mapped_column(
        sa.LargeBinary, server_default=sa.FetchedValue(), server_onupdate=sa.FetchedValue(), deferred=True
    )
    """PostgreSQL: the commitment's RFC 9162 leaf hash, ``SHA-256(0x00 || content_hash)``, kept by a trigger on every
    write of ``content_hash`` (migration ``close_reads``), so the close hashes only the counted set's interior
    nodes; None for a commitment that is not ASCII, and always on SQLite (its close hashes the commitments)."""


class BallotMark(Base):
    """One answer of a counted ballot, with the group's frozen area: the rows the SQL tally adds up."""

    __tablename__ = "ballot_mark"

    ballot_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("ballot.id", ondelete="CASCADE"), primary_key=True)
    topic_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("topic.id", ondelete="RESTRICT"), primary_key=True)
    item: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    """"" for yes/no and option topics; the candidate id for elections."""
    vote_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, index=True)
    answer: Mapped[str] = mapped_column(sa.String(100))
    area: Mapped[int] = mapped_column(sa.BigInteger)


PARTICIPATION_TOPIC = uuid.UUID(int=0)
"""``TallySum.topic_id`` of the row that counts the ballots themselves (participation): no topic has the nil id."""


class TallySum(Base):
    """Counted ballots summed by (vote, topic, exact answer) at cast time, so the close reads a few hundred sums
    instead of grouping every ballot's marks (issue #21); one more row per vote (``PARTICIPATION_TOPIC``, answer
    ``""``) counts the ballots. ``heads`` is ballots, ``area`` their groups' frozen areas (R-HEAD-7, R-AREA-5).

    On PostgreSQL a statement trigger on ``ballot`` (migration ``tally_sums``) keeps the rows in the same
    transaction as the ballot: every insert, status change (a void, R-TALLY-6) or deletion of a counted ballot adds
    or subtracts exactly its own weight, whichever code path wrote it. A vote's sums for one key are spread over
    ``shard`` rows (the writing backend's pid modulo 64) so concurrent casts do not queue on one row lock; the
    close adds the shards. SQLite keeps no sums: its close recounts the marks. The offline verifier recounts the
    ballots from the log and stays the authority (R-REC-1)."""

    __tablename__ = "tally_sum"

    vote_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("vote.id", ondelete="CASCADE"), primary_key=True)
    topic_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    answer: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    """The topic's answer as PostgreSQL's ``jsonb`` text of the cast answer (the election's whole choice)."""
    shard: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True)
    heads: Mapped[int] = mapped_column(sa.BigInteger)
    area: Mapped[int] = mapped_column(sa.BigInteger)


class IdempotencyRecord(Base):
    """A mobile retry with the same ``Idempotency-Key`` gets the first response back, not a second ballot."""

    __tablename__ = "idempotency_record"

    account_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    request_sha256: Mapped[str] = mapped_column(sa.String(64))
    status_code: Mapped[int]
    body: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PaperScan(Base):
    """R-PAPER-4: a scan of a paper ballot (or of its sealed envelope), stored and named by its bytes' SHA-256."""

    __tablename__ = "paper_scan"

    vote_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("vote.id", ondelete="RESTRICT"), primary_key=True)
    sha256: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    media_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)
    uploaded_at: Mapped[datetime]
    uploaded_by: Mapped[str] = mapped_column(sa.String(200))


class PaperReception(IdMixin, Base):
    """R-PAPER-1, R-PAPER-2: a paper ballot's arrival at the organiser, at the server's clock.

    Its answers are entered at the counting session (R-PAPER-3), which turns a RECEIVED reception into the
    counted ballot ``ballot_id``; a DUPLICATE stays on record and is never counted."""

    __tablename__ = "paper_reception"
    __table_args__ = (
        # R-PAPER-2: one reception per group and vote may count; duplicates stay on record beside it.
        sa.Index(
            "uq_paper_reception_vote_group_first",
            "vote_id",
            "group_id",
            unique=True,
            sqlite_where=sa.text("status != 'DUPLICATE'"),
            postgresql_where=sa.text("status != 'DUPLICATE'"),
        ),
    )

    vote_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("vote.id", ondelete="RESTRICT"), index=True)
    group_id: Mapped[str] = mapped_column(sa.String(32))
    form: Mapped[PaperForm] = mapped_column(enum_column(PaperForm))
    scan_sha256: Mapped[str] = mapped_column(sa.String(64))
    received_at: Mapped[datetime]
    """The server's clock when the reception was recorded: the instant the ballot takes effect (CC Art. 137 ¶2)."""
    date_on_paper: Mapped[str | None] = mapped_column(sa.String(10))
    """A date written on the paper (YYYY-MM-DD), kept as information only: it never moves ``received_at``."""
    status: Mapped[ReceptionStatus] = mapped_column(enum_column(ReceptionStatus))
    recorded_by: Mapped[str] = mapped_column(sa.String(200))
    audit_entry_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    ballot_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("ballot.id", ondelete="RESTRICT"))


class CountingSession(IdMixin, Base):
    """R-PAPER-3: the public counting of a paper or mixed vote's paper ballots, after the close."""

    __tablename__ = "counting_session"

    vote_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("vote.id", ondelete="RESTRICT"), unique=True)
    opened_at: Mapped[datetime]
    opened_by: Mapped[str] = mapped_column(sa.String(200))
    signed_off_at: Mapped[datetime | None]
    """When the last witness confirmed: from then on no entry, and the vote is closed, decided and published."""


class CountingWitness(Base):
    """R-PAPER-3: a witness of the counting, an account that confirms the count through its own sign-in."""

    __tablename__ = "counting_witness"

    session_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("counting_session.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("account.id", ondelete="RESTRICT"), primary_key=True)
    role: Mapped[WitnessRole] = mapped_column(enum_column(WitnessRole))
    pseudonym: Mapped[str] = mapped_column(sa.String(64))
    """What the public log names the witness by (a per-vote keyed pseudonym, docs/secrecy.md)."""
    confirmed_at: Mapped[datetime | None]
