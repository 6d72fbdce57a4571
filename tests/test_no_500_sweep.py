"""No 500 on user input: every operation in the OpenAPI document, called with hostile input, answers < 500.

For each operation the sweep sends, as an operator and as an owner: unknown ids in the path, a body of the
wrong type, an empty object, an object with wrong field types and NUL characters, and a huge string. Every
answer must be a client error (or a success), and every error must be problem+json.
"""

from __future__ import annotations

import re
import uuid

from app.common.access import Role
from tests.factories import bearer, make_account, make_api_key

HOSTILE_BODIES = [
    None,
    [],
    {},
    {"name": 1, "code": None, "id_number": "\u0000", "phone": "x" * 5000, "group_id": "not-hex"},
    "just a string",
]
SKIP = {"/api/v1/auth/codes"}  # rate-limited by design; covered by its own tests


def _fill(path: str, value: str) -> str:
    return re.sub(r"{(\w+)}", lambda m: "1" if m.group(1) in ("size", "number") else value, path)


async def test_every_operation_refuses_hostile_input_without_a_500(client, session, app):
    admin = await make_api_key(session, app.state.token_hasher, role=Role.ADMIN)
    owner = bearer(app, await make_account(session, app.state.cipher))
    await session.commit()
    schema = app.openapi()
    checked = 0
    for path, operations in sorted(schema["paths"].items()):
        if path in SKIP:
            continue
        for method in operations:
            for value in (str(uuid.uuid4()), "not-a-uuid", "%00", "9" * 30):
                url = _fill(path, value)
                for headers in (admin, owner):
                    for body in HOSTILE_BODIES:
                        kwargs = {} if body is None else {"json": body}
                        response = await client.request(method.upper(), url, headers=headers, **kwargs)
                        checked += 1
                        assert response.status_code < 500, (
                            method,
                            url,
                            body,
                            response.status_code,
                            response.text[:300],
                        )
                        if response.status_code >= 400:
                            assert response.headers["content-type"].startswith("application/problem+json"), url
    assert checked > 1000
