"""Registering an endpoint that a route builder made, so that one function body serves several alike acts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter


def add_act_route(
    router: APIRouter,
    path: str,
    endpoint: Callable[..., Any],
    *,
    name: str,
    description: str,
    response_model: Any,
    responses: dict[int | str, dict[str, Any]],
) -> None:
    """``POST path`` answered by ``endpoint`` under its own name (the operation id) and description."""
    endpoint.__name__ = endpoint.__qualname__ = name
    endpoint.__doc__ = description
    router.add_api_route(
        path, endpoint, methods=["POST"], name=name, response_model=response_model, responses=responses
    )
