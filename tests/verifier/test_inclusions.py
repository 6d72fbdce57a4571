"""The verifier's memoised inclusion check answers exactly as ``merkle.verify_inclusion`` for every proof."""

from __future__ import annotations

import hashlib
import random

import pytest

from app.ledger import merkle
from app.verifier.checks import _Inclusions


def _leaves(count: int) -> list[bytes]:
    return [hashlib.sha256(f"leaf {number}".encode()).digest() for number in range(count)]


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 13, 100, 257])
def test_same_answer_as_verify_inclusion_for_good_and_bad_proofs(size):
    rng = random.Random(size)
    leaves = _leaves(size)
    root = merkle.root(leaves)
    inclusions = _Inclusions()
    answers = {True: 0, False: 0}
    for _ in range(500):
        index = rng.randrange(size)
        proof = merkle.inclusion_proof(index, leaves)
        leaf, claimed_root, claimed_index, claimed_size = leaves[index], root, index, size
        draw = rng.random()
        if draw < 0.1 and proof:
            proof[rng.randrange(len(proof))] = rng.randbytes(32)  # a sibling changed
        elif draw < 0.2:
            leaf = rng.randbytes(32)  # the entry changed
        elif draw < 0.25:
            claimed_index = rng.randrange(size + 2)  # moved
        elif draw < 0.3 and proof:
            proof = proof[:-1]  # too short
        elif draw < 0.35:
            proof = [*proof, rng.randbytes(32)]  # too long
        elif draw < 0.4:
            claimed_root = rng.randbytes(32)
        elif draw < 0.45:
            claimed_size = rng.randrange(1, size + 2)
        expected = merkle.verify_inclusion(claimed_index, claimed_size, leaf, proof, claimed_root)
        assert inclusions.verify(claimed_index, claimed_size, leaf, proof, claimed_root) is expected
        answers[expected] += 1
    assert answers[True]
    assert answers[False] or size == 1


def test_a_proven_node_does_not_vouch_for_another_rest_of_path():
    leaves = _leaves(8)
    root = merkle.root(leaves)
    inclusions = _Inclusions()
    assert inclusions.verify(0, 8, leaves[0], merkle.inclusion_proof(0, leaves), root)
    # leaf 1 reaches the node leaf 0 proved, but with a different (wrong) rest of path: the full loop decides.
    proof = merkle.inclusion_proof(1, leaves)
    proof[2] = bytes(32)
    assert not inclusions.verify(1, 8, leaves[1], proof, root)
    assert inclusions.verify(1, 8, leaves[1], merkle.inclusion_proof(1, leaves), root)


def test_shapes_and_out_of_range_indexes_fall_back_to_the_reference():
    leaves = _leaves(4)
    root = merkle.root(leaves)
    inclusions = _Inclusions()
    assert not inclusions.verify(4, 4, leaves[0], [], root)
    with pytest.raises(ValueError, match="non-negative"):
        inclusions.verify(True, 4, leaves[0], [], root)  # type: ignore[arg-type]
