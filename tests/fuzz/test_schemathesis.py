"""Schemathesis against ``openapi/openapi.json`` as every role: no 5xx, every response as documented (issue #9).

Every operation is called as admin (API key), street office, committee, observer, auditor, verified owner,
unverified account and anonymous, with schema-valid input carrying real ids (so requests reach the handlers),
and as admin and anonymous with schema-violating input. Each response must be < 500 and match the document:
a documented status code, content type, headers and body schema.

CI runs a bounded, derandomised pass (about 1,500 requests, ~20 s on PostgreSQL). ``EVOTE_FUZZ_EXAMPLES=N``
runs N positive and N negative examples per operation and role instead; ``python -m tests.drills.fuzz_api`` is
the long run with figures (docs/drills.md, "Fuzzing").
"""

from __future__ import annotations

import os

from tests.fuzz.harness import ROLES, FuzzApp, World, load_document, run_fuzz

EXAMPLES = int(os.environ.get("EVOTE_FUZZ_EXAMPLES", "0"))
ESTATE = "GET /api/v1/estates/{estate_id}"


def _only(label: str):  # type: ignore[no-untyped-def]
    return lambda candidate: candidate == label


def test_the_harness_reports_server_errors(fuzz_app: FuzzApp, fuzz_world: World, monkeypatch):
    async def boom(*args, **kwargs):
        raise RuntimeError("injected")

    monkeypatch.setattr("app.place.repository.get_estate", boom)
    report = run_fuzz(fuzz_app, fuzz_world, positive=1, negative=0, roles=("admin",), only=_only(ESTATE))
    assert report.requests >= 1
    assert report.server_errors == report.requests
    assert report.statuses[500] == report.requests
    assert any("Server error" in failure.message for failure in report.failures), report.summary()


def test_the_harness_reports_responses_the_document_does_not_describe(fuzz_app: FuzzApp, fuzz_world: World):
    document = load_document()
    estate = document["paths"]["/api/v1/estates/{estate_id}"]["get"]
    del estate["responses"]["404"]  # outsiders get 404 on a real estate
    estate_read = document["components"]["schemas"]["EstateRead"]
    estate_read["required"] = [*estate_read.get("required", []), "not_a_field"]
    report = run_fuzz(
        fuzz_app,
        fuzz_world,
        positive=1,
        negative=0,
        roles=("admin", "unverified"),
        only=_only(ESTATE),
        document=document,
    )
    assert report.server_errors == 0
    messages = "\n".join(failure.message for failure in report.failures)
    assert "Undocumented HTTP status code" in messages or "Undocumented status code" in messages, messages
    assert "not_a_field" in messages, messages


def test_every_operation_as_every_role_answers_as_documented_and_never_5xx(fuzz_app: FuzzApp, fuzz_world: World):
    if EXAMPLES:
        report = run_fuzz(fuzz_app, fuzz_world, positive=EXAMPLES, negative=EXAMPLES)
    else:
        report = run_fuzz(fuzz_app, fuzz_world, positive=2, negative=1, negative_roles=("admin", "anonymous"))
    print(report.summary())  # noqa: T201 - the figures belong in the test log
    document = load_document()
    operations = sum(len(item) for item in document["paths"].values())
    assert report.operations >= operations - 1  # all but the rate-limited code request
    assert report.requests >= report.operations * len(ROLES)
    # Real ids reach the handlers: plenty of successes, not just 401/404/422.
    successes = sum(count for status, count in report.statuses.items() if 200 <= status < 300)
    assert successes >= report.operations, report.summary()
    assert report.server_errors == 0, report.summary()
    assert report.failures == [], report.summary()
