"""Batch (multi-leaf) inclusion proofs: ``merkle.multi_inclusion_proof``, ``multi_root``, ``verify_multi_inclusion``.

A batch proof verifies exactly when every one of its leaves has a verifying RFC 9162 inclusion proof in the same
tree, and any change to a leaf, an index, a node, or the number of nodes or leaves breaks it."""

from __future__ import annotations

import hashlib
import random
from typing import Any

import pytest

from app.ledger import merkle


def _leaves(count: int, salt: str = "") -> list[bytes]:
    return [merkle.leaf_hash(f"{salt}leaf {number}".encode()) for number in range(count)]


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 8, 13, 64, 100, 257])
def test_a_batch_proof_verifies_and_gives_the_root(size):
    rng = random.Random(size)
    leaves = _leaves(size)
    root = merkle.root(leaves)
    for _ in range(40):
        indices = sorted(rng.sample(range(size), rng.randint(1, size)))
        proof = merkle.multi_inclusion_proof(indices, leaves)
        items = [(index, leaves[index]) for index in indices]
        assert merkle.multi_root(size, iter(items), iter(proof)) == root
        assert merkle.verify_multi_inclusion(size, items, proof, root)
        # each node on the leaves' paths is computed once: the proof holds exactly the subtrees with no leaf
        single = {node for index in indices for node in merkle.inclusion_proof(index, leaves)}
        assert set(proof) <= single


def test_one_leaf_needs_the_nodes_of_its_audit_path():
    leaves = _leaves(11)
    for index in range(11):  # the RFC 9162 audit path's nodes, left to right instead of from the leaf up
        batch, path = merkle.multi_inclusion_proof([index], leaves), merkle.inclusion_proof(index, leaves)
        assert sorted(batch) == sorted(path)
        assert len(batch) == len(path)


def test_all_leaves_need_no_node():
    leaves = _leaves(9)
    assert merkle.multi_inclusion_proof(list(range(9)), leaves) == []
    assert merkle.verify_multi_inclusion(9, list(enumerate(leaves)), [], merkle.root(leaves))


@pytest.mark.parametrize("seed", range(30))
def test_any_tampering_breaks_a_batch_proof(seed):
    rng = random.Random(seed)
    size = rng.randint(2, 80)
    leaves = _leaves(size, str(seed))
    root = merkle.root(leaves)
    indices = sorted(rng.sample(range(size), rng.randint(1, min(size - 1, 12))))
    proof = merkle.multi_inclusion_proof(indices, leaves)
    items = [(index, leaves[index]) for index in indices]
    position = rng.randrange(len(items))
    other = next(i for i in range(size) if i not in indices)
    forged_items = [
        [*items[:position], (items[position][0], rng.randbytes(32)), *items[position + 1 :]],  # an entry changed
        [*items[:position], (other, items[position][1]), *items[position + 1 :]],  # moved
        items[:position] + items[position + 1 :],  # a leaf dropped, its node not given
        [*items, (size, leaves[0])],  # a leaf outside the tree
        items[::-1] if len(items) > 1 else [(items[0][0], leaves[other])],  # out of order
    ]
    for forged in forged_items:
        assert not merkle.verify_multi_inclusion(size, forged, proof, root), forged
    node = rng.randrange(len(proof))
    for forged_proof in (
        [*proof[:node], rng.randbytes(32), *proof[node + 1 :]],  # a node changed
        proof[:-1],  # too short
        [*proof, rng.randbytes(32)],  # too long
        [*proof[:node], proof[node][:31], *proof[node + 1 :]],  # a node not 32 bytes
    ):
        assert not merkle.verify_multi_inclusion(size, items, forged_proof, root)
    # As for single proofs, the size is not bound by the proof but by the signed checkpoint it is taken from.


def test_shapes_that_cannot_be_a_batch_proof():
    leaves = _leaves(4)
    root = merkle.root(leaves)
    proof = merkle.multi_inclusion_proof([1], leaves)
    assert merkle.multi_root(4, iter([]), iter(proof)) is None  # no leaf
    assert merkle.multi_root(0, iter([(0, leaves[0])]), iter([])) is None  # the empty tree holds no leaf
    assert merkle.multi_root(4, iter([(-1, leaves[1])]), iter(proof)) is None
    assert merkle.multi_root(4, iter([(True, leaves[1])]), iter(proof)) is None  # an index that is not an int
    assert merkle.multi_root(4, iter([(1, "x" * 32)]), iter(proof)) is None  # type: ignore[list-item]
    assert merkle.multi_root(4, iter([(1, leaves[1]), (1, leaves[1])]), iter(proof)) is None  # repeated
    not_an_int: Any = [(1, leaves[1]), ("2", leaves[2])]
    assert merkle.multi_root(4, iter(not_an_int), iter(proof)) is None
    text_node: Any = ["x" * 32, *proof[1:]]
    assert not merkle.verify_multi_inclusion(4, [(1, leaves[1])], text_node, root)
    for indices in ([], [2, 1], [1, 1], [4], [-1]):
        with pytest.raises(ValueError, match=r"index|indices"):
            merkle.multi_inclusion_proof(indices, leaves)
    with pytest.raises(ValueError, match="root_hash"):
        merkle.verify_multi_inclusion(4, [(1, leaves[1])], proof, b"short")
    with pytest.raises(ValueError, match="size"):
        merkle.multi_root(-1, iter([(1, leaves[1])]), iter(proof))


def test_the_documented_vector():
    """docs/evidence-formats.md §5.3: leaves 1, 4 and 5 of the 7-leaf tree of leaf data "0" … "6"."""
    leaves = [merkle.leaf_hash(str(number).encode()) for number in range(7)]
    proof = merkle.multi_inclusion_proof([1, 4, 5], leaves)
    assert proof == [leaves[0], merkle.node_hash(leaves[2], leaves[3]), leaves[6]]
    assert (
        merkle.root(leaves).hex()
        == hashlib.sha256(
            b"\x01"
            + merkle.node_hash(merkle.node_hash(leaves[0], leaves[1]), merkle.node_hash(leaves[2], leaves[3]))
            + merkle.node_hash(merkle.node_hash(leaves[4], leaves[5]), leaves[6])
        ).hexdigest()
    )
