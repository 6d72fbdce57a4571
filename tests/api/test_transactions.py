"""One transaction per request, committed before the response is sent (STYLE.md §8.4)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import SessionTransaction

from app.place.models import District
from tests.factories import make_api_key


async def test_a_failing_commit_is_never_reported_as_success(client, session, app, monkeypatch):
    headers = await make_api_key(session, app.state.token_hasher)

    original_commit = SessionTransaction.commit

    def failing_commit(self, _to_root=False):
        if self._parent is not None:  # savepoints and flushes inside the request commit as usual
            return original_commit(self, _to_root)
        raise IntegrityError("COMMIT", {}, Exception("deferred constraint violated"))

    # The request's `session.begin()` block commits through SessionTransaction.commit on exit.
    monkeypatch.setattr(SessionTransaction, "commit", failing_commit)
    response = await client.post("/api/v1/districts", json={"code": "110102", "name": "西城区"}, headers=headers)
    monkeypatch.undo()
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "db.conflict"


async def test_an_error_after_writes_rolls_the_whole_request_back(client, session, app):
    headers = await make_api_key(session, app.state.token_hasher)
    before = await session.scalar(select(func.count()).select_from(District))
    # The estate's community does not exist: the service raises after nothing else was written.
    response = await client.post(
        "/api/v1/estates",
        json={"community_id": "00000000-0000-0000-0000-000000000001", "name": "x"},
        headers=headers,
    )
    assert response.status_code == 404
    assert await session.scalar(select(func.count()).select_from(District)) == before
