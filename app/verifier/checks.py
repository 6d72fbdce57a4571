"""Every check of an export bundle, in order; the first inconsistency ends the run and is named.

Order (each step relies only on what the steps before it established):

1. ``bundle``: the archive has exactly the members of ``app.verifier.documents``, matching the manifest's
   sizes and SHA-256, README.md included (a register unit changed after export is named by the manifest's unit
   tags); the manifest's own signature is checked with the pinned key in step 3.
2. ``keys``: the bundle's own key set is well formed (its note key, raw key, PEM and JWK agree) and its log
   key is the pinned one (``app.verifier.trust``). Keys are never *trusted* from the bundle: without a pinned
   key the checks run against the bundle's current log key and the verdict is ``UNVERIFIED KEY``; the
   bundle's retired and witness keys are never used.
3. ``signatures``: the manifest is signed by the pinned log key (so no member, README.md included, was changed
   after export by anyone without the key); every checkpoint note is signed by a pinned log key (current or retired);
   ``result.json`` is canonical and both its raw Ed25519 signature and its JWS verify with the pinned key.
4. ``log``: one streamed pass over the JSON Lines members (``documents.JSONL_MEMBERS``, never read whole): each
   ballot is checked beside its ``ballot.cast`` entry and only per-vote state is kept (counted ballots folded into
   per-topic sums with their groups and commitments, leaf and time arrays, entry-set records); what that pass
   finds for later checks is reported in their turn.
   Entries are in strictly increasing leaf order and are the vote's; each entry's own content hash
   holds and the batch inclusion proofs (log/inclusion.json and .bin: RFC 9162 subtree hashes, the root
   recomputed as the entries stream by) lead from them to the roots of the signed checkpoints; the latest checkpoint
   extends the result's (consistency proof); the signed result names the result checkpoint, and that
   checkpoint contains every entry the result rests on.
4a. ``witnesses``: the result's checkpoint carries timestamped cosignatures (c2sp.org/tlog-cosignature) of
   at least the quorum of pinned witnesses, none dated before the result's publication; the report
   names the cosigners, their times and the delay since publication, and the latest checkpoint's cosigners.
5. ``notice``: the notice, topic and roll documents hash to what the signed result and the signed
   ``vote.published`` entry say; the register version, the estate and the totals agree everywhere.
6. ``register``: the roll recomputed from the pseudonymous register snapshot (``register.jsonl``, a stream of
   units) with the law core (``app.rules.roll.build_roll``: heads, developer, co-owners, parking, scope) equals
   ``roll.jsonl`` (read as a stream; its hash, checked in step 5, is over the lines' own bytes), each
   group's owners included when the roll binds them (``documents.ROLL_FORMAT``; older rolls have none).
7. ``ballots``: each ballot has its ``ballot.cast`` entry and hashes to the content hash recorded there (whose
   ``grant``, the grant's per-vote pseudonym, is present exactly for a basis that rests on a grant); each
   entry has its ballot; groups are in the roll; one counted ballot per group; void ballots are logged as
   void; the participation recorded at close equals the counted ballots.
8. ``publicity``: R-LIFE-3, the notice (and so every topic a ballot answers) was published at least 15 clear
   days before the window opened, every ballot answers exactly the published topics and was cast inside
   the published window.
9. ``tally``: every topic's evidence, recomputed from the counted ballots and the roll with the law core,
   equals the signed result (every numerator, denominator and outcome), as do the result hashes in the
   ``vote.decided`` and ``vote.result_published`` entries.
"""

from __future__ import annotations

import base64
import binascii
import collections
import contextlib
import ctypes
import functools
import gc
import hashlib
import heapq
import io
import itertools
import json
import operator
import os
import pickle
import re
import signal
import struct
import sys
import uuid
import zipfile
import zlib
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import IO, Any, BinaryIO, NamedTuple, Protocol, TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from app.errors import DomainError
from app.ledger import ballot as ballot_commitments
from app.ledger import completeness
from app.ledger.canonical import canonical_bytes, canonical_sha256, is_canonical_form
from app.ledger.entries import LEAF_FIELDS, MAX_LEAF_BYTES, check_leaf_document, entry_leaf_hash, parse_leaf_data
from app.ledger.errors import LedgerError, NoteUnverified
from app.ledger.events import EVIDENCE_KINDS, SUPERVISION_KINDS, EventKind
from app.ledger.merkle import HASH_SIZE, CompactRange, joined_root, verify_consistency
from app.ledger.note import Checkpoint, NoteVerifier, OpenedNote, open_note, parse_verifier_key, signature_keys
from app.ledger.signing import SIGNATURE_SIZE, jws_verify, public_key_from_bytes, verify
from app.rules.casting import GrantKind
from app.rules.counts import Weight
from app.rules.errors import (
    DeveloperMissing,
    DuplicateUnit,
    EmptyRoll,
    ScopeUnknownUnit,
    UnitAreaNotPositive,
    UnitWithoutOwner,
)
from app.rules.publicity import earliest_voting_start, shanghai_date
from app.rules.roll import (
    _PREVIEW_IDS,
    AreaSource,
    OwnershipEvidence,
    SaleStatus,
    UnitRecord,
    VoterGroup,
    _reject,
    build_roll,
)
from app.verifier import documents as d
from app.verifier import native, procedure, spill
from app.verifier.report import Progress, Report
from app.verifier.tally import AnswerRefused, topic_evidence
from app.verifier.trust import Trust

_KIB, _MIB = 1 << 10, 1 << 20
MEMBER_CAPS: Mapping[str, int] = {
    d.README: 1 * _MIB,
    d.MANIFEST: 16 * _MIB,  # 16 hex digits per register unit: 500,000 units ~8 MB
    d.KEYS: 1 * _MIB,
    d.LOG_KEY_PEM: 64 * _KIB,
    d.NOTICE: 64 * _MIB,  # its scope may list every unit key
    d.TOPICS: 16 * _MIB,
    d.CHECKPOINTS: 1 * _MIB,
    d.INCLUSION: 128 * _MIB,  # ~8 bytes per leaf index: ~16,000,000 entries
    d.CONSISTENCY: 1 * _MIB,
    d.INDEX: 128 * _MIB,  # ~45 bytes per entry of the vote: ~3,000,000 entries
    d.COUNTED: 64 * _MIB,  # ~72 bytes per counted commitment: ~900,000 groups
    d.RESULT: 16 * _MIB,
    d.RESULT_SIG: 1 * _KIB,
    d.RESULT_JWS: 32 * _MIB,  # result.json in base64url, and the header
}
"""The most bytes each member read whole may have (docs/verifier.md), checked against the archive's directory
before it is read; the JSON Lines members (``documents.JSONL_MEMBERS`` and ``HEADED_MEMBERS``: the register
snapshot and the roll) are read as streams and have no cap."""
MAX_LINE_BYTES = MAX_LEAF_BYTES + 4096
"""The longest line of a JSON Lines member: a leaf document (``app.ledger.entries.MAX_LEAF_BYTES``) or less."""
CHUNK_BYTES = 1 << 18
#: Members up to this size are kept from the bundle check on; larger ones are read again when their check comes.
KEEP_BYTES = 1 << 20
#: Seconds a witness's clock may run behind the log's when it dates a cosignature.
CLOCK_SKEW = 300
#: How far a time an entry claims may be from the entry's own ``created_at`` (clocks of one server, one request).
TIME_TOLERANCE = timedelta(minutes=5)
#: What reading a damaged archive member raises: zipfile's own errors, a corrupt deflate stream, a truncated file,
#: and zipfile's NotImplementedError for a compression method it does not support. Each becomes a FAIL line.
UNREADABLE_MEMBER: tuple[type[Exception], ...] = (
    zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError,
)  # fmt: skip
_inflater: Any
try:  # optional: ISA-L's inflate (python-isal, maintained; zlib's API) takes about half of zlib's CPU
    from isal import isal_zlib as _inflater
except ImportError:  # pragma: no cover - installed with evote (pyproject.toml)
    _inflater = None
else:  # its stub types ``error`` as an instance; it is the class IsalError
    UNREADABLE_MEMBER = (*UNREADABLE_MEMBER, _inflater.error)
_NOT_A_ZIP: tuple[type[Exception], ...] = (*UNREADABLE_MEMBER, ValueError)
_MICROSECOND = timedelta(microseconds=1)
TIME_TOLERANCE_MICROS = TIME_TOLERANCE // _MICROSECOND
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_BOUND_RECORD = 36 + 32 + 8  # a bound entry's id (text), payload_sha256 and created_at (µs): for entry-set hashes
GRANT_BASES = frozenset(kind.value for kind in GrantKind)
"""The acting bases that rest on a grant: their names are the grant kinds (``app.rules.casting``)."""
GRANT_PSEUDONYM = re.compile(r"[0-9a-f]{32}")
_GRANT_BASES_BYTES = frozenset(basis.encode() for basis in GRANT_BASES)
_GRANT_BASES_TUPLE = tuple(sorted(_GRANT_BASES_BYTES))  # (``native.cast_block``'s form)
#: Lines of log/entries.jsonl read at once when ``native.cast_block`` takes the ballot.cast lines (``_proven_blocks``).
_CAST_BLOCK = 1024
_UUID_BYTES = 36
_INT64_MAX = (1 << 63) - 1


_TOPIC_MEMBERS = frozenset({"topic_id", "position", "content_hash", "document"})


class Failure(Exception):
    """The first inconsistency: which check found it and what it is."""

    def __init__(self, check: str, message: str) -> None:
        super().__init__(f"{check}: {message}")
        self.check = check
        self.message = message


class MemberChanged(Failure):
    """A member is not the one the signed manifest lists (``bundle``): reported before anything else, as it is."""


