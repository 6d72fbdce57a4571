"""The OpenAPI document as a contract for client authors (issue #19 item 1).

``install_contract`` post-processes FastAPI's document once, systematically rather than route by route:

* **Problems.** Every operation lists every problem it can give, derived from what the route depends on — a
  credential (401 ``auth.unauthenticated`` / ``auth.token_invalid``, 403 ``auth.forbidden``), path ids (404
  ``not_found``), parameters or a body (422 ``request.invalid``; 413 ``request.too_large`` and 400 ``http.error``
  for a body), a rate limit (429), the database (503 ``db.unavailable`` / ``db.busy``) — plus the domain errors
  the route declares with ``responses=problem_responses(...)``. Each status carries the codes it can return as an
  ``enum`` (``allOf`` the ``Problem`` schema, so generated clients keep one ``Problem`` type) and one example per
  code; ``Problem.code`` is the ``ProblemCode`` enum, the whole catalogue (``DomainError.registry``).
* **Security.** An operation that takes a credential requires either ``AccessToken`` or ``StaffApiKey``; a public
  one (sign-in, the public log, health) declares ``security: []`` — an explicit empty list, never an omission.
* **Examples.** A request example for every body and a success example for every JSON or text answer, built from
  the schema (field ``examples`` first, then the formats and names of the fields); ``tests/test_openapi.py``
  validates each against the route's own models.
* **Summaries and audiences.** Each operation's summary and the audiences it serves (``app.http.operations``)
  become its ``summary`` and extra tags, grouped for ReDoc by ``x-tagGroups``.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

import app as app_package
from app.common.errors import Forbidden, TooManyRequests, Unauthenticated
from app.errors import DomainError, NotFound
from app.http.deps import AUTHENTICATING, TRANSACTIONAL
from app.http.errors import (
    DatabaseBusy,
    DatabaseUnavailable,
    HttpError,
    InternalError,
    PayloadTooLarge,
    RequestInvalid,
)
from app.http.operations import AUDIENCES, OPERATIONS
from app.http.ratelimit import RateRule

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_REF = "#/components/schemas/Problem"
CODE_IN_DESCRIPTION = re.compile(r"`([a-z0-9_]+(?:\.[a-z0-9_]+)*)`:")
RETRY_AFTER = {"description": "Seconds to wait before retrying", "schema": {"type": "integer", "minimum": 1}}
#: Media types whose answers are files: no example is written for them.
BINARY = re.compile(r"^(application/(zip|pdf|octet-stream|vnd\.openxmlformats-[a-z.-]+)|image/.*)$")


def install_contract(
    app: FastAPI, limited: tuple[RateRule, ...], *, schemas: Mapping[str, dict[str, Any]] | None = None
) -> None:
    """Replace ``app.openapi`` by a builder of the contract described in the module docstring; ``schemas`` are
    component schemas that fields refer to by ``$ref`` (the ballot answers' union, ``app.ballot.schemas``)."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = original()
            routes = {
                (method.lower(), context.path_format): context.route
                for context in iter_route_contexts(app.routes)
                if isinstance(context.route, APIRoute) and context.route.include_in_schema
                for method in context.methods or ()
            }
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for unused in ("HTTPValidationError", "ValidationError"):
                components.pop(unused, None)
            components.update(schemas or {})
            _catalogue(components)
            for path, operations in schema.get("paths", {}).items():
                for method, operation in operations.items():
                    route = routes.get((method, path))
                    _declare_problems(operation, method, path, route, limited)
                    # Public operations (sign-in, the public log, health) say so explicitly: no credential.
                    operation.setdefault("security", [])
                    _describe(operation, f"{method.upper()} {path}")
                    _exemplify(operation, components)
            schema["components"]["examples"] = {
                cls.code: {"summary": cls.title, "value": problem_example(cls)} for cls in _every_error()
            }
            schema["tags"], schema["x-tagGroups"] = _tags(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


# --- Problems ---


def _every_error() -> list[type[DomainError]]:
    """Every ``DomainError`` of the code base, whichever modules this process happened to import (the CLI's and the
    witness's errors are imported lazily): the catalogue is the same in every process that renders it."""
    for module in pkgutil.walk_packages(app_package.__path__, "app."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    return sorted(DomainError.registry.values(), key=lambda cls: cls.code)


def _catalogue(components: dict[str, Any]) -> None:
    """``ProblemCode``: every stable code, described by its title; ``Problem.code`` takes it."""
    registry = _every_error()
    components["ProblemCode"] = {
        "title": "ProblemCode",
        "type": "string",
        "enum": [cls.code for cls in registry],
        "description": "Every stable problem code (the catalogue):\n\n"
        + "\n".join(f"* `{cls.code}` ({cls.status}): {cls.title}" for cls in registry),
    }
    problem = components["Problem"]
    problem["properties"]["code"] = {"$ref": "#/components/schemas/ProblemCode"}


def _dependencies(dependant: Dependant) -> Iterable[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _dependencies(sub)


def _params(dependant: Dependant) -> tuple[int, int]:
    """How many path parameters and how many other parameters (query, header, body) a route reads, its
    dependencies' included."""
    path = len(dependant.path_params)
    other = len(dependant.query_params) + len(dependant.header_params) + len(dependant.body_params)
    for sub in dependant.dependencies:
        sub_path, sub_other = _params(sub)
        path, other = path + sub_path, other + sub_other
    return path, other


def derived_problems(
    route: APIRoute | None, method: str, path: str, limited: tuple[RateRule, ...], *, body: bool
) -> list[type[DomainError]]:
    """The problems a route can give because of what it depends on, whatever its service raises."""
    if route is None:
        return []
    calls = set(_dependencies(route.dependant))
    path_params, other_params = _params(route.dependant)
    problems: list[type[DomainError]] = [InternalError]  # any operation, on a bug: logged, with the request id
    if calls & AUTHENTICATING:
        problems += [Unauthenticated, DomainError.registry["auth.token_invalid"], Forbidden]
    if path_params:
        problems.append(NotFound)
    if path_params or other_params or body:
        problems.append(RequestInvalid)
    if body:  # a model, a form, or a raw body the route reads itself (e.g. a scan)
        problems += [PayloadTooLarge, HttpError]  # HttpError: a body the framework cannot parse at all
    if any(rule.method == method.upper() and rule.path.fullmatch(path) for rule in limited):
        problems.append(TooManyRequests)
    if calls & TRANSACTIONAL:
        problems += [DatabaseUnavailable, DatabaseBusy]
    return problems


def _declare_problems(
    operation: dict[str, Any], method: str, path: str, route: APIRoute | None, limited: tuple[RateRule, ...]
) -> None:
    responses = operation.setdefault("responses", {})
    codes: dict[str, list[str]] = {}
    for status, response in responses.items():
        if status.startswith(("4", "5")):
            codes[status] = CODE_IN_DESCRIPTION.findall(response.get("description", ""))
    if "422" in responses and not codes.get("422"):  # FastAPI's own "Validation Error"
        codes["422"] = []
    body = "requestBody" in operation or (route is not None and route.body_field is not None)
    for error in derived_problems(route, method, path, limited, body=body):
        codes.setdefault(str(error.status), []).append(error.code)
    for status, listed in codes.items():
        classes = [DomainError.registry[code] for code in sorted(set(listed))]
        responses[status] = _problem_response(classes, keep=responses.get(status, {}))
        if status in ("429", "503"):
            responses[status].setdefault("headers", {})["Retry-After"] = RETRY_AFTER


def _problem_response(classes: list[type[DomainError]], keep: dict[str, Any]) -> dict[str, Any]:
    return {
        **{key: value for key, value in keep.items() if key.startswith("x-") or key == "headers"},
        "description": "; ".join(f"`{cls.code}`: {cls.title}" for cls in classes),
        "content": {
            PROBLEM_MEDIA_TYPE: {
                "schema": {
                    "allOf": [{"$ref": PROBLEM_REF}],
                    "properties": {"code": {"type": "string", "enum": [cls.code for cls in classes]}},
                },
                "examples": {cls.code: {"$ref": f"#/components/examples/{cls.code}"} for cls in classes},
            }
        },
    }


def problem_example(cls: type[DomainError]) -> dict[str, Any]:
    """A problem document as the server renders it, with placeholder values in its messages."""
    error = cls.__new__(cls)
    error.params = dict.fromkeys(cls.placeholders("zh"), "…")
    error.extra = {}
    example: dict[str, Any] = {
        "type": f"urn:evote:problem:{cls.code}",
        "title": cls.title,
        "status": cls.status,
        "detail": error.message("zh"),
        "code": cls.code,
        "messages": {"zh": error.message("zh"), "en": error.message("en")},
        "request_id": "3f2b8c1e9d4a4b6f8e7d6c5b4a392817",
    }
    if cls.rules:
        example["rules"] = list(cls.rules)
    return example


# --- Summaries and audiences ---


def _describe(operation: dict[str, Any], key: str) -> None:
    known = OPERATIONS.get(key)
    if known is None:
        return  # tests/test_openapi.py names the operation that has no summary written for it
    summary, audiences = known
    operation["summary"] = summary
    operation["tags"] = [*operation.get("tags", [])[:1], *(AUDIENCES[audience][0] for audience in audiences)]


def _tags(schema: dict[str, Any]) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    domain = sorted(
        {operation["tags"][0] for operations in schema["paths"].values() for operation in operations.values()}
    )
    audience_tags = [{"name": name, "description": description} for name, description in AUDIENCES.values()]
    groups = [
        {"name": "Audiences", "tags": [name for name, _ in AUDIENCES.values()]},
        {"name": "Areas", "tags": domain},
    ]
    return audience_tags + [{"name": name} for name in domain], groups


# --- Examples ---

_EXAMPLE_UUID = uuid.UUID("0b6f3c1e-7d2a-4e8b-9c5f-1a2b3c4d5e6f")
_BY_NAME: dict[str, Any] = {
    "phone": "13800138000",
    "code": "246810",
    "estate_name": "望京花园",
    "name": "望京花园",
    "title": "关于续聘物业服务企业的议题",
    "group_id": "9f1c2b3a4d5e6f708192a3b4c5d6e7f8",
    "group_key": "9f1c2b3a4d5e6f708192a3b4c5d6e7f8",
    "unit": "1-1-101",
    "building": "1",
    "entrance": "1",
    "room": "101",
    "reason": "材料与登记信息不一致",
    "place": "3号楼大堂公告栏",
    "access_token": "eyJhbGciOiJFUzI1NiIsImtpZCI6IjIwMjYtMTIifQ.eyJzdWIiOiIuLi4ifQ.c2lnbmF0dXJl",
    "refresh_token": "rt_8d5e2c4b7a9f4e1d",
    "token_type": "Bearer",
    "language": "zh",
}


def _exemplify(operation: dict[str, Any], components: dict[str, Any]) -> None:
    body = operation.get("requestBody", {}).get("content", {})
    for media, content in body.items():
        if "schema" in content and "example" not in content and not BINARY.match(media):
            content["example"] = example_of(content["schema"], components)
    for status, response in operation.get("responses", {}).items():
        if not status.startswith("2"):
            continue
        for media, content in response.get("content", {}).items():
            if BINARY.match(media) or "example" in content or "examples" in content:
                continue
            if media.startswith("text/"):
                content["example"] = "…"
            elif "schema" in content:
                content["example"] = example_of(content["schema"], components)


def example_of(schema: dict[str, Any], components: dict[str, Any], name: str = "", depth: int = 0) -> Any:
    """A value that the schema accepts, as a client author would like to read it."""
    if depth > 12:
        return None
    if "$ref" in schema:
        return example_of(components[schema["$ref"].rsplit("/", 1)[1]], components, name, depth + 1)
    for key in ("example", "const"):
        if key in schema:
            return schema[key]
    if schema.get("examples"):
        return schema["examples"][0]
    if "enum" in schema:
        return schema["enum"][0]
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            value = example_of(part, components, name, depth + 1)
            if isinstance(value, dict):
                merged.update(value)
            else:
                return value
        return merged
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [option for option in schema[key] if option.get("type") != "null"]
            return example_of(options[0], components, name, depth + 1) if options else None
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind == "object" or "properties" in schema:
        value = {
            prop: example_of(sub, components, prop, depth + 1) for prop, sub in schema.get("properties", {}).items()
        }
        extra = schema.get("additionalProperties")
        if not value and isinstance(extra, dict):
            key = (schema.get("propertyNames") or {}).get("enum", ["key"])[0]
            value = {key: example_of(extra, components, name, depth + 1)}
        return value
    if kind == "array":
        item = example_of(schema.get("items", {}), components, name, depth + 1)
        return [item] * max(1, schema.get("minItems", 1))
    if kind == "integer":
        return max(schema.get("minimum", 1), schema.get("exclusiveMinimum", 0) + 1)
    if kind == "number":
        return schema.get("minimum", 1.0)
    if kind == "boolean":
        return True
    if kind == "string":
        return _string(schema, name)
    return None


def _string(schema: dict[str, Any], name: str) -> str:
    fmt = schema.get("format")
    if fmt == "date-time":
        return "2026-12-21T16:00:00+08:00"
    if fmt == "date":
        return "2026-12-21"
    if fmt == "uuid":
        return str(_EXAMPLE_UUID)
    if fmt in ("binary", "byte"):
        return "…"
    if fmt in ("uri", "url"):
        return "https://evote.example.cn/…"
    if fmt == "email":
        return "clerk@example.cn"
    pattern = schema.get("pattern", "")
    hexadecimal = re.fullmatch(r"\^\[0-9a-f\]\{(\d+)\}\$", pattern)
    if hexadecimal:
        return ("0123456789abcdef" * 8)[: int(hexadecimal.group(1))]
    value = _BY_NAME.get(name)
    if value is None and name.endswith(("_sha256", "sha256")):
        value = "9b74c9897bac770ffc029102a200c5de" * 2
    if value is None and name.endswith("_zh"):
        value = "示例"
    if value is None:
        value = "string"
    low, high = schema.get("minLength", 0), schema.get("maxLength")
    value = value.ljust(low, "0")
    return value[:high] if high else value
