"""``python -m app.verifier BUNDLE --log-key KEY …``: the verifier without the server's dependencies installed."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from app.verifier.report import EXIT_USAGE, add_jobs_argument, run
from app.verifier.trust import TrustError, add_trust_arguments, trust_from_arguments


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.verifier", description="check an evote export bundle offline")
    parser.add_argument("bundle")
    add_trust_arguments(parser)
    parser.add_argument("--log-dump", default=None, help="a JSON Lines dump of the public log (evote audit dump)")
    add_jobs_argument(parser)
    args = parser.parse_args(argv)
    try:
        trust = trust_from_arguments(args)
    except TrustError as error:
        sys.stderr.write(f"python -m app.verifier: {error}\n")
        return EXIT_USAGE
    return run(args.bundle, out=sys.stdout, err=sys.stderr, trust=trust, log_dump=args.log_dump, jobs=args.jobs)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
