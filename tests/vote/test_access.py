"""Who reads and who organises votes: other estates 404, read-only roles 403, owners read the votes they are in."""

from __future__ import annotations

from app.common.access import Role
from tests.factories import bearer, make_account
from tests.vote.helpers import (
    PDF,
    add_topic,
    create_vote,
    fund_raise,
    key,
    make_estate,
    owner_headers,
    problem_code,
    published_vote,
    vote_body,
    yes_no,
)

OTHER_REGISTER = (
    "building,entrance,room,area,area_source,parking,sale_status,delivered,evidence,owner_names,owner_ids\n"
    "9,1,101,100.00,REGISTRY,no,SOLD,yes,REGISTRATION,吴九,110105199001010010\n"
).encode()


def _endpoints(estate_id: str, vote_id: str, topic_id: str, attachment_id: str) -> list[tuple[str, str, dict]]:  # type: ignore[type-arg]
    vote = f"/api/v1/votes/{vote_id}"
    topic = f"{vote}/topics/{topic_id}"
    return [
        ("POST", f"/api/v1/estates/{estate_id}/votes", {"json": vote_body()}),
        ("GET", f"/api/v1/estates/{estate_id}/votes", {}),
        ("GET", vote, {}),
        ("PATCH", vote, {"json": {"title": "x"}}),
        ("POST", f"{vote}/topics", {"json": yes_no()}),
        ("PATCH", topic, {"json": {"title": "x"}}),
        ("DELETE", topic, {}),
        ("POST", f"{topic}/attachments", {"files": {"file": ("a.pdf", PDF, "application/pdf")}}),
        ("GET", f"{topic}/attachments/{attachment_id}", {}),
        ("DELETE", f"{topic}/attachments/{attachment_id}", {}),
        ("POST", f"{vote}/publish", {}),
        ("POST", f"{vote}/errata", {"json": {"text": "更正"}}),
        ("POST", f"{vote}/cancel", {"json": {"reason": "x"}}),
    ]


async def _draft_with_attachment(client, estate):  # type: ignore[no-untyped-def]
    vote = await create_vote(client, estate)
    topic = await add_topic(client, estate, vote["id"], yes_no())
    attachment = await client.post(
        f"/api/v1/votes/{vote['id']}/topics/{topic['id']}/attachments",
        files={"file": ("a.pdf", PDF, "application/pdf")},
        headers=estate.committee,
    )
    return vote, topic, attachment.json()


async def test_another_estates_committee_gets_404_everywhere(client, session, app):
    estate = await make_estate(session, app, client)
    other = await make_estate(session, app, client, register=False)
    draft, topic, attachment = await _draft_with_attachment(client, estate)
    published = await published_vote(client, estate)
    targets = [
        (draft["id"], topic["id"], attachment["id"]),
        (published["id"], published["topics"][0]["id"], attachment["id"]),
    ]
    for vote_id, topic_id, attachment_id in targets:
        for method, url, kwargs in _endpoints(str(estate.id), vote_id, topic_id, attachment_id):
            response = await client.request(method, url, headers=other.committee, **kwargs)
            assert response.status_code == 404, (method, url, response.text)
            assert problem_code(response) == "not_found"
    unchanged = (await client.get(f"/api/v1/votes/{draft['id']}", headers=estate.committee)).json()
    assert unchanged["title"] == draft["title"]
    assert len(unchanged["topics"]) == 1


async def test_observer_reads_published_votes_but_not_drafts_and_cannot_organise(client, session, app):
    estate = await make_estate(session, app, client)
    observer = await key(session, app, Role.OBSERVER, estate)
    draft = await create_vote(client, estate, title="草稿")
    published = await published_vote(client, estate)
    read = await client.get(f"/api/v1/votes/{published['id']}", headers=observer)
    assert read.status_code == 200
    assert read.json()["notice_hash"] == published["notice_hash"]
    assert (await client.get(f"/api/v1/votes/{draft['id']}", headers=observer)).status_code == 404
    listed = await client.get(f"/api/v1/estates/{estate.id}/votes", headers=observer)
    assert [item["id"] for item in listed.json()["items"]] == [published["id"]]
    organiser_listing = await client.get(f"/api/v1/estates/{estate.id}/votes", headers=estate.committee)
    assert {item["id"] for item in organiser_listing.json()["items"]} == {draft["id"], published["id"]}
    for method, url, body in [
        ("POST", f"/api/v1/votes/{draft['id']}/publish", None),
        ("POST", f"/api/v1/votes/{published['id']}/errata", {"text": "更正"}),
        ("POST", f"/api/v1/estates/{estate.id}/votes", vote_body()),
    ]:
        response = await client.request(method, url, json=body, headers=observer)
        assert response.status_code == 403, (url, response.text)
        assert problem_code(response) == "auth.forbidden"


