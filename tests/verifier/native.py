"""The verifier's native modules for the tests that compare them with their Python references.

Under CI the extension must be built (``pip install -e .`` compiles it: gcc, OpenSSL's headers and Cython are on
the CI machine), so that those tests and the benchmarks run the native code; elsewhere a missing module skips them.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest


def native_module(name: str) -> ModuleType:
    try:
        return importlib.import_module(f"app.verifier.{name}")
    except ImportError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(
            f"app.verifier.{name} is not built (the verifier then runs its Python reference)", allow_module_level=True
        )
        raise  # pragma: no cover - pytest.skip raises
