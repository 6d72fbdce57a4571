"""RFC 9162 §2.1 Merkle tree: published vectors, an independent reference implementation and properties.

Known answers: the eight-leaf tree of the Certificate Transparency reference tests (originally
certificate-transparency ``merkle_tree_test.cc``, kept today in transparency-dev/merkle
``testonly/constants.go`` and ``proof/verify_test.go``): its leaf inputs, every root for sizes 0..8, the
node hashes of every complete subtree, the compact ranges, and the published inclusion and consistency
proofs. Those Go tests number leaves from 1; the indexes below are 0-based.
"""

from __future__ import annotations

import hashlib
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.ledger.merkle import (
    EMPTY_ROOT,
    CompactRange,
    consistency_proof,
    inclusion_proof,
    joined_root,
    leaf_hash,
    leaf_hashes,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)


def h(text: str) -> bytes:
    return bytes.fromhex(text)


LEAF_INPUTS = [
    h(""),
    h("00"),
    h("10"),
    h("2021"),
    h("3031"),
    h("40414243"),
    h("5051525354555657"),
    h("606162636465666768696a6b6c6d6e6f"),
]
LEAVES = [leaf_hash(data) for data in LEAF_INPUTS]

# RootHashes(): index = tree size.
ROOTS = [
    h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
    h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
    h("aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"),
    h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    h("4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4"),
    h("76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef"),
    h("ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c"),
    h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
]

