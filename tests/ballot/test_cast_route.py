"""The cast's route (``app.ballot.router.CastRoute``): a plainly valid request skips FastAPI's dependency solving,
and every request answers exactly as FastAPI's own handler answers it, valid or not.

Each request is sent twice on the same data: once as it comes, once with a dependency override installed (which
sends every request through FastAPI's declared handler); nothing in between writes, except the two valid casts,
which are for two different groups.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

from app.ballot import router as ballot_router
from app.db.base import utcnow
from tests.ballot.helpers import LI, WANG, answers_for, group_of, owner_id
from tests.factories import bearer, make_account
from tests.factories_vote import make_vote, yes_no_topic

NOW = utcnow().replace(microsecond=0)


async def test_every_request_answers_as_fastapis_own_handler_would(client, session, app, monkeypatch):  # type: ignore[no-untyped-def]
    app.state.clock = lambda: NOW + timedelta(hours=1)
    fixture = await make_vote(session, app.state.cipher, now=NOW, topics=[yes_no_topic()])
    wang = await make_account(session, app.state.cipher, owner_id=await owner_id(session, app, WANG))
    li = await make_account(session, app.state.cipher, owner_id=await owner_id(session, app, LI))
    await session.commit()
    wang_group = await group_of(session, fixture.vote.id, wang.owner_id)
    li_group = await group_of(session, fixture.vote.id, li.owner_id)
    vote = str(fixture.vote.id)
    answers = answers_for(fixture)
    token = bearer(app, wang)
    as_json = {"Content-Type": "application/json"}

    def cast(group: str = wang_group, **body: Any) -> bytes:
        return json.dumps({"group_id": group, "answers": answers} | body).encode()

    # (path vote id, headers, body, served without dependency solving)
    requests: list[tuple[str, dict[str, str], bytes, bool]] = [
        (vote, as_json, cast(), True),  # no credential: 401 from get_caller
        (vote, as_json | {"Authorization": "Bearer not-a-token"}, cast(), True),  # 401
        (vote, as_json | {"Authorization": "Basic abc"}, cast(), True),  # 401
        (vote, as_json | token, b'{"group_id": ', False),  # invalid JSON: 422 before the credential
        (vote, as_json | {"Authorization": "Bearer x"}, b"{", False),  # invalid JSON wins over a bad token
        (vote, {"Content-Type": "text/plain"} | token, cast(), False),  # not JSON: 422
        (vote, token, cast(), False),  # no content type: 422
        (vote, {"Content-Type": "application/json; charset=utf-8"} | token, cast(group="0" * 32), False),  # 404
        (vote, as_json | token, b"", False),  # no body: 422
        (vote, as_json | token, b"[]", False),  # 422
        (vote, as_json | token, cast(group="not-hex"), False),  # 422
        (vote, as_json | token, json.dumps({"group_id": wang_group}).encode(), False),  # no answers: 422
        (vote, as_json | token, cast(answers={"x": 1.5}), False),  # a float: not hashable, 422
        ("not-a-uuid", as_json | token, cast(), False),  # 422
        (vote, as_json | token | {"Idempotency-Key": ""}, cast(), False),  # 422
        (vote, as_json | token | {"Idempotency-Key": "k" * 201}, cast(), False),  # 422
        (vote, as_json | {"Authorization": "Bearer x"}, cast(), True),  # valid inputs, bad token: 401
        (str(uuid.uuid4()), as_json | token, cast(), True),  # no such vote: 404
        (vote.upper(), as_json | token, cast(group="0" * 32), True),  # the same id in capitals; not in the roll
        (vote.replace("-", ""), as_json | token, cast(group="0" * 32), True),  # the same id without hyphens
        (vote, as_json | token | {"Idempotency-Key": "k" * 200}, cast(answers={}), True),  # incomplete: 422
        (vote, as_json | bearer(app, li), cast(), True),  # not entitled: 403
    ]
    plain: list[bool] = []
    original = ballot_router._plain_inputs

    async def recorded(request):  # type: ignore[no-untyped-def]
        inputs = await original(request)
        plain.append(inputs is not None)
        return inputs

    monkeypatch.setattr(ballot_router, "_plain_inputs", recorded)
    answered: dict[bool, list[tuple[int, Any]]] = {}
    for declared in (False, True):
        if declared:  # any override sends every request through FastAPI's own handler
            app.dependency_overrides[_unused] = _unused
        plain.clear()
        answered[declared] = []
        for vote_id, headers, body, _ in requests:
            response = await client.post(f"/api/v1/votes/{vote_id}/ballots", content=body, headers=headers)
            problem = response.json()
            problem.pop("instance", None)
            problem.pop("request_id", None)
            answered[declared].append((response.status_code, problem))
        if not declared:
            assert plain == [served for *_, served in requests]
        else:
            assert plain == [False] * len(requests)
    assert answered[False] == answered[True]
    assert [status for status, _ in answered[False]] == [
        401, 401, 401, 422, 422, 422, 422, 404, 422, 422, 422, 422, 422, 422, 422, 422, 401, 404, 404, 404, 422, 403,
    ]  # fmt: skip

    # A valid cast: 201 on both handlers (two groups), the same receipt fields.
    receipts = []
    for declared, (group, account) in ((False, (wang_group, wang)), (True, (li_group, li))):
        app.dependency_overrides.clear()
        if declared:
            app.dependency_overrides[_unused] = _unused
        response = await client.post(
            f"/api/v1/votes/{vote}/ballots",
            content=cast(group=group),
            headers=as_json | bearer(app, account) | {"Idempotency-Key": f"k-{group}"},
        )
        assert response.status_code == 201, response.text
        receipts.append(response.json())
    assert set(receipts[0]) == set(receipts[1])
    assert [receipt["group_id"] for receipt in receipts] == [wang_group, li_group]


def _unused() -> None:
    """A dependency no route uses: overriding it changes nothing but the handler the cast route takes."""
