"""TokenService keeps a header segment with its key only once a signature under it verified: unsigned tokens naming
the current kid (header variants) cannot fill the kept headers and push the genuine one out."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.identity.tokens import HEADERS_KEPT, InvalidAccessToken, SigningKeys, TokenService, _b64url


def test_unsigned_headers_do_not_take_the_genuine_headers_place():
    service = TokenService(
        SigningKeys.from_keys(Ed25519PrivateKey.generate()), issuer="i", audience="a", access_ttl=timedelta(minutes=5)
    )
    now = datetime.now(UTC)
    for spaces in range(HEADERS_KEPT):
        header = {"alg": "EdDSA", "typ": "JWT", "kid": service.keys.kid}
        segment = _b64url(json.dumps(header, separators=(",", ":" + " " * spaces)).encode())
        with pytest.raises(InvalidAccessToken):
            service.access_subject(f"{segment}.eyJhIjoxfQ.{'A' * 86}", now=now)  # no valid signature
    token = service.issue_access("subject", now=now).token
    assert service.access_subject(token, now=now) == "subject"
    assert token.split(".")[0] in service._header_keys
