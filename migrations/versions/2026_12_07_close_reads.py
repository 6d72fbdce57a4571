"""the close reads its two bindings from narrow indexes (issue #21)

* ``ballot.leaf_hash``: the RFC 9162 leaf hash of the ballot's commitment, ``SHA-256(0x00 || content_hash)``
  (the counted set's leaf, ``app.ledger.completeness.counted_set``). On PostgreSQL a row trigger computes it from
  ``content_hash`` on every insert and every change of ``content_hash``, whichever code path writes the ballot, so
  the close hashes only the tree's interior nodes; NULL for a commitment that is not ASCII (the close then
  computes the set from the commitments, as SQLite always does). Existing ballots are backfilled here.
* ``ix_ballot_counted_leaves``: the counted ballots' commitments in code point order (on PostgreSQL
  ``ballot.content_hash`` is collated "C" from now on: the counted set's leaf order) with their leaf hashes, so the
  close reads them in that order from the index alone when the visibility map allows, not from the wide rows.
* ``ix_audit_entry_vote_entries``: a vote's entries in id order (the entry set's order) with what the
  entry set filters and binds (kind, created_at, payload_sha256; SQLite has no INCLUDE), for the same reason.

* Autovacuum of ``ballot`` and ``audit_entry`` (PostgreSQL) after every 10,000 inserts, whatever their size: by
  default it waits for inserts of 20 % of the table, so on a large table a large vote's rows are all still missing
  from the visibility map at its close, and the reads above fall back to the wide rows. Vacuuming an insert-only
  table visits only the pages not yet all-visible.

Revision ID: close_reads
Revises: entry_digest_hex
Create Date: 2026-12-07 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "close_reads"
down_revision: str | None = "entry_digest_hex"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# ASCII only (octet length = character length in the UTF-8 database): the ledger hashes a commitment's ASCII bytes
# and refuses any other (``counted_set`` raises), so no other commitment gets a kept leaf.
LEAF = "CASE WHEN octet_length({0}) = char_length({0}) THEN sha256('\\x00'::bytea || convert_to({0}, 'UTF8')) END"
FUNCTION = f"""
CREATE FUNCTION ballot_leaf_hash() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    NEW.leaf_hash := {LEAF.format("NEW.content_hash")};
    RETURN NEW;
END
$body$
"""
AUTOVACUUM = "autovacuum_vacuum_insert_threshold = 10000, autovacuum_vacuum_insert_scale_factor = 0"
TRIGGER = (
    "CREATE TRIGGER ballot_leaf_hash BEFORE INSERT OR UPDATE OF content_hash, leaf_hash ON ballot "
    "FOR EACH ROW EXECUTE FUNCTION ballot_leaf_hash()"
)


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("ballot") as batch:
        batch.add_column(sa.Column("leaf_hash", sa.LargeBinary(), nullable=True))
    op.create_index(
        "ix_audit_entry_vote_entries",
        "audit_entry",
        ["vote_id", "id"],
        postgresql_include=["kind", "created_at", "payload_sha256"],
    )
    if bind.dialect.name != "postgresql":
        op.create_index(
            "ix_ballot_counted_leaves",
            "ballot",
            ["vote_id", "content_hash"],
            sqlite_where=sa.text("status = 'COUNTED'"),
        )
        return
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.execute("LOCK TABLE ballot IN SHARE ROW EXCLUSIVE MODE")  # no cast between the backfill and the trigger
    op.execute(FUNCTION)
    # The backfill changes no counted ballot's answers or status: the tally sums' update trigger need not run.
    op.execute("ALTER TABLE ballot DISABLE TRIGGER tally_sum_update")
    op.execute(f"UPDATE ballot SET leaf_hash = {LEAF.format('content_hash')}")
    op.execute("ALTER TABLE ballot ENABLE TRIGGER tally_sum_update")
    op.alter_column(
        "ballot", "content_hash", type_=sa.String(64, collation="C"), existing_type=sa.String(64), nullable=False
    )
    op.execute(TRIGGER)
    op.create_index(
        "ix_ballot_counted_leaves",
        "ballot",
        ["vote_id", "content_hash"],
        postgresql_include=["leaf_hash"],
        postgresql_where=sa.text("status = 'COUNTED'"),
    )
    for table in ("ballot", "audit_entry"):
        op.execute(f"ALTER TABLE {table} SET ({AUTOVACUUM})")


def downgrade() -> None:
    op.drop_index("ix_ballot_counted_leaves", table_name="ballot")
    if op.get_bind().dialect.name == "postgresql":
        for table in ("ballot", "audit_entry"):
            op.execute(
                f"ALTER TABLE {table} RESET (autovacuum_vacuum_insert_threshold, autovacuum_vacuum_insert_scale_factor)"
            )
        op.execute("DROP TRIGGER IF EXISTS ballot_leaf_hash ON ballot")
        op.execute("DROP FUNCTION IF EXISTS ballot_leaf_hash()")
        op.alter_column(
            "ballot", "content_hash", type_=sa.String(64), existing_type=sa.String(64, collation="C"), nullable=False
        )
    op.drop_index("ix_audit_entry_vote_entries", table_name="audit_entry")
    with op.batch_alter_table("ballot") as batch:
        batch.drop_column("leaf_hash")
