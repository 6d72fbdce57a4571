"""ballot commitments: each ballot's nonce, and each roll group's per-vote pseudonym

A ballot is logged as a hiding commitment over a document with a fresh nonce (app.ledger.ballot); the nonce is kept
with the ballot for the recount bundle. A roll group is named in anything public or exported by a random per-vote
pseudonym frozen with the roll (app.ledger.pseudonyms). Rolls frozen before this revision keep their group id as
their pseudonym, so their roll hashes and logged entries stay valid.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SET LOCAL lock_timeout = '5s'")
    with op.batch_alter_table("ballot", schema=None) as batch_op:
        batch_op.add_column(sa.Column("nonce", sa.String(length=32), nullable=True))
    with op.batch_alter_table("roll_group", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pseudonym", sa.String(length=32), nullable=True))
    op.execute("UPDATE roll_group SET pseudonym = group_id")
    with op.batch_alter_table("roll_group", schema=None) as batch_op:
        batch_op.alter_column("pseudonym", existing_type=sa.String(length=32), nullable=False)
        batch_op.create_unique_constraint("uq_roll_group_vote_pseudonym", ["vote_id", "pseudonym"])


def downgrade() -> None:
    with op.batch_alter_table("roll_group", schema=None) as batch_op:
        batch_op.drop_constraint("uq_roll_group_vote_pseudonym", type_="unique")
        batch_op.drop_column("pseudonym")
    with op.batch_alter_table("ballot", schema=None) as batch_op:
        batch_op.drop_column("nonce")
