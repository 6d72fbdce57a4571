"""``evote audit check``: recompute every hash, leaf, root and signature from the live database.

A direct SQL edit that bypasses the service leaves rows that no longer hash to what was logged and signed.
This check reads the database, recomputes, and names each row that disagrees (``<table>:<id>``):

* ``entry`` — each audit entry's ``payload_sha256`` is the hash of its kind, place, vote and payload
  (``app.ledger.entries.entry_payload_sha256``); an integrated entry has its leaf, and that leaf's hash is
  the hash of the entry's leaf document.
* ``tree`` — leaf indexes run 0, 1, 2, … without a gap, each leaf has its entry, and ``log_state`` (size,
  frontier, root) is the tree of the stored leaves.
* ``checkpoint`` — each stored checkpoint's root is the Merkle root of the first ``size`` leaves, and its note
  is signed by the log (current or retired key, ``app.audit.keys``) over exactly that origin, size and root;
  each configured witness's cosignature verifies on it (unconfigured witnesses are counted, not checked).
* ``ballot`` — each ballot hashes (``app.ledger.ballot``: its commitment, or version 1 without a nonce) to its
  ``content_hash`` and to the hash its ``ballot.cast`` entry logs, with its group, basis, channel and grant (the
  per-vote keyed ``grant``, or an older entry's ``grant_id``); each ``ballot.cast`` entry has its ballot; a
  void ballot has a ``ballot.voided`` entry and a counted one has none.
* ``mark`` — each ballot's marks are exactly ``app.vote.spec.marks_for_ballot`` of its answers, each with the
  group's area frozen in the roll.
* ``register`` — each register version's stored unit, building, owner-link and owner rows hash
  (``app.register.service.unit_content``) to the version's ``content_hash`` and to the hash in its
  ``register.version`` entry, with the unit count, heads and area logged there.
* ``roll`` — each published vote's roll recomputed from its register version's rows (the law core, as at
  publication) equals the frozen ``roll_group`` rows, hashes (its owners under the pseudonym key, for rolls
  that bind them) to ``vote.roll_hash`` and to the roll hash in the ``vote.published`` entry (or, for a roll
  corrected before voting, in the last ``vote.roll_republished`` entry, R-ROLL-7); a differing group is named
  with its units.

Trust rests on the signed checkpoints: an edit is caught at the first link it breaks (a row against its
logged hash, the logged entry against its leaf, the leaf against the signed root). ``estate_id`` /
``vote_id`` narrow the entry, ballot, register and roll checks; the tree and checkpoint checks always cover
the whole log, since a root depends on every leaf. Large tables are read in chunks (keyset pagination), so
memory grows with one chunk, the checkpoints' frontier and one register version's units, not with the log.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.keys import LogKeys
from app.audit.models import AuditEntry, LogCheckpoint, LogCosignature, LogLeaf, LogState
from app.ballot.models import Ballot, BallotMark, BallotStatus, Channel
from app.errors import DomainError, NotFound
from app.ledger import ballot as ballot_commitments
from app.ledger.canonical import canonical_sha256
from app.ledger.digest import CanonicalListHasher
from app.ledger.entries import entry_leaf_hash, entry_payload_sha256, leaf_document
from app.ledger.events import EventKind
from app.ledger.merkle import CompactRange
from app.ledger.note import Checkpoint, open_note
from app.ledger.pseudonyms import grant_pseudonym
from app.register.models import Building, Owner, RegisterVersion, Unit, UnitOwner
from app.register.service import CONTENT_MEMBER, unit_content
from app.rules.roll import Roll, UnitRecord, build_roll, public_group_id
from app.vote.models import RollGroup, Topic, Vote
from app.vote.snapshot import owner_pseudonyms, roll_document
from app.vote.spec import Mark, marks_for_ballot

CHUNK = 2000
MAX_PER_CHECK = 1000
"""Problems listed per check; beyond that they are only counted (one deleted leaf fails every later checkpoint)."""
TABLES = (
    "audit_entry", "log_leaf", "log_checkpoint", "log_cosignature", "ballot", "ballot_mark", "register_version",
    "unit", "vote", "roll_group",
)  # fmt: skip
"""The tables counted in the OK line, in this order."""


@dataclass(frozen=True, slots=True)
class Problem:
    check: str
    table: str
    row: str
    what: str

    def line(self) -> str:
        return f"FAIL {self.check} {self.table}:{self.row} {self.what}"


@dataclass(slots=True)
class CheckReport:
    counts: Counter[str] = field(default_factory=Counter)
    """Rows checked, by table."""
    problems: list[Problem] = field(default_factory=list)
    unlisted: Counter[str] = field(default_factory=Counter)
    """Problems beyond ``MAX_PER_CHECK`` of a check: counted only."""

    @property
    def ok(self) -> bool:
        return not self.problems

    def fail(self, check: str, table: str, row: object, what: str) -> None:
        if sum(1 for problem in self.problems if problem.check == check) >= MAX_PER_CHECK:
            self.unlisted[check] += 1
            return
        self.problems.append(Problem(check, table, str(row), what))

    def lines(self) -> list[str]:
        if self.ok:
            counted = ", ".join(f"{self.counts[table]} {table}" for table in TABLES)
            return [f"OK {counted}"]
        more = [f"FAIL {check} … and {count} more problem(s) not listed" for check, count in self.unlisted.items()]
        return [problem.line() for problem in self.problems] + more


# --- pure comparisons -------------------------------------------------------------------------------------------


def short(digest: str | bytes | None) -> str:
    """A hash for a message: 16 hex digits and an ellipsis."""
    if digest is None:
        return "none"
    text = digest.hex() if isinstance(digest, bytes) else digest
    return f"{text[:16]}…"


def entry_hash_problem(
    kind: str, estate_id: uuid.UUID | None, vote_id: uuid.UUID | None, payload: Any, stored: str
) -> str | None:
    """Why an entry's ``payload_sha256`` is not the hash of its content, or None."""
    try:
        expected = entry_payload_sha256(kind, estate_id, vote_id, payload)
    except (TypeError, ValueError) as error:
        return f"payload is not canonical JSON ({error})"
    if expected != stored:
        return (
            f"payload_sha256 {short(stored)} is not the hash of its kind, place, vote and payload ({short(expected)})"
        )
    return None


