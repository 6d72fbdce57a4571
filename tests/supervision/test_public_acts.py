"""Public-law acts are public again: their entries name the acting role and place, never an account id or an API
key's name, and who exactly acted is a restricted ``identity.act.recorded`` entry of the same transaction."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.ledger.canonical import canonical_sha256
from app.ledger.disclosure import Disclosure, disclosure
from app.ledger.events import EventKind
from tests.supervision.helpers import open_vote


async def _companion(session, entry: AuditEntry) -> AuditEntry:  # type: ignore[no-untyped-def]
    rows = (
        await session.scalars(sa.select(AuditEntry).where(AuditEntry.kind == EventKind.IDENTITY_ACT_RECORDED))
    ).all()
    (companion,) = [row for row in rows if row.payload["details"]["entry_id"] == str(entry.id)]
    assert disclosure(companion.kind, companion.payload) is Disclosure.RESTRICTED
    return companion


async def test_a_manual_close_names_the_committee_of_the_estate_and_records_the_key_apart(client, session, app):
    fixture, keys = await open_vote(session, app)
    vote_id, ends_at = fixture.vote.id, fixture.vote.ends_at
    acted_as = f"COMMITTEE@{fixture.places.estate.id}"
    app.state.clock = lambda: ends_at + timedelta(hours=1)
    closing = await client.post(f"/api/v1/votes/{vote_id}/close", headers=keys.committee)
    assert closing.status_code == 200, closing.text
    session.expire_all()
    kinds = (EventKind.VOTE_CLOSED, EventKind.VOTE_DECIDED, EventKind.VOTE_RESULT_PUBLISHED)
    entries = (
        await session.scalars(sa.select(AuditEntry).where(AuditEntry.vote_id == vote_id, AuditEntry.kind.in_(kinds)))
    ).all()
    assert sorted(entry.kind for entry in entries) == sorted(kinds)
    for entry in entries:
        assert entry.payload["by"] == acted_as, entry.payload
        assert disclosure(entry.kind, entry.payload) is Disclosure.PUBLIC
        companion = await _companion(session, entry)
        assert companion.payload["actor"].startswith("apikey:"), companion.payload
        assert companion.payload["details"] == {"entry_id": str(entry.id), "kind": entry.kind, "acted_as": acted_as}
    # R-PUB-1 after the close: the public result entry carries each topic's totals per option (its evidence), and
    # each evidence document hashes to the outcome's evidence_sha256; no per-unit answer is in it (R-PUB-2).
    (published,) = [entry for entry in entries if entry.kind == EventKind.VOTE_RESULT_PUBLISHED]
    evidence = published.payload["evidence"]
    assert sorted(evidence) == sorted(row["topic_id"] for row in published.payload["results"])
    for row in published.payload["results"]:
        assert canonical_sha256(evidence[row["topic_id"]]) == row["evidence_sha256"]
    assert "answers" not in str(evidence)


async def test_a_register_import_names_the_role_not_the_key(client, session, app, repo_root):
    fixture, keys = await open_vote(session, app)
    estate = fixture.places.estate.id
    imported = await client.post(
        f"/api/v1/estates/{estate}/register/imports",
        files={"file": ("r.csv", (repo_root / "samples/register-sample.csv").read_bytes() + b"\n", "text/csv")},
        headers=keys.committee,
    )
    assert imported.status_code in (200, 201), imported.text
    session.expire_all()
    entries = (
        await session.scalars(
            sa.select(AuditEntry).where(AuditEntry.estate_id == estate, AuditEntry.kind == EventKind.REGISTER_VERSION)
        )
    ).all()
    assert entries
    for entry in entries:
        assert not str(entry.payload["imported_by"]).startswith(("apikey:", "account:")), entry.payload
        assert disclosure(entry.kind, entry.payload) is Disclosure.PUBLIC
        companion = await _companion(session, entry)
        assert companion.payload["details"]["acted_as"] == entry.payload["imported_by"]
