#!/usr/bin/env bash
# Check a vote's signed result OUTSIDE evote's own code path (issue #6 item 6):
#   1. the raw Ed25519 signature with OpenSSL:  openssl pkeyutl -verify -rawin
#   2. the compact JWS with PyJWT, a JOSE library evote does not use for signing results
#      (evote signs with its own app/ledger/signing.jws_sign).
#
# Usage: scripts/check_signed_result.sh BUNDLE.zip|DIRECTORY KEY
#   DIRECTORY holds result/result.json, result/result.sig and result/result.jws (an unpacked bundle).
#   KEY is the log key to pin, obtained out of band (GET /api/v1/log/keys, and the street office's own
#   publication): its verifier key string NAME+KEYID+KEY, or a PEM public key file. The bundle's own keys
#   (keys/log-key.pem, keys/keys.json) are never used. Exit status 0 only if both checks pass with KEY.
#
# Needs OpenSSL >= 3.0 for "pkeyutl -rawin" with Ed25519. With an older OpenSSL the raw signature is checked
# with python3 + cryptography instead, and the script says so. PYTHON selects the interpreter (default python3).
set -euo pipefail

PYTHON="${PYTHON:-python3}"
source="${1:?usage: $0 BUNDLE.zip|DIRECTORY KEY}"
pinned="${2:?usage: $0 BUNDLE.zip|DIRECTORY KEY (the log key to pin: NAME+KEYID+KEY or a PEM file)}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The pinned key as PEM (for openssl) and as a JWK (for PyJWT), derived from KEY only.
"$PYTHON" - "$pinned" "$work" <<'PY'
import base64
import hashlib
import json
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

key, work = sys.argv[1], Path(sys.argv[2])
if Path(key).is_file():
    public = serialization.load_pem_public_key(Path(key).read_bytes())
    if not isinstance(public, Ed25519PublicKey):
        sys.exit("the pinned PEM key is not an Ed25519 key")
    raw = public.public_bytes_raw()
else:
    name, key_id, encoded = key.split("+", 2)
    blob = base64.b64decode(encoded, validate=True)
    if len(blob) != 33 or blob[0] != 1:
        sys.exit("the pinned key is not a log verifier key NAME+KEYID+base64(0x01 || Ed25519 key)")
    raw = blob[1:]
    if hashlib.sha256(name.encode() + b"\n\x01" + raw).digest()[:4].hex() != key_id:
        sys.exit("the pinned key's key ID does not match its name and key")
    public = Ed25519PublicKey.from_public_bytes(raw)
pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
(work / "pinned.pem").write_bytes(pem)
x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
members = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": x}, separators=(",", ":"), sort_keys=True)
kid = base64.urlsafe_b64encode(hashlib.sha256(members.encode()).digest()).rstrip(b"=").decode()
jwk = {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "alg": "EdDSA", "use": "sig"}
(work / "pinned.jwk").write_text(json.dumps(jwk))
print(f"pinned key: kid {kid}")
PY

if [ -d "$source" ]; then
    dir="$source"
else
    "$PYTHON" -m zipfile -e "$source" "$work/bundle"
    dir="$work/bundle"
fi
for member in result/result.json result/result.sig result/result.jws; do
    [ -f "$dir/$member" ] || { echo "missing $member" >&2; exit 2; }
done

echo "== raw Ed25519 signature of result/result.json"
openssl version
pkeyutl_help="$(openssl pkeyutl -help 2>&1 || true)"
if [[ "$pkeyutl_help" == *"-rawin"* ]]; then
    openssl pkeyutl -verify -rawin -pubin -inkey "$work/pinned.pem" \
        -in "$dir/result/result.json" -sigfile "$dir/result/result.sig"
else
    echo "this OpenSSL has no 'pkeyutl -rawin': checking with python3 + cryptography instead"
    "$PYTHON" - "$dir" "$work" <<'PY'
import sys
from pathlib import Path
from cryptography.hazmat.primitives.serialization import load_pem_public_key

d = Path(sys.argv[1])
key = load_pem_public_key((Path(sys.argv[2]) / "pinned.pem").read_bytes())
key.verify((d / "result/result.sig").read_bytes(), (d / "result/result.json").read_bytes())
print("Signature Verified Successfully")
PY
fi

echo "== compact JWS (EdDSA) with PyJWT"
"$PYTHON" - "$dir" "$work" <<'PY'
import json
import sys
from pathlib import Path

import jwt

d = Path(sys.argv[1])
jwk = json.loads((Path(sys.argv[2]) / "pinned.jwk").read_text())
token = (d / "result/result.jws").read_text().strip()
header = jwt.get_unverified_header(token)
if header.get("alg") != "EdDSA" or header.get("kid") != jwk["kid"]:
    sys.exit(f"unexpected JWS header {header}")
key = jwt.PyJWK(jwk).key
payload = jwt.api_jws.decode(token, key, algorithms=["EdDSA"])
if payload != (d / "result/result.json").read_bytes():
    sys.exit("the JWS payload is not result/result.json")
print(f"JWS verified (kid {header['kid']}, PyJWT {jwt.__version__})")
PY
echo "signed result OK"
