"""``python -m app.verifier BUNDLE [--log-key KEY]``: the verifier without the server's dependencies installed."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from app.verifier.report import run


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.verifier", description="check an evote export bundle offline")
    parser.add_argument("bundle")
    parser.add_argument("--log-key", default=None, help="trusted log verifier key (name+keyid+key) to pin")
    parser.add_argument("--log-dump", default=None, help="a JSON Lines dump of the public log (evote audit dump)")
    args = parser.parse_args(argv)
    return run(args.bundle, out=sys.stdout, err=sys.stderr, log_key=args.log_key, log_dump=args.log_dump)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
