"""paper ballots received at the server's clock with stored scans, and the public counting session

* ``paper_scan``: the bytes of each paper ballot's (or sealed envelope's) scan, named by their SHA-256 (R-PAPER-4).
* ``paper_reception``: a paper ballot's arrival, at the server's clock (R-PAPER-1), RECEIVED, COUNTED or
  DUPLICATE (R-PAPER-2); one non-duplicate reception per group and vote.
* ``counting_session`` and ``counting_witness``: the counting after the close before witnesses (R-PAPER-3).

Revision ID: paper_count
Revises: elections
Create Date: 2026-12-06 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "paper_count"
down_revision: str | None = "elections"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SET LOCAL lock_timeout = '5s'")
    op.create_table(
        "paper_scan",
        sa.Column("vote_id", sa.Uuid(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["vote_id"], ["vote.id"], name=op.f("fk_paper_scan_vote_id_vote"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("vote_id", "sha256", name=op.f("pk_paper_scan")),
    )
    op.create_table(
        "paper_reception",
        sa.Column("vote_id", sa.Uuid(), nullable=False),
        sa.Column("group_id", sa.String(length=32), nullable=False),
        sa.Column("form", _enum("paperform", "SHEET", "SEALED_ENVELOPE"), nullable=False),
        sa.Column("scan_sha256", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("date_on_paper", sa.String(length=10), nullable=True),
        sa.Column("status", _enum("receptionstatus", "RECEIVED", "COUNTED", "DUPLICATE"), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("audit_entry_id", sa.Uuid(), nullable=False),
        sa.Column("ballot_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ballot_id"], ["ballot.id"], name=op.f("fk_paper_reception_ballot_id_ballot"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["vote_id"], ["vote.id"], name=op.f("fk_paper_reception_vote_id_vote"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper_reception")),
    )
    with op.batch_alter_table("paper_reception", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_paper_reception_vote_id"), ["vote_id"], unique=False)
        batch_op.create_index(
            "uq_paper_reception_vote_group_first",
            ["vote_id", "group_id"],
            unique=True,
            sqlite_where=sa.text("status != 'DUPLICATE'"),
            postgresql_where=sa.text("status != 'DUPLICATE'"),
        )
    op.create_table(
        "counting_session",
        sa.Column("vote_id", sa.Uuid(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_by", sa.String(length=200), nullable=False),
        sa.Column("signed_off_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["vote_id"], ["vote.id"], name=op.f("fk_counting_session_vote_id_vote"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_counting_session")),
        sa.UniqueConstraint("vote_id", name=op.f("uq_counting_session_vote_id")),
    )
    op.create_table(
        "counting_witness",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("role", _enum("witnessrole", "OWNER", "RESIDENTS_COMMITTEE", "STREET_OFFICE"), nullable=False),
        sa.Column("pseudonym", sa.String(length=64), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_counting_witness_account_id_account"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["counting_session.id"],
            name=op.f("fk_counting_witness_session_id_counting_session"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", "account_id", name=op.f("pk_counting_witness")),
    )


def downgrade() -> None:
    op.drop_table("counting_witness")
    op.drop_table("counting_session")
    with op.batch_alter_table("paper_reception", schema=None) as batch_op:
        batch_op.drop_index("uq_paper_reception_vote_group_first")
        batch_op.drop_index(batch_op.f("ix_paper_reception_vote_id"))
    op.drop_table("paper_reception")
    op.drop_table("paper_scan")
