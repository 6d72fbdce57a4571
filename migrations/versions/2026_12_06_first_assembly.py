"""the first owners' assembly as a procedure (R-FIRST)

* ``preparatory_group`` / ``preparatory_group_member``: the 筹备组 the street office forms (Beijing Art. 31);
* ``publicity_objection``: owners' objections to the first-assembly publicity and their answers (Art. 32).

Revision ID: first_assembly
Revises: participation
Create Date: 2026-12-06 11:26:35.121778
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "first_assembly"
down_revision: str | None = "participation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SET LOCAL lock_timeout = '5s'")
    op.create_table(
        "preparatory_group",
        sa.Column("estate_id", sa.Uuid(), nullable=False),
        sa.Column("application_petition_id", sa.Uuid(), nullable=True),
        sa.Column("formed_on", sa.Date(), nullable=False),
        sa.Column("document_ref", sa.String(length=100), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("members_publicised_on", sa.Date(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_petition_id"],
            ["petition.id"],
            name=op.f("fk_preparatory_group_application_petition_id_petition"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["estate_id"], ["estate.id"], name=op.f("fk_preparatory_group_estate_id_estate"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_preparatory_group")),
    )
    with op.batch_alter_table("preparatory_group", schema=None) as batch_op:
        batch_op.create_index("ix_preparatory_group_estate_formed", ["estate_id", "formed_on"], unique=False)

    op.create_table(
        "publicity_objection",
        sa.Column("vote_id", sa.Uuid(), nullable=False),
        sa.Column("estate_id", sa.Uuid(), nullable=False),
        sa.Column(
            "item",
            sa.Enum(
                "MANAGEMENT_COVENANT",
                "RULES_OF_PROCEDURE",
                "CANDIDATES",
                "ELECTION_METHOD",
                "MEETING_PLAN",
                name="publicityitem",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("salt", sa.String(length=32), nullable=False),
        sa.Column("text_commitment", sa.String(length=64), nullable=False),
        sa.Column("filed_by_account_id", sa.Uuid(), nullable=False),
        sa.Column("filed_by_owner_id", sa.Uuid(), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "decision",
            sa.Enum(
                "ACCEPTED", "REJECTED", name="objectiondecision", native_enum=False, create_constraint=True, length=32
            ),
            nullable=True,
        ),
        sa.Column("reasons", sa.Text(), nullable=True),
        sa.Column("reasons_commitment", sa.String(length=64), nullable=True),
        sa.Column("answered_by", sa.String(length=200), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "(decision IS NULL) = (answered_at IS NULL)", name=op.f("ck_publicity_objection_answer_complete")
        ),
        sa.ForeignKeyConstraint(
            ["estate_id"], ["estate.id"], name=op.f("fk_publicity_objection_estate_id_estate"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["filed_by_account_id"],
            ["account.id"],
            name=op.f("fk_publicity_objection_filed_by_account_id_account"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["filed_by_owner_id"],
            ["owner.id"],
            name=op.f("fk_publicity_objection_filed_by_owner_id_owner"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["vote_id"], ["vote.id"], name=op.f("fk_publicity_objection_vote_id_vote"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publicity_objection")),
    )
    with op.batch_alter_table("publicity_objection", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_publicity_objection_estate_id"), ["estate_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_publicity_objection_filed_by_account_id"), ["filed_by_account_id"], unique=False
        )
        batch_op.create_index("ix_publicity_objection_vote_filed", ["vote_id", "filed_at"], unique=False)

    op.create_table(
        "preparatory_group_member",
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("seat", sa.Integer(), nullable=False),
        sa.Column(
            "constituency",
            sa.Enum(
                "OWNER",
                "RESIDENTS_COMMITTEE",
                "STREET_OFFICE",
                "DEVELOPER",
                name="groupconstituency",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("is_head", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "constituency <> 'OWNER' OR owner_id IS NOT NULL", name=op.f("ck_preparatory_group_member_owner_linked")
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["preparatory_group.id"],
            name=op.f("fk_preparatory_group_member_group_id_preparatory_group"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["owner.id"], name=op.f("fk_preparatory_group_member_owner_id_owner"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_preparatory_group_member")),
        sa.UniqueConstraint("group_id", "seat", name=op.f("uq_preparatory_group_member_group_id_seat")),
    )
    with op.batch_alter_table("preparatory_group_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_preparatory_group_member_group_id"), ["group_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("preparatory_group_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_preparatory_group_member_group_id"))

    op.drop_table("preparatory_group_member")
    with op.batch_alter_table("publicity_objection", schema=None) as batch_op:
        batch_op.drop_index("ix_publicity_objection_vote_filed")
        batch_op.drop_index(batch_op.f("ix_publicity_objection_filed_by_account_id"))
        batch_op.drop_index(batch_op.f("ix_publicity_objection_estate_id"))

    op.drop_table("publicity_objection")
    with op.batch_alter_table("preparatory_group", schema=None) as batch_op:
        batch_op.drop_index("ix_preparatory_group_estate_formed")

    op.drop_table("preparatory_group")
