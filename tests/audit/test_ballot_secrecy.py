"""Ballot secrecy against an outsider: what the unauthenticated API serves during an open vote proves without
revealing (R-PUB-2, R-LIFE-7, PIPL).

1. The outsider collects everything the public log serves (entries, checkpoints, proofs, keys) while a mixed vote
   with yes/no, single-choice and election topics runs and is counted, with online, paper, spoiled and duplicate
   ballots and a counting session before witnesses, tries
   every answer combination on every ballot and recovers none; the same brute force on commitments built the old
   way (unsalted) recovers every ballot, so the attack itself works.
2. Every unauthenticated GET route, fetched without a credential, serves no owner id, account id, identifier,
   identifier fragment, phone or certificate number.
3. The owner's receipt verifies offline with their nonce and answers; a wrong answer or a wrong nonce fails.
"""

from __future__ import annotations

import itertools
import json
import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.audit.integrator import integrate_once
from app.audit.models import AuditEntry
from app.ballot.models import Ballot
from app.cli import main as cli
from app.common.access import Role, Scope
from app.identity import events
from app.identity.models import Account
from app.ledger import ballot as commitments
from app.ledger.events import EventKind
from app.ledger.receipt import ReceiptInvalid, open_ballot_receipt
from app.register.models import Owner
from app.vote.models import VotingMethod
from tests.ballot.helpers import LI, WANG, ZHANG, ZHAO, group_of, owner_id
from tests.ballot.test_cast_api import NOW
from tests.factories import bearer, make_account, make_api_key
from tests.factories_vote import election_topic, make_vote, option_topic, yes_no_topic

CANDIDATES = ("c1", "c2", "c3", "c4")


def answer_space(fixture: Any) -> list[dict[str, Any]]:
    """Every ballot an outsider can guess for the fixture's topics, spoiled paper answers included."""
    per_topic: list[list[tuple[str, Any]]] = []
    for topic in fixture.topics:
        key = str(topic.id)
        if topic.kind.value == "YES_NO":
            values: list[Any] = ["AGREE", "OPPOSE", "ABSTAIN", "SPOILED"]
        elif topic.kind.value == "SINGLE_CHOICE":
            values = [option["id"] for option in topic.options] + ["ABSTAIN", "SPOILED"]
        else:
            marks = itertools.product(("AGREE", "OPPOSE", "ABSTAIN"), repeat=len(CANDIDATES))
            values = [dict(zip(CANDIDATES, combination, strict=True)) for combination in marks] + ["SPOILED"]
        per_topic.append([(key, value) for value in values])
    return [dict(combination) for combination in itertools.product(*per_topic)]