def verify_bundle(
    data: bytes | BinaryIO,
    *,
    trust: Trust | None = None,
    progress: Progress | None = None,
    log_dump: Iterable[bytes] | None = None,
    jobs: int = 1,
) -> Report:
    """Run every check on the bundle (its bytes, or a seekable binary file, read as a stream) against the pinned
    ``trust``; the report names the first
    inconsistency, if any, and is never PASS without a pinned log key.

    ``log_dump``: the lines of a JSON Lines dump of the public log (``evote audit dump``) to check the bundle's
    freshness against: missing and later entries of the vote, consistency with the log's checkpoint, forks.

    ``jobs``: with 2 or more (and ``os.fork``), the register's regrouping and the ballots' own checks run in two forked
    processes beside the log's stream (same checks, same order of verdicts, same report; docs/verifier.md).
    """
    trust = trust or Trust()
    verifier = _Verifier(data, trust=trust, progress=progress or Progress(None), jobs=jobs)
    report = verifier.report
    report.pinned = trust.pinned
    # The cyclic collector is paused while the checks run: what they build (parsed lines, per-vote state) holds no
    # reference cycles, so reference counting frees it all, and the collector's passes over the growing per-vote
    # state (sums, groups, unit records) only cost time: ~10 % of the CPU on a 100,000-entry bundle.
    collecting = gc.isenabled()
    gc.disable()
    try:
        verifier.run()
        if log_dump is not None:
            verifier.check_freshness(log_dump)
    except Failure as failure:
        report.failed = (failure.check, failure.message)
    except Exception as error:  # malformed data no check anticipated: still a named failure, never a traceback
        report.failed = (verifier.current, f"unreadable or malformed data ({type(error).__name__}: {error})")
    finally:
        if collecting:
            gc.enable()
    return report


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refused when a member name repeats (``json`` would silently keep the last value)."""
    members = dict(pairs)
    if len(members) != len(pairs):
        seen: set[str] = set()
        for name, _ in pairs:
            if name in seen:
                raise ValueError(f"duplicate member {name!r}")
            seen.add(name)
    return members


def _open_member(archive: zipfile.ZipFile, member: str | zipfile.ZipInfo) -> IO[bytes]:
    """``archive.open(member)``, a deflated member inflated by ISA-L when it is installed: zipfile still reads and
    checks the headers, sizes and CRC-32, and the bytes are the same; only the inflater, swapped before the first
    read, differs (decompression was a fifth of the verifier's CPU)."""
    stream = archive.open(member)
    info = member if isinstance(member, zipfile.ZipInfo) else archive.getinfo(member)
    if _inflater is not None and info.compress_type == zipfile.ZIP_DEFLATED and hasattr(stream, "_decompressor"):
        stream._decompressor = _inflater.decompressobj(-15)  # zipfile's raw-deflate inflater (wbits -15)
    return stream


def _strict_json(raw: bytes) -> Any:
    def refuse(text: str) -> Any:
        raise ValueError(f"{text}: floats and constants are not allowed")

    return json.loads(raw.decode("utf-8"), object_pairs_hook=_unique_members, parse_float=refuse, parse_constant=refuse)


def _canonical_object(
    line: bytes, canonical: Callable[[dict[str, Any], bytes], bool] = is_canonical_form
) -> dict[str, Any]:
    """A JSON Lines line that must be one RFC 8785 canonical JSON object (docs/evidence-formats.md §5.1): the object,
    or ValueError naming why not (a repeated member, a float, another layout). orjson's sorted output equals the line
    for what the exporter writes, and is canonical when the value's types and member names say so (a float or keys in
    code point order would also come back unchanged); anything else is decided by the strict parser and the reference
    serialisation. ``canonical``: ``is_canonical_form``, or a shortcut of it for a kind of line."""
    try:
        value = _loads(line)
        if type(value) is dict and _dumps_sorted(value) == line and canonical(value, line):
            return value
    except (ValueError, TypeError):
        pass
    value = _strict_json(line)
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    if canonical_bytes(value) != line:
        raise ValueError("not in RFC 8785 canonical form")
    return value


def _flat_text(values: Iterable[Any]) -> bool:
    """Whether every value is a string, in one C call (``str.join`` takes nothing else; orjson's values are of exact
    types, so nothing but a string passes)."""
    try:
        "".join(values)
    except TypeError:
        return False
    return True


def _canonical_ballot(ballot: dict[str, Any], line: bytes) -> bool:
    """``is_canonical_form`` for a ballot line, at a fraction of its walk for a ballot as exported: its members but
    the answers strings or null (§5.4), each answer a string or a flat array or object of strings, the line ASCII
    (member names in UTF-16 order). Anything else is walked."""
    try:
        fields = _BALLOT_FIELDS(ballot)
    except KeyError:  # a member missing: walked (the members' check names it)
        return is_canonical_form(ballot, line)
    answers, nonce, scan, reason = fields[0], fields[8], fields[9], fields[11]
    if (
        len(ballot) == _BALLOT_MEMBER_COUNT and type(answers) is dict and _flat_text(fields[1:8])
        and type(fields[10]) is str and (nonce is None or type(nonce) is str)
        and (scan is None or type(scan) is str) and (reason is None or type(reason) is str) and line.isascii()
    ):  # fmt: skip
        for answer in answers.values():
            if type(answer) is not str and not _flat_text(answer.values() if type(answer) is dict else answer):
                break
        else:
            return True
    return is_canonical_form(ballot, line)


def _members_problem(value: Mapping[str, Any], members: frozenset[str]) -> str | None:
    """A missing or an unexpected member of a documented object (``documents.*_MEMBERS``), or None."""
    if value.keys() == members:
        return None
    missing, extra = sorted(members - value.keys()), sorted(value.keys() - members)
    return f"missing member {missing[0]!r}" if missing else f"unexpected member {extra[0]!r}"


def _instant(text: Any) -> datetime:
    instant = datetime.fromisoformat(str(text))
    if instant.utcoffset() is None:
        raise ValueError(f"{text!r} has no UTC offset")
    return instant


def _b64(text: Any) -> bytes:
    return base64.b64decode(str(text), validate=True)


_UUID = rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_LEAF_HEAD = re.compile(
    rb'\{"created_at":"[0-9]{4}-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9]{6}Z","estate_id":(?:null|"('
    + _UUID
    + rb')"),"id":"'
    + _UUID
    + rb'","kind":"([a-z_.]+)","payload":\{'
)
_TAIL_DIGEST = b',"payload_sha256":"'
_TAIL_VOTE = b'","vote_id":"'
_TAIL_VOTE_AT = len(_TAIL_DIGEST) + 64
_LEAF_TAIL_BYTES = _TAIL_VOTE_AT + len(_TAIL_VOTE) + 36 + 2
_UUID_TEXT = re.compile(_UUID.decode())
#: A JSON string the exporter writes unescaped (printable ASCII but ``"`` and ``\``): its bytes are its JSON text in
#: orjson's and RFC 8785's output alike, so the lines matched below need no parser.
_PLAIN = rb"[ !#-\[\]-~]*"
_TIME = rb"[0-9]{4}-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9]{6}"
#: A whole ``ballot.cast`` leaf line as the server writes an online or plain ballot's (commitment format, a grant
#: member, no scan hash), each hex field (UUIDs, hashes) a quote-free run of its length, checked by class after
#: (``_cast_fields``, one ``bytes.translate`` for all six: a class costs an expression a check per character); every
#: member's bytes matched, so the line is that canonical JSON document and no other.
_CAST_SHAPE = re.compile(
    rb'\{"created_at":"(%(time)bZ)","estate_id":(?:null|"(%(uuid)b)"),"id":"(%(uuid)b)","kind":"ballot\.cast",'
    rb'"payload":\{"ballot_id":"(%(uuid)b)","basis":"(%(plain)b)","cast_at":"(%(plain)b)","channel":"(%(plain)b)",'
    rb'"commitment":"(%(hex)b)","grant":"(%(plain)b)","group":"(%(plain)b)"\},"payload_sha256":"(%(hex)b)",'
    rb'"vote_id":"(%(uuid)b)"\}' % {b"time": _TIME, b"uuid": rb'[^"]{36}', b"hex": rb'[^"]{64}', b"plain": _PLAIN}
)
#: A lowercase hex digit as x, a hyphen and a quote as themselves, anything else as ?.
_HEX_CLASS = bytes(
    byte if byte in b'-"' else ord("x") if byte in b"0123456789abcdef" else ord("?") for byte in range(256)
)
_UUID_CLASS = b"xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
#: The hex fields of ``_CAST_SHAPE``'s groups (estate id, id, ballot id, commitment, payload_sha256, vote id) and their
#: classes joined by quotes, by whether the estate id is null (empty)
_CAST_HEX_FIELDS = operator.itemgetter(1, 2, 3, 7, 10, 11)
_CAST_HEX_CLASSES = {
    null: b'"'.join((b"" if null else _UUID_CLASS, _UUID_CLASS, _UUID_CLASS, b"x" * 64, b"x" * 64, _UUID_CLASS))
    for null in (False, True)
}
#: Where the payload starts in a matched line (by the estate id's length, 0 for null) and how far from its end it ends.
_CAST_PAYLOAD = {
    len(estate): len(b'{"created_at":"2025-03-16T16:30:38.179616Z","estate_id":' + member + b',"id":"' + _UUID_CLASS)
    + len(b'","kind":"ballot.cast","payload":')
    for estate, member in ((b"", b"null"), (_UUID_CLASS, b'"' + _UUID_CLASS + b'"'))
}
_CAST_TAIL = len(b',"payload_sha256":"') + 64 + len(b'","vote_id":"') + len(_UUID_CLASS) + len(b'"}')


def _cast_fields(line: bytes) -> tuple[bytes, ...] | None:
    """The server-form line's created_at, estate id (``b""`` for null), id, ballot id, basis, cast_at,
    channel, commitment, grant, group, payload_sha256 and vote id, or None when it does not match."""
    shape = _CAST_SHAPE.fullmatch(line)
    if shape is None:
        return None
    fields = shape.groups(b"")
    if b'"'.join(_CAST_HEX_FIELDS(fields)).translate(_HEX_CLASS) != _CAST_HEX_CLASSES[fields[1] == b""]:
        return None
    return fields


#: ``_agreement``'s line for a commitment-format ballot without a scan hash, its fields plain strings (``_PLAIN``):
#: the bytes ``_dumps_plain`` writes for the same tuple, so either side may take either way.
_AGREEMENT_LINE = b'["%b",true,null,"%b","%b","%b","%b","%b","%b"]\n'
_decode = json.JSONDecoder().decode
# A ballot line's members each once (its answers above all): as fast as ``json.loads``, the decoder built once.
#: orjson (a maintained C parser, several times faster than ``json``) for the lines of the streamed members, when
#: it is installed: the verifier also runs on the standard library alone (``_stdlib_json``), only slower. orjson keeps
#: a repeated member's last value as ``json`` does and refuses what ``json`` refuses and more (lone surrogates;
#: integers beyond 64 bits are read as floats): every use below either checks the line's own bytes or falls back to
#: ``json``. ``_dumps_sorted``: compact JSON with sorted member names, as UTF-8 bytes (RFC 8785 for the values a
#: canonical line holds: no floats, member names of ASCII or BMP text); TypeError for an integer beyond 2^53 - 1,
#: which no canonical line holds (§ Conventions), so that a line with one never equals its output. Floats and
#: member names in code point order are written back unchanged: ``is_canonical_form`` refuses them.
_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode


def _stdlib_json() -> tuple[Callable[[bytes], Any], Callable[[Any], bytes]]:
    return json.loads, lambda value: _compact(value).encode("utf-8")


def _fast_json() -> tuple[Callable[[bytes], Any], Callable[[Any], bytes]]:
    try:
        import orjson  # optional: the verifier runs without it
    except ImportError:  # pragma: no cover - installed with evote (pyproject.toml)
        return _stdlib_json()
    return orjson.loads, functools.partial(orjson.dumps, option=orjson.OPT_SORT_KEYS | orjson.OPT_STRICT_INTEGER)


_loads, _dumps_sorted = _fast_json()
_dumps_plain: Callable[[Any], bytes] = _dumps_sorted  # member order is irrelevant for an array of plain values


def _document(line: bytes) -> Any:
    """A JSON Lines line parsed (no canonical form needed): orjson, or ``json`` for what orjson refuses."""
    try:
        return _loads(line)
    except ValueError:
        return _decode(line.decode("utf-8"))


def _check_leaf(line: bytes, document: dict[str, Any]) -> None:
    """``app.ledger.entries.check_leaf_document`` for a leaf's canonical bytes, without re-serialising them.

    The canonical bytes of the payload are the line's own bytes between ``"payload":`` and the last
    ``,"payload_sha256":`` (members are sorted, and inside strings a quote is always escaped), so the payload hash
    is checked over them; the whole line must also be the document's canonical serialisation. Anything else falls
    back to the reference parse, which names what is wrong.
    """
    head = _LEAF_HEAD.match(line)
    # The tail has a fixed length: ``,"payload_sha256":"`` 64 hex digits ``","vote_id":"`` a UUID ``"}``; its digest
    # is proven hex by equalling a hexdigest, its vote id by equalling the document's (the caller's vote id).
    start = len(line) - _LEAF_TAIL_BYTES
    if (
        head is not None
        and start > head.end()
        and line.startswith(_TAIL_DIGEST, start)
        and line.startswith(_TAIL_VOTE, start + _TAIL_VOTE_AT)
        and line.endswith(b'"}')
        and len(document) == len(LEAF_FIELDS)
    ):
        digest, vote = line[start + len(_TAIL_DIGEST) : start + _TAIL_VOTE_AT], line[-38:-2]
        preimage = b"".join((
            b'{"estate_id":"', head.group(1) or b"", b'","kind":"', head.group(2), b'","payload":',
            line[head.end() - 1 : start], b',"vote_id":"', vote, b'"}',
        ))  # fmt: skip
        # the line's own members are the document's (a repeated member would make them differ: the reference decides)
        try:
            if (
                hashlib.sha256(preimage).hexdigest().encode() == digest
                and document["payload_sha256"].encode() == digest
                and document["kind"].encode() == head.group(2)
                and (document["estate_id"] or "").encode() == (head.group(1) or b"")
                and document["vote_id"].encode() == vote
                and _UUID_TEXT.fullmatch(document["vote_id"])
                and _dumps_sorted(document) == line  # §1.1: the leaf data is the document's canonical bytes
                # the members but the payload are matched above: no float, no member name beyond ASCII; a payload
                # of strings (a ballot's) in one C call, any other walked
                and (
                    (line.isascii() and _flat_text(document["payload"].values()))
                    or is_canonical_form(document["payload"], line)
                )
            ):
                return
        except TypeError:  # an integer beyond 2^53 - 1 (``_dumps_sorted``): the reference decides
            pass
    # the reference: refuses a repeated member or bytes not canonical (a forger hashing them passes the digest above)
    parse_leaf_data(line)


_BALLOT_MEMBER_COUNT = len(d.BALLOT_MEMBERS)
_BALLOT_FIELDS = operator.itemgetter(*sorted(d.BALLOT_MEMBERS))
#: Strings whose JSON text is their own characters between quotes (printable ASCII but ``"`` and ``\\``): the same
#: in orjson's and RFC 8785's output.
_PLAIN_FIELDS = re.compile(r"[ !#-\[\]-~]*")
_DOMAIN = ballot_commitments.COMMITMENT_DOMAIN
_NONCE = re.compile(r"[0-9a-f]{32}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
#: A counted ballot's line as the server writes it, from the end of its answers on (``_counted_run``, which finds it
#: at the last ``},"audit_entry_id":"``): every byte of the members after the answers matched, so that part is their
#: canonical JSON and no other. Each string plain (``_PLAIN``: its bytes are its JSON text, no escape); cast_at's
#: date a group of its own when it is in the server's one format (UTC, ``+00:00``, microseconds: its text sorts as
#: its instant; the date itself is checked apart, ``_cast_date``), else None; the nonce 32 lowercase hex digits, the
#: content hash 64 characters (proven hex by equalling the commitment's digest), no scan hash, counted, no void
#: reason.
_COUNTED_TAIL = re.compile(
    rb'\},"audit_entry_id":"(%(plain)b)","ballot_id":"(%(plain)b)"(,"basis":"(%(plain)b)","cast_at":"(([0-9]{4}-'
    rb'[0-9][0-9]-[0-9][0-9])T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\.[0-9]{6}\+00:00|%(plain)b)",'
    rb'"channel":"(%(plain)b)"),'
    rb'"content_hash":"([^"]{64})","group_id":"(%(plain)b)","nonce":"([0-9a-f]{32})","scan_sha256":null,'
    rb'"status":"COUNTED","void_reason":null\}' % {b"plain": _PLAIN}
)
_COUNTED_TAIL_AT = b'},"audit_entry_id":"'
_ANSWERS_HEAD = b'{"answers":{'
#: The commitment document's members after the answers' and the line's basis, cast_at and channel (§4).
_COMMITMENT_DOMAIN = b',"domain":"' + ballot_commitments.COMMITMENT_DOMAIN.encode() + b'","group":"'
_COMMITMENT_NONCE = b'","nonce":"'
#: Taken lines between two hand-overs of a run's commitments to their sort (and looks at its tally's size).
_RUN_BLOCK = 4096
#: Distinct answers (and channel) a run tallies before it spreads them to the per-topic sums (a bound on memory).
_RUN_TALLY = 1 << 12
#: Distinct answers ``_answers_of`` keeps once checked, shared by the tally's keys (a bound on memory).
_KNOWN_ANSWERS = 1 << 12
#: Lines pulled from the stream at a time when the runs are taken in C (``_ballot_lines``).
_PULLED_LINES = 2048
#: A roll header's members by the roll's ``format`` (a roll frozen before owner binding has none).
_ROLL_HEADER_MEMBERS: Mapping[Any, frozenset[str]] = {
    d.ROLL_FORMAT: frozenset({"format", "estate_id", "total"}),
    None: frozenset({"estate_id", "total"}),
}
#: A roll group's members by the roll's ``format``.
_ROLL_GROUP_MEMBERS: Mapping[Any, frozenset[str]] = {
    d.ROLL_FORMAT: frozenset({"group_id", "area", "heads", "is_developer", "units", "owners"}),
    None: frozenset({"group_id", "area", "heads", "is_developer", "units"}),
}
_ROLL_BLOCK = 1024  # roll.jsonl lines read at a time by ``_read_roll``


def _fast_commitment(
    vote_id: str, answers: Any, group: Any, basis: Any, channel: Any, cast_at: Any, nonce: Any, scan: Any
) -> str | None:
    """``app.ledger.ballot.commitment`` without the reference's checks and copies: over the parsed answers of a
    canonical line serialised by orjson with sorted members; None when a field is not a plain string (the reference
    definition then decides). A mismatch is never a verdict: the
    caller falls back to the reference whenever this does not give the logged hash, and a match is the logged
    preimage."""
    if type(group) is not str or type(basis) is not str or type(channel) is not str or type(cast_at) is not str:
        return None
    if type(nonce) is not str or not _NONCE.fullmatch(nonce):
        return None
    if scan is not None and (type(scan) is not str or not ballot_commitments.SCAN_PATTERN.fullmatch(scan)):
        return None
    domain = ballot_commitments.COMMITMENT_DOMAIN if scan is None else ballot_commitments.SCANNED_COMMITMENT_DOMAIN
    document = {
        "answers": answers, "basis": basis, "cast_at": cast_at, "channel": channel, "domain": domain,
        "group": group, "nonce": nonce, "vote_id": vote_id,
    }  # fmt: skip
    if scan is not None:
        document["scan_sha256"] = scan
    try:
        serialised = _dumps_sorted(document)
    except TypeError:  # an integer orjson cannot write: the reference decides
        return None
    # orjson sorts member names by code point, RFC 8785 by UTF-16 code unit: they differ beyond ASCII (U+FF61 and
    # U+1F600), where a commitment over orjson's order would not be H(canonical document) (§4)
    if not serialised.isascii() and not is_canonical_form(document, serialised):
        return None
    return hashlib.sha256(serialised).hexdigest()


def _agreement(digest: Any, fields: tuple[Any, ...]) -> bool:
    """Fold the fields a ballot and its ``ballot.cast`` entry must agree on into a running SHA-256: each ballot's
    as one JSON array and a newline (one encoding for each value, so equal digests over equally many ballots mean
    equal fields, each of the same JSON type); False when a value has no JSON form (the reference pass decides)."""
    try:
        digest.update(_dumps_plain(fields) + b"\n")
    except TypeError:
        return False
    return True


def _write_frame(pipe: BinaryIO, data: bytes) -> None:
    """One frame of a forked process's answer: its length (8 bytes, big-endian), then its bytes."""
    pipe.write(len(data).to_bytes(8) + data)


def _read_frame(pipe: BinaryIO) -> bytes:
    """The next frame (``_write_frame``); EOFError when the pipe ends before it does (the process died)."""
    head = pipe.read(8)
    data = pipe.read(int.from_bytes(head)) if len(head) == 8 else b""
    if len(head) != 8 or len(data) != int.from_bytes(head):
        raise EOFError("a forked process's answer is cut short")
    return data


def _frames(pipe: BinaryIO) -> Iterator[bytes]:
    """Frames up to the first empty one (``_ballots_alone``'s commitments)."""
    while frame := _read_frame(pipe):
        yield frame


def _micros(value: Any) -> int:
    """An instant (aware ``datetime`` or ISO 8601 text with an offset) as integer microseconds since the epoch."""
    if type(value) is str:  # the streamed entries' times: ``_instant`` without its str() and call
        instant = _fromisoformat(value)
        if instant.tzinfo is None:
            raise ValueError(f"{value!r} has no UTC offset")
    else:
        instant = value if isinstance(value, datetime) else _instant(value)
    return (instant - _EPOCH) // _MICROSECOND


_fromisoformat = datetime.fromisoformat


def _entry_set(records: Iterable[bytes], before: int) -> completeness.EntrySet:
    """``completeness.entry_set`` of the bound entries created before ``before`` (µs), from ``_BOUND_RECORD``
    records sorted by entry id, hashed as a stream: the RFC 8785 bytes of ``{"domain": …, "entries": [[entry id,
    payload_sha256], …]}`` (UUIDs and lowercase hex need no escaping), without the list in memory."""
    return _entry_sets(records, [before])[0]


_ENTRY_SET_BLOCK = 4096
_COUNTED_BLOCK = 4096  # a power of two (``_counted_streamed``)


def _entry_sets(records: Iterable[bytes], befores: Sequence[int]) -> list[completeness.EntrySet]:
    """``_entry_set`` for each bound in ``befores``, in one pass over the sorted records (a stream): each record's
    pair is written once per block of records and joined into every bound's hash it falls under."""
    head = b'{"domain":' + json.dumps(completeness.ENTRY_SET_DOMAIN).encode() + b',"entries":['
    digests = [hashlib.sha256(head) for _ in befores]
    counts = [0] * len(befores)
    stream = iter(records)
    while block := list(itertools.islice(stream, _ENTRY_SET_BLOCK)):
        pairs = [b'["' + record[:36] + b'","' + record[36:68].hex().encode() + b'"]' for record in block]
        created = [int.from_bytes(record[68:]) for record in block]
        latest = max(created)
        for at, before in enumerate(befores):
            chosen = pairs if latest < before else [pair for pair, c in zip(pairs, created, strict=True) if c < before]
            if chosen:
                digests[at].update(b"," + b",".join(chosen) if counts[at] else b",".join(chosen))
                counts[at] += len(chosen)
    for digest in digests:
        digest.update(b"]}")
    return [completeness.EntrySet(count, digest.hexdigest()) for count, digest in zip(counts, digests, strict=True)]


class _Pulled:
    """A stream's lines pulled a block at a time (``_ballot_lines``): the block, and the next line's place."""

    __slots__ = ("at", "block", "stream")

    def __init__(self, stream: Iterator[bytes]) -> None:
        self.stream, self.at = stream, 0
        self.block: list[bytes] = []


class _NotPlain(Exception):
    """A member read as a stream (log/counted.json, log/index.json) is not in the form the exporter writes, the only
    one the stream reads: it is read whole by the strict parser, which names what is wrong."""


_WHITE = rb"[ \t\n\r]*"
_ARRAY_EMPTY = re.compile(_WHITE + rb"\]")


class _ArrayStream:
    """A JSON array read as its chunks stream by: ``head`` matches up to its opening bracket, ``item`` one item with
    what follows it (its last group: ``,`` or ``]``); after ``items`` is exhausted, ``rest`` holds the bytes after the
    closing bracket. ``_NotPlain`` as soon as more than ``pending`` bytes wait undecided (before the head, between
    items, after the close), or when the array does not close: the stream holds a bounded buffer whatever the size."""

    def __init__(
        self, head: re.Pattern[bytes], item: re.Pattern[bytes], *, pending: int, run: re.Pattern[bytes] | None = None
    ) -> None:
        self.head, self.item, self.pending, self.run = head, item, pending, run
        self.rest = b""

    def items(self, chunks: Iterable[bytes]) -> Iterator[re.Match[bytes]]:
        buffer, at, opened, closed, count = b"", 0, False, False, 0
        for chunk in chunks:
            buffer, at = buffer[at:] + chunk, 0
            if not opened:
                head = self.head.match(buffer)
                if head is None:
                    if len(buffer) > self.pending:
                        raise _NotPlain
                    continue
                at, opened = head.end(), True
            while not closed:
                # ``run``: several items, each followed by a comma, as one match (the caller splits it); the items
                # after, one match each
                if self.run is not None and (run := self.run.match(buffer, at)) is not None:
                    yield run
                    count += 1
                    at = run.end()
                    continue
                item = self.item.match(buffer, at)
                if item is None:
                    empty = _ARRAY_EMPTY.match(buffer, at) if not count else None
                    if empty is not None:
                        at, closed = empty.end(), True
                    break
                yield item
                count += 1
                at, closed = item.end(), item.group(item.lastindex or 0) == b"]"
            if len(buffer) - at > self.pending:
                raise _NotPlain
        if not closed:
            raise _NotPlain
        self.rest = buffer[at:]


_COUNTED_OPEN = re.compile(_WHITE + rb"\[")
_COUNTED_ITEM = re.compile(_WHITE + rb'"([0-9a-f]{64})"' + _WHITE + rb"([,\]])")
#: Commitments each followed by a comma (``_ArrayStream``'s ``run``)
_COUNTED_RUN = re.compile(rb'(?:%b"[0-9a-f]{64}"%b,)+' % (_WHITE, _WHITE))
_COUNTED_ITEM_BYTES = 160  # an item with room for whitespace: a longer undecided rest is not plain


def _plain_commitments(chunks: Iterable[bytes]) -> Iterator[str]:
    """The commitments of a plain JSON array of 64-hex strings (any JSON whitespace), as its chunks stream by;
    ``_NotPlain`` as soon as the bytes are anything else (the strict parser then reads the member whole)."""
    array = _ArrayStream(_COUNTED_OPEN, _COUNTED_ITEM, pending=_COUNTED_ITEM_BYTES, run=_COUNTED_RUN)
    for item in array.items(chunks):
        if item.re is _COUNTED_RUN:  # ``"`` 64 hex digits ``",`` each: split at the quotes, every other part
            yield from item.group().decode("ascii").split('"')[1::2]
        else:
            yield item.group(1).decode("ascii")
    if array.rest.strip(b" \t\n\r"):
        raise _NotPlain


def _member(name: bytes) -> bytes:
    return _WHITE + b'"' + name + b'"' + _WHITE + b":" + _WHITE


_INDEX_HEAD = re.compile(_WHITE + rb"\{" + _member(b"index") + rb"\{" + _member(b"entries") + rb"\[")
# a leaf index as RFC 8785 writes it (no -0, at most 15 digits: exact as a double) and a kind that needs no escape
_INDEX_ITEM = re.compile(
    _WHITE + rb"\[" + _WHITE + rb"(0|[1-9][0-9]{0,14})" + _WHITE + rb"," + _WHITE + rb'"([a-z_.]{1,64})"' + _WHITE
    + rb"\]" + _WHITE + rb"([,\]])"
)  # fmt: skip
#: One index item as ``_INDEX_ITEM`` reads it, followed by a comma; a run of them (``_ArrayStream``'s ``run``: the
#: run is its items, in order)
_INDEX_RUN_ITEM = re.compile(
    _WHITE + rb"\[" + _WHITE + rb"(0|[1-9][0-9]{0,14})" + _WHITE + rb"," + _WHITE + rb'"([a-z_.]{1,64})"' + _WHITE
    + rb"\]" + _WHITE + rb","
)  # fmt: skip
_INDEX_RUN = re.compile(rb"(?:%b)+" % re.sub(rb"\((?!\?)", b"(?:", _INDEX_RUN_ITEM.pattern))
_INDEX_ENTRY = b'[%b,"%b"]'  # an item's canonical text
_INDEX_TAIL = re.compile(
    _WHITE + rb"," + _member(b"format") + rb'"([A-Za-z0-9@/._-]{1,64})"' + _WHITE + rb"," + _member(b"root_hash")
    + rb'"([A-Za-z0-9+/=]{1,100})"' + _WHITE + rb"," + _member(b"tree_size") + rb"(0|[1-9][0-9]{0,14})" + _WHITE
    + rb"," + _member(b"vote_id") + rb'"([0-9a-f-]{36})"' + _WHITE + rb"\}" + _WHITE + rb"," + _member(b"signature")
    + rb'"([A-Za-z0-9+/=]{1,200})"' + _WHITE + rb"\}" + _WHITE
)  # fmt: skip
_INDEX_TAIL_BYTES = 1024


class _Kinds:
    """Entry kinds in order, a code each (a byte while there are at most 256 distinct kinds, 4 bytes after): not a
    list's 8-byte pointer an entry."""

    def __init__(self) -> None:
        self.codes: bytearray | array[int] = bytearray()
        self.names: list[str] = []
        self.code: dict[str, int] = {}  # kind → its code

    def append(self, kind: str) -> None:
        code = self.code.get(kind)
        if code is None:
            code = self.code[kind] = len(self.names)
            self.names.append(kind)
            if code == 256:
                self.codes = array("I", list(self.codes))  # (from a bytearray, array() would take its bytes)
        self.codes.append(code)

    def __getitem__(self, at: int) -> str:
        return self.names[self.codes[at]]

    def __len__(self) -> int:
        return len(self.codes)


def _plain_index(chunks: Iterable[bytes], leaves: array[int], kinds: _Kinds) -> tuple[dict[str, Any], str, bytes]:
    """log/index.json as the exporter writes it (``{"index": {"entries": [[leaf, kind], …], "format", "root_hash",
    "tree_size", "vote_id"}, "signature"}``, members in that order, any JSON whitespace), read as a stream: the
    entries go into ``leaves`` and ``kinds``; returns the index without its entries, the signature's text and the
    index's RFC 8785 bytes (what the signature covers), rebuilt as the entries stream by. ``_NotPlain`` for anything
    else (the strict parser then reads the member whole)."""
    canonical = bytearray(b'{"entries":[')
    stream = _ArrayStream(_INDEX_HEAD, _INDEX_ITEM, pending=_INDEX_TAIL_BYTES, run=_INDEX_RUN)
    codes, code_of = kinds.codes, dict[bytes, int]()  # each kind's code by its bytes, as the lines hold it
    count = 0
    for match in stream.items(chunks):
        if match.re is _INDEX_RUN:  # several items, each followed by a comma: split, their canonical text joined
            pairs = _INDEX_RUN_ITEM.findall(match.group())
            leaf_texts, kind_texts = zip(*pairs, strict=True)
            if code_of.keys() >= set(kind_texts):  # (else: a kind seen first here, item by item below)
                canonical += (b"," if count else b"") + b",".join(map(_INDEX_ENTRY.__mod__, pairs))
                leaves.extend(map(int, leaf_texts))
                codes.extend(map(code_of.__getitem__, kind_texts))
                count += len(kind_texts)
                continue
            items: Iterable[tuple[bytes, bytes]] = zip(leaf_texts, kind_texts, strict=True)
        else:
            items = ((match.group(1), match.group(2)),)
        for leaf, kind in items:
            canonical += (b",[" if count else b"[") + leaf + b',"' + kind + b'"]'
            count += 1
            leaves.append(int(leaf))
            code = code_of.get(kind)
            if code is None:  # a kind not seen in this member before (the codes may widen)
                text = kind.decode("ascii")
                kinds.append(text)
                code_of[kind], codes = kinds.code[text], kinds.codes
            else:
                codes.append(code)
    tail = _INDEX_TAIL.fullmatch(stream.rest)
    if tail is None:
        raise _NotPlain
    format_tag, root_hash, tree_size, vote_id, signature = (part.decode("ascii") for part in tail.groups())
    canonical += (
        f'],"format":"{format_tag}","root_hash":"{root_hash}","tree_size":{tree_size},"vote_id":"{vote_id}"}}'
    ).encode("ascii")
    index = {"format": format_tag, "root_hash": root_hash, "tree_size": int(tree_size), "vote_id": vote_id}
    return index, signature, bytes(canonical)


_INCLUSION_HEAD = re.compile(_WHITE + rb"\{" + _member(b"proofs") + rb"\[")
# one batch proof as the exporter writes it (members sorted): its leaf indices' text is split and checked by
# ``_leaf_array``, so that no list of integers is built
_INCLUSION_PROOF = re.compile(
    _WHITE + rb"\{" + _member(b"leaf_indices") + rb"\[([0-9 \t\n\r,]*)\]" + _WHITE + rb"," + _member(b"nodes")
    + rb"(0|[1-9][0-9]{0,15})" + _WHITE + rb"," + _member(b"tree_size") + rb"(0|[1-9][0-9]{0,15})" + _WHITE + rb"\}"
    + _WHITE + rb"([,\]])"
)  # fmt: skip
_INCLUSION_TAIL = re.compile(_WHITE + rb"\}" + _WHITE)
_LEADING_ZERO = re.compile(rb"(?<![0-9])0[0-9]")  # a number that starts with 0 and goes on
_SPLIT_BYTES = 1 << 16


def _leaf_array(text: bytes, start: int = 0, end: int | None = None) -> array[int]:
    """A JSON array's items (``text[start:end]``: between its brackets, digits, commas and whitespace only) as an
    ``array`` of 64-bit leaf indices, split in C a slice at a time: 8 bytes an index, never a list of integers nor a
    copy of the text. ``_NotPlain`` for anything that is not a non-empty list of JSON integers (an empty item, a
    leading zero, a space inside a number) or beyond 64 bits."""
    end = len(text) if end is None else end
    if _LEADING_ZERO.search(text, start, end):
        raise _NotPlain
    indices = array("q")
    try:
        while True:  # split a slice of ~64 KiB at a time: never a list of every item's bytes
            cut = text.find(b",", start + _SPLIT_BYTES, end)
            # int() takes the surrounding JSON whitespace, nothing else here; an empty item (",,", a trailing ",",
            # "[]") is refused by it
            indices.extend(map(int, text[start : end if cut < 0 else cut].split(b",")))
            if cut < 0:
                return indices
            start = cut + 1
    except (ValueError, OverflowError) as error:
        raise _NotPlain from error


def _plain_inclusion(raw: bytes) -> list[dict[str, Any]]:
    """log/inclusion.json as the exporter writes it (``{"proofs": [{"leaf_indices": […], "nodes", "tree_size"},
    …]}``, members in that order, any JSON whitespace), each proof's leaf indices an ``array`` (``_leaf_array``);
    ``_NotPlain`` for anything else (the strict parser then reads it, as before). At 15 bytes of text an index, the
    member is read whole (its cap: ``MEMBER_CAPS``) but its indices take 8 bytes each, not a list's ~40."""
    head = _INCLUSION_HEAD.match(raw)
    if head is None:
        raise _NotPlain
    at, proofs, closed = head.end(), [], False
    if (empty := _ARRAY_EMPTY.match(raw, at)) is not None:
        at, closed = empty.end(), True
    while not closed:
        proof = _INCLUSION_PROOF.match(raw, at)
        if proof is None:
            raise _NotPlain
        indices = _leaf_array(raw, *proof.span(1))
        proofs.append({"tree_size": int(proof.group(3)), "leaf_indices": indices, "nodes": int(proof.group(2))})
        at, closed = proof.end(), proof.group(4) == b"]"
    if _INCLUSION_TAIL.fullmatch(raw, at) is None:
        raise _NotPlain
    return proofs


def _partition_groups(
    units: spill.Partitions, index: int, developer_key: Any, include_parking: bool
) -> list[VoterGroup]:
    """The voter groups ``build_roll`` makes of one partition's units alone (none for an empty partition): a
    partition holds whole owner sets, so its groups are the whole register's groups for those units."""
    if not units.size(index):
        return []
    records = [_unit_of(fields) for fields in units.partition(index)]
    return list(build_roll(records, developer_key=developer_key, include_parking=include_parking).groups)


def first_difference(expected: Any, actual: Any, path: str = "") -> str | None:
    """Where two JSON values first differ, as ``path: expected ≠ actual``, or None when equal."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(set(expected) | set(actual)):
            if key not in expected or key not in actual:
                return f"{path}.{key}: present on one side only".lstrip(".")
            found = first_difference(expected[key], actual[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return f"{path or 'value'}: {len(expected)} items ≠ {len(actual)} items"
        for index, (left, right) in enumerate(zip(expected, actual, strict=True)):
            found = first_difference(left, right, f"{path}[{index}]")
            if found:
                return found
        return None
    if expected != actual or type(expected) is not type(actual):
        return f"{path.lstrip('.') or 'value'}: {expected!r} ≠ {actual!r}"
    return None


class _Entry(NamedTuple):  # one per entry: a tuple is built in C, a frozen dataclass field by field
    leaf_index: int
    document: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.document["kind"])

    @property
    def payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = self.document["payload"]
        return payload


#: The missing entries kept to be named (five, and whether there are more).
_NAMED_MISSING = 6


def _trim_heap() -> None:
    """Give the C heap's free pages back to the system (glibc's ``malloc_trim``; nothing elsewhere): before a fork,
    so that what was read and let go (the manifest's unit tags, the roll's lines) is not resident in both processes."""
    try:
        libc = ctypes.CDLL(None)
        trim = libc.malloc_trim
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        return
    trim(0)


class _Closing(Protocol):
    def close(self) -> None: ...


_Kept = TypeVar("_Kept", bound=_Closing)
#: A void ballot or a ``ballot.voided`` entry: its ballot id (``procedure.group_key``), its place (ballots.jsonl's line,
#: or the entry's leaf) and its reason's SHA-256 (``_void_record``).
_VOID = struct.Struct(">36sQ32s")


def _void_record(ballot_id: str, place: int, reason: Any) -> bytes:
    """A ``_VOID`` record. The reason is compared by a digest of its text (or, for another JSON value, of its JSON
    with its type: ``1``, ``1.0`` and ``true`` differ)."""
    if type(reason) is str:
        raw = b"s" + reason.encode("utf-8", "surrogatepass")
    else:
        try:
            raw = b"j" + _dumps_sorted(reason)
        except TypeError:  # an integer orjson cannot write
            raw = b"r" + repr(reason).encode("utf-8", "surrogatepass")
    return _VOID.pack(procedure.group_key(ballot_id), place, hashlib.sha256(raw).digest())


def _void_mismatch(ballots: Iterable[bytes], entries: Iterable[bytes]) -> tuple[tuple[int, int] | None, int | None]:
    """The void ballots' and the ``ballot.voided`` entries' ``_VOID`` records, each sorted, merged by ballot id: the
    first void ballot (by its line) without an entry, or whose reason is not its entry's, as (its line, the entry's
    leaf or -1); and the first entry (by leaf) of a ballot that is not void. Of an id repeated on one side, its first
    place and its last place's reason count (as a map by id keeps them)."""
    records = heapq.merge(((record, True) for record in ballots), ((record, False) for record in entries))
    ballot_failure: tuple[int, int] | None = None
    entry_failure: int | None = None
    for _, group in itertools.groupby(records, key=lambda item: item[0][:36]):
        voids: list[tuple[int, bytes]] = []
        voidings: list[tuple[int, bytes]] = []
        for record, is_ballot in group:  # sorted by place within an id
            _, place, reason = _VOID.unpack(record)
            (voids if is_ballot else voidings).append((place, reason))
        if voids and not voidings:
            found = (voids[0][0], -1)
        elif voids and voids[-1][1] != voidings[-1][1]:
            found = (voids[0][0], voidings[-1][0])
        else:
            if voidings and not voids and (entry_failure is None or voidings[0][0] < entry_failure):
                entry_failure = voidings[0][0]
            continue
        if ballot_failure is None or found < ballot_failure:
            ballot_failure = found
    return ballot_failure, entry_failure


