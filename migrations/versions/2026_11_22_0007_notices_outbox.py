"""notices, their outbox, and the estate's reminder dates (issue #7 items 4-6)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOTICE_KINDS = (
    "VOTE_NOTICE",
    "ERRATUM",
    "CANCELLATION",
    "RESULT",
    "SUSPENSION",
    "RESUMPTION",
    "CORRECTION_ORDER",
    "REVOCATION",
    "PETITION",
    "REMINDER",
)
REMINDER_DATES = ("committee_term_ends_on", "service_contract_ends_on", "preliminary_contract_ends_on")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SET LOCAL lock_timeout = '5s'")
    op.create_table(
        "notice",
        sa.Column("estate_id", sa.Uuid(), nullable=False),
        sa.Column("vote_id", sa.Uuid(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(*NOTICE_KINDS, name="noticekind", native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "audience",
            sa.Enum("OWNERS", "ORGANISERS", name="audience", native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("dedup_key", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["estate_id"], ["estate.id"], name=op.f("fk_notice_estate_id_estate"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(["vote_id"], ["vote.id"], name=op.f("fk_notice_vote_id_vote"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice")),
        sa.UniqueConstraint("estate_id", "dedup_key", name=op.f("uq_notice_estate_id_dedup_key")),
    )
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notice_vote_id"), ["vote_id"], unique=False)
        batch_op.create_index("ix_notice_estate_published", ["estate_id", "published_at"], unique=False)

    op.create_table(
        "outbox_message",
        sa.Column("notice_id", sa.Uuid(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum("WEBHOOK", name="outboxchannel", native_enum=False, create_constraint=True, length=16),
            nullable=False,
        ),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "PENDING", "SENT", "DEAD", name="outboxstatus", native_enum=False, create_constraint=True, length=16
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_id", sa.Uuid(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["notice.id"], name=op.f("fk_outbox_message_notice_id_notice"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_message")),
    )
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_message_notice_id"), ["notice_id"], unique=False)
        batch_op.create_index("ix_outbox_message_due", ["status", "next_attempt_at"], unique=False)

    # R-LIFE-12 reminder dates on the estate.
    with op.batch_alter_table("estate", schema=None) as batch_op:
        for name in REMINDER_DATES:
            batch_op.add_column(sa.Column(name, sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("estate", schema=None) as batch_op:
        for name in reversed(REMINDER_DATES):
            batch_op.drop_column(name)

    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_message_due")
        batch_op.drop_index(batch_op.f("ix_outbox_message_notice_id"))

    op.drop_table("outbox_message")
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.drop_index("ix_notice_estate_published")
        batch_op.drop_index(batch_op.f("ix_notice_vote_id"))

    op.drop_table("notice")
