"""Casting on PostgreSQL in two statements on the driver connection: one read, one write (issue #21).

The request's one transaction (``app.http.deps``' rules: committed before the response, rolled back on any error) is
an asyncpg transaction on a pooled connection (``transaction``), without a session or the ORM: two fixed statement
texts, prepared once per connection. Every check between them is ``app.ballot.service``'s own (``decide``, the
published topics' ``BallotForm``, ``ballot_rows``), so both paths refuse and accept alike; a check that needs another
read (``repository.ReadsNeeded``), SQLite, API keys and anything unusual take the ordinary path.

**The read** takes the vote's shared casting lock (``app.db.locks``) with the frozen roll row, and reads the
account's state, the idempotency record, the vote and the group's grants, all in one snapshot. That snapshot is
taken before a wait for the lock, so the vote it shows may be older than the lock (a close, a suspension, an edit
committed meanwhile; ``app.db.locks`` explains why the ordinary path reads the vote in a second statement).
**The write** therefore writes only if the vote row is still the version read (its ``xmin``; the write's snapshot
is taken after the lock, and holding it no one changes the vote until commit), the group has no paper
reception (R-PAPER-2: a reception takes the vote's lock but does not touch the vote row), and what else the
decision read and the lock does not guard is as read: the grant acted through (its row version, key-share-locked
until commit: a revocation, which locks it FOR UPDATE, either came first or finds it used, R-CAST-4; casts through
it do not wait for one another, as a FOR SHARE lock would make them, into a deadlock), the estate's latest
register version (R-ROLL-5) and the caster's binding (R-CAST-1). If any changed, it writes nothing and the cast is
decided again by the ordinary path in a fresh transaction (``Fallback``). A refusal read from the older snapshot
stands: the cast is ordered before the change.
"""

from __future__ import annotations

import json
import json.encoder
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import orjson
from asyncpg import Connection, PostgresError  # type: ignore[import-untyped]
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.util import greenlet_spawn

from app import metrics
from app.ballot import repository
from app.ballot.errors import AlreadyCast, IdempotencyKeyReused, NotVerified
from app.ballot.models import BallotStatus, Channel
from app.ballot.repository import CastingVote, GroupRow, GroupValues, ReadsNeeded
from app.ballot.schemas import BallotCast
from app.ballot.service import CastOutcome, ballot_rows, decide, request_hash
from app.common.errors import Unauthenticated
from app.db import locks
from app.db.pool import FairAsyncQueuePool
from app.grant.service import grant_facts_of
from app.http.errors import DatabaseBusy
from app.http.problems import is_database_busy
from app.ledger.pseudonyms import grant_pseudonym
from app.rules.casting import GrantFacts
from app.rules.lifecycle import VoteStatus
from app.rules.paper import ReceptionStatus
from app.vote.models import VotingMethod


class Fallback(Exception):
    """The lean path cannot decide this cast alone: roll back and cast through the ordinary path."""


_BOUND_OWNER = (
    "(SELECT b.owner_id FROM owner_binding b WHERE b.account_id = {account} AND b.estate_id = v.estate_id"
    " AND b.ended_at IS NULL ORDER BY b.created_at LIMIT 1)"
)  # app.realname.repository.bound_owner_expression: the earliest live binding in the vote's estate (R-CAST-1)

