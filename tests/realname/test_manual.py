"""Manual review of an uploaded document (R-PI-4, R-PI-3's human path) and its 30-day purge."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

from sqlalchemy import select

from app.common.access import Role, Scope
from app.identity.models import IdentityEvent
from app.realname.models import ManualVerificationRequest, VerificationDocument
from app.realname.service import purge_decided_documents
from app.realname.tasks import purge_once
from tests.factories import bearer, make_api_key, make_places
from tests.realname.conftest import (
    CERT_WANG_101,
    ID_UNKNOWN,
    ID_WANG,
    ID_ZHOU,
    PNG,
    T0,
    events_of,
    fresh_account,
    login,
)

MANUAL = "/api/v1/me/verification/manual"


async def _apply(client, headers, estate_id, *, id_number=ID_ZHOU, content=PNG, filename="id.png", **form):  # type: ignore[no-untyped-def]
    data = {"estate_id": str(estate_id), "id_number": id_number, "name": "周八", "document_type": "PURCHASE_CONTRACT"}
    return await client.post(
        MANUAL, data=data | form, files={"file": (filename, content, "image/png")}, headers=headers
    )


def _requests_url(estate_id, request_id=None, action=""):  # type: ignore[no-untyped-def]
    url = f"/api/v1/estates/{estate_id}/verification-requests"
    return url + (f"/{request_id}" if request_id else "") + (f"/{action}" if action else "")


async def _pending(client, session, app, world):  # type: ignore[no-untyped-def]
    account, headers = await login(session, app)
    response = await _apply(client, headers, world.places.estate.id)
    assert response.status_code == 201, response.text
    return account, headers, response.json()["id"]


async def test_upload_creates_a_pending_request_with_an_encrypted_document(client, session, app, world):
    account, headers, request_id = await _pending(client, session, app, world)
    status = (await client.get("/api/v1/me/verification", headers=headers)).json()
    assert status["verified"] is False
    [pending] = status["pending_requests"]
    assert pending["id"] == request_id
    assert pending["status"] == "PENDING"
    assert pending["identifier_masked"] == "**************006X"
    assert pending["document_type"] == "PURCHASE_CONTRACT"
    document = await session.get(VerificationDocument, uuid.UUID(request_id))
    assert document is not None
    assert document.content_type == "image/png"
    assert PNG not in document.ciphertext
    assert PNG[:64] not in document.ciphertext
    [event] = await events_of(session, account.id, "verification.requested")
    assert event.estate_id == world.places.estate.id

    again = await _apply(client, headers, world.places.estate.id)
    assert again.status_code == 409
    assert again.json()["code"] == "verification.request_pending"


async def test_reviewers_list_requests_with_masked_identifiers(client, session, app, world):
    account, _, request_id = await _pending(client, session, app, world)
    response = await client.get(_requests_url(world.places.estate.id), params={"status": "PENDING"},
                                headers=world.committee)  # fmt: skip
    assert response.status_code == 200, response.text
    [item] = response.json()["items"]
    assert item["id"] == request_id
    assert item["account_id"] == str(account.id)
    assert item["identifier_masked"] == "**************006X"
    assert item["claimed_name"] == "周八"
    assert item["document_sha256"] == hashlib.sha256(PNG).hexdigest()
    assert item["document_available"] is True
    assert ID_ZHOU not in response.text
    approved = await client.get(_requests_url(world.places.estate.id), params={"status": "APPROVED"},
                                headers=world.committee)  # fmt: skip
    assert approved.json()["items"] == []
    single = await client.get(_requests_url(world.places.estate.id, request_id), headers=world.committee)
    assert single.status_code == 200
    assert single.json()["status"] == "PENDING"


async def test_other_estates_committee_and_plain_accounts_see_nothing(client, session, app, world):
    _, applicant, request_id = await _pending(client, session, app, world)
    other = await make_places(session, app.state.cipher)
    await session.commit()
    other_committee = await make_api_key(session, app.state.token_hasher, role=Role.COMMITTEE,
                                         estate_id=other.estate.id)  # fmt: skip
    estate_id = world.places.estate.id
    for headers in (other_committee, applicant):
        for url in (_requests_url(estate_id), _requests_url(estate_id, request_id, "document")):
            response = await client.get(url, headers=headers)
            assert response.status_code == 404, url
        response = await client.post(_requests_url(estate_id, request_id, "approve"), json={}, headers=headers)
        assert response.status_code == 404
    # The request is not reachable through another estate the reviewer does manage either.
    response = await client.get(_requests_url(other.estate.id, request_id, "document"), headers=other_committee)
    assert response.status_code == 404
    # Observers of the community see the estate but may not review: 403.
    _observer, observer_headers = await login(
        session, app, scopes=(Scope(Role.OBSERVER, community_id=world.places.community.id),)
    )
    response = await client.get(_requests_url(estate_id), headers=observer_headers)
    assert response.status_code == 403


async def test_viewing_the_document_is_logged(client, session, app, world):
    account, _, request_id = await _pending(client, session, app, world)
    street_office = await make_api_key(session, app.state.token_hasher, role=Role.STREET_OFFICE,
                                       street_office_id=world.places.street_office.id)  # fmt: skip
    for reviewer in (world.committee, street_office):
        response = await client.get(_requests_url(world.places.estate.id, request_id, "document"), headers=reviewer)
        assert response.status_code == 200
        assert response.content == PNG
        assert response.headers["content-type"] == "image/png"
        assert response.headers["cache-control"] == "no-store"
    viewed = await events_of(session, account.id, "verification.document_viewed")
    assert len(viewed) == 2
    assert {event.actor for event in viewed} == {"apikey:test-committee", "apikey:test-street_office"}
    assert all(event.details["request_id"] == request_id for event in viewed)


async def test_approval_verifies_the_account_and_deciding_twice_is_409(client, session, app, world, clock):
    account, _headers, request_id = await _pending(client, session, app, world)
    clock.advance(hours=2)
    url = _requests_url(world.places.estate.id, request_id, "approve")
    response = await client.post(url, json={"reason": "购房合同与登记册一致"}, headers=world.committee)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "APPROVED"
    assert response.json()["reviewed_by"] == "apikey:test-committee"
    stored = await fresh_account(session, account.id)
    assert stored.owner_id is not None
    assert stored.verification_method == "MANUAL_REVIEW"
    assert stored.verified_at == T0 + timedelta(hours=2)
    assert stored.verification_reference == f"manual:{request_id}"
    status = (await client.get("/api/v1/me/verification", headers=bearer(app, account))).json()
    assert status["verified"] is True
    assert status["method"] == "MANUAL_REVIEW"
    assert status["pending_requests"] == []
    [event] = await events_of(session, account.id, "verification.approved")
    assert event.actor == "apikey:test-committee"
    assert event.details["document_type"] == "PURCHASE_CONTRACT"

    for action, body in (("approve", {}), ("reject", {"reason": "again"})):
        again = await client.post(_requests_url(world.places.estate.id, request_id, action), json=body,
                                  headers=world.committee)  # fmt: skip
        assert again.status_code == 409
        assert again.json()["code"] == "verification.already_decided"


async def test_rejection_keeps_the_account_unverified(client, session, app, world):
    account, headers, request_id = await _pending(client, session, app, world)
    url = _requests_url(world.places.estate.id, request_id, "reject")
    missing_reason = await client.post(url, json={}, headers=world.committee)
    assert missing_reason.status_code == 422
    response = await client.post(url, json={"reason": "照片不清晰"}, headers=world.committee)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "REJECTED"
    assert response.json()["decision_reason"] == "照片不清晰"
    assert (await fresh_account(session, account.id)).owner_id is None
    assert len(await events_of(session, account.id, "verification.rejected")) == 1
    # Rejected: the applicant may apply again.
    assert (await _apply(client, headers, world.places.estate.id)).status_code == 201


async def test_approval_needs_an_owner_in_the_estates_latest_register(client, session, app, world):
    _, headers = await login(session, app)
    response = await _apply(client, headers, world.places.estate.id, id_number=ID_UNKNOWN)
    assert response.status_code == 201
    url = _requests_url(world.places.estate.id, response.json()["id"], "approve")
    refused = await client.post(url, json={}, headers=world.committee)
    assert refused.status_code == 422
    assert refused.json()["code"] == "verification.owner_not_in_register"


async def test_reviewers_cannot_decide_their_own_request(client, session, app, world):
    _member, headers = await login(session, app, scopes=(Scope(Role.COMMITTEE, estate_id=world.places.estate.id),))
    response = await _apply(client, headers, world.places.estate.id)
    url = _requests_url(world.places.estate.id, response.json()["id"], "approve")
    refused = await client.post(url, json={}, headers=headers)
    assert refused.status_code == 403


async def test_uploads_are_checked_by_content(client, session, app, world):
    _, headers = await login(session, app)
    estate_id = world.places.estate.id
    fake = await _apply(client, headers, estate_id, content=b"MZ\x90\x00 not an image", filename="photo.png")
    assert fake.status_code == 422
    assert fake.json()["code"] == "verification.document_unsupported"
    empty = await _apply(client, headers, estate_id, content=b"")
    assert empty.status_code == 422
    too_large = await _apply(client, headers, estate_id, content=PNG + b"\x00" * (5 * 1024 * 1024))
    assert too_large.status_code == 413
    invalid_id = await _apply(client, headers, estate_id, id_number="110105198001010017")
    assert invalid_id.status_code == 422
    assert invalid_id.json()["code"] == "verification.id_invalid"
    unknown_estate = await _apply(client, headers, uuid.uuid4())
    assert unknown_estate.status_code == 404
    blank_name = await _apply(client, headers, estate_id, name="  ")
    assert blank_name.status_code == 422
    assert blank_name.json()["code"] == "request.invalid"
    nul_name = await _apply(client, headers, estate_id, name="周\x00八")
    assert nul_name.status_code == 422
    for content, name in ((b"%PDF-1.7\n...", "contract.pdf"), (b"\xff\xd8\xff\xe0JFIF", "id.jpg")):
        accepted = await _apply(client, headers, estate_id, content=content, filename=name)
        assert accepted.status_code == 201, accepted.text
        # one pending request per estate: reject it so the next upload is accepted
        await client.post(_requests_url(estate_id, accepted.json()["id"], "reject"), json={"reason": "x"},
                          headers=world.committee)  # fmt: skip


async def test_verified_accounts_do_not_apply(client, session, app, world):
    _, headers = await login(session, app)
    verified = await client.post("/api/v1/me/verification", json={"id_number": ID_WANG,
                                 "certificate_number": CERT_WANG_101}, headers=headers)  # fmt: skip
    assert verified.status_code == 200
    response = await _apply(client, headers, world.places.estate.id)
    assert response.status_code == 409
    assert response.json()["code"] == "verification.already_verified"


async def test_documents_are_purged_30_days_after_the_decision(client, session, app, world, clock, sessionmaker):
    account, _, request_id = await _pending(client, session, app, world)
    _, _, pending_id = await _pending(client, session, app, world)  # never decided: kept
    approve = _requests_url(world.places.estate.id, request_id, "approve")
    assert (await client.post(approve, json={}, headers=world.committee)).status_code == 200
    decided_at = clock.now

    assert await purge_decided_documents(session, decided_at + timedelta(days=30)) == 0
    deleted = await purge_once(sessionmaker, lambda: decided_at + timedelta(days=30, seconds=1),
                               retention=timedelta(days=30))  # fmt: skip
    assert deleted == 1
    assert await purge_decided_documents(session, decided_at + timedelta(days=31)) == 0  # idempotent

    assert await session.get(VerificationDocument, uuid.UUID(request_id), populate_existing=True) is None
    assert await session.get(VerificationDocument, uuid.UUID(pending_id), populate_existing=True) is not None
    request = await session.get(ManualVerificationRequest, uuid.UUID(request_id), populate_existing=True)
    assert request is not None
    assert request.status.value == "APPROVED"  # the decision record is kept (R-REC-3)
    assert request.reviewed_by == "apikey:test-committee"
    assert request.decided_at == decided_at
    assert request.document_type == "PURCHASE_CONTRACT"
    assert request.document_deleted_at == decided_at + timedelta(days=30, seconds=1)
    assert len(await events_of(session, account.id, "verification.document_deleted")) == 1

    clock.advance(days=31)
    document = await client.get(_requests_url(world.places.estate.id, request_id, "document"),
                                headers=world.committee)  # fmt: skip
    assert document.status_code == 410
    assert document.json()["code"] == "verification.document_deleted"
    listed = await client.get(_requests_url(world.places.estate.id, request_id), headers=world.committee)
    assert listed.json()["document_available"] is False
    events = await session.scalars(select(IdentityEvent).where(IdentityEvent.kind == "verification.document_viewed"))
    assert events.all() == []
