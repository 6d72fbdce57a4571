"""The procedure around the count, checked offline (issue #17): windows in force, posting, re-published rolls,
paper ballots counted in public, convening and per-decision status.

Pure functions over the vote's non-ballot entries (``Logged``: kind, payload, leaf document, leaf index; each one
already proven in a signed checkpoint by ``app.verifier.checks``) and, for the paper checks, fixed-size records the
log's stream makes of the receptions and of the ``ballot.cast`` entries that need them (the paper ones, and the
online ones of a vote with receptions), sorted by group; the objections' filings and answers are sorted by objection
out of core as they stream by (``check_objections``, ``spill.RecordSort``). Each check raises ``ProcedureFailure``
naming its check and what is wrong; ``app.verifier.checks`` reports it as a ``FAIL`` line. The rule ids are
docs/rules.md's.
"""

from __future__ import annotations

import hashlib
import itertools
import operator
import re
import struct
from collections.abc import Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from app.ledger import ballot as ballot_commitments
from app.ledger.canonical import canonical_sha256
from app.ledger.events import EventKind
from app.rules.lifecycle import carries_decision
from app.rules.paper import PUBLIC_WITNESSES, PaperForm, ReceptionStatus, WitnessRole
from app.rules.publicity import earliest_voting_start, notice_effective_at, shanghai_date
from app.verifier import spill

#: How far a time a payload states may be from its entry's own log time (``created_at``), as in the checks.
TIME_TOLERANCE = timedelta(minutes=5)
_HEX64 = re.compile(r"[0-9a-f]{64}")
PAPER_METHODS = frozenset({"PAPER", "MIXED"})
REVOCATIONS: Mapping[str, str] = {
    EventKind.SUPERVISION_REVOCATION: "REVOKED_BY_STREET_OFFICE",
    EventKind.SUPERVISION_COURT_REVOCATION: "REVOKED_BY_COURT",
}


class ProcedureFailure(Exception):
    """One check's failure: the check's name and what is wrong."""

    def __init__(self, check: str, message: str) -> None:
        super().__init__(f"{check}: {message}")
        self.check = check
        self.message = message


class Logged(Protocol):
    """A proven log entry of the vote (``app.verifier.checks._Entry``)."""

    @property
    def leaf_index(self) -> int: ...

    @property
    def document(self) -> dict[str, Any]: ...

    @property
    def kind(self) -> str: ...

    @property
    def payload(self) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class Cast:
    """What the procedure checks need of one ``ballot.cast`` entry."""

    ballot_id: str
    group: str
    channel: str
    basis: str
    cast_at: str
    created_at: str
    leaf: int
    scan_sha256: str | None

    @classmethod
    def of(cls, leaf: int, document: Mapping[str, Any]) -> Cast:
        payload = document["payload"]
        return cls(
            ballot_id=str(payload["ballot_id"]),
            group=str(ballot_commitments.logged_group(payload)),
            channel=str(payload.get("channel", "")),
            basis=str(payload.get("basis", "")),
            cast_at=str(payload.get("cast_at", document["created_at"])),
            created_at=str(document["created_at"]),
            leaf=leaf,
            scan_sha256=payload.get("scan_sha256"),
        )


def instant(text: Any) -> datetime:
    value = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError(f"time {text!r} has no offset")
    return value


def _created(entry: Logged) -> datetime:
    return instant(entry.document["created_at"])


def _named(entry: Logged) -> str:
    return f"the {entry.kind} entry (leaf {entry.leaf_index}, logged {entry.document['created_at']})"


@runtime_checkable
class ByKind(Protocol):
    """Entries that give those of some kinds without reading the others (``app.verifier.checks._Entries``: kept in
    a temporary file, parsed again as they are read)."""

    def of_kinds(self, kinds: Iterable[str]) -> Iterator[Logged]: ...


def _of(entries: Iterable[Logged], *kinds: str) -> list[Logged]:
    """The entries of these kinds in log-time order (leaf order breaks ties)."""
    chosen = entries.of_kinds(kinds) if isinstance(entries, ByKind) else (e for e in entries if e.kind in kinds)
    return sorted(chosen, key=lambda entry: (entry.document["created_at"], entry.leaf_index))


# --- windows in force (R-ROLL-7, R-SUP-5, R-SUP-6) -------------------------------------------------------------


@dataclass(slots=True)
class Frame:
    """What the vote is as last published: notice and roll hashes, register version, totals and window in force."""

    notice_hash: str
    roll_hash: str
    register_version_id: str
    total_heads: Any
    total_area: Any
    starts_at: datetime
    ends_at: datetime
    published_at: datetime
    #: from when the notice period runs (publication, or the last re-publication of the roll, R-ROLL-7)
    period_from: datetime
    #: the end the notice in force published (a resumption announces its extension in its own notice, R-SUP-5)
    notice_ends_at: datetime
    republished: Logged | None = None
    resumed: list[Logged] = field(default_factory=list)

    @property
    def extended(self) -> bool:
        return bool(self.resumed)


def frame_in_force(published: Logged, entries: Iterable[Logged]) -> Frame:
    """R-ROLL-7: the last ``vote.roll_republished`` replaces the published roll, notice hash, register version, totals
    and window, each naming the one before (``previous_*``); R-SUP-5: each ``supervision.resumption`` moves the end to
    its ``ends_after``, at least its ``ends_before`` (the end then in force) plus the whole suspended time."""
    p = published.payload
    frame = Frame(
        notice_hash=p["notice_hash"],
        roll_hash=p["roll_hash"],
        register_version_id=p["register_version_id"],
        total_heads=p["total_heads"],
        total_area=p["total_area"],
        starts_at=instant(p["starts_at"]),
        ends_at=instant(p["ends_at"]),
        published_at=instant(p["published_at"]),
        period_from=instant(p["published_at"]),
        notice_ends_at=instant(p["ends_at"]),
    )
    suspended_at: datetime | None = None
    for entry in _of(
        entries,
        EventKind.VOTE_ROLL_REPUBLISHED,
        EventKind.SUPERVISION_SUSPENSION,
        EventKind.SUPERVISION_RESUMPTION,
    ):
        payload = entry.payload
        if entry.kind == EventKind.VOTE_ROLL_REPUBLISHED:
            _republish(frame, entry, published)
        elif entry.kind == EventKind.SUPERVISION_SUSPENSION:
            suspended_at = _created(entry)
        elif "ends_after" in payload:  # a resumption since R-SUP-5 (older ones never moved the end)
            _resume(frame, entry, suspended_at)
            suspended_at = None
        else:
            suspended_at = None
    return frame


