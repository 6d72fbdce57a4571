"""on-site posting of a vote's notice, the paper-ballot place in the notice

* ``notice_posting``: each on-site posting of a vote's notice (R-NOTICE-2): stated time, server recording time,
  acting role, place and the photograph with its SHA-256.
* ``vote.posted_at``: the earliest recorded posting (R-NOTICE-3); votes published before this revision have none
  and are not backfilled (a posting is a fact the organiser records, never one the migration invents).
* ``vote.paper_ballot_place``, ``vote.roll_inspection_place``: where paper ballots are received and where the roll
  may be read on site, stated in the notice (R-NOTICE-1).

Revision ID: notice_posting
Revises: paper_count
Create Date: 2026-12-06 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "notice_posting"
down_revision: str | None = "paper_count"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("SET LOCAL lock_timeout = '5s'")
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.add_column(sa.Column("paper_ballot_place", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("roll_inspection_place", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "notice_posting",
        sa.Column("vote_id", sa.Uuid(), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("posted_by", sa.String(length=200), nullable=False),
        sa.Column("place", sa.String(length=500), nullable=False),
        sa.Column("photo_content_type", sa.String(length=100), nullable=False),
        sa.Column("photo_size", sa.Integer(), nullable=False),
        sa.Column("photo_sha256", sa.String(length=64), nullable=False),
        sa.Column("photo", sa.LargeBinary(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["vote_id"], ["vote.id"], name=op.f("fk_notice_posting_vote_id_vote"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_posting")),
    )
    with op.batch_alter_table("notice_posting", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notice_posting_vote_id"), ["vote_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("notice_posting", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_posting_vote_id"))
    op.drop_table("notice_posting")
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.drop_column("posted_at")
        batch_op.drop_column("roll_inspection_place")
        batch_op.drop_column("paper_ballot_place")
