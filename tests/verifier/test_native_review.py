"""A hostile review of the native core (app/verifier/_native_*.pyx) against its Python references: the cases it
missed, and seeded fuzzers of the three modules (random and mutated inputs, the same answers both ways)."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest

from app.ledger import merkle
from tests.verifier.native import native_module

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
