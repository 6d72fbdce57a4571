"""participation without answers: notices to named recipients, per-recipient delivery, push devices (R-PART)

* the notice audience ``RECIPIENTS``: a notice delivered to accounts named one by one (the non-voters' reminder);
* ``outbox_message.recipient_account_id``: the message is that one account's delivery (R-PART-5);
* ``push_device``: an account's registered push tokens, encrypted, with a blind index (R-PART-4).

Revision ID: participation
Revises: disclosure
Create Date: 2026-12-06 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "participation"
down_revision: str | None = "disclosure"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_AUDIENCES = ("OWNERS", "ORGANISERS", "ACCOUNT")
NEW_AUDIENCES = (*OLD_AUDIENCES, "RECIPIENTS")


def _audiences(audiences: Sequence[str]) -> None:
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_notice_audience"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_notice_audience"), "audience IN (" + ", ".join(f"'{value}'" for value in audiences) + ")"
        )


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("SET LOCAL lock_timeout = '5s'")
    _audiences(NEW_AUDIENCES)
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recipient_account_id", sa.Uuid(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_outbox_message_recipient_account_id"), ["recipient_account_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_message_recipient_account_id_account"),
            "account",
            ["recipient_account_id"],
            ["id"],
            ondelete="CASCADE",
        )
    op.create_table(
        "push_device",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column(
            "platform",
            sa.Enum("APNS", "FCM", "HMS", name="pushplatform", native_enum=False, create_constraint=True, length=16),
            nullable=False,
        ),
        sa.Column("token_ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("token_index", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_push_device_account_id_account"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_device")),
        sa.UniqueConstraint("account_id", "token_index", name="uq_push_device_account_token"),
    )
    with op.batch_alter_table("push_device", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_push_device_account_id"), ["account_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("push_device", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_push_device_account_id"))
    op.drop_table("push_device")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_outbox_message_recipient_account_id_account"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_outbox_message_recipient_account_id"))
        batch_op.drop_column("recipient_account_id")
    op.execute("DELETE FROM outbox_message WHERE notice_id IN (SELECT id FROM notice WHERE audience = 'RECIPIENTS')")
    op.execute("DELETE FROM notice WHERE audience = 'RECIPIENTS'")
    _audiences(OLD_AUDIENCES)