def cast_at_text(logged: Any, cast_at: datetime) -> str:
    """The ``cast_at`` text a ballot's hash covers: the logged text when it is the row's instant, else the row's."""
    if isinstance(logged, str):
        try:
            if datetime.fromisoformat(logged) == cast_at:
                return logged
        except ValueError:
            pass
    return cast_at.isoformat()


def ballot_hash(ballot: Ballot, logged_cast_at: Any, group: str, *, scanned: bool = False) -> str:
    """The ballot's commitment (or version-1 hash without a nonce) recomputed from its row, ``group`` being the
    name its vote's log gives the group (``app.ledger.ballot``: the one definition the producer uses too);
    ``scanned`` when its entry logs a scan hash (ballot document version 3)."""
    return ballot_commitments.ballot_hash(
        vote_id=str(ballot.vote_id), group=group, answers=ballot.answers, basis=ballot.basis,
        channel=ballot.channel.value, cast_at=cast_at_text(logged_cast_at, ballot.cast_at), nonce=ballot.nonce,
        scan_sha256=ballot.scan_sha256 if scanned else None,
    )  # fmt: skip


def ballot_problems(
    ballot: Ballot, entry: AuditEntry | None, pseudonym: str | None = None, *, pseudonym_key: bytes
) -> list[str]:
    """Why a ballot row disagrees with its own hash or its ``ballot.cast`` entry; ``pseudonym`` is the roll's
    per-vote name of the ballot's group (the group id for ballots of rolls frozen before pseudonyms). The entry's
    ``grant`` is the ballot's grant under ``pseudonym_key`` (``grant_pseudonym``); an entry logged before grants
    were pseudonymous has the ``grant_id`` itself."""
    if entry is None:
        return [f"its ballot.cast audit entry {ballot.audit_entry_id} is missing"]
    payload = entry.payload if isinstance(entry.payload, dict) else {}
    problems = []
    group = pseudonym or ballot.group_id
    try:
        recomputed = ballot_hash(ballot, payload.get("cast_at"), group, scanned="scan_sha256" in payload)
    except ValueError:
        return [f"its nonce {ballot.nonce!r} is not 32 lowercase hex digits"]
    if recomputed != ballot.content_hash:
        problems.append(
            f"content_hash {short(ballot.content_hash)} is not the hash of its answers, group, basis, channel, "
            f"time and nonce ({short(recomputed)})"
        )
    if (ballot.nonce is not None) != ballot_commitments.is_commitment_entry(payload):
        problems.append(f"its nonce and the format of its ballot.cast entry {entry.id} disagree")
    logged = (
        ballot_commitments.logged_group(payload),
        payload.get("basis"),
        payload.get("channel"),
        payload["grant"] if "grant" in payload else payload.get("grant_id"),
    )
    grant = (
        grant_pseudonym(pseudonym_key, ballot.vote_id, ballot.grant_id)
        if "grant" in payload
        else str(ballot.grant_id or "")
    )
    stored = (group, ballot.basis, ballot.channel.value, grant)
    if entry.kind != EventKind.BALLOT_CAST or payload.get("ballot_id") != str(ballot.id):
        problems.append(f"audit entry {entry.id} is not the ballot.cast entry of this ballot")
    elif logged != stored:
        problems.append(f"group, basis, channel or grant {', '.join(stored)} differ "
                        f"from its ballot.cast entry {entry.id} ({', '.join(map(str, logged))})")  # fmt: skip
    elif ballot_commitments.logged_hash(payload) != recomputed:
        problems.append(
            f"its content ({short(recomputed)}) is not what its ballot.cast entry {entry.id} logged "
            f"({short(ballot_commitments.logged_hash(payload))})"
        )
    return problems


