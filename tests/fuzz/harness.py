"""Schemathesis against the in-process app, as every role, on a database of its own (issue #9 item 4).

The app runs on an event loop in a worker thread with its own engine, so Hypothesis (synchronous) can drive it
while pytest's own loop is idle. Cases come from ``openapi/openapi.json``; each is sent through ``httpx`` to the
ASGI app and checked for: no 5xx, a documented status code, a documented content type, documented headers and a
body that matches the declared schema.

Every operation is fuzzed as each role: admin (API key), street office, committee, observer, auditor, verified
owner, unverified account and anonymous. Positive cases use real ids from the world (so they reach the handlers);
negative cases (schema-violating input) use generated ids.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.common.access import Role, Scope
from app.db.base import utcnow
from app.db.session import create_engine, create_sessionmaker
from app.identity.models import RoleGrant
from app.main import attach_state, create_app
from app.settings import Settings
from tests.ballot.helpers import WANG, owner_id
from tests.factories import make_account, make_api_key
from tests.factories_vote import make_vote, option_topic, yes_no_topic

OPENAPI = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"
BASE_URL = "http://evote.test"
ROLES = ("admin", "street_office", "committee", "observer", "auditor", "owner", "unverified", "anonymous")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Rate-limited by design (a second code within the window is 429, documented); fuzzing it only measures the limiter.
SKIP_OPERATIONS = frozenset({"POST /api/v1/auth/codes"})
T = TypeVar("T")


class LoopThread:
    """An event loop in a daemon thread; ``run`` executes a coroutine there and waits for it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="fuzz-loop", daemon=True)
        self.thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 120) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


