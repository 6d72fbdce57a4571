"""C2SP signed notes (https://c2sp.org/signed-note) and tlog checkpoints (https://c2sp.org/tlog-checkpoint).

Byte-compatible with Go's ``golang.org/x/mod/sumdb/note`` for Ed25519 keys (tests reproduce its published
``PeterNeumann`` / ``EnochRoot`` examples). The rules implemented, all from the signed-note spec, "Format"
and "Signatures":

* A note is UTF-8 text without ASCII control characters other than newline. The text is non-empty, ends
  in a newline, and is separated from the signature block by the *last* blank line, so the text may
  itself contain blank lines.
* Each signature line is ``"— " name " " base64(key ID || signature) "\\n"`` (em dash U+2014, standard
  base64 with padding). Key names are non-empty and contain no Unicode space and no ``+``.
* The key ID of an Ed25519 key is ``SHA-256(name || 0x0A || 0x01 || 32-byte public key)[:4]``.
* A verifier key string is ``name "+" hex8(key ID) "+" base64(0x01 || public key)``.
* Opening: signatures from unknown keys (name *and* key ID not both known) are ignored; a known key's
  signature that fails to verify rejects the note (``NoteSignatureInvalid``); a note with no verified
  signature is rejected (``NoteUnverified``). At most 100 signature lines are read, as in Go.

Witness cosignatures are timestamped, as in c2sp.org/tlog-cosignature (``cosignature/v1``, signature type
0x04): the key ID is ``SHA-256(name || 0x0A || 0x04 || public key)[:4]``, the verifier key string
``name "+" hex8(key ID) "+" base64(0x04 || public key)``, the signature ``u64 timestamp (big-endian POSIX
seconds, at most 2^63 - 1) || Ed25519 signature`` and the signed message ``"cosignature/v1\n" "time "
decimal(timestamp) "\n"`` followed by the whole note text. ``add_cosignature`` writes one; ``open_note``
verifies a 0x04 key's lines as cosignatures and reports each cosigner's time in ``OpenedNote.cosigned_at``.

Stricter than Go, never looser: every signature of a known key is verified, including repeats (Go
verifies only the first); base64 must be in its canonical form; names may not contain control characters.

A checkpoint body (tlog-checkpoint, "Note text") is ``origin "\\n" size "\\n" base64(root hash) "\\n"``
followed by optional non-empty extension lines. The size is ASCII decimal without leading zeros (at most
2^64 - 1, Go's ``uint64``) and the root hash is the 32-byte RFC 6962 / RFC 9162 SHA-256 Merkle tree hash.

Errors (see ``app.ledger.errors``): malformed or unverifiable input raises the ``LedgerError`` subclasses
``MalformedNote``, ``NoteSignatureInvalid``, ``NoteUnverified``, ``MalformedCheckpoint`` and
``MalformedVerifierKey``, all of which are also ``ValueError``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.ledger.errors import (
    MalformedCheckpoint,
    MalformedNote,
    MalformedVerifierKey,
    NoteSignatureInvalid,
    NoteUnverified,
)
from app.ledger.merkle import HASH_SIZE
from app.ledger.signing import (
    PUBLIC_KEY_SIZE,
    SIGNATURE_SIZE,
    public_key_bytes,
    public_key_from_bytes,
    sign,
    verify,
)

ALG_ED25519 = 0x01
ALG_COSIGNATURE_V1 = 0x04
COSIGNATURE_HEADER = "cosignature/v1\n"
MAX_COSIGNATURE_TIME = 2**63 - 1
TIMESTAMP_SIZE = 8
KEY_ID_SIZE = 4
SIGNATURE_PREFIX = "\u2014 "  # em dash, space
MAX_SIGNATURES = 100
MAX_TREE_SIZE = 2**64 - 1

_DECIMAL = re.compile(r"0|[1-9][0-9]{0,19}")
_KEY_ID_HEX = re.compile(r"[0-9a-f]{8}")


def key_id(name: str, public_key: bytes, alg: int = ALG_ED25519) -> bytes:
    """The 4-byte key ID: ``SHA-256(name || "\\n" || alg || public key)[:4]`` (0x01 signer, 0x04 cosigner)."""
    problem = _name_problem(name)
    if problem:
        raise ValueError(problem)
    if not isinstance(public_key, bytes) or len(public_key) != PUBLIC_KEY_SIZE:
        raise ValueError(f"an Ed25519 public key is {PUBLIC_KEY_SIZE} raw bytes")
    if alg not in (ALG_ED25519, ALG_COSIGNATURE_V1):
        raise ValueError("the signature type is 0x01 (Ed25519) or 0x04 (timestamped Ed25519 cosignature)")
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([alg]) + public_key).digest()[:KEY_ID_SIZE]


@dataclass(frozen=True, slots=True)
class NoteVerifier:
    """A trusted note key: its name, raw 32-byte Ed25519 public key and signature type; ``key_id`` is derived.

    ``alg`` 0x01 is a plain Ed25519 signer (a log); 0x04 a timestamped cosigner (a witness, tlog-cosignature).
    """

    name: str
    public_key: bytes
    alg: int = ALG_ED25519
    key_id: bytes = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key_id", key_id(self.name, self.public_key, self.alg))

    @classmethod
    def from_key(cls, name: str, public_key: Ed25519PublicKey, alg: int = ALG_ED25519) -> NoteVerifier:
        return cls(name, public_key_bytes(public_key), alg)

    @property
    def is_cosigner(self) -> bool:
        return self.alg == ALG_COSIGNATURE_V1

    def key_string(self) -> str:
        """``name+hex8(key ID)+base64(alg || public key)``, as Go's ``note.NewEd25519VerifierKey`` for 0x01."""
        encoded = base64.b64encode(bytes([self.alg]) + self.public_key).decode("ascii")
        return f"{self.name}+{self.key_id.hex()}+{encoded}"