MarkRow = tuple[str, str, str, int, str]
"""A stored mark: topic id, item, answer, area, vote id."""


def mark_problems(
    vote_id: uuid.UUID, expected: Mapping[str, Sequence[Mark]], area: int, stored: Iterable[MarkRow]
) -> list[tuple[str, str]]:
    """``(topic_id/item, what)`` for each mark that is missing, extra or differs from the ballot's answers."""
    want = {
        (topic_id, mark.item): (mark.answer, area, str(vote_id))
        for topic_id, marks in expected.items()
        for mark in marks
    }
    have = {(topic_id, item): (answer, mark_area, mark_vote) for topic_id, item, answer, mark_area, mark_vote in stored}
    problems = []
    for key in sorted(want.keys() | have.keys()):
        name = f"{key[0]}/{key[1]}"
        if key not in have:
            problems.append((name, f"missing: the ballot answers {want[key][0]} here"))
        elif key not in want:
            problems.append((name, f"answer {have[key][0]} is not on the ballot"))
        elif have[key] != want[key]:
            (answer, mark_area, mark_vote), (wanted, wanted_area, _) = have[key], want[key]
            problems.append(
                (name, f"answer {answer}, area {mark_area}, vote {mark_vote} differ from the ballot's answer "
                       f"{wanted} and its group's frozen area {wanted_area}")
            )  # fmt: skip
    return problems


def checkpoint_problem(keys: LogKeys, row: LogCheckpoint, root: bytes | None) -> str | None:
    """Why a stored checkpoint is not the signed root of the stored leaves at its size (``root``), or None."""
    if root is None:
        return "its size is beyond the stored leaves"
    if row.root_hash != root:
        return f"root_hash {short(row.root_hash)} is not the Merkle root of the first {row.size} leaves ({short(root)})"
    try:
        signed = Checkpoint.parse(open_note(row.note_text, keys.log_verifiers).text)
    except ValueError as error:  # LedgerError subclasses: unsigned, bad signature, malformed
        return f"its note does not verify with the log's keys ({error})"
    if (signed.origin, signed.size, signed.root_hash) != (keys.origin, row.size, row.root_hash):
        return f"its note signs origin {signed.origin}, size {signed.size}, root {short(signed.root_hash)} instead"
    return None


def cosignature_problem(keys: LogKeys, note_text: str, cosignature: LogCosignature) -> str | None:
    """Why a configured witness's cosignature line does not verify on the checkpoint, or None (also if unknown)."""
    witness = keys.witness(cosignature.witness_name)
    if witness is None:
        return None
    try:
        open_note(f"{note_text}{cosignature.signature_line}\n", [witness.verifier])
    except ValueError as error:
        return f"the cosignature of {cosignature.witness_name} does not verify ({error})"
    return None


def roll_problems(recomputed: Roll, estate_id: uuid.UUID, stored: Sequence[RollGroup]) -> list[tuple[str, str]]:
    """``(group_id, what)`` for each frozen roll group that differs from the roll of the register rows."""
    fresh = {public_group_id(str(estate_id), group.key): group for group in recomputed.groups}
    frozen = {row.group_id: row for row in stored}
    problems = []
    for group_id in sorted(fresh.keys() | frozen.keys()):
        if group_id not in frozen:
            units = ", ".join(fresh[group_id].unit_ids)
            problems.append((group_id, f"units {units} of the register form a group the frozen roll lacks"))
            continue
        row = frozen[group_id]
        if group_id not in fresh:
            problems.append(
                (group_id, f"frozen group of units {', '.join(row.unit_keys)} is not in the register's roll")
            )
            continue
        group = fresh[group_id]
        units = ", ".join(group.unit_ids)
        if (list(row.unit_keys), sorted(row.owner_ids)) != (list(group.unit_ids), sorted(group.owner_keys)):
            problems.append((group_id, f"frozen units {', '.join(row.unit_keys)} or owners differ from the register's "
                                       f"units {units} and their owners"))  # fmt: skip
        elif (row.area, row.is_developer) != (group.area, group.is_developer):
            problems.append((group_id, f"frozen area {row.area} (developer {row.is_developer}) differs from units "
                                       f"{units}, which give area {group.area} (developer {group.is_developer}) in "
                                       "the register"))  # fmt: skip
    return problems