class _Entries:
    """The vote's entries the log's pass does not fold into records or arrays (all but ``ballot.cast``,
    ``paper.received`` and ``ballot.voided``): each kept as its leaf line (``spill.Lines``: in a temporary file past
    1 MiB) and parsed again when a check reads it. In memory 20 bytes an entry (its kind's code, its end offset, its
    leaf), whatever the entry holds. Iterated, all of them in leaf order; ``of_kinds``, those of some kinds (only
    those are read and parsed)."""

    def __init__(self) -> None:
        self.lines = spill.Lines()
        self.leaves = array("q")
        self.code: dict[str, int] = {}  # kind → its tag in ``lines``

    def append(self, leaf: int, kind: str, line: bytes) -> None:
        code = self.code.get(kind)
        if code is None:
            code = self.code[kind] = len(self.code)
        self.leaves.append(leaf)
        self.lines.append(code, line)

    def _entries(self, read: Iterator[tuple[int, bytes]]) -> Iterator[_Entry]:
        leaves = self.leaves
        for position, line in read:
            yield _Entry(leaves[position], _document(line))  # the line was checked canonical when it was read

    def __iter__(self) -> Iterator[_Entry]:
        return self._entries(self.lines.read())

    def __len__(self) -> int:
        return len(self.leaves)

    def of_kinds(self, kinds: Iterable[str]) -> Iterator[_Entry]:
        """The entries of these kinds, in leaf order."""
        return self._entries(self.lines.read(self.code[kind] for kind in kinds if kind in self.code))

    def count(self, kind: str) -> int:
        code = self.code.get(kind)
        return 0 if code is None else self.lines.count(code)

    def close(self) -> None:
        self.lines.close()