def verifier_key_string(name: str, public_key: Ed25519PublicKey, alg: int = ALG_ED25519) -> str:
    return NoteVerifier.from_key(name, public_key, alg).key_string()


def parse_verifier_key(text: str) -> NoteVerifier:
    """Parse ``name+hex8(key ID)+base64(alg || public key)`` (alg 0x01 or 0x04); the key ID must match."""
    name, _, rest = text.partition("+")
    id_hex, _, key_b64 = rest.partition("+")
    problem = _name_problem(name)
    if problem:
        raise MalformedVerifierKey(reason=problem)
    if _KEY_ID_HEX.fullmatch(id_hex) is None:
        raise MalformedVerifierKey(reason="the key ID is not 8 lowercase hex digits")
    key = _b64decode(key_b64, MalformedVerifierKey)
    if len(key) != 1 + PUBLIC_KEY_SIZE or key[0] not in (ALG_ED25519, ALG_COSIGNATURE_V1):
        raise MalformedVerifierKey(reason="the key is not 0x01 or 0x04 followed by a 32-byte Ed25519 public key")
    verifier = NoteVerifier(name, key[1:], key[0])
    if verifier.key_id.hex() != id_hex:
        raise MalformedVerifierKey(reason="the key ID does not match the name and key")
    return verifier


@dataclass(frozen=True, slots=True)
class OpenedNote:
    """A note whose signatures were checked: its text, the trusted keys that signed it, and unknown signers.

    ``signers`` lists each verified key once, in the order of its first signature line; ``unknown`` lists
    the ``name+hex8(key ID)`` of signature lines from keys not in the verifier list, once each;
    ``cosigned_at`` gives each verified cosigner (0x04 key) with the time of its latest cosignature line.
    """

    text: str
    signers: tuple[NoteVerifier, ...]
    unknown: tuple[str, ...] = ()
    cosigned_at: tuple[tuple[NoteVerifier, int], ...] = ()


def sign_note(text: str, name: str, private_key: Ed25519PrivateKey) -> str:
    """The signed note of ``text`` with one Ed25519 signature line by key ``name``."""
    if not isinstance(text, str) or not text.endswith("\n"):
        raise MalformedNote(reason="the note text must be non-empty and end with a newline")
    if _has_control(text) or not _encodable(text):
        raise MalformedNote(reason="the note text contains a control character or is not valid Unicode")
    return _assemble(text, [_sign_line(text, name, private_key)])


def add_signature(note: str, name: str, private_key: Ed25519PrivateKey) -> str:
    """Append a plain Ed25519 (0x01) signature by ``name`` to a signed note, keeping the existing lines.

    An existing line from the same key (same name and key ID) is dropped, so re-signing never duplicates a
    line (Go's ``note.Sign`` does the same). The existing signatures are *not* verified here. Witnesses use
    ``add_cosignature`` instead.
    """
    text, lines = _split(note)
    new = _sign_line(text, name, private_key)
    return _assemble(text, _replacing(lines, new))


def cosignature_message(text: str, timestamp: int) -> bytes:
    """What a tlog-cosignature/v1 signs: ``cosignature/v1``, ``time <timestamp>``, then the whole note text."""
    _check_time(timestamp)
    return f"{COSIGNATURE_HEADER}time {timestamp}\n{text}".encode()


