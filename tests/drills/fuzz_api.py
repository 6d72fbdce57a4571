"""Drill: schemathesis against ``openapi/openapi.json`` as every role, the long run (issue #9 item 4).

Every operation is fuzzed as admin (API key), street office, committee, observer, auditor, verified owner,
unverified account and anonymous: ``--examples`` schema-valid cases with real ids and ``--examples``
schema-violating cases per operation and role, derandomised. Each response must be < 500 and match the
document (status code, content type, headers, body schema). The app runs in-process (ASGI) on a PostgreSQL
database of its own, created and dropped by the drill.

Run::

    .venv/bin/python -m tests.drills.fuzz_api [--examples 20]

The bounded CI pass is tests/fuzz/test_schemathesis.py (``EVOTE_FUZZ_EXAMPLES=N`` runs the same size there).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import uuid
from pathlib import Path

from app.db.migrate import upgrade
from app.settings import Settings
from tests.drills.common import create_database, drop_database, report, say
from tests.fuzz.harness import FuzzApp, run_fuzz


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=20, help="positive and negative examples per operation/role")
    arguments = parser.parse_args()
    logging.getLogger("evote").setLevel(logging.ERROR)  # the limiter's warnings would drown the figures; 5xx stay
    name = f"evote_drill_fuzz_{uuid.uuid4().hex[:8]}"
    url = asyncio.run(create_database(name))
    try:
        upgrade(url)
        with tempfile.TemporaryDirectory() as keys:
            settings = Settings(env="test", dev_key_dir=Path(keys), log_json=False)
            application = FuzzApp(settings, url)
            try:
                world = application.build_world()
                fuzz = run_fuzz(
                    application, world, positive=arguments.examples, negative=arguments.examples, progress=say
                )
            finally:
                application.close()
    finally:
        asyncio.run(drop_database(name))
    say(fuzz.summary())
    figures = {
        "operations": fuzz.operations,
        "roles": 8,
        "examples per operation, role and mode": arguments.examples,
        "requests": fuzz.requests,
        "statuses": dict(sorted(fuzz.statuses.items())),
        "5xx": fuzz.server_errors,
        "schema failures": len(fuzz.schema_failures),
        "seconds": round(fuzz.seconds, 1),
    }
    checks = {"no 5xx": fuzz.server_errors == 0, "every response as documented": not fuzz.failures}
    return report("fuzz_api", figures, checks)


if __name__ == "__main__":
    raise SystemExit(main())
