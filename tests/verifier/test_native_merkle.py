"""The native batch-proof root (app/verifier/_native_merkle.pyx) against ``app.ledger.merkle.multi_root``, its
reference: the same root or None on random trees and proofs, and on every kind of misfit (a leaf or node altered,
dropped, added, out of order, of another type or length)."""

from __future__ import annotations

import hashlib
import importlib
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.ledger import merkle
from tests.verifier.native import native_module

native = native_module("_native_merkle")
reference = importlib.import_module("app.verifier.native")  # (its Python references: called directly below)


def _tree(size: int, seed: int) -> list[bytes]:
    return [hashlib.sha256(b"%d-%d" % (seed, at)).digest() for at in range(size)]


@st.composite
def _batches(draw: st.DrawFn) -> tuple[int, list[tuple[object, object]], list[object]]:
    size = draw(st.integers(1, 300))
    indices = sorted(draw(st.sets(st.integers(0, size - 1), min_size=1, max_size=min(size, 40))))
    hashes = _tree(size, draw(st.integers(0, 3)))
    leaves: list[tuple[object, object]] = [(index, hashes[index]) for index in indices]
    nodes: list[object] = list(merkle.multi_inclusion_proof(indices, hashes))
    edit = draw(
        st.sampled_from(
            [
                "none",
                "leaf",
                "node",
                "drop-leaf",
                "drop-node",
                "add-node",
                "swap",
                "index",
                "type",
                "short",
                "far",
                "negative",
                "huge",
                "beyond",
            ]
        )
    )
    at = draw(st.integers(0, 10_000))
    if edit == "leaf":
        index, _ = leaves[at % len(leaves)]
        leaves[at % len(leaves)] = (index, hashlib.sha256(b"other").digest())
    elif edit == "node" and nodes:
        nodes[at % len(nodes)] = hashlib.sha256(b"other").digest()
    elif edit == "drop-leaf":
        del leaves[at % len(leaves)]
    elif edit == "drop-node" and nodes:
        del nodes[at % len(nodes)]
    elif edit == "add-node":
        nodes.insert(at % (len(nodes) + 1), hashlib.sha256(b"extra").digest())
    elif edit == "swap" and len(leaves) > 1:
        i = at % (len(leaves) - 1)
        leaves[i], leaves[i + 1] = leaves[i + 1], leaves[i]
    elif edit == "index":
        index, leaf = leaves[at % len(leaves)]
        leaves[at % len(leaves)] = (index + 1, leaf)
    elif edit == "type":
        index, leaf = leaves[at % len(leaves)]
        leaves[at % len(leaves)] = (
            (str(index), leaf) if at % 3 == 0 else (index, bytearray(leaf)) if at % 3 == 1 else (float(index), leaf)
        )
        if nodes and at % 2:
            nodes[at % len(nodes)] = bytearray(nodes[at % len(nodes)])
    elif edit == "short":
        index, leaf = leaves[at % len(leaves)]
        leaves[at % len(leaves)] = (index, leaf[:31])
        if nodes:
            nodes[at % len(nodes)] = nodes[at % len(nodes)] + b"x"
    elif edit == "far":
        leaves.append((size + at, hashes[0]))
    elif edit == "negative":
        leaves.insert(0, (-1 - at, hashes[0]))
    elif edit == "huge":
        leaves.append((1 << 70, hashes[0]))
    elif edit == "beyond":
        leaves.insert(at % (len(leaves) + 1), (-(1 << 70), hashes[0]))
    return size, leaves, nodes


@settings(max_examples=1500, deadline=None)
@given(_batches())
def test_the_same_root_or_none_as_the_reference(batch: tuple[int, list[tuple[object, object]], list[object]]) -> None:
    size, leaves, nodes = batch
    assert native.multi_root(size, iter(leaves), iter(nodes)) == merkle.multi_root(size, leaves, nodes)  # type: ignore[arg-type]


def test_a_large_tree_with_a_sparse_proof() -> None:
    hashes = _tree(100_003, 7)
    indices = sorted(random.Random(3).sample(range(100_003), 2_000))
    nodes = merkle.multi_inclusion_proof(indices, hashes)
    leaves = [(index, hashes[index]) for index in indices]
    assert native.multi_root(100_003, leaves, nodes) == merkle.root(hashes)
    other = native.multi_root(100_002, leaves, nodes)
    assert other == merkle.multi_root(100_002, leaves, nodes)
    assert native.multi_root(100_003, leaves[1:], nodes) is None


def test_no_leaves_an_empty_tree_and_a_bad_size() -> None:
    leaf = hashlib.sha256(b"x").digest()
    assert native.multi_root(1, [], []) is None
    assert native.multi_root(0, [(0, leaf)], []) is None
    assert native.multi_root(1, [(0, leaf)], []) == leaf
    with pytest.raises(ValueError, match="non-negative integer"):
        native.multi_root(-1, [(0, leaf)], [])
    with pytest.raises(ValueError, match="non-negative integer"):
        native.multi_root(True, [(0, leaf)], [])


def test_a_size_beyond_64_bits_goes_to_the_reference() -> None:
    leaf = hashlib.sha256(b"x").digest()
    assert native.multi_root(1 << 64, [(0, leaf)], [leaf] * 64) == merkle.multi_root(1 << 64, [(0, leaf)], [leaf] * 64)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 600), st.sampled_from([1, 32, 64, 76]), st.integers(0, 2**32))
def test_the_root_over_fixed_width_leaves_is_the_references(count: int, width: int, seed: int) -> None:
    data = random.Random(seed).randbytes(count * width)
    expected = merkle.joined_root(
        b"".join(merkle.leaf_hashes(data[at : at + width] for at in range(0, len(data), width)))
    )
    assert native.leaves_root(data, width) == expected == reference.leaves_root(data, width)


@pytest.mark.parametrize(("data", "width"), [(b"abc", 2), (b"ab", 0), (bytearray(b"ab"), 1), (b"ab", -1)])
def test_leaf_data_not_of_whole_items_is_refused(data: bytes, width: int) -> None:
    with pytest.raises(ValueError, match="leaf data must be bytes"):
        native.leaves_root(data, width)
    if type(data) is bytes:
        with pytest.raises(ValueError, match="leaf data must be bytes"):
            reference.leaves_root(data, width)
