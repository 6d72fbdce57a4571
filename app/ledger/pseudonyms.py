"""Pseudonyms in anything public or exported: per vote, never recomputable from owner ids alone.

* A voter group's public id in a vote is ``new_group_pseudonym()``: 128 random bits, drawn when the roll is frozen
  and stored with it, so the same owner set gets unrelated ids in two votes and nothing links an id to its owners.
* An owner in an exported register snapshot is ``owner_pseudonym(key, vote, owner)``: the first 32 hex digits of
  HMAC-SHA256 under the server's pseudonym key (``EVOTE_PSEUDONYM_KEY``) of ``"evote/owner-pseudonym@2" 0x1f vote
  id 0x1f owner id``: stable within one vote's bundle (so co-ownership can be regrouped), unlinkable across votes
  and not computable without the key.
* A grant (proxy, representative) a ballot was cast under is ``grant_pseudonym(key, vote, grant)`` in the public
  ``ballot.cast`` entry: the first 32 hex digits of HMAC-SHA256 under the same key of ``"evote/grant-pseudonym@1"
  0x1f vote id 0x1f grant id``, so a proxy's ballots in two votes are not linked by a permanent id; the grant id
  itself stays in the database, where ``evote audit check`` recomputes this value.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid

GROUP_PSEUDONYM_BYTES = 16
OWNER_PSEUDONYM_DOMAIN = "evote/owner-pseudonym@2"
GRANT_PSEUDONYM_DOMAIN = "evote/grant-pseudonym@1"
WITNESS_PSEUDONYM_DOMAIN = "evote/witness-pseudonym@1"


def new_group_pseudonym() -> str:
    """A fresh random group pseudonym: 32 lowercase hex digits."""
    return secrets.token_hex(GROUP_PSEUDONYM_BYTES)


def owner_pseudonym(key: bytes, vote_id: uuid.UUID | str, owner_id: uuid.UUID | str) -> str:
    """An owner as one vote's export names them (see the module docstring); ``key`` is 32 secret bytes."""
    return _keyed(key, OWNER_PSEUDONYM_DOMAIN, vote_id, owner_id)


def grant_pseudonym(key: bytes, vote_id: uuid.UUID | str, grant_id: uuid.UUID | str | None) -> str:
    """A grant as one vote's ``ballot.cast`` entries name it (see the module docstring); ``""`` for no grant."""
    return "" if grant_id is None else _keyed(key, GRANT_PSEUDONYM_DOMAIN, vote_id, grant_id)


def witness_pseudonym(key: bytes, vote_id: uuid.UUID | str, account_id: uuid.UUID | str) -> str:
    """A counting witness as one vote's ``counting.*`` entries name them (R-PAPER-3): the first 32 hex digits of
    HMAC-SHA256 under the pseudonym key of ``"evote/witness-pseudonym@1" 0x1f vote id 0x1f account id``; the
    account stays in the database, and the public log shows only the pseudonym and the witness's role."""
    return _keyed(key, WITNESS_PSEUDONYM_DOMAIN, vote_id, account_id)


def _keyed(key: bytes, domain: str, vote_id: uuid.UUID | str, subject: uuid.UUID | str) -> str:
    if len(key) < 32:
        raise ValueError("the pseudonym key is at least 32 bytes")
    message = f"{domain}\x1f{vote_id}\x1f{subject}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]
