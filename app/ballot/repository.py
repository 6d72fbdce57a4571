from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import ARRAY, Select, bindparam, column, func, insert, select, text, true
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.audit.models import AuditEntry
from app.ballot.models import Ballot, BallotMark, BallotStatus, CountingSession, IdempotencyRecord, PaperReception
from app.db import locks
from app.grant import service as grant_service
from app.grant.models import ActingGrant, GrantStatus
from app.ledger.events import EventKind
from app.place.models import Estate
from app.realname.repository import bound_owner_expression
from app.register.models import Owner, OwnerKind, RegisterVersion, Unit, UnitOwner
from app.rules.casting import GrantFacts
from app.rules.lifecycle import VoteStatus
from app.rules.paper import ReceptionStatus
from app.rules.roll import SaleStatus
from app.vote.models import RollGroup, Topic, Vote, VotingMethod
from app.vote.spec import BallotForm


class ReadsNeeded(Exception):
    """A check needs a read the caller has no session for (``app.ballot.lean`` decides from what it read alone and
    sends such a cast down the ordinary path)."""


def reading(session: AsyncSession | None) -> AsyncSession:
    if session is None:
        raise ReadsNeeded()
    return session


class GroupRow(Protocol):
    """What a cast reads of its frozen roll group: a ``RollGroup`` row, or ``GroupValues``."""

    @property
    def vote_id(self) -> uuid.UUID: ...
    @property
    def group_id(self) -> str: ...
    @property
    def pseudonym(self) -> str: ...
    @property
    def group_key(self) -> str: ...
    @property
    def area(self) -> int: ...
    @property
    def is_developer(self) -> bool: ...
    @property
    def unit_keys(self) -> list[str]: ...
    @property
    def owner_ids(self) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class GroupValues:
    """A frozen roll group as the lean path reads it (``app.ballot.lean``): its columns, without an ORM instance,
    whose construction (instance state, attribute events) cost a cast ~1 % of its CPU."""

    vote_id: uuid.UUID
    group_id: str
    pseudonym: str
    group_key: str
    area: int
    is_developer: bool
    unit_keys: list[str]
    owner_ids: list[str]


@dataclass(frozen=True, slots=True)
class CastingVote:
    """What casting needs of a vote, read fresh in every cast; its topics are frozen since publication."""

    id: uuid.UUID
    estate_id: uuid.UUID
    status: VoteStatus
    voting_method: VotingMethod
    starts_at: datetime
    ends_at: datetime
    proxies_allowed: bool
    register_version_id: uuid.UUID | None
    latest_register_version_id: uuid.UUID | None
    """The estate's newest register version now: a different one than the roll's may carry R-ROLL-5 transfers."""
    topics: tuple[Topic, ...]
    form: BallotForm
    """The topics as answers are checked against them, kept with them (``published_form``)."""
    caller_owner_id: uuid.UUID | None = None
    """The owner the casting account is bound to in THIS estate (R-CAST-1); None without such a binding."""
    posted_at: datetime | None = None
    """R-NOTICE-3: the earliest recorded on-site posting; None: the vote has not opened."""


_TOPIC_CACHE_SIZE = 512
_published_topics: OrderedDict[tuple[uuid.UUID, str], BallotForm] = OrderedDict()
"""Topics, in the form answers are checked against, by (vote, notice hash). Published topics never change (their
hashes are in the notice, R-PUB); keying on the notice hash read with the vote means a vote published anew can never
be served stale topics."""


# The casting path's statements are built once, with bind parameters: building a statement and computing its
# cache key cost more CPU than running it, and a fixed text stays prepared on each connection.
_GROUP = select(RollGroup).where(RollGroup.vote_id == bindparam("vote_id"), RollGroup.group_id == bindparam("group_id"))
_GROUP_LOCKED = _GROUP.add_columns(locks.share_expression())