def _republish(frame: Frame, entry: Logged, published: Logged) -> None:
    payload = entry.payload
    if entry.leaf_index < published.leaf_index or _created(entry) < frame.published_at - TIME_TOLERANCE:
        raise ProcedureFailure("roll", f"{_named(entry)} comes before the vote was published")
    chain = (
        ("previous_notice_hash", frame.notice_hash),
        ("previous_roll_hash", frame.roll_hash),
        ("previous_register_version_id", frame.register_version_id),
    )
    for member, expected in chain:
        if payload[member] != expected:
            raise ProcedureFailure(
                "roll",
                f"{_named(entry)} says {member} {payload[member]}, but the {member.removeprefix('previous_')} in force "
                f"before it was {expected} (R-ROLL-7: each re-publication names the one it replaces)",
            )
    republished_at = instant(payload["republished_at"])
    if abs(republished_at - _created(entry)) > TIME_TOLERANCE:
        raise ProcedureFailure("roll", f"{_named(entry)} claims republished_at {payload['republished_at']}")
    if republished_at >= frame.starts_at:
        raise ProcedureFailure(
            "roll",
            f"{_named(entry)}: the roll was re-published at {payload['republished_at']}, after voting opened at "
            f"{frame.starts_at.isoformat()} (R-ROLL-7: corrections only before voting opens)",
        )
    frame.notice_hash = payload["notice_hash"]
    frame.roll_hash = payload["roll_hash"]
    frame.register_version_id = payload["register_version_id"]
    frame.total_heads, frame.total_area = payload["total_heads"], payload["total_area"]
    frame.starts_at, frame.ends_at = instant(payload["starts_at"]), instant(payload["ends_at"])
    frame.notice_ends_at = frame.ends_at
    frame.period_from = republished_at
    frame.republished = entry


def _resume(frame: Frame, entry: Logged, suspended_at: datetime | None) -> None:
    payload = entry.payload
    before, after = instant(payload["ends_before"]), instant(payload["ends_after"])
    seconds = payload["suspended_seconds"]
    if suspended_at is None:
        raise ProcedureFailure("window", f"{_named(entry)} resumes a vote that no suspension entry suspended")
    if before != frame.ends_at:
        raise ProcedureFailure(
            "window",
            f"{_named(entry)} says the end before it was {payload['ends_before']}, but the end in force was "
            f"{frame.ends_at.isoformat()}",
        )
    lasted = (_created(entry) - suspended_at).total_seconds()
    if type(seconds) is not int or seconds < 0 or seconds + TIME_TOLERANCE.total_seconds() < lasted:
        raise ProcedureFailure(
            "window",
            f"{_named(entry)} says the vote was suspended {seconds} s, but its suspension entry is {int(lasted)} s "
            "before it (R-SUP-5)",
        )
    if after < before + timedelta(seconds=seconds):
        raise ProcedureFailure(
            "window",
            f"{_named(entry)} moves the end to {payload['ends_after']}, earlier than the end before it "
            f"{payload['ends_before']} plus the {seconds} s suspended (R-SUP-5: a suspension never shortens "
            "the window)",
        )
    frame.ends_at = after
    frame.resumed.append(entry)


def check_window(frame: Frame, entries: Iterable[Logged], closed: Logged) -> str:
    """R-SUP-5/6: no close after a suspension never resumed, none of a terminated vote; ``vote.closed.closed_at`` is
    the end in force. Returns the report's summary."""
    for termination in _of(entries, EventKind.SUPERVISION_TERMINATION):
        raise ProcedureFailure(
            "window",
            f"{_named(termination)} terminated the vote (R-SUP-6: no decision), yet the log has a vote.closed entry "
            f"(leaf {closed.leaf_index}) and a result",
        )
    open_suspension: Logged | None = None
    for entry in _of(entries, EventKind.SUPERVISION_SUSPENSION, EventKind.SUPERVISION_RESUMPTION):
        if entry.document["created_at"] > closed.document["created_at"]:
            break
        open_suspension = entry if entry.kind == EventKind.SUPERVISION_SUSPENSION else None
    if open_suspension is not None:
        raise ProcedureFailure(
            "window",
            f"the vote was closed (leaf {closed.leaf_index}) while suspended by {_named(open_suspension)}, never "
            "resumed (R-SUP-5: a suspended vote is never closed)",
        )
    closed_at = instant(closed.payload["closed_at"])
    if closed_at != frame.ends_at:
        raise ProcedureFailure(
            "window",
            f"vote.closed says closed_at {closed.payload['closed_at']}, but the end in force is "
            f"{frame.ends_at.isoformat()}" + (" (extended by a resumption, R-SUP-5)" if frame.extended else ""),
        )
    summary = f"window {frame.starts_at.isoformat()} – {frame.ends_at.isoformat()} in force"
    if frame.extended:
        summary += f", extended by {len(frame.resumed)} resumption(s) (R-SUP-5)"
    if frame.republished is not None:
        summary += f"; roll re-published at leaf {frame.republished.leaf_index} (R-ROLL-7)"
    return summary


# --- posting (R-NOTICE-2/3/4) ---------------------------------------------------------------------------------


def posting_required(published: Logged) -> bool:
    """Votes published since R-NOTICE-4 (``notice_queued`` instead of ``notified``) open only once posted."""
    return "notice_queued" in published.payload


