"""The signed result checked outside evote's code path: OpenSSL on the raw signature, PyJWT on the JWS."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from app.ledger.signing import jws_sign, sign
from app.verifier import documents as d
from tests.verifier.helpers import members, rebuild, replace_member

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "check_signed_result.sh"
pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")


def _run(path: Path, *key: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHON": sys.executable}
    bash = shutil.which("bash") or "/bin/bash"
    command = [bash, str(SCRIPT), str(path), *key]
    return subprocess.run(command, capture_output=True, text=True, env=environment, check=False)


async def test_the_script_verifies_the_signed_result(bundle, log_key, tmp_path):
    path = tmp_path / "bundle.zip"
    path.write_bytes(bundle)
    checked = _run(path, log_key)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Signature Verified Successfully" in checked.stdout
    assert "JWS verified" in checked.stdout
    assert checked.stdout.rstrip().endswith("signed result OK")
    pem = tmp_path / "log.pem"
    pem.write_bytes(members(bundle)[d.LOG_KEY_PEM])  # a PEM the auditor obtained out of band, say
    assert _run(path, str(pem)).returncode == 0
    assert _run(path).returncode != 0  # no key to pin: refused


async def test_the_script_pins_the_key_and_ignores_the_bundles_own(bundle, log_key, tmp_path):
    """A result re-signed with another key, whose PEM and JWK replace the bundle's: refused with the pinned key."""
    forger = Ed25519PrivateKey.generate()
    files = members(bundle)
    payload = files[d.RESULT]
    raw = forger.public_key().public_bytes_raw()
    files[d.RESULT_SIG] = sign(forger, payload)
    files[d.RESULT_JWS] = jws_sign(forger, d.jwk_thumbprint(raw), payload).encode()
    files[d.LOG_KEY_PEM] = forger.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    keys = json.loads(files[d.KEYS])
    keys["log"]["jwk"] = d.public_jwk(raw)
    files[d.KEYS] = json.dumps(keys).encode()
    path = tmp_path / "forged.zip"
    path.write_bytes(rebuild(files))
    checked = _run(path, log_key)
    assert checked.returncode != 0
    assert "Signature Verification Failure" in checked.stdout + checked.stderr
    wrong_id = log_key.split("+")[0] + "+00000000+" + log_key.split("+", 2)[2]
    assert "key ID does not match" in _run(path, wrong_id).stderr


async def test_the_script_refuses_a_changed_result(bundle, log_key, tmp_path):
    result = json.loads(members(bundle)[d.RESULT])
    result["topics"][0]["outcome"] = "REJECTED" if result["topics"][0]["outcome"] == "PASSED" else "PASSED"
    forged = json.dumps(result, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()
    path = tmp_path / "forged.zip"
    path.write_bytes(replace_member(bundle, d.RESULT, forged))
    checked = _run(path, log_key)
    assert checked.returncode != 0
    assert "Signature Verification Failure" in checked.stdout + checked.stderr


async def test_the_script_refuses_a_swapped_jws(bundle, log_key, tmp_path):
    files = members(bundle)
    header, payload, _ = files[d.RESULT_JWS].decode().strip().split(".")
    other = base64.urlsafe_b64encode(files[d.RESULT_SIG][::-1]).rstrip(b"=").decode()
    path = tmp_path / "forged.zip"
    path.write_bytes(replace_member(bundle, d.RESULT_JWS, f"{header}.{payload}.{other}".encode()))
    checked = _run(path, log_key)
    assert checked.returncode != 0
    assert "Signature Verified Successfully" in checked.stdout  # the raw signature is still genuine


async def test_pyjwt_verifies_the_jws_with_the_published_jwk(bundle):
    files = members(bundle)
    jwk = json.loads(files[d.KEYS])["log"]["jwk"]
    token = files[d.RESULT_JWS].decode().strip()
    assert jwt.get_unverified_header(token) == {"alg": "EdDSA", "kid": jwk["kid"]}
    payload = jwt.api_jws.decode(token, jwt.PyJWK(jwk).key, algorithms=["EdDSA"])
    assert payload == files[d.RESULT]
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.api_jws.decode(token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"), jwt.PyJWK(jwk).key,
                           algorithms=["EdDSA"])  # fmt: skip
