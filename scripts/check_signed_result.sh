#!/usr/bin/env bash
# Check a vote's signed result OUTSIDE evote's own code path (issue #6 item 6):
#   1. the raw Ed25519 signature with OpenSSL:  openssl pkeyutl -verify -rawin
#   2. the compact JWS with PyJWT, a JOSE library evote does not use for signing results
#      (evote signs with its own app/ledger/signing.jws_sign).
#
# Usage: scripts/check_signed_result.sh BUNDLE.zip|DIRECTORY
#   DIRECTORY holds result/result.json, result/result.sig, result/result.jws, keys/log-key.pem, keys/keys.json
#   (an unpacked bundle). Exit status 0 only if both checks pass.
#
# Needs OpenSSL >= 3.0 for "pkeyutl -rawin" with Ed25519. With an older OpenSSL the raw signature is checked
# with python3 + cryptography instead, and the script says so. PYTHON selects the interpreter (default python3).
set -euo pipefail

PYTHON="${PYTHON:-python3}"
source="${1:?usage: $0 BUNDLE.zip|DIRECTORY}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [ -d "$source" ]; then
    dir="$source"
else
    "$PYTHON" -m zipfile -e "$source" "$work/bundle"
    dir="$work/bundle"
fi
for member in result/result.json result/result.sig result/result.jws keys/log-key.pem keys/keys.json; do
    [ -f "$dir/$member" ] || { echo "missing $member" >&2; exit 2; }
done

echo "== raw Ed25519 signature of result/result.json"
openssl version
pkeyutl_help="$(openssl pkeyutl -help 2>&1 || true)"
if [[ "$pkeyutl_help" == *"-rawin"* ]]; then
    openssl pkeyutl -verify -rawin -pubin -inkey "$dir/keys/log-key.pem" \
        -in "$dir/result/result.json" -sigfile "$dir/result/result.sig"
else
    echo "this OpenSSL has no 'pkeyutl -rawin': checking with python3 + cryptography instead"
    "$PYTHON" - "$dir" <<'PY'
import sys
from pathlib import Path
from cryptography.hazmat.primitives.serialization import load_pem_public_key

d = Path(sys.argv[1])
key = load_pem_public_key((d / "keys/log-key.pem").read_bytes())
key.verify((d / "result/result.sig").read_bytes(), (d / "result/result.json").read_bytes())
print("Signature Verified Successfully")
PY
fi

echo "== compact JWS (EdDSA) with PyJWT"
"$PYTHON" - "$dir" <<'PY'
import json
import sys
from pathlib import Path

import jwt

d = Path(sys.argv[1])
keys = json.loads((d / "keys/keys.json").read_text())
jwk = keys["log"]["jwk"]
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
