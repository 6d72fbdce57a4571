"""Evidence, as pure functions: canonical JSON, hashes, Merkle proofs and signatures (no I/O).

Imports only the standard library, ``cryptography`` and ``rfc8785``, so the offline verifier can use it.
"""