def check_postings(
    frame: Frame, published: Logged, entries: Iterable[Logged], first_cast: Cast | None
) -> tuple[datetime, str]:
    """R-NOTICE-2/3: each posting stated no later than its server time and no earlier than the publication, of the
    notice in force; the earliest one counts; voting starts no earlier than 00:00 (Shanghai) of the 16th day after
    the later of publication (or re-publication) and that posting; no ballot before a posting. Returns the earliest
    start and the report's summary."""
    postings = _of(entries, EventKind.VOTE_NOTICE_POSTED)
    counted: datetime | None = None
    notice_hashes = {published.payload["notice_hash"], frame.notice_hash}
    if frame.republished is not None:
        notice_hashes.add(frame.republished.payload["previous_notice_hash"])
    for entry in postings:
        payload = entry.payload
        posted_at, recorded_at = instant(payload["posted_at"]), instant(payload["recorded_at"])
        # recorded_at is the server's time of the recording (the producer logs the entry without its own instant,
        # so created_at is the commit's time, never earlier than recorded_at)
        if recorded_at > _created(entry) + TIME_TOLERANCE:
            raise ProcedureFailure(
                "posting", f"{_named(entry)} claims recorded_at {payload['recorded_at']}, after it was logged"
            )
        if posted_at > recorded_at:
            raise ProcedureFailure(
                "posting", f"{_named(entry)} states a posting at {payload['posted_at']}, after it was recorded"
            )
        if posted_at < frame.published_at:
            raise ProcedureFailure(
                "posting",
                f"{_named(entry)} states a posting at {payload['posted_at']}, before the notice was published at "
                f"{published.payload['published_at']}",
            )
        if payload["notice_hash"] is not None and payload["notice_hash"] not in notice_hashes:
            raise ProcedureFailure(
                "posting", f"{_named(entry)} posted a notice {payload['notice_hash']} of no publication"
            )
        photo = payload["photo"]
        if not _HEX64.fullmatch(str(photo["sha256"])) or photo["sha256"] == "0" * 64:
            raise ProcedureFailure("posting", f"{_named(entry)}: photo hash {photo['sha256']!r} is not a SHA-256")
        counted = posted_at if counted is None else min(counted, posted_at)
        if instant(payload["counted_posted_at"]) != counted:
            raise ProcedureFailure(
                "posting",
                f"{_named(entry)} counts the posting of {payload['counted_posted_at']}, but the earliest posting "
                f"logged so far is of {counted.isoformat()}",
            )
    if counted is None:
        if posting_required(published):
            raise ProcedureFailure(
                "posting",
                "no vote.notice_posted entry: the notice's posting on site is not evidenced, so the vote could not "
                "open (R-NOTICE-2/3)",
            )
        earliest = earliest_voting_start(frame.period_from)
        return earliest, "published before postings were logged (R-NOTICE-2)"
    earliest = earliest_voting_start(notice_effective_at(frame.period_from, counted))
    if frame.starts_at < earliest:
        raise ProcedureFailure(
            "posting",
            f"voting opened at {frame.starts_at.isoformat()}, before the earliest start {earliest.isoformat()}: 15 "
            f"clear days after the later of publication ({frame.period_from.isoformat()}) and the posting on site "
            f"({counted.isoformat()}) (R-NOTICE-3)",
        )
    if first_cast is not None:
        first_posting = min(postings, key=lambda entry: instant(entry.payload["recorded_at"]))
        if instant(first_cast.created_at) < instant(first_posting.payload["recorded_at"]):
            raise ProcedureFailure(
                "posting",
                f"ballot {first_cast.ballot_id} was logged at {first_cast.created_at}, before the first posting was "
                f"recorded ({_named(first_posting)}, recorded_at {first_posting.payload['recorded_at']}) (R-NOTICE-3)",
            )
    return earliest, (
        f"{len(postings)} posting(s) on site, counted from {counted.isoformat()}, earliest start "
        f"{earliest.isoformat()} (R-NOTICE-3)"
    )


def check_deliveries(entries: Iterable[Logged]) -> int:
    """R-NOTICE-4: each ``notice.delivery_recorded`` entry's counts add up (delivered and dead letters never more
    than the messages queued) and never go down for the same notice and channel."""
    seen: dict[tuple[str, str], tuple[int, int]] = {}
    records = _of(entries, EventKind.NOTICE_DELIVERY_RECORDED)
    for entry in records:
        for channel in entry.payload["channels"]:
            messages, delivered, dead = channel["messages"], channel["delivered"], channel["dead_lettered"]
            queued = channel["queued"]
            if any(type(n) is not int or n < 0 for n in (messages, delivered, dead, queued)) or (
                delivered + dead + queued != messages
            ):
                raise ProcedureFailure(
                    "posting",
                    f"{_named(entry)}: channel {channel['channel']} counts {messages} messages but {queued} queued, "
                    f"{delivered} delivered and {dead} dead-lettered (R-NOTICE-4)",
                )
            key = (str(entry.payload["notice_id"]), str(channel["channel"]))
            before = seen.get(key, (0, 0))
            if delivered < before[0] or dead < before[1]:
                raise ProcedureFailure("posting", f"{_named(entry)}: the delivered count went down (R-NOTICE-4)")
            seen[key] = (delivered, dead)
    return len(records)


# --- roll objections (R-ROLL-7) --------------------------------------------------------------------------------


#: an objection's filing or answer: its id (``group_key``), created_at µs, leaf, filed_at or answered_at µs
OBJECTION = struct.Struct(">36sQQQ")


def _kind_of(entries: Iterable[Logged], kind: str) -> Iterator[Logged]:
    """The entries of one kind in leaf order, one at a time (none read beside them when ``entries`` is ``ByKind``)."""
    if isinstance(entries, ByKind):
        return entries.of_kinds((kind,))
    return (entry for entry in entries if entry.kind == kind)


def _at_leaf(entries: Iterable[Logged], kind: str, leaf: int) -> Logged:
    return next(entry for entry in _kind_of(entries, kind) if entry.leaf_index == leaf)


def check_objections(frame: Frame, entries: Iterable[Logged], closed: Logged) -> str:
    """Objections filed after publication and before voting opens (the start in force), against a roll of the vote;
    each answered at most once, after it was filed and before the close. Unanswered ones are counted.

    The filings and answers stream by (one entry at a time) into records sorted by objection out of core
    (``spill.RecordSort``), merged objection by objection; the first failure in log-time order is named from its
    entry read again. Memory is bounded whatever the number of objections."""
    with spill.RecordSort(OBJECTION.size) as filings, spill.RecordSort(OBJECTION.size) as answers:
        early: tuple[str, int, Logged] | None = None  # the first filing (log time, leaf) outside the notice period
        for entry in _kind_of(entries, EventKind.ROLL_OBJECTION_FILED):
            at = instant(entry.payload["filed_at"])
            order = (str(entry.document["created_at"]), entry.leaf_index)
            if (at < frame.published_at or at >= frame.starts_at) and (early is None or order < early[:2]):
                early = (*order, entry)
            filings += OBJECTION.pack(
                group_key(str(entry.payload["objection_id"])), micros(_created(entry)) + _OFFSET, entry.leaf_index,
                micros(at) + _OFFSET,
            )  # fmt: skip
        if early is not None:
            entry = early[2]
            raise ProcedureFailure(
                "roll",
                f"{_named(entry)}: filed at {entry.payload['filed_at']}, outside the notice period "
                f"{frame.published_at.isoformat()} – {frame.starts_at.isoformat()} (R-ROLL-7)",
            )
        for entry in _kind_of(entries, EventKind.ROLL_OBJECTION_ANSWERED):
            answers += OBJECTION.pack(
                group_key(str(entry.payload["objection_id"])), micros(_created(entry)) + _OFFSET, entry.leaf_index,
                micros(instant(entry.payload["answered_at"])) + _OFFSET,
            )  # fmt: skip
        listed = frame.republished.payload["objections"] if frame.republished is not None else []
        wanted = {group_key(objection) for objection in listed if type(objection) is str}
        closed_times = (micros(_created(closed)) + _OFFSET, micros(instant(closed.payload["closed_at"])) + _OFFSET)
        found = _objections_merge(filings, answers, closed_times, wanted)
    failure, filed, answered, answered_wanted = found
    if failure is not None:
        _, leaf, problem = failure
        entry = _at_leaf(entries, EventKind.ROLL_OBJECTION_ANSWERED, leaf)
        objection = str(entry.payload["objection_id"])
        if problem == "unfiled":
            raise ProcedureFailure("roll", f"{_named(entry)} answers objection {objection}, never filed in this vote")
        if problem == "again":
            raise ProcedureFailure("roll", f"{_named(entry)} answers objection {objection} a second time")
        raise ProcedureFailure(
            "roll", f"{_named(entry)}: answered at {entry.payload['answered_at']}, before filing or after the close"
        )
    for objection in listed:
        if type(objection) is not str or group_key(objection) not in answered_wanted:
            raise ProcedureFailure(
                "roll",
                f"the re-published roll acts on objection {objection}, which has no answer in the log (R-ROLL-7)",
            )
    return f"{filed} objection(s), {filed - answered} unanswered"