# --- reading the database ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Scope:
    """What ``--estate`` / ``--vote`` narrow; None narrows nothing."""

    estate_id: uuid.UUID | None = None
    vote: Vote | None = None

    def _narrow(self, statement: Any, of_vote: Callable[[Vote], Any], of_estate: Callable[[uuid.UUID], Any]) -> Any:
        """``statement`` kept to the vote's rows, else to the estate's, else as it is."""
        if self.vote is not None:
            return statement.where(of_vote(self.vote))
        if self.estate_id is not None:
            return statement.where(of_estate(self.estate_id))
        return statement

    def entries(self, statement: Any) -> Any:
        return self._narrow(
            statement, lambda vote: AuditEntry.vote_id == vote.id, lambda estate: AuditEntry.estate_id == estate
        )

    def ballots(self, statement: Any) -> Any:
        return self._narrow(
            statement,
            lambda vote: Ballot.vote_id == vote.id,
            lambda estate: Ballot.vote_id.in_(sa.select(Vote.id).where(Vote.estate_id == estate)),
        )

    def votes(self, statement: Any) -> Any:
        return self._narrow(statement, lambda vote: Vote.id == vote.id, lambda estate: Vote.estate_id == estate)

    def versions(self, statement: Any) -> Any:
        return self._narrow(
            statement,
            lambda vote: RegisterVersion.id == vote.register_version_id,
            lambda estate: RegisterVersion.estate_id == estate,
        )


async def _rows_after(session: AsyncSession, statement: Any, key: Any, last: object, chunk: int) -> Sequence[Any]:
    """The next ``chunk`` rows of ``statement`` in ``key`` order, after ``last`` (from the start when None)."""
    statement = statement.order_by(key).limit(chunk)
    if last is not None:
        statement = statement.where(key > last)
    return (await session.execute(statement)).all()


async def check_database(
    session: AsyncSession,
    keys: LogKeys,
    *,
    pseudonym_key: bytes,
    estate_id: uuid.UUID | None = None,
    vote_id: uuid.UUID | None = None,
    chunk: int = CHUNK,
) -> CheckReport:
    """Run every check (see the module docstring) in the caller's transaction; writes nothing. ``pseudonym_key``
    is the server's key of per-vote pseudonyms (owners in the roll hash, grants in ``ballot.cast`` entries)."""
    vote = None
    if vote_id is not None:
        vote = await session.get(Vote, vote_id)
        if vote is None:
            raise NotFound(what="vote")
    scope = _Scope(estate_id, vote)
    report = CheckReport()
    await _check_entries(session, report, scope, chunk)
    await _check_tree(session, report, keys, chunk)
    await _check_ballots(session, report, scope, chunk, pseudonym_key)
    registers = await _check_registers(session, report, scope, chunk)
    await _check_rolls(session, report, scope, registers, pseudonym_key)
    return report


async def _check_entries(session: AsyncSession, report: CheckReport, scope: _Scope, chunk: int) -> None:
    """Entries as plain rows (no ORM instances: this is the largest table), each with its leaf if it has one."""
    last: uuid.UUID | None = None
    columns = (
        AuditEntry.id, AuditEntry.kind, AuditEntry.estate_id, AuditEntry.vote_id, AuditEntry.payload,
        AuditEntry.payload_sha256, AuditEntry.created_at, AuditEntry.leaf_index, LogLeaf.leaf_index, LogLeaf.leaf_hash,
    )  # fmt: skip
    while True:
        statement = sa.select(*columns).outerjoin(LogLeaf, LogLeaf.entry_id == AuditEntry.id)
        rows = await _rows_after(session, scope.entries(statement), AuditEntry.id, last, chunk)
        if not rows:
            return
        for entry_id, kind, estate_id, vote_id, payload, digest, created_at, index, leaf_index, leaf_hash in rows:
            report.counts["audit_entry"] += 1
            problem = entry_hash_problem(kind, estate_id, vote_id, payload, digest)
            if problem:
                report.fail("entry", "audit_entry", entry_id, problem)
            if leaf_index is None:
                if index is not None:
                    report.fail("entry", "audit_entry", entry_id, f"leaf_index {index}, but no leaf holds it")
            elif leaf_index != index:
                report.fail("entry", "log_leaf", leaf_index, f"holds entry {entry_id}, whose leaf_index is {index}")
            elif not problem:
                document = leaf_document(
                    entry_id=entry_id, kind=kind, estate_id=estate_id, vote_id=vote_id, payload=payload,
                    payload_sha256=digest, created_at=created_at,
                )  # fmt: skip
                if leaf_hash != entry_leaf_hash(document):
                    report.fail("entry", "log_leaf", leaf_index, f"leaf_hash {short(leaf_hash)} is not the hash of "
                                f"entry {entry_id}")  # fmt: skip
        last = rows[-1][0]