class _Verifier:
    def __init__(self, source: bytes | BinaryIO, *, trust: Trust, progress: Progress, jobs: int = 1) -> None:
        self.source = source
        self.jobs = jobs
        self.child: tuple[int, int] | None = None  # the second process's pid and pipe (``_fork_register``)
        self.ballot_child: tuple[int, int] | None = None  # the ballots' process (``_log_pass_beside_ballots``)
        self.hashed: dict[str, tuple[int, str]] | None = None  # in that process: the pending members it hashed
        self.trust = trust
        self.progress = progress
        self.report = Report()
        self.files: dict[str, bytes] = {}
        self.json: dict[str, Any] = {}
        self.current = "bundle"
        self.deferred: dict[str, str] = {}
        self.pending: dict[str, tuple[int, str]] = {}  # member → size and SHA-256 the manifest lists, not yet hashed
        self.spilled: list[_Closing] = []  # per-vote state kept in temporary files, closed by ``run``

    # --- plumbing -------------------------------------------------------------------------------------------

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Run one check; malformed data anywhere in it is that check's failure, never a crash."""
        self.current = name
        try:
            yield
        except Failure:
            raise
        except (KeyError, IndexError, TypeError, ValueError, AttributeError, DomainError) as error:
            raise Failure(name, f"malformed or inconsistent data ({type(error).__name__}: {error})") from error

    def _spilled(self, records: _Kept) -> _Kept:
        self.spilled.append(records)
        return records

    def defer(self, check: str, message: str) -> None:
        """A failure found while streaming the log, reported when its check's turn comes (checks keep their order)."""
        self.deferred.setdefault(check, message)

    def raise_deferred(self, check: str) -> None:
        if check in self.deferred:
            raise Failure(check, self.deferred[check])

    def passed(self, name: str, summary: str) -> None:
        self.report.passed.append((name, summary))

    def _raw(self, name: str) -> bytes:
        """A member's bytes, taken from those read with the manifest check or read only now (its SHA-256 was
        pending: settled here)."""
        raw = self.files.pop(name, None)
        if raw is None:
            raw = self._read(self.archive.getinfo(name))
            if name in self.pending:
                self._settle(name, len(raw), _sha256(raw))
        return raw

    def load(self, name: str) -> Any:
        if name not in self.json:
            raw = self._raw(name)
            try:
                self.json[name] = _strict_json(raw)  # parsed: its bytes are not kept
            except (UnicodeDecodeError, ValueError, RecursionError) as error:
                raise Failure("bundle", f"{name} is not valid JSON ({error})") from error
        return self.json[name]

    def lines(self, name: str) -> Iterator[bytes]:
        """A JSON Lines member read as a stream, line by line, each without its newline; never whole in memory.
        Read to its end while its SHA-256 is pending, it is hashed on the way and settled (``_settle``)."""
        number, rest = 0, b""
        for chunk in self._stream(name):  # split in C: a chunk at a time, not a readline per line
            lines = (rest + chunk).split(b"\n")
            rest = lines.pop()
            if len(rest) > MAX_LINE_BYTES:
                line = number + len(lines) + 1
                raise Failure("bundle", f"{name} line {line} is longer than {MAX_LINE_BYTES} bytes")
            number += len(lines)
            yield from lines
        if rest:
            raise Failure("bundle", f"{name} line {number + 1} does not end in a newline")

    def blocks(self, name: str) -> Iterator[bytes]:
        """``lines``' stream a block of whole lines at a time (a chunk read, up to its last newline; each line ending
        in its newline), with the same failures at the same points. Its lines are not counted: a failure's line
        number is counted then (``_line_number``)."""
        offset, rest = 0, b""  # the member's bytes before ``rest``
        for chunk in self._stream(name):
            data = rest + chunk
            cut = data.rfind(b"\n") + 1
            if len(data) - cut > MAX_LINE_BYTES:
                line = self._line_number(name, offset + cut)
                raise Failure("bundle", f"{name} line {line} is longer than {MAX_LINE_BYTES} bytes")
            if cut:
                yield data if cut == len(data) else data[:cut]
            rest, offset = data[cut:], offset + cut
        if rest:
            raise Failure("bundle", f"{name} line {self._line_number(name, offset)} does not end in a newline")

    def _line_number(self, name: str, offset: int) -> int:
        """The number of the line starting at byte ``offset`` of a member (read again from its start)."""
        number = 1
        with _open_member(self.archive, name) as stream:
            while offset and (chunk := stream.read(min(offset, CHUNK_BYTES))):
                number += chunk.count(b"\n")
                offset -= len(chunk)
        return number

    def _stream(self, name: str) -> Iterator[bytes]:
        """A member's bytes as read, a chunk at a time; read to its end while its SHA-256 is pending, hashed on the
        way and settled (``_settle``) after the last chunk."""
        try:
            with _open_member(self.archive, name) as stream:
                size = 0
                digest = hashlib.sha256() if name in self.pending else None
                while chunk := stream.read(CHUNK_BYTES):
                    if digest is not None:
                        digest.update(chunk)
                        size += len(chunk)
                    yield chunk
                if digest is not None and name in self.pending:
                    self._settle(name, size, digest.hexdigest())
        except UNREADABLE_MEMBER as error:
            raise Failure("bundle", f"member {name} is unreadable ({error})") from error

    def run(self) -> None:
        try:
            self._run()
        except Exception:
            if self.pending:  # a changed member is named first (the bundle check comes first)
                self._settle_pending()
            raise
        finally:
            if self.child is not None:  # a failure before the register's turn: the second process is not needed
                os.kill(self.child[0], signal.SIGKILL)
                self._reap_child()
            self._stop_ballot_child()
            for records in self.spilled:
                records.close()
            if hasattr(self, "archive"):
                self.archive.close()

    def _run(self) -> None:
        self.check_bundle()
        self.check_keys()
        self.check_signatures()
        self.check_log()
        self.check_witnesses()
        self.check_completeness()
        self.check_notice()
        self.check_register()
        self.check_ballots()
        self.check_publicity()
        self.check_tally()
        self.check_times()
        self.check_procedure()
        self.check_decision()
        self._settle_pending()

    # --- 1. bundle ------------------------------------------------------------------------------------------

    def check_bundle(self) -> None:
        try:
            self.archive = zipfile.ZipFile(io.BytesIO(self.source) if isinstance(self.source, bytes) else self.source)
        except _NOT_A_ZIP as error:
            raise Failure("bundle", f"not a zip archive ({error})") from error
        archive = self.archive
        with self.step("bundle"):
            infos = archive.infolist()
            names = [info.filename for info in infos]
            if d.MANIFEST in names:  # the format first: an older layout is named as such, not as odd members
                self._check_cap(archive.getinfo(d.MANIFEST))
                self.files[d.MANIFEST] = self._read(archive.getinfo(d.MANIFEST))
                format_tag = self.load(d.MANIFEST).get("format")
                if format_tag != d.BUNDLE_FORMAT:
                    raise Failure(
                        "bundle",
                        f"manifest format {format_tag!r} is not {d.BUNDLE_FORMAT}: this verifier reads only the "
                        f"{d.BUNDLE_FORMAT} layout (log entries, ballots, register and roll as JSON Lines; one batch "
                        "inclusion proof per checkpoint; a signed manifest); export the vote again",
                    )
            expected = {d.README, d.MANIFEST, *d.MEMBERS}
            extra = sorted(set(names) - expected)
            missing = sorted(expected - set(names))
            if extra or missing or len(names) != len(set(names)):
                raise Failure("bundle", f"unexpected members {extra}, missing members {missing}, or duplicates")
            digests: dict[str, tuple[int, str]] = {}
            sizes: dict[str, int] = {}
            for info in infos:
                self._check_cap(info)
                streamed = (*d.JSONL_MEMBERS, *d.BINARY_MEMBERS, *d.HEADED_MEMBERS)
                if info.filename in streamed or info.file_size > KEEP_BYTES:
                    sizes[info.filename] = info.file_size  # hashed as it is read for its check (``_settle``)
                    continue
                self.files[info.filename] = self._read(info)
                digests[info.filename] = (len(self.files[info.filename]), _sha256(self.files[info.filename]))
        manifest = self.load(d.MANIFEST)
        with self.step("bundle"):
            listed = [member["name"] for member in manifest["files"]]
            if listed != list(d.LISTED):
                raise Failure("bundle", "the manifest does not list the bundle's members (README.md first) in order")
            self.manifest_tags: str | None = str(manifest["register_unit_tags"])
            pending: dict[str, tuple[int, str]] = {}
            for member in manifest["files"]:
                name, claimed = member["name"], (member["size"], member["sha256"])
                if name in sizes and claimed[0] == sizes[name]:
                    pending[name] = claimed
                elif claimed != digests.get(name):
                    self._mismatch(name)
            self.vote_id = str(uuid.UUID(manifest["vote_id"]))
            self.vote_bytes = self.vote_id.encode()
        # A large member is inflated and hashed once, as its check reads it; until then its SHA-256 is pending. Any
        # failure found before every pending member was hashed is checked against them first (``run``): a member
        # changed after export is still named as such, before whatever its changed content would make fail later.
        self.pending = pending
        self.passed("bundle", f"{len(listed)} members, sizes and SHA-256 match the manifest (README.md included)")

    def _mismatch(self, name: str) -> None:
        """A member is not the one the signed manifest lists: named (a register unit by the manifest's tags)."""
        if name == d.REGISTER:
            tags = self.manifest_tags
            if tags is None:  # let go after the signatures' check: the manifest read again (failure path only)
                tags = str(_strict_json(self._read(self.archive.getinfo(d.MANIFEST)))["register_unit_tags"])
            raise MemberChanged("bundle", self._changed_unit(tags))
        raise MemberChanged(
            "bundle", f"{name} does not match its size and SHA-256 in the signed manifest (changed after export)"
        )

    def _settle(self, name: str, size: int, digest: str) -> None:
        """A pending member was read whole (its size and SHA-256): it is the manifest's, or the bundle fails."""
        if self.hashed is not None:  # in the second process: the parent settles it (``_register_child_verdict``)
            if name in self.pending:
                self.hashed[name] = (size, digest)
            return
        claimed = self.pending.pop(name, None)
        if claimed is not None and claimed != (size, digest):
            self.pending.clear()
            self.report.passed.clear()  # the bundle check comes first: nothing passed
            self._mismatch(name)

    def _settle_pending(self) -> None:
        """Hash the members still pending (read in part or not at all): each must be the manifest's."""
        for name in list(self.pending):
            if name in self.pending:
                self._settle(name, *self._digest(self.archive.getinfo(name)))

    def _changed_unit(self, tags: str) -> str:
        """Which unit of register.jsonl differs from the register snapshot the manifest lists (by line tags)."""
        width = d.UNIT_TAG_HEX
        lines = self.lines(d.REGISTER)
        next(lines, None)  # the header: bound by the member's SHA-256 only
        number = 0
        for number, line in enumerate(lines, start=1):
            tag = tags[(number - 1) * width : number * width]
            if _sha256(line)[:width] != tag:
                try:
                    unit = _strict_json(line).get("unit_key")
                except (UnicodeDecodeError, ValueError, RecursionError, AttributeError):
                    unit = None
                return (
                    f"{d.REGISTER}: unit {unit!r} (line {number + 1}) is not the unit the signed manifest lists there: "
                    "its area, attributes or owners were changed after export"
                )
        if number * width != len(tags):
            return f"{d.REGISTER} has {number} units, the signed manifest lists {len(tags) // width}"
        return f"{d.REGISTER}: its header line does not match its size and SHA-256 in the signed manifest"

    @staticmethod
    def _check_cap(info: zipfile.ZipInfo) -> None:
        """A member read whole is refused above its cap (``MEMBER_CAPS``) before a byte of it is read."""
        cap = MEMBER_CAPS.get(info.filename)
        if cap is not None and info.file_size > cap:
            raise Failure(
                "bundle",
                f"{info.filename} is {info.file_size} bytes, above the {cap}-byte cap for this member "
                "(docs/verifier.md): refused unread",
            )

    def _read(self, info: zipfile.ZipInfo) -> bytes:
        try:
            with _open_member(self.archive, info) as stream:
                return stream.read()
        except UNREADABLE_MEMBER as error:
            raise Failure("bundle", f"member {info.filename} is unreadable ({error})") from error

    def _digest(self, info: zipfile.ZipInfo) -> tuple[int, str]:
        """Size and SHA-256 of a member read as a stream (the JSON Lines members are never read whole)."""
        digest, size = hashlib.sha256(), 0
        try:
            with _open_member(self.archive, info) as stream:
                while chunk := stream.read(CHUNK_BYTES):
                    digest.update(chunk)
                    size += len(chunk)
        except UNREADABLE_MEMBER as error:
            raise Failure("bundle", f"member {info.filename} is unreadable ({error})") from error
        return size, digest.hexdigest()

    # --- 2. keys --------------------------------------------------------------------------------------------

    def check_keys(self) -> None:
        keys = self.load(d.KEYS)
        with self.step("keys"):
            log = keys["log"]
            verifier = parse_verifier_key(log["verifier_key"])
            raw = _b64(log["public_key"])
            if verifier.public_key != raw or verifier.name != keys["origin"] or log["key_id"] != verifier.key_id.hex():
                raise Failure("keys", "the log's verifier key, raw key, key ID and origin disagree")
            for pem in (log["pem"].encode("ascii"), self.files[d.LOG_KEY_PEM]):
                if pem != _spki_pem(raw) and not _pem_holds(pem, raw):  # the exporter's own PEM needs no parser
                    raise Failure("keys", "the PEM public key is not the log key")
            if log["jwk"] != d.public_jwk(raw):
                raise Failure("keys", "the JWK (or its kid, the RFC 7638 thumbprint) is not the log key's")
            for listed in keys["retired"]:
                if parse_verifier_key(listed).name != verifier.name:
                    raise Failure("keys", f"retired key {listed} is not a key of this log")
            for listed in keys["witnesses"]:
                parse_verifier_key(listed)
            pinned = self.trust.log_key
            if pinned is not None and pinned != verifier:
                if pinned.name != verifier.name:
                    raise Failure(
                        "keys",
                        f"the bundle is of log {verifier.name!r}, the pinned log key is of {pinned.name!r}: "
                        "a bundle from another instance",
                    )
                raise Failure(
                    "keys",
                    f"the bundle's log key {verifier.name}+{verifier.key_id.hex()} is not the pinned key "
                    f"{pinned.name}+{pinned.key_id.hex()}: the bundle was signed with another key",
                )
            self.log_key = verifier
            self.public_key = public_key_from_bytes(raw)
            self.kid = d.jwk_thumbprint(raw)
            # Never from the bundle: its retired and witness keys are informational only.
            self.retired = self.trust.retired
            self.witnesses = self.trust.witnesses
            ignored = len(keys["retired"]) + len(keys["witnesses"])
        if pinned is None:
            self.report.notes.append(
                f"no key pinned: checked against the bundle's own log key {verifier.key_string()}; the bundle's "
                f"{ignored} retired and witness key(s) are ignored"
            )
            how = "NOT pinned: the bundle's own key"
        else:
            how = f"pinned; {len(self.retired)} retired key(s) pinned; the bundle's own key list is not used"
        self.passed("keys", f"log key {verifier.name}+{verifier.key_id.hex()} (kid {self.kid}; {how})")

    # --- 3. signatures --------------------------------------------------------------------------------------

    def _open_checkpoint(self, label: str, note: Any) -> tuple[Checkpoint, OpenedNote]:
        log_keys = [self.log_key, *self.retired]
        try:
            opened = open_note(str(note), [*log_keys, *self.witnesses])
        except NoteUnverified as error:
            signers = ", ".join(signature_keys(str(note))) or "nobody"
            raise Failure(
                "signatures",
                f"checkpoint '{label}' is signed by {signers}: no pinned log key signed it (a key the bundle lists "
                "as retired or as a witness counts only when pinned with --retired-log-key or --witness)",
            ) from error
        except LedgerError as error:
            raise Failure(
                "signatures",
                f"checkpoint '{label}': a signature does not verify with its pinned key ({error}); "
                "the checkpoint text (origin, size or root hash) was altered or another key signed it",
            ) from error
        if not any(signer in log_keys for signer in opened.signers):
            raise Failure("signatures", f"checkpoint '{label}' carries only witness cosignatures, no log signature")
        try:
            checkpoint = Checkpoint.parse(opened.text)
        except LedgerError as error:
            raise Failure("signatures", f"checkpoint '{label}' is malformed ({error})") from error
        if checkpoint.origin != self.log_key.name:
            raise Failure("signatures", f"checkpoint '{label}' is of log {checkpoint.origin!r}, not this log")
        return checkpoint, opened

    def check_signatures(self) -> None:
        checkpoints = self.load(d.CHECKPOINTS)
        manifest = self.load(d.MANIFEST)
        with self.step("signatures"):
            signature = _b64(manifest["signature"])
            if len(signature) != SIGNATURE_SIZE or not verify(self.public_key, d.manifest_message(manifest), signature):
                raise Failure(
                    "signatures",
                    "manifest.json: the log key's signature of the manifest does not verify: a member (README.md "
                    "included) or its listed size and SHA-256 was changed after export",
                )
            self.result_checkpoint, self.result_note = self._open_checkpoint("result", checkpoints["result"])
            self.latest_checkpoint, self.latest_note = self._open_checkpoint("latest", checkpoints["latest"])
            self.result_note_text = str(checkpoints["result"])
            raw = self.files[d.RESULT]
            try:
                result = _strict_json(raw)
            except (UnicodeDecodeError, ValueError) as error:
                raise Failure("signatures", f"result/result.json is not JSON ({error})") from error
            if canonical_bytes(result) != raw:
                raise Failure("signatures", "result/result.json is not in RFC 8785 canonical form")
            signature = self.files[d.RESULT_SIG]
            if len(signature) != SIGNATURE_SIZE or not verify(self.public_key, raw, signature):
                raise Failure(
                    "signatures", "result/result.sig: the raw Ed25519 signature of result.json does not verify"
                )
            token = self.files[d.RESULT_JWS].decode("ascii").strip()
            payload = jws_verify({self.kid: self.public_key}, token)
            if payload is None:
                raise Failure("signatures", f"result/result.jws does not verify (EdDSA, kid {self.kid}, the log key)")
            if payload != raw:
                raise Failure("signatures", "result/result.jws signs other bytes than result/result.json")
            if result["format"] != d.RESULT_FORMAT or result["vote_id"] != self.vote_id:
                raise Failure("signatures", "the signed result is not of this bundle's vote")
            self.result = result
        # The manifest (16 hex digits of unit tags a register unit: 8 MB at 500,000 units) is not held any longer,
        # nor copied into the forked processes: a member found changed later reads it again (``_mismatch``).
        self.manifest_tags = None
        del manifest
        self.json.pop(d.MANIFEST)
        self.passed(
            "signatures",
            f"manifest signed by the log key; checkpoints of size {self.result_checkpoint.size} and "
            f"{self.latest_checkpoint.size} signed by the log key; result.sig and result.jws verify",
        )

    # --- 4. log ---------------------------------------------------------------------------------------------

    def check_log(self) -> None:
        """One pass over log/entries.jsonl with log/inclusion.bin (and ballots.jsonl beside them, in the same order):
        every entry is proven here; what later checks need of the ballots is kept as per-vote state only (the
        counted ballots' answers, time and leaf arrays, the entry-set records), their failures deferred to them."""
        # With jobs > 1 the register is regrouped in a second process while the log streams; forked first, while
        # this process holds little (the second process's memory starts as a copy of it).
        self._fork_register()
        consistency = self.load(d.CONSISTENCY)
        with self.step("log"):
            result, latest = self.result_checkpoint, self.latest_checkpoint
            self.roots = {result.size: result.root_hash, latest.size: latest.root_hash}
            named = self.result["checkpoint"]
            if (named["origin"], named["size"], _b64(named["root_hash"])) != (
                result.origin,
                result.size,
                result.root_hash,
            ):
                raise Failure("log", "the signed result names another checkpoint than log/checkpoints.json 'result'")
            if (consistency["first"], consistency["second"]) != (result.size, latest.size) or not verify_consistency(
                result.size, latest.size, result.root_hash, latest.root_hash, [_b64(h) for h in consistency["proof"]]
            ):
                raise Failure("log", "the latest checkpoint does not extend the result's checkpoint (log forked?)")
        self._prepare_stream()
        inclusion = self._inclusion()
        with self.step("log"):
            proofs = [self._batch(proof) for proof in inclusion["proofs"]]
            del inclusion
            self.json.pop(d.INCLUSION, None)
        # With jobs > 1 the ballots are checked in a third process beside this pass; whenever that does not agree in
        # every respect, the pass runs again with each ballot checked beside its entry (the reference order).
        if not self._log_pass_beside_ballots(proofs):
            with self.step("log"):
                self._log_pass(proofs)
        with self.step("log"):
            count = self.entry_count
            if self.late_evidence is not None:
                kind, leaf = self.late_evidence
                raise Failure("log", f"{kind} at leaf {leaf} is not inside the result's checkpoint")
            self.published = self._single(EventKind.VOTE_PUBLISHED)
            self.closed = self._single(EventKind.VOTE_CLOSED)
            self.decided = self._single(EventKind.VOTE_DECIDED)
            self.result_published = self._single(EventKind.VOTE_RESULT_PUBLISHED)
        self.passed(
            "log",
            f"{count} entries in leaf order, all proven in the signed checkpoints (batch inclusion proofs); "
            f"size {latest.size} extends size {result.size}",
        )

    def _log_pass(self, proofs: list[tuple[int, Sequence[int], int]]) -> None:
        """The pass over log/entries.jsonl, each entry proven in its batch proof; each ``ballot.cast`` entry is handed
        to ``self.on_cast`` (its ballot checked beside it, or its fields folded into the digest the ballots' process
        must match)."""
        total = sum(len(indices) for _, indices, _ in proofs)
        entries, nodes = self.lines(d.ENTRIES), self._nodes()
        stream = self.progress.iterate("log entries", entries, total)
        count = 0
        for size, indices, node_count in proofs:
            before = count
            # The root is recomputed as the entries are read: the recursion pulls each entry (checked on the
            # way, its leaf hash over the line's own bytes) and the proof's nodes when it needs them.
            root = native.multi_root(size, self._leaves_of(stream, indices), itertools.islice(nodes, node_count))
            count = before + len(indices)
            if root != self.roots[size]:
                raise Failure(
                    "log",
                    f"log entries {before + 1}–{count} (leaves {indices[0]}–{indices[-1]}) are not all in the "
                    f"signed checkpoint of size {size}: its batch inclusion proof fails (an entry altered, "
                    "moved or reordered, or the proof)",
                )
        rest = sum(1 for _ in stream)  # to its end: entries without a leaf index, if any
        if rest:
            raise Failure("log", f"{count + rest} entries but {count} leaf indices in the inclusion proofs")
        if next(nodes, None) is not None:
            raise Failure("log", f"{d.INCLUSION_NODES} holds more nodes than the inclusion proofs use")
        kinds = self.listed_kinds
        missing = range(self.listed_at, min(len(kinds), self.listed_at + _NAMED_MISSING - len(self.missing)))
        self.missing.extend((self.listed_leaves[at], kinds[at]) for at in missing)
        self.entry_count = count
        if self.on_cast == self._ballot:
            self._finish_ballots()

    def _prepare_stream(self) -> None:
        """The small members the stream's per-ballot checks read (each is itself checked later, in its turn)."""
        topics, notice = self.load(d.TOPICS), self.load(d.NOTICE)
        with self.step("log"):
            self.topic_ids = [str(topic["topic_id"]) for topic in topics]
            self.topic_set = frozenset(self.topic_ids)
            # a ballot's answers are keyed by these: in code point order in orjson's output, UTF-16 order if ASCII
            self.ascii_topics = all(topic.isascii() for topic in self.topic_ids)
            self.window = (_instant(notice["starts_at"]), _instant(notice["ends_at"]))
        with self.step("notice"):
            self._read_roll()
        self._reset_stream()
        # the ballots' process needs nothing of what follows: forked now, it does not start with a copy of it
        self._fork_ballots()
        self._signed_index()

    def _reset_stream(self) -> None:
        """The per-vote state the log's pass builds, empty (again, when the pass runs a second time: the first's
        temporary files closed)."""
        for records in self.spilled:
            records.close()
        self.spilled.clear()
        self.on_cast: Callable[[_Entry], None] = self._ballot
        self.agreeing = False  # on_cast is _agree: the plain ballot.cast lines take ``_agreed_cast``
        # every entry but the ballot.cast, ballot.voided and paper.received ones, kept as records and arrays below
        self.entries = self._spilled(_Entries())
        self.leaves = array("q")  # every entry's leaf index, in leaf order
        self.cast_leaves = array("q")  # the ballot.cast entries' leaf indexes and created_at (µs since the epoch)
        self.cast_created = array("q")
        # Per bound entry: id (36 ASCII bytes), payload_sha256 (32), created_at (8, big-endian), sorted out of core
        # for the entry-set bindings; the same for the procedure's kinds (completeness.PROCEDURE_BOUND_KINDS).
        self.bound = self._spilled(spill.RecordSort(_BOUND_RECORD))
        self.bound_procedure = self._spilled(spill.RecordSort(_BOUND_RECORD))
        # The counted ballots, folded as they stream by: per topic (position), (answer, on paper) → [heads, area];
        # their groups (one counted ballot per group) and commitments (32 bytes each), nothing else per ballot.
        self.sums: list[dict[tuple[Any, bool], list[int]]] = [{} for _ in self.topic_ids]
        self.commitments = self._spilled(spill.RecordSort(32))  # sorted out of core for the counted set
        self.participating = [0, 0]
        # The void ballots and the ballot.voided entries, as records (ballot id, line or leaf, reason's digest) sorted
        # out of core by ballot id for the ballots check's merge; the first void ballot (in ballots.jsonl's order)
        # whose group is not in the roll; the voided entries' leaves and created_at (for the close and the times), and
        # the first one in log-time order (for the paper checks, R-PAPER-2).
        self.void_ballots = self._spilled(spill.RecordSort(_VOID.size))
        self.void_outside: tuple[str, str] | None = None
        self.voided = self._spilled(spill.RecordSort(_VOID.size))
        self.voided_leaves = array("q")
        self.voided_created = array("q")
        self.first_voided: tuple[str, int] | None = None
        self.answer_values: dict[Any, Any] = {}
        self.ballot_lines = self.lines(d.BALLOTS)
        self.ballots_seen = 0
        self.ballots_stopped = False
        self.listed_at = 0
        self.missing: list[tuple[int, str]] = []  # listed, not in the bundle: the first ``_NAMED_MISSING`` only
        self.unlisted: tuple[int, str] | None = None
        self.late_evidence: tuple[str, int] | None = None
        self.previous = -1
        # R-SUP-5 / R-PAPER-1: the window in force is known only once the stream is over; the earliest and the latest
        # cast_at seen (with their ballots) are checked against it then.
        self.cast_extremes: list[tuple[datetime, str, str]] = []
        self.cast_dates: set[bytes] = set()  # the valid dates of cast_at seen (``_cast_date``)
        # the answers checked canonical: (key, value) by their text or JSON (``_answers_of``)
        self.answer_keys: dict[str | bytes, tuple[Any, Any]] = {}
        # R-PAPER-1..4: the receptions, the paper ballots and (in a vote with receptions) the online ballots as
        # fixed-size records sorted by group out of core (``procedure.check_paper`` merges them); the paper ballots'
        # leaves in leaf order (8 bytes each, for the times check).
        self.receptions = self._spilled(spill.RecordSort(procedure.RECEPTION.size))
        self.paper_records = self._spilled(spill.RecordSort(procedure.PAPER_CAST.size))
        self.online_records = self._spilled(spill.RecordSort(procedure.ONLINE_CAST.size))
        self.paper_leaves = array("q")

    def _read_roll(self) -> None:
        """roll.jsonl as a stream: its hash (the canonical document: the header's members and ``groups`` the lines,
        hashed as they are, so a line not in canonical form no longer gives the signed roll hash) and each group's
        area, which the ballots' stream folds into the topics' sums. Checked against the signed hashes in turn."""
        lines = self.lines(d.ROLL)
        first = next(lines, None)
        if first is None:
            raise Failure("notice", f"{d.ROLL} is empty: it starts with its header line")
        header = _strict_json(first)
        if not isinstance(header, dict) or "groups" in header:
            raise ValueError(f"{d.ROLL}: the first line is the roll document without its groups")
        # its own bytes are hashed below as the canonical document's: a header in another layout is refused
        if canonical_bytes(header) != first:
            raise Failure("notice", f"{d.ROLL} line 1 (its header) is not in RFC 8785 canonical form")
        if header.keys() != _ROLL_HEADER_MEMBERS.get(header.get("format"), ()):
            raise Failure(
                "notice",
                f"{d.ROLL} line 1 (its header): members {sorted(header)} are not the roll document's but its groups "
                f"({sorted(_ROLL_HEADER_MEMBERS.get(header.get('format'), ()))} for format {header.get('format')!r})",
            )
        total = header["total"]
        if type(total) is not dict or total.keys() != {"heads", "area"} or {type(v) for v in total.values()} != {int}:
            raise Failure("notice", f"{d.ROLL} line 1 (its header): total {total!r} is not {{heads, area}} in integers")
        prefix, suffix = canonical_bytes({**header, "groups": []}).split(b'"groups":[]', 1)
        digest = hashlib.sha256(prefix + b'"groups":[')
        self.group_area = group_area = spill.GroupAreas()  # compact: ~50 bytes a group, no object per group
        count = 0
        # in blocks of lines: hashed joined, their ids and areas added a block at a time (``GroupAreas.add_keys``)
        while block := list(itertools.islice(lines, _ROLL_BLOCK)):
            digest.update(b"," + b",".join(block) if count else b",".join(block))
            count += len(block)
            heads = native.roll_heads(block)  # every line's head, or None: the block line by line, as written
            if heads is not None:
                group_area.add_keys(*heads)
                continue
            keys: list[bytes] = []
            areas: list[int] = []
            for line in block:
                head = native.ROLL_LINE_HEAD.match(line)  # a canonical group line starts with its area and group id
                if head is not None:
                    area_text, key = head.groups()
                    keys.append(key)
                    areas.append(int(area_text))
                    continue
                group_area.add_keys(keys, areas)
                keys, areas = [], []
                group = _decode(line.decode("utf-8"))
                area = group["area"]
                if type(area) is not int:
                    raise ValueError(f"group {group['group_id']}: area {area!r} is not an integer")
                group_area.add(str(group["group_id"]), area)
            group_area.add_keys(keys, areas)
        digest.update(b"]" + suffix)
        self.roll_header: dict[str, Any] = header
        self.roll_hash = digest.hexdigest()
        self.roll_groups = count

    def _signed_index(self) -> None:
        """The signed export index, checked now and kept compact (leaf array, kind codes) for the stream's
        merge; what is wrong with it is reported in the completeness check's turn."""
        self.listed_leaves = array("q")
        self.listed_kinds = _Kinds()
        try:  # as the exporter writes it: read as a stream, its canonical bytes rebuilt beside the arrays
            index, signature_text, message = _plain_index(self._chunks(d.INDEX), self.listed_leaves, self.listed_kinds)
            signed_index: Any = {"index": index, "signature": signature_text}
            self.files.pop(d.INDEX, None)
            streamed = True
        except _NotPlain:  # anything else: read whole, as before, which names what is wrong
            self.listed_leaves, self.listed_kinds, message, streamed = array("q"), _Kinds(), None, False
            signed_index = self.load(d.INDEX)
            self.json.pop(d.INDEX)
        self.online_kept = False  # (set below from the listed kinds; a malformed index fails completeness first)
        self.cast_code = -1  # the listed ballot.cast entries' kind code (-1: none listed)
        try:
            # the streamed form has exactly these members (``_plain_index``); read whole, they are checked here
            problem = _members_problem(signed_index, d.INDEX_MEMBERS) if type(signed_index) is dict else "not an object"
            if problem is None and not streamed and type(signed_index["index"]) is dict:
                problem = _members_problem(signed_index["index"], d.EXPORT_INDEX_MEMBERS)
                problem = problem and f"index: {problem}"
            if problem is not None:
                self.defer("completeness", f"{d.INDEX}: {problem}")
                return
            index = signed_index["index"]
            signature = _b64(signed_index["signature"])
            latest = self.latest_checkpoint
            if message is None:
                message = canonical_bytes(index)
            if len(signature) != SIGNATURE_SIZE or not verify(self.public_key, message, signature):
                self.defer("completeness", "log/index.json: the log key's signature of the index does not verify")
            elif index["format"] != completeness.EXPORT_INDEX_FORMAT or index["vote_id"] != self.vote_id:
                self.defer("completeness", "log/index.json is not an entry index of this vote")
            elif (index["tree_size"], _b64(index["root_hash"])) != (latest.size, latest.root_hash):
                self.defer(
                    "completeness",
                    f"the signed entry index is of the log at size {index['tree_size']}, the bundle's latest "
                    f"checkpoint is of size {latest.size}: the checkpoint or the index was replaced",
                )
            for item in () if streamed else index["entries"]:
                leaf, kind = item  # a pair: [leaf index, kind]
                if type(item) is not list or type(leaf) is not int or type(kind) is not str:
                    raise ValueError(f"{d.INDEX}: entry {item!r} is not [leaf index, kind]")
                self.listed_leaves.append(leaf)
                self.listed_kinds.append(kind)
        except (KeyError, IndexError, TypeError, ValueError, AttributeError, OverflowError) as error:
            self.defer("completeness", f"malformed or inconsistent data ({type(error).__name__}: {error})")
        # The online ballots matter to the paper checks only beside a reception (R-PAPER-2): kept when the index lists
        # one (an unlisted reception fails the completeness check, before the paper checks).
        self.online_kept = EventKind.PAPER_RECEIVED in self.listed_kinds.code
        self.cast_code = self.listed_kinds.code.get(EventKind.BALLOT_CAST, -1)

    def _inclusion(self) -> Any:
        """log/inclusion.json: as the exporter writes it, its leaf indices straight into arrays (``_plain_inclusion``);
        anything else parsed whole by the strict parser, as before."""
        name = d.INCLUSION
        raw = self._raw(name)
        try:
            return {"proofs": _plain_inclusion(raw)}
        except _NotPlain:
            self.files[name] = raw
            inclusion = self.load(name)
        # read whole: exactly the members the exporter's form has (§5.4), as ``_plain_inclusion`` requires of it
        problem = _members_problem(inclusion, d.INCLUSION_MEMBERS) if type(inclusion) is dict else "not an object"
        for proof in inclusion["proofs"] if problem is None and type(inclusion["proofs"]) is list else ():
            problem = _members_problem(proof, d.INCLUSION_PROOF_MEMBERS) if type(proof) is dict else "not an object"
            if problem is not None:
                problem = f"a proof: {problem}"
                break
        if problem is not None:
            raise Failure("log", f"{name}: {problem}")
        return inclusion

    def _batch(self, proof: Any) -> tuple[int, Sequence[int], int]:
        """One batch proof of log/inclusion.json: its checkpoint's size, its leaf indices and its node count."""
        size, indices, node_count = proof["tree_size"], proof["leaf_indices"], proof["nodes"]
        if type(size) is not int or size not in self.roots:
            raise Failure("log", f"an inclusion proof is for a tree of size {size!r}, not a signed checkpoint's")
        if type(indices) is array:  # read by ``_plain_inclusion``: integers already, and never empty
            return size, indices, node_count
        if type(indices) is not list or not indices or not all(type(index) is int for index in indices):
            raise Failure("log", "an inclusion proof's leaf_indices are not a non-empty list of integers")
        if type(node_count) is not int or node_count < 0:
            raise Failure("log", f"an inclusion proof's node count {node_count!r} is not a non-negative integer")
        try:  # held while the log streams: 8 bytes a leaf index in an array, ~36 in a list
            return size, array("q", indices), node_count
        except OverflowError:  # beyond 64 bits: kept as they are (the proof then fails on them)
            return size, indices, node_count

    def _nodes(self) -> Iterator[bytes]:
        """log/inclusion.bin as a stream of 32-byte nodes (a short last node is yielded short: the proof fails)."""
        name = d.INCLUSION_NODES
        try:
            with _open_member(self.archive, name) as stream:
                digest, size = hashlib.sha256() if name in self.pending else None, 0
                while chunk := stream.read(CHUNK_BYTES):  # CHUNK_BYTES is a multiple of HASH_SIZE
                    if digest is not None:
                        digest.update(chunk)
                        size += len(chunk)
                    ends = range(HASH_SIZE, len(chunk) + HASH_SIZE, HASH_SIZE)  # sliced in C, not a line a node
                    yield from map(chunk.__getitem__, map(slice, range(0, len(chunk), HASH_SIZE), ends))
                if digest is not None and name in self.pending:
                    self._settle(name, size, digest.hexdigest())
        except UNREADABLE_MEMBER as error:
            raise Failure("bundle", f"member {d.INCLUSION_NODES} is unreadable ({error})") from error

    def _leaves_of(self, lines: Iterator[bytes], indices: Sequence[int]) -> Iterator[tuple[int, bytes]]:
        """``_proven``, or the same a block of lines at a time (``_proven_blocks``) while the ballots' process checks
        the ballots (``agreeing``) and the native module is built."""
        codes = self.listed_kinds.codes
        if (
            native.cast_block is None
            or not self.agreeing
            or type(indices) is not array
            or type(codes) is not bytearray
            or len(self.vote_bytes) != _UUID_BYTES
        ):
            return self._proven(lines, indices)
        return itertools.chain.from_iterable(self._proven_blocks(native.cast_block, lines, indices, codes))

    def _proven_blocks(
        self, cast_block: native.CastBlock, lines: Iterator[bytes], indices: array[int], codes: bytearray
    ) -> Iterator[list[tuple[int, bytes]]]:
        """``_proven`` for blocks of up to ``_CAST_BLOCK`` lines, its items in lists: from the front of a block, the
        lines ``_agreed_cast`` takes with nothing left for Python (``native.cast_block``: ``ballot.cast`` lines in the
        server's form, each the next entry the index lists, inside the result's checkpoint, created_at an instant and
        cast_at one no later than it allows, a grant that fits) taken in C, and what ``_entry`` does for them done in
        bulk; the line it declines taken by ``_entry`` as ``_proven`` takes it, and so on. The same state, line for
        line (tests/verifier/test_native_log.py); a block's lines are read before the proof's root pulls them, which
        changes nothing but when a failure of the stream itself is met (the pass, failing, is then run again the
        reference way: ``_log_pass_beside_ballots``)."""
        sha256, listed, vote = hashlib.sha256, self.listed_leaves, self.vote_bytes
        result_size = min(self.result_checkpoint.size, _INT64_MAX)  # (no leaf index is larger: the same answers)
        first, end = 0, len(indices)
        while first < end:
            wanted = min(_CAST_BLOCK, end - first)
            block = list(itertools.islice(lines, wanted))
            at = 0
            while at < len(block):
                taken, pairs, self.previous, self.listed_at, leaves, bound, created, agreement, online = cast_block(
                    block, at, indices, first + at, self.previous, self.listed_at, listed, codes, self.cast_code,
                    vote, result_size, self.online_kept, _GRANT_BASES_TUPLE, MAX_LEAF_BYTES,
                    TIME_TOLERANCE_MICROS,
                )  # fmt: skip
                if taken:
                    self.leaves.frombytes(leaves)
                    self.cast_leaves.frombytes(leaves)
                    self.cast_created.frombytes(created)
                    self.bound.add_records(bound)
                    if online:
                        self.online_records.add_records(online)
                    self.agreement.update(agreement)
                    yield pairs
                    at += taken
                if at < len(block):
                    index, line = indices[first + at], block[at]
                    try:
                        self._entry(line, index)
                    except ValueError as error:  # as ``_proven``
                        raise Failure(
                            "log", f"log entry at leaf {index} is malformed ({error}) (entry altered)"
                        ) from error
                    yield [(index, sha256(b"\x00" + line).digest())]
                    at += 1
            first += len(block)
            if len(block) < wanted:
                raise Failure(
                    "log", f"fewer entries than leaf indices in the inclusion proofs (none for leaf {indices[first]})"
                )

    def _proven(self, lines: Iterator[bytes], indices: Sequence[int]) -> Iterator[tuple[int, bytes]]:
        """Each leaf index of a batch proof with the next line of log/entries.jsonl, checked (``_entry``), as
        (leaf index, leaf hash) for ``merkle.multi_root``."""
        sha256 = hashlib.sha256
        for index in indices:
            line = next(lines, None)
            if line is None:
                raise Failure("log", f"fewer entries than leaf indices in the inclusion proofs (none for leaf {index})")
            try:
                self._entry(line, index)
            except ValueError as error:  # e.g. a time that is no instant (month 13, 30 February)
                raise Failure("log", f"log entry at leaf {index} is malformed ({error}) (entry altered)") from error
            # The line is the entry's leaf data: its bytes, proven in the signed tree, are what the log committed to.
            yield index, sha256(b"\x00" + line).digest()

    def _entry(self, line: bytes, index: int) -> None:
        """One log entry at the leaf its batch inclusion proof names (and, for a ``ballot.cast`` entry, its ballot)."""
        if index <= self.previous:
            raise Failure(
                "log",
                f"log entries out of order: leaf {index} is listed after leaf {self.previous} "
                "(entries reordered or duplicated)",
            )
        self.previous = index
        if len(line) > MAX_LEAF_BYTES:
            raise Failure("log", f"log entry at leaf {index} is longer than {MAX_LEAF_BYTES} bytes")
        if self.agreeing and self._agreed_cast(line, index):
            return
        document = _document(line)
        if not isinstance(document, dict) or document.get("vote_id") != self.vote_id:
            raise Failure("log", f"log entry at leaf {index} is not of this vote")
        try:
            _check_leaf(line, document)
        except ValueError as error:
            raise Failure("log", f"log entry at leaf {index}: {error} (entry altered)") from error
        kind = document["kind"]
        self.leaves.append(index)
        self._listed(index, kind)
        if kind in EVIDENCE_KINDS and index >= self.result_checkpoint.size and self.late_evidence is None:
            self.late_evidence = (kind, index)
        created = _micros(document["created_at"])
        if kind in completeness.LEGACY_BOUND_KINDS:
            self.bound += (
                document["id"].encode("ascii") + bytes.fromhex(document["payload_sha256"]) + created.to_bytes(8)
            )
        elif kind in completeness.PROCEDURE_BOUND_KINDS:  # issue #17's entries, bound since (few per vote)
            self.bound_procedure += (
                document["id"].encode("ascii") + bytes.fromhex(document["payload_sha256"]) + created.to_bytes(8)
            )
        entry = _Entry(index, document)
        if kind == EventKind.BALLOT_CAST:
            self.cast_leaves.append(index)
            self.cast_created.append(created)
            payload = document["payload"]
            cast_at = _micros(payload.get("cast_at", document["created_at"]))
            if cast_at - created > TIME_TOLERANCE_MICROS:
                self.defer("times", self._contradiction(entry, "cast_at", "after"))
            if payload.get("channel") == "PAPER":
                self.paper_records += procedure.paper_cast_record(procedure.Cast.of(index, document), created)
                self.paper_leaves.append(index)
            elif self.online_kept:
                self.online_records += procedure.online_cast_record(
                    str(ballot_commitments.logged_group(payload)), index, cast_at
                )
            self.on_cast(entry)
            return
        if kind == EventKind.BALLOT_VOIDED:  # a record and two array items, not the document (as many as the ballots)
            payload = document["payload"]
            self.voided += _void_record(str(payload["ballot_id"]), index, payload["reason"])
            self.voided_leaves.append(index)
            self.voided_created.append(created)
            first = (str(document["created_at"]), index)
            if self.first_voided is None or first < self.first_voided:
                self.first_voided = first
            return
        if kind == EventKind.PAPER_RECEIVED:  # a record, not the document (as many as the groups)
            self.receptions += procedure.reception_record(index, created, document["payload"], self.group_area)
            return
        self.entries.append(index, kind, line)

    def _agreed_cast(self, line: bytes, index: int) -> bool:
        """``_entry`` then ``_agree`` for a ``ballot.cast`` line in the server's own form (``_CAST_SHAPE``), from its
        bytes without parsing it: every check of the two on the matched members (vote, payload hash, order in the
        index, late evidence, entry-set record, times, grant, the agreement's line). False, with nothing done, for
        any other line (a paper ballot's included: ``procedure.Cast`` needs its document), which the two then take.

        The line is matched by ``_cast_fields`` (a looser expression, then class checks: fewer instructions than one
        expression with every character class); it accepts the lines that strict expression does, with the same
        fields (tests/verifier/test_cast_line.py)."""
        fields = _cast_fields(line)
        if fields is None:
            return False
        created_at, estate, entry_id, ballot_id, basis, cast_at, channel, commitment, grant, group, digest, vote = (
            fields
        )
        if vote != self.vote_bytes or channel == b"PAPER":
            return False
        payload = line[_CAST_PAYLOAD[len(estate)] : -_CAST_TAIL]
        preimage = b"".join((
            b'{"estate_id":"', estate, b'","kind":"ballot.cast","payload":', payload, b',"vote_id":"', vote, b'"}',
        ))  # fmt: skip
        payload_sha256 = hashlib.sha256(preimage).digest()
        if binascii.hexlify(payload_sha256) != digest:  # (64 lowercase hex digits: equal text, equal bytes)
            return False  # the reference check names it
        self.leaves.append(index)
        at, listed = self.listed_at, self.listed_leaves
        if at < len(listed) and listed[at] == index and self.listed_kinds.codes[at] == self.cast_code:
            self.listed_at = at + 1  # ``_listed``'s common case: the index lists this entry next
        else:
            self._listed(index, EventKind.BALLOT_CAST)
        if index >= self.result_checkpoint.size and self.late_evidence is None:
            self.late_evidence = (EventKind.BALLOT_CAST, index)
        created = _micros(created_at.decode())
        self.bound.add(entry_id + payload_sha256 + created.to_bytes(8))
        self.cast_leaves.append(index)
        self.cast_created.append(created)
        # the server writes cast_at as created_at's own instant (``+00:00`` for ``Z``): no later, no parse needed
        same = cast_at == created_at[:-1] + b"+00:00"
        if not same and _micros(cast_at.decode()) - created > TIME_TOLERANCE_MICROS:
            self.defer("times", self._contradiction(_Entry(index, _document(line)), "cast_at", "after"))
        if self.online_kept:  # a vote with receptions: R-PAPER-2's check reads its online ballots, as ``_entry`` keeps
            cast_micros = created if same else _micros(cast_at.decode())
            self.online_records += procedure.online_cast_record(group.decode(), index, cast_micros)
        if (grant or basis in _GRANT_BASES_BYTES) and not _grant_fits(grant.decode(), basis.decode()):
            self.disagreed = True  # (no grant and a basis that rests on none: it fits)
        self.agreement.update(_AGREEMENT_LINE % (ballot_id, commitment, group, basis, channel, cast_at, entry_id))
        return True

    def _listed(self, leaf: int, kind: str) -> None:
        """Merge the bundle's entries with the signed export index (both in leaf order): what is missing or extra."""
        leaves, kinds, at = self.listed_leaves, self.listed_kinds, self.listed_at
        while at < len(leaves) and leaves[at] < leaf:
            if len(self.missing) < _NAMED_MISSING:
                self.missing.append((leaves[at], kinds[at]))
            at += 1
        if at < len(leaves) and leaves[at] == leaf and kinds.codes[at] == kinds.code.get(kind):
            at += 1
        elif self.unlisted is None:
            self.unlisted = (leaf, kind)
        self.listed_at = at

    def _finish_ballots(self) -> None:
        """After the last ``ballot.cast`` entry: a ballot line left over is one without its entry; the counted
        groups' marks (``_keep``) cleared."""
        self.group_area.clear_counts()
        for line in self.ballot_lines:
            if self.ballots_stopped:
                break
            ballot = _strict_json(line)
            ballot_id = str(ballot["ballot_id"])
            if self._cast_entry_of(ballot_id) is not None:
                self.defer("ballots", f"ballot {ballot_id} is listed twice")
            else:
                self.defer(
                    "ballots",
                    f"ballot {ballot_id} (group {ballot['group_id']}) has no ballot.cast entry in the signed log: "
                    "it was added after the fact",
                )
            break
        del self.ballot_lines

    # --- per ballot, in the stream ----------------------------------------------------------------------

    def _ballot(self, entry: _Entry) -> None:
        """The next line of ballots.jsonl is the ballot of this ``ballot.cast`` entry: check it against the entry,
        the roll and the published window and topics; keep only what the tally needs of a counted ballot."""
        if self.ballots_stopped:
            return
        recorded = entry.payload
        ballot_id = str(recorded["ballot_id"])
        line = next(self.ballot_lines, None)
        if line is None:
            self._ballot_missing(entry)
            return
        try:
            ballot = _canonical_object(line, _canonical_ballot)
        except (UnicodeDecodeError, ValueError, RecursionError) as error:
            self.defer("ballots", f"ballots.jsonl: the ballot of the ballot.cast entry at leaf {entry.leaf_index} is "
                       f"not a canonical JSON ballot ({error})")  # fmt: skip
            self.ballots_stopped = True
            return
        problem = _members_problem(ballot, d.BALLOT_MEMBERS)
        if problem is not None:
            self.defer("ballots", f"ballot {ballot.get('ballot_id', ballot_id)}: {problem} (ballots.jsonl, the ballot "
                       f"of the ballot.cast entry at leaf {entry.leaf_index})")  # fmt: skip
            self.ballots_stopped = True
            return
        self.ballots_seen += 1
        if str(ballot["ballot_id"]) != ballot_id:
            self._ballot_missing(entry)
            return
        group = str(ballot["group_id"])
        failure = self._ballot_failure(entry, ballot, ballot_id, group)
        if failure is not None:
            self.defer("ballots", failure)
        self._keep(ballot_id, ballot, group)

    def _keep(self, ballot_id: str, ballot: dict[str, Any], group: str) -> None:
        """A ballot checked against its entry: its answers against the published topics, and what the later checks
        need of it kept (void ballots by id; a counted ballot folded into the sums, its group and commitment)."""
        if type(ballot["answers"]) is not dict or ballot["answers"].keys() != self.topic_set:
            self.defer("publicity", f"ballot {ballot_id} answers topics other than the published ones")
            return
        self._cast_extremes(ballot_id, ballot["cast_at"])
        status = ballot["status"]
        if status == "VOID":  # its line's position in ballots.jsonl (one line a ballot seen)
            self.void_ballots += _void_record(ballot_id, self.ballots_seen - 1, ballot["void_reason"])
            if self.void_outside is None and group not in self.group_area:
                self.void_outside = (ballot_id, group)
        elif status == "COUNTED":
            if ballot["void_reason"] is not None:
                self.defer("ballots", f"ballot {ballot_id} is counted but has a void_reason")
            group_area = self.group_area
            position = group_area.find(group)
            if position < 0:
                self.defer("ballots", f"ballot {ballot_id}: group {group} is not in the roll")
                return
            if group_area.counted(position):  # counted already (marked below)
                self.defer("ballots", f"group {group} has two counted ballots")
                return
            # Counted: marked in the roll's own map (a byte a group), instead of a set of counted groups.
            area = group_area.count(position)
            self.participating[0] += 1
            self.participating[1] += area
            paper, answers = ballot["channel"] == "PAPER", ballot["answers"]
            for sums, topic in zip(self.sums, self.topic_ids, strict=True):
                answer = answers[topic]
                summed = sums.get(key := (answer if type(answer) is str else self._answer_key(answer), paper))
                if summed is None:
                    sums[key] = [1, area]
                else:
                    summed[0] += 1
                    summed[1] += area
            commitment = ballot["content_hash"]
            if not isinstance(commitment, str) or not _HEX64.fullmatch(commitment):
                self.defer("ballots", f"ballot {ballot_id}: content hash {commitment!r} is not 64 hex digits")
                return
            self.commitments += bytes.fromhex(commitment)
        else:
            self.defer("ballots", f"ballot {ballot_id} has status {status!r}")

    # --- the ballots in a process of their own (jobs > 1) ------------------------------------------------

    def _log_pass_beside_ballots(self, proofs: list[tuple[int, Sequence[int], int]]) -> bool:
        """With jobs > 1, ``_log_pass`` while a forked process checks ballots.jsonl (``_ballots_alone``). Each side
        folds the fields a ballot and its ``ballot.cast`` entry must agree on into a running digest (``_agreement``):
        equal digests over as many ballots as entries, and nothing wrong found on either side, mean every check of a
        ballot against its entry holds, and the other process's per-vote state is taken. Anything else (a failure of
        the log, an unequal digest, a ballot that would fail, no answer) gives False with the state reset: the
        caller runs the pass again the reference way, which names what is wrong, exactly as one process does."""
        if self.ballot_child is None:
            return False
        deferred = dict(self.deferred)
        self.on_cast, self.agreeing = self._agree, True
        try:
            with self.step("log"):
                self._log_pass(proofs)
        except MemberChanged:
            raise
        except Exception:  # whatever failed first, ballots included, is found by the reference pass
            self._stop_ballot_child()
            agreed = False
        else:
            agreed = self._take_ballots_state()
        if not agreed:
            self.deferred = deferred
            self._reset_stream()
        return agreed

    def _fork_ballots(self) -> None:
        """With ``jobs`` > 1, ballots.jsonl is checked in a process of its own (``_ballots_alone``), forked once the
        stream's small members are read (the topics, the roll's areas): it starts with them and the empty state."""
        self.agreement, self.disagreed = hashlib.sha256(), False
        if self.jobs >= 2:
            self.ballot_child = self._fork_child(self._ballots_alone)

    def _agree(self, entry: _Entry) -> None:
        """This ``ballot.cast`` entry's side of the agreement (``_agreement``): the fields its ballot must carry."""
        recorded = entry.payload
        # the grant is checked against the entry's basis: the ballot's, once the digests agree
        if "grant" in recorded and not _grant_fits(recorded["grant"], recorded["basis"]):
            self.disagreed = True
        fields = (
            str(recorded["ballot_id"]), ballot_commitments.is_commitment_entry(recorded),
            recorded.get("scan_sha256"), ballot_commitments.logged_hash(recorded),
            ballot_commitments.logged_group(recorded), recorded["basis"], recorded["channel"], recorded["cast_at"],
            entry.document["id"],
        )  # fmt: skip
        self.disagreed |= not _agreement(self.agreement, fields)

    def _ballots_alone(self, pipe: BinaryIO) -> None:
        """In the forked process: every line of ballots.jsonl checked on its own (``_ballot_alone``). Written to the
        pipe: a frame with the per-vote state, the agreement's digest and whether anything went wrong (pickled), then
        the counted commitments sorted, in frames of ``spill.READ_BYTES`` (``_frames``), then an empty frame; then the
        void ballots' records the same way.

        The commitments go to a sort of this process's own: the parent's (``_reset_stream``) may hold temporary files
        whose descriptions are shared across the fork. The counted groups' marks (``_keep``) are made in this
        process's copy of the roll's map, which the parent never sees."""
        self.hashed, self.deferred = {}, {}
        with spill.RecordSort(32) as self.commitments, spill.RecordSort(_VOID.size) as self.void_ballots:
            self._ballot_lines(self.lines(d.BALLOTS))
            state = (
                self.sums, self.answer_values, self.void_outside, self.participating, self.cast_extremes,
            )  # fmt: skip
            clean = not self.disagreed and not self.deferred
            _write_frame(pipe, pickle.dumps((clean, self.ballots_seen, self.agreement.digest(), state, self.hashed)))
            if clean:
                for records in (self.commitments, self.void_ballots):
                    for block in records.sorted_blocks():
                        _write_frame(pipe, block)
                    _write_frame(pipe, b"")

    def _ballot_lines(self, lines: Iterable[bytes]) -> int:
        """Each line checked on its own (``_ballots_alone``), in order: runs of counted ballots as the server writes
        them by ``_counted_run``, any other line by ``_ballot_alone``; up to the end, or to the first line that
        would not hold (the parent then runs the reference pass). The number of lines ``_counted_run`` took.

        With the native core the runs' lines are taken in C (``_native_counted_run``), pulled from the stream a
        block at a time: the lines pulled but not yet taken wait for the next run."""
        run: Callable[[], tuple[int, bytes | None]]
        if native.counted_lines is not None:
            counted = native.counted_lines(self, _instant, _dumps_sorted, _COMMITMENT_DOMAIN, self.topic_ids)
            pulled = _Pulled(iter(lines))
            run = functools.partial(self._native_counted_run, pulled, counted)
        else:
            run = functools.partial(self._counted_run, iter(lines))
        taken = 0
        while True:
            count, line = run()
            taken += count
            if line is None:
                return taken
            self._ballot_alone(line)
            if self.disagreed or self.deferred:
                return taken

    def _native_counted_run(self, pulled: _Pulled, counted: native.CountedLines) -> tuple[int, bytes | None]:
        """``_counted_run`` with its loop's work on each line done in C (app/verifier/_native_ballots.pyx) a block
        of lines at a time, up to each hand-over of ``_RUN_BLOCK`` lines, and ``_spread`` in C: the same state
        after, in the same order."""
        counted.start()
        digests, taken, left = bytearray(), 0, None
        while True:
            if pulled.at == len(pulled.block):
                pulled.block, pulled.at = list(itertools.islice(pulled.stream, _PULLED_LINES)), 0
                if not pulled.block:
                    break
            at, count, stopped = counted.take(pulled.block, pulled.at, _RUN_BLOCK - taken % _RUN_BLOCK, digests)
            pulled.at, taken = at, taken + count
            if count and not taken % _RUN_BLOCK:
                self.commitments.add_records(digests)
                digests.clear()
                counted.spread(self.sums, self.participating, self.answer_values, _RUN_TALLY)
            if stopped:
                left, pulled.at = pulled.block[at], at + 1
                break
        self.commitments.add_records(digests)
        counted.spread(self.sums, self.participating, self.answer_values, -1)
        earliest, early_id, latest, late_id = counted.extremes()
        if latest:
            self._merge_extremes(earliest, early_id, latest, late_id)
        self.ballots_seen += taken
        return taken, left

    def _counted_run(self, stream: Iterator[bytes]) -> tuple[int, bytes | None]:
        """``_ballot_alone`` for the next lines that are counted ballots as the server writes them (canonical,
        commitment format, no scan hash, plain strings, cast_at in UTC to the microsecond), from the lines' bytes:
        how many it took, and the first line it leaves (None at the end), on which nothing was done.

        A line is ``{"answers":`` + its answers + the members ``_COUNTED_TAIL`` matches byte for byte: canonical
        when its answers' bytes are, and then their bytes mean one value (JSON has one parse). The commitment's
        preimage is made of the line's own bytes (§4). Its answers are parsed and checked once per distinct bytes
        (``_answers_of``), and each ballot is one count in a tally by those bytes and the channel's paper flag, spread
        to the per-topic sums (``_spread``) in the order the tally's keys first came, which is each sum's keys' order:
        the state left is ``_ballot_alone``'s. The earliest and latest cast_at in the server's format are kept as
        text (one format: its order is the instants'), parsed when the run ends or meets a cast_at in another format
        (``_merge_extremes``); the commitments' digests are handed to their sort a block at a time."""
        tally: dict[bytes, list[Any]] = {}
        dates, check_date, answers_of = self.cast_dates, self._cast_date, self._answers_of
        claim, areas = self.group_area.claim_key, self.group_area.areas
        update, match, sha256 = self.agreement.update, _COUNTED_TAIL.fullmatch, hashlib.sha256
        hexlify = binascii.hexlify
        domain, nonce_at, vote_end = _COMMITMENT_DOMAIN, _COMMITMENT_NONCE, b'","vote_id":"' + self.vote_bytes + b'"}'
        agreement_line, tail_at = _AGREEMENT_LINE, _COUNTED_TAIL_AT
        earliest, early_id, latest, late_id = b"\xff", b"", b"", b""
        digests, taken, left = bytearray(), 0, None
        answers: tuple[tuple[Any, Any], ...] | None = None
        for line in stream:
            end = line.rfind(tail_at)  # -1: the match below starts at 0, where the line would have it (no match)
            found = match(line, end)
            if found is None:
                left = line
                break
            entry_id, ballot_id, fields, basis, cast_at, date, channel, digest, group, nonce = found.groups()
            head = line[: end + 1]  # ``{"answers":`` and the answers (checked by ``_answers_of``)
            raw = sha256(b"".join((head, fields, domain, group, nonce_at, nonce, vote_end))).digest()
            if hexlify(raw) != digest:
                left = line
                break
            if date is None:  # cast_at in another format: read now, taken in its turn below (``_cast_extremes``)
                try:
                    _instant(cast_at.decode())
                except ValueError:
                    left = line
                    break
            elif date not in dates and not check_date(date):
                left = line
                break
            paper = channel == b"PAPER"
            key = b"P" + head if paper else head  # a head begins with ``{``
            summed = tally.get(key)
            if summed is None and (answers := answers_of(head)) is None:
                left = line
                break
            position = claim(group)  # the group marked counted: every check holds from here on
            if position < 0:
                left = line
                break
            area = areas[position]
            if summed is None:
                tally[key] = [1, area, answers, paper]
            else:
                summed[0] += 1
                summed[1] += area
            if date is None:
                if latest:  # the run's extremes so far first, then this one's
                    self._merge_extremes(earliest, early_id, latest, late_id)
                    earliest, early_id, latest, late_id = b"\xff", b"", b"", b""
                self._cast_extremes(ballot_id.decode(), cast_at.decode())
            else:
                if cast_at < earliest:
                    earliest, early_id = cast_at, ballot_id
                if cast_at >= latest:
                    latest, late_id = cast_at, ballot_id
            update(agreement_line % (ballot_id, digest, group, basis, channel, cast_at, entry_id))
            digests += raw
            taken += 1
            if not taken % _RUN_BLOCK:
                self.commitments.add_records(digests)
                digests.clear()
                if len(tally) > _RUN_TALLY:
                    self._spread(tally)
                    tally.clear()
        self.commitments.add_records(digests)
        self._spread(tally)
        if latest:
            self._merge_extremes(earliest, early_id, latest, late_id)
        self.ballots_seen += taken
        return taken, left

    def _answers_of(self, head: bytes) -> tuple[tuple[Any, Any], ...] | None:
        """A line's answers (``{"answers":`` and their bytes) as ``_keep`` sums them: per published topic, the key
        (``_answer_key``: the text itself, or its JSON) and the value; None unless the bytes are the canonical JSON
        of an object whose members are exactly the published topics (§5.1: orjson writes them back unchanged, member
        names ASCII, every answer but a text walked by ``is_canonical_form``: no float, no integer beyond 2^53 - 1,
        members in RFC 8785's order; one parse: no repeated member)."""
        if not head.startswith(_ANSWERS_HEAD) or not self.ascii_topics:
            return None
        text = head[len(_ANSWERS_HEAD) - 1 :]
        try:
            answers = _loads(text)
            if type(answers) is not dict or answers.keys() != self.topic_set or _dumps_sorted(answers) != text:
                return None
            keys: list[tuple[Any, Any]] = []
            known = self.answer_keys  # each answer's (key, value) shared by the tally's keys that hold it
            for topic in self.topic_ids:
                answer = answers[topic]
                if type(answer) is str:
                    pair = known.get(answer)
                    if pair is None:
                        pair = (answer, answer)
                        if len(known) < _KNOWN_ANSWERS:
                            known[answer] = pair
                    keys.append(pair)
                    continue
                serialised = _dumps_sorted(answer)
                pair = known.get(serialised)
                if pair is None:  # walked once, then known (a bounded number of them)
                    if not is_canonical_form(answer, serialised):
                        return None
                    pair = (("json", serialised), answer)
                    if len(known) < _KNOWN_ANSWERS:
                        known[serialised] = pair
                keys.append(pair)
            return tuple(keys)
        except (ValueError, TypeError, RecursionError):  # not JSON, or what orjson cannot write: ``_ballot_alone``
            return None

    def _cast_date(self, date: bytes) -> bool:
        """Whether a cast_at's date (``YYYY-MM-DD``, ``_COUNTED_TAIL``) is one ``_instant`` reads (its time of day is
        matched in range); kept in ``cast_dates`` when it is."""
        try:
            _instant(date.decode() + "T00:00:00+00:00")
        except ValueError:
            return False
        self.cast_dates.add(date)
        return True

    def _spread(self, tally: dict[bytes, list[Any]]) -> None:
        """A run's tally (``_counted_run``) added to the per-topic sums and the participation, as ``_keep`` adds
        each of its ballots: in the order its keys first came (a sum's key first comes with the tally key of the
        ballot that first brought it), a value kept for each answer that is not text."""
        participating, values = self.participating, self.answer_values
        for count, area, answers, paper in tally.values():
            participating[0] += count
            participating[1] += area
            for sums, (key, answer) in zip(self.sums, answers, strict=True):
                summed = sums.get(sum_key := (key, paper))
                if summed is None:
                    if type(key) is not str:
                        values.setdefault(key, answer)
                    sums[sum_key] = [count, area]
                else:
                    summed[0] += count
                    summed[1] += area

    def _merge_extremes(self, earliest: bytes, early_id: bytes, latest: bytes, late_id: bytes) -> None:
        """A run's earliest and latest cast_at (``_counted_run``) merged into ``cast_extremes`` as
        ``_cast_extremes`` would have taken its ballots one by one (the first of equal earliest, the last of equal
        latest)."""
        early_text, late_text = earliest.decode(), latest.decode()
        first = (_instant(early_text), early_id.decode(), early_text)
        last = (_instant(late_text), late_id.decode(), late_text)
        extremes = self.cast_extremes
        if not extremes:
            extremes += [first, last]
            return
        if first[0] < extremes[0][0]:
            extremes[0] = first
        if last[0] >= extremes[1][0]:
            extremes[1] = last

    def _ballot_alone(self, line: bytes) -> None:
        """``_ballot`` without its entry: the line's own checks (its commitment recomputed equals its content hash),
        and its side of the agreement. What it cannot decide alone marks the pass as disagreeing (``disagreed``)."""
        try:
            ballot = _canonical_object(line, _canonical_ballot)
            # exactly the documented members: as many, each read below by name (a KeyError for a missing one)
            if len(ballot) != _BALLOT_MEMBER_COUNT:
                self.disagreed = True
                return
            self.ballots_seen += 1
            ballot_id, group = str(ballot["ballot_id"]), str(ballot["group_id"])
            nonce, scan = ballot["nonce"], ballot["scan_sha256"]
            basis, channel, cast_at = ballot["basis"], ballot["channel"], ballot["cast_at"]
            digest = _fast_commitment(self.vote_id, ballot["answers"], group, basis, channel, cast_at,
                                      nonce, scan)  # fmt: skip
            if digest is None or digest != ballot["content_hash"]:
                self.disagreed = True
                return
            audit_entry_id = ballot["audit_entry_id"]
            fields = (ballot_id, nonce is not None, scan, digest, group, basis, channel, cast_at, audit_entry_id)
            if not _agreement(self.agreement, fields):
                self.disagreed = True
                return
            self._keep(ballot_id, ballot, group)
        except Exception:  # whatever it is, the reference pass reports it in its place
            self.disagreed = True

    def _take_ballots_state(self) -> bool:
        """The ballots' process's answer (``_ballots_alone``): its state taken when both sides agree
        (``_log_pass_beside_ballots``), its sorted commitments copied a frame at a time into this process's sort
        as one run (``RecordSort.add_sorted``: not sorted again). The process is stopped and reaped in any case."""
        child, self.ballot_child = self.ballot_child, None
        if child is None:  # pragma: no cover - called only while there is one
            return False
        pid, readable = child
        try:
            with os.fdopen(readable, "rb") as pipe:
                try:
                    clean, seen, digest, state, hashed = pickle.loads(_read_frame(pipe))  # noqa: S301 - our own child
                except Exception:  # it died without an answer
                    return False
                for name, (size, sha256) in hashed.items():
                    self._settle(name, size, sha256)  # ballots.jsonl as it read it: the manifest's, or the bundle fails
                if not (clean and not self.disagreed and seen == len(self.cast_leaves)):
                    return False
                if digest != self.agreement.digest():
                    return False
                try:
                    self.commitments.add_sorted(_frames(pipe))
                    self.void_ballots.add_sorted(_frames(pipe))
                except (EOFError, ValueError):  # cut short, or not sorted records: the reference pass decides
                    return False
        finally:
            os.kill(pid, signal.SIGKILL)  # done (or, unreaped, a zombie the signal cannot reach) unless cut short
            os.waitpid(pid, 0)
        self.ballots_seen = seen
        self.sums, self.answer_values, self.void_outside, self.participating, self.cast_extremes = state
        return True

    def _stop_ballot_child(self) -> None:
        child, self.ballot_child = self.ballot_child, None
        if child is not None:
            os.kill(child[0], signal.SIGKILL)
            self._reap(child)

    def _cast_extremes(self, ballot_id: str, cast_at: Any) -> None:
        """Keep the earliest and the latest cast_at (checked against the window in force, ``check_publicity``)."""
        extremes, cast = self.cast_extremes, _instant(cast_at)
        if not extremes:
            extremes += [(cast, ballot_id, str(cast_at)), (cast, ballot_id, str(cast_at))]
        elif cast < extremes[0][0]:
            extremes[0] = (cast, ballot_id, str(cast_at))
        elif cast >= extremes[1][0]:
            extremes[1] = (cast, ballot_id, str(cast_at))

    def _answer_key(self, answer: Any) -> Any:
        """Answers are few distinct values, summed by key: the text itself, or the JSON (else ``repr``) of another
        value."""
        # JSON tells types apart (1, true, "1"); equal values that print differently are only summed apart
        if type(answer) is str:
            return answer
        key: tuple[str, str | bytes]
        try:
            key = ("json", _dumps_sorted(answer))
        except TypeError:  # an integer orjson cannot write
            key = ("repr", repr(answer))
        self.answer_values.setdefault(key, answer)
        return key

    def _ballot_missing(self, entry: _Entry) -> None:
        """The ballot due for this entry is not the next line: deleted, or the ballots are out of log order."""
        self.ballots_stopped = True
        recorded = entry.payload
        ballot_id = str(recorded["ballot_id"])
        elsewhere = any(_strict_json(line).get("ballot_id") == ballot_id for line in self.lines(d.BALLOTS))
        if elsewhere:
            self.defer(
                "ballots",
                f"ballots.jsonl is not in the leaf order of the ballot.cast entries: ballot {ballot_id} (leaf "
                f"{entry.leaf_index}) is not the ballot listed at its place",
            )
            return
        self.defer(
            "ballots",
            f"the signed log records ballot {ballot_id} (group {ballot_commitments.logged_group(recorded)}, cast at "
            f"{recorded['cast_at']}), but the bundle has no such ballot: it was deleted",
        )

    def _cast_entry_of(self, ballot_id: str) -> _Entry | None:
        """The ``ballot.cast`` entry of a ballot, found by reading the log member again (failure paths only)."""
        for line in self.lines(d.ENTRIES):
            document = json.loads(line)
            if document["kind"] == EventKind.BALLOT_CAST and document["payload"]["ballot_id"] == ballot_id:
                return _Entry(-1, document)
        return None

    def _document_at(self, leaf: int) -> _Entry:
        """The entry at a leaf, found by reading the log member again (failure paths only)."""
        position = bisect_left(self.leaves, leaf)
        for number, line in enumerate(self.lines(d.ENTRIES)):
            if number == position:
                return _Entry(leaf, json.loads(line))
        raise ValueError(f"no entry at leaf {leaf}")  # pragma: no cover - leaf comes from self.leaves

    def _ballot_failure(self, entry: _Entry, ballot: Mapping[str, Any], ballot_id: str, group: str) -> str | None:
        """What is wrong with a ballot against its signed ``ballot.cast`` entry and the roll, or None."""
        nonce = ballot.get("nonce")
        recorded = entry.payload
        if (nonce is not None) != ballot_commitments.is_commitment_entry(recorded):
            return (
                f"ballot {ballot_id} (group {group}): its nonce and its signed ballot.cast entry's format "
                "disagree (a commitment without a nonce, or a nonce without a commitment)"
            )
        # A scan hash exactly when the signed entry logs one (a scanned paper ballot), else it is outside the commitment
        scan, logged_scan = ballot.get("scan_sha256"), recorded.get("scan_sha256")
        if (scan is None) != (logged_scan is None):
            return (
                f"ballot {ballot_id} (group {group}, channel {ballot['channel']}): its scan_sha256 {scan!r} and its "
                f"signed ballot.cast entry's {logged_scan!r} disagree (a scan hash exactly when the entry logs one)"
            )
        fields = (group, ballot["basis"], ballot["channel"], ballot["cast_at"], nonce)
        digest = _fast_commitment(self.vote_id, ballot["answers"], *fields, scan)
        logged_hash = ballot_commitments.logged_hash(recorded)
        if digest is None or digest != logged_hash:
            try:  # the reference definition (and its errors), whenever the shortcut does not give the logged hash
                digest = ballot_commitments.ballot_hash(
                    vote_id=self.vote_id, group=group, answers=ballot["answers"], basis=ballot["basis"],
                    channel=ballot["channel"], cast_at=ballot["cast_at"], nonce=nonce, scan_sha256=scan,
                )  # fmt: skip
            except ValueError as failure:
                return f"ballot {ballot_id} (group {group}): {failure}"
        logged = (ballot_commitments.logged_group(recorded), recorded["basis"], recorded["channel"])
        if digest != logged_hash or (group, ballot["basis"], ballot["channel"]) != logged:
            return (
                f"ballot {ballot_id} (group {group}): its content does not hash to the commitment in its "
                "signed ballot.cast entry (a choice, the group, the basis, the channel, the time or the "
                "nonce was changed)"
            )
        if "grant" in recorded and not _grant_fits(recorded["grant"], ballot["basis"]):
            return (
                f"ballot {ballot_id} (group {group}): its signed ballot.cast entry's grant "
                f"{recorded['grant']!r} does not fit its basis {ballot['basis']} (a grant's per-vote "
                "pseudonym exactly when the ballot was cast under a grant)"
            )
        if ballot["content_hash"] != digest or ballot["cast_at"] != recorded["cast_at"]:
            return f"ballot {ballot_id}: its content hash or time field was changed"
        if ballot["audit_entry_id"] != entry.document["id"]:
            return (
                f"ballot {ballot_id}: its audit_entry_id {ballot['audit_entry_id']} is not the id of its "
                f"ballot.cast entry {entry.document['id']} (leaf {entry.leaf_index})"
            )
        if "scan_sha256" in recorded and ballot["scan_sha256"] != recorded["scan_sha256"]:
            return (
                f"ballot {ballot_id}: its scan_sha256 {ballot['scan_sha256']!r} is not the scan hash "
                f"{recorded['scan_sha256']!r} of its signed ballot.cast entry"
            )
        return None

    # --- 4a. witnesses --------------------------------------------------------------------------------------

    def check_witnesses(self) -> None:
        """Timestamped cosignatures (c2sp.org/tlog-cosignature) of the pinned witnesses on the result's checkpoint."""
        with self.step("witnesses"):
            quorum, pinned = self.trust.quorum, self.witnesses
            cosigned = dict(self.result_note.cosigned_at)
            published_at = _instant(self.result_published.payload["published_at"])
            names = _cosigners(cosigned)
            if len(cosigned) < quorum:
                not_counted = [key for key in signature_keys(self.result_note_text) if not key.startswith(
                    tuple(f"{log.name}+{log.key_id.hex()}" for log in (self.log_key, *self.retired))
                )]  # fmt: skip
                strangers = [key for key in not_counted if key not in {_key_name(w) for w in cosigned}]
                raise Failure(
                    "witnesses",
                    f"the result's checkpoint (size {self.result_checkpoint.size}) is cosigned by {len(cosigned)} of "
                    f"the {len(pinned)} pinned witnesses ({names}), {quorum} required; cosignatures not counted "
                    f"(not a pinned witness key): {', '.join(strangers) or 'none'}",
                )
            for witness, timestamp in cosigned.items():
                if timestamp + CLOCK_SKEW < published_at.timestamp():
                    raise Failure(
                        "witnesses",
                        f"witness {witness.name} dated its cosignature {_utc(timestamp)}, before the result's "
                        f"publication it covers ({published_at.isoformat()}, vote.result_published)",
                    )
        if not pinned:
            self.passed("witnesses", "no witness pinned: cosignatures not checked")
            return
        delay = ""
        if cosigned:
            hours = (sorted(cosigned.values())[max(quorum, 1) - 1] - published_at.timestamp()) / 3600
            delay = f"; quorum reached {max(hours, 0):.1f} h after the result was published"
        latest = _cosigners(dict(self.latest_note.cosigned_at))
        self.passed(
            "witnesses",
            f"result checkpoint cosigned by {len(cosigned)} of {len(pinned)} pinned witnesses ({names}; quorum "
            f"{quorum}){delay}; latest checkpoint cosigned by {latest}",
        )

    # --- 4b. completeness ----------------------------------------------------------------------------------

    def check_completeness(self) -> None:
        """The signed export index lists every entry of the vote up to the latest checkpoint, and each binding
        entry's ``entries`` (count and hash, ``app.ledger.completeness``) matches the bundle's entries before it."""
        self.raise_deferred("completeness")  # the index's own problems, found when it was read for the stream
        with self.step("completeness"):
            latest = self.latest_checkpoint
            if self.missing:
                named = ", ".join(f"the {kind} entry at leaf {leaf}" for leaf, kind in self.missing[:5])
                raise Failure(
                    "completeness",
                    f"{named}{' …' if len(self.missing) > 5 else ''} of this vote missing from the bundle (the signed "
                    f"entry index lists {len(self.listed_leaves)} entries, the bundle has {self.entry_count})",
                )
            if self.unlisted is not None:
                leaf, kind = self.unlisted
                raise Failure("completeness", f"the {kind} entry at leaf {leaf} is not in the signed entry index")
            del self.listed_leaves, self.listed_kinds
            legacy, extra = self.bound, self.bound_procedure  # each sorted as it is read (spill.RecordSort)
            records = heapq.merge(legacy, extra)
            bindings = [
                (entry, claimed, _micros(entry.document["created_at"]))
                for entry in self.entries.of_kinds(completeness.BINDING_KINDS)
                # None: logged before the binding existed (append-only: old payloads stay as they are)
                if (claimed := entry.payload.get("entries")) is not None
            ]
            sets = _entry_sets(records, [before for _, _, before in bindings])
            bound = 0
            for (entry, claimed, before), found in zip(bindings, sets, strict=True):
                if found.payload() != claimed and len(extra):
                    # A binding logged before issue #17's entries were bound covers the older kinds only; a forger
                    # cannot make a newer binding match it (the log key signed what the server bound).
                    found = _entry_set(legacy, before)
                if found.payload() != claimed:
                    raise Failure(
                        "completeness",
                        f"the signed {entry.kind} entry (leaf {entry.leaf_index}) binds {claimed['count']} entries "
                        f"of the vote made before it; the bundle's {found.count} entries do not hash to its "
                        "entry-set hash: an entry of the vote is missing or was replaced",
                    )
                bound += 1
            legacy.close()
            extra.close()
        self.passed(
            "completeness",
            f"the signed entry index lists exactly the bundle's {self.entry_count} entries up to size {latest.size}; "
            f"{bound} signed entry-set bindings hold",
        )

    def _single(self, kind: EventKind) -> _Entry:
        count = self.entries.count(kind)
        if count != 1:
            raise Failure("log", f"expected exactly one {kind} entry, found {count}")
        return next(self.entries.of_kinds((kind,)))

    # --- 5. notice ------------------------------------------------------------------------------------------

    def check_notice(self) -> None:
        notice = self.load(d.NOTICE)
        topics = self.load(d.TOPICS)
        roll = self.roll_header
        with self.step("notice"):
            register = self._register_header()
            result, published = self.result, self.published.payload
            # R-ROLL-7 / R-SUP-5: the roll, notice hash, totals and window in force (the last re-publication's, the
            # last resumption's end), each link of the chain checked by ``procedure.frame_in_force``.
            try:
                self.frame = frame = procedure.frame_in_force(self.published, self.entries)
            except procedure.ProcedureFailure as failure:
                raise Failure(failure.check, failure.message) from failure
            notice_hash = canonical_sha256(notice)
            if not notice_hash == result["notice_hash"] == frame.notice_hash:
                raise Failure(
                    "notice",
                    "notice.json does not hash to the notice hash in the signed result and log"
                    + (" (as re-published)" if frame.republished is not None else ""),
                )
            for topic in topics:  # no member outside the hashed document and the signed result's id and position
                if not isinstance(topic, dict) or topic.keys() != _TOPIC_MEMBERS:
                    members = sorted(topic) if isinstance(topic, dict) else type(topic).__name__
                    raise Failure("notice", f"{d.TOPICS}: an entry has members {members}, not {sorted(_TOPIC_MEMBERS)}")
            hashes = [canonical_sha256(topic["document"]) for topic in topics]
            ids = [topic["topic_id"] for topic in topics]
            for topic, digest in zip(topics, hashes, strict=True):
                if topic["content_hash"] != digest:
                    topic_id = topic["topic_id"]
                    raise Failure("notice", f"topic {topic_id}: its document does not hash to its content hash")
            if hashes != notice["topics"] or hashes != [topic["content_hash"] for topic in published["topics"]]:
                raise Failure("notice", "the topic documents are not the topics of the published notice")
            if ids != [topic["topic_id"] for topic in published["topics"]]:
                raise Failure("notice", "the topic ids are not those of the published notice")
            signed = [(topic["topic_id"], topic["content_hash"]) for topic in result["topics"]]
            if signed != list(zip(ids, hashes, strict=True)):
                raise Failure("notice", "the signed result's topics are not the published topics")
            # The positions are the signed result's, topic by topic, in the notice's (published) order of topics.
            positions = [topic["position"] for topic in topics]
            signed_positions = [topic["position"] for topic in result["topics"]]
            if (
                any(not isinstance(p, int) or isinstance(p, bool) for p in positions)
                or positions != sorted(set(positions))
                or positions != signed_positions
            ):
                raise Failure(
                    "notice",
                    f"topic positions {positions} are not the positions {signed_positions} the signed result gives "
                    "the topics in the published order (positions swapped, repeated or rewritten)",
                )
            roll_hash = self.roll_hash
            if not roll_hash == notice["roll_hash"] == result["roll_hash"] == frame.roll_hash:
                raise Failure("notice", f"{d.ROLL} does not hash to the roll hash of the notice, result and log")
            total = roll["total"]
            if total != result["total"] or (total["heads"], total["area"]) != (frame.total_heads, frame.total_area):
                raise Failure("notice", "the roll's totals differ from the signed result's or the published ones")
            version = register["version_id"]
            if (
                not (
                    version
                    == notice["register_version_id"]
                    == result["register"]["version_id"]
                    == frame.register_version_id
                )
                or register["content_hash"] != result["register"]["content_hash"]
            ):
                raise Failure("notice", "the register snapshot is not of the register version the roll was taken from")
            if register["number"] != result["register"]["number"]:
                raise Failure(
                    "notice",
                    f"the register snapshot's number {register['number']!r} is not the signed result's register "
                    f"number {result['register']['number']!r}",
                )
            if not notice["estate_id"] == roll["estate_id"] == register.get("estate_id") == result["estate_id"]:
                raise Failure("notice", "the notice, roll, register snapshot and result are of different estates")
            if (_instant(notice["starts_at"]), _instant(notice["ends_at"])) != (frame.starts_at, frame.notice_ends_at):
                raise Failure(
                    "notice",
                    f"the notice's voting window {notice['starts_at']} – {notice['ends_at']} differs from the "
                    f"published one {frame.starts_at.isoformat()} – {frame.notice_ends_at.isoformat()}",
                )
            self.notice = notice
            self.topics = topics
            self.register = register
            self.total = Weight(int(total["heads"]), int(total["area"]))
        self.passed("notice", f"notice, {len(topics)} topics and roll hash to the signed and published hashes")

    # --- 6. register ----------------------------------------------------------------------------------------

    def _register_header(self) -> dict[str, Any]:
        """register.jsonl's first line: the register snapshot without its units."""
        first = next(self.lines(d.REGISTER), None)
        if first is None:
            raise Failure("register", f"{d.REGISTER} does not start with the register snapshot's header line")
        try:
            header = _canonical_object(first)
            problem = _header_problem(header)
        except (ValueError, RecursionError) as error:
            problem = str(error)
        if problem is not None:
            raise Failure("register", f"{d.REGISTER} header (line 1): {problem}")
        return header

    def _roll_groups(self) -> Iterator[dict[str, Any]]:
        """roll.jsonl's groups, read again as a stream (their hash was checked with the notice), each line canonical
        (docs/evidence-formats.md §5.4): the roll hash covers the lines' bytes, and a line in another layout, a
        repeated member above all, reads two ways (``_read_roll`` takes a group's area from its line's head).
        ``_GROUP_LINE`` matches canonical lines only: a roll ``_compare_exported`` shows equal is not read here."""
        lines = self.lines(d.ROLL)
        next(lines, None)
        for number, line in enumerate(lines, 2):
            try:
                group = _canonical_object(line)
            except (ValueError, RecursionError) as error:
                raise Failure("register", f"{d.ROLL} line {number}: {error}") from error
            yield group

    def check_register(self) -> None:
        verdict = self._register_child_verdict() if self.child is not None else None
        if verdict is None:  # no second process (or it gave no verdict): regrouped here
            verdict = self._register_verdict()
        check, message, totals = verdict
        if check is not None:
            raise Failure(check, message)
        with self.step("register"):
            if tuple(totals) != (self.total.heads, self.total.area):
                raise Failure("register", "the register snapshot's totals differ from the roll's")
        self.passed("register", f"{message}, {self.total.heads} heads and area {self.total.area}")

    def _register_verdict(self) -> tuple[str | None, str, list[int]]:
        """The regrouping (``_regroup``) as data: (None, summary, recomputed totals) or (check, failure, [])."""
        try:
            summary, totals = self._regroup()
        except Failure as failure:
            return failure.check, failure.message, []
        except Exception as error:  # what ``verify_bundle`` would report for this check
            return "register", f"unreadable or malformed data ({type(error).__name__}: {error})", []
        return None, summary, totals

    def _regroup(self) -> tuple[str, list[int]]:
        """Step 6 up to the totals (compared with the notice's in ``check_register``): the roll recomputed from the
        register snapshot equals roll.jsonl. Reads only members, the notice's scope and the roll's header, so it may
        run in a second process while the log streams (``_fork_register``).

        Out of core, in bounded memory (``REGROUP_PARTITION_BYTES``), with the law core's ``build_roll`` and the
        failures it and the comparison would give over the whole register, in the same order:

        1. the units stream by once: ``build_roll``'s checks over the whole register are kept as the first few unit
           ids they name (``_RollChecks``), and each unit counted is written to the partition of its group's owner
           set (R-HEAD-1..5: a group's units share an owner set, so each partition is regrouped alone);
        2. roll.jsonl streams by: each listed group goes to the partition of its owner set, and each partition is
           regrouped by ``build_roll`` and compared (``_compare_by_owners``); when that does not show the rolls
           equal, each recomputed group goes, under its first unit, to the partition of that unit, each listed group
           to the partitions of its units, and each partition keeps its first failure in the recomputed groups'
           (key) order, as a whole-register comparison would report it (``_compare_by_units``).

        A version-2 roll is first regrouped and compared on its lines' own text (``_regroup_exported``): it passes
        or raises only what the steps above raise at the same point (the unit lines' and ``_RollChecks``' failures,
        shared); when it cannot show the rolls equal, the steps above run from the start (``_regroup_reference``).
        """
        with self.step("register"):
            regrouped = self._regroup_exported()
        return regrouped if regrouped is not None else self._regroup_reference()

    def _regroup_reference(self) -> tuple[str, list[int]]:
        """``_regroup``'s steps 1 and 2 through the law core's records and ``build_roll``."""
        with self.step("register"), contextlib.ExitStack() as stack:
            register = self._register_header()
            count = _partition_count(self.archive.getinfo(d.REGISTER).file_size)
            units = stack.enter_context(spill.Partitions(count))
            developer_key = register["developer"]
            include_parking = register["include_parking"]
            checks = self._roll_checks(register)
            lines = self.lines(d.REGISTER)
            next(lines, None)
            for number, line in enumerate(lines, 2):
                # a unit's checked members (``_unit_record``'s fields, without the record: it is made in its turn)
                unit = _register_line(line, number)
                unit_id, area, source, owner_list, status, delivered, parking = _UNIT_FIELDS(unit)
                owner_keys = frozenset(owner_list)
                held = status == _UNSOLD or not delivered  # ``UnitRecord.developer_held``
                if checks.unit(unit_id, area, bool(owner_keys), held, parking):
                    # counted: its record's fields, checked, for build_roll in the partition of its group's owners
                    owners = checks.developer if held else owner_keys
                    units.add(hash(owners), (unit_id, area, source, owner_keys, status, delivered, parking))
            self._raise_roll_checks(checks, count)
            roll_format = self._roll_header().get("format")
            if roll_format not in (None, d.ROLL_FORMAT):
                raise Failure("register", f"roll format {roll_format!r} is not {d.ROLL_FORMAT}")
            grouping = (units, developer_key, include_parking, roll_format)
            heads, area, listed_count = self._compare_by_owners(*grouping) or self._compare_by_units(*grouping)
            return f"{checks.units} units regroup into the roll's {listed_count} groups", [heads, area]

    def _roll_checks(self, register: Mapping[str, Any]) -> _RollChecks:
        """``build_roll``'s checks for this register and the notice's scope (what is wrong with the scope is
        reported where build_roll reads it: after every unit was read)."""
        checks = _RollChecks(register["developer"], register["include_parking"])
        try:
            scope = self.load(d.NOTICE)["scope_units"]
            scope = None if scope is None else list(scope)
        except Exception as error:
            checks.scope_error, scope = error, None
        checks.scope(scope)
        return checks

    def _raise_roll_checks(self, checks: _RollChecks, count: int) -> None:
        try:
            checks.raise_first(lambda: self._duplicate_units(count))
        except DomainError as error:
            raise Failure("register", f"the register snapshot yields no valid roll: {error}") from error

    def _regroup_exported(self) -> tuple[str, list[int]] | None:
        """``_regroup`` for a version-2 roll, its units and groups taken from their lines' text where the lines are
        written as the exporter writes them (``_exported_unit``, ``_exported_group``; any other unit line is read
        by ``_register_line``): per unit, its id (as JSON text too), area and its group's owner set as JSON text,
        nothing else. The groups are gathered by owner set in partitions (``_compare_exported``). (summary,
        totals), a failure of the unit lines or of ``_RollChecks`` (the reference's own, at the same point), or
        None when the rolls are not shown equal: the reference then decides."""
        try:  # a version-1 roll binds no owner sets to meet the register's on
            if self._roll_header().get("format") != d.ROLL_FORMAT:
                return None
        except Exception:  # the reference names what is wrong with it, in its turn
            return None
        register = self._register_header()
        checks = self._roll_checks(register)
        developer = None if register["developer"] is None else _owners_text([register["developer"]])
        count = _partition_count(self.archive.getinfo(d.REGISTER).file_size)
        comparable = True  # every counted unit id's JSON text is itself between quotes (no quote: no escape)
        with spill.Partitions(count) as units:
            add = units.add_at

            def one(line: bytes, number: int) -> None:  # a unit line read alone
                nonlocal comparable
                fields = _exported_unit(line)
                if fields is None:  # written otherwise: the reference's checks name what is wrong, or take it
                    unit = _register_line(line, number)
                    unit_id, area, _, owner_list, status, delivered, parking = _UNIT_FIELDS(unit)
                    owners, held = _owners_text(owner_list), status == _UNSOLD or not delivered
                    comparable = comparable and '"' not in unit_id
                    fields = unit_id, f'"{unit_id}"', area, owners, held, parking
                unit_id, quoted, area, owners, held, parking = fields
                if checks.unit(unit_id, area, bool(owners), held, parking):
                    key = developer if held else owners  # R-HEAD-4: a held unit counts with the developer
                    add(hash(key) % count, (key, quoted, area))

            number, header = 1, True  # lines read, the header's included
            for block in self.blocks(d.REGISTER):
                if header:  # the first block starts with the header line
                    block, header = block[block.index(b"\n") + 1 :], False
                taken = _exported_units(block, checks, developer, units)
                if taken is not None:
                    number += taken
                    continue
                for line in block.split(b"\n")[:-1]:  # not every unit as exported, or checked: a line at a time
                    number += 1
                    one(line, number)
            self._raise_roll_checks(checks, count)
            return self._compare_exported(units, developer, checks.units) if comparable else None

    def _compare_exported(
        self, units: spill.Partitions, developer: str | None, unit_count: int
    ) -> tuple[str, list[int]] | None:
        """``_compare_by_owners`` over the roll's lines as the exporter writes them: each listed group goes to the
        partition of its owner set's text, where its units are; in each, the units are gathered by owner set as
        ``build_roll`` groups them (register order is unit order: ``_RollChecks`` refused any other) and each
        group must meet exactly one listed group with the same owners, units (the same JSON text: their ids hold
        no quote), area and developer flag. None when a line is written otherwise, an id is out of order, or
        anything differs."""
        count = units.count
        with spill.Partitions(count) as listings:
            previous, listed_count, header = "", 0, True
            for block in self.blocks(d.ROLL):
                if header:  # the first block starts with the header line
                    block, header = block[block.index(b"\n") + 1 :], False
                columns = _exported_columns(_GROUP_LINE, block)  # None: a line not one ``_exported_group`` reads
                if columns is None:
                    return None
                area_texts, ids, flags, owners, listed_units = columns
                if not ids:
                    continue
                # ids in increasing order repeat none (``_ListedIds``); the developer's flag on its group alone
                if not previous < ids[0] or not all(map(operator.lt, ids, ids[1:])):
                    return None
                if list(map(operator.eq, flags, itertools.repeat("true"))) != [text == developer for text in owners]:
                    return None
                previous = ids[-1]
                listed_count += len(ids)
                listings.add_many(
                    map(operator.mod, map(hash, owners), itertools.repeat(count)),
                    zip(owners, zip(listed_units, map(int, area_texts), strict=True), strict=True),
                )
            heads = total = 0
            for index in range(count):
                listed = dict(listings.values(index))  # owner set → units' text and area
                if len(listed) != listings.size(index):  # two listed groups of one owner set
                    return None
                records = units.values(index)  # (owner set, unit id's text, area) of each unit, in register order
                keys = list(map(operator.itemgetter(0), records))
                groups = dict(zip(keys, map(operator.itemgetter(1, 2), records), strict=True))
                if len(groups) != len(records):  # owner sets of several units: their units joined in order
                    repeated = collections.Counter(keys)
                    shared = set(itertools.compress(repeated, map(operator.lt, itertools.repeat(1), repeated.values())))
                    joined: dict[str, list[Any]] = {}
                    for key, quoted, area in itertools.compress(records, map(shared.__contains__, keys)):
                        group = joined.get(key)
                        if group is None:
                            joined[key] = [quoted, area]
                        else:
                            group[0] += "," + quoted
                            group[1] += area
                    groups.update((key, (text, area)) for key, (text, area) in joined.items())
                if groups != listed:  # each recomputed group meets the listed one of its owners, equal, and no other
                    return None
                heads += len(groups)
                total += sum(map(operator.itemgetter(2), records))
        return f"{unit_count} units regroup into the roll's {listed_count} groups", [heads, total]

    def _listings(self, ids: _ListedIds) -> Iterator[tuple[Any, ...]]:
        """roll.jsonl's groups as the comparison reads them, each id seen by ``ids``."""
        members = _ROLL_GROUP_MEMBERS.get(self._roll_header().get("format"))
        for listed in self._roll_groups():
            if listed.keys() != members:
                problem = _members_problem(listed, members) if members is not None else "an unknown roll format"
                raise Failure("register", f"{d.ROLL}: group {listed.get('group_id')!r}: {problem}")
            owners = listed.get("owners")
            listing = (
                listed["group_id"], listed["area"], listed["heads"], listed["is_developer"], tuple(listed["units"]),
                None if owners is None else tuple(owners),
            )  # fmt: skip
            ids.see(listing[0])
            yield listing

    def _repeated_ids(self, ids: _ListedIds, count: int) -> None:
        if not ids.ordered and self._roll_repeats_an_id(count):
            raise Failure("register", "the roll lists a group id twice")
        if not ids.ordered:
            raise Failure("register", f"{d.ROLL}: the groups are not in increasing group_id order")

    def _compare_by_owners(
        self, units: spill.Partitions, developer_key: Any, include_parking: bool, roll_format: Any
    ) -> tuple[int, int, int] | None:
        """The common case, a version-2 roll (its groups' owners bound) equal to the recomputed one: each listed
        group goes to the partition of its owner set, where its recomputed group is, and each partition is regrouped
        and compared alone. (heads, area, listed groups) when every recomputed group has exactly one listed group,
        the one that lists its first unit, equal to it, and there are no others: then no other listed group lists
        that unit (groups share no unit) and the comparison by units finds no difference either. None otherwise:
        ``_compare_by_units`` names what differs."""
        if roll_format is None:
            return None
        count = units.count
        with spill.Partitions(count) as listings:
            ids = _ListedIds()
            listed_count = 0
            for listing in self._listings(ids):
                listed_count += 1
                owners, listed_units = listing[5], listing[4]
                if owners is None or not listed_units:
                    return None
                if (len(listed_units) != 1 or type(listed_units[0]) is not str) and any(
                    type(unit) is not str for unit in listed_units
                ):
                    return None
                try:
                    listings.add(hash(frozenset(owners)), listing)
                except TypeError:
                    return None
            self._repeated_ids(ids, count)
            heads = area = 0
            for index in range(count):
                by_first: dict[str, tuple[Any, ...]] = {}
                for listing in listings.partition(index):
                    if listing[4][0] in by_first:
                        return None
                    by_first[listing[4][0]] = listing
                for group in _partition_groups(units, index, developer_key, include_parking):
                    found = by_first.get(group.unit_ids[0])
                    if found is None or not _same_group(group, found):
                        return None
                    heads += 1
                    area += group.area
        return (heads, area, listed_count) if heads == listed_count else None

    def _compare_by_units(
        self, units: spill.Partitions, developer_key: Any, include_parking: bool, roll_format: Any
    ) -> tuple[int, int, int]:
        """Steps 2 to 4 of ``_regroup``: every listed group compared with the recomputed group whose first unit it
        lists, through partitions by unit; the first failure in the recomputed groups' order is raised."""
        count = units.count
        with spill.Partitions(count) as compared:
            heads = area = 0
            for index in range(count):
                for group in _partition_groups(units, index, developer_key, include_parking):
                    heads += 1
                    area += group.area
                    compared.add(hash(group.unit_ids[0]), tuple(_recomputed(group)))  # marshal writes no NamedTuple
            # the listed groups follow the recomputed ones in each partition (a None key marks them)
            ids = _ListedIds()
            listed_count = 0
            for listing in self._listings(ids):
                listed_count += 1
                record = (None, listing)
                if len(listing[4]) == 1:
                    compared.add(hash(listing[4][0]), record)
                    continue
                for index in {compared.index(hash(unit)) for unit in listing[4]}:
                    compared.add_at(index, record)
            self._repeated_ids(ids, count)
            first: tuple[str, _Recomputed, str] | None = None  # the first failing recomputed group, by key
            for index in range(count):
                found = _first_difference(compared.partition(index), roll_format)
                if found is not None and (first is None or found[0] < first[0]):
                    first = found
        if first is not None:
            _, failing, verdict = first
            if verdict is _UNLISTED:
                raise Failure("register", f"unit {failing.unit_ids[0]} of the register snapshot is not in the roll")
            raise Failure("register", verdict)
        if listed_count != heads:
            raise Failure("register", f"the roll has {listed_count} groups, the register snapshot gives {heads}")
        return heads, area, listed_count

    def _roll_repeats_an_id(self, count: int) -> bool:
        """Whether roll.jsonl lists a group id twice: its ids read again, spread over partitions by hash."""
        with spill.Partitions(count) as ids:
            for listed in self._roll_groups():
                ids.add(hash(listed["group_id"]), listed["group_id"])
            for index in range(count):
                seen: set[Any] = set()
                for group_id in ids.partition(index):
                    if group_id in seen:
                        return True
                    seen.add(group_id)
        return False

    def _duplicate_units(self, count: int) -> list[str]:
        """The first unit ids register.jsonl lists more than once (``_RollChecks.limit`` of them, sorted): its units
        are read again, their ids spread over partitions by hash and each partition's repeats collected."""
        with spill.Partitions(count) as ids:
            lines = self.lines(d.REGISTER)
            next(lines, None)
            for line in lines:
                unit_id = str(_document(line)["unit_key"])
                ids.add(hash(unit_id), unit_id)
            repeated = _FirstIds()
            for index in range(count):
                seen: set[str] = set()
                for unit_id in ids.partition(index):
                    if unit_id in seen:
                        repeated.add(unit_id)
                    seen.add(unit_id)
            return repeated.ids

    def _roll_header(self) -> dict[str, Any]:
        """roll.jsonl's header line (read by ``_read_roll``; read here in the second process, forked before it)."""
        header = getattr(self, "roll_header", None)
        if header is None:
            header = _strict_json(next(self.lines(d.ROLL), b""))
            if not isinstance(header, dict):
                raise ValueError(f"{d.ROLL}: the first line is the roll document without its groups")
        return header

    def _fork_register(self) -> None:
        """With ``jobs`` > 1, the regrouping (``_regroup``) runs in a forked second process while this one streams
        the log: its verdict (and the SHA-256 of register.jsonl it read) is read back in ``check_register``'s turn,
        so checks keep their order; without a second process, everything runs here."""
        if self.jobs >= 2:
            self.child = self._fork_child(self._register_answer)

    def _register_answer(self, pipe: BinaryIO) -> None:
        """In the second process: the regrouping's verdict and the member hashes it took, as JSON."""
        self.hashed = {}
        verdict = self._register_verdict()
        pipe.write(json.dumps({"verdict": verdict, "hashed": self.hashed}).encode())

    def _fork_child(self, work: Callable[[BinaryIO], None]) -> tuple[int, int] | None:
        """``work`` in a forked process, writing its answer to a pipe: (pid, the pipe's read end), or None without
        ``fork`` or a way to reopen the bundle. The child opens the bundle again (a file descriptor shared across
        ``fork`` shares its offset) and makes its own temporary files (``_ballots_alone``)."""
        if not hasattr(os, "fork"):
            return None
        if isinstance(self.source, bytes):
            reopen: Any = lambda: io.BytesIO(self.source)  # noqa: E731 - the child's own view of the bytes
        else:
            try:
                path = f"/proc/self/fd/{self.source.fileno()}"
            except (AttributeError, OSError, io.UnsupportedOperation):
                return None
            if not os.path.exists(path):
                return None
            reopen = lambda: open(path, "rb")  # noqa: E731, SIM115 - the child's own file description
        readable, writable = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        _trim_heap()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child (its work is covered in-process)
            try:
                os.close(readable)
                self.archive = zipfile.ZipFile(reopen())
                with os.fdopen(writable, "wb") as pipe:
                    work(pipe)
            finally:
                os._exit(0)
        os.close(writable)
        return pid, readable

    def _register_child_verdict(self) -> tuple[str | None, str, list[int]] | None:
        """The second process's verdict, once it is done; the member hashes it took are settled here (a changed
        member is a bundle failure, before any other)."""
        answer = self._reap_child()
        try:
            message = json.loads(answer)
            check, text, totals = message["verdict"]
            for name, (size, digest) in message["hashed"].items():
                self._settle(name, size, digest)
        except (ValueError, KeyError, TypeError):
            return None  # the child died without a verdict: regroup here
        return check, text, totals

    def _reap_child(self) -> bytes:
        """Everything the second process wrote, once it has exited."""
        child, self.child = self.child, None
        if child is None:  # pragma: no cover - called only while there is one
            return b""
        return self._reap(child)

    @staticmethod
    def _reap(child: tuple[int, int]) -> bytes:
        """Everything a forked process wrote to its pipe, once it has exited."""
        pid, readable = child
        with os.fdopen(readable, "rb") as pipe:
            answer = pipe.read()
        os.waitpid(pid, 0)
        return answer

    # --- 7. ballots -----------------------------------------------------------------------------------------

    def check_ballots(self) -> None:
        """Each ballot against its ``ballot.cast`` entry was checked in the log's stream (failures kept for here);
        now what needs the whole vote: void ballots and ``ballot.voided`` entries, participation, the counted set."""
        self.raise_deferred("ballots")
        with self.step("ballots"):
            if self.void_outside is not None:  # counted ones: checked as they streamed by
                ballot_id, group = self.void_outside
                raise Failure("ballots", f"ballot {ballot_id}: group {group} is not in the roll")
            self._check_voided()
            participating = Weight(*self.participating)
            recorded_weight = self.closed.payload["participating"]
            if (participating.heads, participating.area) != (recorded_weight["heads"], recorded_weight["area"]):
                raise Failure(
                    "ballots",
                    f"the counted ballots weigh {participating.heads} heads and area {participating.area}, "
                    f"the vote.closed entry recorded {recorded_weight['heads']} heads and area "
                    f"{recorded_weight['area']}",
                )
            self._check_counted_set()
        self.passed(
            "ballots",
            f"{self.ballots_seen} ballots ({participating.heads} counted) match their signed ballot.cast entries one "
            "to one"
            + ("; the counted commitments are the set signed at the close" if "counted" in self.closed.payload else ""),
        )

    def _check_voided(self) -> None:
        """Each void ballot has a ``ballot.voided`` entry giving its void_reason, and each such entry's ballot is void:
        both sorted by ballot id out of core (``_VOID`` records), merged in one pass. The first void ballot (in
        ballots.jsonl's order) without its entry or with another reason fails, else the first entry (in leaf order)
        of a ballot that is not void; each named from its line or entry read again. Of a ballot id repeated on one
        side, its first place and its last reason count (as a map by id would keep them)."""
        ballot_failure, entry_failure = _void_mismatch(self.void_ballots, self.voided)
        self.void_ballots.close()
        self.voided.close()
        if ballot_failure is not None:
            line, leaf = ballot_failure
            ballot = _strict_json(next(itertools.islice(self.lines(d.BALLOTS), line, None)))
            if leaf < 0:
                raise Failure("ballots", f"ballot {ballot['ballot_id']} is void, but no ballot.voided entry says so")
            raise Failure(
                "ballots",
                f"ballot {ballot['ballot_id']}: its void_reason {ballot['void_reason']!r} is not the reason "
                f"{self._document_at(leaf).payload['reason']!r} of its signed ballot.voided entry",
            )
        if entry_failure is not None:
            ballot_id = self._document_at(entry_failure).payload["ballot_id"]
            raise Failure("ballots", f"ballot {ballot_id} was voided in the log but is counted")

    def _check_counted_set(self) -> None:
        """R-REC-1: the counted ballots are exactly the commitments whose Merkle root ``vote.closed`` signed.
        log/counted.json as the exporter writes it (a JSON array of 64-hex strings, sorted) is read as a stream
        beside the bundle's own counted commitments (sorted out of core); anything else, and any difference, is
        read whole (``_check_counted_whole``), which names it."""
        signed = self.closed.payload.get("counted")
        try:
            if signed is not None and self._counted_streamed(signed):
                self.files.pop(d.COUNTED, None)
                return
        except _NotPlain:
            pass
        self._check_counted_whole(signed)

    def _counted_streamed(self, signed: Any) -> bool:
        """Whether log/counted.json, read as a stream, is sorted, hashes to the ``signed`` counted set and lists
        exactly the bundle's counted commitments (``_NotPlain`` for a member the stream does not read).

        A block of ``_COUNTED_BLOCK`` (a power of two) commitments at a time: a full block's leaves are one perfect
        subtree and the last block's the subtree on the right edge, so the roots of the blocks, paired level by level
        like leaves (``merkle.joined_root``), give the root over all the leaves (RFC 9162 §2.1.1)."""
        mine, listed = iter(self.commitments), _plain_commitments(self._chunks(d.COUNTED))
        roots, count, previous, same = [], 0, "", True
        while block := list(itertools.islice(listed, _COUNTED_BLOCK)):
            if block[0] < previous or block != sorted(block):
                return False
            previous = block[-1]
            count += len(block)
            roots.append(native.leaves_root("".join(block).encode("ascii"), 64))  # (64 hex digits each)
            if same:
                own = b"".join(itertools.islice(mine, len(block)))
                same = own.hex() == "".join(block)  # 32 bytes a record, 64 lowercase hex digits a commitment
        same = same and next(mine, None) is None
        return same and completeness.CountedSet(count, joined_root(b"".join(roots)).hex()).payload() == signed

    def _chunks(self, name: str) -> Iterator[bytes]:
        """A member's bytes a chunk at a time (kept from the bundle check, or read as a stream and hashed on the
        way, as ``lines`` does)."""
        kept = self.files.get(name)
        if kept is not None:
            yield kept
            return
        yield from self._stream(name)

    def _check_counted_whole(self, signed: Any) -> None:
        """``_check_counted_set`` with log/counted.json read whole: what is wrong is named."""
        listed = self.load(d.COUNTED)
        if signed is None:
            return  # a vote closed before the counted set was signed
        if completeness.counted_set(listed).payload() != signed:
            raise Failure(
                "ballots",
                f"log/counted.json ({len(listed)} commitments) does not hash to the counted set signed in vote.closed "
                f"({signed['count']} commitments, root {signed['root']})",
            )
        if listed != completeness.counted_leaves(listed):
            raise Failure("ballots", "log/counted.json is not in sorted order")
        mine = self.commitments  # sorted as it is read (spill.RecordSort)
        if len(mine) != len(listed) or any(
            commitment.hex() != claimed for commitment, claimed in zip(mine, listed, strict=False)
        ):
            in_set = set(listed)
            for line in self.lines(d.BALLOTS):  # the failure path only: name the ballot
                ballot = _strict_json(line)
                if ballot.get("status") == "COUNTED" and ballot.get("content_hash") not in in_set:
                    raise Failure(
                        "ballots",
                        f"ballot {ballot['ballot_id']} (group {ballot['group_id']}) is counted here, but its "
                        "commitment is not in the counted set signed at the close",
                    )
            raise Failure(
                "ballots",
                f"the counted set signed at the close has {len(set(listed))} commitments, the bundle counts "
                f"{len(mine)} ballots: a counted ballot is missing or was voided after the close",
            )
        self.json.pop(d.COUNTED)

    # --- 8. publicity ---------------------------------------------------------------------------------------

    def check_publicity(self) -> None:
        with self.step("publicity"):
            frame = self.frame
            published_at = frame.period_from  # the publication, or the roll's last re-publication (R-ROLL-7)
            starts = frame.starts_at
            earliest = earliest_voting_start(published_at)
            if starts < earliest:
                days = (shanghai_date(starts) - shanghai_date(published_at)).days
                raise Failure(
                    "publicity",
                    f"the topics were published on {shanghai_date(published_at)} and voting opened on "
                    f"{shanghai_date(starts)} (Asia/Shanghai), {days} days later ({max(days - 1, 0)} clear days); "
                    f"R-LIFE-3 requires 15 clear days (earliest start {earliest.isoformat()})",
                )
            # A paper ballot's cast_at is the organiser's "received at"; the log says when it was really entered.
            # Every ballot (and every voiding) must be in the log before the close, whatever time it claims.
            closed_at = self.closed.leaf_index
            late = []
            for leaves in (self.voided_leaves, self.cast_leaves):  # each in leaf order
                first = bisect_right(leaves, closed_at)
                if first < len(leaves):
                    late.append(leaves[first])
            if late:
                entry = self._document_at(min(late))
                raise Failure(
                    "publicity",
                    f"{entry.kind} for ballot {entry.payload['ballot_id']} was logged at leaf "
                    f"{entry.leaf_index}, after the vote closed at leaf {closed_at}",
                )
        self.raise_deferred("publicity")
        with self.step("publicity"):
            self._check_cast_window(frame)
        with self.step("posting"):
            earliest_cast = None
            if self.cast_created:
                first = self.cast_created.index(min(self.cast_created))  # in C: the earliest logged ballot
                earliest_cast = procedure.Cast.of(
                    self.cast_leaves[first], self._document_at(self.cast_leaves[first]).document
                )
            try:
                _, posting = procedure.check_postings(frame, self.published, self.entries, earliest_cast)
                deliveries = procedure.check_deliveries(self.entries)
            except procedure.ProcedureFailure as failure:
                raise Failure(failure.check, failure.message) from failure
        self.passed(
            "publicity",
            f"published {shanghai_date(published_at)}, voting from {shanghai_date(starts)} (≥ 15 clear days); "
            "every ballot answers the published topics inside the window"
            + (" in force (extended by a resumption, R-SUP-5)" if frame.extended else ""),
        )
        self.passed("posting", f"{posting}; {deliveries} delivery record(s) consistent (R-NOTICE-4)")

    def _check_cast_window(self, frame: procedure.Frame) -> None:
        """Every ballot's cast_at inside the window in force (R-LIFE-5; R-SUP-5: up to a resumption's new end; a paper
        ballot's cast_at is its reception, R-PAPER-1)."""
        if not self.cast_extremes:
            return
        (earliest, early_id, early_text), (latest, late_id, late_text) = self.cast_extremes
        for cast, ballot_id, text in ((earliest, early_id, early_text), (latest, late_id, late_text)):
            if not frame.starts_at <= cast < frame.ends_at:
                raise Failure(
                    "publicity",
                    f"ballot {ballot_id} was cast at {text}, outside the "
                    + ("window in force" if frame.extended else "published window")
                    + f" {frame.starts_at.isoformat()} – {frame.ends_at.isoformat()}"
                    + ("" if frame.extended else " (no resumption extended it, R-SUP-5)"),
                )

    # --- 9. tally -------------------------------------------------------------------------------------------

    def check_tally(self) -> None:
        with self.step("tally"):
            signed: Sequence[Mapping[str, Any]] = self.result["topics"]
            values = self.answer_values
            for sums, topic, claimed in zip(self.sums, self.topics, signed, strict=True):
                topic_id = str(topic["topic_id"])
                # The law core adds the weights of equal answers (the server's close groups them the same way), so
                # the counted ballots go in as one weighted ballot per distinct answer and channel (summed as they
                # streamed by), each validated.
                ballots = [
                    (Weight(heads, area), values.get(answer, answer), on_paper)
                    for (answer, on_paper), (heads, area) in sorted(sums.items(), key=repr)
                ]
                try:
                    evidence = topic_evidence(topic["document"], self.total, ballots)
                except (AnswerRefused, DomainError) as error:
                    message = f"topic {topic_id}: a counted ballot's answer is invalid ({error})"
                    raise Failure("tally", message) from error
                del ballots
                difference = first_difference(evidence, claimed["evidence"])
                if difference:
                    raise Failure(
                        "tally",
                        f"topic {topic_id} ({topic['document']['title']}): the signed result differs from the count "
                        f"of the ballots at {difference} (recomputed ≠ signed)",
                    )
                claimed_hash, claimed_outcome = claimed["evidence_sha256"], claimed["outcome"]
                if claimed_hash != canonical_sha256(evidence) or claimed_outcome != evidence["outcome"]:
                    raise Failure("tally", f"topic {topic_id}: the signed outcome or evidence hash is wrong")
            hashes = [{key: topic[key] for key in ("topic_id", "outcome", "evidence_sha256")} for topic in signed]
            for entry in (self.decided, self.result_published):
                if entry.payload["results"] != hashes:
                    raise Failure("tally", f"the {entry.kind} entry records other results than the signed result")
        outcomes = ", ".join(str(topic["outcome"]) for topic in signed)
        self.passed("tally", f"{len(signed)} topics recomputed from the ballots equal the signed result ({outcomes})")

    # --- 9b. times -----------------------------------------------------------------------------------------

    def check_times(self) -> None:
        """The times the entries claim agree with their own ``created_at`` (bound by their leaf hashes): the
        publication, the casts inside the window and after the publication, the close after the end, the decision
        and the result's publication; and no ballot cast or voided while the vote was suspended (R-SUP-1)."""
        with self.step("times"):
            starts, ends = self.frame.starts_at, self.frame.ends_at  # in force (R-ROLL-7, R-SUP-5)
            published_created = self._near(self.published, "published_at")
            closed_created = _instant(self.closed.document["created_at"])
            if _instant(self.closed.payload["closed_at"]) > closed_created + TIME_TOLERANCE:
                raise Failure("times", self._contradiction(self.closed, "closed_at", "after"))
            if closed_created < ends - TIME_TOLERANCE:
                raise Failure(
                    "times",
                    f"the vote.closed entry was logged at {self.closed.document['created_at']}, before the published "
                    f"end {self.notice['ends_at']} (R-LIFE-6: no early close)",
                )
            self._near(self.decided, "decided_at")
            self._near(self.result_published, "published_at")
            # (created_at, leaf) of every suspension and resumption, in time order: the state at any moment
            switches: list[tuple[int, int, bool]] = []
            for entry in self.entries.of_kinds(SUPERVISION_KINDS):  # the ballots' entries are in the arrays
                created = _micros(entry.document["created_at"])
                if entry.kind == EventKind.SUPERVISION_SUSPENSION:
                    switches.append((created, entry.leaf_index, True))
                elif entry.kind == EventKind.SUPERVISION_RESUMPTION:
                    switches.append((created, entry.leaf_index, False))
                else:
                    self._near(entry, "acted_at")
            switches.sort()
            lowest, highest = _micros(starts), _micros(ends) + TIME_TOLERANCE_MICROS
            lowest = max(lowest, _micros(published_created))
            offending: tuple[int, int, str] | None = None
            # R-PAPER-3: paper ballots are entered at the counting session after the end (checked by ``paper``)
            # (only in a vote with a counting session: a log from before R-PAPER entered them before the close)
            session = self.entries.count(EventKind.COUNTING_OPENED) > 0
            counted_later = self.paper_leaves if session else array("q")  # in leaf order
            for created, leaf in itertools.chain(
                zip(self.cast_created, self.cast_leaves, strict=True),
                zip(self.voided_created, self.voided_leaves, strict=True),
            ):
                if created >= highest and _holds(counted_later, leaf):
                    continue
                if not lowest <= created < highest:
                    problem = "window"
                else:
                    at = bisect_left(switches, (created, leaf, False))
                    if at == 0 or not switches[at - 1][2]:
                        continue
                    problem = "suspended"
                if offending is None or (created, leaf) < offending[:2]:
                    offending = (created, leaf, problem)
            if offending is not None:
                self._times_failure(offending, switches)
        self.raise_deferred("times")
        self.passed(
            "times",
            "publication, casts, close, decision and publication of the result agree with their entries' log times; "
            "no ballot during a suspension",
        )

    def _times_failure(self, offending: tuple[int, int, str], switches: list[tuple[int, int, bool]]) -> None:
        created, leaf, problem = offending
        entry = self._document_at(leaf)
        named = f"{entry.kind} for ballot {entry.payload['ballot_id']} (leaf {leaf}) was logged at " + str(
            entry.document["created_at"]
        )
        if problem == "suspended":
            since = self._document_at(switches[bisect_left(switches, (created, leaf, False)) - 1][1])
            raise Failure(
                "times",
                f"{named}, while the vote was suspended (supervision.suspension at leaf {since.leaf_index}, "
                f"{since.document['created_at']}, not resumed)",
            )
        raise Failure(
            "times",
            f"{named}, outside the window in force {self.frame.starts_at.isoformat()} – "
            f"{self.frame.ends_at.isoformat()}",
        )

    def _near(self, entry: _Entry, field: str) -> datetime:
        """The entry's ``created_at``, once the time ``field`` its payload claims is within the tolerance of it."""
        created = _instant(entry.document["created_at"])
        if abs(_instant(entry.payload[field]) - created) > TIME_TOLERANCE:
            raise Failure("times", self._contradiction(entry, field, "far from"))
        return created

    @staticmethod
    def _contradiction(entry: _Entry, field: str, relation: str) -> str:
        return (
            f"the {entry.kind} entry (leaf {entry.leaf_index}) claims {field} {entry.payload[field]}, {relation} its "
            f"own log time created_at {entry.document['created_at']} (tolerance {TIME_TOLERANCE})"
        )

    # --- 11. freshness against the public log (--log-dump) ------------------------------------------------

    def check_freshness(self, lines: Iterable[bytes]) -> None:
        """The bundle against a dump of the public log (``evote audit dump``): the dump's leaves rebuild its signed
        checkpoint; the bundle's checkpoints are the same tree (else a fork: two checkpoints of one size signed by
        the same key); the vote has no entry the bundle lacks, up to the bundle's checkpoint or after it."""
        self.current = "freshness"
        tree = CompactRange()
        roots: dict[int, bytes] = {}
        wanted = {self.result_checkpoint.size, self.latest_checkpoint.size}
        notes: list[Any] = []
        latest = self.latest_checkpoint.size
        # Of the vote's entries in the dump, only what the failures name: the first one the bundle lacks below its
        # latest checkpoint, and those after it (how many, the first five): a constant, whatever the log's size.
        lacking: tuple[int, str] | None = None
        later: list[tuple[int, str]] = []
        later_count = 0
        with self.step("freshness"):
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                try:
                    item = _strict_json(line)
                except (UnicodeDecodeError, ValueError, RecursionError) as error:
                    raise Failure("freshness", f"log dump line {number} is not JSON ({error})") from error
                if "checkpoint" in item:
                    notes.append(item["checkpoint"])
                    continue
                if item["leaf_index"] != tree.size:
                    raise Failure(
                        "freshness", f"log dump line {number}: leaf {item['leaf_index']} where leaf {tree.size} is due"
                    )
                try:
                    document = check_leaf_document(item["entry"])
                except ValueError as error:
                    raise Failure("freshness", f"log dump leaf {tree.size}: {error}") from error
                if document["vote_id"] == self.vote_id:
                    leaf = tree.size
                    if leaf >= latest:
                        later_count += 1
                        if len(later) < 5:
                            later.append((leaf, str(document["kind"])))
                    elif lacking is None and not self._has_leaf(leaf):
                        lacking = (leaf, str(document["kind"]))
                tree = tree.append(entry_leaf_hash(document))
                if tree.size in wanted:
                    roots[tree.size] = tree.root()
            if not notes:
                raise Failure("freshness", "the log dump has no signed checkpoint")
            dumped = [self._open_checkpoint("log dump", note)[0] for note in notes]
            head = max(dumped, key=lambda checkpoint: checkpoint.size)
            if head.size != tree.size or tree.root() != head.root_hash:
                raise Failure(
                    "freshness",
                    f"the log dump's {tree.size} leaves do not rebuild its signed checkpoint of size {head.size}",
                )
            for label, mine in (("result", self.result_checkpoint), ("latest", self.latest_checkpoint)):
                for theirs in dumped:
                    if theirs.size == mine.size and theirs.root_hash != mine.root_hash:
                        raise Failure("freshness", self._fork(label, mine.size))
                if mine.size > tree.size:
                    raise Failure(
                        "freshness",
                        f"the bundle's {label} checkpoint (size {mine.size}) is beyond the log dump's (size "
                        f"{tree.size}): the dump is older than the bundle, or the log was rolled back",
                    )
                if roots.get(mine.size) != mine.root_hash:
                    raise Failure("freshness", self._fork(label, mine.size))
            if lacking is not None:
                leaf, kind = lacking
                raise Failure("freshness", f"the log's {kind} entry at leaf {leaf} of this vote is missing")
            if later:
                named = ", ".join(f"{kind} at leaf {leaf}" for leaf, kind in later)
                raise Failure(
                    "freshness",
                    f"the log has {later_count} later entries of this vote after the bundle's latest checkpoint (size "
                    f"{latest}): {named}; the bundle is stale or hides them",
                )
        self.passed(
            "freshness",
            f"the log dump's {tree.size} leaves rebuild its signed checkpoint; the bundle's checkpoints are of the "
            f"same tree and no entry of the vote is missing or later",
        )

    def _has_leaf(self, leaf: int) -> bool:
        at = bisect_left(self.leaves, leaf)
        return at < len(self.leaves) and self.leaves[at] == leaf

    @staticmethod
    def _fork(label: str, size: int) -> str:
        return (
            f"fork: the bundle's {label} checkpoint of size {size} and the public log's tree at size {size} have "
            "different roots, both signed by the log key"
        )

    # --- 10. decision status -------------------------------------------------------------------------------

    def check_procedure(self) -> None:
        """Issue #17's procedure around the count (``app.verifier.procedure``): the window in force and the close
        (R-SUP-5/6), roll objections (R-ROLL-7), paper ballots and their public counting (R-PAPER-1..4), convening,
        candidate lists and rules of procedure (R-CONV, R-CAND-8, R-PROC-3)."""
        with self.step("procedure"):
            try:
                window = procedure.check_window(self.frame, self.entries, self.closed)
                objections = procedure.check_objections(self.frame, self.entries, self.closed)
                paper = procedure.check_paper(
                    self.frame, self.published, self.entries, self.closed, self.receptions, self.paper_records,
                    self.online_records, self.group_area, _Reread(self),
                    first_voided=None if self.first_voided is None else self.first_voided[1],
                )  # fmt: skip
                convening = procedure.check_convening(self.published, self.entries, self.topics, self.notice)
            except procedure.ProcedureFailure as failure:
                raise Failure(failure.check, failure.message) from failure
        self.passed("window", window)
        self.passed("roll", objections)
        self.passed("paper", paper)
        self.passed("convening", convening)

    # --- 10. decision status -------------------------------------------------------------------------------

    def check_decision(self) -> None:
        """R-SUP-7: each topic's decision status (IN_FORCE, REVOKED_BY_STREET_OFFICE, REVOKED_BY_COURT; none when the
        outcome decided nothing) and the vote's summary, from the revocations in the log (already proven); a
        revocation of a topic that decided nothing, a second one, or one whose decision member is not the signed
        decision FAILs. The result stays as it was counted."""
        with self.step("decision"):
            try:
                decisions = procedure.decision_statuses(self.result["topics"], self.entries)
            except procedure.ProcedureFailure as failure:
                raise Failure(failure.check, failure.message) from failure
            self.decisions = decisions
            parts = []
            for topic in self.result["topics"]:
                topic_id = str(topic["topic_id"])
                status = decisions.statuses[topic_id]
                act = decisions.acts.get(topic_id)
                named = f"topic {topic['position']} ({topic_id}) {topic['outcome']}: {status or 'no decision'}"
                if act is not None:
                    named += f" on {act.payload['acted_at']} ({act.payload['document_ref']})"
                parts.append(named)
        self.passed("decision", f"{decisions.summary}; " + "; ".join(parts))


