"""The console's upload forms get the API's upload allowances for a signed-in clerk (a register file can be several
MB), and the 1 MiB request limit otherwise."""

from __future__ import annotations

import re
import time

from app.console.session import SESSION_COOKIE
from tests.console.world import NOW, build_world


async def test_a_large_register_reaches_the_register_check(app, client, session) -> None:  # type: ignore[no-untyped-def]
    app.state.clock = lambda: NOW
    world = await build_world(session, app)
    sealed = app.state.console_keys.seal_credential(world.committee_key, issued_at=int(time.time()))
    csrf = app.state.console_keys.csrf_token(sealed)
    big = ("楼栋,单元,房号\n" + "1,1,101\n" * 250_000).encode()  # ~2 MB, over the 1 MiB request limit
    assert len(big) > 1024 * 1024
    url = f"/console/estates/{world.places.estate.id}/register"
    files = {"file": ("big.csv", big, "text/csv")}
    signed_in = await client.post(
        url, data={"csrf": csrf}, files=files, headers={"cookie": f"{SESSION_COOKIE}={sealed}"}
    )
    assert signed_in.status_code == 422  # the register's own verdict, as an HTML error table
    assert re.search(r"id=\"register-errors\"", signed_in.text)
    anonymous = await client.post(url, data={"csrf": csrf}, files=files)
    assert anonymous.status_code == 413