async def lock_vote_and_read_group(session: AsyncSession, vote_id: uuid.UUID, group_id: str) -> RollGroup | None:
    """Take the vote's shared casting lock (``app.db.locks``) and read the group's frozen roll row, in one
    statement; no lock is taken when the group is not in the roll (the cast is refused anyway).

    The roll never changes after publication, so the row may come from the snapshot taken before the wait; the
    vote itself is read afterwards, in ``vote_and_grants``, in a snapshot taken after it.
    """
    parameters: dict[str, Any] = {"vote_id": vote_id, "group_id": group_id}
    if session.get_bind().dialect.name == "postgresql":
        return (await session.execute(_GROUP_LOCKED, parameters | locks.lock_parameters(vote_id))).scalars().first()
    return (await session.execute(_GROUP, parameters)).scalars().first()


_LATEST_VERSION = (
    select(RegisterVersion.id)
    .where(RegisterVersion.estate_id == Vote.estate_id)
    .order_by(RegisterVersion.number.desc())
    .limit(1)
    .scalar_subquery()
)
_VOTE_AND_GRANTS = (
    select(
        Vote.id, Vote.estate_id, Vote.status, Vote.voting_method, Vote.starts_at, Vote.ends_at, Vote.proxies_allowed,
        Vote.register_version_id, _LATEST_VERSION, Vote.notice_hash,
        bound_owner_expression(bindparam("account_id"), Vote.estate_id), Vote.posted_at, ActingGrant,
        # A grantee's owner identity counts in this estate only through a binding made here (R-CAST-1, R-CAST-2).
        bound_owner_expression(ActingGrant.grantee_account_id, Vote.estate_id),
    )
    .select_from(Vote)
    .outerjoin(
        ActingGrant, (ActingGrant.estate_id == Vote.estate_id) & (ActingGrant.group_key == bindparam("group_key"))
    )
    .where(Vote.id == bindparam("vote_id"), Vote.published_at.is_not(None))
)  # fmt: skip


async def vote_and_grants(
    session: AsyncSession, vote_id: uuid.UUID, group_key: str | None, account_id: uuid.UUID | None = None
) -> tuple[CastingVote | None, tuple[GrantFacts, ...]]:
    """The published vote as casting needs it (None if unpublished), with the estate's latest register version,
    the owner ``account_id`` is bound to in the vote's estate, and the group's acting grants (R-CAST-2..5, whatever
    their status), in one query."""
    # No group (not in the roll): no grant matches the NULL key, and the vote alone decides the error.
    parameters = {"vote_id": vote_id, "group_key": group_key, "account_id": account_id}
    rows = (await session.execute(_VOTE_AND_GRANTS, parameters)).all()
    if not rows:
        return None, ()
    row = rows[0]
    form = await published_form(session, vote_id, row[9] or "")
    vote = CastingVote(
        id=row[0], estate_id=row[1], status=row[2], voting_method=row[3], starts_at=row[4], ends_at=row[5],
        proxies_allowed=row[6], register_version_id=row[7], latest_register_version_id=row[8],
        topics=form.topics, form=form, caller_owner_id=row[10], posted_at=row[11],
    )  # fmt: skip
    grants = tuple(grant_service.grant_facts(grant, owner) for *_, grant, owner in rows if grant is not None)
    return vote, grants


async def published_form(session: AsyncSession | None, vote_id: uuid.UUID, notice_hash: str) -> BallotForm:
    """The vote's published topics in their order, with what checking an answer derives from them (an election's
    config), built once per published topic set and shared by later casts; ``ReadsNeeded`` without a session if
    they are not kept yet."""
    key = (vote_id, notice_hash)
    cached = _published_topics.get(key)
    if cached is not None:
        _published_topics.move_to_end(key)
        return cached
    session = reading(session)
    topics = tuple(await session.scalars(select(Topic).where(Topic.vote_id == vote_id).order_by(Topic.position)))
    for topic in topics:
        session.expunge(topic)  # shared read-only by later requests: detached from this request's session
    form = _published_topics[key] = BallotForm(topics)
    if len(_published_topics) > _TOPIC_CACHE_SIZE:
        _published_topics.popitem(last=False)
    return form