READ = f"""
SELECT a.id AS account_id, a.disabled_at AS account_disabled_at, a.owner_id AS account_owner_id,
       r.request_sha256 AS replay_request_sha256, r.status_code AS replay_status_code, r.body AS replay_body,
       g.group_id, g.pseudonym AS group_pseudonym, g.group_key, g.area AS group_area,
       g.is_developer AS group_is_developer, g.unit_keys AS group_unit_keys, g.owner_ids AS group_owner_ids,
       v.id AS vote_id, v.estate_id AS vote_estate_id, v.status AS vote_status, v.voting_method AS vote_voting_method,
       v.starts_at AS vote_starts_at, v.ends_at AS vote_ends_at, v.proxies_allowed AS vote_proxies_allowed,
       v.register_version_id AS vote_register_version_id,
       (SELECT rv.id FROM register_version rv WHERE rv.estate_id = v.estate_id ORDER BY rv.number DESC LIMIT 1)
           AS latest_register_version_id,
       v.notice_hash AS vote_notice_hash, {_BOUND_OWNER.format(account="$1")} AS caller_owner_id,
       v.posted_at AS vote_posted_at, v.xmin::text AS vote_version,
       ag.id AS grant_id, ag.kind AS grant_kind, ag.grantee_account_id AS grant_grantee_account_id,
       ag.status AS grant_status, ag.valid_from AS grant_valid_from, ag.valid_until AS grant_valid_until,
       ag.scope AS grant_scope, ag.used_at AS grant_used_at, ag.signed_by_owner_ids AS grant_signed_by_owner_ids,
       {_BOUND_OWNER.format(account="ag.grantee_account_id")} AS grant_grantee_owner_id,
       EXISTS (SELECT 1 FROM paper_reception p WHERE p.vote_id = $3::uuid AND p.group_id = $4::varchar
               AND p.status <> '{ReceptionStatus.DUPLICATE.value}') AS group_has_reception,
       ag.xmin::text AS grant_version
FROM (SELECT $1::uuid AS account_id) AS caller
LEFT JOIN account a ON a.id = caller.account_id
LEFT JOIN idempotency_record r ON r.account_id = caller.account_id AND r.key = $2::varchar
LEFT JOIN LATERAL (
    SELECT rg.*, pg_advisory_xact_lock_shared($5::integer, $6::integer) AS locked
    FROM roll_group rg WHERE rg.vote_id = $3::uuid AND rg.group_id = $4::varchar
) AS g ON true
LEFT JOIN vote v ON v.id = $3::uuid AND v.published_at IS NOT NULL
LEFT JOIN acting_grant ag ON ag.estate_id = v.estate_id AND ag.group_key = g.group_key
"""
"""Everything a cast reads, in one round trip; one row per grant of the group (at least one row)."""

_BALLOT_COLUMNS = (
    "id", "vote_id", "group_id", "status", "channel", "answers", "content_hash", "nonce", "cast_by_account_id",
    "basis", "grant_id", "cast_at", "audit_entry_id",
)  # fmt: skip
_BALLOT_TYPES = (
    "uuid", "uuid", "varchar", "varchar", "varchar", "json", "varchar", "varchar", "uuid", "varchar", "uuid",
    "timestamptz", "uuid",
)  # fmt: skip
_ENTRY_COLUMNS = ("id", "kind", "estate_id", "vote_id", "payload", "payload_sha256", "created_at")
_ENTRY_TYPES = ("uuid", "varchar", "uuid", "uuid", "json", "varchar", "timestamptz")
_RECORD_COLUMNS = ("account_id", "key", "request_sha256", "status_code", "body", "created_at")
_RECORD_TYPES = ("uuid", "varchar", "varchar", "integer", "json", "timestamptz")


def _values(first: int, types: tuple[str, ...]) -> str:
    return ", ".join(f"${first + n}::{type_}" for n, type_ in enumerate(types))


