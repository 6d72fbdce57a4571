"""the close reads sums kept at cast time (issue #21)

* ``tally_sum``: counted ballots summed per (vote, topic, exact answer), one participation row per vote, spread
  over shards so concurrent casts do not wait on one row (``app.ballot.models.TallySum``);
* on PostgreSQL, statement triggers on ``ballot`` (insert, update, delete) keep the sums in the ballot's own
  transaction, adding or subtracting exactly the counted ballots that appear or disappear; existing counted
  ballots are summed once here.

Revision ID: tally_sums
Revises: first_assembly
Create Date: 2026-12-06 13:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "tally_sums"
down_revision: str | None = "first_assembly"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PARTICIPATION_TOPIC = "00000000-0000-0000-0000-000000000000"
SHARDS = 64


def _apply(delta: str, *, shard: str, only_live_votes: bool = False) -> str:
    """Add ``delta`` (rows ``vote_id, group_id, answers, sign``; sign +1 for a counted ballot that appears, -1 for
    one that disappears) to the sums: one head and the group's frozen roll area per ballot and topic answer, and
    per ballot on the participation row. Keys are upserted in one order, so two transactions writing the same
    shard cannot deadlock; a key whose changes cancel out is not touched."""
    live = "WHERE EXISTS (SELECT 1 FROM vote v WHERE v.id = k.vote_id)" if only_live_votes else ""
    return f"""
    WITH delta AS ({delta}),
    weighted AS (
        SELECT d.vote_id, d.answers, d.sign, d.sign * g.area AS area
        FROM delta d JOIN roll_group g ON g.vote_id = d.vote_id AND g.group_id = d.group_id
    ),
    keyed AS (
        SELECT w.vote_id, t.key::uuid AS topic_id, t.value::text AS answer, w.sign, w.area
        FROM weighted w CROSS JOIN LATERAL jsonb_each(w.answers::jsonb) AS t
        UNION ALL
        SELECT w.vote_id, '{PARTICIPATION_TOPIC}'::uuid, '', w.sign, w.area FROM weighted w
    )
    INSERT INTO tally_sum AS s (vote_id, topic_id, answer, shard, heads, area)
    SELECT k.vote_id, k.topic_id, k.answer, {shard}, sum(k.sign)::bigint, sum(k.area)::bigint
    FROM keyed k {live}
    GROUP BY k.vote_id, k.topic_id, k.answer
    HAVING sum(k.sign) <> 0 OR sum(k.area) <> 0
    ORDER BY k.vote_id, k.topic_id, k.answer
    ON CONFLICT (vote_id, topic_id, answer, shard)
    DO UPDATE SET heads = s.heads + excluded.heads, area = s.area + excluded.area"""


_NEW = "SELECT vote_id, group_id, answers, 1 AS sign FROM new_rows WHERE status = 'COUNTED'"
_OLD = "SELECT vote_id, group_id, answers, -1 AS sign FROM old_rows WHERE status = 'COUNTED'"
_SHARD = f"mod(pg_backend_pid(), {SHARDS})::smallint"

FUNCTION = f"""
CREATE FUNCTION tally_sum_apply() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_apply(_NEW, shard=_SHARD)};
    ELSIF TG_OP = 'UPDATE' THEN
        {_apply(f"{_NEW} UNION ALL {_OLD}", shard=_SHARD)};
    ELSE
        -- a vote deleted with its ballots takes its sums with it (ON DELETE CASCADE): nothing left to adjust
        {_apply(_OLD, shard=_SHARD, only_live_votes=True)};
    END IF;
    RETURN NULL;
END
$body$
"""
TRIGGERS = (
    "CREATE TRIGGER tally_sum_insert AFTER INSERT ON ballot REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION tally_sum_apply()",
    "CREATE TRIGGER tally_sum_update AFTER UPDATE ON ballot REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION tally_sum_apply()",
    "CREATE TRIGGER tally_sum_delete AFTER DELETE ON ballot REFERENCING OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION tally_sum_apply()",
)
BACKFILL = _apply(
    "SELECT vote_id, group_id, answers, 1 AS sign FROM ballot WHERE status = 'COUNTED'", shard="0::smallint"
)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("SET LOCAL lock_timeout = '5s'")
    op.create_table(
        "tally_sum",
        sa.Column("vote_id", sa.Uuid(), nullable=False),
        sa.Column("topic_id", sa.Uuid(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("shard", sa.SmallInteger(), nullable=False),
        sa.Column("heads", sa.BigInteger(), nullable=False),
        sa.Column("area", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["vote_id"], ["vote.id"], name=op.f("fk_tally_sum_vote_id_vote"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("vote_id", "topic_id", "answer", "shard", name=op.f("pk_tally_sum")),
    )
    if bind.dialect.name == "postgresql":
        op.execute("LOCK TABLE ballot IN SHARE ROW EXCLUSIVE MODE")  # no cast between the backfill and the triggers
        op.execute(FUNCTION)
        for trigger in TRIGGERS:
            op.execute(trigger)
        op.execute(BACKFILL)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in ("tally_sum_insert", "tally_sum_update", "tally_sum_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON ballot")
        op.execute("DROP FUNCTION IF EXISTS tally_sum_apply()")
    op.drop_table("tally_sum")
