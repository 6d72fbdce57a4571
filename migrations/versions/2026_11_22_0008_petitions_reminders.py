"""petitions: first-assembly applications and temporary-meeting petitions, one signature per voter group

R-LIFE-9 (Beijing Regulation Art. 30), R-LIFE-10 (Beijing Arts. 35(2), 36); issue #7 item 3.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SET LOCAL lock_timeout = '5s'")
    op.create_table(
        "petition",
        sa.Column("estate_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "FIRST_ASSEMBLY_APPLICATION",
                "TEMPORARY_MEETING",
                name="petitionkind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("opened_by_account_id", sa.Uuid(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "OPEN",
                "THRESHOLD_MET",
                "SUBMITTED",
                "ESCALATED",
                "CLOSED",
                name="petitionstatus",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("threshold_met_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("register_version_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["estate_id"], ["estate.id"], name=op.f("fk_petition_estate_id_estate"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["opened_by_account_id"],
            ["account.id"],
            name=op.f("fk_petition_opened_by_account_id_account"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["register_version_id"],
            ["register_version.id"],
            name=op.f("fk_petition_register_version_id_register_version"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_petition")),
    )
    with op.batch_alter_table("petition", schema=None) as batch_op:
        batch_op.create_index("ix_petition_estate_opened", ["estate_id", "opened_at"], unique=False)

    op.create_table(
        "petition_signature",
        sa.Column("petition_id", sa.Uuid(), nullable=False),
        sa.Column("group_id", sa.String(length=32), nullable=False),
        sa.Column("signed_by_account_id", sa.Uuid(), nullable=False),
        sa.Column("basis", sa.String(length=40), nullable=False),
        sa.Column("grant_id", sa.Uuid(), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["grant_id"],
            ["acting_grant.id"],
            name=op.f("fk_petition_signature_grant_id_acting_grant"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["petition_id"],
            ["petition.id"],
            name=op.f("fk_petition_signature_petition_id_petition"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["signed_by_account_id"],
            ["account.id"],
            name=op.f("fk_petition_signature_signed_by_account_id_account"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_petition_signature")),
        sa.UniqueConstraint("petition_id", "group_id", name=op.f("uq_petition_signature_petition_id_group_id")),
    )
    with op.batch_alter_table("petition_signature", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_petition_signature_signed_by_account_id"), ["signed_by_account_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("petition_signature", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_petition_signature_signed_by_account_id"))

    op.drop_table("petition_signature")
    with op.batch_alter_table("petition", schema=None) as batch_op:
        batch_op.drop_index("ix_petition_estate_opened")

    op.drop_table("petition")
