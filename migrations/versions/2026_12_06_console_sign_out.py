"""The console's sign-out ends every session of a key opened before it (hostile review of issue #22).

Revision ID: console_sign_out
Revises: tally_sums
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "console_sign_out"
down_revision: str | None = "tally_sums"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_key") as batch:
        batch.add_column(sa.Column("console_signed_out_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_key") as batch:
        batch.drop_column("console_signed_out_at")
