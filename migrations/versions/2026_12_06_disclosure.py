"""a committee's disclosures (R-DISC)

* ``fee_disclosure``, ``fee_disclosure_entry``: the half-yearly publication of the members' fee payments (Beijing
  Art. 44(8); seed 003 §四.4);
* ``committee_report``, ``committee_report_document``: the committee's yearly report and finances summary;
* ``committee_evaluation``: the street office's yearly evaluation of a committee (seed 003 §四.3);
* notice kind ``DISCLOSURE``.

Revision ID: disclosure
Revises: owner_app
Create Date: 2026-12-06 11:25:51
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "disclosure"
down_revision: str | None = "owner_app"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_NOTICE_KINDS = (
    "VOTE_NOTICE", "ERRATUM", "CANCELLATION", "RESULT", "SUSPENSION", "RESUMPTION", "CORRECTION_ORDER",
    "REVOCATION", "PETITION", "REMINDER", "VERIFICATION_ALERT", "REGISTER_CHANGE", "BINDING_ENDED",
    "TERMINATION", "COMMITTEE_CHANGE",
)  # fmt: skip
NEW_NOTICE_KINDS = (*OLD_NOTICE_KINDS, "DISCLOSURE")


def _notice_kinds(kinds: Sequence[str]) -> None:
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_notice_noticekind"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_notice_noticekind"), "kind IN (" + ", ".join(f"'{kind}'" for kind in kinds) + ")"
        )


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SET LOCAL lock_timeout = '5s'")
    op.create_table(
        "committee_evaluation",
        sa.Column("committee_id", sa.Uuid(), nullable=False),
        sa.Column("estate_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column(
            "grade",
            sa.Enum(
                "EXCELLENT",
                "GOOD",
                "SATISFACTORY",
                "FAIL",
                name="evaluationgrade",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("document_ref", sa.String(length=100), nullable=False),
        sa.Column("document_sha256", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "score IS NULL OR (score >= 0 AND score <= 100)", name=op.f("ck_committee_evaluation_score_range")
        ),
        sa.ForeignKeyConstraint(
            ["committee_id"],
            ["committee.id"],
            name=op.f("fk_committee_evaluation_committee_id_committee"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["estate_id"], ["estate.id"], name=op.f("fk_committee_evaluation_estate_id_estate"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_committee_evaluation")),
        sa.UniqueConstraint("committee_id", "year", name=op.f("uq_committee_evaluation_committee_id_year")),
    )
    with op.batch_alter_table("committee_evaluation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_committee_evaluation_committee_id"), ["committee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_committee_evaluation_estate_id"), ["estate_id"], unique=False)

    op.create_table(
        "committee_report",
        sa.Column("committee_id", sa.Uuid(), nullable=False),
        sa.Column("estate_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["committee_id"],
            ["committee.id"],
            name=op.f("fk_committee_report_committee_id_committee"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["estate_id"], ["estate.id"], name=op.f("fk_committee_report_estate_id_estate"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_committee_report")),
        sa.UniqueConstraint("committee_id", "year", name=op.f("uq_committee_report_committee_id_year")),
    )
    with op.batch_alter_table("committee_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_committee_report_committee_id"), ["committee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_committee_report_estate_id"), ["estate_id"], unique=False)

    op.create_table(
        "fee_disclosure",
        sa.Column("committee_id", sa.Uuid(), nullable=False),
        sa.Column("estate_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("half", sa.Integer(), nullable=False),
        sa.Column(
            "source",
            sa.Enum(
                "COMMITTEE_RECORDS",
                "PROPERTY_SERVICE_COMPANY",
                name="feesource",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("source_document_sha256", sa.String(length=64), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("half IN (1, 2)", name=op.f("ck_fee_disclosure_half_valid")),
        sa.ForeignKeyConstraint(
            ["committee_id"],
            ["committee.id"],
            name=op.f("fk_fee_disclosure_committee_id_committee"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["estate_id"], ["estate.id"], name=op.f("fk_fee_disclosure_estate_id_estate"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_disclosure")),
        sa.UniqueConstraint("committee_id", "year", "half", name=op.f("uq_fee_disclosure_committee_id_year_half")),
    )
    with op.batch_alter_table("fee_disclosure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fee_disclosure_committee_id"), ["committee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_fee_disclosure_estate_id"), ["estate_id"], unique=False)

    op.create_table(
        "committee_report_document",
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "WORK_REPORT", "FINANCES", name="reportdocument", native_enum=False, create_constraint=True, length=32
            ),
            nullable=False,
        ),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["committee_report.id"],
            name=op.f("fk_committee_report_document_report_id_committee_report"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_committee_report_document")),
        sa.UniqueConstraint("report_id", "role", name=op.f("uq_committee_report_document_report_id_role")),
    )
    with op.batch_alter_table("committee_report_document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_committee_report_document_report_id"), ["report_id"], unique=False)

    op.create_table(
        "fee_disclosure_entry",
        sa.Column("disclosure_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column(
            "property_fee",
            sa.Enum(
                "PAID",
                "IN_ARREARS",
                "NOT_APPLICABLE",
                name="property_fee_standing",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "parking_fee",
            sa.Enum(
                "PAID",
                "IN_ARREARS",
                "NOT_APPLICABLE",
                name="parking_fee_standing",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["disclosure_id"],
            ["fee_disclosure.id"],
            name=op.f("fk_fee_disclosure_entry_disclosure_id_fee_disclosure"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["committee_member.id"],
            name=op.f("fk_fee_disclosure_entry_member_id_committee_member"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_disclosure_entry")),
        sa.UniqueConstraint("disclosure_id", "member_id", name=op.f("uq_fee_disclosure_entry_disclosure_id_member_id")),
    )
    with op.batch_alter_table("fee_disclosure_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fee_disclosure_entry_disclosure_id"), ["disclosure_id"], unique=False)
    _notice_kinds(NEW_NOTICE_KINDS)


def downgrade() -> None:
    op.execute("DELETE FROM notice WHERE kind = 'DISCLOSURE'")
    _notice_kinds(OLD_NOTICE_KINDS)
    with op.batch_alter_table("fee_disclosure_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fee_disclosure_entry_disclosure_id"))

    op.drop_table("fee_disclosure_entry")
    with op.batch_alter_table("committee_report_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_committee_report_document_report_id"))

    op.drop_table("committee_report_document")
    with op.batch_alter_table("fee_disclosure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fee_disclosure_estate_id"))
        batch_op.drop_index(batch_op.f("ix_fee_disclosure_committee_id"))

    op.drop_table("fee_disclosure")
    with op.batch_alter_table("committee_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_committee_report_estate_id"))
        batch_op.drop_index(batch_op.f("ix_committee_report_committee_id"))

    op.drop_table("committee_report")
    with op.batch_alter_table("committee_evaluation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_committee_evaluation_estate_id"))
        batch_op.drop_index(batch_op.f("ix_committee_evaluation_committee_id"))

    op.drop_table("committee_evaluation")