class _Leaves:
    """The stored leaves in index order, read in chunks, folded into a compact range as far as asked."""

    def __init__(self, session: AsyncSession, report: CheckReport, chunk: int) -> None:
        self._rows = self._read(session, chunk)
        self._report = report
        self._pending: list[bytes] = []
        self._done = False
        self._shift = 0
        self.tree = CompactRange()

    async def _read(self, session: AsyncSession, chunk: int) -> AsyncIterator[Sequence[Any]]:
        last = -1
        while True:
            statement = (
                sa.select(LogLeaf.leaf_index, LogLeaf.leaf_hash, LogLeaf.entry_id, AuditEntry.id)
                .outerjoin(AuditEntry, AuditEntry.id == LogLeaf.entry_id)
                .where(LogLeaf.leaf_index > last)
                .order_by(LogLeaf.leaf_index)
                .limit(chunk)
            )
            rows = (await session.execute(statement)).all()
            if not rows:
                return
            yield rows
            last = rows[-1][0]

    async def root_at(self, size: int) -> bytes | None:
        """The root of the first ``size`` leaves, or None if fewer are stored (``size`` never decreases)."""
        while self.tree.size + len(self._pending) < size and not self._done:
            rows = await anext(self._rows, None)
            if rows is None:
                self._done = True
                break
            for index, leaf_hash, entry_id, entry_found in rows:
                self._take(index, leaf_hash, entry_id, entry_found)
        take = min(size - self.tree.size, len(self._pending))
        self.tree = self.tree.extend(self._pending[:take])
        del self._pending[:take]
        return self.tree.root() if self.tree.size == size else None

    async def drain(self) -> CompactRange:
        while await self.root_at(self.tree.size + len(self._pending) + 1) is not None:
            pass
        return self.tree

    def _take(self, index: int, leaf_hash: bytes, entry_id: uuid.UUID, entry_found: uuid.UUID | None) -> None:
        position = self.tree.size + len(self._pending)
        self._report.counts["log_leaf"] += 1
        if index != position + self._shift:  # a gap: named once, then the following leaves are read after it
            missing = position + self._shift
            self._report.fail("tree", "log_leaf", missing, f"missing: the next stored leaf is {index}")
            self._shift = index - position
        if entry_found is None:
            self._report.fail("tree", "log_leaf", index, f"its audit entry {entry_id} is missing")
        if len(leaf_hash) != len(EMPTY_LEAF):
            self._report.fail("tree", "log_leaf", index, f"leaf_hash is {len(leaf_hash)} bytes, not 32")
            leaf_hash = EMPTY_LEAF
        self._pending.append(leaf_hash)


EMPTY_LEAF = bytes(32)


async def _check_tree(session: AsyncSession, report: CheckReport, keys: LogKeys, chunk: int) -> None:
    leaves = _Leaves(session, report, chunk)
    last = -1
    while True:
        statement = sa.select(LogCheckpoint).where(LogCheckpoint.size > last).order_by(LogCheckpoint.size).limit(chunk)
        checkpoints = (await session.scalars(statement)).all()
        if not checkpoints:
            break
        cosignatures: dict[int, list[LogCosignature]] = {}
        sizes = [checkpoint.size for checkpoint in checkpoints]
        for line in await session.scalars(sa.select(LogCosignature).where(LogCosignature.size.in_(sizes))):
            cosignatures.setdefault(line.size, []).append(line)
        for checkpoint in checkpoints:
            report.counts["log_checkpoint"] += 1
            problem = checkpoint_problem(keys, checkpoint, await leaves.root_at(checkpoint.size))
            if problem:
                report.fail("checkpoint", "log_checkpoint", checkpoint.size, problem)
            for line in cosignatures.get(checkpoint.size, []):
                report.counts["log_cosignature"] += 1
                problem = cosignature_problem(keys, checkpoint.note_text, line)
                if problem:
                    report.fail("checkpoint", "log_cosignature", f"{line.size}/{line.witness_name}", problem)
        last = checkpoints[-1].size
    tree = await leaves.drain()
    state = await session.get(LogState, 1)
    if state is not None and (state.size, state.frontier, state.root_hash) != (
        tree.size,
        b"".join(tree.hashes),
        tree.root(),
    ):
        report.fail("tree", "log_state", state.id, f"size {state.size}, frontier or root {short(state.root_hash)} "
                    f"is not the tree of the {tree.size} stored leaves (root {short(tree.root())})")  # fmt: skip