def _write(*, with_record: bool) -> str:
    """One statement: the guard (module docstring), then the ballot (nothing on a conflict with the group's counted
    ballot, R-TALLY-7), its marks, its audit entry, the idempotency record and the used grant (R-CAST-4) only for
    the ballot inserted, as ``app.ballot.repository.insert_ballot`` and ``app.ballot.service.insert_ballot`` do."""
    # $1 the vote's xmin as read, $2 the grant used (NULL for none), $3 its use time, $4 the grant's xmin as read,
    # $5 the estate's latest register version as read, $6 the owner the caster was bound to as read
    n = 6
    # The ballot's own vote_id, group_id and caster stand for them in the guard.
    vote_id, group_id, caster = (
        f"${n + 1 + _BALLOT_COLUMNS.index(name)}::{_BALLOT_TYPES[_BALLOT_COLUMNS.index(name)]}"
        for name in ("vote_id", "group_id", "cast_by_account_id")
    )
    ballot = _values(n + 1, _BALLOT_TYPES)
    n += len(_BALLOT_TYPES)
    # The marks as one JSON array of [topic_id, item, answer] (the vote and the area are the ballot's own): asyncpg
    # checks every element of an array parameter against three ABCs in Python, ~100 checks a ballot as arrays.
    marks, area = f"${n + 1}::json", f"${n + 2}::bigint"
    n += 2
    entry = _values(n + 1, _ENTRY_TYPES)
    n += len(_ENTRY_TYPES)
    record = _values(n + 1, _RECORD_TYPES)
    new_record = (
        f""",
new_record AS (
    INSERT INTO idempotency_record ({", ".join(_RECORD_COLUMNS)})
    SELECT {record} FROM new_ballot
    ON CONFLICT (account_id, key) DO NOTHING RETURNING key
)"""
        if with_record
        else ""
    )
    recorded = "(SELECT count(*) FROM new_record)" if with_record else "1"
    return f"""
WITH used_grant_read AS (
    SELECT 1 FROM acting_grant WHERE acting_grant.id = $2::uuid AND acting_grant.xmin::text = $4::text
    FOR KEY SHARE
),
guard AS (
    SELECT 1 FROM vote v WHERE v.id = {vote_id} AND v.xmin::text = $1::text
    AND NOT EXISTS (
        SELECT 1 FROM paper_reception p WHERE p.vote_id = {vote_id} AND p.group_id = {group_id}
        AND p.status <> '{ReceptionStatus.DUPLICATE.value}'
    )
    AND (SELECT rv.id FROM register_version rv WHERE rv.estate_id = v.estate_id ORDER BY rv.number DESC LIMIT 1)
        IS NOT DISTINCT FROM $5::uuid
    AND {_BOUND_OWNER.format(account=caster)} IS NOT DISTINCT FROM $6::uuid
    AND ($2::uuid IS NULL OR EXISTS (SELECT 1 FROM used_grant_read))
),
new_ballot AS (
    INSERT INTO ballot ({", ".join(_BALLOT_COLUMNS)})
    SELECT {ballot} FROM guard
    ON CONFLICT (vote_id, group_id) WHERE status = '{BallotStatus.COUNTED.value}' DO NOTHING
    RETURNING id
),
new_marks AS (
    INSERT INTO ballot_mark (ballot_id, topic_id, item, vote_id, answer, area)
    SELECT new_ballot.id, (mark ->> 0)::uuid, mark ->> 1, {vote_id}, mark ->> 2, {area}
    FROM new_ballot, json_array_elements({marks}) AS mark
),
new_entry AS (
    INSERT INTO audit_entry ({", ".join(_ENTRY_COLUMNS)}) SELECT {entry} FROM new_ballot
),
used_grant AS (
    UPDATE acting_grant SET used_at = $3::timestamptz
    WHERE acting_grant.id = $2::uuid AND acting_grant.used_at IS NULL AND EXISTS (SELECT 1 FROM new_ballot)
){new_record}
SELECT EXISTS (SELECT 1 FROM guard), (SELECT id FROM new_ballot), {recorded}
"""


WRITE = _write(with_record=False)
WRITE_WITH_RECORD = _write(with_record=True)


# ``json.dumps``'s own C encoder with its default options (``JSONEncoder.iterencode``), made once rather than per
# call, without the circular-reference check: the documents are the cast's own, made of plain values.
_ENCODE = json.encoder.c_make_encoder(  # type: ignore[attr-defined]
    None, json.JSONEncoder().default, json.encoder.encode_basestring_ascii, None, ": ", ", ", False, False, True
)


def _json(value: Any) -> str:
    """JSON columns as SQLAlchemy binds them (``json.dumps``, the engine's default serialiser): the stored text of a
    ``json`` column is what either path wrote, byte for byte."""
    return "".join(_ENCODE(value, 0))


