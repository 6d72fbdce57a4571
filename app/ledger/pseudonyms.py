"""Pseudonyms in anything public or exported: per vote, never recomputable from owner ids alone.

* A voter group's public id in a vote is ``new_group_pseudonym()``: 128 random bits, drawn when the roll is frozen
  and stored with it, so the same owner set gets unrelated ids in two votes and nothing links an id to its owners.
* An owner in an exported register snapshot is ``owner_pseudonym(key, vote, owner)``: the first 32 hex digits of
  HMAC-SHA256 under the server's pseudonym key (``EVOTE_PSEUDONYM_KEY``) of ``"evote/owner-pseudonym@2" 0x1f vote
  id 0x1f owner id``: stable within one vote's bundle (so co-ownership can be regrouped), unlinkable across votes
  and not computable without the key.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid

GROUP_PSEUDONYM_BYTES = 16
OWNER_PSEUDONYM_DOMAIN = "evote/owner-pseudonym@2"


def new_group_pseudonym() -> str:
    """A fresh random group pseudonym: 32 lowercase hex digits."""
    return secrets.token_hex(GROUP_PSEUDONYM_BYTES)


def owner_pseudonym(key: bytes, vote_id: uuid.UUID | str, owner_id: uuid.UUID | str) -> str:
    """An owner as one vote's export names them (see the module docstring); ``key`` is 32 secret bytes."""
    if len(key) < 32:
        raise ValueError("the pseudonym key is at least 32 bytes")
    message = f"{OWNER_PSEUDONYM_DOMAIN}\x1f{vote_id}\x1f{owner_id}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]
