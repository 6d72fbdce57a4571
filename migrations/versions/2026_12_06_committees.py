"""committees and 物管会 as records, the street office's convening grounds, each vote's convening mandate

* ``committee``, ``committee_member``: a 业委会's or 物管会's term, seats, members and alternates, filing (R-COMM);
* ``convening_trigger``: the street office's recorded statutory ground for convening (R-CONV-3);
* ``convening_mandate``, ``mandate_signature``: what a vote is convened on and the members' signatures (R-CONV-1/2);
* notice kind ``COMMITTEE_CHANGE`` (a seat ended by a new register version, Beijing Art. 46 ¶1(1)).

Revision ID: committees
Revises: notice_posting
Create Date: 2026-12-06 10:27:40
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "committees"
down_revision: str | None = "notice_posting"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_NOTICE_KINDS = (
    "VOTE_NOTICE", "ERRATUM", "CANCELLATION", "RESULT", "SUSPENSION", "RESUMPTION", "CORRECTION_ORDER",
    "REVOCATION", "PETITION", "REMINDER", "VERIFICATION_ALERT", "REGISTER_CHANGE", "BINDING_ENDED",
    "TERMINATION",  # revision supervision_decisions
)  # fmt: skip
NEW_NOTICE_KINDS = (*OLD_NOTICE_KINDS, "COMMITTEE_CHANGE")


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
        "committee",
        sa.Column("estate_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "OWNERS_COMMITTEE",
                "PROPERTY_MANAGEMENT_COMMITTEE",
                name="committeekind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("alternate_seats", sa.Integer(), nullable=False),
        sa.Column("term_starts_on", sa.Date(), nullable=False),
        sa.Column("term_ends_on", sa.Date(), nullable=False),
        sa.Column(
            "formation_ground",
            sa.Enum(
                "ASSEMBLY_CONDITIONS_NOT_MET",
                "ASSEMBLY_DIFFICULT",
                "NO_COMMITTEE_ELECTED",
                name="pmcformationground",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("elected_by_vote_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=True),
        sa.Column("filed_by", sa.String(length=200), nullable=True),
        sa.Column("filing_reference", sa.String(length=100), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("seats > 0 AND alternate_seats >= 0", name=op.f("ck_committee_seats_positive")),
        sa.CheckConstraint("term_ends_on > term_starts_on", name=op.f("ck_committee_term_ordered")),
        sa.ForeignKeyConstraint(
            ["elected_by_vote_id"], ["vote.id"], name=op.f("fk_committee_elected_by_vote_id_vote"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["estate_id"], ["estate.id"], name=op.f("fk_committee_estate_id_estate"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_committee")),
    )
    with op.batch_alter_table("committee", schema=None) as batch_op:
        batch_op.create_index("ix_committee_estate_kind", ["estate_id", "kind"], unique=False)

    op.create_table(
        "committee_member",
        sa.Column("committee_id", sa.Uuid(), nullable=False),
        sa.Column(
            "seat_kind",
            sa.Enum("MEMBER", "ALTERNATE", name="seatkind", native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column("seat", sa.Integer(), nullable=False),
        sa.Column(
            "constituency",
            sa.Enum(
                "OWNER",
                "RESIDENTS_COMMITTEE",
                "PROPERTY_USER",
                name="constituency",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("account_id", sa.Uuid(), nullable=True),
        sa.Column("authorisation_sha256", sa.String(length=64), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column(
            "end_reason",
            sa.Enum(
                "NO_LONGER_OWNER",
                "RESIGNED",
                "INCAPACITATED",
                "RECALLED",
                "PROMOTED",
                name="membershipend",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("ended_by_register_version_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("owner_id IS NOT NULL OR account_id IS NOT NULL", name=op.f("ck_committee_member_linked")),
        sa.CheckConstraint("seat >= 1", name=op.f("ck_committee_member_seat_positive")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_committee_member_account_id_account"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["committee_id"],
            ["committee.id"],
            name=op.f("fk_committee_member_committee_id_committee"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ended_by_register_version_id"],
            ["register_version.id"],
            name=op.f("fk_committee_member_ended_by_register_version_id_register_version"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["owner.id"], name=op.f("fk_committee_member_owner_id_owner"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_committee_member")),
    )
    with op.batch_alter_table("committee_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_committee_member_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_committee_member_committee_id"), ["committee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_committee_member_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "convening_trigger",
        sa.Column("estate_id", sa.Uuid(), nullable=False),
        sa.Column(
            "ground",
            sa.Enum(
                "COMMITTEE_FAILED_TO_CONVENE",
                "COMMITTEE_CANNOT_FUNCTION",
                "NO_COMMITTEE",
                "EMERGENCY_SERVICE",
                name="conveningground",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("deadline_on", sa.Date(), nullable=True),
        sa.Column("committee_id", sa.Uuid(), nullable=True),
        sa.Column("document_ref", sa.String(length=100), nullable=False),
        sa.Column("evidence_sha256", sa.String(length=64), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["committee_id"],
            ["committee.id"],
            name=op.f("fk_convening_trigger_committee_id_committee"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["estate_id"], ["estate.id"], name=op.f("fk_convening_trigger_estate_id_estate"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_convening_trigger")),
    )
    with op.batch_alter_table("convening_trigger", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_convening_trigger_estate_id"), ["estate_id"], unique=False)

    op.create_table(
        "convening_mandate",
        sa.Column("vote_id", sa.Uuid(), nullable=False),
        sa.Column("committee_id", sa.Uuid(), nullable=True),
        sa.Column("trigger_id", sa.Uuid(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(committee_id IS NULL) <> (trigger_id IS NULL)", name=op.f("ck_convening_mandate_one_basis")
        ),
        sa.ForeignKeyConstraint(
            ["committee_id"],
            ["committee.id"],
            name=op.f("fk_convening_mandate_committee_id_committee"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["trigger_id"],
            ["convening_trigger.id"],
            name=op.f("fk_convening_mandate_trigger_id_convening_trigger"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["vote_id"], ["vote.id"], name=op.f("fk_convening_mandate_vote_id_vote"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_convening_mandate")),
        sa.UniqueConstraint("vote_id", name=op.f("uq_convening_mandate_vote_id")),
    )
    op.create_table(
        "mandate_signature",
        sa.Column("mandate_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_mandate_signature_account_id_account"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["mandate_id"],
            ["convening_mandate.id"],
            name=op.f("fk_mandate_signature_mandate_id_convening_mandate"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["committee_member.id"],
            name=op.f("fk_mandate_signature_member_id_committee_member"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mandate_signature")),
        sa.UniqueConstraint("mandate_id", "member_id", name=op.f("uq_mandate_signature_mandate_id_member_id")),
    )
    _notice_kinds(NEW_NOTICE_KINDS)


def downgrade() -> None:
    op.execute("DELETE FROM notice WHERE kind = 'COMMITTEE_CHANGE'")
    _notice_kinds(OLD_NOTICE_KINDS)
    op.drop_table("mandate_signature")
    op.drop_table("convening_mandate")
    with op.batch_alter_table("convening_trigger", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_convening_trigger_estate_id"))

    op.drop_table("convening_trigger")
    with op.batch_alter_table("committee_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_committee_member_owner_id"))
        batch_op.drop_index(batch_op.f("ix_committee_member_committee_id"))
        batch_op.drop_index(batch_op.f("ix_committee_member_account_id"))

    op.drop_table("committee_member")
    with op.batch_alter_table("committee", schema=None) as batch_op:
        batch_op.drop_index("ix_committee_estate_kind")

    op.drop_table("committee")