def _objections_merge(
    filings: Iterable[bytes], answers: Iterable[bytes], closed: tuple[int, int], wanted: Container[bytes]
) -> tuple[tuple[int, int, str] | None, int, int, set[bytes]]:
    """The filings' and answers' records (each sorted: by objection, then log time and leaf) merged: the first
    answer that fails, in log-time order, as (created µs, leaf, "unfiled" | "again" | "late"); how many objections
    were filed, how many of them answered, and which of ``wanted`` were answered."""
    failure: tuple[int, int, str] | None = None
    filed = answered = 0
    answered_wanted: set[bytes] = set()
    streams = (_grouped(filings, OBJECTION), _grouped(answers, OBJECTION))
    heads = [next(stream, None) for stream in streams]
    closed_created, closed_at = closed
    while True:
        keys = [head[0] for head in heads if head is not None]
        if not keys:
            return failure, filed, answered, answered_wanted
        key = min(keys)
        of_key, answers_of = (head[1] if head is not None and head[0] == key else iter(()) for head in heads)
        filed_at = None
        for _, _, _, at in of_key:  # in log-time order: the last filing counts (as a map by id keeps it)
            filed_at = at
        filed += filed_at is not None
        for number, (_, created, leaf, at) in enumerate(answers_of):
            if filed_at is None:
                problem = "unfiled"
            elif number:
                problem = "again"
            elif at < filed_at or created > closed_created or at > closed_at:
                problem = "late"
            else:
                answered += 1
                if key in wanted:
                    answered_wanted.add(key)
                continue
            if failure is None or (created, leaf) < failure[:2]:
                failure = (created, leaf, problem)
            break  # the objection's later answers come after this one
        for at, head in enumerate(heads):
            if head is not None and head[0] == key:
                heads[at] = next(streams[at], None)


# --- paper ballots and their counting session (R-PAPER-1..4) ---------------------------------------------------


# The paper checks stream over three sorts of fixed-size records (``RecordSort`` in ``app.verifier.checks``), each
# sorted by the group's key: the receptions (group, log time, leaf), the paper ballots and the online ballots (group,
# leaf). One merged pass keeps a few integers per group and, per rule, the earliest offender in the order the rule
# names it (receptions by log time, paper ballots by leaf); only that offender's entry is read again to name it
# (``Evidence``). Memory is bounded whatever the number of groups, time O(n log n) for the sorts.

_GROUP_BYTES = 36  # a group id as 32 hex digits or a UUID's text, NUL-padded: the padded bytes sort as the ids do
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_OFFSET = 1 << 63  # instants as unsigned big-endian integers: their bytes sort as the instants do
_MICROSECOND = timedelta(microseconds=1)
_TOLERANCE = TIME_TOLERANCE // _MICROSECOND
#: reception: group key, created_at µs, leaf, received_at µs, flags, status, scan hash
RECEPTION = struct.Struct(">36sQQQBB32s")
#: paper ballot: group key, leaf, created_at µs, cast_at µs, flags, scan hash
PAPER_CAST = struct.Struct(">36sQQQB32s")
#: online ballot: group key, leaf, cast_at µs
ONLINE_CAST = struct.Struct(">36sQQ")
_ODD, _SCAN_OK, _IN_ROLL, _FORM_OK, _SHEET, _SCAN_STR = 1, 2, 4, 8, 16, 32  # reception flags
_BASIS_OK, _SCAN_NONE, _SCAN_HEX = 2, 4, 8  # paper ballot flags (and _ODD)
_STATUSES = {ReceptionStatus.RECEIVED: 0, ReceptionStatus.DUPLICATE: 1}
_FORMS = frozenset(form.value for form in PaperForm)


class Records(Protocol):
    """Fixed-size records, iterated sorted (``app.verifier.spill.RecordSort``, or a sorted list)."""

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[bytes]: ...


class Evidence(Protocol):
    """The entries a failure names, read again by leaf (the verifier reads the log member once more)."""

    def entry(self, leaf: int) -> Logged: ...

    def cast(self, leaf: int) -> Cast: ...


def micros(value: datetime) -> int:
    return (value - _EPOCH) // _MICROSECOND


def group_key(group: str) -> bytes:
    """A group id as a record's fixed-width key. An id that does not fit (none the server makes) is keyed by its
    SHA-256 after a 0xFF byte, which UTF-8 never holds: it sorts after the others and equals no other id's key."""
    raw = group.encode("utf-8", "surrogatepass")
    if len(raw) <= _GROUP_BYTES and b"\x00" not in raw:
        return raw.ljust(_GROUP_BYTES, b"\x00")
    return (b"\xff" + hashlib.sha256(raw).digest()).ljust(_GROUP_BYTES, b"\x00")


def reception_record(leaf: int, created: int, payload: Any, groups_in_roll: Container[str]) -> bytes:
    """A ``paper.received`` entry (``created``: its created_at in µs) as a ``RECEPTION`` record. What ``check_paper``
    would find malformed in it (a missing member, a time without an offset) marks it odd: it fails where it is, and
    is named from its entry read again."""
    try:
        group = str(ballot_commitments.logged_group(payload))
        received = micros(instant(payload["received_at"]))
        scan_value = payload["scan_sha256"]
        scan = str(scan_value)
        flags = 0
        if _HEX64.fullmatch(scan) and scan != "0" * 64:
            flags |= _SCAN_OK | (_SCAN_STR if type(scan_value) is str else 0)
        flags |= _IN_ROLL if group in groups_in_roll else 0
        form = payload["form"]
        flags |= (_FORM_OK if form in _FORMS else 0) | (_SHEET if form == PaperForm.SHEET else 0)
        status = _STATUSES.get(payload["status"], 2)
        return RECEPTION.pack(
            group_key(group), created + _OFFSET, leaf, received + _OFFSET, flags, status,
            bytes.fromhex(scan) if flags & _SCAN_OK else bytes(32),
        )  # fmt: skip
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
        key = group_key(str(ballot_commitments.logged_group(payload))) if isinstance(payload, Mapping) else b""
        return RECEPTION.pack(key, created + _OFFSET, leaf, 0, _ODD, 2, bytes(32))


