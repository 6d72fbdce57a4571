"""supervision: street-office and court actions on votes; vote statuses SUSPENDED and REVOKED_BY_* (R-SUP-1..3)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = ("DRAFT", "PUBLISHED", "OPEN", "CLOSED", "DECIDED", "RESULT_PUBLISHED", "CANCELLED")
AFTER = (*BEFORE, "SUSPENDED", "REVOKED_BY_STREET_OFFICE", "REVOKED_BY_COURT")
KINDS = (
    "SUSPENSION",
    "RESUMPTION",
    "CORRECTION_ORDER",
    "CORRECTION_FOLLOW_UP",
    "REVOCATION",
    "COURT_REVOCATION",
)


def _check(values: tuple[str, ...]) -> str:
    return "status IN (" + ", ".join(f"'{value}'" for value in values) + ")"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SET LOCAL lock_timeout = '5s'")
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_vote_votestatus"), type_="check")
        batch_op.create_check_constraint("votestatus", _check(AFTER))

    op.create_table(
        "supervision_action",
        sa.Column("estate_id", sa.Uuid(), nullable=False),
        sa.Column("vote_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(*KINDS, name="supervisionkind", native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("document_ref", sa.String(length=200), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("follows_id", sa.Uuid(), nullable=True),
        sa.Column("acted_by", sa.String(length=200), nullable=False),
        sa.Column("acted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("audit_entry_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "(kind = 'CORRECTION_ORDER' AND deadline IS NOT NULL) OR (kind <> 'CORRECTION_ORDER' AND deadline IS NULL)",
            name=op.f("ck_supervision_action_deadline_iff_order"),
        ),
        sa.CheckConstraint(
            "(kind = 'CORRECTION_FOLLOW_UP' AND follows_id IS NOT NULL) "
            "OR (kind <> 'CORRECTION_FOLLOW_UP' AND follows_id IS NULL)",
            name=op.f("ck_supervision_action_follows_iff_follow_up"),
        ),
        sa.ForeignKeyConstraint(
            ["audit_entry_id"],
            ["audit_entry.id"],
            name=op.f("fk_supervision_action_audit_entry_id_audit_entry"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["estate_id"], ["estate.id"], name=op.f("fk_supervision_action_estate_id_estate"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["follows_id"],
            ["supervision_action.id"],
            name=op.f("fk_supervision_action_follows_id_supervision_action"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["vote_id"], ["vote.id"], name=op.f("fk_supervision_action_vote_id_vote"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_action")),
        sa.UniqueConstraint("follows_id", name=op.f("uq_supervision_action_follows_id")),
    )
    with op.batch_alter_table("supervision_action", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_supervision_action_estate_id"), ["estate_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_supervision_action_vote_id"), ["vote_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("supervision_action", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supervision_action_vote_id"))
        batch_op.drop_index(batch_op.f("ix_supervision_action_estate_id"))
    op.drop_table("supervision_action")

    # Without the supervision record the states cannot be told apart: a suspended vote runs again in its window
    # and a revoked decision reads as the published result it was.
    op.execute("UPDATE vote SET status = 'PUBLISHED' WHERE status = 'SUSPENDED'")
    op.execute(
        "UPDATE vote SET status = 'RESULT_PUBLISHED' WHERE status IN ('REVOKED_BY_STREET_OFFICE', 'REVOKED_BY_COURT')"
    )
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_vote_votestatus"), type_="check")
        batch_op.create_check_constraint("votestatus", _check(BEFORE))
