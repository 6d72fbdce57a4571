"""Issue #19 item 2: clients generated from openapi/openapi.json drop nothing and type-check an owner's flow.

* TypeScript: ``openapi-typescript`` types + ``openapi-fetch``, checked by ``tsc --strict`` (``owner_flow.ts``).
* Python: ``openapi-python-client``, checked by ``mypy --strict`` (``owner_flow.py``).

The npm packages are pinned in ``package-lock.json`` and installed with ``npm ci`` (``.ci/run`` does it first; the
test does it when they are missing). Without npm the TypeScript check is skipped locally and fails under CI=true.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.main import OPENAPI_PATH

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent


def _run(*command: str | Path, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"{command[0]} failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    return done


def _schema_names() -> set[str]:
    return set(json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))["components"]["schemas"])


@pytest.fixture(scope="module")
def node_modules() -> Path:
    modules = HERE / "node_modules"
    if not (modules / ".bin" / "tsc").exists():
        npm = shutil.which("npm")
        if npm is None:
            if os.environ.get("CI") == "true":
                pytest.fail("npm is required under CI=true (tests/clients)")
            pytest.skip("npm is not installed")
        _run(npm, "ci", "--no-audit", "--no-fund", cwd=HERE)
    return modules


def test_typescript_client_keeps_every_model_and_the_owner_flow_compiles(node_modules):
    generated = HERE / "generated"
    generated.mkdir(exist_ok=True)
    _run(node_modules / ".bin" / "openapi-typescript", OPENAPI_PATH, "-o", generated / "schema.d.ts", cwd=HERE)
    declared = (generated / "schema.d.ts").read_text(encoding="utf-8")
    schemas = declared[declared.index("export interface components") :]
    missing = [name for name in _schema_names() if not re.search(rf"^\s+\"?{re.escape(name)}\"?: ", schemas, re.M)]
    assert missing == []
    _run(node_modules / ".bin" / "tsc", "-p", "tsconfig.json", cwd=HERE)


ALIASES = {"ConsultationAnswer", "PaperTopicAnswer", "SingleChoiceAnswer", "TopicAnswer"}


def _class_name(schema: str) -> str:
    """openapi-python-client's class name for a schema (``Page_NoticeRead_`` → ``PageNoticeRead``)."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^0-9A-Za-z]+", schema) if part)


def test_python_client_keeps_every_model_and_the_owner_flow_type_checks(tmp_path):
    package = tmp_path / "evote_client"
    generated = _run(
        BIN / "openapi-python-client", "generate", "--path", OPENAPI_PATH, "--meta", "none",
        "--output-path", package, "--config", HERE / "openapi-python-client.yaml", cwd=tmp_path,
    )  # fmt: skip
    assert "Warning" not in generated.stdout + generated.stderr, generated.stdout + generated.stderr
    exported = set(re.findall(r'"(\w+)"', (package / "models" / "__init__.py").read_text(encoding="utf-8")))
    missing = sorted(name for name in _schema_names() if _class_name(name) not in exported)
    # A union or a plain string is a type alias to openapi-python-client, spelled out where it is used (the ballot
    # answers, typed per topic kind): only those may lack a class of their own.
    assert missing == sorted(ALIASES)
    answers = (package / "models" / "ballot_cast_answers.py").read_text(encoding="utf-8")
    assert re.search(r"additional_properties: dict\[str, .*ElectionAnswer.*YesNoAnswer", answers), answers[:2000]
    shutil.copy(HERE / "owner_flow.py", tmp_path / "owner_flow.py")
    _run(BIN / "mypy", "--strict", "--no-incremental", "owner_flow.py", cwd=tmp_path)