_AREA_SOURCES: Mapping[Any, AreaSource] = {source.value: source for source in AreaSource}
_UNIT_FIELDS = operator.itemgetter("unit_key", "area", "area_source", "owners", "sale_status", "delivered", "parking")
_UNSOLD = SaleStatus.UNSOLD.value
_SALE_STATUSES: Mapping[Any, SaleStatus] = {status.value: status for status in SaleStatus}


#: A recomputed group no roll group lists (``_regroup``): a verdict of its own, distinct from every message.
_UNLISTED = "\x00unlisted"


def _same_group(group: VoterGroup, listing: tuple[Any, ...]) -> bool:
    """``_group_difference(_recomputed(group), listing, roll_format) is None`` for a roll that binds its owners,
    without the recomputed copy."""
    _, area, heads, is_developer, claimed_units, owners = listing
    return (
        claimed_units == group.unit_ids and area == group.area and type(is_developer) is bool
        and is_developer == group.is_developer and type(heads) is int and heads == 1 and owners is not None
        and list(owners) == sorted(group.owner_keys)
    )  # fmt: skip


def _group_difference(group: _Recomputed, listing: tuple[Any, ...], roll_format: Any) -> str | None:
    """What differs between a recomputed group and the roll's group that lists its first unit, or None."""
    group_id, area, heads, is_developer, claimed_units, owners = listing
    units = ", ".join(group.unit_ids)
    if claimed_units != group.unit_ids:
        return (
            f"the register snapshot groups units {units} together, the roll's group "
            f"{group_id} has units {', '.join(claimed_units)}"
        )
    if area != group.area:
        return (
            f"group {group_id} (units {units}): the register snapshot's unit areas add up "
            f"to {group.area}, the roll says {area} (a unit's area was changed)"
        )
    if type(is_developer) is not bool or is_developer != group.is_developer or type(heads) is not int or heads != 1:
        return f"group {group_id}: developer flag {is_developer!r} or heads {heads!r} differ (a boolean and 1)"
    # A version-2 roll binds its owners (their per-vote pseudonyms) in the roll hash (R-ROLL-1).
    if roll_format is not None and (owners is None or list(owners) != group.owner_keys):
        return (
            f"group {group_id} (units {units}): the register snapshot's owners of these units "
            "are not the owners frozen in the roll (an owner link was changed)"
        )
    return None