async def _check_ballots(
    session: AsyncSession, report: CheckReport, scope: _Scope, chunk: int, pseudonym_key: bytes
) -> None:
    voided = {
        str(payload.get("ballot_id"))
        for payload in await session.scalars(
            scope.entries(sa.select(AuditEntry.payload).where(AuditEntry.kind == EventKind.BALLOT_VOIDED))
        )
        if isinstance(payload, dict)
    }
    topics: dict[uuid.UUID, Sequence[Topic]] = {}
    last: uuid.UUID | None = None
    while True:
        statement = (
            sa.select(Ballot, AuditEntry, RollGroup.area, RollGroup.pseudonym)
            .outerjoin(AuditEntry, AuditEntry.id == Ballot.audit_entry_id)
            .outerjoin(RollGroup, sa.and_(RollGroup.vote_id == Ballot.vote_id, RollGroup.group_id == Ballot.group_id))
        )
        rows = await _rows_after(session, scope.ballots(statement), Ballot.id, last, chunk)
        if not rows:
            break
        marks: dict[uuid.UUID, list[MarkRow]] = {}
        stored = await session.execute(
            sa.select(
                BallotMark.ballot_id, BallotMark.topic_id, BallotMark.item, BallotMark.answer, BallotMark.area,
                BallotMark.vote_id,
            ).where(BallotMark.ballot_id.in_([ballot.id for ballot, _, _, _ in rows]))
        )  # fmt: skip
        for ballot_id, topic_id, item, answer, area, mark_vote in stored:
            marks.setdefault(ballot_id, []).append((str(topic_id), item, answer, area, str(mark_vote)))
        for ballot, entry, area, pseudonym in rows:
            if ballot.vote_id not in topics:
                topics[ballot.vote_id] = (
                    await session.scalars(sa.select(Topic).where(Topic.vote_id == ballot.vote_id))
                ).all()
            _check_ballot(
                report, ballot, entry, (area, pseudonym), topics[ballot.vote_id], marks.get(ballot.id, []), voided,
                pseudonym_key=pseudonym_key,
            )  # fmt: skip
        last = rows[-1][0].id
    orphans = await session.execute(
        scope.entries(
            sa.select(AuditEntry.id, AuditEntry.payload).where(
                AuditEntry.kind == EventKind.BALLOT_CAST,
                ~sa.exists().where(Ballot.audit_entry_id == AuditEntry.id),
            )
        )
    )
    for entry_id, payload in orphans:
        cast = payload.get("ballot_id") if isinstance(payload, dict) else None
        report.fail("ballot", "audit_entry", entry_id, f"logs the cast of ballot {cast}, which is missing")


def _check_ballot(
    report: CheckReport,
    ballot: Ballot,
    entry: AuditEntry | None,
    group: tuple[int | None, str | None],
    topics: Sequence[Topic],
    marks: Sequence[MarkRow],
    voided: set[str],
    *,
    pseudonym_key: bytes,
) -> None:
    area, pseudonym = group
    report.counts["ballot"] += 1
    report.counts["ballot_mark"] += len(marks)
    for what in ballot_problems(ballot, entry, pseudonym, pseudonym_key=pseudonym_key):
        report.fail("ballot", "ballot", ballot.id, what)
    if (ballot.status is BallotStatus.VOID) != (str(ballot.id) in voided):
        logged = "a ballot.voided entry" if str(ballot.id) in voided else "no ballot.voided entry"
        report.fail("ballot", "ballot", ballot.id, f"status {ballot.status.value}, but the log has {logged}")
    if area is None:
        report.fail("mark", "ballot", ballot.id, f"group {ballot.group_id} is not in the vote's frozen roll")
        return
    try:
        expected = marks_for_ballot(topics, ballot.answers, allow_spoiled=ballot.channel is Channel.PAPER)
    except (DomainError, TypeError, ValueError, AttributeError) as error:
        report.fail("mark", "ballot", ballot.id, f"its answers are not a valid ballot ({error})")
        return
    for name, what in mark_problems(ballot.vote_id, expected, area, marks):
        report.fail("mark", "ballot_mark", f"{ballot.id}/{name}", what)


@dataclass(frozen=True, slots=True)
class _Register:
    version: RegisterVersion
    units: list[UnitRecord]


