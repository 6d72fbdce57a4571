"""Fixtures of the audit log tests: a log key set with one configured witness, and entries to integrate."""

from __future__ import annotations

import time
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from app.audit import service as audit_service
from app.audit.keys import LogKeys
from app.audit.models import AuditEntry, LogCheckpoint, LogLeaf
from app.ledger.events import Event, EventKind
from app.ledger.note import add_cosignature

ORIGIN = "evote.test/log"
WITNESS = "street-office.test"
WITNESS_KEY = Ed25519PrivateKey.generate()


@pytest.fixture(scope="session")
def log_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="session")
def log_keys(log_key) -> LogKeys:
    return LogKeys.create(ORIGIN, log_key, witnesses=((WITNESS, WITNESS_KEY.public_key()),))


async def append(session, count: int, *, kind: EventKind = EventKind.BALLOTS_VIEWED) -> list[AuditEntry]:
    """``count`` entries in the session's transaction, committed (a savepoint in the per-test transaction); the log
    treats every kind alike, so any kind serves."""
    entries = [
        await audit_service.append(session, Event(kind, {"n": number, "nonce": uuid.uuid4().hex}))
        for number in range(count)
    ]
    await session.commit()
    return entries


async def stored_leaves(session) -> list[bytes]:
    return list((await session.scalars(select(LogLeaf.leaf_hash).order_by(LogLeaf.leaf_index))).all())


async def stored_checkpoints(session) -> list[LogCheckpoint]:
    return list((await session.scalars(select(LogCheckpoint).order_by(LogCheckpoint.size))).all())


def cosigned_now(note: str, name: str, key: Ed25519PrivateKey) -> str:
    """The note with a timestamped cosignature (c2sp.org/tlog-cosignature) by ``name``, dated now."""
    return add_cosignature(note, name, key, timestamp=int(time.time()))
