"""supervision decisions: resumption with an extension, termination, revocation per decision (R-SUP-5..7)

* ``vote.notice_ends_at``: the end the notice published, kept once a resumption extends ``ends_at`` (R-SUP-5);
  vote status ``TERMINATED`` (R-SUP-6).
* ``supervision_action``: kind ``TERMINATION``; ``topic_id`` (the topic whose decision a revocation revokes, at
  most once, R-SUP-7); ``ends_before``, ``ends_after`` and ``suspended_seconds`` of a resumption (R-SUP-5).
  Revocations and resumptions recorded before keep NULL there: a whole-vote revocation stays what it was.
* notice kind ``TERMINATION``.

Revision ID: supervision_decisions
Revises: roll_objections
Create Date: 2026-12-06 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "supervision_decisions"
down_revision: str | None = "roll_objections"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STATUSES = (
    "DRAFT", "PUBLISHED", "OPEN", "CLOSED", "DECIDED", "RESULT_PUBLISHED", "CANCELLED", "SUSPENDED",
    "REVOKED_BY_STREET_OFFICE", "REVOKED_BY_COURT",
)  # fmt: skip
NEW_STATUSES = (*OLD_STATUSES, "TERMINATED")
OLD_KINDS = ("SUSPENSION", "RESUMPTION", "CORRECTION_ORDER", "CORRECTION_FOLLOW_UP", "REVOCATION", "COURT_REVOCATION")
NEW_KINDS = (*OLD_KINDS, "TERMINATION")
OLD_NOTICE_KINDS = (
    "VOTE_NOTICE", "ERRATUM", "CANCELLATION", "RESULT", "SUSPENSION", "RESUMPTION", "CORRECTION_ORDER",
    "REVOCATION", "PETITION", "REMINDER", "VERIFICATION_ALERT", "REGISTER_CHANGE", "BINDING_ENDED",
)  # fmt: skip
NEW_NOTICE_KINDS = (*OLD_NOTICE_KINDS, "TERMINATION")


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN (" + ", ".join(f"'{value}'" for value in values) + ")"


def _checks(statuses: Sequence[str], kinds: Sequence[str], notice_kinds: Sequence[str]) -> None:
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_vote_votestatus"), type_="check")
        batch_op.create_check_constraint("votestatus", _in("status", statuses))
    with op.batch_alter_table("supervision_action", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_supervision_action_supervisionkind"), type_="check")
        batch_op.create_check_constraint("supervisionkind", _in("kind", kinds))
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_notice_noticekind"), type_="check")
        batch_op.create_check_constraint("noticekind", _in("kind", notice_kinds))


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SET LOCAL lock_timeout = '5s'")
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notice_ends_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("supervision_action", schema=None) as batch_op:
        batch_op.add_column(sa.Column("topic_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("ends_before", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("ends_after", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("suspended_seconds", sa.BigInteger(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_supervision_action_topic_id_topic"), "topic", ["topic_id"], ["id"], ondelete="RESTRICT"
        )
        batch_op.create_unique_constraint(batch_op.f("uq_supervision_action_topic_id"), ["topic_id"])
        batch_op.create_check_constraint(
            "topic_only_revocation", "topic_id IS NULL OR kind IN ('REVOCATION', 'COURT_REVOCATION')"
        )
        batch_op.create_check_constraint(
            "extension_only_resumption",
            "kind = 'RESUMPTION' OR (ends_before IS NULL AND ends_after IS NULL AND suspended_seconds IS NULL)",
        )
    _checks(NEW_STATUSES, NEW_KINDS, NEW_NOTICE_KINDS)


def downgrade() -> None:
    # Without the new records the states cannot be told apart: a terminated vote reads as still suspended, and a
    # termination's act and notice go (the audit log keeps them).
    op.execute("UPDATE vote SET status = 'SUSPENDED' WHERE status = 'TERMINATED'")
    op.execute("DELETE FROM notice WHERE kind = 'TERMINATION'")
    op.execute("DELETE FROM supervision_action WHERE kind = 'TERMINATION'")
    _checks(OLD_STATUSES, OLD_KINDS, OLD_NOTICE_KINDS)
    with op.batch_alter_table("supervision_action", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_supervision_action_extension_only_resumption"), type_="check")
        batch_op.drop_constraint(op.f("ck_supervision_action_topic_only_revocation"), type_="check")
        batch_op.drop_constraint(batch_op.f("uq_supervision_action_topic_id"), type_="unique")
        batch_op.drop_constraint(batch_op.f("fk_supervision_action_topic_id_topic"), type_="foreignkey")
        batch_op.drop_column("suspended_seconds")
        batch_op.drop_column("ends_after")
        batch_op.drop_column("ends_before")
        batch_op.drop_column("topic_id")
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.drop_column("notice_ends_at")
