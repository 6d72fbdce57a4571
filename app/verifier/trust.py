"""What the auditor trusts: the keys pinned on the command line or in a trust file, never the bundle's.

``evote verify BUNDLE --log-key KEY [--retired-log-key KEY …] [--witness NAME=KEY … --witness-quorum N]``, or
``--trust FILE`` with the same in JSON::

    {
      "log_key": "evote.example/log+1a2b3c4d+AX…",
      "retired_log_keys": ["evote.example/log+5e6f7a8b+AX…"],
      "witnesses": {"street-office.example": "street-office.example+9c0d1e2f+BH…"},
      "witness_quorum": 1
    }

Log keys are signed-note verifier keys (``name+hex8(key ID)+base64(0x01 || Ed25519 key)``, as served by
``GET /api/v1/log/keys``). A witness key is its c2sp.org/tlog-cosignature verifier key (``0x04``) whose name is
the witness's name, or the base64 of its raw 32-byte Ed25519 public key. The quorum defaults to every pinned
witness. Without a log key nothing is pinned: the verifier still runs every check against the bundle's own
current log key, but the verdict is ``UNVERIFIED KEY``, never ``PASS``.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.ledger.note import ALG_COSIGNATURE_V1, NoteVerifier, parse_verifier_key
from app.ledger.signing import PUBLIC_KEY_SIZE


class TrustError(ValueError):
    """The pinned keys given are unusable (a usage error: nothing was verified)."""


@dataclass(frozen=True, slots=True)
class Trust:
    """The pinned log key (None: nothing pinned), retired log keys, witnesses and the witness quorum."""

    log_key: NoteVerifier | None = None
    retired: tuple[NoteVerifier, ...] = ()
    witnesses: tuple[NoteVerifier, ...] = ()
    quorum: int = 0

    def __post_init__(self) -> None:
        log_keys = [] if self.log_key is None else [self.log_key, *self.retired]
        if self.log_key is None and (self.retired or self.witnesses):
            raise TrustError("retired log keys and witnesses need the log key (--log-key) pinned too")
        if any(key.is_cosigner or key.name != log_keys[0].name for key in log_keys):
            raise TrustError("log keys are 0x01 signed-note keys, all of one log (one origin name)")
        if not all(witness.is_cosigner for witness in self.witnesses):
            raise TrustError("witness keys are 0x04 tlog-cosignature keys")
        if len({witness.name for witness in self.witnesses}) != len(self.witnesses):
            raise TrustError("two witnesses share a name")
        if not 0 <= self.quorum <= len(self.witnesses):
            raise TrustError(f"the witness quorum must be from 0 to the {len(self.witnesses)} witnesses pinned")

    @property
    def pinned(self) -> bool:
        return self.log_key is not None

    @classmethod
    def of(
        cls,
        log_key: str | None,
        *,
        retired: Sequence[str] = (),
        witnesses: Sequence[str] | Mapping[str, str] = (),
        quorum: int | None = None,
    ) -> Trust:
        """From key strings; ``witnesses`` as ``NAME=KEY`` strings or a name → key mapping."""
        pairs = list(witnesses.items()) if isinstance(witnesses, Mapping) else [_split(item) for item in witnesses]
        witness_keys = tuple(witness_key(name, key) for name, key in pairs)
        try:
            log = None if log_key is None else parse_verifier_key(log_key)
            old = tuple(parse_verifier_key(key) for key in retired)
        except ValueError as error:
            raise TrustError(f"a log key is not a verifier key name+keyid+key ({error})") from error
        return cls(log, old, witness_keys, len(witness_keys) if quorum is None else quorum)

    @classmethod
    def from_file(cls, path: Path) -> Trust:
        """From a trust file (see the module docstring)."""
        try:
            document: Any = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as error:
            raise TrustError(f"cannot read the trust file {path}: {error}") from error
        known = {"log_key", "retired_log_keys", "witnesses", "witness_quorum"}
        if not isinstance(document, dict) or not isinstance(document.get("log_key"), str) or set(document) - known:
            raise TrustError(f"the trust file {path} is not an object with a log_key and only {sorted(known)}")
        quorum = document.get("witness_quorum")
        retired, witnesses = document.get("retired_log_keys", []), document.get("witnesses", {})
        if (
            (quorum is not None and (not isinstance(quorum, int) or isinstance(quorum, bool)))
            or not isinstance(retired, list)
            or not all(isinstance(key, str) for key in retired)
            or not isinstance(witnesses, dict)
            or not all(isinstance(key, str) for key in witnesses.values())
        ):
            raise TrustError(f"the trust file {path}: retired_log_keys, witnesses or witness_quorum malformed")
        return cls.of(document["log_key"], retired=retired, witnesses=witnesses, quorum=quorum)

    def describe(self) -> str:
        if self.log_key is None:
            return "nothing pinned"
        witnesses = ", ".join(witness.name for witness in self.witnesses) or "none"
        return (
            f"pinned log key {self.log_key.name}+{self.log_key.key_id.hex()}, {len(self.retired)} retired key(s), "
            f"witnesses {witnesses}, quorum {self.quorum}"
        )


def witness_key(name: str, key: str) -> NoteVerifier:
    """A pinned witness: its raw key in base64, or its tlog-cosignature verifier key (named ``name``)."""
    try:
        raw = base64.b64decode(key, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) == PUBLIC_KEY_SIZE:
        return NoteVerifier(name, raw, ALG_COSIGNATURE_V1)
    try:
        verifier = parse_verifier_key(key)
    except ValueError as error:
        raise TrustError(f"witness {name}: neither a raw base64 key nor a verifier key ({error})") from error
    if verifier.name != name or not verifier.is_cosigner:
        raise TrustError(f"witness {name}: the key is not a 0x04 cosigner key named {name}")
    return verifier


def _split(item: str) -> tuple[str, str]:
    name, sign, key = item.partition("=")
    if not sign or not name or not key:
        raise TrustError(f"--witness {item!r} is not NAME=KEY")
    return name, key


def add_trust_arguments(parser: argparse.ArgumentParser) -> None:
    """The pinning options of ``evote verify`` and ``python -m app.verifier``."""
    parser.add_argument("--log-key", default=None, help="the log's verifier key name+keyid+key, obtained out of band")
    parser.add_argument(
        "--retired-log-key", action="append", default=[], metavar="KEY", help="a retired log key to accept too"
    )
    parser.add_argument(
        "--witness", action="append", default=[], metavar="NAME=KEY", help="a witness's cosigner key to count"
    )
    parser.add_argument("--witness-quorum", type=int, default=None, metavar="N", help="cosignatures required")
    parser.add_argument("--trust", type=Path, default=None, metavar="FILE", help="all of the above in a JSON file")


def trust_from_arguments(args: argparse.Namespace) -> Trust:
    """The trust the options pin; ``TrustError`` for unusable or conflicting options."""
    if args.trust is not None:
        if args.log_key or args.retired_log_key or args.witness or args.witness_quorum is not None:
            raise TrustError("--trust FILE replaces --log-key, --retired-log-key, --witness and --witness-quorum")
        return Trust.from_file(args.trust)
    return Trust.of(args.log_key, retired=args.retired_log_key, witnesses=args.witness, quorum=args.witness_quorum)