async def test_auditor_reads_but_cannot_publish(client, session, app):
    estate = await make_estate(session, app, client)
    auditor = await key(session, app, Role.AUDITOR, estate)
    vote = await create_vote(client, estate)
    await add_topic(client, estate, vote["id"], yes_no())
    response = await client.post(f"/api/v1/votes/{vote['id']}/publish", headers=auditor)
    assert response.status_code == 403


async def test_street_office_organises_only_the_votes_it_convenes(client, session, app):
    """R-LIFE-1: it convenes in the committee's place; R-SUP-1: on the committee's votes it supervises."""
    estate = await make_estate(session, app, client)
    office = await key(session, app, Role.STREET_OFFICE, estate)
    convened = await client.post(
        f"/api/v1/estates/{estate.id}/votes", json=vote_body(organiser_kind="STREET_OFFICE"), headers=office
    )
    assert convened.status_code == 201, convened.text
    own = await client.post(f"/api/v1/votes/{convened.json()['id']}/topics", json=fund_raise(), headers=office)
    assert own.status_code == 201, own.text
    committee_vote = await create_vote(client, estate)
    refused = await client.post(f"/api/v1/votes/{committee_vote['id']}/topics", json=fund_raise(), headers=office)
    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "vote.not_organiser"


async def test_owner_in_the_roll_reads_the_published_vote_but_not_a_draft(client, session, app):
    estate = await make_estate(session, app, client)
    owner = await owner_headers(session, app, "赵四")
    draft, topic, attachment = await _draft_with_attachment(client, estate)
    assert (await client.get(f"/api/v1/votes/{draft['id']}", headers=owner)).status_code == 404
    response = await client.post(f"/api/v1/votes/{draft['id']}/publish", headers=estate.committee)
    assert response.status_code == 200, response.text
    read = await client.get(f"/api/v1/votes/{draft['id']}", headers=owner)
    assert read.status_code == 200, read.text
    assert read.json()["topics"][0]["title"] == "续聘物业服务企业"
    download = await client.get(
        f"/api/v1/votes/{draft['id']}/topics/{topic['id']}/attachments/{attachment['id']}", headers=owner
    )
    assert download.status_code == 200
    assert download.content == PDF
    assert (
        await client.post(f"/api/v1/votes/{draft['id']}/errata", json={"text": "x"}, headers=owner)
    ).status_code == 404
    # Issue #19 item 4: the estate's vote list shows an owner the published votes whose roll they are in.
    listed = await client.get(f"/api/v1/estates/{estate.id}/votes", headers=owner)
    assert listed.status_code == 200, listed.text
    assert [item["id"] for item in listed.json()["items"]] == [draft["id"]]


async def test_owner_outside_a_scoped_roll_cannot_read_it(client, session, app):
    estate = await make_estate(session, app, client)
    in_scope = await owner_headers(session, app, "赵四")  # 1-2-202
    outside = await owner_headers(session, app, "周八")  # 3-1-101
    fund_use = yes_no(matters=["FUND_USE"])
    published = await published_vote(client, estate, fund_use, scope_units=["1-1-101", "1-2-202"])
    assert (await client.get(f"/api/v1/votes/{published['id']}", headers=in_scope)).status_code == 200
    assert (await client.get(f"/api/v1/votes/{published['id']}", headers=outside)).status_code == 404


async def test_owner_of_another_estate_gets_404(client, session, app):
    estate = await make_estate(session, app, client)
    other = await make_estate(session, app, client, register=False)
    imported = await client.post(
        f"/api/v1/estates/{other.id}/register/imports",
        files={"file": ("r.csv", OTHER_REGISTER, "text/csv")},
        headers=other.committee,
    )
    assert imported.status_code == 201, imported.text
    stranger = await owner_headers(session, app, "吴九")
    published = await published_vote(client, estate)
    assert (await client.get(f"/api/v1/votes/{published['id']}", headers=stranger)).status_code == 404


async def test_unverified_account_and_anonymous_caller(client, session, app):
    estate = await make_estate(session, app, client)
    published = await published_vote(client, estate)
    account = await make_account(session, app.state.cipher)
    await session.commit()
    unverified = await client.get(f"/api/v1/votes/{published['id']}", headers=bearer(app, account))
    assert unverified.status_code == 404
    anonymous = await client.get(f"/api/v1/votes/{published['id']}")
    assert anonymous.status_code == 401
    assert problem_code(anonymous) == "auth.unauthenticated"
