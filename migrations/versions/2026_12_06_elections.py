"""election candidates nominated from the register, their attested conditions, the Party acknowledgment

* ``election_candidate``: a candidate of an election topic and the owner of the register it refers to
  (Beijing Art. 39 ¶2, Art. 40 ¶1; R-CAND-1, R-CAND-2).
* ``candidate_attestation``: a condition attested with its source and document hash (R-CAND-3..7).
* ``candidate_list_acknowledgment``: the list as acknowledged by the community Party organisation (Art. 40 ¶2;
  R-CAND-8).

Revision ID: elections
Revises: supervision_decisions
Create Date: 2026-12-06 10:29:05.309302
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "elections"
down_revision: str | None = "supervision_decisions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SET LOCAL lock_timeout = '5s'")
    op.create_table(
        "candidate_attestation",
        sa.Column("topic_id", sa.Uuid(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.String(length=64), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column(
            "criterion",
            sa.Enum(
                "PROPERTY_FEES",
                "MAINTENANCE_FUND",
                "ILLEGAL_CONSTRUCTION",
                "ART39_CONDITIONS",
                name="criterion",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "finding",
            sa.Enum("MET", "NOT_MET", name="finding", native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column(
            "source",
            sa.Enum(
                "PROPERTY_SERVICE_COMPANY",
                "MAINTENANCE_FUND_RECORDS",
                "STREET_OFFICE",
                "RESIDENTS_COMMITTEE",
                "CANDIDATE_DECLARATION",
                name="source",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("document_sha256", sa.String(length=64), nullable=False),
        sa.Column("attested_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["owner.id"], name=op.f("fk_candidate_attestation_owner_id_owner"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["topic.id"], name=op.f("fk_candidate_attestation_topic_id_topic"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidate_attestation")),
        sa.UniqueConstraint("topic_id", "sequence", name=op.f("uq_candidate_attestation_topic_id_sequence")),
    )
    with op.batch_alter_table("candidate_attestation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_candidate_attestation_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_candidate_attestation_topic_id"), ["topic_id"], unique=False)

    op.create_table(
        "candidate_list_acknowledgment",
        sa.Column("topic_id", sa.Uuid(), nullable=False),
        sa.Column("list_hash", sa.String(length=64), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.Column("acknowledged_on", sa.Date(), nullable=False),
        sa.Column("receipt_sha256", sa.String(length=64), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["topic.id"], name=op.f("fk_candidate_list_acknowledgment_topic_id_topic"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidate_list_acknowledgment")),
    )
    with op.batch_alter_table("candidate_list_acknowledgment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_candidate_list_acknowledgment_topic_id"), ["topic_id"], unique=False)

    op.create_table(
        "election_candidate",
        sa.Column("topic_id", sa.Uuid(), nullable=False),
        sa.Column("candidate_id", sa.String(length=64), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("register_version_id", sa.Uuid(), nullable=False),
        sa.Column("unit_key", sa.String(length=220), nullable=False),
        sa.Column(
            "nominated_by",
            sa.Enum(
                "PARTY_ORGANISATION",
                "RESIDENTS_COMMITTEE",
                "SELF",
                "OWNERS_JOINT",
                name="nomination",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("representative_name", sa.String(length=100), nullable=True),
        sa.Column("representative_authorisation_sha256", sa.String(length=64), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["owner.id"], name=op.f("fk_election_candidate_owner_id_owner"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["register_version_id"],
            ["register_version.id"],
            name=op.f("fk_election_candidate_register_version_id_register_version"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["topic.id"], name=op.f("fk_election_candidate_topic_id_topic"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_election_candidate")),
        sa.UniqueConstraint("topic_id", "candidate_id", name=op.f("uq_election_candidate_topic_id_candidate_id")),
    )
    with op.batch_alter_table("election_candidate", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_election_candidate_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_election_candidate_topic_id"), ["topic_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("election_candidate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_election_candidate_topic_id"))
        batch_op.drop_index(batch_op.f("ix_election_candidate_owner_id"))

    op.drop_table("election_candidate")
    with op.batch_alter_table("candidate_list_acknowledgment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_candidate_list_acknowledgment_topic_id"))

    op.drop_table("candidate_list_acknowledgment")
    with op.batch_alter_table("candidate_attestation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_candidate_attestation_topic_id"))
        batch_op.drop_index(batch_op.f("ix_candidate_attestation_owner_id"))

    op.drop_table("candidate_attestation")