# NodeHashes(): [level][index] of every complete subtree of the 8-leaf tree.
NODES = [
    [
        h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
        h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
        h("0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7"),
        h("07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7"),
        h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        h("4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658"),
        h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
        h("46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"),
    ],
    [
        h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
        h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
        h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
        h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
    ],
    [
        h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
    ],
    [h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")],
]

# CompactTrees(): the frontier of the tree at each size.
COMPACT = [
    [],
    [NODES[0][0]],
    [NODES[1][0]],
    [NODES[1][0], NODES[0][2]],
    [NODES[2][0]],
    [NODES[2][0], NODES[0][4]],
    [NODES[2][0], NODES[1][2]],
    [NODES[2][0], NODES[1][2], NODES[0][6]],
    [NODES[3][0]],
]

# inclusionProofs (leaf index, tree size, path).
INCLUSION = [
    (0, 1, []),
    (
        0,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        5,
        8,
        [
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (2, 3, [h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")]),
    (
        1,
        5,
        [
            h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
]

# consistencyProofs (old size, new size, proof).
CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        6,
        8,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (
        2,
        5,
        [
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
    (
        6,
        7,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
]

SOME_HASH = h("abacaba000000000000000000000000000000000000000000060061e00123456")


# --- An independent reference: RFC 9162 §2.1 transcribed literally, over entries, with slicing. ---


def ref_mth(entries: list[bytes]) -> bytes:
    n = len(entries)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + entries[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + ref_mth(entries[:k]) + ref_mth(entries[k:])).digest()


def ref_path(m: int, entries: list[bytes]) -> list[bytes]:
    n = len(entries)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*ref_path(m, entries[:k]), ref_mth(entries[k:])]
    return [*ref_path(m - k, entries[k:]), ref_mth(entries[:k])]


def ref_subproof(m: int, entries: list[bytes], b: bool) -> list[bytes]:
    n = len(entries)
    if m == n:
        return [] if b else [ref_mth(entries)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*ref_subproof(m, entries[:k], b), ref_mth(entries[k:])]
    return [*ref_subproof(m - k, entries[k:], False), ref_mth(entries[:k])]


def entries_for(size: int, salt: bytes = b"") -> list[bytes]:
    return [salt + index.to_bytes(4, "big") for index in range(size)]


def flip(data: bytes, bit: int) -> bytes:
    bit %= len(data) * 8
    return data[: bit // 8] + bytes([data[bit // 8] ^ (1 << (bit % 8))]) + data[bit // 8 + 1 :]


# --- Known answers ---


def test_leaf_hashes_and_empty_root_match_the_published_vectors():
    assert NODES[0] == LEAVES
    assert EMPTY_ROOT == ROOTS[0] == hashlib.sha256(b"").digest()
    assert node_hash(NODES[0][0], NODES[0][1]) == NODES[1][0]


def test_leaf_hashes_of_many_entries_are_each_entrys_leaf_hash():
    assert leaf_hashes(LEAF_INPUTS) == LEAVES
    assert leaf_hashes(iter(LEAF_INPUTS[2:4])) == LEAVES[2:4]
    assert leaf_hashes([]) == []


@pytest.mark.parametrize("size", range(9))
def test_root_of_every_prefix_matches_the_published_roots(size):
    assert root(LEAVES[:size]) == ROOTS[size]
    assert ref_mth(LEAF_INPUTS[:size]) == ROOTS[size]


@pytest.mark.parametrize("size", range(9))
def test_the_root_of_joined_leaf_hashes_matches_the_published_roots(size):
    assert joined_root(b"".join(LEAVES[:size])) == ROOTS[size]


@pytest.mark.parametrize("joined", [b"\x00" * 31, b"\x00" * 33, bytearray(32), "0" * 64, None])
def test_joined_leaf_hashes_must_be_bytes_in_whole_hashes(joined):
    with pytest.raises(ValueError, match="multiple of 32"):
        joined_root(joined)


def test_compact_range_matches_the_published_compact_trees_at_every_size():
    compact = CompactRange()
    for size in range(9):
        assert compact.size == size
        assert list(compact.hashes) == COMPACT[size]
        assert compact.root() == ROOTS[size]
        if size < 8:
            compact = compact.append(LEAVES[size])
    assert CompactRange().extend(LEAVES) == compact


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION, ids=lambda v: str(v) if isinstance(v, int) else "")
def test_published_inclusion_proofs(index, size, path):
    assert inclusion_proof(index, LEAVES[:size]) == path
    assert verify_inclusion(index, size, LEAVES[index], path, ROOTS[size])


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION[1:])
def test_corrupted_published_inclusion_proofs_fail(index, size, path):
    # The probes of transparency-dev/merkle corruptInclusionProof.
    good_root, leaf = ROOTS[size], LEAVES[index]
    probes = [
        (index - 1, size, leaf, path, good_root),
        (index + 1, size, leaf, path, good_root),
        (index ^ 2, size, leaf, path, good_root),
        (index, size * 2, leaf, path, good_root),
        (index, size // 2, leaf, path, good_root),
        (index, size, leaf_hash(b"WrongLeaf"), path, good_root),
        (index, size, leaf, path, EMPTY_ROOT),
        (index, size, leaf, path, SOME_HASH),
        (index, size, leaf, [*path, good_root], good_root),
        (index, size, leaf, [good_root, *path], good_root),
        (index, size, leaf, path[:-1], good_root),
        (index, size, leaf, [path[0], SOME_HASH, *path[1:]], good_root),
    ]
    probes += [(index, size, leaf, [*path[:i], flip(path[i], 3), *path[i + 1 :]], good_root) for i in range(len(path))]
    for probe in probes:
        if probe[0] < 0:  # Go's uint64 wraps index - 1 around; a negative index is a ValueError here
            with pytest.raises(ValueError, match="non-negative"):
                verify_inclusion(*probe)
        else:
            assert not verify_inclusion(*probe), probe[:2]


@pytest.mark.parametrize(("old", "new", "path"), CONSISTENCY)
def test_published_consistency_proofs(old, new, path):
    assert consistency_proof(old, LEAVES[:new]) == path
    assert verify_consistency(old, new, ROOTS[old], ROOTS[new], path)


@pytest.mark.parametrize(("old", "new", "path"), CONSISTENCY[1:])
def test_corrupted_published_consistency_proofs_fail(old, new, path):
    # The probes of transparency-dev/merkle corruptConsistencyProof.
    r1, r2 = ROOTS[old], ROOTS[new]
    probes = [
        (old - 1, new, r1, r2, path),
        (old + 1, new, r1, r2, path),
        (old ^ 2, new, r1, r2, path),
        (old, new * 2, r1, r2, path),
        (old, new // 2, r1, r2, path),
        (old, new, SOME_HASH, r2, path),
        (old, new, r1, SOME_HASH, path),
        (old, new, r2, r1, path),
        (old, new, r1, r2, []),
        (old, new, r1, r2, [*path, r1]),
        (old, new, r1, r2, [*path, r2]),
        (old, new, r1, r2, [r1, *path]),
        (old, new, r1, r2, [r2, *path]),
        (old, new, r1, r2, [path[0], *path]),
        (old, new, r1, r2, path[:-1]),
    ]
    probes += [(old, new, r1, r2, [*path[:i], flip(path[i], 4), *path[i + 1 :]]) for i in range(len(path))]
    for probe in probes:
        assert not verify_consistency(*probe), probe[:2]


# --- Edge cases of the verification algorithms ---


@pytest.mark.parametrize(
    ("old", "new", "old_root", "new_root", "proof", "expected"),
    [
        (0, 0, EMPTY_ROOT, EMPTY_ROOT, [], True),
        (0, 0, EMPTY_ROOT, SOME_HASH, [], False),
        (0, 0, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], False),
        (0, 5, EMPTY_ROOT, ROOTS[5], [], True),  # every tree extends the empty tree
        (0, 5, SOME_HASH, ROOTS[5], [], False),  # but a size-0 head must carry the empty-tree hash
        (0, 5, EMPTY_ROOT, ROOTS[5], [EMPTY_ROOT], False),
        (3, 3, ROOTS[3], ROOTS[3], [], True),
        (3, 3, ROOTS[3], ROOTS[3], [ROOTS[3]], False),  # first == second: the proof must be empty
        (3, 3, ROOTS[3], ROOTS[4], [], False),  # ... and the roots equal
        (4, 3, ROOTS[4], ROOTS[3], [], False),  # time travel
        (1, 2, ROOTS[1], ROOTS[2], [], False),  # 0 < first < second needs a non-empty proof
        (4, 8, ROOTS[4], ROOTS[8], [NODES[2][1]], True),  # power-of-two first: first_hash is prepended
    ],
)
def test_consistency_edge_cases(old, new, old_root, new_root, proof, expected):
    assert verify_consistency(old, new, old_root, new_root, proof) is expected


def test_consistency_fails_when_the_proof_is_longer_than_the_tree():
    # Step 6: "If sn is 0, then stop the iteration and fail the proof verification."
    proof = consistency_proof(6, LEAVES[:7])
    assert not verify_consistency(6, 7, ROOTS[6], ROOTS[7], [*proof, SOME_HASH, SOME_HASH])


@pytest.mark.parametrize(("index", "size"), [(0, 0), (1, 0), (2, 1), (8, 8)])
def test_inclusion_fails_for_an_index_outside_the_tree(index, size):
    assert not verify_inclusion(index, size, LEAVES[0], [], ROOTS[1])


def test_single_leaf_tree_inclusion():
    assert verify_inclusion(0, 1, LEAVES[0], [], LEAVES[0])
    assert not verify_inclusion(0, 1, LEAVES[0], [], LEAVES[1])
    assert not verify_inclusion(0, 1, LEAVES[0], [LEAVES[1]], node_hash(LEAVES[1], LEAVES[0]))


def test_the_proof_does_not_bind_the_tree_size_the_signed_checkpoint_does():
    # Leaf 0 has the same audit path shape in trees of 5 and 6 leaves, so a size-5 proof also verifies
    # when the verifier is told "6" with the size-5 root. RFC 9162 behaves the same: callers must take
    # size and root together from one signed checkpoint, never from separate sources.
    path = inclusion_proof(0, LEAVES[:5])
    assert verify_inclusion(0, 5, LEAVES[0], path, ROOTS[5])
    assert verify_inclusion(0, 6, LEAVES[0], path, ROOTS[5])
    assert not verify_inclusion(0, 6, LEAVES[0], path, ROOTS[6])


# --- Input validation: shapes raise ValueError ---


@pytest.mark.parametrize(
    "call",
    [
        lambda: leaf_hash("text"),  # type: ignore[arg-type]
        lambda: leaf_hashes([b"bytes", "text"]),  # type: ignore[list-item]
        lambda: node_hash(LEAVES[0], b"short"),
        lambda: node_hash(b"", LEAVES[0]),
        lambda: root([LEAVES[0], b"x" * 31]),
        lambda: root(["not bytes" * 4]),  # type: ignore[list-item]
        lambda: inclusion_proof(-1, LEAVES),
        lambda: inclusion_proof(8, LEAVES),
        lambda: inclusion_proof(0, []),
        lambda: inclusion_proof(True, LEAVES),  # type: ignore[arg-type]
        lambda: consistency_proof(9, LEAVES),
        lambda: consistency_proof(-1, LEAVES),
        lambda: verify_inclusion(-1, 8, LEAVES[0], [], ROOTS[8]),
        lambda: verify_inclusion(0, -8, LEAVES[0], [], ROOTS[8]),
        lambda: verify_inclusion(0, 8, b"leaf", [], ROOTS[8]),
        lambda: verify_inclusion(0, 8, LEAVES[0], [b""], ROOTS[8]),
        lambda: verify_inclusion(0, 8, LEAVES[0], [], ROOTS[8][:-1]),
        lambda: verify_inclusion(0.0, 8, LEAVES[0], [], ROOTS[8]),  # type: ignore[arg-type]
        lambda: verify_consistency(-1, 8, ROOTS[1], ROOTS[8], []),
        lambda: verify_consistency(1, -8, ROOTS[1], ROOTS[8], []),
        lambda: verify_consistency(1, 8, b"", ROOTS[8], []),
        lambda: verify_consistency(1, 8, ROOTS[1], b"", []),
        lambda: verify_consistency(1, 8, ROOTS[1], ROOTS[8], [b"x" * 33]),
        lambda: CompactRange(-1, ()),
        lambda: CompactRange(3, (LEAVES[0],)),
        lambda: CompactRange(1, (b"x",)),
        lambda: CompactRange().append(b"x"),
    ],
)
def test_malformed_arguments_raise_value_error(call):
    with pytest.raises(ValueError, match=r"must be|outside|larger than|frontier"):
        call()


def test_compact_range_is_immutable_and_normalises_hashes_to_a_tuple():
    compact = CompactRange(2, [NODES[1][0]])  # type: ignore[arg-type]
    assert compact.hashes == (NODES[1][0],)
    assert compact.append(LEAVES[2]) != compact
    assert compact.size == 2
    with pytest.raises(AttributeError):
        compact.size = 3  # type: ignore[misc]


# --- Exhaustive small trees and Hypothesis properties ---


def test_every_consistency_pair_up_to_64_leaves():
    entries = entries_for(64)
    leaves = [leaf_hash(entry) for entry in entries]
    roots = [ref_mth(entries[:size]) for size in range(65)]
    for old, new in itertools.combinations_with_replacement(range(65), 2):
        proof = consistency_proof(old, leaves[:new])
        assert proof == ([] if old == 0 else ref_subproof(old, entries[:new], True))
        assert verify_consistency(old, new, roots[old], roots[new], proof)


@settings(max_examples=30, deadline=None)
@given(size=st.integers(1, 300), salt=st.binary(max_size=8))
def test_every_leaf_has_a_verifying_inclusion_proof(size, salt):
    entries = entries_for(size, salt)
    leaves = [leaf_hash(entry) for entry in entries]
    tree_root = root(leaves)
    assert tree_root == ref_mth(entries) == joined_root(b"".join(leaves))
    for index in range(size):
        proof = inclusion_proof(index, leaves)
        assert verify_inclusion(index, size, leaves[index], proof, tree_root)
    for index in {0, size // 2, size - 1}:
        assert inclusion_proof(index, leaves) == ref_path(index, entries)


@settings(max_examples=25, deadline=None)
@given(size=st.integers(1, 300), salt=st.binary(max_size=8))
def test_every_older_tree_has_a_verifying_consistency_proof(size, salt):
    leaves = [leaf_hash(entry) for entry in entries_for(size, salt)]
    roots = [CompactRange().root()]
    compact = CompactRange()
    for leaf in leaves:
        compact = compact.append(leaf)
        roots.append(compact.root())
    for old in range(size + 1):
        proof = consistency_proof(old, leaves)
        assert verify_consistency(old, size, roots[old], roots[size], proof)


@settings(max_examples=30, deadline=None)
@given(size=st.integers(1, 300), salt=st.binary(max_size=8))
def test_compact_range_root_equals_root_at_every_size(size, salt):
    entries = entries_for(size, salt)
    leaves = [leaf_hash(entry) for entry in entries]
    compact = CompactRange()
    for count in range(size + 1):
        assert compact.size == count
        assert len(compact.hashes) == count.bit_count()
        assert compact.root() == root(leaves[:count])
        if count < size:
            compact = compact.append(leaves[count])
    assert compact.root() == ref_mth(entries)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), size=st.integers(2, 300), salt=st.binary(max_size=8))
def test_any_tampering_breaks_an_inclusion_proof(data, size, salt):
    leaves = [leaf_hash(entry) for entry in entries_for(size, salt)]
    index = data.draw(st.integers(0, size - 1))
    proof = inclusion_proof(index, leaves)
    tree_root = root(leaves)
    bit = data.draw(st.integers(0, 255))
    assert verify_inclusion(index, size, leaves[index], proof, tree_root)
    assert not verify_inclusion(index, size, flip(leaves[index], bit), proof, tree_root)
    assert not verify_inclusion(index, size, leaves[index], proof, flip(tree_root, bit))
    position = data.draw(st.integers(0, len(proof) - 1))
    tampered = [*proof[:position], flip(proof[position], bit), *proof[position + 1 :]]
    assert not verify_inclusion(index, size, leaves[index], tampered, tree_root)
    other = data.draw(st.integers(0, size - 1).filter(lambda j: j != index))
    assert not verify_inclusion(other, size, leaves[index], proof, tree_root)
    assert not verify_inclusion(index, size * 2, leaves[index], proof, tree_root)
    assert not verify_inclusion(index, size, leaves[index], proof[:-1], tree_root)
    assert not verify_inclusion(index, size, leaves[index], [*proof, tree_root], tree_root)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), size=st.integers(2, 300), salt=st.binary(max_size=8))
def test_any_tampering_breaks_a_consistency_proof(data, size, salt):
    leaves = [leaf_hash(entry) for entry in entries_for(size, salt)]
    old = data.draw(st.integers(1, size - 1))
    proof = consistency_proof(old, leaves)
    old_root, new_root = root(leaves[:old]), root(leaves)
    bit = data.draw(st.integers(0, 255))
    assert verify_consistency(old, size, old_root, new_root, proof)
    assert not verify_consistency(old, size, flip(old_root, bit), new_root, proof)
    assert not verify_consistency(old, size, old_root, flip(new_root, bit), proof)
    position = data.draw(st.integers(0, len(proof) - 1))
    tampered = [*proof[:position], flip(proof[position], bit), *proof[position + 1 :]]
    assert not verify_consistency(old, size, old_root, new_root, tampered)
    assert not verify_consistency(old, size, old_root, new_root, proof[:-1])
    assert not verify_consistency(old, size, old_root, new_root, [*proof, new_root])
    assert not verify_consistency(old, size, new_root, old_root, proof)
    # A different leaf anywhere in the old part changes the old root, so the old tree is no prefix.
    changed = data.draw(st.integers(0, old - 1))
    forged = [*leaves[:changed], leaf_hash(b"forged"), *leaves[changed + 1 :]]
    assert not verify_consistency(old, size, root(forged[:old]), new_root, proof)
