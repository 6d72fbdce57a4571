"""openapi/openapi.json is generated from the app; this fails when it drifts."""

from __future__ import annotations

import difflib

from app.main import OPENAPI_PATH, render_openapi


def test_openapi_json_is_current():
    expected = render_openapi()
    actual = OPENAPI_PATH.read_text(encoding="utf-8") if OPENAPI_PATH.exists() else ""
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(actual.splitlines(True), expected.splitlines(True), "committed", "generated", n=2)
        )
        raise AssertionError(f"openapi/openapi.json is stale; run `evote openapi --write`.\n{diff[:4000]}")


def test_every_error_response_uses_the_problem_schema():
    import json

    schema = json.loads(render_openapi())
    assert "Problem" in schema["components"]["schemas"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")) and status != "422":
                    assert "application/problem+json" in response["content"], (path, method, status)


PUBLIC_OPERATIONS = {
    ("post", "/api/v1/auth/codes"), ("post", "/api/v1/auth/login"), ("post", "/api/v1/auth/refresh"),
    ("post", "/api/v1/auth/logout"), ("get", "/api/v1/auth/jwks"), ("get", "/api/v1/log/checkpoint"),
    ("get", "/api/v1/log/checkpoints/{size}"), ("get", "/api/v1/log/consistency"), ("get", "/api/v1/log/entries"),
    ("get", "/api/v1/log/entries/{entry_id}/inclusion"), ("get", "/api/v1/log/keys"),
    ("post", "/api/v1/log/witness/cosign"), ("get", "/healthz"), ("get", "/readyz"),
}  # fmt: skip


def test_every_operation_declares_its_security():
    """Issue #19 item 1: generated clients and Swagger UI's Authorize know which credential each operation takes;
    the public ones (sign-in, the public log, health) declare an empty requirement, and only they."""
    import json

    schema = json.loads(render_openapi())
    assert set(schema["components"]["securitySchemes"]) == {"AccessToken", "StaffApiKey"}
    public = set()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert "security" in operation, (method, path)
            if operation["security"] == []:
                public.add((method, path))
            else:
                assert operation["security"] == [{"AccessToken": []}, {"StaffApiKey": []}], (method, path)
                assert "401" in operation["responses"], (method, path)
    assert public == PUBLIC_OPERATIONS


def test_schema_names_are_unique_and_plain():
    """Issue #19 item 1: generators key models by title; two ``UnitRead`` made openapi-python-client drop models."""
    import json
    from collections import Counter

    schemas = json.loads(render_openapi())["components"]["schemas"]
    titles = Counter(schema.get("title", name) for name, schema in schemas.items())
    assert [title for title, count in titles.items() if count > 1] == []
    assert [name for name in schemas if "__" in name] == []  # no module-qualified names


# --- Issue #19 item 1: the document as a contract (tests over the rendered openapi.json) ---

import functools  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402

import pytest  # noqa: E402
from fastapi.routing import APIRoute, iter_route_contexts  # noqa: E402
from pydantic import TypeAdapter  # noqa: E402

from app.errors import DomainError  # noqa: E402
from app.http.contract import BINARY  # noqa: E402
from app.http.operations import AUDIENCES, OPERATIONS  # noqa: E402


@functools.cache
def _schema() -> dict:
    return json.loads(render_openapi())


def _operations():
    for path, operations in _schema()["paths"].items():
        for method, operation in operations.items():
            yield method, path, operation


def _problems(operation):
    return {status: r for status, r in operation["responses"].items() if status.startswith(("4", "5"))}


def _codes(response) -> list[str]:
    schema = response["content"]["application/problem+json"]["schema"]
    assert schema["allOf"] == [{"$ref": "#/components/schemas/Problem"}]
    return schema["properties"]["code"]["enum"]


def test_every_operation_lists_its_problems_with_codes_from_the_catalogue():
    schema = _schema()
    catalogue = schema["components"]["schemas"]["ProblemCode"]["enum"]
    assert sorted(catalogue) == sorted(DomainError.registry)  # the catalogue is the registry
    assert schema["components"]["schemas"]["Problem"]["properties"]["code"] == {
        "$ref": "#/components/schemas/ProblemCode"
    }
    examples = schema["components"]["examples"]
    for method, path, operation in _operations():
        problems = _problems(operation)
        assert problems, (method, path)
        for status, response in problems.items():
            codes = _codes(response)
            assert codes, (method, path, status)
            for code in codes:
                assert code in catalogue, (method, path, code)
                assert str(DomainError.registry[code].status) == status, (method, path, code)
                refs = response["content"]["application/problem+json"]["examples"]
                assert refs[code] == {"$ref": f"#/components/examples/{code}"}
                assert examples[code]["value"]["code"] == code


def test_the_problems_follow_from_what_the_route_depends_on():
    """Issue #19: 401/403 on every authenticated operation, 404 on path ids, 413/422 on bodies, 503 on the database."""
    seen = {"503": 0}
    for method, path, operation in _operations():
        problems = {status: set(_codes(response)) for status, response in _problems(operation).items()}
        if operation["security"]:
            assert {"auth.unauthenticated", "auth.token_invalid"} <= problems["401"], (method, path)
            assert "auth.forbidden" in problems["403"], (method, path)
        if "{" in path:
            assert "not_found" in problems["404"], (method, path)
        if operation.get("parameters") or "requestBody" in operation:
            assert "request.invalid" in problems["422"], (method, path)
        if "requestBody" in operation:
            assert "request.too_large" in problems["413"], (method, path)
        if "503" in problems:
            seen["503"] += 1
            assert problems["503"] >= {"db.unavailable", "db.busy"} or path == "/readyz", (method, path)
    assert seen["503"] > 140  # every operation that opens a transaction
    cast = dict(_problems(_schema()["paths"]["/api/v1/votes/{vote_id}/ballots"]["post"]))
    assert {"ballot.already_cast", "db.conflict"} & set(_codes(cast["409"]))


def _routes() -> dict[tuple[str, str], APIRoute]:
    from app.main import create_app
    from app.settings import Settings

    app = create_app(Settings())
    return {
        (method.lower(), context.path_format): context.route
        for context in iter_route_contexts(app.routes)
        if isinstance(context.route, APIRoute) and context.route.include_in_schema
        for method in context.methods or ()
    }


def test_every_operation_has_its_examples_and_they_fit_the_models():
    """A request example for every body and a success example for every JSON or text answer (a 204 and a file
    download — binary, or JSON whose shape the route does not declare — have none to give), each accepted by the
    route's own models."""
    routes = _routes()
    for method, path, operation in _operations():
        route = routes[(method, path)]
        for media, content in operation.get("requestBody", {}).get("content", {}).items():
            if BINARY.match(media):
                continue
            assert "example" in content, (method, path, media)
            if media == "application/json" and len(route.dependant.body_params) == 1:
                annotation = route.dependant.body_params[0].field_info.annotation
                TypeAdapter(annotation).validate_python(content["example"])
        successes = {s: r for s, r in operation["responses"].items() if s.startswith("2")}
        assert successes, (method, path)
        for status, response in successes.items():
            for media, content in response.get("content", {}).items():
                if BINARY.match(media) or (media == "application/json" and "schema" not in content):
                    continue
                assert "example" in content, (method, path, status, media)
                if (
                    media == "application/json"
                    and route.response_model is not None
                    and status == str(route.status_code or 200)
                ):
                    TypeAdapter(route.response_model).validate_python(content["example"])


def test_every_operation_has_a_written_summary_and_its_audiences():
    audiences = {name for name, _ in AUDIENCES.values()}
    keys = set()
    for method, path, operation in _operations():
        key = f"{method.upper()} {path}"
        keys.add(key)
        assert key in OPERATIONS, f"no summary written for {key} in app/http/operations.py"
        assert operation["summary"] == OPERATIONS[key][0]
        assert operation["tags"][1:], key
        assert set(operation["tags"][1:]) <= audiences, key
    assert set(OPERATIONS) - keys <= {"GET /api/v1/dev/clock", "POST /api/v1/dev/clock"}  # dev clock: off here
    tag_names = [tag["name"] for tag in _schema()["tags"]]
    assert set(audiences) <= set(tag_names)
    assert {group["name"] for group in _schema()["x-tagGroups"]} == {"Audiences", "Areas"}


def test_ballot_answers_are_typed_per_topic_kind():
    from app.rules.kinds import TopicKind

    schemas = _schema()["components"]["schemas"]
    answers = schemas["BallotCast"]["properties"]["answers"]
    assert answers["additionalProperties"] == {"$ref": "#/components/schemas/TopicAnswer"}
    union = schemas["TopicAnswer"]
    mapping = union["x-discriminator"]["mapping"]
    assert set(mapping) == {kind.value for kind in TopicKind}
    assert sorted(ref["$ref"] for ref in union["anyOf"]) == sorted(mapping.values())
    assert schemas["VotingChoice"]["enum"] == ["AGREE", "OPPOSE", "ABSTAIN"]
    read = schemas["BallotRead"]["properties"]["answers"]
    assert read["additionalProperties"] == {"$ref": "#/components/schemas/PaperTopicAnswer"}


#: String properties that are free text (a legal citation, a reviewer's reason), not a closed set.
FREE_TEXT = {("ProcedureStepRead", "basis"), ("ReminderRead", "basis"), ("TriggerRead", "basis")}


def _is_enum(schemas, schema) -> bool:
    if "enum" in schema or "const" in schema:
        return True
    if "$ref" in schema:
        return _is_enum(schemas, schemas[schema["$ref"].rsplit("/", 1)[1]])
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return all(_is_enum(schemas, part) or part.get("type") == "null" for part in schema[key])
    return False


def test_closed_sets_are_enums():
    schemas = _schema()["components"]["schemas"]
    closed = re.compile(r"(^|_)(status|outcome|role|kind|state|basis|channel|category|method|decision|platform)$")
    loose = [
        (name, prop)
        for name, schema in schemas.items()
        for prop, sub in (schema.get("properties") or {}).items()
        if closed.search(prop) and sub.get("type") != "integer" and not _is_enum(schemas, sub)
    ]
    assert sorted(set(loose) - FREE_TEXT) == []
    for name, prop in [("ResultRead", "status"), ("ResultRead", "decision_status"), ("TopicResultRead", "outcome"),
                       ("VoteRead", "effective_status"), ("Receipt", "basis"), ("RoleScopeRead", "role")]:  # fmt: skip
        assert _is_enum(schemas, schemas[name]["properties"][prop]), (name, prop)


@pytest.mark.parametrize("media", ["application/problem+json"])
def test_problem_documents_declare_the_rules_member(media):
    problem = _schema()["components"]["schemas"]["Problem"]
    assert "rules" in problem["properties"]
    assert "R-TALLY-7" in json.dumps(problem["properties"]["rules"])
