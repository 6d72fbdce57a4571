"""rules of procedure (议事规则) as versioned data (R-PROC)

* ``procedure_rules_version``: an estate's proposed and adopted rules-of-procedure documents;
* ``vote.procedure_rules_id`` / ``procedure_rules_sha256``: the version frozen at publication (R-PROC-3);
* ``topic.procedure_rules_id`` / ``procedure_rules_sha256``: the version a topic proposes (R-PROC-1);
* ``topic.delegates``: powers a topic hands to the committee (R-PROC-8).

Revision ID: procedure_rules
Revises: committees
Create Date: 2026-12-06 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "procedure_rules"
down_revision: str | None = "committees"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("SET LOCAL lock_timeout = '5s'")
    op.create_table(
        "procedure_rules_version",
        sa.Column("estate_id", sa.Uuid(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("proposed_by", sa.String(length=200), nullable=False),
        sa.Column("adopted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("adopted_topic_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["estate_id"], ["estate.id"], name=op.f("fk_procedure_rules_version_estate_id_estate"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procedure_rules_version")),
    )
    with op.batch_alter_table("procedure_rules_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_procedure_rules_version_estate_id"), ["estate_id"], unique=False)
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.add_column(sa.Column("procedure_rules_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("procedure_rules_sha256", sa.String(length=64), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_vote_procedure_rules_id_procedure_rules_version"),
            "procedure_rules_version",
            ["procedure_rules_id"],
            ["id"],
            ondelete="RESTRICT",
        )
    with op.batch_alter_table("topic", schema=None) as batch_op:
        batch_op.add_column(sa.Column("procedure_rules_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("procedure_rules_sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("delegates", sa.JSON(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_topic_procedure_rules_id_procedure_rules_version"),
            "procedure_rules_version",
            ["procedure_rules_id"],
            ["id"],
            ondelete="RESTRICT",
        )


def downgrade() -> None:
    with op.batch_alter_table("topic", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_topic_procedure_rules_id_procedure_rules_version"), type_="foreignkey")
        batch_op.drop_column("delegates")
        batch_op.drop_column("procedure_rules_sha256")
        batch_op.drop_column("procedure_rules_id")
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_vote_procedure_rules_id_procedure_rules_version"), type_="foreignkey")
        batch_op.drop_column("procedure_rules_sha256")
        batch_op.drop_column("procedure_rules_id")
    with op.batch_alter_table("procedure_rules_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_procedure_rules_version_estate_id"))
    op.drop_table("procedure_rules_version")
