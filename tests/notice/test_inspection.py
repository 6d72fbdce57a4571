"""Inspection (R-REC-5, R-PUB-3; SPC Art. 13(2)): owners and staff list and download results and notices; every
access is an ``inspection.accessed`` audit entry naming the accessor by label only."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from app.common.access import Role
from app.ledger.canonical import canonical_sha256
from app.result.service import close_and_decide
from tests.ballot.helpers import WANG, owner_id
from tests.factories import bearer, make_account, make_api_key
from tests.factories_vote import make_vote
from tests.notice.helpers import NOW, audit_entries, estate_with_single_owner, notice_for, resident_id
from tests.vote.helpers import problem_code

OTHER = resident_id("11010519900101001")
DECIDED = NOW + timedelta(days=8)


async def _decided_estate(session, app):  # type: ignore[no-untyped-def]
    fixture = await make_vote(session, app.state.cipher, now=NOW)
    await close_and_decide(session, fixture.vote.id, now=DECIDED, keys=app.state.log_keys)
    return fixture


async def test_an_owner_lists_and_downloads_and_each_access_is_recorded(client, session, app):
    fixture = await _decided_estate(session, app)
    estate_id = fixture.places.estate.id
    reminder = await notice_for(session, fixture.places, now=DECIDED, audience="ORGANISERS", title="内部提醒")
    wang = await make_account(session, app.state.cipher, owner_id=await owner_id(session, app, WANG))
    await session.commit()
    app.state.clock = lambda: DECIDED + timedelta(days=1)
    headers = bearer(app, wang)

    listed = await client.get(f"/api/v1/estates/{estate_id}/archive", headers=headers)
    assert listed.status_code == 200, listed.text
    archive = listed.json()
    (result,) = archive["results"]
    assert result["vote_id"] == str(fixture.vote.id)
    assert result["topics"][0]["outcome"] == "NO_QUORUM"
    assert len(result["topics"][0]["evidence_sha256"]) == 64
    assert result["download"] == f"/api/v1/estates/{estate_id}/archive/results/{fixture.vote.id}"
    (notice,) = archive["notices"]  # the RESULT notice; the organisers' reminder is not an owner's document
    assert notice["kind"] == "RESULT"
    assert str(reminder.id) not in json.dumps(archive)

    download = await client.get(result["download"], headers=headers)
    assert download.status_code == 200, download.text
    assert download.headers["content-type"] == "application/json"
    assert download.headers["content-disposition"] == f'attachment; filename="result-{fixture.vote.id}.json"'
    assert download.headers["etag"] == f'"{hashlib.sha256(download.content).hexdigest()}"'
    document = download.json()
    assert document["result"]["vote_id"] == str(fixture.vote.id)
    assert document["result"]["topics"][0]["evidence_sha256"] == result["topics"][0]["evidence_sha256"]
    assert "王一" not in download.text  # R-PUB-1: no names or ID numbers
    assert WANG not in download.text

    notice_file = await client.get(notice["download"], headers=headers)
    assert notice_file.status_code == 200
    body = notice_file.json()
    assert body["content_sha256"] == notice["content_sha256"] == canonical_sha256(body["document"])
    assert body["document"]["kind"] == "RESULT"

    hidden = await client.get(f"/api/v1/estates/{estate_id}/archive/notices/{reminder.id}", headers=headers)
    assert hidden.status_code == 404

    entries = await audit_entries(session, "inspection.accessed", estate_id)
    assert sorted(entry.payload["document"] for entry in entries) == ["ARCHIVE_INDEX", "NOTICE", "RESULT"]
    for entry in entries:
        assert entry.payload["accessor"] == f"account:{wang.id}"
        assert entry.payload["capacity"] == "OWNER"
    by_document = {entry.payload["document"]: entry for entry in entries}
    assert by_document["RESULT"].payload["sha256"] == hashlib.sha256(download.content).hexdigest()
    assert by_document["RESULT"].vote_id == fixture.vote.id
    assert by_document["NOTICE"].payload["notice_id"] == notice["notice_id"]


async def test_owners_of_another_estate_and_strangers_get_404(client, session, app):
    fixture = await _decided_estate(session, app)
    estate_id = fixture.places.estate.id
    await estate_with_single_owner(session, app.state.cipher, OTHER)
    outsider = await make_account(session, app.state.cipher, owner_id=await owner_id(session, app, OTHER))
    unverified = await make_account(session, app.state.cipher)
    await session.commit()
    for headers in (bearer(app, outsider), bearer(app, unverified)):
        for path in ("archive", f"archive/results/{fixture.vote.id}"):
            response = await client.get(f"/api/v1/estates/{estate_id}/{path}", headers=headers)
            assert response.status_code == 404, path
            assert problem_code(response) == "not_found"
    assert await audit_entries(session, "inspection.accessed", estate_id) == []


async def test_staff_inspect_everything_and_results_before_publication_are_refused(client, session, app):
    fixture = await make_vote(session, app.state.cipher, now=NOW)
    estate_id = fixture.places.estate.id
    reminder = await notice_for(session, fixture.places, now=NOW, audience="ORGANISERS")
    await session.commit()
    auditor = await make_api_key(session, app.state.token_hasher, role=Role.AUDITOR, estate_id=estate_id)
    app.state.clock = lambda: NOW + timedelta(days=1)

    listed = await client.get(f"/api/v1/estates/{estate_id}/archive", headers=auditor)
    assert listed.json()["results"] == []
    assert [n["notice_id"] for n in listed.json()["notices"]] == [str(reminder.id)]
    assert (
        await client.get(f"/api/v1/estates/{estate_id}/archive/notices/{reminder.id}", headers=auditor)
    ).status_code == 200

    sealed = await client.get(f"/api/v1/estates/{estate_id}/archive/results/{fixture.vote.id}", headers=auditor)
    assert sealed.status_code == 409
    assert problem_code(sealed) == "vote.result_not_published"
    missing = await client.get(f"/api/v1/estates/{estate_id}/archive/results/{reminder.id}", headers=auditor)
    assert missing.status_code == 404
    (entry, *_) = await audit_entries(session, "inspection.accessed", estate_id)
    assert entry.payload["accessor"] == "apikey:test-auditor"
    assert entry.payload["capacity"] == "STAFF"
