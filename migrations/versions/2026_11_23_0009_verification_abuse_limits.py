"""verification attempts keep a keyed hash of the client address; notices of kind VERIFICATION_ALERT

Failed self-service verifications are limited per account, per (account, ID number) and per client address, and
repeated failures against one ID number alert the estate's organisers and street office (a notice).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOTICE_KINDS = (
    "VOTE_NOTICE",
    "ERRATUM",
    "CANCELLATION",
    "RESULT",
    "SUSPENSION",
    "RESUMPTION",
    "CORRECTION_ORDER",
    "REVOCATION",
    "PETITION",
    "REMINDER",
)
ALERT = "VERIFICATION_ALERT"


def _notice_kinds(kinds: Sequence[str]) -> None:
    with op.batch_alter_table("notice", schema=None, recreate="auto") as batch_op:
        batch_op.drop_constraint(op.f("ck_notice_noticekind"), type_="check")
        batch_op.create_check_constraint("noticekind", sa.column("kind").in_(kinds))


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SET LOCAL lock_timeout = '5s'")
    with op.batch_alter_table("verification_attempt", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_index", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_verification_attempt_client_created", ["client_index", "created_at"], unique=False)
    _notice_kinds((*NOTICE_KINDS, ALERT))


def downgrade() -> None:
    # The alerts cannot be kept under the older constraint; their audit entries stay in the log.
    alerts = "SELECT id FROM notice WHERE kind = :kind"
    op.execute(sa.text(f"DELETE FROM outbox_message WHERE notice_id IN ({alerts})").bindparams(kind=ALERT))
    op.execute(sa.text("DELETE FROM notice WHERE kind = :kind").bindparams(kind=ALERT))
    _notice_kinds(NOTICE_KINDS)
    with op.batch_alter_table("verification_attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_verification_attempt_client_created")
        batch_op.drop_column("client_index")