async def vote_for_paper_entry(session: AsyncSession, vote_id: uuid.UUID) -> Vote | None:
    """The vote with its topics, under the shared casting lock: paper ballots are entered like online ones."""
    await locks.share(session, vote_id)
    return await session.scalar(select(Vote).where(Vote.id == vote_id).options(selectinload(Vote.topics)))


async def roll_group(session: AsyncSession, vote_id: uuid.UUID, group_id: str) -> RollGroup | None:
    return await session.get(RollGroup, (vote_id, group_id))


async def organisation_keys(session: AsyncSession | None, owner_ids: Sequence[str]) -> frozenset[str]:
    ids = [uuid.UUID(owner_id) for owner_id in owner_ids]
    rows = await reading(session).scalars(
        select(Owner.id).where(Owner.id.in_(ids), Owner.kind == OwnerKind.ORGANISATION)
    )
    return frozenset(str(owner_id) for owner_id in rows)


_ORGANISATIONS_CACHE_SIZE = 1024
_organisations_of_version: OrderedDict[uuid.UUID, frozenset[str]] = OrderedDict()
"""Register version → its organisation owners. A version never changes once imported, nor does an owner's kind
(part of its identity), so each version is looked up once per process."""


async def organisation_keys_in_version(
    session: AsyncSession | None, register_version_id: uuid.UUID, owner_ids: Sequence[str]
) -> frozenset[str]:
    """Which of ``owner_ids`` (owners of units in that register version) are organisations (R-CAST-3)."""
    organisations = _organisations_of_version.get(register_version_id)
    if organisations is None:
        rows = await reading(session).scalars(
            select(Owner.id)
            .distinct()
            .join(UnitOwner, UnitOwner.owner_id == Owner.id)
            .join(Unit, Unit.id == UnitOwner.unit_id)
            .where(Unit.register_version_id == register_version_id, Owner.kind == OwnerKind.ORGANISATION)
        )
        organisations = frozenset(str(owner_id) for owner_id in rows)
        _organisations_of_version[register_version_id] = organisations
        if len(_organisations_of_version) > _ORGANISATIONS_CACHE_SIZE:
            _organisations_of_version.popitem(last=False)
    return organisations.intersection(owner_ids)


async def lock_approved_grant(session: AsyncSession, grant_id: uuid.UUID) -> bool:
    """Whether the grant a cast acts through is approved as it stands now, key-share-locked until commit (PostgreSQL):
    a revocation (``SELECT … FOR UPDATE``, then the used check, R-CAST-4) waits for the cast and finds it used, and
    casts through the grant do not wait for one another on their ``used_at`` update."""
    status = await session.scalar(
        select(ActingGrant.status).where(ActingGrant.id == grant_id).with_for_update(read=True, key_share=True)
    )
    return status is GrantStatus.APPROVED


async def grant_facts(session: AsyncSession, estate_id: uuid.UUID, group_key: str) -> tuple[GrantFacts, ...]:
    """The group's acting grants as the law core's plain values (R-CAST-2..5), whatever their status."""
    rows = await session.execute(
        select(ActingGrant, bound_owner_expression(ActingGrant.grantee_account_id, ActingGrant.estate_id)).where(
            ActingGrant.estate_id == estate_id, ActingGrant.group_key == group_key
        )
    )
    return tuple(grant_service.grant_facts(grant, grantee_owner_id) for grant, grantee_owner_id in rows.all())