def add_cosignature(note: str, name: str, private_key: Ed25519PrivateKey, *, timestamp: int) -> str:
    """Cosign: append a timestamped cosignature (c2sp.org/tlog-cosignature, 0x04) by ``name`` to a signed note.

    An existing line from the same cosigner key is replaced. The existing signatures are *not* verified here:
    a witness checks the checkpoint first (``app.ledger.witness.cosign``).
    """
    text, lines = _split(note)
    identifier = key_id(name, public_key_bytes(private_key.public_key()), ALG_COSIGNATURE_V1)
    stamped = timestamp.to_bytes(TIMESTAMP_SIZE, "big") + sign(private_key, cosignature_message(text, timestamp))
    encoded = base64.b64encode(identifier + stamped).decode("ascii")
    new = _SignatureLine(f"{SIGNATURE_PREFIX}{name} {encoded}", name, identifier, stamped)
    return _assemble(text, _replacing(lines, new))


def _replacing(lines: list[_SignatureLine], new: _SignatureLine) -> list[_SignatureLine]:
    return [*(old for old in lines if (old.name, old.key_id) != (new.name, new.key_id)), new]


def _check_time(timestamp: int) -> None:
    if not isinstance(timestamp, int) or isinstance(timestamp, bool) or not 0 <= timestamp <= MAX_COSIGNATURE_TIME:
        raise ValueError("a cosignature time is an integer from 0 to 2^63 - 1 (POSIX seconds)")


def open_note(note: str | bytes, verifiers: Iterable[NoteVerifier]) -> OpenedNote:
    """Verify a signed note against trusted keys (signed-note, "Signatures"); see the module docstring."""
    known: dict[tuple[str, bytes], NoteVerifier] = {}
    for verifier in verifiers:
        slot = (verifier.name, verifier.key_id)
        if known.setdefault(slot, verifier) != verifier:
            raise ValueError(f"two different keys share the name and key ID {verifier.name}+{verifier.key_id.hex()}")
    text, lines = _split(note)
    message = text.encode("utf-8")
    signers: dict[tuple[str, bytes], NoteVerifier] = {}
    unknown: dict[str, None] = {}
    times: dict[NoteVerifier, int] = {}
    for line in lines:
        trusted = known.get((line.name, line.key_id))
        if trusted is None:
            unknown[f"{line.name}+{line.key_id.hex()}"] = None
            continue
        if trusted.is_cosigner:
            timestamp = _verified_cosignature(trusted, text, line)
            times[trusted] = max(timestamp, times.get(trusted, timestamp))
        elif not verify(public_key_from_bytes(trusted.public_key), message, line.signature):
            raise NoteSignatureInvalid(signer=f"{line.name}+{line.key_id.hex()}")
        signers.setdefault((line.name, line.key_id), trusted)
    if not signers:
        raise NoteUnverified(reason=f"{len(lines)} signature line(s), none from a trusted key")
    return OpenedNote(text, tuple(signers.values()), tuple(unknown), tuple(times.items()))


def _verified_cosignature(cosigner: NoteVerifier, text: str, line: _SignatureLine) -> int:
    """The time of a tlog-cosignature/v1 line by ``cosigner``; ``NoteSignatureInvalid`` unless it verifies."""
    stamped = line.signature
    timestamp = int.from_bytes(stamped[:TIMESTAMP_SIZE], "big")
    if len(stamped) != TIMESTAMP_SIZE + SIGNATURE_SIZE or timestamp > MAX_COSIGNATURE_TIME:
        raise NoteSignatureInvalid(signer=f"{line.name}+{line.key_id.hex()}")
    message = cosignature_message(text, timestamp)
    if not verify(public_key_from_bytes(cosigner.public_key), message, stamped[TIMESTAMP_SIZE:]):
        raise NoteSignatureInvalid(signer=f"{line.name}+{line.key_id.hex()}")
    return timestamp