@asynccontextmanager
async def transaction(bind: AsyncEngine | AsyncConnection) -> AsyncIterator[Connection]:
    """The cast's one transaction on an asyncpg connection: BEGIN, then COMMIT, or ROLLBACK on any error, as plain
    statements (asyncpg's ``Transaction`` object sends the same ones, with more bookkeeping), without a session: the
    same round trips as the session's, less CPU.

    ``bind`` is the requests' sessionmaker's: the engine, whose pool lends the connection; or a connection its
    owner holds in a transaction (the tests' per-test one), in which the cast is a savepoint, as the requests'
    sessions' (``join_transaction_mode="create_savepoint"``); if that transaction has not begun on the driver yet,
    the ordinary path casts (``Fallback``).
    """
    if isinstance(bind, AsyncConnection):
        joined: Connection = (await bind.get_raw_connection()).driver_connection
        if not joined.is_in_transaction():
            raise Fallback()
        async with joined.transaction():
            yield joined
        return
    pool = bind.sync_engine.pool
    fair = pool if isinstance(pool, FairAsyncQueuePool) else None
    # An idle connection is lent without a greenlet (``FairAsyncQueuePool.connect_nowait``), else as SQLAlchemy's
    # own asyncio connections are: in a greenlet, for the I/O of waiting for one or opening it.
    pooled = fair.connect_nowait() if fair is not None else None
    if pooled is None:
        pooled = await bind.raw_connection()
    driver: Connection = pooled.driver_connection
    broken = False
    try:
        if driver.is_in_transaction():
            raise Fallback()  # never joined to another's transaction (and not lent again: broken below)
        await driver.execute("BEGIN")
        try:
            yield driver
        except BaseException:
            if not driver.is_closed():
                await driver.execute("ROLLBACK")
            raise
        if await driver.execute("COMMIT") != "COMMIT":
            raise Fallback()  # PostgreSQL rolled it back ("ROLLBACK"): nothing cast; the ordinary path decides again
    except BaseException as error:
        # Never back to the pool broken, cancelled mid-statement or still in a transaction (a failed ROLLBACK).
        broken = not isinstance(error, Exception) or driver.is_closed() or driver.is_in_transaction()
        raise
    finally:
        if broken or fair is None or not fair.takes_back_nowait():
            # In a greenlet, as SQLAlchemy's own asyncio connections go back: the pool closes a broken connection
            # (or one past its size), which awaits the driver.
            await greenlet_spawn(_release, pooled, broken)
        else:
            pooled.close()  # a healthy connection back to a waiter or the idle ones: no I/O


def _release(pooled: PoolProxiedConnection, broken: bool) -> None:
    if broken:
        pooled.invalidate()
    pooled.close()


async def cast(
    bind: AsyncEngine | AsyncConnection,
    account_id: uuid.UUID,
    vote_id: uuid.UUID,
    body: BallotCast,
    *,
    now: datetime,
    idempotency_key: str | None,
    pseudonym_key: bytes,
) -> CastOutcome:
    """``app.ballot.service.cast`` for an access token's account, in the read and the write above, in a transaction
    of its own (``transaction``); ``Fallback`` for the ordinary path."""
    async with transaction(bind) as driver:
        outcome, inserted = await _cast(
            driver, account_id, vote_id, body, now=now, idempotency_key=idempotency_key, pseudonym_key=pseudonym_key
        )
    if inserted:
        metrics.BALLOTS_CAST.inc()  # counted once the transaction committed
    return outcome