async def current_owner_sets(
    session: AsyncSession | None, estate_id: uuid.UUID, unit_keys: Sequence[str]
) -> dict[str, frozenset[str]] | None:
    """Owner sets of these units in the estate's latest register version (R-ROLL-5), or None without one.

    A unit still developer-held there (unsold, or sold but not delivered) belongs to the developer's set, as in the
    roll (R-HEAD-4): the buyer of an undelivered unit is recorded as its owner but is not yet a voter.
    """
    session = reading(session)
    latest = await session.scalar(
        select(RegisterVersion.id)
        .where(RegisterVersion.estate_id == estate_id)
        .order_by(RegisterVersion.number.desc())
        .limit(1)
    )
    if latest is None:
        return None
    developer = await session.scalar(select(Estate.developer_owner_id).where(Estate.id == estate_id))
    rows = await session.execute(
        select(Unit.unit_key, Unit.sale_status, Unit.delivered, UnitOwner.owner_id)
        .join(UnitOwner, UnitOwner.unit_id == Unit.id, isouter=True)
        .where(Unit.register_version_id == latest, Unit.unit_key.in_(list(unit_keys)))
    )
    owners: dict[str, set[str]] = {}
    for unit_key, sale_status, delivered, owner_id in rows.all():
        held_by_developer = sale_status is SaleStatus.UNSOLD or not delivered
        unit_owners = owners.setdefault(unit_key, set())
        if held_by_developer:
            if developer is not None:
                unit_owners.add(str(developer))
        elif owner_id is not None:
            unit_owners.add(str(owner_id))
    return {unit_key: frozenset(value) for unit_key, value in owners.items()}


_COUNTED_ONLY = text("status = 'COUNTED'")
_MARK_COLUMNS = ("topic_id", "item", "vote_id", "answer", "area")
_RECORD_COLUMNS = ("account_id", "key", "request_sha256", "status_code", "body", "created_at")
_BALLOT_COLUMNS = (
    "id", "vote_id", "group_id", "status", "channel", "answers", "content_hash", "nonce", "cast_by_account_id",
    "basis", "grant_id", "entered_by", "scan_sha256", "cast_at", "audit_entry_id",
)  # fmt: skip


def _insert_ballot_postgresql(*, with_idempotency_record: bool) -> Select[Any]:
    """One statement: the ballot (nothing on a conflict), then its marks, its audit entry and the caller's
    idempotency record only for the row that was inserted, the marks unnested from arrays so the text is the same
    for any number of marks."""
    tables = Ballot.metadata.tables
    ballot_table, mark_table, entry_table = tables["ballot"], tables["ballot_mark"], tables["audit_entry"]
    new_ballot = (
        pg_insert(ballot_table)
        .values({name: bindparam(f"ballot_{name}", type_=ballot_table.c[name].type) for name in _BALLOT_COLUMNS})
        .on_conflict_do_nothing(index_elements=["vote_id", "group_id"], index_where=_COUNTED_ONLY)
        .returning(ballot_table.c.id)
        .cte("new_ballot")
    )
    types = {name: mark_table.c[name].type for name in _MARK_COLUMNS}
    unnested = (
        func.unnest(*(bindparam(f"mark_{name}", type_=ARRAY(types[name])) for name in _MARK_COLUMNS))
        .table_valued(*(column(name, types[name]) for name in _MARK_COLUMNS))
        .render_derived(name="mark", with_types=False)
    )
    new_marks = insert(mark_table).from_select(
        ["ballot_id", *_MARK_COLUMNS],
        select(new_ballot.c.id, *(unnested.c[name] for name in _MARK_COLUMNS))
        .select_from(new_ballot)
        .join(unnested, true()),
    )
    entry_columns = [column.name for column in entry_table.c if column.name != "leaf_index"]
    new_entry = insert(entry_table).from_select(
        entry_columns,
        select(*(bindparam(f"entry_{name}", type_=entry_table.c[name].type) for name in entry_columns)).select_from(
            new_ballot
        ),
    )
    statement = select(new_ballot.c.id).add_cte(new_marks.cte("new_marks"), new_entry.cte("new_entry"))
    if not with_idempotency_record:
        return statement
    record_table = tables["idempotency_record"]
    new_record = (
        pg_insert(record_table)
        .from_select(
            list(_RECORD_COLUMNS),
            select(
                *(bindparam(f"record_{name}", type_=record_table.c[name].type) for name in _RECORD_COLUMNS)
            ).select_from(new_ballot),
        )
        .on_conflict_do_nothing(index_elements=["account_id", "key"])
        .returning(record_table.c.key)
        .cte("new_record")
    )
    recorded = select(func.count()).select_from(new_record).scalar_subquery()
    return select(new_ballot.c.id, recorded.label("recorded")).add_cte(
        new_marks.cte("new_marks"), new_entry.cte("new_entry"), new_record
    )


