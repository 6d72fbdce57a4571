"""Issue #22 acceptance, in headless Chromium: an owner checks a genuine receipt (valid, and counted after the close)
and tampered ones (refused) on the public receipt page, the verdict coming from the page's own script (Web Crypto
SHA-256 and Ed25519 against the published log key); the server is asked for nothing but that key."""

from __future__ import annotations

import base64
import copy
import json
from datetime import timedelta

import httpx

from app.audit.integrator import integrate_once
from app.common.access import Role
from tests.ballot.helpers import WANG, answers_for, group_of, owner_id
from tests.console.live import browser_page, require_browser, screenshot
from tests.console.world import T0
from tests.factories import bearer, make_account, make_api_key
from tests.factories_vote import make_vote, yes_no_topic


def _cast_and_receipts(live):  # type: ignore[no-untyped-def]
    """王一 casts through the API; the log is integrated; his receipt, then after the close his counted proof."""
    app = live.app
    app.state.clock = lambda: T0 + timedelta(hours=1)

    async def arrange(session, _):  # type: ignore[no-untyped-def]
        fixture = await make_vote(session, app.state.cipher, now=T0, topics=[yes_no_topic()])
        wang = await make_account(session, app.state.cipher, owner_id=await owner_id(session, app, WANG))
        group = await group_of(session, fixture.vote.id, wang.owner_id)
        await session.commit()
        committee = await make_api_key(
            session, app.state.token_hasher, role=Role.COMMITTEE, estate_id=fixture.places.estate.id
        )
        return fixture, wang, group, committee

    fixture, wang, group, committee = live.seed(arrange)
    with httpx.Client(base_url=live.url) as client:
        cast = client.post(
            f"/api/v1/votes/{fixture.vote.id}/ballots",
            json={"group_id": group, "answers": answers_for(fixture)},
            headers=bearer(app, wang),
        )
        assert cast.status_code == 201, cast.text
        entry_id = cast.json()["audit_entry_id"]
        cast_at = T0 + timedelta(hours=1)
        live.seed(lambda _, sessionmaker: integrate_once(sessionmaker, cast_at, keys=app.state.log_keys))
        receipt = client.get(f"/api/v1/receipts/{entry_id}?format=json", headers=bearer(app, wang))
        assert receipt.status_code == 200, receipt.text
        text = client.get(f"/api/v1/receipts/{entry_id}", headers=bearer(app, wang))
        app.state.clock = lambda: fixture.vote.ends_at
        closed = client.post(f"/api/v1/votes/{fixture.vote.id}/close", headers=committee)
        assert closed.status_code == 200, closed.text
        live.seed(lambda _, sessionmaker: integrate_once(sessionmaker, fixture.vote.ends_at, keys=app.state.log_keys))
        counted = client.get(f"/api/v1/receipts/{entry_id}/counted", headers=bearer(app, wang))
        assert counted.status_code == 200, counted.text
    return receipt.json(), text.text, counted.json()


def _check(page, receipt: str, counted: str = "") -> tuple[str, str]:  # type: ignore[no-untyped-def]
    page.get_by_label("投票回执").fill(receipt)
    page.get_by_label("计票证明（表决结束后获取，可选）").fill(counted)
    page.evaluate("document.getElementById('verdict').removeAttribute('data-verdict')")
    page.get_by_role("button", name="核验").click()
    verdict = page.locator("#verdict[data-verdict]")
    verdict.wait_for()
    return verdict.get_attribute("data-verdict"), verdict.inner_text()


def test_an_owner_checks_receipts_in_the_browser(live) -> None:  # type: ignore[no-untyped-def]
    sync_api = require_browser()
    receipt, text_form, counted = _cast_and_receipts(live)
    genuine = json.dumps(receipt, ensure_ascii=False)
    requests: list[str] = []
    with browser_page(sync_api) as page:
        page.on("request", lambda request: requests.append(request.url))
        page.goto(f"{live.url}/console/receipt")
        screenshot(page, "10-receipt-page")

        verdict, words = _check(page, genuine)
        assert verdict == "valid", words
        assert "您的选票已记入签名日志" in words
        screenshot(page, "11-receipt-valid")

        verdict, words = _check(page, text_form)  # the c2sp.org/tlog-proof@v1 text form
        assert verdict == "valid", words

        verdict, words = _check(page, genuine, json.dumps(counted))
        assert verdict == "valid", words
        assert "您的选票已被计入表决结果" in words
        screenshot(page, "12-receipt-counted")

        # Tampered: the logged commitment changed (the entry no longer matches its hash) …
        altered = copy.deepcopy(receipt)
        commitment = altered["entry"]["payload"]["commitment"]
        altered["entry"]["payload"]["commitment"] = ("0" if commitment[0] != "0" else "1") + commitment[1:]
        verdict, words = _check(page, json.dumps(altered))
        assert verdict == "refused", words
        assert "回执被改动过" in words
        screenshot(page, "13-receipt-tampered")

        # … the entry re-hashed consistently but the inclusion proof then fails …
        forged = copy.deepcopy(receipt)
        forged["index"] = receipt["index"] + 1
        verdict, words = _check(page, json.dumps(forged))
        assert verdict == "refused", words

        # … a checkpoint whose signature was altered …
        note = receipt["checkpoint"]
        head, _, signature_line = note.rstrip("\n").rpartition("\n")
        prefix, _, encoded = signature_line.rpartition(" ")
        raw = bytearray(base64.b64decode(encoded))
        raw[-1] ^= 1
        broken = {**receipt, "checkpoint": f"{head}\n{prefix} {base64.b64encode(bytes(raw)).decode()}\n"}
        verdict, words = _check(page, json.dumps(broken))
        assert verdict == "refused", words
        assert "签名" in words

        # … and a counted proof of another ballot.
        other = {**counted, "commitment": "f" * 64}
        verdict, words = _check(page, genuine, json.dumps(other))
        assert verdict == "refused", words

    # The page asked the server for its assets and the published key only: no verdict from the server, no CDN.
    assert {url.removeprefix(live.url) for url in requests} == {
        "/console/receipt", "/console/static/console.css", "/console/static/receipt.js", "/api/v1/log/keys",
    }  # fmt: skip