async def _check_registers(
    session: AsyncSession, report: CheckReport, scope: _Scope, chunk: int
) -> dict[uuid.UUID, _Register]:
    versions = (await session.scalars(scope.versions(sa.select(RegisterVersion)).order_by(RegisterVersion.id))).all()
    logged: dict[str, list[AuditEntry]] = {}
    estates = sorted({version.estate_id for version in versions})
    entries = await session.scalars(
        sa.select(AuditEntry).where(AuditEntry.kind == EventKind.REGISTER_VERSION, AuditEntry.estate_id.in_(estates))
    )
    for entry in entries:
        if isinstance(entry.payload, dict):
            logged.setdefault(str(entry.payload.get("version_id")), []).append(entry)
    registers = {}
    for version in versions:
        report.counts["register_version"] += 1
        hasher = CanonicalListHasher(CONTENT_MEMBER)
        records: list[UnitRecord] = []
        async for unit, building, owners in _units(session, version.id, chunk):
            hasher.add(
                unit_content(
                    unit_key=unit.unit_key, building=building, entrance=unit.entrance, room=unit.room, area=unit.area,
                    area_source=unit.area_source, parking=unit.is_parking, sale_status=unit.sale_status,
                    delivered=unit.delivered, evidence=unit.evidence, certificate_index=unit.certificate_index,
                    owners=[(kind, index, name) for _, kind, index, name in owners],
                )
            )  # fmt: skip
            records.append(
                UnitRecord(
                    unit_id=unit.unit_key, area=unit.area, area_source=unit.area_source,
                    owner_keys=frozenset(str(owner_id) for owner_id, _, _, _ in owners), sale_status=unit.sale_status,
                    delivered=unit.delivered, is_parking=unit.is_parking,
                )
            )  # fmt: skip
        report.counts["unit"] += hasher.count
        registers[version.id] = _Register(version, records)
        for what in register_problems(version, hasher.hexdigest(), hasher.count, records, logged.get(str(version.id))):
            report.fail("register", "register_version", version.id, what)
    return registers


def register_problems(
    version: RegisterVersion, digest: str, count: int, units: Sequence[UnitRecord], logged: Sequence[AuditEntry] | None
) -> list[str]:
    """Why a version's stored rows (hashed to ``digest``) disagree with the version row or its logged entry."""
    rows = f"its {count} unit and owner-link rows"
    problems = []
    if digest != version.content_hash:
        problems.append(f"{rows} hash to {short(digest)}, not to its content_hash {short(version.content_hash)} "
                        "(a unit, building, owner or owner link was changed)")  # fmt: skip
    if count != version.unit_count:
        problems.append(f"unit_count {version.unit_count}, but {count} unit rows")
    if not logged:
        return [*problems, "no register.version entry in the audit log"]
    roll: Roll | None = None
    try:
        roll = _whole_roll(version, units)
    except DomainError as error:
        problems.append(f"{rows} give no valid roll ({error.code})")
    for entry in logged:
        payload = entry.payload
        if payload.get("content_hash") != digest:
            problems.append(f"{rows} hash to {short(digest)}, not to {short(payload.get('content_hash'))} logged in "
                            f"audit entry {entry.id}")  # fmt: skip
        if (payload.get("number"), payload.get("unit_count")) != (version.number, count):
            problems.append(f"number {version.number} and {count} units, audit entry {entry.id} logs "
                            f"{payload.get('number')} and {payload.get('unit_count')}")  # fmt: skip
        if roll is not None and (payload.get("heads"), payload.get("area")) != (roll.total.heads, roll.total.area):
            problems.append(f"{rows} give {roll.total.heads} heads and area {roll.total.area}, audit entry {entry.id} "
                            f"logs {payload.get('heads')} and {payload.get('area')}")  # fmt: skip
    return problems


def _whole_roll(version: RegisterVersion, units: Sequence[UnitRecord]) -> Roll:
    """``app.register.service.roll_of_units`` of the version's unit records."""
    developer = str(version.developer_owner_id) if version.developer_owner_id else None
    return build_roll(units, developer_key=developer, include_parking=version.include_parking)


async def _units(
    session: AsyncSession, version_id: uuid.UUID, chunk: int
) -> AsyncIterator[tuple[Unit, str, list[tuple[uuid.UUID, Any, str, str]]]]:
    """The version's units in code-point order of ``unit_key`` (as the import sorts them) with their owner links."""
    key: Any = Unit.unit_key
    if session.get_bind().dialect.name == "postgresql":
        key = Unit.unit_key.collate("C")  # byte order of UTF-8 = code-point order = Python's str order
    last: str | None = None
    while True:
        statement = (
            sa.select(Unit, Building.name)
            .outerjoin(Building, Building.id == Unit.building_id)
            .where(Unit.register_version_id == version_id)
        )
        rows = await _rows_after(session, statement, key, last, chunk)
        if not rows:
            return
        owners: dict[uuid.UUID, list[tuple[uuid.UUID, Any, str, str]]] = {}
        links = await session.execute(
            sa.select(UnitOwner.unit_id, UnitOwner.owner_id, Owner.kind, Owner.identifier_index, UnitOwner.name)
            .outerjoin(Owner, Owner.id == UnitOwner.owner_id)
            .where(UnitOwner.unit_id.in_([unit.id for unit, _ in rows]))
        )
        for unit_id, owner_id, kind, index, name in links:
            owners.setdefault(unit_id, []).append((owner_id, kind, index or "", name))
        for unit, building in rows:
            yield unit, building or "", owners.get(unit.id, [])
        last = rows[-1][0].unit_key


