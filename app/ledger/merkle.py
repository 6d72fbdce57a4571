"""Merkle tree hashes, inclusion and consistency proofs of RFC 9162 §2.1 (identical to RFC 6962 §2.1), SHA-256.

* ``leaf_hash(d) = SHA-256(0x00 || d)`` and ``node_hash(l, r) = SHA-256(0x01 || l || r)`` (§2.1.1); the hash
  of the empty list is ``SHA-256("")``.
* ``root`` is MTH (§2.1.1): for n > 1 entries, with k the largest power of two smaller than n,
  ``MTH(D[n]) = node_hash(MTH(D[0:k]), MTH(D[k:n]))``.
* ``inclusion_proof`` is PATH (§2.1.3.1) and ``verify_inclusion`` is the verification algorithm of
  §2.1.3.2, step by step.
* ``consistency_proof`` is PROOF / SUBPROOF (§2.1.4.1) and ``verify_consistency`` is the algorithm of
  §2.1.4.2, step by step. The RFC defines both for ``0 < first < second`` only; for the edge cases this
  module follows SUBPROOF(m, D[m], true) = {}: with ``first == second`` the proof must be empty and the
  roots equal, and with ``first == 0`` the proof must be empty and the first root must be the empty-tree
  hash (every tree extends the empty tree, but a size-0 tree head with any other root is bogus).
* ``multi_inclusion_proof`` / ``multi_root`` / ``verify_multi_inclusion``: one batch proof for many leaves of one
  tree (RFC 9162 subtree hashing, §2.1.1): ``MPATH(S, D[n])`` for a set ``S`` of leaf indices is empty when
  ``n == 1`` and ``S = {0}``, ``[MTH(D[n])]`` when ``S`` is empty, and otherwise, with k the largest power of two
  smaller than n, ``MPATH(S ∩ [0, k), D[0:k]) ++ MPATH((S ∩ [k, n)) - k, D[k:n])``: the hashes of the maximal
  subtrees holding none of the leaves, left to right. Verification recomputes the root in the same recursion,
  each internal node on the leaves' paths hashed once (docs/evidence-formats.md §5.3).
* ``CompactRange`` keeps only the roots of the perfect subtrees of a tree ("frontier", one per set bit of
  its size), so an appender can extend the tree leaf by leaf in O(log n) memory and read the root at any
  size without reloading the leaves.

Functions take *leaf hashes* (``leaf_hash`` of each entry), not entries. Shapes are checked and raise
``ValueError`` (sizes are non-negative ints, hashes are 32 bytes, a proof is built only for an index or an
old size inside the tree); verification of a well-formed proof that does not prove the claim returns
``False`` and never raises (including ``index >= size`` and ``first > second``, which the RFC calls a
failed verification).

A proof binds the leaf to a root, not to a size: in some trees the same audit path also verifies under a
different claimed size with the same root (see the tests). Take size and root together from one signed
checkpoint (``app.ledger.note.Checkpoint``), never from separate sources.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """RFC 9162 §2.1.1: the hash of a leaf entry, ``SHA-256(0x00 || data)``."""
    if not isinstance(data, bytes):
        raise ValueError("leaf data must be bytes")
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def leaf_hashes(entries: Iterable[bytes]) -> list[bytes]:
    """``leaf_hash`` of each entry, in order: a copy of one hash state already fed the prefix per entry, which
    costs less than hashing the prefixed entry anew (a close hashes ~100,000 leaves)."""
    prefixed = hashlib.sha256(LEAF_PREFIX)
    hashes = []
    for data in entries:
        if not isinstance(data, bytes):
            raise ValueError("leaf data must be bytes")
        state = prefixed.copy()
        state.update(data)
        hashes.append(state.digest())
    return hashes


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 §2.1.1: the hash of an interior node, ``SHA-256(0x01 || left || right)``."""
    _check_hash("left", left)
    _check_hash("right", right)
    return _node(left, right)


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH of the tree whose leaves have these hashes (RFC 9162 §2.1.1); ``EMPTY_ROOT`` for no leaves."""
    return _mth(_check_hashes("leaf_hashes", leaf_hashes))


def joined_root(leaf_hashes: bytes) -> bytes:
    """``root`` of the leaf hashes joined in one bytes value (32 bytes each, in leaf order), as a database returns
    many at once."""
    if not isinstance(leaf_hashes, bytes) or len(leaf_hashes) % HASH_SIZE:
        raise ValueError(f"joined leaf hashes must be bytes, a multiple of {HASH_SIZE} long")
    return _joined_mth(leaf_hashes)


def inclusion_proof(index: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """PATH(index, D[n]) of RFC 9162 §2.1.3.1, the audit path of leaf ``index`` in the tree of ``leaf_hashes``."""
    hashes = _check_hashes("leaf_hashes", leaf_hashes)
    _check_size("index", index)
    if index >= len(hashes):
        raise ValueError(f"leaf index {index} is outside a tree of size {len(hashes)}")
    return _path(index, hashes)


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root_hash: bytes) -> bool:
    """RFC 9162 §2.1.3.2: does ``proof`` show that ``leaf`` is leaf ``index`` of the tree ``(size, root_hash)``?"""
    _check_size("index", index)
    _check_size("size", size)
    _check_hash("leaf", leaf)
    _check_hash("root_hash", root_hash)
    path = _check_hashes("proof", proof)
    # 1. leaf_index >= tree_size fails the verification.
    if index >= size:
        return False
    # 2. fn = leaf_index, sn = tree_size - 1.  3. r = hash.
    fn, sn, r = index, size - 1, leaf
    # 4. For each value p in the inclusion_path array:
    for p in path:
        step = inclusion_step(fn, sn, r, p)
        if step is None:
            return False
        fn, sn, r = step
    # 5. sn must be 0 and r must equal the root hash.
    return sn == 0 and r == root_hash


def inclusion_step(fn: int, sn: int, r: bytes, p: bytes) -> tuple[int, int, bytes] | None:
    """One element ``p`` of an inclusion path (RFC 9162 §2.1.3.2 step 4): the next ``(fn, sn, r)``, or None when
    the verification fails. Shared with the verifier's memoising check of many proofs of one tree."""
    # a. If sn is 0, stop the iteration and fail the proof verification.
    if sn == 0:
        return None
    # b. If LSB(fn) is set, or if fn is equal to sn:
    if fn & 1 or fn == sn:
        r = _node(p, r)
        # If LSB(fn) is not set, right-shift fn and sn equally until LSB(fn) is set or fn is 0.
        if not fn & 1:
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
    else:
        r = _node(r, p)
    # c. Finally, right-shift both fn and sn one time.
    return fn >> 1, sn >> 1, r


