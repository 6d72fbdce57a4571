"""A hostile review of the native core (app/verifier/_native_*.pyx) against its Python references: the cases it
missed, and seeded fuzzers of the three modules (random and mutated inputs, the same answers both ways)."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import subprocess
import sys
from array import array
from typing import Any

import pytest

from app.audit.keys import LogKeys
from app.ledger import merkle
from app.ledger.canonical import canonical_bytes
from app.ledger.note import Checkpoint
from app.ledger.signing import jws_sign, sign
from app.verifier import documents as d
from app.verifier import native, verify_bundle
from app.verifier.checks import _GRANT_BASES_TUPLE
from tests.verifier.helpers import SIGNERS, members, rebuild
from tests.verifier.native import native_module
from tests.verifier.test_native_log import Log, _rewritten

native_merkle = native_module("_native_merkle")


def _sparse_path(size: int, wanted: list[int]) -> list[bytes]:
    """The batch proof's nodes for ``wanted`` in a tree of ``size`` leaves (any size: one node a subtree without a
    wanted leaf), each node made up (a key holder signs whatever root they give)."""
    nodes: list[bytes] = []

    def walk(low: int, n: int, below: list[int]) -> None:
        if not below:
            nodes.append(hashlib.sha256(b"node %d %d" % (low, n)).digest())
            return
        if n == 1:
            return
        k = 1 << ((n - 1).bit_length() - 1)
        walk(low, k, [index for index in below if index < low + k])
        walk(low + k, n - k, [index for index in below if index >= low + k])

    walk(0, size, wanted)
    return nodes


_HUGE_SIZES = [2**62 + 1, 2**62 + 2**61 + 7, 2**63 - 1]


@pytest.mark.parametrize("size", _HUGE_SIZES)
def test_a_tree_of_more_than_2_62_leaves_gives_the_references_root(size: int) -> None:
    """A signed checkpoint's size above 2^62 (``_batch`` takes any size a checkpoint signs): the walk's split
    ``while k << 1 < n`` overflowed at k = 2^62 and never ended (the verifier hung without a verdict). Run in a child
    process so that a hang fails the test rather than the run."""
    wanted = [0, 5, size - 1]
    leaves = [(index, hashlib.sha256(b"leaf %d" % index).digest()) for index in wanted]
    nodes = _sparse_path(size, wanted)
    expected = merkle.multi_root(size, leaves, nodes)
    assert expected is not None
    code = (
        "import hashlib, sys\n"
        "from app.verifier import _native_merkle\n"
        f"size, wanted, nodes = {size}, {wanted!r}, {nodes!r}\n"
        "leaves = [(i, hashlib.sha256(b'leaf %d' % i).digest()) for i in wanted]\n"
        "sys.stdout.write(_native_merkle.multi_root(size, leaves, nodes).hex())\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout == expected.hex()
    # and the misfits: a node short, a node over
    assert native_merkle.multi_root(size, leaves, nodes[:-1]) is None
    assert native_merkle.multi_root(size, leaves, [*nodes, nodes[0]]) is None


def _huge_tree_bundle(bundle: bytes, size: int) -> bytes:
    """The bundle as the log key's holder re-signs it: its entries at their leaves of a made-up tree (every subtree
    without an entry a made-up node), the result's checkpoint of 2^52 leaves (result.json is RFC 8785: no integer
    beyond 2^53) and the latest of ``size`` leaves, with a consistency proof between them and the entries' batch
    proof in the latest (log/inclusion.json then not in the exporter's plain form: its tree_size has 19 digits).
    The index still names the old size: a deferred completeness failure, so a verdict is FAIL either way."""
    files = members(bundle)
    lines = files[d.ENTRIES].splitlines()
    (proof,) = json.loads(files[d.INCLUSION])["proofs"]
    indices = proof["leaf_indices"]
    leaves = [(at, hashlib.sha256(b"\x00" + line).digest()) for at, line in zip(indices, lines, strict=True)]
    first = 2**52
    first_root = merkle.multi_root(first, leaves, _sparse_path(first, indices))
    nodes = _sparse_path(size, indices)
    root = merkle.multi_root(size, leaves, nodes)
    assert first_root is not None
    assert root is not None
    files[d.INCLUSION] = json.dumps(
        {"proofs": [{"leaf_indices": indices, "nodes": len(nodes), "tree_size": size}]}
    ).encode()
    files[d.INCLUSION_NODES] = b"".join(nodes)
    # the right neighbours of [0, 2^52), [0, 2^53), … [0, 2^62): the made-up nodes ``_sparse_path`` gave them
    steps = [(1 << bits, 1 << bits) for bits in range(52, 62)] + [(1 << 62, size - (1 << 62))]
    consistency = [base64.b64encode(hashlib.sha256(b"node %d %d" % step).digest()).decode() for step in steps]
    files[d.CONSISTENCY] = json.dumps({"first": first, "proof": consistency, "second": size}).encode()
    keys = json.loads(files[d.KEYS])
    key = SIGNERS[base64.b64decode(keys["log"]["public_key"])]
    operator = LogKeys.create(keys["origin"], key)
    files[d.CHECKPOINTS] = json.dumps({
        "result": operator.sign(Checkpoint(keys["origin"], first, first_root)),
        "latest": operator.sign(Checkpoint(keys["origin"], size, root)),
    }).encode()  # fmt: skip
    result = json.loads(files[d.RESULT])
    result["checkpoint"]["root_hash"], result["checkpoint"]["size"] = base64.b64encode(first_root).decode(), first
    payload = canonical_bytes(result)
    files[d.RESULT], files[d.RESULT_SIG] = payload, sign(key, payload)
    files[d.RESULT_JWS] = jws_sign(key, d.jwk_thumbprint(operator.current.verifier.public_key), payload).encode()
    return rebuild(files, signer=key)


@pytest.mark.parametrize("jobs", [1, 2])
async def test_a_bundle_of_a_tree_of_more_than_2_62_leaves_gets_a_verdict_both_ways(
    bundle: bytes, trust: Any, jobs: int
) -> None:
    """The key holder's bundle whose checkpoints sign a tree of 2^62 + 1 leaves: before the split's fix the native
    walk never returned (no verdict); now the same report as the references (``native.multi_root`` replaced)."""
    forged = _huge_tree_bundle(bundle, 2**62 + 1)
    with_native = verify_bundle(forged, trust=trust, jobs=jobs).lines()
    saved = native.multi_root, native.cast_block
    native.multi_root, native.cast_block = merkle.multi_root, None
    try:
        without = verify_bundle(forged, trust=trust, jobs=jobs).lines()
    finally:
        native.multi_root, native.cast_block = saved
    assert with_native == without
    assert any("size 4611686018427387905 extends size 4503599627370496" in line for line in without)  # (the walk ran)


# --- seeded fuzzers: the same answers as the references on random and mutated inputs -----------------------------

native_log = native_module("_native_log")
native_roll = native_module("_native_roll")


def _time(rng: random.Random, *, zone: bool) -> str:
    """An ISO 8601-like instant near the forms C reads: each field at or past its calendar's edges, a fraction of
    0, 3, 6 or 7 digits, a zone of Z, z, ±HH:MM (hours to 24, minutes to 60) or none."""
    year = rng.choice(["0000", "0001", "1969", "1970", "2000", "2024", "2100", "9999", f"{rng.randrange(10**4):04d}"])
    month, day = f"{rng.choice([0, 1, 2, 4, 12, 13, rng.randrange(100)]):02d}", f"{rng.randrange(33):02d}"
    hour, minute, second = (f"{rng.choice([0, 23, 24, 59, 60, rng.randrange(100)]):02d}" for _ in range(3))
    text = f"{year}-{month}-{day}{rng.choice('TTTT t')}{hour}:{minute}:{second}"
    text += rng.choice(["", f".{rng.randrange(10**6):06d}", ".123", ".1234567", ".99999 "])
    if zone:
        sign = rng.choice("+-")
        text += rng.choice(["Z", "Z", "z", "", f"{sign}%02d:%02d" % (rng.choice([0, 5, 23, 24]), rng.randrange(61))])
    return text


@pytest.fixture
def log(bundle: bytes, trust: Any) -> Log:
    return Log(bundle, trust)


@pytest.mark.parametrize("seed", range(2))
def test_random_times_both_ways(log: Log, seed: int) -> None:
    """created_at and cast_at at random in and around the forms C reads (valid instants and not), each line rewritten
    in the server's form (its digest holding): the same state, leaves and failure with ``cast_block`` and without."""
    rng = random.Random(seed)
    at = log.casts[0]
    taken = log.taken
    for _ in range(600):
        created = _time(rng, zone=False)
        created = created[:19] + f".{rng.randrange(10**6):06d}" + "Z" if rng.random() < 0.7 else created + "Z"
        line = _rewritten(log.lines[at], created_at=created)
        if rng.random() < 0.8:
            line = _rewritten(line, cast_at=_time(rng, zone=True) if rng.random() < 0.8 else created[:-1] + "+00:00")
        log.compare([line], [log.indices[at]], online=rng.random() < 0.5, **log.context(at))
    assert log.taken > taken


def _roll_line(rng: random.Random) -> bytes:
    area = rng.choice([0, 1, 7, 10**15, 10**16 - 1, 10**16, 2**63, rng.randrange(10**6)])
    group = rng.choice(
        [bytes(rng.choice(b"0123456789abcdef") for _ in range(32)), b"12345678-1234-1234-1234-123456789abc"]
    )
    return b'{"area":%d,"group_id":"%b","units":[]}' % (area, group)


_MUTATIONS = b'"\\{}:,-0123456789abcdefgA \x00\xff'


def _mutated(rng: random.Random, line: bytes) -> bytes:
    data = bytearray(line)
    for _ in range(rng.randint(0, 3)):
        position, what = rng.randrange(len(data) + 1), rng.random()
        if what < 0.5 and position < len(data):
            data[position] = rng.choice(_MUTATIONS) if rng.random() < 0.8 else rng.randrange(256)
        elif what < 0.7:
            del data[position : position + rng.randint(1, 3)]
        elif what < 0.9:
            data[position:position] = bytes(rng.choice(_MUTATIONS) for _ in range(rng.randint(1, 3)))
        else:
            del data[position:]  # truncated
    return bytes(data)


def test_roll_heads_on_mutated_lines() -> None:
    """``roll_heads`` against ``ROLL_LINE_HEAD`` on 20,000 random blocks of mutated group lines (areas of 1 to 17
    digits, ids of 32 and 36 characters, truncations, quotes, NULs, non-ASCII)."""
    rng = random.Random(11)
    refused = 0
    for _ in range(20_000):
        block = [_mutated(rng, _roll_line(rng)) for _ in range(rng.randint(1, 3))]
        expected = native._roll_heads(block)
        assert native_roll.roll_heads(block) == expected, block
        refused += expected is None
    assert 0 < refused < 20_000


def test_cast_block_on_mutated_and_truncated_lines() -> None:
    """Memory safety: ``cast_block`` on 20,000 random blocks of mutated, truncated and duplicated server-form lines
    (no comparison: tests/verifier/test_native_log.py compares; this reaches every early exit, the buffers' growth
    and each length check). It is also the driver for a valgrind run (see the module's end)."""
    assert _drive(20_000, 3) > 0


_VOTE = b"12345678-1234-1234-1234-123456789abc"


def _cast_line(
    created: bytes = b"2025-03-16T16:30:38.179616Z", cast: bytes | None = None,
    estate: bytes = b'"aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"', basis: bytes = b"OWNER", grant: bytes = b"",
    group: bytes = b"g1",
) -> bytes:  # fmt: skip
    """A ballot.cast line in the server's form, its digest holding (``cast_block`` takes it as it is)."""
    cast = created[:-1] + b"+00:00" if cast is None else cast
    payload = (
        b'{"ballot_id":"11111111-2222-3333-4444-555555555555","basis":"%b","cast_at":"%b","channel":"ONLINE",'
        b'"commitment":"%b","grant":"%b","group":"%b"}' % (basis, cast, b"ab" * 32, grant, group)
    )
    member = b"" if estate == b"null" else estate[1:-1]
    preimage = b'{"estate_id":"%b","kind":"ballot.cast","payload":%b,"vote_id":"%b"}' % (member, payload, _VOTE)
    return (
        b'{"created_at":"%b","estate_id":%b,"id":"99999999-8888-7777-6666-555555555555","kind":"ballot.cast",'
        b'"payload":%b,"payload_sha256":"%b","vote_id":"%b"}'
        % (created, estate, payload, hashlib.sha256(preimage).hexdigest().encode(), _VOTE)
    )


def _drive(count: int, seed: int) -> int:
    """The three modules on ``count`` random inputs each (mutated, truncated, short and long lines; trees up to
    2^63 - 1 leaves with short hashes and too few or many nodes): the lines ``cast_block`` took."""
    rng = random.Random(seed)
    bases = [
        _cast_line(), _cast_line(estate=b"null"), _cast_line(cast=b"2025-03-16T16:31:00Z"),
        _cast_line(cast=b"2025-03-16T17:30:38.000000+01:00"), _cast_line(basis=_GRANT_BASES_TUPLE[0], grant=b"0" * 32),
        _cast_line(group=b"x" * 40),
    ]  # fmt: skip
    taken = 0
    for _ in range(count):
        lines: list[bytes] = [_mutated(rng, rng.choice(bases)) for _ in range(rng.randint(1, 6))]
        if rng.random() < 0.1:
            lines.append(rng.choice([b"", b"{", bases[0][: rng.randrange(len(bases[0]))], bases[0] * 2]))
        indices = array("q", range(1, len(lines) + 1))
        listed = array("q", range(1, max(1, len(lines) + 1 + rng.randint(-2, 2))))
        codes = bytearray([3] * max(0, len(listed) + rng.randint(-2, 0)))
        taken += native_log.cast_block(
            lines, 0, indices, 0, 0, 0, listed, codes, 3, _VOTE, rng.choice([2**63 - 1, 3, 0]), rng.random() < 0.5,
            _GRANT_BASES_TUPLE, rng.choice([10**6, 300, 0]), 300_000_000,
        )[0]  # fmt: skip
        native_roll.roll_heads([_mutated(rng, _roll_line(rng)) for _ in range(rng.randint(1, 4))])
        size = rng.choice([1, 2, 3, 7, 64, 1000, 2**62 + 1, 2**63 - 1])
        wanted = sorted(rng.sample(range(min(size, 50)), min(size, 3)))
        leaves = [(at, hashlib.sha256(b"%d" % at).digest()[: rng.choice([32, 32, 31])]) for at in wanted]
        native_merkle.multi_root(size, leaves, [b"\1" * 32] * rng.randint(0, 70))
        native_merkle.leaves_root(rng.randbytes(rng.randrange(5) * 7), 7)
    return taken


if __name__ == "__main__":  # the driver alone: PYTHONMALLOC=malloc valgrind python -m tests.verifier.test_native_review
    sys.stdout.write(f"taken {_drive(int(sys.argv[1]) if len(sys.argv) > 1 else 3000, 2)}\n")
