"""votes, topics, ballots, results and audit entries

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 21:01:11.621613
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SET LOCAL lock_timeout = '5s'")
    op.create_table(
        "idempotency_record",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_sha256", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_idempotency_record_account_id_account"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("account_id", "key", name=op.f("pk_idempotency_record")),
    )
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("estate_id", sa.Uuid(), nullable=True),
        sa.Column("vote_id", sa.Uuid(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("payload_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("leaf_index", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["estate_id"], ["estate.id"], name=op.f("fk_audit_entry_estate_id_estate"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entry")),
        sa.UniqueConstraint("leaf_index", name=op.f("uq_audit_entry_leaf_index")),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entry_estate_id"), ["estate_id"], unique=False)
        batch_op.create_index("ix_audit_entry_vote_kind", ["vote_id", "kind"], unique=False)

    op.create_table(
        "vote",
        sa.Column("estate_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "organiser_kind",
            sa.Enum(
                "OWNERS_COMMITTEE",
                "PROPERTY_MANAGEMENT_COMMITTEE",
                "PREPARATORY_GROUP",
                "CHANGEOVER_GROUP",
                "STREET_OFFICE",
                name="organiserkind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "DRAFT",
                "PUBLISHED",
                "OPEN",
                "CLOSED",
                "DECIDED",
                "RESULT_PUBLISHED",
                name="votestatus",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "voting_method",
            sa.Enum(
                "ONLINE", "PAPER", "MIXED", name="votingmethod", native_enum=False, create_constraint=True, length=32
            ),
            nullable=False,
        ),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("min_window_days", sa.Integer(), nullable=False),
        sa.Column("extension_rule", sa.JSON(), nullable=True),
        sa.Column("scope_units", sa.JSON(), nullable=True),
        sa.Column("proxies_allowed", sa.Boolean(), nullable=False),
        sa.Column("notice_text", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by", sa.String(length=200), nullable=True),
        sa.Column("notice_hash", sa.String(length=64), nullable=True),
        sa.Column("register_version_id", sa.Uuid(), nullable=True),
        sa.Column("roll_hash", sa.String(length=64), nullable=True),
        sa.Column("total_heads", sa.Integer(), nullable=True),
        sa.Column("total_area", sa.BigInteger(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result_published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_vote_window_ordered")),
        sa.ForeignKeyConstraint(
            ["estate_id"], ["estate.id"], name=op.f("fk_vote_estate_id_estate"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["register_version_id"],
            ["register_version.id"],
            name=op.f("fk_vote_register_version_id_register_version"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vote")),
    )
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vote_estate_id"), ["estate_id"], unique=False)

    op.create_table(
        "ballot",
        sa.Column("vote_id", sa.Uuid(), nullable=False),
        sa.Column("group_id", sa.String(length=32), nullable=False),
        sa.Column(
            "status",
            sa.Enum("COUNTED", "VOID", name="ballotstatus", native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column(
            "channel",
            sa.Enum("ONLINE", "PAPER", name="channel", native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("cast_by_account_id", sa.Uuid(), nullable=True),
        sa.Column("basis", sa.String(length=40), nullable=False),
        sa.Column("grant_id", sa.Uuid(), nullable=True),
        sa.Column("entered_by", sa.String(length=200), nullable=True),
        sa.Column("scan_sha256", sa.String(length=64), nullable=True),
        sa.Column("cast_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("void_reason", sa.String(length=500), nullable=True),
        sa.Column("audit_entry_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cast_by_account_id"],
            ["account.id"],
            name=op.f("fk_ballot_cast_by_account_id_account"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["grant_id"], ["acting_grant.id"], name=op.f("fk_ballot_grant_id_acting_grant"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(["vote_id"], ["vote.id"], name=op.f("fk_ballot_vote_id_vote"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballot")),
    )
    with op.batch_alter_table("ballot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ballot_cast_by_account_id"), ["cast_by_account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ballot_vote_id"), ["vote_id"], unique=False)
        batch_op.create_index(
            "uq_ballot_vote_group_counted",
            ["vote_id", "group_id"],
            unique=True,
            sqlite_where=sa.text("status = 'COUNTED'"),
            postgresql_where=sa.text("status = 'COUNTED'"),
        )

    op.create_table(
        "erratum",
        sa.Column("vote_id", sa.Uuid(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["vote_id"], ["vote.id"], name=op.f("fk_erratum_vote_id_vote"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erratum")),
    )
    with op.batch_alter_table("erratum", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_erratum_vote_id"), ["vote_id"], unique=False)

    op.create_table(
        "roll_group",
        sa.Column("vote_id", sa.Uuid(), nullable=False),
        sa.Column("group_id", sa.String(length=32), nullable=False),
        sa.Column("group_key", sa.Text(), nullable=False),
        sa.Column("area", sa.BigInteger(), nullable=False),
        sa.Column("is_developer", sa.Boolean(), nullable=False),
        sa.Column("unit_keys", sa.JSON(), nullable=False),
        sa.Column("owner_ids", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["vote_id"], ["vote.id"], name=op.f("fk_roll_group_vote_id_vote"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("vote_id", "group_id", name=op.f("pk_roll_group")),
    )
    op.create_table(
        "topic",
        sa.Column("vote_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "YES_NO",
                "ELECTION",
                "SINGLE_CHOICE",
                "CONSULTATION",
                name="topickind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("matters", sa.JSON(), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "ORDINARY",
                "SPECIAL",
                "NOT_A_MAJORITY_VOTE",
                name="category",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("rule", sa.JSON(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=True),
        sa.Column("election", sa.JSON(), nullable=True),
        sa.Column("declaration_property_management", sa.Boolean(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["vote_id"], ["vote.id"], name=op.f("fk_topic_vote_id_vote"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topic")),
        sa.UniqueConstraint("vote_id", "position", name=op.f("uq_topic_vote_id_position")),
    )
    with op.batch_alter_table("topic", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_topic_vote_id"), ["vote_id"], unique=False)

    op.create_table(
        "attachment",
        sa.Column("topic_id", sa.Uuid(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["topic.id"], name=op.f("fk_attachment_topic_id_topic"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
    )
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachment_topic_id"), ["topic_id"], unique=False)

    op.create_table(
        "ballot_mark",
        sa.Column("ballot_id", sa.Uuid(), nullable=False),
        sa.Column("topic_id", sa.Uuid(), nullable=False),
        sa.Column("item", sa.String(length=100), nullable=False),
        sa.Column("vote_id", sa.Uuid(), nullable=False),
        sa.Column("answer", sa.String(length=100), nullable=False),
        sa.Column("area", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ballot_id"], ["ballot.id"], name=op.f("fk_ballot_mark_ballot_id_ballot"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["topic.id"], name=op.f("fk_ballot_mark_topic_id_topic"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("ballot_id", "topic_id", "item", name=op.f("pk_ballot_mark")),
    )
    with op.batch_alter_table("ballot_mark", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ballot_mark_vote_id"), ["vote_id"], unique=False)

    op.create_table(
        "topic_result",
        sa.Column("topic_id", sa.Uuid(), nullable=False),
        sa.Column("vote_id", sa.Uuid(), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("evidence_sha256", sa.String(length=64), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["topic.id"], name=op.f("fk_topic_result_topic_id_topic"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["vote_id"], ["vote.id"], name=op.f("fk_topic_result_vote_id_vote"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("topic_id", name=op.f("pk_topic_result")),
    )
    with op.batch_alter_table("topic_result", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_topic_result_vote_id"), ["vote_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("topic_result", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_topic_result_vote_id"))

    op.drop_table("topic_result")
    with op.batch_alter_table("ballot_mark", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ballot_mark_vote_id"))

    op.drop_table("ballot_mark")
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachment_topic_id"))

    op.drop_table("attachment")
    with op.batch_alter_table("topic", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_topic_vote_id"))

    op.drop_table("topic")
    op.drop_table("roll_group")
    with op.batch_alter_table("erratum", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_erratum_vote_id"))

    op.drop_table("erratum")
    with op.batch_alter_table("ballot", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_ballot_vote_group_counted",
            sqlite_where=sa.text("status = 'COUNTED'"),
            postgresql_where=sa.text("status = 'COUNTED'"),
        )
        batch_op.drop_index(batch_op.f("ix_ballot_vote_id"))
        batch_op.drop_index(batch_op.f("ix_ballot_cast_by_account_id"))

    op.drop_table("ballot")
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vote_estate_id"))

    op.drop_table("vote")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entry_vote_kind")
        batch_op.drop_index(batch_op.f("ix_audit_entry_estate_id"))

    op.drop_table("audit_entry")
    op.drop_table("idempotency_record")
