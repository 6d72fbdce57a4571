"""Issue #18 items 2 and 3 through the API: elections that fit the committee of record (R-ELEC-10..13) and
candidates from the roll with attested eligibility and the Party organisation's acknowledgment (R-CAND-1..9)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.audit.models import AuditEntry
from app.common.access import Role
from app.identity.service import OPERATOR
from app.ledger.disclosure import Disclosure, disclosure
from app.register.parsing import RegisterFormat
from app.register.service import import_register
from app.vote.models import ElectionCandidate
from tests.ballot.helpers import LI, WANG, ZHANG, ZHAO
from tests.committee.test_committees_api import QIAN, ZHOU, file, person, record_committee
from tests.drills.common import register_csv, resident_id
from tests.vote.helpers import (
    SAMPLE,
    SAMPLE_RESIDENTIAL_UNITS,
    Estate,
    acknowledge,
    add_topic,
    attest,
    candidate,
    create_vote,
    election,
    key,
    make_estate,
    prepare_candidates,
    problem_code,
    sample_candidates,
)


def _election(**method: Any) -> dict[str, Any]:
    return election(election={"candidates": sample_candidates(3), "alternate_seats": 0} | method)


async def _publish(client, estate: Estate, vote_id: str):  # type: ignore[no-untyped-def]
    return await client.post(f"/api/v1/votes/{vote_id}/publish", headers=estate.committee)


async def _drafted(client, estate: Estate, topic: dict[str, Any], *, prepare: bool = True):  # type: ignore[no-untyped-def]
    vote = await create_vote(client, estate)
    added = await add_topic(client, estate, vote["id"], topic)
    if prepare:
        await prepare_candidates(client, estate, vote["id"], added)
    return vote, added


async def _seven_seats(client, session, app, estate: Estate, members: list[str], *, alternate_seats: int = 0):  # type: ignore[no-untyped-def]
    """R-ELEC-13: a 业委会 of seven seats recorded and filed through the committee API; the draft's convener
    (``tests.factories_vote.convene``) reuses it, its sitting members signing the decision to convene."""
    office = await key(session, app, Role.STREET_OFFICE, estate)
    committee = await record_committee(
        client, estate, estate.committee, members, seats=7, alternate_seats=alternate_seats
    )
    assert (await file(client, committee, office)).status_code == 200
    assert len(committee["vacant_seats"]) == 7 - len(members)
    return committee, office


FIVE_OF_SEVEN = [WANG, LI, ZHANG, ZHAO, QIAN]
SEVEN_TWO_VACANT = {"size": 7, "members": 5, "alternates": 0}


# --- R-ELEC-10/11/13: a committee of 7 with 2 vacancies, from its record (Beijing Arts. 39, 41 ¶3, 48) ---------


async def test_a_by_election_for_two_vacant_seats_is_published(client, session, app):
    estate = await make_estate(session, app, client)
    await _seven_seats(client, session, app, estate, FIVE_OF_SEVEN)
    vote, topic = await _drafted(client, estate, _election(election_type="BY_ELECTION", member_seats=2))
    assert topic["election"]["committee"] == SEVEN_TWO_VACANT  # filled from the record when drafted
    response = await _publish(client, estate, vote["id"])
    assert response.status_code == 200, response.text
    method = response.json()["topics"][0]["election"]
    assert method["election_type"] == "BY_ELECTION"
    assert method["committee"] == SEVEN_TWO_VACANT
    assert method["households"] == SAMPLE_RESIDENTIAL_UNITS


async def test_an_alternates_only_election_for_two_is_published(client, session, app):
    estate = await make_estate(session, app, client)
    await _seven_seats(client, session, app, estate, FIVE_OF_SEVEN)
    vote, _ = await _drafted(client, estate, _election(election_type="ALTERNATES", member_seats=0, alternate_seats=2))
    response = await _publish(client, estate, vote["id"])
    assert response.status_code == 200, response.text
    assert response.json()["topics"][0]["election"]["alternate_seats"] == 2
    assert response.json()["topics"][0]["election"]["committee"] == SEVEN_TWO_VACANT


async def test_a_by_election_when_three_of_seven_remain_is_refused_art_48_whatever_is_typed(client, session, app):
    estate = await make_estate(session, app, client)
    await _seven_seats(client, session, app, estate, [WANG, LI, ZHANG])
    vote = await create_vote(client, estate, convened=False)
    topic = _election(election_type="BY_ELECTION", member_seats=2, committee=SEVEN_TWO_VACANT)  # typed: ignored
    response = await client.post(f"/api/v1/votes/{vote['id']}/topics", json=topic, headers=estate.committee)
    assert response.status_code == 422
    assert problem_code(response) == "rules.election_full_reelection_required"
    assert "第四十八条" in response.json()["messages"]["zh"]
    assert "3 of 7" in response.json()["messages"]["en"]


async def test_the_committee_is_read_again_at_publication(client, session, app):
    """An alternate seated after the draft moves up into a vacancy first (Art. 41 ¶3): one seat is left open, so the
    drafted by-election for two is refused when the notice is published."""
    estate = await make_estate(session, app, client)
    committee, office = await _seven_seats(client, session, app, estate, FIVE_OF_SEVEN, alternate_seats=1)
    vote, topic = await _drafted(client, estate, _election(election_type="BY_ELECTION", member_seats=2))
    assert topic["election"]["committee"] == SEVEN_TWO_VACANT
    seated = await client.post(
        f"/api/v1/committees/{committee['id']}/members", json=person(ZHOU, 1, "ALTERNATE"), headers=office
    )
    assert seated.status_code == 201, seated.text
    response = await _publish(client, estate, vote["id"])
    assert response.status_code == 422
    assert problem_code(response) == "rules.election_by_seats_invalid"


async def test_a_by_election_without_a_committee_of_record_is_refused(client, session, app):
    """No 业委会 in term: nothing to measure a by-election against (R-ELEC-13); a 物管会 is not elected."""
    estate = await make_estate(session, app, client)
    vote = await create_vote(client, estate, convened=False)
    topic = _election(election_type="BY_ELECTION", member_seats=2, committee=SEVEN_TWO_VACANT)
    response = await client.post(f"/api/v1/votes/{vote['id']}/topics", json=topic, headers=estate.committee)
    assert response.status_code == 422
    assert problem_code(response) == "rules.election_committee_required"


# --- R-ELEC-12: the households come from the frozen roll -------------------------------------------------------


async def _estate_with(session, app, client, register: bytes) -> Estate:  # type: ignore[no-untyped-def]
    estate = await make_estate(session, app, client, register=False)
    await import_register(
        session, estate.id, register, register_format=RegisterFormat.CSV, source_name="r.csv", imported_by=OPERATOR,
        cipher=app.state.cipher,
    )  # fmt: skip
    await session.commit()
    return estate


async def test_a_three_member_committee_on_a_roll_of_500_homes_is_refused_whatever_is_typed(client, session, app):
    estate = await _estate_with(session, app, client, register_csv(500, first=180_000))
    topic = election(
        election={
            "member_seats": 3,
            "alternate_seats": 0,
            "households": 80,  # deprecated and ignored
            "candidates": [candidate(f"c{n}", f"1-{n // 100 + 1}-{100 + n % 100}") for n in range(3)],
        }
    )
    vote, added = await _drafted(client, estate, topic)
    assert added["election"]["households"] is None
    response = await _publish(client, estate, vote["id"])
    assert response.status_code == 422
    assert problem_code(response) == "rules.election_seats_invalid"
    assert "500" in response.json()["messages"]["en"]


async def test_parking_spaces_are_not_households(client, session, app):
    """100 homes and 5 parking spaces: at most 100 households, so 3 members are lawful (Beijing Art. 39)."""
    text = register_csv(100, first=181_000).decode("utf-8-sig").rstrip("\n").split("\n")
    for n in range(5):  # the first five owners also own a parking space
        fields = text[1 + n].split(",")
        fields[1:4] = ["P", f"B1-{n:02d}", "12.50"]
        fields[5] = "是"
        fields[9] = f"京(2019)朝阳区不动产权第9{n:06d}号"
        text.append(",".join(fields))
    estate = await _estate_with(session, app, client, ("\ufeff" + "\n".join(text) + "\n").encode())
    topic = election(election={"member_seats": 3, "alternate_seats": 0, "candidates": [candidate("c1", "1-1-100")]})
    vote, _ = await _drafted(client, estate, topic)
    response = await _publish(client, estate, vote["id"])
    assert response.status_code == 200, response.text
    assert response.json()["topics"][0]["election"]["households"] == 100


# --- R-CAND: candidates from the roll, attested, acknowledged ----------------------------------------------------


async def test_a_candidate_not_on_the_roll_is_refused_with_the_reason(client, session, app):
    estate = await make_estate(session, app, client)
    vote = await create_vote(client, estate)
    topic = _election(member_seats=3, candidates=[*sample_candidates(2), candidate("x9", "9-9-901")])
    response = await client.post(f"/api/v1/votes/{vote['id']}/topics", json=topic, headers=estate.committee)
    assert response.status_code == 422
    assert problem_code(response) == "election.candidate_not_on_roll"
    assert "x9" in response.json()["messages"]["zh"]
    assert "第三十九条第二款" in response.json()["messages"]["zh"]
    # 孙七 bought 2-2-202, which the developer still holds (not delivered, R-HEAD-4): he is no owner of record and
    # could never be seated (R-COMM-4), so he cannot stand either.
    buyer = _election(member_seats=3, candidates=[*sample_candidates(2), candidate("x8", "2-2-202")])
    response = await client.post(f"/api/v1/votes/{vote['id']}/topics", json=buyer, headers=estate.committee)
    assert (response.status_code, problem_code(response)) == (422, "election.candidate_not_on_roll")


async def test_a_candidate_who_sold_his_unit_is_refused_at_publication(client, session, app, repo_root):
    """R-CAND-1 on the roll being frozen: 赵四 (c4) sells 1-2-202 to 孙九 in a new register version."""
    estate = await make_estate(session, app, client)
    vote, _ = await _drafted(client, estate, _election(member_seats=3, candidates=sample_candidates(4)[1:]))
    sold = SAMPLE.read_text(encoding="utf-8-sig").replace("赵四,110105198304040044", f"孙九,{resident_id(190_001)}")
    imported = await client.post(
        f"/api/v1/estates/{estate.id}/register/imports",
        files={"file": ("v2.csv", sold.encode(), "text/csv")},
        headers=estate.committee,
    )
    assert imported.status_code == 201, imported.text
    response = await _publish(client, estate, vote["id"])
    assert problem_code(response) == "election.candidate_not_on_roll"
    assert "c4" in response.json()["messages"]["en"]


async def test_attested_fee_arrears_refuse_the_candidate_with_the_reason_seed_003(client, session, app):
    estate = await make_estate(session, app, client)
    vote, topic = await _drafted(client, estate, _election(member_seats=3))
    await attest(client, estate, vote["id"], topic["id"], "c2", "PROPERTY_FEES", "PROPERTY_SERVICE_COMPANY", "NOT_MET")
    response = await _publish(client, estate, vote["id"])
    assert response.status_code == 422
    assert problem_code(response) == "rules.candidate_fee_arrears"
    assert "c2" in response.json()["messages"]["zh"]
    assert "物业费" in response.json()["messages"]["zh"]
    # The arrears paid and attested again: the latest attestation counts (R-CAND-7).
    await attest(client, estate, vote["id"], topic["id"], "c2", "PROPERTY_FEES", "PROPERTY_SERVICE_COMPANY")
    assert (await _publish(client, estate, vote["id"])).status_code == 200


async def test_unattested_conditions_and_wrong_sources_are_refused(client, session, app):
    estate = await make_estate(session, app, client)
    vote, topic = await _drafted(client, estate, _election(member_seats=3), prepare=False)
    await acknowledge(client, estate, vote["id"], topic["id"])
    response = await _publish(client, estate, vote["id"])
    assert problem_code(response) == "rules.candidate_not_attested"
    wrong = await attest(
        client, estate, vote["id"], topic["id"], "c1", "ILLEGAL_CONSTRUCTION", "CANDIDATE_DECLARATION", status=422
    )
    assert problem_code(wrong) == "rules.eligibility_source_not_accepted"
    unknown = await attest(
        client, estate, vote["id"], topic["id"], "zz", "PROPERTY_FEES", "PROPERTY_SERVICE_COMPANY", status=422
    )
    assert problem_code(unknown) == "election.candidate_unknown"


async def test_publication_needs_the_party_acknowledgment_of_the_list_as_it_stands(client, session, app):
    """R-CAND-8 / Beijing Art. 40 ¶2: missing → refused; a changed list needs a new acknowledgment."""
    estate = await make_estate(session, app, client)
    vote, topic = await _drafted(client, estate, _election(member_seats=3), prepare=False)
    await prepare_candidates(client, estate, vote["id"], topic, acknowledged=False)
    response = await _publish(client, estate, vote["id"])
    assert response.status_code == 422
    assert problem_code(response) == "election.candidate_list_not_acknowledged"
    await acknowledge(client, estate, vote["id"], topic["id"])
    url = f"/api/v1/votes/{vote['id']}/topics/{topic['id']}"
    changed = _election(member_seats=3, candidates=[*sample_candidates(2), candidate("c4", "1-2-202")])
    assert (
        await client.patch(url, json={"election": changed["election"]}, headers=estate.committee)
    ).status_code == 200
    for criterion, source in (
        ("PROPERTY_FEES", "PROPERTY_SERVICE_COMPANY"), ("MAINTENANCE_FUND", "PROPERTY_SERVICE_COMPANY"),
        ("ILLEGAL_CONSTRUCTION", "STREET_OFFICE"), ("ART39_CONDITIONS", "CANDIDATE_DECLARATION"),
    ):  # fmt: skip
        await attest(client, estate, vote["id"], topic["id"], "c4", criterion, source)
    assert problem_code(await _publish(client, estate, vote["id"])) == "election.candidate_list_not_acknowledged"
    bad_dates = await client.post(
        f"{url}/candidate-list/acknowledgment",
        json={"submitted_on": "2025-02-23", "acknowledged_on": "2025-02-22", "receipt_sha256": "ac" * 32},
        headers=estate.committee,
    )
    assert problem_code(bad_dates) == "election.acknowledgment_dates_invalid"
    await acknowledge(client, estate, vote["id"], topic["id"])
    assert (await _publish(client, estate, vote["id"])).status_code == 200


async def test_every_step_is_logged_without_names_and_the_organiser_sees_masked_candidates(client, session, app):
    estate = await make_estate(session, app, client)
    listed = [*sample_candidates(7)[4:], *sample_candidates(1)]
    vote, topic = await _drafted(client, estate, _election(member_seats=3, candidates=listed))
    view = await client.get(f"/api/v1/votes/{vote['id']}/topics/{topic['id']}/candidates", headers=estate.committee)
    assert view.status_code == 200, view.text
    body = view.json()
    assert [(c["candidate_id"], c["name"], c["represented"]) for c in body["candidates"]] == [
        ("c1", "王*", False), ("c5", "钱*", False), ("c6", "周*", False), ("c7", "吴**", True),
    ]  # fmt: skip
    assert len(body["attestations"]) == 16
    assert body["acknowledgment"]["list_hash"] == body["list_hash"]
    rows = (await session.scalars(select(ElectionCandidate))).all()
    assert {row.representative_name for row in rows} == {None, "吴代表"}  # restricted table only
    entries = (await session.scalars(select(AuditEntry).where(AuditEntry.kind.like("election.%")))).all()
    kinds = [entry.kind for entry in entries]
    assert kinds.count("election.candidates_nominated") == 1
    assert kinds.count("election.candidate_attested") == 16
    assert kinds.count("election.candidate_list_acknowledged") == 1
    text = " ".join(str(entry.payload) for entry in entries)
    for personal in ("王一", "钱五", "周八", "吴代表", "商贸", "110105", "1-1-101", str(rows[0].owner_id)):
        assert personal not in text
    public = [entry.kind for entry in entries if disclosure(entry.kind, entry.payload) is Disclosure.PUBLIC]
    assert public == ["election.candidate_list_acknowledged"]
    # The published list carries the masked names in the drafted order (R-CAND-9).
    published = await _publish(client, estate, vote["id"])
    assert published.status_code == 200
    assert [c["name"] for c in published.json()["topics"][0]["election"]["candidates"]] == ["钱*", "周*", "吴**", "王*"]
