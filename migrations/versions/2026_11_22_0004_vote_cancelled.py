"""vote status CANCELLED (R-LIFE-4: a published vote is cancelled and re-published after any change)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 21:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = ("DRAFT", "PUBLISHED", "OPEN", "CLOSED", "DECIDED", "RESULT_PUBLISHED")
AFTER = (*BEFORE, "CANCELLED")


def _check(values: tuple[str, ...]) -> str:
    return "status IN (" + ", ".join(f"'{value}'" for value in values) + ")"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SET LOCAL lock_timeout = '5s'")
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_vote_votestatus"), type_="check")
        batch_op.create_check_constraint("votestatus", _check(AFTER))


def downgrade() -> None:
    op.execute("UPDATE vote SET status = 'DRAFT' WHERE status = 'CANCELLED'")
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_vote_votestatus"), type_="check")
        batch_op.create_check_constraint("votestatus", _check(BEFORE))
