"""an audit entry's payload digest is 64 lowercase hex digits (PostgreSQL)

``ck_audit_entry_payload_sha256_hex``: every digest the ledger writes (``canonical_sha256``) already is one; the
constraint lets the close write the entry set's canonical bytes in SQL without JSON escaping
(``app.result.repository``). SQLite keeps no such constraint: it computes the entry set in Python.

Revision ID: entry_digest_hex
Revises: console_sign_out
Create Date: 2026-12-06 17:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "entry_digest_hex"
down_revision: str | None = "console_sign_out"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.create_check_constraint(
            op.f("ck_audit_entry_payload_sha256_hex"), "audit_entry", "payload_sha256 ~ '^[0-9a-f]{64}$'"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(op.f("ck_audit_entry_payload_sha256_hex"), "audit_entry", type_="check")