async def _check_rolls(
    session: AsyncSession,
    report: CheckReport,
    scope: _Scope,
    registers: Mapping[uuid.UUID, _Register],
    pseudonym_key: bytes,
) -> None:
    votes = (await session.scalars(scope.votes(sa.select(Vote).where(Vote.roll_hash.is_not(None))))).all()
    published: dict[uuid.UUID | None, list[AuditEntry]] = {}
    for entry in await session.scalars(
        scope.entries(sa.select(AuditEntry).where(AuditEntry.kind == EventKind.VOTE_PUBLISHED))
    ):
        published.setdefault(entry.vote_id, []).append(entry)
    republished: dict[uuid.UUID | None, list[AuditEntry]] = {}
    for entry in await session.scalars(
        scope.entries(
            sa.select(AuditEntry)
            .where(AuditEntry.kind == EventKind.VOTE_ROLL_REPUBLISHED)
            .order_by(AuditEntry.created_at, AuditEntry.id)
        )
    ):
        republished.setdefault(entry.vote_id, []).append(entry)
    for vote in votes:
        report.counts["vote"] += 1
        register = registers.get(vote.register_version_id) if vote.register_version_id else None
        if register is None:
            report.fail("roll", "vote", vote.id, f"its register version {vote.register_version_id} is missing")
            continue
        version = register.version
        try:
            whole = _whole_roll(version, register.units)
            roll = whole if vote.scope_units is None else build_roll(
                whole.units, developer_key=str(version.developer_owner_id) if version.developer_owner_id else None,
                include_parking=version.include_parking, scope=list(vote.scope_units),
            )  # fmt: skip
        except DomainError as error:
            report.fail("roll", "vote", vote.id, f"its register version's rows give no valid roll ({error.code})")
            continue
        groups = (await session.scalars(sa.select(RollGroup).where(RollGroup.vote_id == vote.id))).all()
        report.counts["roll_group"] += len(groups)
        for group_id, what in roll_problems(roll, vote.estate_id, groups):
            report.fail("roll", "roll_group", f"{vote.id}/{group_id}", what)
        pseudonyms = {row.group_key: row.pseudonym for row in groups}
        logged = published.get(vote.id, [])
        for what in vote_roll_problems(
            vote, roll, logged, pseudonyms, pseudonym_key, republished=republished.get(vote.id, [])
        ):
            report.fail("roll", "vote", vote.id, what)


def vote_roll_problems(
    vote: Vote,
    roll: Roll,
    published: Sequence[AuditEntry],
    pseudonyms: Mapping[str, str],
    pseudonym_key: bytes,
    *,
    republished: Sequence[AuditEntry] = (),
) -> list[str]:
    """Why the vote's roll hash and totals disagree with its register's roll or its ``vote.published`` entry.

    ``pseudonyms`` are the frozen rows' per-vote group names by group key (a group missing from them is reported
    by ``roll_problems``; here it hashes under an empty name, so the roll hash fails too). The roll document is
    the version-2 one, whose owners are the register rows' owners under ``pseudonym_key``, unless the version-1
    document (no owners) is what was frozen: a roll published before owners were bound."""
    named = {group.key: pseudonyms.get(group.key, "") for group in roll.groups}
    digest = canonical_sha256(roll_document(vote.estate_id, roll, named, None))
    if digest != vote.roll_hash:
        owners = {group.key: owner_pseudonyms(pseudonym_key, vote.id, group.owner_keys) for group in roll.groups}
        digest = canonical_sha256(roll_document(vote.estate_id, roll, named, owners))
    problems = []
    if digest != vote.roll_hash or (vote.total_heads, vote.total_area) != (roll.total.heads, roll.total.area):
        problems.append(f"roll_hash {short(vote.roll_hash)} or totals {vote.total_heads}/{vote.total_area} are not "
                        f"those of its register version's rows ({short(digest)}, "
                        f"{roll.total.heads}/{roll.total.area})")  # fmt: skip
    if len(published) != 1:
        return [*problems, f"{len(published)} vote.published entries in the audit log, not 1"]
    # R-ROLL-7: a corrected roll re-published before voting replaces the published one; the last one stands.
    source = republished[-1] if republished else published[0]
    payload = source.payload if isinstance(source.payload, dict) else {}  # a damaged entry: a FAIL line
    logged = (payload.get("roll_hash"), payload.get("register_version_id"), payload.get("total_heads"),
              payload.get("total_area"))  # fmt: skip
    if logged != (digest, str(vote.register_version_id), roll.total.heads, roll.total.area):
        problems.append(f"the roll of its register version's rows ({short(digest)}) is not the roll logged in "
                        f"audit entry {source.id} ({short(payload.get('roll_hash'))})")  # fmt: skip
    return problems
