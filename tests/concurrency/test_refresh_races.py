"""Parallel refreshes with one token on a real connection pool: a phone's two tabs, or a retry after a timeout.

Both get 200 and the same next refresh token, and the family stays alive (``REFRESH_GRACE``); a real reuse
later still revokes it.
"""

from __future__ import annotations

import asyncio
import logging

import httpx

from tests.identity.test_auth_api import REFRESH, auth, sign_in

PARALLEL = 8


async def test_parallel_refreshes_with_one_token_all_succeed_with_one_next_token(race_app, caplog):
    caplog.set_level(logging.INFO, logger="evote.sms")
    transport = httpx.ASGITransport(app=race_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://evote.test") as client:
        pair = await sign_in(client, caplog)
        responses = await asyncio.gather(
            *(client.post(REFRESH, json={"refresh_token": pair["refresh_token"]}) for _ in range(PARALLEL))
        )
        assert [response.status_code for response in responses] == [200] * PARALLEL, [r.text for r in responses]
        assert len({response.json()["refresh_token"] for response in responses}) == 1
        for response in responses:
            assert (await client.get("/api/v1/me", headers=auth(response.json()))).status_code == 200
        following = await client.post(REFRESH, json={"refresh_token": responses[0].json()["refresh_token"]})
        assert following.status_code == 200, following.text