async def _cast(
    driver: Connection,
    account_id: uuid.UUID,
    vote_id: uuid.UUID,
    body: BallotCast,
    *,
    now: datetime,
    idempotency_key: str | None,
    pseudonym_key: bytes,
) -> tuple[CastOutcome, bool]:
    """The cast and whether it inserted a ballot."""
    fingerprint = request_hash(vote_id, body)
    lock_class, lock_object = locks.lock_key(vote_id)
    try:
        rows = await driver.fetch(READ, account_id, idempotency_key, vote_id, body.group_id, lock_class, lock_object)
    except PostgresError as error:
        raise _translated(error) from error
    first = rows[0]
    if first["account_id"] is None or first["account_disabled_at"] is not None:
        raise Unauthenticated()  # no such account, or disabled (app.identity.service.principal_for_account)
    if first["account_owner_id"] is None:
        raise NotVerified()  # R-CAST-1
    if idempotency_key is not None and first["replay_request_sha256"] is not None:
        if first["replay_request_sha256"] != fingerprint:
            raise IdempotencyKeyReused()
        return CastOutcome(first["replay_status_code"], first["replay_body"]), False
    try:
        vote, group_row, grants = await _read(rows)
        # R-PAPER-2: the reception as read (so the checks run in the ordinary order); the write's guard looks again,
        # under the lock, for one recorded meanwhile.
        vote, group_row, basis, grant_id = await decide(
            None, vote, group_row, grants, account_id=account_id, now=now, reception=first["group_has_reception"]
        )
    except ReadsNeeded:
        # Topics or organisations not kept yet (a vote's or register version's first cast in this process), or an
        # R-ROLL-5 transfer to read: the ordinary path reads them, in a transaction of its own.
        raise Fallback() from None
    marks = vote.form.marks(body.answers)
    record: dict[str, Any] | None = (
        {"account_id": account_id, "key": idempotency_key, "request_sha256": fingerprint, "created_at": now}
        if idempotency_key is not None
        else None
    )
    written = ballot_rows(
        vote.id, vote.estate_id, group_row, body.answers, marks, now=now, basis=basis, grant_id=grant_id,
        grant=grant_pseudonym(pseudonym_key, vote.id, grant_id), channel=Channel.ONLINE, account_id=account_id,
        idempotency_record=record,
    )  # fmt: skip
    ballot, entry = written.ballot, written.entry
    grant_version = next((row["grant_version"] for row in rows if row["grant_id"] == grant_id), None)
    parameters: list[Any] = [
        first["vote_version"], grant_id, now, grant_version, first["latest_register_version_id"],
        first["caller_owner_id"],
    ]  # fmt: skip
    parameters += [
        ballot["id"], ballot["vote_id"], ballot["group_id"], ballot["status"].value, ballot["channel"].value,
        _json(ballot["answers"]), ballot["content_hash"], ballot["nonce"], ballot["cast_by_account_id"],
        ballot["basis"], ballot["grant_id"], ballot["cast_at"], ballot["audit_entry_id"],
    ]  # fmt: skip
    # written.marks's rows, in their order, without a UUID object per topic id (the vote and the area are the same on
    # each: the write takes them once)
    mark_rows = [[topic_id, mark.item, mark.answer] for topic_id, ms in written.answer_marks.items() for mark in ms]
    parameters += [orjson.dumps(mark_rows).decode(), written.area]
    parameters += [
        entry["id"], entry["kind"], entry["estate_id"], entry["vote_id"], _json(entry["payload"]),
        entry["payload_sha256"], entry["created_at"],
    ]  # fmt: skip
    if record is not None:
        parameters += [
            record["account_id"], record["key"], record["request_sha256"], record["status_code"], _json(record["body"]),
            record["created_at"],
        ]  # fmt: skip
    try:
        guarded, inserted, recorded = await driver.fetchrow(WRITE if record is None else WRITE_WITH_RECORD, *parameters)
    except PostgresError as error:
        raise _translated(error) from error
    if not guarded:
        raise Fallback()  # the vote changed while this cast waited for its lock, or a paper ballot arrived
    if inserted is None:  # the group has a counted ballot
        if idempotency_key is not None:
            raise Fallback()  # a concurrent retry with the same key may have won: the ordinary path replays it
        raise AlreadyCast()
    if not recorded:
        raise IdempotencyKeyReused()  # raising rolls the transaction back, ballot included
    return CastOutcome(201, written.receipt_body), True


async def _read(rows: list[Any]) -> tuple[CastingVote | None, GroupRow | None, tuple[GrantFacts, ...]]:
    """The vote, the frozen roll group and the group's grants of the read's rows (JSON columns come decoded)."""
    first = rows[0]
    group_row = None
    if first["group_id"] is not None:
        group_row = GroupValues(
            vote_id=first["vote_id"],
            group_id=first["group_id"],
            pseudonym=first["group_pseudonym"],
            group_key=first["group_key"],
            area=first["group_area"],
            is_developer=first["group_is_developer"],
            unit_keys=first["group_unit_keys"],
            owner_ids=first["group_owner_ids"],
        )
    if first["vote_id"] is None:
        return None, group_row, ()
    form = await repository.published_form(None, first["vote_id"], first["vote_notice_hash"] or "")
    vote = CastingVote(
        id=first["vote_id"],
        estate_id=first["vote_estate_id"],
        status=VoteStatus(first["vote_status"]),
        voting_method=VotingMethod(first["vote_voting_method"]),
        starts_at=first["vote_starts_at"],
        ends_at=first["vote_ends_at"],
        proxies_allowed=first["vote_proxies_allowed"],
        register_version_id=first["vote_register_version_id"],
        latest_register_version_id=first["latest_register_version_id"],
        topics=form.topics,
        form=form,
        caller_owner_id=first["caller_owner_id"],
        posted_at=first["vote_posted_at"],
    )
    grants = tuple(
        grant_facts_of(
            row["grant_id"],
            row["grant_kind"],
            row["grant_grantee_account_id"],
            row["grant_status"],
            row["grant_grantee_owner_id"],
            row["grant_valid_from"],
            row["grant_valid_until"],
            row["grant_scope"],
            row["grant_used_at"],
            row["grant_signed_by_owner_ids"],
        )
        for row in rows
        if row["grant_id"] is not None
    )
    return vote, group_row, grants


def _translated(error: PostgresError) -> Exception:
    """A bounded wait that ran out is ``db.busy`` (503, retry), as ``app.http.problems`` answers on the ORM path."""
    return DatabaseBusy() if is_database_busy(error) else error