_INSERT_BALLOT_POSTGRESQL = _insert_ballot_postgresql(with_idempotency_record=False)
_INSERT_BALLOT_WITH_RECORD_POSTGRESQL = _insert_ballot_postgresql(with_idempotency_record=True)


class Inserted(StrEnum):
    BALLOT = "BALLOT"
    """The ballot, its marks, its entry and the idempotency record are written."""
    GROUP_HAS_BALLOT = "GROUP_HAS_BALLOT"
    """Nothing is written: the group already has a counted ballot."""
    KEY_TAKEN = "KEY_TAKEN"
    """The idempotency key belongs to another request of the account: the caller must refuse and roll back."""


async def insert_ballot(
    session: AsyncSession,
    ballot: dict[str, Any],
    marks: list[dict[str, Any]],
    entry: dict[str, Any],
    idempotency_record: dict[str, Any] | None = None,
) -> Inserted:
    """Insert a ballot with its marks, its audit entry and the caller's idempotency record (the response to give
    a retry). The unique (vote, group) index among counted ballots decides a race (R-TALLY-7), and the record's
    key (account, key) a race between two different requests sent with one key.

    PostgreSQL does it in one statement (each table written in its own round trip made up a third of a cast's
    time): data-modifying CTEs that write the other rows only for the ballot row that was inserted.
    """
    if session.get_bind().dialect.name != "postgresql":
        inserted = await session.scalar(
            sqlite_insert(Ballot)
            .values(**ballot)
            .on_conflict_do_nothing(index_elements=["vote_id", "group_id"], index_where=_COUNTED_ONLY)
            .returning(Ballot.id)
        )
        if inserted is None:
            return Inserted.GROUP_HAS_BALLOT
        await session.execute(insert(BallotMark), [{"ballot_id": ballot["id"], **mark} for mark in marks])
        await session.execute(insert(AuditEntry).values(**entry))
        if idempotency_record is not None:
            recorded = await session.scalar(
                sqlite_insert(IdempotencyRecord)
                .values(**idempotency_record)
                .on_conflict_do_nothing(index_elements=["account_id", "key"])
                .returning(IdempotencyRecord.key)
            )
            if recorded is None:
                return Inserted.KEY_TAKEN
        return Inserted.BALLOT
    parameters = {f"ballot_{name}": ballot[name] for name in _BALLOT_COLUMNS}
    parameters |= {f"mark_{name}": [mark[name] for mark in marks] for name in _MARK_COLUMNS}
    parameters |= {f"entry_{name}": value for name, value in entry.items()}
    if idempotency_record is None:
        inserted = await session.scalar(_INSERT_BALLOT_POSTGRESQL, parameters)
        return Inserted.BALLOT if inserted is not None else Inserted.GROUP_HAS_BALLOT
    parameters |= {f"record_{name}": idempotency_record[name] for name in _RECORD_COLUMNS}
    row = (await session.execute(_INSERT_BALLOT_WITH_RECORD_POSTGRESQL, parameters)).one_or_none()
    if row is None:
        return Inserted.GROUP_HAS_BALLOT
    return Inserted.BALLOT if row.recorded else Inserted.KEY_TAKEN


