"""``app.ledger.merkle.multi_root`` in C: the root a batch inclusion proof gives, pulling the leaves and the proof's
nodes from their iterators as the walk needs them (the same order, the same answers: tests/verifier/test_native.py
compares the two on random trees, proofs and misfits). The recursion, the splits and the hashing (OpenSSL's
SHA-256) run without the interpreter; only the items come from Python."""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_CheckExact, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.long cimport PyLong_CheckExact
from cpython.tuple cimport PyTuple_CheckExact, PyTuple_GET_ITEM, PyTuple_GET_SIZE
from libc.limits cimport LLONG_MAX
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy, memmove

from app.verifier._openssl cimport SHA256, SHA256_CTX, SHA256_Final, SHA256_Init, SHA256_Update

from app.ledger.merkle import _check_size

cdef enum:
    HASH_SIZE = 32
    MISFIT = -1  # the shapes do not fit: the root is None
    ERROR = -2  # a Python exception is set


cdef class _Walk:
    cdef object leaves
    cdef object nodes
    cdef object upcoming  # the next leaf item (index, hash), or None when the leaves are exhausted
    cdef long long up_index

    cdef int pull_leaf(self) except ERROR:
        """The next leaf item into ``upcoming``/``up_index``: MISFIT for an item that is not (int, bytes) with an
        index that fits in 64 bits and is non-negative (the reference's ``type(index) is not int`` and order checks
        then hold as well: an index it would refuse is refused here)."""
        cdef object item = next(self.leaves, None)
        self.upcoming = item
        if item is None:
            return 0
        if not PyTuple_CheckExact(item) or PyTuple_GET_SIZE(item) != 2:
            return MISFIT
        index = <object>PyTuple_GET_ITEM(item, 0)
        if not PyLong_CheckExact(index):
            return MISFIT
        try:
            self.up_index = index
        except OverflowError:  # beyond 64 bits: past any tree's size (an index ``>= size``), or negative
            if index < 0:
                return MISFIT
            self.up_index = LLONG_MAX
        if self.up_index < 0:
            return MISFIT
        return 0

    cdef int walk(self, long long low, long long n, unsigned char* out) except ERROR:
        cdef unsigned char buffer[1 + 2 * HASH_SIZE]
        cdef long long k, index
        cdef object node, leaf
        if self.upcoming is None or self.up_index >= low + n:
            node = next(self.nodes, None)  # no proven leaf below: the proof carries this subtree's hash
            if not PyBytes_CheckExact(node) or PyBytes_GET_SIZE(node) != HASH_SIZE:
                return MISFIT
            memcpy(out, PyBytes_AS_STRING(node), HASH_SIZE)
            return 0
        if n == 1:
            index = self.up_index
            leaf = <object>PyTuple_GET_ITEM(self.upcoming, 1)
            if index != low or not PyBytes_CheckExact(leaf) or PyBytes_GET_SIZE(leaf) != HASH_SIZE:
                return MISFIT
            memcpy(out, PyBytes_AS_STRING(leaf), HASH_SIZE)
            if self.pull_leaf() == MISFIT:
                return MISFIT
            if self.upcoming is not None and self.up_index <= index:
                return MISFIT
            return 0
        k = 1
        while k < n - k:  # the largest power of two below n (``k << 1 < n`` overflows for n > 2^62)
            k <<= 1
        buffer[0] = 1  # RFC 6962's node prefix
        if self.walk(low, k, buffer + 1) == MISFIT or self.walk(low + k, n - k, buffer + 1 + HASH_SIZE) == MISFIT:
            return MISFIT
        SHA256(buffer, 1 + 2 * HASH_SIZE, out)
        return 0


def multi_root(size, leaves, nodes):
    """``app.ledger.merkle.multi_root(size, leaves, nodes)``: the root, or None when the shapes do not fit."""
    cdef unsigned char root[HASH_SIZE]
    _check_size("size", size)
    cdef _Walk state = _Walk()
    state.leaves, state.nodes = iter(leaves), iter(nodes)
    if size > LLONG_MAX:  # (a tree of 2^63 leaves or more: the reference decides)
        from app.ledger.merkle import multi_root as reference

        return reference(size, state.leaves, state.nodes)
    if state.pull_leaf() == MISFIT or state.upcoming is None or size == 0:
        return None
    if state.walk(0, size, root) == MISFIT:
        return None
    if state.upcoming is not None or next(state.nodes, None) is not None:
        return None  # a leaf at or past ``size``, or nodes left over
    return PyBytes_FromStringAndSize(<char*>root, HASH_SIZE)


def leaves_root(data, Py_ssize_t width):
    """``merkle.joined_root(b"".join(merkle.leaf_hashes(items)))`` for the ``width``-byte items that ``data`` joins:
    the RFC 9162 root over them as leaf data, level by level in one buffer (each level's neighbours paired, an odd
    last node carried up)."""
    if not PyBytes_CheckExact(data) or width <= 0 or PyBytes_GET_SIZE(data) % width:
        raise ValueError(f"leaf data must be bytes of {width}-byte items")
    cdef Py_ssize_t count = PyBytes_GET_SIZE(data) // width, at, paired
    cdef const unsigned char* items = <const unsigned char*>PyBytes_AS_STRING(data)
    cdef unsigned char digest[HASH_SIZE]
    if count == 0:
        SHA256(NULL, 0, digest)  # RFC 9162: the empty tree's hash
        return PyBytes_FromStringAndSize(<char*>digest, HASH_SIZE)
    cdef unsigned char* level = <unsigned char*>malloc((count + 1) * HASH_SIZE + 1)
    if level == NULL:
        raise MemoryError()
    cdef SHA256_CTX context
    cdef unsigned char prefix = 0
    try:
        for at in range(count):
            SHA256_Init(&context)
            SHA256_Update(&context, &prefix, 1)
            SHA256_Update(&context, items + at * width, width)
            SHA256_Final(level + at * HASH_SIZE, &context)
        prefix = 1
        while count > 1:
            paired = count - count % 2
            for at in range(0, paired, 2):
                SHA256_Init(&context)
                SHA256_Update(&context, &prefix, 1)
                SHA256_Update(&context, level + at * HASH_SIZE, 2 * HASH_SIZE)
                SHA256_Final(level + (at // 2) * HASH_SIZE, &context)
            if count % 2:  # the odd last node, carried up unchanged
                memmove(level + (paired // 2) * HASH_SIZE, level + paired * HASH_SIZE, HASH_SIZE)
            count = (count + 1) // 2
        return PyBytes_FromStringAndSize(<char*>level, HASH_SIZE)
    finally:
        free(level)