def paper_cast_record(cast: Cast, created: int) -> bytes:
    """A paper ``ballot.cast`` entry as a ``PAPER_CAST`` record (odd when its cast_at is not an instant)."""
    scan, digest = cast.scan_sha256, bytes(32)
    flags = _BASIS_OK if cast.basis == "PAPER_ENTRY" else 0
    if scan is None:
        flags |= _SCAN_NONE
    elif type(scan) is str and _HEX64.fullmatch(scan):
        flags, digest = flags | _SCAN_HEX, bytes.fromhex(scan)
    try:
        cast_at = micros(instant(cast.cast_at)) + _OFFSET
    except (ValueError, OverflowError):
        cast_at, flags = 0, flags | _ODD
    return PAPER_CAST.pack(group_key(cast.group), cast.leaf, created + _OFFSET, cast_at, flags, digest)


def online_cast_record(group: str, leaf: int, cast_at: int) -> bytes:
    """An online ``ballot.cast`` entry (``cast_at`` in µs) as an ``ONLINE_CAST`` record."""
    return ONLINE_CAST.pack(group_key(group), leaf, cast_at + _OFFSET)


def _grouped(records: Iterable[bytes], layout: struct.Struct) -> Iterator[tuple[bytes, Iterator[tuple[Any, ...]]]]:
    return itertools.groupby(map(layout.unpack, records), key=operator.itemgetter(0))


@dataclass(slots=True)
class _Merge:
    """What the merged pass keeps: counts, and per rule the earliest offender (its sort key and what names it)."""

    duplicates: int = 0
    paper: int = 0
    first_paper: int = -1
    uncounted: int = 0
    first_uncounted: tuple[bytes, int] | None = None  # the smallest group's key, its reception's leaf
    reception: tuple[int, int, bool] | None = None  # (created µs, leaf, earlier ballot or reception)
    online: tuple[int, int, int] | None = None  # (its RECEIVED reception's created µs and leaf, the ballot's leaf)
    cast: tuple[int, int | None, bool] | None = None  # (leaf, its group's RECEIVED reception's leaf, group used)


def _merge(
    receptions: Iterable[bytes],
    paper_casts: Iterable[bytes],
    online_casts: Iterable[bytes],
    frame: Frame,
    closed_created: int,
    session: tuple[int, int] | None,
) -> _Merge:
    """The one pass over the three sorts, group by group (each group's online ballots, receptions, then paper
    ballots), in the order of the checks of ``check_paper``'s reference loops."""
    found = _Merge()
    starts, ends = micros(frame.starts_at) + _OFFSET, micros(frame.ends_at) + _OFFSET
    closed_created += _OFFSET
    streams = (_grouped(online_casts, ONLINE_CAST), _grouped(receptions, RECEPTION), _grouped(paper_casts, PAPER_CAST))
    heads = [next(stream, None) for stream in streams]
    while True:
        keys = [head[0] for head in heads if head is not None]
        if not keys:
            return found
        key = min(keys)
        # a group's records are read before its stream moves on (``groupby`` shares one iterator)
        online, receptions_of, casts = (head[1] if head is not None and head[0] == key else iter(()) for head in heads)
        earliest_online, first_online = None, None
        for _, leaf, cast_at in online:  # in leaf order
            first_online = leaf if first_online is None else first_online
            earliest_online = cast_at if earliest_online is None else min(earliest_online, cast_at)
        received = _receptions(found, receptions_of, earliest_online, starts, ends, closed_created)
        if received is not None and first_online is not None:
            offender = (received[1], received[2], first_online)
            if found.online is None or offender < found.online:
                found.online = offender
        used = False
        for _, leaf, created, cast_at, flags, scan in casts:  # in leaf order
            found.paper += 1
            found.first_paper = leaf if found.first_paper < 0 else min(found.first_paper, leaf)
            if session is None or (found.cast is not None and found.cast[0] < leaf):
                used = received is not None
                continue
            if received is None or used:
                fails = True
            else:
                _, _, _, received_at, reception_flags, _, reception_scan = received[0]
                fails = (
                    bool(flags & _ODD)
                    or cast_at != received_at
                    or not flags & _BASIS_OK
                    or (
                        bool(reception_flags & _SHEET)
                        and not flags & _SCAN_NONE
                        and not (flags & _SCAN_HEX and reception_flags & _SCAN_STR and scan == reception_scan)
                    )
                    or not session[0] <= created < session[1]
                )
            if fails:
                found.cast = (leaf, None if received is None else received[2], used)
            used = received is not None
        if received is not None and not used:
            found.uncounted += 1
            if found.first_uncounted is None or key < found.first_uncounted[0]:
                found.first_uncounted = (key, received[2])
        for at, head in enumerate(heads):
            if head is not None and head[0] == key:
                heads[at] = next(streams[at], None)


def _receptions(
    found: _Merge,
    receptions: Iterable[tuple[Any, ...]],
    earliest_online: int | None,
    starts: int,
    ends: int,
    closed_created: int,
) -> tuple[tuple[Any, ...], int, int] | None:
    """One group's receptions in log-time order: the earliest that fails (R-PAPER-1/2), the duplicates counted, and
    the group's RECEIVED reception (its record, created µs and leaf), if any."""
    received: tuple[tuple[Any, ...], int, int] | None = None
    seen = False
    for record in receptions:
        _, created, leaf, at, flags, status, _ = record
        earlier = seen or (earliest_online is not None and earliest_online < at)
        seen = True
        if found.reception is not None and found.reception[:2] < (created, leaf):
            continue  # an earlier reception fails: this one's verdict is never reported
        fails = (
            bool(flags & _ODD)
            or abs(at - created) > _TOLERANCE
            or not starts <= at < ends
            or created >= closed_created
            or not flags & _SCAN_OK
            or not flags & _IN_ROLL
            or not flags & _FORM_OK
            or status == 2
            or (status == 1) != earlier
        )
        if fails:
            found.reception = (created, leaf, earlier)
        elif status == 1:
            found.duplicates += 1
        else:
            received = (record, created, leaf)
    return received


