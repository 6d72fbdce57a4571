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

from app.verifier import documents as d
from tests.verifier.helpers import members, replace_member

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "check_signed_result.sh"
pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")


def _run(path: Path) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHON": sys.executable}
    bash = shutil.which("bash") or "/bin/bash"
    return subprocess.run([bash, str(SCRIPT), str(path)], capture_output=True, text=True, env=environment, check=False)


async def test_the_script_verifies_the_signed_result(bundle, tmp_path):
    path = tmp_path / "bundle.zip"
    path.write_bytes(bundle)
    checked = _run(path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Signature Verified Successfully" in checked.stdout
    assert "JWS verified" in checked.stdout
    assert checked.stdout.rstrip().endswith("signed result OK")


async def test_the_script_refuses_a_changed_result(bundle, tmp_path):
    result = json.loads(members(bundle)[d.RESULT])
    result["topics"][0]["outcome"] = "REJECTED" if result["topics"][0]["outcome"] == "PASSED" else "PASSED"
    forged = json.dumps(result, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()
    path = tmp_path / "forged.zip"
    path.write_bytes(replace_member(bundle, d.RESULT, forged))
    checked = _run(path)
    assert checked.returncode != 0
    assert "Signature Verification Failure" in checked.stdout + checked.stderr


async def test_the_script_refuses_a_swapped_jws(bundle, tmp_path):
    files = members(bundle)
    header, payload, _ = files[d.RESULT_JWS].decode().strip().split(".")
    other = base64.urlsafe_b64encode(files[d.RESULT_SIG][::-1]).rstrip(b"=").decode()
    path = tmp_path / "forged.zip"
    path.write_bytes(replace_member(bundle, d.RESULT_JWS, f"{header}.{payload}.{other}".encode()))
    checked = _run(path)
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