def brute_force(vote_id: str, payload: dict[str, Any], space: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The outsider's attack on one logged ballot: hash every guess as the log's hash could have been built."""
    logged = commitments.logged_hash(payload)
    group = commitments.logged_group(payload)
    common = {"basis": payload["basis"], "channel": payload["channel"], "cast_at": payload["cast_at"]}
    for answers in space:
        legacy = commitments.legacy_content_hash(vote_id=vote_id, group_id=group, answers=answers, **common)
        no_nonce = commitments.commitment(vote_id=vote_id, group=group, answers=answers, nonce="0" * 32, **common)
        if logged in (legacy, no_nonce):
            return answers
    return None


@pytest.fixture
async def open_vote(client, app, session, sessionmaker, log_keys):
    """A mixed vote: Wang and Zhao online, Wang's later paper ballot a duplicate (R-PAPER-2), Li's paper ballot,
    counted in public after the close, spoils a topic (R-PAPER-3); the identity events of a real-name
    verification and a sign-in are in the log too."""
    app.state.log_keys = log_keys
    app.state.clock = lambda: NOW + timedelta(days=2)
    fixture = await make_vote(
        session, app.state.cipher, now=NOW, topics=[yes_no_topic(), option_topic(), election_topic(CANDIDATES)]
    )
    fixture.vote.voting_method = VotingMethod.MIXED
    owners = {number: await owner_id(session, app, number) for number in (WANG, ZHAO, LI)}
    wang = await make_account(session, app.state.cipher, owner_id=owners[WANG])
    zhao = await make_account(session, app.state.cipher, owner_id=owners[ZHAO])
    for account, number in ((wang, WANG), (zhao, ZHAO)):  # what real-name verification logs (identity events)
        await events.record(
            session, EventKind.IDENTITY_VERIFICATION_SUCCEEDED, actor=f"account:{account.id}", account_id=account.id,
            estate_id=fixture.places.estate.id,
            details={"owner_id": str(account.owner_id), "owner_identifier_last4": number[-4:],
                     "estates": [str(fixture.places.estate.id)]},
        )  # fmt: skip
        await events.record(
            session, EventKind.IDENTITY_AUTH_LOGIN, actor=f"account:{account.id}", account_id=account.id
        )
    await session.commit()
    committee = await make_api_key(
        session, app.state.token_hasher, role=Role.COMMITTEE, estate_id=fixture.places.estate.id
    )
    topic = [str(t.id) for t in fixture.topics]
    url = f"/api/v1/votes/{fixture.vote.id}"
    online = {
        wang: {topic[0]: "AGREE", topic[1]: "A", topic[2]: dict.fromkeys(CANDIDATES, "AGREE")},
        zhao: {topic[0]: "OPPOSE", topic[1]: "ABSTAIN", topic[2]: {"c1": "OPPOSE", "c2": "AGREE", "c3": "ABSTAIN",
                                                                   "c4": "AGREE"}},
    }  # fmt: skip
    receipts = {}
    for account, answers in online.items():
        group = await group_of(session, fixture.vote.id, account.owner_id)
        cast = await client.post(
            f"{url}/ballots", json={"group_id": group, "answers": answers}, headers=bearer(app, account)
        )
        assert cast.status_code == 201, cast.text
        receipts[account.id] = (cast.json(), answers)
    paper = {
        WANG: ((owners[WANG],), {topic[0]: "OPPOSE", topic[1]: "B", topic[2]: dict.fromkeys(CANDIDATES, "OPPOSE")}),
        LI: ((owners[LI],), {topic[0]: "SPOILED", topic[1]: "C", topic[2]: "SPOILED"}),
    }
    receptions = {}
    for number, (owner_set, _) in paper.items():  # R-PAPER-4: one scan per paper
        scan = (await client.post(f"{url}/paper-scans", content=b"%PDF-" + f"signed paper ballot {number}".encode(),
                                  headers=committee)).json()  # fmt: skip
        received = await client.post(
            f"{url}/paper-receptions",
            json={"group_id": await group_of(session, fixture.vote.id, *owner_set), "form": "SHEET",
                  "scan_sha256": scan["sha256"]},
            headers=committee,
        )  # fmt: skip
        assert received.status_code == 201, received.text
        receptions[number] = received.json()
    assert receptions[WANG]["status"] == "DUPLICATE"  # R-PAPER-2: his online ballot came first and stays counted
    # R-PAPER-3: Li's paper ballot is counted in public after the close, before an owner and the residents'
    # committee, who confirm through their own accounts.
    observer = await make_account(
        session, app.state.cipher, scopes=(Scope(Role.OBSERVER, community_id=fixture.places.community.id),)
    )
    await session.commit()
    app.state.clock = lambda: fixture.vote.ends_at + timedelta(hours=9)
    witnesses = [{"account_id": str(zhao.id), "role": "OWNER"},
                 {"account_id": str(observer.id), "role": "RESIDENTS_COMMITTEE"}]  # fmt: skip
    opened = await client.post(f"{url}/counting-session", json={"witnesses": witnesses}, headers=committee)
    assert opened.status_code == 201, opened.text
    entered = await client.post(
        f"{url}/counting-session/ballots",
        json={"reception_id": receptions[LI]["id"], "answers": paper[LI][1]},
        headers=committee,
    )
    assert entered.status_code == 201, entered.text
    for witness in (zhao, observer):
        confirmed = await client.post(f"{url}/counting-session/confirmations", headers=bearer(app, witness))
        assert confirmed.status_code == 200, confirmed.text
    await integrate_once(sessionmaker, fixture.vote.ends_at + timedelta(hours=10), keys=app.state.log_keys)
    ballots = (await session.scalars(select(Ballot).where(Ballot.vote_id == fixture.vote.id))).all()
    assert sorted(ballot.status.value for ballot in ballots) == ["COUNTED", "COUNTED", "COUNTED"]
    return fixture, ballots, receipts, wang


async def collect_public(client) -> list[Any]:
    """Everything the public log serves, fetched as an outsider: no credential at all."""
    served: list[Any] = []
    checkpoint = (await client.get("/api/v1/log/checkpoint", params={"format": "json"})).json()
    size = checkpoint["size"]
    served += [checkpoint, (await client.get("/api/v1/log/checkpoint")).text]
    served.append((await client.get("/api/v1/log/keys")).json())
    page = (await client.get("/api/v1/log/entries", params={"start": 0, "end": size})).json()
    served.append(page)
    for item in page["entries"]:
        if item["entry"] is not None:
            inclusion = await client.get(f"/api/v1/log/entries/{item['entry']['id']}/inclusion")
            assert inclusion.status_code == 200
            served.append(inclusion.json())
    for first in range(size + 1):
        served.append((await client.get("/api/v1/log/consistency", params={"first": first, "second": size})).json())
        if first:
            served.append((await client.get(f"/api/v1/log/checkpoints/{first}")).text)
    return served


async def test_the_outsider_recovers_no_ballot_and_the_old_commitments_all(client, session, open_vote):
    fixture, ballots, _, _ = open_vote
    served = await collect_public(client)
    page = next(item for item in served if isinstance(item, dict) and "entries" in item)
    public = [item["entry"] for item in page["entries"] if item["entry"] is not None]
    cast = [entry for entry in public if entry["kind"] == "ballot.cast"]
    received = [entry for entry in public if entry["kind"] == "paper.received"]
    # The commitments are public (owners check theirs against the log), and every ballot has one.
    assert len(cast) == len(ballots) == 3
    assert sorted(entry["payload"]["status"] for entry in received) == ["DUPLICATE", "RECEIVED"]
    witnesses = next(entry for entry in public if entry["kind"] == "counting.opened")["payload"]["witnesses"]
    assert sorted(witness["role"] for witness in witnesses) == ["OWNER", "RESIDENTS_COMMITTEE"]
    space = answer_space(fixture)
    assert len(space) == 4 * 5 * (3 ** len(CANDIDATES) + 1)
    vote_id = str(fixture.vote.id)
    assert [brute_force(vote_id, entry["payload"], space) for entry in cast] == [None] * 3
    text = json.dumps(served, ensure_ascii=False)
    for ballot in ballots:
        assert ballot.nonce is not None
        assert ballot.nonce not in text
        assert ballot.group_id not in text  # the estate's group id, computable from owner ids, never appears

    # Sanity check of the attack: the same ballots logged the old way (unsalted, unkeyed group id) all fall.
    by_id = {entry["payload"]["ballot_id"]: entry["payload"] for entry in cast}
    for ballot in ballots:
        old = dict(by_id[str(ballot.id)])
        old.pop("commitment"), old.pop("group")
        old["group_id"] = ballot.group_id
        old["content_hash"] = commitments.legacy_content_hash(
            vote_id=vote_id, group_id=ballot.group_id, answers=ballot.answers, basis=ballot.basis,
            channel=ballot.channel.value, cast_at=old["cast_at"],
        )  # fmt: skip
        assert brute_force(vote_id, old, space) == ballot.answers


def _needles(owners: list[Owner], accounts: list[Account], phones: list[str]) -> list[str]:
    needles = [str(owner.id) for owner in owners] + [str(account.id) for account in accounts]
    needles += [WANG, LI, ZHANG, ZHAO, *phones]
    needles += [f'"{number[-4:]}"' for number in (WANG, LI, ZHANG, ZHAO)] + [f'"{phone[-4:]}"' for phone in phones]
    needles += ["不动产权第0000101号", "0000101", "0000102", "owner_identifier", "phone"]
    return needles


async def test_no_unauthenticated_route_serves_personal_data(client, app, session, open_vote):
    fixture, _, receipts, _ = open_vote
    owners = list((await session.scalars(select(Owner))).all())
    accounts = list((await session.scalars(select(Account))).all())
    phones = [app.state.cipher.reveal("account.phone", account.phone_ciphertext) for account in accounts]
    entries = (await session.scalars(select(AuditEntry))).all()
    size = (await client.get("/api/v1/log/checkpoint", params={"format": "json"})).json()["size"]
    values = {
        "vote_id": str(fixture.vote.id), "estate_id": str(fixture.places.estate.id), "size": str(size),
        "entry_id": str(next(iter(receipts.values()))[0]["audit_entry_id"]), "topic_id": str(fixture.topics[0].id),
    }  # fmt: skip
    fetched = 0
    for template, operations in app.openapi()["paths"].items():  # every route, fetched with no credential
        if "get" not in operations:
            continue
        path = template
        for name in re.findall(r"{(\w+)}", template):
            path = path.replace("{" + name + "}", values.get(name, str(uuid.uuid4())))
        response = await client.get(path, params={"start": 0, "end": size, "first": 1, "second": size})
        fetched += 1
        body = response.text
        for needle in _needles(owners, accounts, phones):
            assert needle not in body, f"GET {template} ({response.status_code}) serves {needle!r}"
        for entry in entries:  # identity events: neither their payloads nor their ids
            if entry.kind.startswith("identity."):
                assert str(entry.id) not in body, f"GET {template} serves identity entry {entry.id}"
    assert fetched >= 30
    assert any(entry.kind == "identity.verification.succeeded" for entry in entries)


async def test_the_receipt_opens_offline_with_nonce_and_answers_only(client, app, session, open_vote, tmp_path):
    _, _, receipts, wang = open_vote
    cast, answers = receipts[wang.id]
    key = (await client.get("/api/v1/log/keys")).json()["current"]["verifier_key"]
    proof = (await client.get(f"/api/v1/receipts/{cast['audit_entry_id']}", headers=bearer(app, wang))).text
    verified = open_ballot_receipt(proof, key, answers=answers, nonce=cast["nonce"])
    assert verified.entry["payload"]["commitment"] == cast["content_hash"]
    wrong_answer = {**answers, next(iter(answers)): "OPPOSE"}
    other_nonce = format(int(cast["nonce"], 16) ^ 1, "032x")
    for bad_answers, bad_nonce in ((wrong_answer, cast["nonce"]), (answers, other_nonce)):
        with pytest.raises(ReceiptInvalid, match="do not open"):
            open_ballot_receipt(proof, key, answers=bad_answers, nonce=bad_nonce)

    # The same check from the command line, as docs/secrecy.md tells the owner.
    receipt_file, answers_file = tmp_path / "ballot.tlog-proof", tmp_path / "answers.json"
    receipt_file.write_text(proof)
    answers_file.write_text(json.dumps(answers))
    base = ["receipt", "check", str(receipt_file), "--log-key", key]
    assert cli([*base, "--nonce", cast["nonce"], "--answers", f"@{answers_file}"]) == 0
    assert cli([*base, "--nonce", other_nonce, "--answers", f"@{answers_file}"]) == 1
    assert cli([*base, "--nonce", cast["nonce"], "--answers", json.dumps(wrong_answer)]) == 1