def _reception_failure(
    entry: Logged, frame: Frame, closed: Logged, groups_in_roll: Container[str], earlier: bool
) -> ProcedureFailure:
    """Why a reception fails R-PAPER-1/2 (``earlier``: its group had an earlier ballot or reception)."""
    payload = entry.payload
    group = str(ballot_commitments.logged_group(payload))
    at = instant(payload["received_at"])
    if abs(at - _created(entry)) > TIME_TOLERANCE:
        return ProcedureFailure(
            "paper", f"{_named(entry)} claims received_at {payload['received_at']}, not its server time (R-PAPER-1)"
        )
    if not frame.starts_at <= at < frame.ends_at or entry.document["created_at"] >= closed.document["created_at"]:
        return ProcedureFailure(
            "paper",
            f"{_named(entry)}: a paper ballot received at {payload['received_at']}, outside the window "
            f"{frame.starts_at.isoformat()} – {frame.ends_at.isoformat()} or after the close (R-PAPER-1)",
        )
    scan = str(payload["scan_sha256"])
    if not _HEX64.fullmatch(scan) or scan == "0" * 64:
        return ProcedureFailure("paper", f"{_named(entry)}: scan hash {scan!r} is not the SHA-256 of a stored scan")
    if group not in groups_in_roll:
        return ProcedureFailure("paper", f"{_named(entry)}: group {group} is not in the roll")
    if payload["form"] not in _FORMS:
        return ProcedureFailure("paper", f"{_named(entry)}: form {payload['form']!r}")
    status = payload["status"]
    if status == ReceptionStatus.DUPLICATE and not earlier:
        return ProcedureFailure(
            "paper",
            f"{_named(entry)} is marked DUPLICATE, but the group has no earlier ballot or reception (R-PAPER-2)",
        )
    if status == ReceptionStatus.RECEIVED and earlier:
        return ProcedureFailure(
            "paper",
            f"{_named(entry)} is marked RECEIVED, but group {group} already had a ballot or reception: it is a "
            "duplicate and never counts (R-PAPER-2)",
        )
    return ProcedureFailure("paper", f"{_named(entry)}: status {status!r}")


def _cast_failure(
    cast: Cast, reception: Logged | None, used: bool, opening: Logged, first_confirmation: Logged
) -> ProcedureFailure:
    """Why a paper ballot fails R-PAPER-1..4 (``reception``: its group's RECEIVED one; ``used``: an earlier paper
    ballot of the group was entered)."""
    if reception is None:
        return ProcedureFailure(
            "paper",
            f"paper ballot {cast.ballot_id} (group {cast.group}) matches no RECEIVED reception (R-PAPER-2/3: a "
            "duplicate is never counted)",
        )
    if used:
        return ProcedureFailure("paper", f"paper ballot {cast.ballot_id}: group {cast.group} was entered twice")
    if instant(cast.cast_at) != instant(reception.payload["received_at"]) or cast.basis != "PAPER_ENTRY":
        return ProcedureFailure(
            "paper",
            f"paper ballot {cast.ballot_id} says cast_at {cast.cast_at} and basis {cast.basis}, not its "
            f"reception's received_at {reception.payload['received_at']} and PAPER_ENTRY (R-PAPER-1)",
        )
    scan = cast.scan_sha256
    if reception.payload["form"] == PaperForm.SHEET and scan is not None and scan != reception.payload["scan_sha256"]:
        return ProcedureFailure(
            "paper", f"paper ballot {cast.ballot_id}: its scan hash is not the scan its reception stored (R-PAPER-4)"
        )
    # log time only: entries of one instant have no promised leaf order
    return ProcedureFailure(
        "paper",
        f"paper ballot {cast.ballot_id} was logged at {cast.created_at}, outside the counting session (after "
        f"{_named(opening)}, before the first confirmation {first_confirmation.document['created_at']}) "
        "(R-PAPER-3)",
    )