@dataclass
class World:
    """Real ids for path parameters and a header factory per role (tokens are issued fresh for each case)."""

    ids: dict[str, str]
    staff_role_grant_id: str
    accounts: dict[str, uuid.UUID]
    admin_headers: dict[str, str]

    def path_parameters(self, path: str, names: list[str]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name in names:
            if name == "grant_id" and path.startswith("/api/v1/staff/"):
                values[name] = self.staff_role_grant_id
            elif name in self.ids:
                values[name] = self.ids[name]
        return values


@dataclass
class Failure:
    operation: str
    role: str
    mode: str
    status: int
    message: str


@dataclass
class Report:
    operations: int = 0
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: int = 0
    unsendable: int = 0
    failures: list[Failure] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def schema_failures(self) -> list[Failure]:
        return [failure for failure in self.failures if failure.status < 500]

    def summary(self) -> str:
        lines = [
            f"operations: {self.operations}",
            f"requests: {self.requests}",
            f"statuses: {dict(sorted(self.statuses.items()))}",
            f"5xx: {self.server_errors}",
            f"unsendable (skipped): {self.unsendable}",
            f"schema failures: {len(self.schema_failures)}",
            f"seconds: {self.seconds:.1f}",
        ]
        seen: set[tuple[str, str]] = set()
        for failure in self.failures:
            key = (failure.operation, failure.message.splitlines()[0] if failure.message else "")
            if key in seen:
                continue
            seen.add(key)
            lines.append(f"FAIL {failure.operation} as {failure.role} ({failure.mode}) → {failure.status}")
            lines.append("    " + failure.message.strip().replace("\n", "\n    ")[:1500])
        return "\n".join(lines)


class FuzzApp:
    """The app with its own engine on ``database_url``, served on a private loop."""

    def __init__(self, settings: Settings, database_url: str) -> None:
        # The per-address limits would answer most sign-in and verification cases with 429 (documented, and
        # tested on their own); without them those handlers see the fuzzed input.
        self.settings = settings.model_copy(update={"database_url": database_url, "rate_limit_enabled": False})
        self.loop = LoopThread()
        self.app = create_app(self.settings)
        self.engine = None

        async def start() -> httpx.AsyncClient:
            self.engine = create_engine(self.settings)
            attach_state(self.app, self.settings, self.engine, create_sessionmaker(self.engine))
            transport = httpx.ASGITransport(app=self.app, raise_app_exceptions=False)
            return httpx.AsyncClient(transport=transport, base_url=BASE_URL, timeout=60)

        self.client = self.loop.run(start())

    def close(self) -> None:
        async def stop() -> None:
            await self.client.aclose()
            if self.engine is not None:
                await self.engine.dispose()

        try:
            self.loop.run(stop())
        finally:
            self.loop.close()

    def build_world(self) -> World:
        return self.loop.run(_build_world(self.app))

    def headers(self, world: World, role: str) -> dict[str, str]:
        if role == "anonymous":
            return {}
        if role == "admin":
            return dict(world.admin_headers)
        token = self.app.state.tokens.issue_access(str(world.accounts[role]), now=self.app.state.clock()).token
        return {"Authorization": f"Bearer {token}"}

    def send(self, kwargs: dict[str, Any]) -> httpx.Response:
        async def request() -> httpx.Response:
            response = await self.client.request(**_httpx_kwargs(kwargs))
            await response.request.aread()  # multipart bodies stream; the checks read the request back
            return response

        return self.loop.run(request())


def _httpx_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    """``requests``-style transport kwargs (what schemathesis serialises) as ``httpx`` kwargs."""
    converted = {key: value for key, value in kwargs.items() if key not in ("timeout", "allow_redirects", "verify")}
    files = converted.get("files")
    if isinstance(files, list):  # form fields of any JSON type travel as text, as a browser would send them
        converted["files"] = [
            (name, (value[0], value[1] if isinstance(value[1], (bytes, str)) else str(value[1]), *value[2:]))
            if isinstance(value, tuple)
            else (name, value)
            for name, value in files
        ]
    data = converted.get("data")
    if isinstance(data, (bytes, str)):
        converted["content"] = converted.pop("data")
    if converted.get("files") and converted.get("data") is None:
        converted.pop("data", None)
    cookies = converted.pop("cookies", None)  # httpx deprecates per-request cookies; send the header instead
    if cookies:
        headers = dict(converted.get("headers") or {})
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
        converted["headers"] = headers
    return converted


async def _build_world(app: Any) -> World:
    async with app.state.sessionmaker() as session:
        now = utcnow()
        cipher = app.state.cipher
        fixture = await make_vote(
            session, cipher, now=now - timedelta(hours=1), topics=[yes_no_topic(), option_topic()]
        )
        places = fixture.places

        async def staff(scope: Scope) -> uuid.UUID:
            return (await make_account(session, cipher, scopes=(scope,))).id

        accounts = {
            "street_office": await staff(Scope(Role.STREET_OFFICE, street_office_id=places.street_office.id)),
            "committee": await staff(Scope(Role.COMMITTEE, estate_id=places.estate.id)),
            "observer": await staff(Scope(Role.OBSERVER, community_id=places.community.id)),
            "auditor": await staff(Scope(Role.AUDITOR, estate_id=places.estate.id)),
            "owner": (await make_account(session, cipher, owner_id=await owner_id(session, app, WANG))).id,
            "unverified": (await make_account(session, cipher)).id,
        }
        # A staff grant that DELETE /staff/grants/{grant_id} may revoke without disarming the roles above.
        spare = await staff(Scope(Role.OBSERVER, community_id=places.community.id))
        spare_grant = await session.scalar(select(RoleGrant.id).where(RoleGrant.account_id == spare))
        await session.commit()
        admin = await make_api_key(session, app.state.token_hasher, role=Role.ADMIN)
        entry = await session.scalar(select(AuditEntry.id).limit(1))
        ids = {
            "estate_id": str(places.estate.id),
            "vote_id": str(fixture.vote.id),
            "topic_id": str(fixture.topics[0].id),
            "street_office_id": str(places.street_office.id),
            "number": 1,
            "size": 1,
        }
        if entry is not None:
            ids["entry_id"] = str(entry)
        return World(ids=ids, staff_role_grant_id=str(spare_grant), accounts=accounts, admin_headers=admin)


def load_document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(OPENAPI.read_text(encoding="utf-8"))
    return document


def _operation_order(operation: Any) -> tuple[int, str]:
    # Reads first, then writes, deletions last, so destructive calls do not starve the rest of real data.
    rank = {"GET": 0, "POST": 1, "PATCH": 1, "PUT": 1, "DELETE": 2}.get(operation.method.upper(), 1)
    return rank, operation.path


def run_fuzz(
    fuzz_app: FuzzApp,
    world: World,
    *,
    positive: int,
    negative: int,
    roles: tuple[str, ...] = ROLES,
    negative_roles: tuple[str, ...] = ROLES,
    progress: Callable[[str], None] | None = None,
    document: dict[str, Any] | None = None,
    only: Callable[[str], bool] | None = None,
) -> Report:
    """Fuzz every operation (or those ``only`` accepts) as every role; failed checks are collected, not raised."""
    schema = schemathesis.openapi.from_dict(document if document is not None else load_document())
    operations = sorted((result.ok() for result in schema.get_all_operations()), key=_operation_order)
    report = Report()
    started = time.perf_counter()
    for operation in operations:
        label = f"{operation.method.upper()} {operation.path}"
        if label in SKIP_OPERATIONS or (only is not None and not only(label)):
            continue
        report.operations += 1
        names = [parameter.name for parameter in operation.path_parameters]
        real = world.path_parameters(operation.path, names)
        for role in roles:
            for mode, count in ((GenerationMode.POSITIVE, positive), (GenerationMode.NEGATIVE, negative)):
                if count <= 0 or (mode is GenerationMode.NEGATIVE and role not in negative_roles):
                    continue
                headers = fuzz_app.headers(world, role)
                strategy = operation.as_strategy(
                    generation_mode=mode,
                    path_parameters=real if mode is GenerationMode.POSITIVE and real else None,
                )
                _explore(fuzz_app, strategy, headers, report, label, role, mode.value, count)
        if progress is not None:
            progress(f"{label}: {report.requests} requests so far, {report.server_errors} 5xx")
    report.seconds = time.perf_counter() - started
    return report


def _explore(
    fuzz_app: FuzzApp,
    strategy: Any,
    headers: dict[str, str],
    report: Report,
    label: str,
    role: str,
    mode: str,
    count: int,
) -> None:
    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        deadline=None,
        phases=(Phase.generate,),  # no shrinking: failures are collected, not raised
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(case=strategy)
    def explore(case: Any) -> None:
        sent = dict(case.headers or {})
        sent.update(headers)
        kwargs = case.as_transport_kwargs(base_url=BASE_URL, headers=headers)
        try:
            response = fuzz_app.send(kwargs)
        except UnicodeEncodeError:
            report.unsendable += 1  # lone surrogates: no HTTP client can put these on the wire
            return
        except Exception as exc:  # a transport-level crash is a server error too
            if os.environ.get("EVOTE_FUZZ_DEBUG"):
                raise
            report.requests += 1
            report.server_errors += 1
            report.failures.append(Failure(label, role, mode, 599, f"{type(exc).__name__}: {exc}"))
            return
        report.requests += 1
        report.statuses[response.status_code] += 1
        if response.status_code >= 500:
            report.server_errors += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=sent)
        except FailureGroup as group:
            for failure in group.exceptions:
                message = (
                    f"{failure.title}: {failure.message}\n{case.method} {case.formatted_path} → {response.text[:300]}"
                )
                report.failures.append(Failure(label, role, mode, response.status_code, message))

    with contextlib.suppress(Unsatisfiable):  # no schema-violating input exists (no parameters, no body)
        explore()
