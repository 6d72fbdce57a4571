"""A deadlock's victim and a serialization failure's loser are rolled back whole: the client is told to retry
(503 ``db.busy`` with Retry-After), as after a bounded lock wait, never a 500."""

from __future__ import annotations

import asyncpg  # type: ignore[import-untyped]
import pytest
from sqlalchemy.exc import DBAPIError

from app.http.problems import is_database_busy


def _as_sqlalchemy_raises_it(driver_error: Exception) -> DBAPIError:
    adapted = Exception(str(driver_error))  # the asyncpg adapter's error, its cause the driver's
    adapted.__cause__ = driver_error
    return DBAPIError("UPDATE …", {}, adapted)


@pytest.mark.parametrize(
    "driver_error",
    [
        asyncpg.exceptions.DeadlockDetectedError("deadlock detected"),
        asyncpg.exceptions.SerializationError("could not serialize access"),
        asyncpg.exceptions.LockNotAvailableError("canceling statement due to lock timeout"),
        asyncpg.exceptions.QueryCanceledError("canceling statement due to statement timeout"),
    ],
    ids=["deadlock", "serialization", "lock-timeout", "statement-timeout"],
)
def test_retryable_database_errors_are_busy(driver_error: Exception):
    assert is_database_busy(_as_sqlalchemy_raises_it(driver_error))


def test_other_database_errors_are_not_busy():
    assert not is_database_busy(_as_sqlalchemy_raises_it(asyncpg.exceptions.UniqueViolationError("duplicate")))