def check_paper(
    frame: Frame,
    published: Logged,
    entries: Iterable[Logged],
    closed: Logged,
    receptions: Records,
    paper_casts: Records,
    online_casts: Iterable[bytes],
    groups_in_roll: Container[str],
    evidence: Evidence,
    *,
    first_voided: int | None = None,
) -> str:
    """R-PAPER-1..4 over the session's entries (``entries``: counting.*, ballot.voided) and the sorted records of the
    receptions, the paper ballots and the online ballots (``online_casts``: at least those of the groups with a
    reception; read only when there is one). ``first_voided``: the leaf of the first ``ballot.voided`` entry in
    log-time order, when ``entries`` does not hold them (the verifier keeps them as records)."""
    opened = _of(entries, EventKind.COUNTING_OPENED)
    confirmed = _of(entries, EventKind.COUNTING_CONFIRMED)
    signed_off = _of(entries, EventKind.COUNTING_SIGNED_OFF)
    if first_voided is None:
        first_voided = next((entry.leaf_index for entry in _of(entries, EventKind.BALLOT_VOIDED)), None)
    method = published.payload.get("voting_method")
    if not len(receptions) and not opened and not confirmed and not signed_off:
        if len(paper_casts) and method in PAPER_METHODS:
            # A log written before R-PAPER: paper ballots typed in with a "received at" time (the earlier R-TALLY-9).
            return f"{len(paper_casts)} paper ballot(s) entered before receptions were logged (R-TALLY-9, old log)"
        if len(paper_casts):
            first = min(PAPER_CAST.unpack(record)[1] for record in paper_casts)
            raise ProcedureFailure(
                "paper", f"ballot {evidence.cast(first).ballot_id} is on paper in a vote that is {method}"
            )
        if method in PAPER_METHODS and posting_required(published):
            raise ProcedureFailure(
                "paper",
                f"the vote is {method}, but no counting session is logged (R-PAPER-3: a PAPER or MIXED vote is "
                "decided only after its public counting is signed off)",
            )
        return "no paper ballots"
    if first_voided is not None:
        raise ProcedureFailure(
            "paper",
            f"{_named(evidence.entry(first_voided))} voids a ballot in a vote with paper receptions (R-PAPER-2: a "
            "later ballot never voids an earlier one)",
        )
    session: tuple[Logged, Logged, Logged] | None = None
    session_failure: ProcedureFailure | None = None
    try:  # reported after the receptions' failures, as the rules are checked in that order
        session = _check_session(opened, confirmed, signed_off, frame, closed)
    except ProcedureFailure as failure:
        session_failure = failure
    times = None if session is None else (micros(_created(session[0])), micros(_created(session[1])))
    found = _merge(
        receptions,
        paper_casts,
        online_casts if len(receptions) else (),
        frame,
        micros(_created(closed)),
        None if times is None else (times[0] + _OFFSET, times[1] + _OFFSET),
    )
    if found.reception is not None:
        _, leaf, earlier = found.reception
        raise _reception_failure(evidence.entry(leaf), frame, closed, groups_in_roll, earlier)
    if found.online is not None:
        _, reception_leaf, cast_leaf = found.online
        cast, reception = evidence.cast(cast_leaf), evidence.entry(reception_leaf)
        raise ProcedureFailure(
            "paper",
            f"online ballot {cast.ballot_id} of group {cast.group} (cast at {cast.cast_at}) beside its RECEIVED paper "
            f"reception ({_named(reception)}): an online ballot after a paper reception is refused (R-PAPER-2)",
        )
    if session_failure is not None:
        raise session_failure
    if session is None:
        if found.paper:
            raise ProcedureFailure(
                "paper",
                f"paper ballot {evidence.cast(found.first_paper).ballot_id} was entered without a counting session "
                "(R-PAPER-3)",
            )
        if method in PAPER_METHODS:
            raise ProcedureFailure("paper", f"the vote is {method}, but no counting session is logged (R-PAPER-3)")
        return f"{len(receptions)} reception(s), no counting session"
    opening, first_confirmation, sign_off = session
    if found.cast is not None:
        paper_leaf, matched, used = found.cast
        its = None if matched is None else evidence.entry(matched)
        raise _cast_failure(evidence.cast(paper_leaf), its, used, opening, first_confirmation)
    if found.first_uncounted is not None:
        raise ProcedureFailure(
            "paper",
            f"{_named(evidence.entry(found.first_uncounted[1]))} and {found.uncounted - 1} other RECEIVED reception(s) "
            "were never entered in the counting session: a paper ballot received before the close is counted "
            "(R-PAPER-3)",
        )
    payload = sign_off.payload
    if payload["paper_counted"] != found.paper or payload["duplicates"] != found.duplicates:
        raise ProcedureFailure(
            "paper",
            f"{_named(sign_off)} says {payload['paper_counted']} paper ballots counted and {payload['duplicates']} "
            f"duplicates; the log has {found.paper} and {found.duplicates}",
        )
    if payload["counted"] != closed.payload.get("counted", payload["counted"]):
        raise ProcedureFailure(
            "paper", f"{_named(sign_off)}: the counted set signed off is not the one vote.closed binds (R-PAPER-3)"
        )
    return (
        f"{len(receptions)} reception(s) ({found.duplicates} duplicate), {found.paper} paper ballot(s) counted in the "
        f"session of {opening.payload['opened_at']} before {len(confirmed)} witnesses, signed off "
        f"{payload['signed_off_at']}"
    )


def _check_session(
    opened: Sequence[Logged], confirmed: Sequence[Logged], signed_off: Sequence[Logged], frame: Frame, closed: Logged
) -> tuple[Logged, Logged, Logged] | None:
    if not opened:
        if confirmed or signed_off:
            raise ProcedureFailure("paper", f"{_named((confirmed or signed_off)[0])} without a counting.opened entry")
        return None
    if len(opened) != 1 or len(signed_off) != 1:
        raise ProcedureFailure(
            "paper",
            f"{len(opened)} counting.opened and {len(signed_off)} counting.signed_off entries; a vote has one counting "
            "session, signed off once (R-PAPER-3)",
        )
    opening, sign_off = opened[0], signed_off[0]
    session_id = opening.payload["session_id"]
    if instant(opening.payload["opened_at"]) < frame.ends_at or _created(opening) < frame.ends_at - TIME_TOLERANCE:
        raise ProcedureFailure(
            "paper",
            f"{_named(opening)}: the counting opened at {opening.payload['opened_at']}, before the end in force "
            f"{frame.ends_at.isoformat()} (R-PAPER-3)",
        )
    witnesses = {str(w["witness"]): str(w["role"]) for w in opening.payload["witnesses"]}
    roles = set(witnesses.values())
    if WitnessRole.OWNER not in roles or not {role.value for role in PUBLIC_WITNESSES} & roles:
        raise ProcedureFailure(
            "paper",
            f"{_named(opening)}: witnesses {sorted(roles)}; R-PAPER-3 needs an OWNER and the RESIDENTS_COMMITTEE or "
            "the STREET_OFFICE",
        )
    confirmations: dict[str, Logged] = {}
    for entry in confirmed:
        witness = str(entry.payload["witness"])
        if entry.payload["session_id"] != session_id or witnesses.get(witness) != entry.payload["role"]:
            raise ProcedureFailure("paper", f"{_named(entry)}: witness {witness} is not a witness of the session")
        if witness in confirmations:
            raise ProcedureFailure("paper", f"{_named(entry)}: witness {witness} confirmed twice")
        if entry.document["created_at"] < opening.document["created_at"]:
            raise ProcedureFailure("paper", f"{_named(entry)} comes before the session opened")
        if entry.payload["counted"] != sign_off.payload["counted"]:
            raise ProcedureFailure(
                "paper", f"{_named(entry)}: witness {witness} confirmed another counted set than the one signed off"
            )
        confirmations[witness] = entry
    missing = sorted(set(witnesses) - set(confirmations))
    if missing:
        raise ProcedureFailure(
            "paper",
            f"witness {missing[0]} ({witnesses[missing[0]]}) of the counting session never confirmed, yet "
            f"{_named(sign_off)} signed it off (R-PAPER-3: one counting.confirmed per witness)",
        )
    last = max(confirmations.values(), key=lambda e: (e.document["created_at"], e.leaf_index))
    if sign_off.payload["session_id"] != session_id or sign_off.document["created_at"] < last.document["created_at"]:
        raise ProcedureFailure("paper", f"{_named(sign_off)} comes before the last confirmation {_named(last)}")
    if sign_off.document["created_at"] > closed.document["created_at"]:
        raise ProcedureFailure(
            "paper", f"{_named(sign_off)} comes after the vote was closed (leaf {closed.leaf_index})"
        )
    first = min(confirmations.values(), key=lambda e: (e.document["created_at"], e.leaf_index))
    return opening, first, sign_off


# --- per-decision status (R-SUP-7) ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Decisions:
    """Each topic's decision status (``None``: it decided nothing) and the vote's summary."""

    statuses: dict[str, str | None]
    acts: dict[str, Logged]
    summary: str