def consistency_proof(old_size: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) = SUBPROOF(m, D[n], true) of RFC 9162 §2.1.4.1; empty when m is 0 or n."""
    hashes = _check_hashes("leaf_hashes", leaf_hashes)
    _check_size("old_size", old_size)
    if old_size > len(hashes):
        raise ValueError(f"old size {old_size} is larger than the tree ({len(hashes)} leaves)")
    if old_size == 0:
        return []
    return _subproof(old_size, hashes, complete=True)


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> bool:
    """RFC 9162 §2.1.4.2: does ``proof`` show that tree ``(old_size, old_root)`` is a prefix of the new one?"""
    _check_size("old_size", old_size)
    _check_size("new_size", new_size)
    _check_hash("old_root", old_root)
    _check_hash("new_root", new_root)
    path = _check_hashes("proof", proof)
    if old_size > new_size:
        return False
    if old_size == new_size:
        return not path and old_root == new_root
    if old_size == 0:
        return not path and old_root == EMPTY_ROOT
    # 0 < first < second from here on.
    # 1. If consistency_path is an empty array, stop and fail the proof verification.
    if not path:
        return False
    # 2. If first is an exact power of 2, prepend first_hash to the consistency_path array.
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    # 3. fn = first - 1, sn = second - 1.
    fn, sn = old_size - 1, new_size - 1
    # 4. If LSB(fn) is set, right-shift fn and sn equally until LSB(fn) is not set.
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # 5. Set both fr and sr to the first value in the consistency_path array.
    fr = sr = path[0]
    # 6. For each subsequent value c in the consistency_path array:
    for c in path[1:]:
        # If sn is 0, stop the iteration and fail the proof verification.
        if sn == 0:
            return False
        # If LSB(fn) is set, or if fn is equal to sn:
        if fn & 1 or fn == sn:
            fr = _node(c, fr)
            sr = _node(c, sr)
            # If LSB(fn) is not set, right-shift fn and sn equally until LSB(fn) is set or fn is 0.
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = _node(sr, c)
        # Finally, right-shift both fn and sn one time.
        fn >>= 1
        sn >>= 1
    # 7. fr must equal first_hash, sr must equal second_hash, and sn must be 0.
    return fr == old_root and sr == new_root and sn == 0


def multi_inclusion_proof(indices: Sequence[int], leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """MPATH(S, D[n]) (module docstring): the batch proof of the leaves at ``indices`` (strictly increasing, at least
    one) in the tree of ``leaf_hashes``."""
    hashes = _check_hashes("leaf_hashes", leaf_hashes)
    wanted = _check_indices(indices, len(hashes))
    proof: list[bytes] = []

    def walk(low: int, n: int, first: int, end: int) -> None:  # wanted[first:end] are the leaves in [low, low + n)
        if first == end:
            proof.append(_mth(hashes[low : low + n]))
        elif n > 1:
            k = _split(n)
            middle = bisect_left(wanted, low + k, first, end)
            walk(low, k, first, middle)
            walk(low + k, n - k, middle, end)

    walk(0, len(hashes), 0, len(wanted))
    return proof


def multi_root(size: int, leaves: Iterable[tuple[int, bytes]], nodes: Iterable[bytes]) -> bytes | None:
    """The root that the batch proof ``nodes`` (MPATH, module docstring) gives the tree of ``size`` leaves with
    ``leaves`` = (index, leaf hash) in strictly increasing index order, or None when the shapes do not fit: no
    leaf, an index out of order or ``>= size``, a node that is not 32 bytes, too few or too many nodes.

    Both are consumed as iterators, one item at a time, in the order the recursion needs them, so a caller may
    stream them (and do its own work per leaf as the recursion pulls it)."""
    _check_size("size", size)
    leaf_items, node_items = iter(leaves), iter(nodes)
    upcoming = next(leaf_items, None)
    if upcoming is None or size == 0:
        return None
    sha256 = hashlib.sha256

    class _Misfit(Exception):
        pass

    # One call per node on the leaves' paths (~7 per leaf of a vote in a large log): the proof's next node and the
    # split are inlined, not calls of their own.
    def walk(low: int, n: int) -> bytes:
        nonlocal upcoming
        if upcoming is None or upcoming[0] >= low + n:
            node = next(node_items, None)  # no proven leaf below: the proof carries this subtree's hash
            if type(node) is not bytes or len(node) != HASH_SIZE:
                raise _Misfit
            return node
        if n == 1:
            index, leaf = upcoming
            if type(index) is not int or index != low or type(leaf) is not bytes or len(leaf) != HASH_SIZE:
                raise _Misfit  # an index out of order (below low), not an int, or a malformed hash
            following = next(leaf_items, None)
            if following is not None and (type(following[0]) is not int or following[0] <= index):
                raise _Misfit
            upcoming = following
            return leaf
        k = 1 << ((n - 1).bit_length() - 1)  # ``_split(n)``
        left = walk(low, k)
        return sha256(NODE_PREFIX + left + walk(low + k, n - k)).digest()

    try:
        if type(upcoming[0]) is not int or upcoming[0] < 0:
            return None
        result = walk(0, size)
    except _Misfit:
        return None
    if upcoming is not None or next(node_items, None) is not None:
        return None  # a leaf at or past ``size``, or nodes left over
    return result


def verify_multi_inclusion(
    size: int, leaves: Sequence[tuple[int, bytes]], proof: Sequence[bytes], root_hash: bytes
) -> bool:
    """Does the batch proof show that each ``(index, leaf hash)`` is that leaf of the tree ``(size, root_hash)``?"""
    _check_hash("root_hash", root_hash)
    return multi_root(size, leaves, proof) == root_hash


@dataclass(frozen=True, slots=True)
class CompactRange:
    """The frontier of a tree: the roots of its perfect subtrees, largest (leftmost) first.

    ``hashes[i]`` is the root of a perfect subtree of ``2^b`` leaves for each set bit ``b`` of ``size``, from
    the highest bit down, so the whole state is ``popcount(size) <= 64`` hashes. Immutable: ``append`` and
    ``extend`` return a new range.
    """

    size: int = 0
    hashes: tuple[bytes, ...] = ()

    def __post_init__(self) -> None:
        _check_size("size", self.size)
        object.__setattr__(self, "hashes", tuple(_check_hashes("hashes", self.hashes)))
        if len(self.hashes) != self.size.bit_count():
            raise ValueError(f"a tree of size {self.size} has {self.size.bit_count()} frontier hashes")

    def append(self, leaf: bytes) -> CompactRange:
        """The range with one more leaf (given as its leaf hash): merges equal-sized subtrees, O(log n)."""
        return self.extend((leaf,))

    def extend(self, leaf_hashes: Iterable[bytes]) -> CompactRange:
        """The range with these leaves (leaf hashes) appended, in order."""
        frontier = list(self.hashes)
        size = self.size
        for leaf in _check_hashes("leaf_hashes", leaf_hashes):
            _push(frontier, size, leaf)
            size += 1
        return CompactRange(size, tuple(frontier))

    def root(self) -> bytes:
        """MTH of the tree at ``size``: the frontier folded from the right (RFC 9162 §2.1.1 split rule)."""
        return _fold(self.hashes)


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def _push(frontier: list[bytes], size: int, leaf: bytes) -> None:
    """Append a leaf to the frontier of a tree of ``size`` leaves: merge while the low bits of size are set."""
    carry = leaf
    while size & 1:
        carry = _node(frontier.pop(), carry)
        size >>= 1
    frontier.append(carry)


def _fold(frontier: Sequence[bytes]) -> bytes:
    """MTH from a frontier: for n = 2^a + 2^b + ... (a > b > ...), MTH = node(H_a, node(H_b, ...))."""
    if not frontier:
        return EMPTY_ROOT
    result = frontier[-1]
    for left in reversed(frontier[:-1]):
        result = _node(left, result)
    return result


def _mth(hashes: Sequence[bytes]) -> bytes:
    return _joined_mth(b"".join(hashes))


def _joined_mth(level: bytes) -> bytes:
    """MTH of the leaf hashes joined in ``level``, level by level: pair neighbours, carry an odd last node up
    unchanged. That is the RFC 9162 split rule (the left subtree is the largest perfect one); each level is one
    bytes object, each pair read through a memoryview, so no object per leaf is made (a close builds the counted
    set over ~100,000 leaves)."""
    if not level:
        return EMPTY_ROOT
    prefixed = hashlib.sha256(NODE_PREFIX)  # copied per node: cheaper than hashing the prefixed pair anew
    pair = 2 * HASH_SIZE
    while len(level) > HASH_SIZE:
        view = memoryview(level)
        paired = len(level) - len(level) % pair
        nodes = []
        for start in range(0, paired, pair):
            state = prefixed.copy()
            state.update(view[start : start + pair])
            nodes.append(state.digest())
        nodes.append(level[paired:])  # the odd last node carried up (empty when the level pairs up)
        level = b"".join(nodes)
    return level


def _path(m: int, hashes: Sequence[bytes]) -> list[bytes]:
    n = len(hashes)
    if n == 1:
        return []
    k = _split(n)
    if m < k:
        return [*_path(m, hashes[:k]), _mth(hashes[k:])]
    return [*_path(m - k, hashes[k:]), _mth(hashes[:k])]


def _subproof(m: int, hashes: Sequence[bytes], *, complete: bool) -> list[bytes]:
    n = len(hashes)
    if m == n:
        return [] if complete else [_mth(hashes)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, hashes[:k], complete=complete), _mth(hashes[k:])]
    return [*_subproof(m - k, hashes[k:], complete=False), _mth(hashes[:k])]


def _check_size(name: str, value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, not {value!r}")


def _check_indices(indices: Sequence[int], size: int) -> list[int]:
    wanted = list(indices)
    for index in wanted:
        _check_size("index", index)
    if not wanted or any(b <= a for a, b in pairwise(wanted)) or wanted[-1] >= size:
        raise ValueError(f"leaf indices must be at least one, strictly increasing and inside a tree of size {size}")
    return wanted


def _check_hash(name: str, value: bytes) -> None:
    if not isinstance(value, bytes) or len(value) != HASH_SIZE:
        raise ValueError(f"{name} must be a {HASH_SIZE}-byte hash")


def _check_hashes(name: str, values: Iterable[bytes]) -> list[bytes]:
    hashes = list(values)
    for position, value in enumerate(hashes):
        if not isinstance(value, bytes) or len(value) != HASH_SIZE:  # named only when wrong (~100,000 per close)
            _check_hash(f"{name}[{position}]", value)
    return hashes