async def cast_by(session: AsyncSession, entry_id: uuid.UUID, account_id: uuid.UUID) -> bool:
    """Whether ``account_id`` cast the ballot whose audit entry is ``entry_id``."""
    found = await session.scalar(
        select(Ballot.id).where(Ballot.audit_entry_id == entry_id, Ballot.cast_by_account_id == account_id).limit(1)
    )
    return found is not None


async def ballot_cast_by(session: AsyncSession, entry_id: uuid.UUID, account_id: uuid.UUID) -> Ballot | None:
    """The ballot whose audit entry is ``entry_id`` if ``account_id`` cast it."""
    statement = select(Ballot).where(Ballot.audit_entry_id == entry_id, Ballot.cast_by_account_id == account_id)
    return (await session.scalars(statement.limit(1))).first()


async def counted_commitments(session: AsyncSession, vote_id: uuid.UUID) -> list[str]:
    """The commitments (content hashes) of the vote's counted ballots: the close's counted set
    (``app.ledger.completeness.counted_set``) and the caster's counted proof. On PostgreSQL straight from the
    driver connection, in the session's transaction (a large vote's close reads ~100,000 of them)."""
    if session.get_bind().dialect.name == "postgresql":
        connection = await (await session.connection()).get_raw_connection()
        rows = await connection.driver_connection.fetch(  # type: ignore[union-attr]
            "SELECT content_hash FROM ballot WHERE vote_id = $1 AND status = 'COUNTED'", vote_id
        )
        return [row[0] for row in rows]
    statement = select(Ballot.content_hash).where(Ballot.vote_id == vote_id, Ballot.status == BallotStatus.COUNTED)
    return [str(digest) for digest in (await session.scalars(statement)).all()]


async def closed_entry_id(session: AsyncSession, vote_id: uuid.UUID) -> uuid.UUID | None:
    """The id of the vote's ``vote.closed`` audit entry, if it has closed."""
    statement = select(AuditEntry.id).where(AuditEntry.vote_id == vote_id, AuditEntry.kind == EventKind.VOTE_CLOSED)
    return await session.scalar(statement.limit(1))


async def group_ballot_times(
    session: AsyncSession, vote_id: uuid.UUID, group_id: str
) -> list[tuple[datetime, uuid.UUID]]:
    """R-PAPER-2: the server times (and log entries) of the group's counted ballot and non-duplicate receptions."""

    ballots = await session.execute(
        select(Ballot.cast_at, Ballot.audit_entry_id).where(
            Ballot.vote_id == vote_id, Ballot.group_id == group_id, Ballot.status == BallotStatus.COUNTED
        )
    )
    receptions = await session.execute(
        select(PaperReception.received_at, PaperReception.audit_entry_id).where(
            PaperReception.vote_id == vote_id,
            PaperReception.group_id == group_id,
            PaperReception.status != ReceptionStatus.DUPLICATE,
        )
    )
    return [(at, entry) for at, entry in [*ballots.all(), *receptions.all()] if entry is not None]


async def group_has_reception(session: AsyncSession | None, vote_id: uuid.UUID, group_id: str) -> bool:
    """R-PAPER-2: whether the group's paper ballot reached the organiser (a non-duplicate reception)."""

    found = await reading(session).scalar(
        select(PaperReception.id)
        .where(
            PaperReception.vote_id == vote_id,
            PaperReception.group_id == group_id,
            PaperReception.status != ReceptionStatus.DUPLICATE,
        )
        .limit(1)
    )
    return found is not None


async def counting_signed_off(session: AsyncSession, vote_id: uuid.UUID) -> bool:
    """R-PAPER-3: whether every witness of the vote's counting session has confirmed the count."""

    signed = await session.scalar(select(CountingSession.signed_off_at).where(CountingSession.vote_id == vote_id))
    return signed is not None