def decision_statuses(signed_topics: Sequence[Mapping[str, Any]], entries: Iterable[Logged]) -> Decisions:
    """R-SUP-7: a revocation names one topic (``topic_id``) whose signed outcome decided something, at most once;
    its ``decision`` member repeats that topic, outcome and evidence hash. A revocation without ``topic_id`` (before
    R-SUP-7) revoked the whole vote: every decision."""
    outcomes = {str(topic["topic_id"]): topic for topic in signed_topics}
    statuses: dict[str, str | None] = {
        topic_id: "IN_FORCE" if carries_decision(str(topic["outcome"])) else None
        for topic_id, topic in outcomes.items()
    }
    acts: dict[str, Logged] = {}
    for entry in _of(entries, *REVOCATIONS):
        status = REVOCATIONS[entry.kind]
        payload = entry.payload
        topic_id = payload.get("topic_id")
        if topic_id is None:  # a whole-vote revocation logged before R-SUP-7
            for topic, current in statuses.items():
                if current == "IN_FORCE":
                    statuses[topic], acts[topic] = status, entry
            continue
        topic_id = str(topic_id)
        if topic_id not in statuses:
            raise ProcedureFailure("decision", f"{_named(entry)} revokes topic {topic_id}, not a topic of this vote")
        decision = payload.get("decision")
        signed = outcomes[topic_id]
        if decision is None or (
            str(decision["topic_id"]),
            decision["outcome"],
            decision["evidence_sha256"],
            decision["status"]["after"],
        ) != (topic_id, signed["outcome"], signed["evidence_sha256"], status):
            raise ProcedureFailure(
                "decision",
                f"{_named(entry)} revokes topic {topic_id}, but its decision member "
                f"({None if decision is None else decision.get('topic_id')}, "
                f"{None if decision is None else decision.get('outcome')}) is not that topic's signed decision "
                f"({signed['outcome']}, evidence {signed['evidence_sha256']}) revoked as {status}",
            )
        current = statuses[topic_id]
        if current is None:
            raise ProcedureFailure(
                "decision",
                f"{_named(entry)} revokes topic {topic_id}, whose outcome {signed['outcome']} decided nothing "
                "(R-SUP-7: nothing to revoke)",
            )
        if current != "IN_FORCE":
            raise ProcedureFailure(
                "decision",
                f"{_named(entry)} revokes topic {topic_id} again: already {current} by {_named(acts[topic_id])}",
            )
        if decision["status"]["before"] != current:
            raise ProcedureFailure("decision", f"{_named(entry)}: its decision status before is not {current}")
        statuses[topic_id], acts[topic_id] = status, entry
    return Decisions(statuses, acts, _summary(statuses))


def _summary(statuses: Mapping[str, str | None]) -> str:
    decided = [status for status in statuses.values() if status is not None]
    revoked = {status for status in decided if status != "IN_FORCE"}
    if not decided:
        return "NO_DECISION"
    if not revoked:
        return "IN_FORCE"
    if len(revoked) < len(set(decided)) or "IN_FORCE" in decided:
        return "PARTLY_REVOKED"
    return revoked.pop() if len(revoked) == 1 else "REVOKED"


# --- convening, candidates and rules of procedure (R-CONV, R-CAND-8, R-PROC-3) -------------------------------


def check_convening(
    published: Logged, entries: Iterable[Logged], topics: Sequence[Mapping[str, Any]], notice: Any
) -> str:
    """R-CONV-1/2: the decision to convene recorded before publication, its signatures before publication, each by
    a distinct member; R-CAND-8: each ELECTION topic's candidate list acknowledged before publication; R-PROC-3:
    the rules-of-procedure hash of ``vote.published`` is the notice's."""
    # The times compared are the payloads' own (decided_on, signed_at, acknowledged_on): these entries' producers
    # log them at the commit's time, which is never earlier.
    published_at = instant(published.payload["published_at"])
    published_on = shanghai_date(published_at).isoformat()
    parts: list[str] = []
    mandates = _of(entries, EventKind.CONVENING_MANDATE_RECORDED)
    if mandates:
        mandate = mandates[-1]
        if (mandate.payload["decided_on"] or "") > published_on:
            raise ProcedureFailure(
                "convening",
                f"{_named(mandate)}: decided on {mandate.payload['decided_on']}, after publication (R-CONV-1)",
            )
        signers: set[str] = set()
        for entry in _of(entries, EventKind.CONVENING_MANDATE_SIGNED):
            if entry.payload["mandate_id"] != mandate.payload["mandate_id"]:
                continue
            # vote.published logs its time to the second (the notice hash's spelling): a signature within that
            # second cannot be shown to come after it, and the service checked the order when it published.
            if instant(entry.payload["signed_at"]).replace(microsecond=0) > published_at:
                raise ProcedureFailure(
                    "convening",
                    f"{_named(entry)}: signed at {entry.payload['signed_at']}, after publication (R-CONV-2)",
                )
            member = str(entry.payload["member_id"])
            if member in signers:
                raise ProcedureFailure("convening", f"{_named(entry)}: member {member} signed twice (R-CONV-2)")
            signers.add(member)
        if mandate.payload["committee_id"] and not signers:
            raise ProcedureFailure(
                "convening", f"{_named(mandate)}: the committee's decision to convene has no signature (R-CONV-2)"
            )
        parts.append(f"convened on the mandate of leaf {mandate.leaf_index}, {len(signers)} signature(s)")
    else:
        parts.append("no convening mandate in the log")
    acknowledged = {
        str(entry.payload["topic_id"])
        for entry in _of(entries, EventKind.ELECTION_CANDIDATE_LIST_ACKNOWLEDGED)
        if str(entry.payload["acknowledged_on"]) <= published_on
    }
    elections = [str(topic["topic_id"]) for topic in topics if topic["document"].get("kind") == "ELECTION"]
    for topic_id in elections:
        if topic_id not in acknowledged:
            raise ProcedureFailure(
                "convening",
                f"election topic {topic_id} has no election.candidate_list_acknowledged entry before publication "
                "(R-CAND-8)",
            )
    if elections:
        parts.append(f"{len(elections)} candidate list(s) acknowledged (R-CAND-8)")
    rules = published.payload.get("procedure_rules")
    stated = notice.get("procedure_rules_sha256") if isinstance(notice, Mapping) else None
    if stated is not None and (rules is None or rules["sha256"] != stated):
        raise ProcedureFailure(
            "convening",
            f"the notice states rules of procedure {stated}, vote.published froze "
            f"{None if rules is None else rules['sha256']} (R-PROC-3)",
        )
    if rules is not None:
        parts.append(f"rules of procedure {rules['sha256'][:12]}… frozen (R-PROC-3)")
    return "; ".join(parts)


def notice_hash_of(notice: Any) -> str:
    return canonical_sha256(notice)