def signature_keys(note: str | bytes) -> tuple[str, ...]:
    """The ``name+hex8(key ID)`` of each signature line, unverified (to say who signed a note one cannot open)."""
    return tuple(f"{line.name}+{line.key_id.hex()}" for line in _split(note)[1])


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A tlog checkpoint body (c2sp.org/tlog-checkpoint): origin, tree size, root hash, extension lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "extensions", tuple(self.extensions))
        for label, line in [("origin", self.origin), *(("extension line", ext) for ext in self.extensions)]:
            if not isinstance(line, str) or not line or "\n" in line or _has_control(line):
                raise MalformedCheckpoint(reason=f"the {label} must be a non-empty line without control characters")
        if not isinstance(self.size, int) or isinstance(self.size, bool) or not 0 <= self.size <= MAX_TREE_SIZE:
            raise MalformedCheckpoint(reason="the tree size must be an integer from 0 to 2^64 - 1")
        if not isinstance(self.root_hash, bytes) or len(self.root_hash) != HASH_SIZE:
            raise MalformedCheckpoint(reason=f"the root hash must be {HASH_SIZE} bytes")

    def body(self) -> str:
        """The note text: origin, decimal size and base64 root hash, then extension lines, each ending in "\\n"."""
        root = base64.b64encode(self.root_hash).decode("ascii")
        return "".join(f"{line}\n" for line in (self.origin, str(self.size), root, *self.extensions))

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """The checkpoint in a note text (e.g. ``open_note(...).text``); strict inverse of ``body``."""
        if not isinstance(text, str) or not text.endswith("\n"):
            raise MalformedCheckpoint(reason="the checkpoint must end with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise MalformedCheckpoint(reason="a checkpoint has an origin, a size and a root hash line")
        origin, size, root, *extensions = lines
        if _DECIMAL.fullmatch(size) is None:
            raise MalformedCheckpoint(
                reason="the tree size is not a decimal number (no sign, no leading zeros, at most 20 digits)"
            )
        return cls(origin, int(size), _b64decode(root, MalformedCheckpoint), tuple(extensions))


@dataclass(frozen=True, slots=True)
class _SignatureLine:
    line: str
    name: str
    key_id: bytes
    signature: bytes


def _sign_line(text: str, name: str, private_key: Ed25519PrivateKey) -> _SignatureLine:
    identifier = key_id(name, public_key_bytes(private_key.public_key()))
    signature = sign(private_key, text.encode("utf-8"))
    encoded = base64.b64encode(identifier + signature).decode("ascii")
    return _SignatureLine(f"{SIGNATURE_PREFIX}{name} {encoded}", name, identifier, signature)


def _assemble(text: str, lines: list[_SignatureLine]) -> str:
    return text + "\n" + "".join(f"{line.line}\n" for line in lines)


def _split(note: str | bytes) -> tuple[str, list[_SignatureLine]]:
    """Split a signed note into its text and parsed signature lines (structure only, no verification)."""
    if isinstance(note, bytes):
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError as error:
            raise MalformedNote(reason="the note is not UTF-8") from error
    if _has_control(note) or not _encodable(note):
        raise MalformedNote(reason="the note contains a control character or is not valid Unicode")
    split = note.rfind("\n\n")
    if split < 0:
        raise MalformedNote(reason="no blank line before the signatures")
    text, block = note[: split + 1], note[split + 2 :]
    if not block.endswith("\n"):
        raise MalformedNote(reason="the signature block is empty or does not end with a newline")
    raw_lines = block[:-1].split("\n")
    if len(raw_lines) > MAX_SIGNATURES:
        raise MalformedNote(reason=f"more than {MAX_SIGNATURES} signature lines")
    return text, [_parse_line(raw) for raw in raw_lines]


def _parse_line(line: str) -> _SignatureLine:
    if not line.startswith(SIGNATURE_PREFIX):
        raise MalformedNote(reason="a signature line does not start with an em dash and a space")
    name, _, encoded = line[len(SIGNATURE_PREFIX) :].partition(" ")
    problem = _name_problem(name)
    if problem:
        raise MalformedNote(reason=problem)
    raw = _b64decode(encoded, MalformedNote)
    if len(raw) <= KEY_ID_SIZE:
        raise MalformedNote(reason="a signature is shorter than its key ID")
    return _SignatureLine(line, name, raw[:KEY_ID_SIZE], raw[KEY_ID_SIZE:])


def _name_problem(name: str) -> str | None:
    """Why ``name`` is not a key name (non-empty, no Unicode space, no '+', no control character), or None."""
    if not isinstance(name, str) or not name or "+" in name or any(ch.isspace() for ch in name):
        return "a key name must be non-empty, without spaces or '+'"
    if _has_control(name) or not _encodable(name):
        return "a key name must not contain control characters"
    return None


def _b64decode(text: str, error: type[MalformedNote | MalformedCheckpoint | MalformedVerifierKey]) -> bytes:
    """Strict standard base64 (RFC 4648 §4) with padding, in its canonical form only."""
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as failure:
        raise error(reason="invalid base64") from failure
    if not data or base64.b64encode(data).decode("ascii") != text:
        raise error(reason="empty or non-canonical base64")
    return data


def _has_control(text: str) -> bool:
    """An ASCII control character other than newline (signed-note: "below U+0020 other than newline")."""
    return any(ch < " " and ch != "\n" for ch in text)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
