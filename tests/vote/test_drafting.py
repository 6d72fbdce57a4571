"""Drafting votes and topics against the law core (R-LIFE-1, R-CAT-1..5, R-BAN-2/3, R-MULTI-1, R-ELEC-1)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from app.common.access import Role
from tests.vote.helpers import (
    PDF,
    PNG,
    add_topic,
    candidate,
    create_vote,
    election,
    fund_raise,
    key,
    make_estate,
    problem_code,
    sample_candidates,
    single_choice,
    vote_body,
    yes_no,
)

STATUTORY_ORDINARY = {"quorum": {"num": 2, "den": 3, "strict": False}, "approval": {"num": 1, "den": 2, "strict": True}}


async def _topic_error(client, estate, topic) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    vote = await create_vote(client, estate)
    response = await client.post(f"/api/v1/votes/{vote['id']}/topics", json=topic, headers=estate.committee)
    return response.status_code, problem_code(response)


async def test_draft_is_created_with_its_parameters(client, session, app):
    estate = await make_estate(session, app, client)
    body = vote_body(
        voting_method="PAPER",
        min_window_days=9,
        extension_rule={"max_times": 1, "max_days_each": 7, "when": "QUORUM_NOT_MET"},
        proxies_allowed=False,
        ends_at="2025-03-27T00:00:00.750+08:00",
    )
    response = await client.post(f"/api/v1/estates/{estate.id}/votes", json=body, headers=estate.committee)
    assert response.status_code == 201, response.text
    vote = response.json()
    assert vote["status"] == "DRAFT"
    assert vote["voting_method"] == "PAPER"
    assert vote["extension_rule"] == {"max_times": 1, "max_days_each": 7, "when": "QUORUM_NOT_MET"}
    assert vote["ends_at"] == "2025-03-27T00:00:00+08:00"  # Beijing time, to the second (README "Times")
    assert vote["totals"] is None
    assert vote["notice_hash"] is None
    assert vote["topics"] == []


async def test_not_a_majority_vote_matter_is_refused(client, session, app):
    estate = await make_estate(session, app, client)
    status, code = await _topic_error(client, estate, yes_no(matters=["HOME_TO_BUSINESS"]))
    assert (status, code) == (422, "topic.not_a_majority_vote")  # R-BAN-3, CC 279


async def test_declaration_is_required(client, session, app):
    estate = await make_estate(session, app, client)
    status, code = await _topic_error(client, estate, yes_no(declaration_property_management=False))
    assert (status, code) == (422, "topic.declaration_required")  # R-BAN-2


async def test_topic_without_matter_is_refused(client, session, app):
    estate = await make_estate(session, app, client)
    assert await _topic_error(client, estate, yes_no(matters=[])) == (422, "rules.topic_without_matter")


async def test_looser_community_rule_is_refused(client, session, app):
    estate = await make_estate(session, app, client)
    looser = {"approval": {"num": 1, "den": 2, "strict": False}}  # >= 1/2 is looser than > 1/2 (R-CAT-4)
    status, code = await _topic_error(client, estate, yes_no(rule=looser))
    assert (status, code) == (422, "rules.threshold_too_loose")


async def test_stricter_community_rule_is_accepted(client, session, app):
    estate = await make_estate(session, app, client)
    vote = await create_vote(client, estate)
    stricter = {"quorum": {"num": 3, "den": 4, "strict": False}, "approval": {"num": 2, "den": 3, "strict": False}}
    topic = await add_topic(client, estate, vote["id"], yes_no(rule=stricter))
    assert topic["rule"] == stricter
    default = await add_topic(client, estate, vote["id"], yes_no(title="默认门槛"))
    assert default["rule"] == STATUTORY_ORDINARY


async def test_improper_threshold_is_a_validation_error(client, session, app):
    estate = await make_estate(session, app, client)
    bad = {"approval": {"num": 3, "den": 2, "strict": False}}
    assert await _topic_error(client, estate, yes_no(rule=bad)) == (422, "request.invalid")


async def test_bundled_matters_are_refused(client, session, app):
    estate = await make_estate(session, app, client)
    bundled = yes_no(matters=["HIRE_DISMISS_PROVIDER", "FUND_RAISE"])
    assert await _topic_error(client, estate, bundled) == (422, "topic.bundled")  # R-CAT-5
    same_category = yes_no(matters=["RULES_OF_PROCEDURE", "MANAGEMENT_COVENANT"])
    assert await _topic_error(client, estate, same_category) == (422, "topic.bundled")


async def test_matters_of_one_decision_take_the_stricter_category(client, session, app):
    estate = await make_estate(session, app, client)
    vote = await create_vote(client, estate)
    disposal = await add_topic(
        client, estate, vote["id"], yes_no(matters=["DISPOSE_COMMON_PARTS", "CHANGE_USE_COMMON_PARTS"])
    )
    assert disposal["category"] == "SPECIAL"  # R-CAT-2 disposal CHOICE + R-CAT-3 stricter wins
    hiring = await add_topic(client, estate, vote["id"], yes_no(matters=["HIRE_DISMISS_PROVIDER", "SERVICE_TERMS"]))
    assert hiring["category"] == "ORDINARY"
    survey = await add_topic(
        client, estate, vote["id"], yes_no(kind="CONSULTATION", matters=["FUND_RAISE", "RULES_OF_PROCEDURE"],
                                           options=[{"id": "a", "label": "a"}, {"id": "b", "label": "b"}])
    )  # fmt: skip
    assert survey["category"] == "SPECIAL"  # a consultation decides nothing, so R-CAT-5 does not apply


@pytest.mark.parametrize(
    ("options", "code"),
    [
        (None, "rules.invalid_options"),
        ([{"id": "A", "label": "甲"}], "rules.invalid_options"),
        ([{"id": "A", "label": "甲"}, {"id": "A", "label": "乙"}], "rules.invalid_options"),
        ([{"id": "ABSTAIN", "label": "弃权"}, {"id": "B", "label": "乙"}], "rules.invalid_options"),
    ],
)
async def test_single_choice_needs_two_distinct_options(client, session, app, options, code):
    estate = await make_estate(session, app, client)
    assert await _topic_error(client, estate, single_choice(options=options)) == (422, code)


async def test_options_on_a_yes_no_topic_are_refused(client, session, app):
    estate = await make_estate(session, app, client)
    topic = yes_no(options=[{"id": "A", "label": "a"}, {"id": "B", "label": "b"}])
    assert await _topic_error(client, estate, topic) == (422, "topic.options_not_allowed")


A64 = "a" * 64


def _method(**changes: Any) -> dict[str, Any]:
    return {"election": {"member_seats": 5, "alternate_seats": 0, "candidates": sample_candidates(1)} | changes}


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"election": None}, "topic.election_required"),
        ({"matters": ["ELECT_COMMITTEE", "RULES_OF_PROCEDURE"]}, "topic.election_matter_invalid"),
        (_method(member_seats=4), "rules.election_seats_not_odd"),
        (_method(alternate_seats=6), "rules.election_alternate_seats_invalid"),
        (_method(candidates=[candidate("c1", "1-1-101"), candidate("c1", "1-2-202")]),
         "rules.election_candidate_duplicate"),
        (_method(candidates=[candidate("c1", "1-1-101"), candidate("c2", "1-1-102")]),
         "election.candidate_owner_duplicate"),
        (_method(candidates=[]), "rules.election_candidate_list_empty"),
        # R-CAND-1: a candidate is an owner of the register, never free text.
        (_method(candidates=[candidate("c1", "9-9-999")]), "election.candidate_not_on_roll"),
        (_method(candidates=[candidate("c1", "1-1-101", owner=2)]), "election.candidate_not_on_roll"),
        (_method(candidates=[{"id": "c1", "name": "张三"}]), "request.invalid"),
        (_method(candidates=[candidate("c1", "2-1-102", representative=None)]),
         "rules.candidate_representative_required"),
        (_method(candidates=[candidate("c1", "1-1-101", representative={"name": "某", "authorisation_sha256": A64})]),
         "rules.candidate_representative_not_allowed"),
        # R-ELEC-10/11/13: partial elections against the sitting committee's record (the convened draft's 业委会 of
        # three, all seats held); typed figures are ignored (tests/vote/test_elections_committee.py).
        (_method(election_type="BY_ELECTION", member_seats=2, committee={"size": 7, "members": 5, "alternates": 0}),
         "rules.election_by_seats_invalid"),
        (_method(election_type="ALTERNATES", member_seats=1, committee={"size": 7, "members": 5, "alternates": 0}),
         "rules.election_alternates_only_invalid"),
    ],
)  # fmt: skip
async def test_election_method_must_be_valid(client, session, app, change, code):
    estate = await make_estate(session, app, client)
    assert await _topic_error(client, estate, election() | change) == (422, code)


async def test_election_on_a_yes_no_topic_is_refused(client, session, app):
    estate = await make_estate(session, app, client)
    topic = yes_no(election=election()["election"])
    assert await _topic_error(client, estate, topic) == (422, "topic.election_not_allowed")


async def test_small_area_may_elect_three_members_in_separate_lists(client, session, app):
    """The typed households are ignored (deprecated); the draft stores none until the roll counts them."""
    estate = await make_estate(session, app, client)
    vote = await create_vote(client, estate)
    method = {
        "member_seats": 3, "alternate_seats": 1, "households": 11,
        "candidates": sample_candidates(3), "alternate_candidates": [candidate("a1", "1-2-202")],
    }  # fmt: skip
    topic = await add_topic(client, estate, vote["id"], election(election=method))
    assert topic["election"] == {
        "election_type": "FULL", "committee": None, "member_seats": 3, "alternate_seats": 1, "households": None,
        "candidates": [{"id": "c1", "name": "王*"}, {"id": "c2", "name": "李*"}, {"id": "c3", "name": "张*"}],
        "alternate_candidates": [{"id": "a1", "name": "赵*"}],
    }  # fmt: skip
    assert topic["category"] == "ORDINARY"


async def test_topic_edit_revalidates_and_moves_the_statutory_rule_with_the_category(client, session, app):
    estate = await make_estate(session, app, client)
    vote = await create_vote(client, estate)
    topic = await add_topic(client, estate, vote["id"], yes_no())
    url = f"/api/v1/votes/{vote['id']}/topics/{topic['id']}"
    changed = await client.patch(url, json={"matters": ["FUND_RAISE"]}, headers=estate.committee)
    assert changed.status_code == 200, changed.text
    assert changed.json()["category"] == "SPECIAL"
    assert changed.json()["rule"]["approval"] == {"num": 3, "den": 4, "strict": False}
    refused = await client.patch(url, json={"matters": ["HOME_TO_BUSINESS"]}, headers=estate.committee)
    assert problem_code(refused) == "topic.not_a_majority_vote"
    null = await client.patch(url, json={"title": None}, headers=estate.committee)
    assert problem_code(null) == "request.invalid"
    kind = await client.patch(url, json={"kind": "SINGLE_CHOICE"}, headers=estate.committee)
    assert problem_code(kind) == "rules.invalid_options"


async def test_topics_can_be_deleted_from_a_draft(client, session, app):
    estate = await make_estate(session, app, client)
    vote = await create_vote(client, estate)
    first = await add_topic(client, estate, vote["id"], yes_no())
    await add_topic(client, estate, vote["id"], fund_raise())
    deleted = await client.delete(f"/api/v1/votes/{vote['id']}/topics/{first['id']}", headers=estate.committee)
    assert deleted.status_code == 204
    third = await add_topic(client, estate, vote["id"], single_choice())
    assert third["position"] == 2
    topics = (await client.get(f"/api/v1/votes/{vote['id']}", headers=estate.committee)).json()["topics"]
    assert [(t["position"], t["title"]) for t in topics] == [(1, "续筹专项维修资金"), (2, "选择物业服务企业")]
    missing = await client.delete(f"/api/v1/votes/{vote['id']}/topics/{first['id']}", headers=estate.committee)
    assert missing.status_code == 404


async def test_draft_parameters_can_be_changed(client, session, app):
    estate = await make_estate(session, app, client)
    vote = await create_vote(client, estate, scope_units=["1-1-101"])
    response = await client.patch(
        f"/api/v1/votes/{vote['id']}",
        json={"title": "改名", "scope_units": None, "voting_method": "MIXED", "proxies_allowed": False},
        headers=estate.committee,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["title"], body["scope_units"], body["voting_method"], body["proxies_allowed"]) == (
        "改名", None, "MIXED", False,
    )  # fmt: skip
    inverted = await client.patch(
        f"/api/v1/votes/{vote['id']}", json={"ends_at": "2025-03-01T00:00:00+08:00"}, headers=estate.committee
    )
    assert problem_code(inverted) == "rules.voting_window_inverted"


async def test_only_the_street_office_convenes_as_street_office(client, session, app):
    estate = await make_estate(session, app, client)
    refused = await client.post(
        f"/api/v1/estates/{estate.id}/votes", json=vote_body(organiser_kind="STREET_OFFICE"), headers=estate.committee
    )
    assert refused.status_code == 403
    assert problem_code(refused) == "vote.organiser_kind_not_allowed"
    office = await key(session, app, Role.STREET_OFFICE, estate)
    as_committee = await client.post(f"/api/v1/estates/{estate.id}/votes", json=vote_body(), headers=office)
    assert problem_code(as_committee) == "vote.organiser_kind_not_allowed"
    accepted = await client.post(
        f"/api/v1/estates/{estate.id}/votes", json=vote_body(organiser_kind="STREET_OFFICE"), headers=office
    )
    assert accepted.status_code == 201, accepted.text  # R-LIFE-1: convening in the committee's place
    admin = await key(session, app, Role.ADMIN, estate)
    by_admin = await client.post(
        f"/api/v1/estates/{estate.id}/votes", json=vote_body(organiser_kind="PREPARATORY_GROUP"), headers=admin
    )
    assert by_admin.status_code == 201


async def test_attachments_are_sniffed_hashed_downloaded_and_deleted(client, session, app):
    estate = await make_estate(session, app, client)
    vote = await create_vote(client, estate)
    topic = await add_topic(client, estate, vote["id"], yes_no())
    url = f"/api/v1/votes/{vote['id']}/topics/{topic['id']}/attachments"
    fake = await client.post(url, files={"file": ("x.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")},
                             headers=estate.committee)  # fmt: skip
    assert fake.status_code == 415
    assert problem_code(fake) == "topic.attachment_unsupported"
    png = await client.post(url, files={"file": ("../../平面图.png", PNG, "image/jpeg")}, headers=estate.committee)
    assert png.status_code == 201, png.text
    assert png.json()["content_type"] == "image/png"
    assert png.json()["filename"] == "平面图.png"
    assert png.json()["size"] == len(PNG)
    download = await client.get(f"{url}/{png.json()['id']}", headers=estate.committee)
    assert download.status_code == 200
    assert download.content == PNG
    assert download.headers["content-type"] == "image/png"
    assert download.headers["etag"] == f'"{hashlib.sha256(PNG).hexdigest()}"'
    assert "filename*=UTF-8''%E5%B9%B3%E9%9D%A2%E5%9B%BE.png" in download.headers["content-disposition"]
    listed = (await client.get(f"/api/v1/votes/{vote['id']}", headers=estate.committee)).json()
    assert [a["sha256"] for a in listed["topics"][0]["attachments"]] == [hashlib.sha256(PNG).hexdigest()]
    removed = await client.delete(f"{url}/{png.json()['id']}", headers=estate.committee)
    assert removed.status_code == 204
    gone = await client.get(f"{url}/{png.json()['id']}", headers=estate.committee)
    assert gone.status_code == 404


async def test_attachment_over_20_mb_is_refused(client, session, app):
    estate = await make_estate(session, app, client)
    vote = await create_vote(client, estate)
    topic = await add_topic(client, estate, vote["id"], yes_no())
    big = PDF + b"\x00" * (20 * 1024 * 1024)
    response = await client.post(
        f"/api/v1/votes/{vote['id']}/topics/{topic['id']}/attachments",
        files={"file": ("big.pdf", big, "application/pdf")},
        headers=estate.committee,
    )
    assert response.status_code == 413
    assert problem_code(response) == "request.too_large"
