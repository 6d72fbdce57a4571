"""the owners' app: notice read marks, and manual verification as a person (issue #19 items 4 and 5)

* ``notice_read_mark``: which notice an account has read and when (the owners' home screen: read state and the
  unread count); one row per (account, notice), written only by the account itself.
* ``manual_verification_request.purpose``: ``OWNER`` (the applicant owns a unit in the estate's register, as
  before) or ``PERSON`` (a legal representative, guardian or proxy proving who they are without owning a home,
  R-CAST-3..5); ``identity_document``: the document the ID number is the number of, so an approved person is
  recorded with the right one.

Revision ID: owner_app
Revises: procedure_rules
Create Date: 2026-12-06 11:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "owner_app"
down_revision: str | None = "procedure_rules"  # the lead re-chains migrations at merge
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PURPOSES = ("OWNER", "PERSON")
DOCUMENTS = (
    "RESIDENT_ID", "PASSPORT", "HK_MACAO_PERMIT", "TAIWAN_PERMIT", "FOREIGN_PERMANENT_RESIDENT_ID", "USCC",
)  # fmt: skip


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SET LOCAL lock_timeout = '5s'")
    op.create_table(
        "notice_read_mark",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("notice_id", sa.Uuid(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_notice_read_mark_account_id_account"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["notice.id"], name=op.f("fk_notice_read_mark_notice_id_notice"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("account_id", "notice_id", name=op.f("pk_notice_read_mark")),
    )
    with op.batch_alter_table("manual_verification_request", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "purpose",
                sa.Enum(*PURPOSES, name="verificationpurpose", native_enum=False, create_constraint=True, length=16),
                server_default="OWNER",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column(
                "identity_document",
                sa.Enum(*DOCUMENTS, name="identitydocument", native_enum=False, create_constraint=True, length=40),
                server_default="RESIDENT_ID",
                nullable=False,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("manual_verification_request", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_manual_verification_request_identitydocument"), type_="check")
        batch_op.drop_constraint(op.f("ck_manual_verification_request_verificationpurpose"), type_="check")
        batch_op.drop_column("identity_document")
        batch_op.drop_column("purpose")
    op.drop_table("notice_read_mark")
