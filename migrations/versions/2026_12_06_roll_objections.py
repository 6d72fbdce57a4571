"""objections to a vote's published roll (R-ROLL-7; SPC Interpretation (2020) Art. 13, Beijing Art. 32)

* ``roll_objection``: an owner's objection to an entry of a vote's frozen roll, and the organiser's answer; the
  texts stay here (restricted), the log holds their commitments.

Revision ID: roll_objections
Revises: 0011
Create Date: 2026-12-06 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "roll_objections"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DECISIONS = ("ACCEPTED", "REJECTED")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SET LOCAL lock_timeout = '5s'")
    op.create_table(
        "roll_objection",
        sa.Column("vote_id", sa.Uuid(), nullable=False),
        sa.Column("estate_id", sa.Uuid(), nullable=False),
        sa.Column("group_id", sa.String(length=32), nullable=True),
        sa.Column("unit_key", sa.String(length=220), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("salt", sa.String(length=32), nullable=False),
        sa.Column("text_commitment", sa.String(length=64), nullable=False),
        sa.Column("roll_hash", sa.String(length=64), nullable=False),
        sa.Column("filed_by_account_id", sa.Uuid(), nullable=False),
        sa.Column("filed_by_owner_id", sa.Uuid(), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "decision",
            sa.Enum(*DECISIONS, name="objectiondecision", native_enum=False, create_constraint=True, length=32),
            nullable=True,
        ),
        sa.Column("reasons", sa.Text(), nullable=True),
        sa.Column("reasons_commitment", sa.String(length=64), nullable=True),
        sa.Column("answered_by", sa.String(length=200), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("corrected_in_version_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "(decision IS NULL) = (answered_at IS NULL)", name=op.f("ck_roll_objection_answer_complete")
        ),
        sa.ForeignKeyConstraint(
            ["vote_id"], ["vote.id"], name=op.f("fk_roll_objection_vote_id_vote"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["estate_id"], ["estate.id"], name=op.f("fk_roll_objection_estate_id_estate"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["filed_by_account_id"],
            ["account.id"],
            name=op.f("fk_roll_objection_filed_by_account_id_account"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["filed_by_owner_id"],
            ["owner.id"],
            name=op.f("fk_roll_objection_filed_by_owner_id_owner"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["corrected_in_version_id"],
            ["register_version.id"],
            name=op.f("fk_roll_objection_corrected_in_version_id_register_version"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roll_objection")),
    )
    with op.batch_alter_table("roll_objection", schema=None) as batch_op:
        batch_op.create_index("ix_roll_objection_vote_filed", ["vote_id", "filed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_roll_objection_estate_id"), ["estate_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_roll_objection_filed_by_account_id"), ["filed_by_account_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("roll_objection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roll_objection_filed_by_account_id"))
        batch_op.drop_index(batch_op.f("ix_roll_objection_estate_id"))
        batch_op.drop_index("ix_roll_objection_vote_filed")
    op.drop_table("roll_objection")