#: Bytes of register.jsonl's unit lines regrouped in memory at a time (``_Verifier._regroup``): the register is
#: spread over this many bytes per partition (~40,000 units, ~40 MB while regrouped), whatever its size.
REGROUP_PARTITION_BYTES = 8 << 20


def _partition_count(register_bytes: int) -> int:
    return max(1, -(-register_bytes // REGROUP_PARTITION_BYTES))


class _FirstIds:
    """The first (smallest) distinct unit ids a check of ``build_roll`` names: its message shows the first
    ``_PREVIEW_IDS`` and marks more with "…", so one more is kept, never all of them."""

    limit = _PREVIEW_IDS + 1

    def __init__(self) -> None:
        self.ids: list[str] = []

    def add(self, unit_id: str) -> None:
        ids = self.ids
        if len(ids) == self.limit and unit_id >= ids[-1]:
            return
        at = bisect_left(ids, unit_id)
        if at == len(ids) or ids[at] != unit_id:
            ids.insert(at, unit_id)
            del ids[self.limit :]


class _RollChecks:
    """``build_roll``'s checks over the whole register (R-ROLL-4/-6), as its units stream by one at a time, and the
    owner set under which each counted unit is regrouped (R-HEAD-4: the developer's for a unit it holds)."""

    def __init__(self, developer_key: Any, include_parking: bool) -> None:
        self.developer: frozenset[str] = frozenset() if developer_key is None else frozenset({developer_key})
        self.developer_missing = developer_key is None
        self.include_parking = include_parking
        self.scope_error: Exception | None = None  # reading the notice's scope failed (before build_roll runs)
        self.wanted_error: Exception | None = None  # its unit ids are no set (inside build_roll, after duplicates)
        self.wanted: set[str] | None = None
        self.found: set[str] = set()
        self.units = self.counted = 0
        self.previous: str | None = None
        self.ordered = True  # ids strictly increasing so far: none repeats
        self.disorder: tuple[int, str, str] | None = None  # the first unit listed after a greater one: line, ids
        self.not_positive, self.without_owner, self.developer_held = _FirstIds(), _FirstIds(), _FirstIds()

    def scope(self, scope: list[Any] | None) -> None:
        try:
            self.wanted = None if scope is None else set(scope)
        except TypeError as error:
            self.wanted_error = error

    def unit(self, unit_id: str, area: int, owned: bool, held: bool, parking: bool) -> bool:
        """Check one unit (the fields of its ``UnitRecord``; ``owned``: it lists an owner, ``held``: its
        ``developer_held``); whether it is counted (its group's owner set is then the developer's if ``held``)."""
        self.units += 1
        if self.previous is not None and unit_id <= self.previous:
            if self.ordered:
                self.disorder = (self.units + 1, self.previous, unit_id)  # line 1 is the header
            self.ordered = False
        self.previous = unit_id
        if self.wanted is not None:
            if unit_id not in self.wanted:
                return False
            self.found.add(unit_id)
        if area <= 0:
            self.not_positive.add(unit_id)
        if not held and not owned:
            self.without_owner.add(unit_id)
        if parking and not self.include_parking:
            return False
        if held and self.developer_missing:
            self.developer_held.add(unit_id)
        self.counted += 1
        return True

    def raise_first(self, duplicates: Callable[[], list[str]]) -> None:
        """Raise what reading the scope and ``build_roll`` would raise over the whole register, in their order."""
        if self.scope_error is not None:
            raise self.scope_error
        if self.disorder is not None:  # strictly increasing ids (as exported: sorted by unit key) repeat none
            _reject(DuplicateUnit, duplicates())
            line, previous, unit_id = self.disorder
            raise Failure(
                "register",
                f"{d.REGISTER} line {line}: unit {unit_id!r} comes after unit {previous!r} (units are listed once "
                "each, in increasing unit_key order by code point)",
            )
        if self.wanted_error is not None:
            raise self.wanted_error
        if self.wanted is not None:
            _reject(ScopeUnknownUnit, self.wanted - self.found)
        _reject(UnitAreaNotPositive, self.not_positive.ids)
        _reject(UnitWithoutOwner, self.without_owner.ids)
        _reject(DeveloperMissing, self.developer_held.ids)
        if not self.counted:
            raise EmptyRoll()


class _Recomputed(NamedTuple):
    """A recomputed ``VoterGroup`` as ``_regroup`` compares it: its owners sorted."""

    key: str
    unit_ids: tuple[str, ...]
    area: int
    is_developer: bool
    owner_keys: list[str]


def _recomputed(group: VoterGroup) -> _Recomputed:
    return _Recomputed(group.key, group.unit_ids, group.area, group.is_developer, sorted(group.owner_keys))


class _ListedIds:
    """Whether the roll's group ids came in strictly increasing order (as exported: sorted by group id), so that
    none repeats; otherwise they are read again (``_roll_repeats_an_id``)."""

    def __init__(self) -> None:
        self.ordered = True
        self.previous = ""

    def see(self, group_id: Any) -> None:
        hash(group_id)  # an id that is no JSON scalar fails here, as a set of ids would fail on it
        if self.ordered and (type(group_id) is not str or group_id <= self.previous):
            self.ordered = False
        else:
            self.previous = group_id


def _first_difference(records: Iterable[Any], roll_format: Any) -> tuple[str, _Recomputed, str] | None:
    """One comparison partition of ``_regroup``: its recomputed groups (each under its first unit), then the listed
    groups in roll order. The failing recomputed group with the smallest key, with its verdict (``_UNLISTED``
    when no listed group lists its first unit), or None."""
    firsts: dict[str, _Recomputed] = {}
    verdicts: dict[str, tuple[_Recomputed, str | None]] = {}
    for fields in records:
        if fields[0] is not None:
            group = _Recomputed._make(fields)  # a tuple read back from its partition
            firsts[group.unit_ids[0]] = group
            verdicts[group.key] = (group, _UNLISTED)
            continue
        listing = fields[1]
        for unit in listing[4]:
            found = firsts.get(unit)
            if found is not None:
                verdicts[found.key] = (found, _group_difference(found, listing, roll_format))
    failing = [key for key, (_, verdict) in verdicts.items() if verdict is not None]
    if not failing:
        return None
    key = min(failing)
    group, verdict = verdicts[key]
    return key, group, str(verdict)


def _unit_of(fields: tuple[Any, ...]) -> UnitRecord:
    """A unit record from the fields ``_regroup`` wrote of a checked one."""
    unit_id, area, source, owners, status, delivered, parking = fields
    return UnitRecord(unit_id, area, _AREA_SOURCES[source], owners, _SALE_STATUSES[status], delivered, parking)


_OWNER_PSEUDONYM = re.compile(r"[0-9a-f]{32}")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_EVIDENCE = frozenset(evidence.value for evidence in OwnershipEvidence)


def _register_line(line: bytes, number: int) -> dict[str, Any]:
    """Line ``number`` of register.jsonl, a unit: canonical, exactly the documented members, each of its documented
    type (docs/evidence-formats.md §5); a ``register`` failure naming the line and the unit otherwise."""
    try:
        fast: dict[str, Any] = _loads(line)
        # orjson's sorted output (integers within 2^53 - 1) and every member of its exact documented type (no float)
        # under its documented ASCII name: the line is canonical, without ``_canonical_object``'s walk of the value
        if type(fast) is dict and _dumps_sorted(fast) == line and _unit_problem(fast) is None:
            return fast
    except (ValueError, TypeError):  # the reference below names it
        pass
    try:  # the reference: what is wrong, as the strict parser names it
        unit = _canonical_object(line)
        problem = _unit_problem(unit)
    except (ValueError, RecursionError) as error:
        unit, problem = None, str(error)
    if problem is None:
        return unit  # type: ignore[return-value]
    try:  # the unit named as a reader keeping the last of repeated members reads it
        key = unit["unit_key"] if unit is not None else _document(line).get("unit_key")
    except Exception:
        key = None
    named = "" if key is None else f" (unit {key!r})"
    raise Failure("register", f"{d.REGISTER} line {number}{named}: {problem}")


#: A JSON string's characters that RFC 8785 and orjson both write as themselves: any but ``"``, ``\\`` and the
#: control characters (the line is valid UTF-8, so no lone surrogate).
_TEXT = r'[^"\\\x00-\x1f]'
#: Owner pseudonyms as a JSON array's text within the brackets; a repetition is entered only from the third (a
#: repeated group costs the matcher more than the alternatives).
_PSEUDONYMS = r'((?:"[0-9a-f]{32}"(?:,"[0-9a-f]{32}"(?:,"[0-9a-f]{32}")*|))|)'


def _choice(values: Iterable[str]) -> str:
    return "(?:" + "|".join(re.escape(value) for value in sorted(values)) + ")"


#: A register unit line as the exporter writes it (docs/evidence-formats.md §5): its members in canonical order,
#: each of its documented type, strings without escapes, an area of at most 15 digits (below 2^53: RFC 8785's
#: integers). Such a line is its object's RFC 8785 form and ``_unit_problem`` finds nothing wrong with it.
#: Written to match in a block of whole lines too (``_exported_columns``): from a line's start (``^`` of a
#: multi-line pattern) to its newline, the only newline a match spans (no class of the pattern takes one), so matches
#: that leave no text before, between or after them are the block's lines, each matched whole.
_SOURCE, _STATUS, _HOW = _choice(_AREA_SOURCES), _choice(_SALE_STATUSES), _choice(_EVIDENCE)
_UNIT_LINE = re.compile(
    rf'^\{{"area":(0|-?[1-9][0-9]{{0,14}}),"area_source":"{_SOURCE}","building":"{_TEXT}*","delivered":(true|false),'
    rf'"entrance":(?:null|"{_TEXT}*"),"evidence":"{_HOW}","owners":\[{_PSEUDONYMS}\],"parking":(true|false),'
    rf'"room":"{_TEXT}*","sale_status":"({_STATUS})","unit_key":("({_TEXT}+)")\}}\n',
    re.MULTILINE,
)
#: A version-2 roll group line as the exporter writes it: group id, area, developer flag, owners and units (as
#: ``_UNIT_LINE``, from a line's start to its newline).
_GROUP_LINE = re.compile(
    rf'^\{{"area":(0|[1-9][0-9]{{0,14}}),"group_id":"({_TEXT}*)","heads":1,"is_developer":(true|false),'
    rf'"owners":\[{_PSEUDONYMS}\],"units":\[("{_TEXT}*"(?:,"{_TEXT}*"(?:,"{_TEXT}*")*|))\]\}}\n',
    re.MULTILINE,
)
_ONE_OWNER = 34  # one pseudonym's JSON text: 32 hex digits between quotes


def _exported_unit(line: bytes) -> tuple[str, str, int, str, bool, bool] | None:
    """A register unit line that ``_UNIT_LINE`` matches, its owners in increasing order: its unit id (and its JSON
    text), area, owners' JSON text within the brackets (``_owners_text``), ``developer_held`` and parking; None for
    any other line."""
    try:
        match = _UNIT_LINE.fullmatch(line.decode() + "\n")
    except UnicodeDecodeError:
        return None
    if match is None:
        return None
    area, delivered, owners, parking, status, quoted, unit_id = match.groups()
    if len(owners) > _ONE_OWNER:
        keys = owners[1:-1].split('","')
        if not all(map(operator.lt, keys, keys[1:])):
            return None
    return unit_id, quoted, int(area), owners, status == _UNSOLD or delivered == "false", parking == "true"


def _exported_columns(pattern: re.Pattern[str], block: bytes) -> list[list[str]] | None:
    """Each group of ``pattern`` (``_UNIT_LINE``, ``_GROUP_LINE``: every group takes part in every match) as a
    column: its text in each line of ``block`` (whole lines, each ending in its newline), in order, when every line
    is valid UTF-8 and matches; None otherwise. One ``split`` in C: the matches' groups between the texts around them,
    all empty exactly when the matches are the lines."""
    try:
        parts = pattern.split(block.decode())
    except UnicodeDecodeError:
        return None
    step = pattern.groups + 1
    if any(parts[::step]):  # text that no match took: a line not matched whole
        return None
    return [parts[at::step] for at in range(1, step)]


def _exported_units(block: bytes, checks: _RollChecks, developer: str | None, units: spill.Partitions) -> int | None:
    """``_regroup_exported``'s work on a block of register unit lines (whole lines) at once, with C loops over the
    block's columns, when every line is one ``_exported_unit`` reads and ``_RollChecks.unit`` finds nothing to note
    of any (in scope, ids increasing, areas positive, an owner or held, a developer for those held): the same checks'
    state and the same partitions' values as ``_exported_unit`` and ``_RollChecks.unit`` line by line: how many
    lines it read. None, with nothing done, otherwise (the block is then read a line at a time)."""
    columns = _exported_columns(_UNIT_LINE, block)
    if columns is None:
        return None
    area_texts, delivered, owners, parking, status, quoted, ids = columns
    if not ids:
        return 0
    if max(map(len, owners)) > _ONE_OWNER:  # several owners: in increasing order (``_exported_unit``)
        for text in owners:
            if len(text) > _ONE_OWNER:
                pseudonyms = text[1:-1].split('","')
                if not all(map(operator.lt, pseudonyms, pseudonyms[1:])):
                    return None
    areas = list(map(int, area_texts))
    if min(areas) <= 0:
        return None
    if (checks.previous is not None and not checks.previous < ids[0]) or not all(map(operator.lt, ids, ids[1:])):
        return None
    if checks.wanted is not None and not checks.wanted.issuperset(ids):
        return None
    held: list[bool] | None = None  # ``UnitRecord.developer_held`` of each, if any is
    if _UNSOLD in status or "false" in delivered:
        held = [sold == _UNSOLD or handed == "false" for sold, handed in zip(status, delivered, strict=True)]
    counted: list[bool] | None = None  # which are counted, if not all: parking ones, without parking
    if "true" in parking and not checks.include_parking:
        counted = [flag == "false" for flag in parking]
    if "" in owners and (held is None or not all(itertools.compress(held, map(operator.not_, owners)))):
        return None  # a unit without owners that the developer does not hold
    if checks.developer_missing and held is not None and any(itertools.compress(held, counted or itertools.repeat(1))):
        return None  # a counted unit that the developer holds, without a developer
    if checks.wanted is not None:
        checks.found.update(ids)
    checks.units += len(ids)
    checks.previous = ids[-1]
    keys: list[Any] = (
        owners if held is None else [developer if mine else text for mine, text in zip(held, owners, strict=True)]
    )
    records: Iterable[tuple[Any, str, int]] = zip(keys, quoted, areas, strict=True)
    if counted is not None:
        keys, records = list(itertools.compress(keys, counted)), itertools.compress(records, counted)
    checks.counted += len(keys)
    units.add_many(map(operator.mod, map(hash, keys), itertools.repeat(units.count)), records)
    return len(ids)


def _exported_group(line: bytes) -> tuple[str, ...] | None:
    """A roll group line that ``_GROUP_LINE`` matches: its area, group id, developer flag, owners' and units' JSON
    text within the brackets; None for any other line."""
    try:
        match = _GROUP_LINE.fullmatch(line.decode() + "\n")
    except UnicodeDecodeError:
        return None
    return None if match is None else match.groups()


def _owners_text(owners: Iterable[str]) -> str:
    """Owner pseudonyms in increasing order as their JSON array's text within the brackets (a group's key in
    ``_regroup_exported``): the same text ``_UNIT_LINE`` and ``_GROUP_LINE`` take from a line."""
    text = '","'.join(owners)
    return f'"{text}"' if text else ""


_UNIT_MEMBER_COUNT = len(d.REGISTER_UNIT_MEMBERS)
_UNIT_MEMBERS = operator.itemgetter(*sorted(d.REGISTER_UNIT_MEMBERS))


def _unit_problem(unit: Mapping[str, Any]) -> str | None:
    """What a register unit's members get wrong of their documented types, or None: a unit as exported (one owner,
    as most) is accepted on one expression; any other is looked at member by member (``_unit_problem_named``)."""
    try:
        # as many members as documented, each read by name (a KeyError for a missing one): exactly those members
        area, source, building, delivered, entrance, evidence, owners, parking, room, status, key = _UNIT_MEMBERS(unit)
        if (
            len(unit) == _UNIT_MEMBER_COUNT
            and type(key) is str
            and key
            and type(building) is str
            and type(room) is str
            and (entrance is None or type(entrance) is str)
            and type(area) is int
            and type(parking) is bool
            and type(delivered) is bool
            and source in _AREA_SOURCES  # keys are text: nothing else is in them
            and status in _SALE_STATUSES
            and evidence in _EVIDENCE
            and type(owners) is list
            and len(owners) == 1
            and type(owners[0]) is str
            and _OWNER_PSEUDONYM.fullmatch(owners[0])
        ):
            return None
    except (KeyError, TypeError):  # a missing member, or an unhashable value looked up
        pass
    return _unit_problem_named(unit)


def _unit_problem_named(unit: Mapping[str, Any]) -> str | None:
    problem = _members_problem(unit, d.REGISTER_UNIT_MEMBERS)
    if problem is not None:
        return problem
    if type(unit["unit_key"]) is not str or not unit["unit_key"]:
        return f"unit_key {unit['unit_key']!r} is not a non-empty string"
    for name in ("building", "room"):
        if type(unit[name]) is not str:
            return f"{name} {unit[name]!r} is not a string"
    if unit["entrance"] is not None and type(unit["entrance"]) is not str:
        return f"entrance {unit['entrance']!r} is neither a string nor null"
    if type(unit["area"]) is not int:
        return f"area {unit['area']!r} is not an integer (0.01 m²)"
    for name, values in (("area_source", _AREA_SOURCES), ("sale_status", _SALE_STATUSES), ("evidence", _EVIDENCE)):
        if type(unit[name]) is not str or unit[name] not in values:
            return f"{name} {unit[name]!r} is not one of {', '.join(sorted(values))}"
    for name in ("parking", "delivered"):
        if type(unit[name]) is not bool:
            return f"{name} {unit[name]!r} is not a boolean"
    owners = unit["owners"]
    if (
        type(owners) is not list
        or not all(type(owner) is str and _OWNER_PSEUDONYM.fullmatch(owner) for owner in owners)
        or any(a >= b for a, b in itertools.pairwise(owners))
    ):
        return f"owners {owners!r} is not a list of owner pseudonyms (32 hex digits) in increasing order"
    return None


def _header_problem(header: Mapping[str, Any]) -> str | None:
    """What register.jsonl's header gets wrong of its documented members and types, or None."""
    problem = _members_problem(header, d.REGISTER_HEADER_MEMBERS)
    if problem is not None:
        return problem
    if header["format"] != d.REGISTER_FORMAT:
        return f"format {header['format']!r} is not {d.REGISTER_FORMAT}"
    for name in ("estate_id", "version_id"):
        if type(header[name]) is not str or not _UUID_TEXT.fullmatch(header[name]):
            return f"{name} {header[name]!r} is not a UUID"
    if type(header["number"]) is not int or header["number"] < 1:
        return f"number {header['number']!r} is not a positive integer"
    if type(header["content_hash"]) is not str or not _SHA256_HEX.fullmatch(header["content_hash"]):
        return f"content_hash {header['content_hash']!r} is not 64 hex digits"
    if type(header["include_parking"]) is not bool:
        return f"include_parking {header['include_parking']!r} is not a boolean"
    developer = header["developer"]
    if developer is not None and (type(developer) is not str or not _OWNER_PSEUDONYM.fullmatch(developer)):
        return f"developer {developer!r} is neither an owner pseudonym (32 hex digits) nor null"
    return None


def _unit_record(unit: Mapping[str, Any]) -> UnitRecord:
    """The law core's record of a unit whose members and types were checked (``_register_line``): taken as they are."""
    return UnitRecord(
        unit["unit_key"], unit["area"], _AREA_SOURCES[unit["area_source"]], frozenset(unit["owners"]),
        _SALE_STATUSES[unit["sale_status"]], unit["delivered"], unit["parking"],
    )  # fmt: skip


def _grant_fits(grant: Any, basis: Any) -> bool:
    """Whether a ``ballot.cast`` entry's ``grant`` (the grant's per-vote keyed pseudonym, ``""`` for none) fits its
    basis: the verifier has no key to recompute it (``evote audit check`` does), but a ballot cast under a grant
    (R-CAST-2..4) names one and an owner's own, a transferee's or a paper ballot names none."""
    if basis in GRANT_BASES:
        return isinstance(grant, str) and GRANT_PSEUDONYM.fullmatch(grant) is not None
    return isinstance(grant, str) and not grant


class _Reread:
    """``procedure.Evidence``: the entries a paper failure names, read again from the log member (failure paths
    only)."""

    def __init__(self, verifier: _Verifier) -> None:
        self.verifier = verifier

    def entry(self, leaf: int) -> _Entry:
        return self.verifier._document_at(leaf)

    def cast(self, leaf: int) -> procedure.Cast:
        return procedure.Cast.of(leaf, self.verifier._document_at(leaf).document)


def _holds(leaves: array[int], leaf: int) -> bool:
    """Whether an array of leaves in ascending order holds this leaf."""
    at = bisect_left(leaves, leaf)
    return at < len(leaves) and leaves[at] == leaf


def _utc(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat()


def _key_name(key: NoteVerifier) -> str:
    return f"{key.name}+{key.key_id.hex()}"


def _cosigners(cosigned: Mapping[NoteVerifier, int]) -> str:
    return ", ".join(f"{key.name} at {_utc(time)}" for key, time in cosigned.items()) or "none"


_ED25519_SPKI = bytes.fromhex("302a300506032b6570032100")  # RFC 8410 §4: SubjectPublicKeyInfo DER before the key


def _spki_pem(raw: bytes) -> bytes:
    """The PEM (RFC 7468 §13) of an Ed25519 public key, as ``cryptography`` writes it (and so the exporter)."""
    return b"-----BEGIN PUBLIC KEY-----\n" + base64.b64encode(_ED25519_SPKI + raw) + b"\n-----END PUBLIC KEY-----\n"


def _pem_holds(pem: bytes, raw: bytes) -> bool:
    """Whether a PEM in any other layout ``cryptography`` reads is this Ed25519 public key."""
    # imported here: the serialization package loads cryptography's SSH and cipher modules, not needed otherwise
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    loaded = load_pem_public_key(pem)
    return isinstance(loaded, Ed25519PublicKey) and loaded.public_bytes_raw() == raw


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
