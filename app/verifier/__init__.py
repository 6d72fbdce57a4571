"""The offline verifier: ``evote verify BUNDLE`` checks an auditor's export bundle.

Pure by rule (STYLE.md §8.1, enforced by ``tests/test_architecture.py``): it imports only ``app.rules``,
``app.ledger``, ``app.errors``, the standard library, ``cryptography`` and ``rfc8785`` (and, when they are installed,
``orjson`` to parse the streamed lines faster and ``isal`` to inflate the members faster), so it runs without a
database, a web framework or the server's configuration. ``app.verifier.documents`` also defines the document formats
the server writes (signed result, register snapshot, bundle layout), so writer and checker share one definition.
"""

from app.verifier.checks import Failure, verify_bundle
from app.verifier.report import Report, run
from app.verifier.trust import Trust, TrustError

__all__ = ["Failure", "Report", "Trust", "TrustError", "run", "verify_bundle"]
