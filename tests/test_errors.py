"""Every DomainError has a unique stable code, a 4xx/5xx status and matching zh/en messages."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import app
from app.errors import DomainError

for module in pkgutil.walk_packages(app.__path__, "app."):
    if not module.name.endswith("__main__"):
        importlib.import_module(module.name)

ERRORS = sorted(DomainError.registry.values(), key=lambda cls: cls.code)


def test_registry_is_populated():
    assert len(ERRORS) > 20


@pytest.mark.parametrize("error", ERRORS, ids=lambda cls: cls.code)
def test_error_contract(error):
    assert 400 <= error.status < 600
    assert error.code
    assert error.code == error.code.strip()
    assert error.message_zh
    assert error.message_en
    assert error.title
    assert error.placeholders("zh") == error.placeholders("en")


def test_codes_are_unique():
    codes = [error.code for error in ERRORS]
    assert len(codes) == len(set(codes))
