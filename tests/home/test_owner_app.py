"""The owners' app through the HTTP API (issue #19 items 4 and 5).

Every id an owner or a representative uses is taken from an earlier response: sign-in, verification with their own
ID and certificate numbers, then /me/estates, /me/votes, the vote, the ballot, the receipt and the result.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.home.conftest import (
    API,
    CERTIFICATE_B,
    CERTIFICATE_WANG,
    CERTIFICATE_ZHAO,
    ID_B,
    ID_OUTSIDER,
    ID_REPRESENTATIVE,
    ID_TENANT,
    ID_WANG,
    ID_ZHAO,
    PDF,
    answers_from,
    approve_pending_grant,
    close_votes,
    integrate_log,
    roll_key,
    sign_in,
    verify_as_owner,
    verify_as_person,
)


async def _get(client, url: str, headers: dict[str, str], status: int = 200):  # type: ignore[no-untyped-def]
    response = await client.get(url if url.startswith("/") else f"{API}/{url}", headers=headers)
    assert response.status_code == status, (url, response.text)
    return response.json() if response.headers.get("content-type", "").endswith("json") else response


async def test_an_owner_goes_from_sign_in_to_my_votes_to_a_receipt_and_the_result(client, app, estates, caplog):
    owner = await sign_in(client, caplog, "13900000101")
    await verify_as_owner(client, owner, ID_WANG, CERTIFICATE_WANG)

    [estate] = (await _get(client, "me/estates", owner))["items"]
    assert (estate["name"], estate["acting_as"], estate["acting_as_zh"]) == (
        estates["A"].places.estate.name,
        ["OWNER"],
        ["业主本人"],
    )
    assert (await _get(client, f"estates/{estate['id']}", owner))["name"] == estate["name"]

    mine = await _get(client, "me/votes?state=open", owner)
    [item] = mine["items"]
    assert (item["state"], item["state_zh"], item["effective_status"]) == ("open", "进行中", "OPEN")
    assert item["estate_id"] == estate["id"]
    [group] = item["groups"]  # R-HEAD-3: 王一's two units are one group
    assert ([u["unit_key"] for u in group["units"]], group["acting_as"], group["voted"], group["voted_zh"]) == (
        ["1-1-101", "1-1-102"],
        ["OWNER"],
        False,
        "未投票",
    )
    assert (await _get(client, "me/votes?state=upcoming", owner))["items"] == []
    assert (await _get(client, "me/votes?state=closed", owner))["items"] == []
    listed = await _get(client, f"estates/{estate['id']}/votes", owner)
    assert [vote["id"] for vote in listed["items"]] == [item["vote_id"]]

    vote = await _get(client, f"votes/{item['vote_id']}", owner)
    assert [topic["text"] for topic in vote["topics"]] == ["续聘北京某物业公司，期限三年。", "三个方案全文见附件。"]
    [attachment] = vote["topics"][0]["attachments"]
    download = await _get(
        client, f"votes/{vote['id']}/topics/{vote['topics'][0]['id']}/attachments/{attachment['id']}", owner
    )
    assert download.content == PDF

    cast = await client.post(
        f"{API}/votes/{vote['id']}/ballots",
        json={"group_id": group["group_id"], "answers": answers_from(vote)},
        headers=owner,
    )
    assert cast.status_code == 201, cast.text
    [voted] = (await _get(client, "me/votes", owner))["items"][0]["groups"]
    assert (voted["voted"], voted["voted_zh"]) == (True, "已投票")
    assert "answers" not in str((await _get(client, "me/votes", owner))["items"])  # whether, never how

    [own] = (await _get(client, f"votes/{vote['id']}/my-ballot", owner))["groups"]
    [ballot] = own["ballots"]
    assert (ballot["basis"], ballot["basis_zh"], ballot["status_zh"]) == ("OWNER", "业主本人", "已计入")
    await integrate_log(app)
    receipt = await _get(client, f"receipts/{ballot['audit_entry_id']}?format=json", owner)
    assert ballot["audit_entry_id"] == cast.json()["audit_entry_id"]
    assert receipt["entry"]["kind"] == "ballot.cast"
    assert receipt["proof_text"].startswith("c2sp.org/tlog-proof@v1")

    await close_votes(app)
    owner = await sign_in(client, caplog, "13900000101")  # a week later: the access token has expired
    [closed] = (await _get(client, "me/votes?state=closed", owner))["items"]
    assert (closed["vote_id"], closed["state_zh"]) == (vote["id"], "已结束")
    assert (await _get(client, "me/votes?state=open", owner))["items"] == []
    result = await _get(client, f"votes/{vote['id']}/result", owner)
    assert (result["status"], result["status_zh"]) == ("RESULT_PUBLISHED", "结果已公布")
    yes_no, choice = result["topics"]
    # Nothing was decided (R-SUP-7): said in Chinese too; a topic that decided nothing has no decision status.
    assert (result["decision_status"], result["decision_status_zh"]) == ("NO_DECISION", "未作出决定")
    assert (yes_no["decision_status"], yes_no["decision_status_zh"]) == (None, None)
    # One group of eight took part: no quorum (R-TALLY-3), in Chinese beside the code.
    assert (yes_no["outcome"], yes_no["outcome_zh"]) == ("NO_QUORUM", "参与表决的业主人数或面积未达到法定比例")
    assert {key: yes_no["answers_zh"][key] for key in ("AGREE", "OPPOSE", "ABSTAIN")} == {
        "AGREE": "同意",
        "OPPOSE": "反对",
        "ABSTAIN": "弃权",
    }
    assert choice["answers_zh"]["A"] == "方案A"


async def test_a_companys_legal_representative_who_owns_no_home_reads_casts_and_gets_the_receipt(
    client, app, estates, caplog, idp
):
    a = estates["A"]
    representative = await sign_in(client, caplog, "13900000102")
    await verify_as_person(client, representative, idp, ID_REPRESENTATIVE)
    # Verified, but no grant yet: nothing of the estate is reachable.
    assert (await _get(client, "me/estates", representative))["items"] == []
    assert (await _get(client, "me/votes", representative))["items"] == []
    await _get(client, f"estates/{a.id}/votes", representative, 404)

    claim = {
        "group_id": await roll_key(client, a, "2-1-102"),  # the company's unit; the organiser gives the key
        "kind": "LEGAL_REPRESENTATIVE",
        "evidence_type": "LICENCE",
        "evidence_sha256": "a" * 64,
    }
    requested = await client.post(f"{API}/estates/{a.id}/grants", json=claim, headers=representative)
    assert requested.status_code == 201, requested.text
    await _get(client, f"estates/{a.id}/votes", representative, 404)  # pending: still nothing
    await approve_pending_grant(client, a)

    [estate] = (await _get(client, "me/estates", representative))["items"]
    assert (estate["id"], estate["acting_as"], estate["acting_as_zh"]) == (
        a.id,
        ["LEGAL_REPRESENTATIVE"],
        ["单位业主的法定代表人"],
    )
    [item] = (await _get(client, "me/votes", representative))["items"]
    [group] = item["groups"]
    assert ([u["unit_key"] for u in group["units"]], group["acting_as"], group["voted"]) == (
        ["2-1-102"],
        ["LEGAL_REPRESENTATIVE"],
        False,
    )
    assert [vote["id"] for vote in (await _get(client, f"estates/{a.id}/votes", representative))["items"]] == [
        item["vote_id"]
    ]
    vote = await _get(client, f"votes/{item['vote_id']}", representative)
    notices = await _get(client, "me/notices", representative)
    assert item["vote_id"] in {notice["vote_id"] for notice in notices["items"]}
    assert (await _get(client, f"estates/{a.id}/notices", representative))["items"]
    cast = await client.post(
        f"{API}/votes/{vote['id']}/ballots",
        json={"group_id": group["group_id"], "answers": answers_from(vote)},
        headers=representative,
    )
    assert cast.status_code == 201, cast.text
    assert cast.json()["basis"] == "LEGAL_REPRESENTATIVE"
    [own] = (await _get(client, f"votes/{vote['id']}/my-ballot", representative))["groups"]
    assert own["group_id"] == group["group_id"]  # the company's group only, never 王一's or anyone else's
    assert own["ballots"][0]["basis_zh"] == "单位业主的法定代表人"
    await integrate_log(app)
    receipt = await _get(client, f"receipts/{own['ballots'][0]['audit_entry_id']}?format=json", representative)
    assert own["ballots"][0]["audit_entry_id"] == cast.json()["audit_entry_id"]
    assert receipt["entry"]["kind"] == "ballot.cast"
    assert receipt["proof_text"].startswith("c2sp.org/tlog-proof@v1")
    # Nothing of estate B, and no other estate appears.
    b = estates["B"]
    for url in (f"estates/{b.id}", f"estates/{b.id}/votes", f"estates/{b.id}/notices", f"votes/{b.vote_id}"):
        await _get(client, url, representative, 404)


async def test_a_tenant_is_verified_by_review_made_a_proxy_and_loses_access_when_revoked(client, app, estates, caplog):
    a = estates["A"]
    tenant = await sign_in(client, caplog, "13900000103")
    applied = await client.post(
        f"{API}/me/verification/manual",
        data={
            "estate_id": a.id, "id_number": ID_TENANT, "name": "孙租户", "document_type": "RESIDENT_ID_CARD",
            "purpose": "PERSON",
        },
        files={"file": ("id.pdf", PDF, "application/pdf")},
        headers=tenant,
    )  # fmt: skip
    assert applied.status_code == 201, applied.text
    assert applied.json()["purpose"] == "PERSON"
    listed = await _get(client, f"estates/{a.id}/verification-requests", a.committee)
    [request] = listed["items"]
    approved = await client.post(
        f"{API}/estates/{a.id}/verification-requests/{request['id']}/approve", json={}, headers=a.committee
    )
    assert approved.status_code == 200, approved.text  # before #19: 422 verification.owner_not_in_register
    status = await _get(client, "me/verification", tenant)
    assert status["verified"] is True
    assert (await _get(client, "me/estates", tenant))["items"] == []  # verified as a person, bound nowhere

    owner = await sign_in(client, caplog, "13900000104")
    await verify_as_owner(client, owner, ID_ZHAO, CERTIFICATE_ZHAO)
    [estate] = (await _get(client, "me/estates", owner))["items"]
    [owned] = (await _get(client, "me/groups", owner))["items"]
    now = app.state.clock()
    proxy = {
        "group_id": owned["group_id"], "kind": "PROXY", "grantee_phone": "13900000103",
        "evidence_type": "E_SIGNATURE", "scope": {"authority": "FREE"},
        "valid_from": now.isoformat(), "valid_until": (now + timedelta(days=30)).isoformat(),
    }  # fmt: skip
    requested = await client.post(f"{API}/estates/{estate['id']}/grants", json=proxy, headers=owner)
    assert requested.status_code == 201, requested.text
    grant_id = await approve_pending_grant(client, a)

    [item] = (await _get(client, "me/votes", tenant))["items"]
    assert item["groups"][0]["acting_as"] == ["PROXY"]
    await _get(client, f"votes/{item['vote_id']}", tenant)
    await _get(client, f"votes/{item['vote_id']}/my-ballot", tenant)
    assert (await _get(client, "me/notices", tenant))["items"]

    revoked = await client.post(f"{API}/estates/{a.id}/grants/{grant_id}/revoke", headers=owner)
    assert revoked.status_code == 200, revoked.text
    assert (await _get(client, "me/votes", tenant))["items"] == []
    assert (await _get(client, "me/estates", tenant))["items"] == []
    for url in (
        f"votes/{item['vote_id']}", f"votes/{item['vote_id']}/my-ballot", f"votes/{item['vote_id']}/result",
        f"estates/{a.id}", f"estates/{a.id}/votes", f"estates/{a.id}/notices",
    ):  # fmt: skip
        await _get(client, url, tenant, 404)
    assert [n for n in (await _get(client, "me/notices", tenant))["items"] if n["audience"] == "OWNERS"] == []


async def test_an_expired_proxy_reaches_nothing_and_a_scoped_one_only_its_vote(client, app, estates, caplog, idp):
    a = estates["A"]
    agent = await sign_in(client, caplog, "13900000105")
    await verify_as_person(client, agent, idp, ID_TENANT)
    owner = await sign_in(client, caplog, "13900000106")
    await verify_as_owner(client, owner, ID_WANG, CERTIFICATE_WANG)
    [owned] = (await _get(client, "me/groups", owner))["items"]
    [vote] = (await _get(client, "me/votes", owner))["items"]
    now = app.state.clock()
    other_vote = "00000000-0000-4000-8000-000000000001"
    proxy = {
        "group_id": owned["group_id"], "kind": "PROXY", "grantee_phone": "13900000105",
        "evidence_type": "E_SIGNATURE", "scope": {"authority": "FREE", "vote_ids": [other_vote]},
        "valid_from": now.isoformat(), "valid_until": (now + timedelta(minutes=10)).isoformat(),
    }  # fmt: skip
    assert (await client.post(f"{API}/estates/{a.id}/grants", json=proxy, headers=owner)).status_code == 201
    await approve_pending_grant(client, a)
    # In force, but its scope names another vote (R-CAST-4): this vote stays out of reach.
    assert [item["acting_as"] for item in (await _get(client, "me/estates", agent))["items"]] == [["PROXY"]]
    assert (await _get(client, "me/votes", agent))["items"] == []
    assert (await _get(client, f"estates/{a.id}/votes", agent))["items"] == []
    await _get(client, f"votes/{vote['vote_id']}", agent, 404)
    # Past valid_until (exclusive): nothing of the estate at all.
    app.state.clock = lambda: now + timedelta(minutes=10)
    assert (await _get(client, "me/estates", agent))["items"] == []
    await _get(client, f"estates/{a.id}/votes", agent, 404)


async def test_a_person_without_a_grant_and_owners_of_other_estates_get_404(client, app, estates, caplog, idp):
    a = estates["A"]
    outsider = await sign_in(client, caplog, "13900000107")
    await verify_as_person(client, outsider, idp, ID_OUTSIDER)
    owner_b = await sign_in(client, caplog, "13900000108")
    await verify_as_owner(client, owner_b, ID_B, CERTIFICATE_B)
    unverified = await sign_in(client, caplog, "13900000109")
    urls = (
        f"estates/{a.id}", f"estates/{a.id}/votes", f"estates/{a.id}/notices", f"votes/{a.vote_id}",
        f"votes/{a.vote_id}/my-ballot", f"votes/{a.vote_id}/turnout", f"votes/{a.vote_id}/result",
    )  # fmt: skip
    for headers in (outsider, owner_b, unverified):
        for url in urls:
            await _get(client, url, headers, 404)
    [b_vote] = (await _get(client, "me/votes", owner_b))["items"]
    assert b_vote["estate_id"] == estates["B"].id
    assert [estate["id"] for estate in (await _get(client, "me/estates", owner_b))["items"]] == [estates["B"].id]
    assert (await _get(client, "me/votes", outsider))["items"] == []


async def test_notices_have_a_read_state_and_an_unread_count(client, app, estates, caplog):
    owner = await sign_in(client, caplog, "13900000110")
    await verify_as_owner(client, owner, ID_WANG, CERTIFICATE_WANG)
    feed = await _get(client, "me/notices", owner)
    assert feed["unread_count"] == len(feed["items"]) >= 1
    assert all(item["read"] is False and item["read_at"] is None for item in feed["items"])
    first = feed["items"][0]
    marked = await client.post(f"{API}/me/notices/{first['id']}/read", headers=owner)
    assert marked.status_code == 200, marked.text
    assert marked.json()["read"] is True
    read_at = marked.json()["read_at"]
    again = await client.post(f"{API}/me/notices/{first['id']}/read", headers=owner)
    assert again.json()["read_at"] == read_at  # idempotent: the first read is kept
    assert (await _get(client, "me/notices/unread-count", owner))["unread_count"] == feed["unread_count"] - 1
    unread = await _get(client, "me/notices?unread=true", owner)
    assert first["id"] not in {item["id"] for item in unread["items"]}
    after = await _get(client, "me/notices", owner)
    assert next(item for item in after["items"] if item["id"] == first["id"])["read"] is True
    # Another estate's notice, as seen by its own owner, cannot be marked (nor learnt about) by this owner.
    owner_b = await sign_in(client, caplog, "13900000111")
    await verify_as_owner(client, owner_b, ID_B, CERTIFICATE_B)
    notice_b = (await _get(client, "me/notices", owner_b))["items"][0]["id"]
    refused = await client.post(f"{API}/me/notices/{notice_b}/read", headers=owner)
    assert refused.status_code == 404
    # Read marks are per account: 王一's mark does not mark it for anyone else.
    assert (await _get(client, "me/notices/unread-count", owner_b))["unread_count"] >= 1


@pytest.mark.parametrize("state", ["soon", "OPEN"])
async def test_an_unknown_state_is_a_validation_error(client, app, estates, caplog, state):
    owner = await sign_in(client, caplog, "13900000112")
    response = await client.get(f"{API}/me/votes", params={"state": state}, headers=owner)
    assert response.status_code == 422


async def test_a_person_verified_without_a_home_is_the_same_identity_once_a_register_lists_them(
    client, app, estates, caplog, idp, repo_root
):
    a = estates["A"]
    person = await sign_in(client, caplog, "13900000113")
    await verify_as_person(client, person, idp, ID_TENANT)
    # Verified already: a PERSON review has nothing to add.
    again = await client.post(
        f"{API}/me/verification/manual",
        data={"estate_id": a.id, "id_number": ID_TENANT, "name": "孙租户", "document_type": "RESIDENT_ID_CARD",
              "purpose": "PERSON"},
        files={"file": ("id.pdf", PDF, "application/pdf")},
        headers=person,
    )  # fmt: skip
    assert (again.status_code, again.json()["code"]) == (409, "verification.already_verified")
    # The tenant buys a flat: the next register lists them, and the import finds the identity verification made.
    certificate = "京(2025)朝阳区不动产权第0000601号"
    row = f"4,1,101,50.00,不动产登记,否,已售,是,不动产登记,{certificate},孙租户,{ID_TENANT},个人\n"
    register = (repo_root / "samples/register-sample.csv").read_text(encoding="utf-8-sig").rstrip("\n") + "\n" + row
    imported = await client.post(
        f"{API}/estates/{a.id}/register/imports",
        files={"file": ("r.csv", register.encode(), "text/csv")},
        headers=a.committee,
    )
    assert imported.status_code == 201, imported.text
    await verify_as_owner(client, person, ID_TENANT, certificate)
    [estate] = (await _get(client, "me/estates", person))["items"]
    assert (estate["id"], estate["acting_as"]) == (a.id, ["OWNER"])
    # Not in the frozen roll of the vote published before: no vote to act in, and the vote stays unreadable.
    assert (await _get(client, "me/votes", person))["items"] == []
    await _get(client, f"votes/{a.vote_id}", person, 404)
