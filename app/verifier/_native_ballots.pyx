"""The ballots' process's counted runs in C: ``_Verifier._counted_run``'s work on each line (its reference, which
tests/verifier/test_native_ballots.py compares it with), for the lines of a block pulled from the stream.

A line is taken as the reference takes it, from its bytes: the members after its answers matched as
``_COUNTED_TAIL`` matches them, its commitment's preimage made of the line's own bytes and hashed (OpenSSL's
SHA-256), equal to its content hash in lowercase hex, the group found and marked in ``GroupAreas``' arrays, counted in
the run's tally (the reference's, its keys in the same order: ``_Tally``) and spread as the reference spreads it
(``spread``), its side of the agreement and its commitment kept for the caller. What the reference does in Python on the way (a date not seen yet, answers not seen yet, a
cast_at in another format, a roll kept by id) is the verifier's own methods called from here, in the same order, so
the state left is the reference's. A line the reference leaves (``left``) is left with the same effects.

A line's answers new to the tally are made of answers already checked (``_answers_of``) when its bytes are the
topics' names and such answers' bytes in canonical order: ``_Segments`` holds the bytes of each answer the verifier
knows (``answer_keys``) once a line held it, and the tuple the reference would make of them is made without parsing.
"""

from cpython.bytearray cimport PyByteArray_AS_STRING, PyByteArray_GET_SIZE, PyByteArray_Resize
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.dict cimport PyDict_GetItemWithError, PyDict_SetDefault, PyDict_SetItem
from cpython.long cimport PyLong_AsLongLongAndOverflow, PyLong_FromLongLong
from cpython.ref cimport Py_INCREF, PyObject
from cpython.tuple cimport PyTuple_New, PyTuple_SET_ITEM
from libc.stdint cimport uint64_t
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcmp, memcpy, memset

cdef extern from "string.h" nogil:
    void* memrchr(const void* s, int c, size_t n)  # glibc's (Python.h defines _GNU_SOURCE)

from app.verifier._openssl cimport SHA256_CTX, SHA256_Final, SHA256_Init, SHA256_Update

import os

cdef enum:
    HASH_SIZE = 32
    DATE_SIZE = 10
    CAST_AT_SIZE = 32  # ``YYYY-MM-DDTHH:MM:SS.ffffff+00:00``
    NONCE_SIZE = 32
    STOP = -1  # the line is left (``left``): the reference breaks there

# ``_PLAIN``: printable ASCII but ``"`` and ``\``, a string's bytes that are its JSON text
cdef unsigned char PLAIN[256]
for _byte in range(256):
    PLAIN[_byte] = _byte == 0x20 or _byte == 0x21 or 0x23 <= _byte <= 0x5B or 0x5D <= _byte <= 0x7E
cdef unsigned char LOWER_HEX[256]
for _byte in range(256):
    LOWER_HEX[_byte] = 0x30 <= _byte <= 0x39 or 0x61 <= _byte <= 0x66
cdef const char* HEX_DIGITS = b"0123456789abcdef"
cdef const char* TIME_FORM = b"dddd-dd-ddTdd:dd:dd.dddddd+00:00"  # d: a digit (hours, minutes, seconds below)

# ``_COUNTED_TAIL``'s literals, in order
cdef bytes AT_ENTRY = b'},"audit_entry_id":"'
cdef bytes AT_BALLOT = b'","ballot_id":"'
cdef bytes AT_BASIS = b'","basis":"'  # its first byte closes the ballot id, the rest opens ``fields``
cdef bytes AT_CAST = b'","cast_at":"'
cdef bytes AT_CHANNEL = b'","channel":"'
cdef bytes AT_HASH = b'","content_hash":"'  # likewise: its first byte closes ``fields``
cdef bytes AT_GROUP = b'","group_id":"'
cdef bytes AT_NONCE = b'","nonce":"'
cdef bytes AT_END = b'","scan_sha256":null,"status":"COUNTED","void_reason":null}'
# ``_AGREEMENT_LINE``'s literals
cdef bytes AGREE_OPEN = b'["'
cdef bytes AGREE_HASH = b'",true,null,"'
cdef bytes AGREE_NEXT = b'","'
cdef bytes AGREE_CLOSE = b'"]\n'
cdef bytes NONCE_AT = b'","nonce":"'  # ``_COMMITMENT_NONCE``


cdef inline bint _at(const unsigned char* s, Py_ssize_t n, Py_ssize_t p, bytes literal) noexcept:
    """Whether ``literal`` is at ``s[p:]``."""
    cdef Py_ssize_t size = PyBytes_GET_SIZE(literal)
    return p + size <= n and memcmp(s + p, PyBytes_AS_STRING(literal), size) == 0


cdef inline Py_ssize_t _plain(const unsigned char* s, Py_ssize_t n, Py_ssize_t p) noexcept:
    """The end of the run of plain bytes from ``p``."""
    while p < n and PLAIN[s[p]]:
        p += 1
    return p


cdef Py_ssize_t _last(const unsigned char* s, Py_ssize_t n, bytes literal) noexcept:
    """Where the last ``literal`` (one that begins with ``}``) in ``s`` begins, as ``bytes.rfind``; -1 for none."""
    cdef Py_ssize_t end = n - PyBytes_GET_SIZE(literal) + 1  # a candidate begins before it
    cdef const unsigned char* found
    while end > 0:
        found = <const unsigned char*>memrchr(s, b"}", end)
        if found is NULL:
            return -1
        end = found - s
        if _at(s, n, end, literal):
            return end
    return -1


cdef inline int _compare(const char* a, Py_ssize_t a_size, const char* b, Py_ssize_t b_size) noexcept:
    """Bytes order (as ``bytes`` compare): negative, zero or positive."""
    cdef int order = memcmp(a, b, a_size if a_size < b_size else b_size)
    if order:
        return order
    return (a_size > b_size) - (a_size < b_size)


cdef inline bint _digit(unsigned char c) noexcept:
    return 0x30 <= c <= 0x39


cdef bint _server_time(const unsigned char* t, Py_ssize_t size) noexcept:
    """Whether a cast_at is in ``_COUNTED_TAIL``'s own format (the ``date`` group matches): ``YYYY-MM-DD``, ``T``,
    hours 00-23, minutes and seconds 00-59, six digits of microseconds, ``+00:00``."""
    cdef Py_ssize_t at
    if size != CAST_AT_SIZE:
        return False
    for at in range(CAST_AT_SIZE):
        if TIME_FORM[at] == b"d":
            if not _digit(t[at]):
                return False
        elif TIME_FORM[at] != t[at]:
            return False
    if t[11] > b"2" or (t[11] == b"2" and t[12] > b"3"):
        return False
    return t[14] <= b"5" and t[17] <= b"5"


cdef Py_ssize_t _value_end(const unsigned char* s, Py_ssize_t n, Py_ssize_t p) noexcept:
    """Where the JSON value at ``p`` would end (a string, an object or an array by its brackets outside strings, a
    scalar at the next ``,``, ``}`` or ``]``); -1 when it does not. Not a validation: what it finds counts only as
    bytes an answer already checked had (``_Segments``)."""
    cdef Py_ssize_t depth = 0
    cdef bint text = False
    cdef unsigned char c
    if p >= n:
        return -1
    c = s[p]
    if c != b"{" and c != b"[" and c != b'"':
        while p < n and s[p] != b"," and s[p] != b"}" and s[p] != b"]":
            p += 1
        return p
    while p < n:
        c = s[p]
        if text:
            if c == b"\\":
                p += 1
            elif c == b'"':
                text = False
                if depth == 0:
                    return p + 1
        elif c == b'"':
            text = True
        elif c == b"{" or c == b"[":
            depth += 1
        elif c == b"}" or c == b"]":
            depth -= 1
            if depth == 0:
                return p + 1
        p += 1
    return -1


cdef uint64_t SEED = int.from_bytes(os.urandom(8))  # a forger's bytes do not choose the tables' collisions


cdef inline uint64_t _hash(const unsigned char* s, Py_ssize_t n, uint64_t h) noexcept:
    """A 64-bit hash of the bytes (with ``h`` folded in), in four lanes of 8 bytes: the tables' own, not stored."""
    cdef uint64_t word, lanes[4]
    cdef Py_ssize_t at = 0, lane
    lanes[0], lanes[1], lanes[2], lanes[3] = SEED ^ h, SEED + <uint64_t>n, ~SEED, SEED ^ 0x5851F42D4C957F2DULL
    while at + 32 <= n:
        for lane in range(4):
            memcpy(&word, s + at + 8 * lane, 8)
            lanes[lane] = (lanes[lane] ^ word) * 0x9E3779B97F4A7C15ULL
            lanes[lane] ^= lanes[lane] >> 29
        at += 32
    while at + 8 <= n:
        memcpy(&word, s + at, 8)
        lanes[0] = (lanes[0] ^ word) * 0x9E3779B97F4A7C15ULL
        lanes[0] ^= lanes[0] >> 29
        at += 8
    word = 0
    memcpy(&word, s + at, n - at)
    h = (lanes[0] ^ word) * 0xBF58476D1CE4E5B9ULL
    h = (h ^ (h >> 31) ^ lanes[1]) * 0x94D049BB133111EBULL
    h = (h ^ (h >> 31) ^ lanes[2]) * 0xBF58476D1CE4E5B9ULL
    h = (h ^ (h >> 31) ^ lanes[3]) * 0x94D049BB133111EBULL
    return h ^ (h >> 31)


cdef struct _Slot:
    const unsigned char* data  # an answer's bytes (a ``bytes`` kept by ``_Segments.kept``), NULL when free
    Py_ssize_t size
    uint64_t hash
    PyObject* pair  # its (key, value) in ``answer_keys`` (kept by ``_Segments.kept``)


cdef class _Segments:
    """The bytes of each answer ``_answers_of`` checked and ``answer_keys`` holds, and the (key, value) it gives for
    them: a table of at most as many entries as ``answer_keys`` (``_KNOWN_ANSWERS``)."""
    cdef _Slot* slots
    cdef Py_ssize_t capacity, count
    cdef list kept

    def __cinit__(self):
        self.capacity, self.count, self.kept = 64, 0, []
        self.slots = <_Slot*>malloc(self.capacity * sizeof(_Slot))
        if self.slots is NULL:
            raise MemoryError()
        for at in range(self.capacity):
            self.slots[at].data = NULL

    def __dealloc__(self):
        free(self.slots)

    cdef PyObject* find(self, const unsigned char* s, Py_ssize_t n) noexcept:
        cdef uint64_t h = _hash(s, n, 0)
        cdef Py_ssize_t at = <Py_ssize_t>(h & <uint64_t>(self.capacity - 1))
        while self.slots[at].data is not NULL:
            if self.slots[at].hash == h and self.slots[at].size == n and memcmp(self.slots[at].data, s, n) == 0:
                return self.slots[at].pair
            at = (at + 1) & (self.capacity - 1)
        return NULL

    cdef int _put(self, const unsigned char* s, Py_ssize_t n, uint64_t h, PyObject* pair) noexcept:
        cdef Py_ssize_t at = <Py_ssize_t>(h & <uint64_t>(self.capacity - 1))
        while self.slots[at].data is not NULL:
            at = (at + 1) & (self.capacity - 1)
        self.slots[at].data, self.slots[at].size, self.slots[at].hash, self.slots[at].pair = s, n, h, pair
        return 0

    cdef int add(self, bytes segment, tuple pair) except -1:
        cdef const unsigned char* s = <const unsigned char*>PyBytes_AS_STRING(segment)
        cdef Py_ssize_t n = PyBytes_GET_SIZE(segment)
        cdef _Slot* old
        cdef Py_ssize_t old_capacity, at
        if self.find(s, n) is not NULL:
            return 0
        if 2 * (self.count + 1) > self.capacity:
            old, old_capacity = self.slots, self.capacity
            self.slots = <_Slot*>malloc(2 * old_capacity * sizeof(_Slot))
            if self.slots is NULL:
                self.slots = old
                raise MemoryError()
            self.capacity = 2 * old_capacity
            for at in range(self.capacity):
                self.slots[at].data = NULL
            for at in range(old_capacity):
                if old[at].data is not NULL:
                    self._put(old[at].data, old[at].size, old[at].hash, old[at].pair)
            free(old)
        self.kept.append((segment, pair))
        self._put(s, n, _hash(s, n, 0), <PyObject*>pair)
        self.count += 1
        return 0


cdef class _Buffer:
    """Bytes appended in C, handed over a block at a time."""
    cdef char* data
    cdef Py_ssize_t size, capacity

    def __dealloc__(self):
        free(self.data)

    cdef char* grow(self, Py_ssize_t more) except NULL:
        cdef Py_ssize_t wanted = self.size + more
        cdef char* data
        if wanted > self.capacity:
            wanted = max(wanted, 2 * self.capacity, 1 << 16)
            data = <char*>realloc(self.data, wanted)
            if data is NULL:
                raise MemoryError()
            self.data, self.capacity = data, wanted
        return self.data + self.size

    cdef inline void put(self, const void* s, Py_ssize_t n) noexcept:  # after ``grow`` by at least ``n``
        memcpy(self.data + self.size, s, n)
        self.size += n

    cdef inline void put_bytes(self, bytes literal) noexcept:
        self.put(PyBytes_AS_STRING(literal), PyBytes_GET_SIZE(literal))


cdef struct _Entry:
    PyObject* head  # a head (``{"answers":`` and the answers' bytes) kept by ``_Tally.heads``, NULL when free
    PyObject* entry  # its [count, area, answers, paper] in ``_Tally.entries``
    uint64_t hash
    bint paper


cdef class _Tally:
    """A run's tally: ``_counted_run``'s dict as its values in the order their keys came (``entries``: count, area,
    answers, paper flag), looked up by the key's bytes (the head, and the paper flag) in a table of its own."""
    cdef list entries, heads
    cdef _Entry* slots
    cdef Py_ssize_t capacity

    def __cinit__(self):
        self.entries, self.heads, self.capacity = [], [], 1 << 10
        self.slots = <_Entry*>malloc(self.capacity * sizeof(_Entry))
        if self.slots is NULL:
            raise MemoryError()
        memset(self.slots, 0, self.capacity * sizeof(_Entry))

    def __dealloc__(self):
        free(self.slots)

    cdef int clear(self) except -1:
        """Emptied: nothing to do when it is empty (each run starts so), and a table grown past its first size made
        small again when it held few keys (a run of a line or two would else zero the grown table twice)."""
        cdef _Entry* slots
        if not self.entries:
            return 0
        if self.capacity > 1 << 10 and 8 * len(self.entries) < self.capacity:
            slots = <_Entry*>malloc((1 << 10) * sizeof(_Entry))
            if slots is NULL:
                raise MemoryError()
            free(self.slots)
            self.slots, self.capacity = slots, 1 << 10
        memset(self.slots, 0, self.capacity * sizeof(_Entry))
        del self.entries[:]
        del self.heads[:]
        return 0

    cdef PyObject* find(self, const unsigned char* head, Py_ssize_t n, bint paper, uint64_t h) noexcept:
        cdef Py_ssize_t at = <Py_ssize_t>(h & <uint64_t>(self.capacity - 1))
        cdef _Entry* slot
        while self.slots[at].head is not NULL:
            slot = &self.slots[at]
            if slot.hash == h and slot.paper == paper and PyBytes_GET_SIZE(<object>slot.head) == n:
                if memcmp(PyBytes_AS_STRING(<object>slot.head), head, n) == 0:
                    return slot.entry
            at = (at + 1) & (self.capacity - 1)
        return NULL

    cdef void _put(self, _Entry* entry) noexcept:
        cdef Py_ssize_t at = <Py_ssize_t>(entry.hash & <uint64_t>(self.capacity - 1))
        while self.slots[at].head is not NULL:
            at = (at + 1) & (self.capacity - 1)
        self.slots[at] = entry[0]

    cdef int add(self, bytes head, bint paper, list entry, uint64_t h) except -1:
        cdef _Entry* old
        cdef _Entry added
        cdef Py_ssize_t old_capacity, at
        if 2 * (len(self.entries) + 1) > self.capacity:
            old, old_capacity = self.slots, self.capacity
            self.slots = <_Entry*>malloc(2 * old_capacity * sizeof(_Entry))
            if self.slots is NULL:
                self.slots = old
                raise MemoryError()
            self.capacity = 2 * old_capacity
            memset(self.slots, 0, self.capacity * sizeof(_Entry))
            for at in range(old_capacity):
                if old[at].head is not NULL:
                    self._put(&old[at])
            free(old)
        self.entries.append(entry)
        self.heads.append(head)
        added.head, added.entry, added.hash, added.paper = <PyObject*>head, <PyObject*>entry, h, paper
        self._put(&added)
        return 0


cdef class CountedLines:
    """``_counted_run``'s work on a block of lines, for one ``_ballot_lines``: ``start`` a run, then ``take`` a
    block's lines from ``at`` (at most ``limit`` of them) until the first the run leaves; ``spread`` the run's tally
    past a size (``_spread``), ``extremes`` the run's earliest and latest cast_at in the server's format with their
    ballot ids (the reference's locals).

    ``verifier`` is the ``_Verifier`` whose state the run changes, as ``_counted_run`` does: ``cast_dates``,
    ``_cast_date``, ``_answers_of``, ``answer_keys``, ``group_area``, ``agreement``, ``_merge_extremes``,
    ``_cast_extremes``; ``instant``, ``dumps``, ``domain`` and ``topics`` are checks' ``_instant``,
    ``_dumps_sorted``, ``_COMMITMENT_DOMAIN`` and the topics' ids (``topic_ids``: ``_answers_of``'s order)."""
    cdef object dates, check_date, answers_of, known, group_area, claim, update, merge, cast, instant, dumps
    cdef bytes domain, vote_end, earliest, early_id, latest, late_id
    cdef _Tally tally
    cdef list prefixes  # each topic's ``"name":`` in name order (the first after ``{"answers":{``, then a comma)
    cdef list places  # each of them's place in ``topics`` (and in ``_answers_of``'s tuple)
    cdef _Segments segments
    cdef _Buffer agreed, digests
    cdef unsigned char last_date[DATE_SIZE]  # the last date found in ``cast_dates`` (it only grows)
    cdef bint dated

    def __init__(self, verifier, instant, dumps, bytes domain, topics):
        self.dates, self.check_date = verifier.cast_dates, verifier._cast_date
        self.answers_of, self.known = verifier._answers_of, verifier.answer_keys
        self.group_area, self.claim = verifier.group_area, verifier.group_area.claim_key
        self.update = verifier.agreement.update
        self.merge, self.cast = verifier._merge_extremes, verifier._cast_extremes
        self.instant, self.dumps, self.domain = instant, dumps, domain
        self.vote_end = b'","vote_id":"' + verifier.vote_bytes + b'"}'
        self.prefixes, self.places = [], sorted(range(len(topics)), key=topics.__getitem__)
        for place in self.places:
            self.prefixes.append((b'{"answers":{' if not self.prefixes else b",") + dumps(topics[place]) + b":")
        self.segments, self.agreed, self.digests = _Segments(), _Buffer(), _Buffer()
        self.dated, self.tally = False, _Tally()
        self.start()

    def start(self):
        """A new run (``_counted_run``): its tally empty, its extremes as the reference's locals start."""
        self.tally.clear()
        self.earliest, self.early_id, self.latest, self.late_id = b"\xff", b"", b"", b""

    def spread(self, list sums, list participating, dict values, Py_ssize_t above):
        """The tally spread (``spread``) and emptied when it holds more than ``above`` keys."""
        if len(self.tally.entries) > above:
            spread(self.tally.entries, sums, participating, values)
            self.tally.clear()

    def extremes(self):
        """The run's earliest cast_at and its ballot id, its latest and its ballot id (``b""`` for none)."""
        return self.earliest, self.early_id, self.latest, self.late_id

    cdef object _answers(self, const unsigned char* h, Py_ssize_t n):
        """``_answers_of``'s tuple for a head made of known answers' bytes (``_Segments``), or None."""
        cdef Py_ssize_t p = 0, end, count = len(self.prefixes), at
        cdef bytes prefix
        cdef PyObject* pair
        cdef tuple answers
        if not count:
            return None
        answers = PyTuple_New(count)
        for at in range(count):
            prefix = <bytes>self.prefixes[at]
            if not _at(h, n, p, prefix):
                return None
            p += PyBytes_GET_SIZE(prefix)
            end = _value_end(h, n, p)
            if end < 0:
                return None
            pair = self.segments.find(h + p, end - p)
            if pair is NULL:
                return None
            Py_INCREF(<object>pair)
            PyTuple_SET_ITEM(answers, <Py_ssize_t>self.places[at], <object>pair)
            p = end
        if p != n - 1 or h[p] != b"}":
            return None
        return answers

    cdef int _learn(self, bytes head, tuple answers) except -1:
        """The answers ``_answers_of`` made of a head: each one's bytes kept (``_Segments``) when the head is the
        topics' names and their bytes as ``dumps`` writes them, and ``answer_keys`` holds that (key, value)."""
        if len(answers) != len(self.prefixes) or not answers:
            return 0
        parts, texts, pairs = [], [], [answers[place] for place in self.places]
        for prefix, pair in zip(self.prefixes, pairs):
            try:
                text = self.dumps(pair[1])
            except Exception:  # no JSON form: not kept
                return 0
            parts += (prefix, text)
            texts.append(text)
        parts.append(b"}")
        if b"".join(parts) != head:
            return 0
        for text, pair in zip(texts, pairs):
            value = pair[1]
            if self.known.get(value if type(value) is str else text) is pair:
                self.segments.add(text, pair)
        return 0

    def take(self, list lines, Py_ssize_t at, Py_ssize_t limit, bytearray digests):
        """``_counted_run``'s loop over ``lines[at:]``, at most ``limit`` lines taken: (where it stopped, lines
        taken, whether ``lines[stopped]`` is left). The taken lines' side of the agreement is handed to the agreement
        digest, their commitments' digests appended to ``digests``."""
        cdef Py_ssize_t count = len(lines), taken = 0, n, end, p, entry, entry_end, ballot, ballot_end, fields
        cdef Py_ssize_t fields_end, basis, basis_end, cast_at, cast_end, channel, channel_end, content, group
        cdef Py_ssize_t group_end, nonce, position, width = 0, groups = 0
        cdef uint64_t hash
        cdef const unsigned char* s
        cdef unsigned char raw[HASH_SIZE]
        cdef SHA256_CTX context
        cdef char hexed[2 * HASH_SIZE]
        cdef bytes line, head
        cdef object entry_list, answers, area
        cdef PyObject* found
        cdef bint paper, dated, stopped = False
        cdef const char* early = PyBytes_AS_STRING(self.earliest)
        cdef const char* early_id = PyBytes_AS_STRING(self.early_id)
        cdef const char* late = PyBytes_AS_STRING(self.latest)
        cdef const char* late_id = PyBytes_AS_STRING(self.late_id)
        cdef Py_ssize_t early_size = PyBytes_GET_SIZE(self.earliest), early_id_size = PyBytes_GET_SIZE(self.early_id)
        cdef Py_ssize_t late_size = PyBytes_GET_SIZE(self.latest), late_id_size = PyBytes_GET_SIZE(self.late_id)
        cdef const unsigned char[::1] ids
        cdef const unsigned long long[::1] keys
        cdef unsigned char[::1] marks
        cdef const long long[::1] areas
        arrays = self.group_area.arrays()
        if arrays is not None:
            width, ids, keys, marks, areas = arrays
            groups = keys.shape[0]
        self.agreed.size = self.digests.size = 0
        try:
            while at < count and taken < limit:
                item = lines[at]
                if type(item) is not bytes:
                    raise TypeError(f"a line is bytes, not {type(item).__name__}")
                line = <bytes>item
                s, n = <const unsigned char*>PyBytes_AS_STRING(line), PyBytes_GET_SIZE(line)
                # the members after the answers, byte for byte (``_COUNTED_TAIL``, from the last ``_COUNTED_TAIL_AT``)
                end = _last(s, n, AT_ENTRY)
                if end < 0:
                    stopped = True
                    break
                entry = end + PyBytes_GET_SIZE(AT_ENTRY)
                entry_end = _plain(s, n, entry)
                if not _at(s, n, entry_end, AT_BALLOT):
                    stopped = True
                    break
                ballot = entry_end + PyBytes_GET_SIZE(AT_BALLOT)
                ballot_end = _plain(s, n, ballot)
                if not _at(s, n, ballot_end, AT_BASIS):
                    stopped = True
                    break
                fields = ballot_end + 1
                basis = ballot_end + PyBytes_GET_SIZE(AT_BASIS)
                basis_end = _plain(s, n, basis)
                if not _at(s, n, basis_end, AT_CAST):
                    stopped = True
                    break
                cast_at = basis_end + PyBytes_GET_SIZE(AT_CAST)
                cast_end = _plain(s, n, cast_at)
                if not _at(s, n, cast_end, AT_CHANNEL):
                    stopped = True
                    break
                channel = cast_end + PyBytes_GET_SIZE(AT_CHANNEL)
                channel_end = _plain(s, n, channel)
                if not _at(s, n, channel_end, AT_HASH):
                    stopped = True
                    break
                fields_end = channel_end + 1
                content = channel_end + PyBytes_GET_SIZE(AT_HASH)
                if not _at(s, n, content + 2 * HASH_SIZE, AT_GROUP):
                    stopped = True
                    break
                group = content + 2 * HASH_SIZE + PyBytes_GET_SIZE(AT_GROUP)
                group_end = _plain(s, n, group)
                if not _at(s, n, group_end, AT_NONCE):
                    stopped = True
                    break
                nonce = group_end + PyBytes_GET_SIZE(AT_NONCE)
                if nonce + NONCE_SIZE + PyBytes_GET_SIZE(AT_END) != n or not _at(s, n, nonce + NONCE_SIZE, AT_END):
                    stopped = True
                    break
                for p in range(nonce, nonce + NONCE_SIZE):
                    if not LOWER_HEX[s[p]]:
                        stopped = True
                        break
                if stopped:
                    break
                # the commitment's preimage of the line's own bytes (§4), its SHA-256 the content hash in lowercase hex
                SHA256_Init(&context)
                SHA256_Update(&context, s, end + 1)
                SHA256_Update(&context, s + fields, fields_end - fields)
                SHA256_Update(&context, PyBytes_AS_STRING(self.domain), PyBytes_GET_SIZE(self.domain))
                SHA256_Update(&context, s + group, group_end - group)
                SHA256_Update(&context, PyBytes_AS_STRING(NONCE_AT), PyBytes_GET_SIZE(NONCE_AT))
                SHA256_Update(&context, s + nonce, NONCE_SIZE)
                SHA256_Update(&context, PyBytes_AS_STRING(self.vote_end), PyBytes_GET_SIZE(self.vote_end))
                SHA256_Final(raw, &context)
                for p in range(HASH_SIZE):
                    hexed[2 * p], hexed[2 * p + 1] = HEX_DIGITS[raw[p] >> 4], HEX_DIGITS[raw[p] & 15]
                if memcmp(hexed, s + content, 2 * HASH_SIZE) != 0:
                    stopped = True
                    break
                # cast_at: a date once per distinct date (``_cast_date``), another format read now (``_instant``)
                dated = _server_time(s + cast_at, cast_end - cast_at)
                if dated:
                    if not (self.dated and memcmp(self.last_date, s + cast_at, DATE_SIZE) == 0):
                        date = PyBytes_FromStringAndSize(<const char*>s + cast_at, DATE_SIZE)
                        if date not in self.dates and not self.check_date(date):
                            stopped = True
                            break
                        memcpy(self.last_date, s + cast_at, DATE_SIZE)
                        self.dated = True
                else:
                    try:
                        self.instant(PyBytes_FromStringAndSize(<const char*>s + cast_at, cast_end - cast_at).decode())
                    except ValueError:
                        stopped = True
                        break
                # the tally's entry for the answers' bytes and the paper flag; answers new to it checked once
                paper = channel_end - channel == 5 and memcmp(s + channel, b"PAPER", 5) == 0
                hash = _hash(s, end + 1, paper)
                found = self.tally.find(s, end + 1, paper, hash)
                answers = head = None
                if found is NULL:
                    answers = self._answers(s, end + 1)
                    if answers is None:
                        head = PyBytes_FromStringAndSize(<const char*>s, end + 1)
                        answers = self.answers_of(head)
                        if answers is None:
                            stopped = True
                            break
                        self._learn(head, answers)
                # the group marked counted: every check holds from here on
                if arrays is not None:
                    position = _claim(s + group, group_end - group, width, ids, keys, marks, groups)
                    if position < 0:
                        stopped = True
                        break
                    area = PyLong_FromLongLong(areas[position])
                else:
                    position = self.claim(PyBytes_FromStringAndSize(<const char*>s + group, group_end - group))
                    if position < 0:
                        stopped = True
                        break
                    area = self.group_area.areas[position]
                if found is NULL:
                    if head is None:
                        head = PyBytes_FromStringAndSize(<const char*>s, end + 1)
                    self.tally.add(head, paper, [1, area, answers, paper], hash)
                else:
                    entry_list = <object>found
                    entry_list[0] += 1
                    entry_list[1] += area
                if dated:
                    if _compare(<const char*>s + cast_at, CAST_AT_SIZE, early, early_size) < 0:
                        early, early_size = <const char*>s + cast_at, CAST_AT_SIZE
                        early_id, early_id_size = <const char*>s + ballot, ballot_end - ballot
                    if _compare(<const char*>s + cast_at, CAST_AT_SIZE, late, late_size) >= 0:
                        late, late_size = <const char*>s + cast_at, CAST_AT_SIZE
                        late_id, late_id_size = <const char*>s + ballot, ballot_end - ballot
                else:  # the run's extremes so far first, then this one's (``_cast_extremes``)
                    if late_size:
                        self.merge(
                            PyBytes_FromStringAndSize(early, early_size),
                            PyBytes_FromStringAndSize(early_id, early_id_size),
                            PyBytes_FromStringAndSize(late, late_size),
                            PyBytes_FromStringAndSize(late_id, late_id_size),
                        )
                        self.earliest, self.early_id, self.latest, self.late_id = b"\xff", b"", b"", b""
                        early, early_size = PyBytes_AS_STRING(self.earliest), 1
                        early_id, early_id_size = PyBytes_AS_STRING(self.early_id), 0
                        late, late_size = PyBytes_AS_STRING(self.latest), 0
                        late_id, late_id_size = PyBytes_AS_STRING(self.late_id), 0
                    self.cast(
                        PyBytes_FromStringAndSize(<const char*>s + ballot, ballot_end - ballot).decode(),
                        PyBytes_FromStringAndSize(<const char*>s + cast_at, cast_end - cast_at).decode(),
                    )
                # ``_AGREEMENT_LINE`` % (ballot id, content hash, group, basis, channel, cast_at, entry id): the
                # fields and the literals' 2 + 13 + 5 * 3 + 3 bytes
                self.agreed.grow(
                    ballot_end - ballot + 2 * HASH_SIZE + group_end - group + basis_end - basis
                    + channel_end - channel + cast_end - cast_at + entry_end - entry + 33
                )
                self.agreed.put_bytes(AGREE_OPEN)
                self.agreed.put(s + ballot, ballot_end - ballot)
                self.agreed.put_bytes(AGREE_HASH)
                self.agreed.put(s + content, 2 * HASH_SIZE)
                self.agreed.put_bytes(AGREE_NEXT)
                self.agreed.put(s + group, group_end - group)
                self.agreed.put_bytes(AGREE_NEXT)
                self.agreed.put(s + basis, basis_end - basis)
                self.agreed.put_bytes(AGREE_NEXT)
                self.agreed.put(s + channel, channel_end - channel)
                self.agreed.put_bytes(AGREE_NEXT)
                self.agreed.put(s + cast_at, cast_end - cast_at)
                self.agreed.put_bytes(AGREE_NEXT)
                self.agreed.put(s + entry, entry_end - entry)
                self.agreed.put_bytes(AGREE_CLOSE)
                self.digests.grow(HASH_SIZE)
                self.digests.put(raw, HASH_SIZE)
                taken += 1
                at += 1
        finally:
            # the extremes (pointing into this block's lines) as bytes; what the taken lines hand over, handed over
            self.earliest = PyBytes_FromStringAndSize(early, early_size)
            self.early_id = PyBytes_FromStringAndSize(early_id, early_id_size)
            self.latest = PyBytes_FromStringAndSize(late, late_size)
            self.late_id = PyBytes_FromStringAndSize(late_id, late_id_size)
            if self.agreed.size:
                self.update(PyBytes_FromStringAndSize(self.agreed.data, self.agreed.size))
            if self.digests.size:
                n = PyByteArray_GET_SIZE(digests)
                PyByteArray_Resize(digests, n + self.digests.size)
                memcpy(PyByteArray_AS_STRING(digests) + n, self.digests.data, self.digests.size)
        return at, taken, stopped


cdef Py_ssize_t _claim(
    const unsigned char* key, Py_ssize_t size, Py_ssize_t width, const unsigned char[::1] ids,
    const unsigned long long[::1] keys, unsigned char[::1] marks, Py_ssize_t groups,
) noexcept:
    """``GroupAreas.claim_key`` on its compact form's arrays: the group's position, marked counted; -1, nothing
    marked, when the roll has no such group or it is marked already."""
    cdef unsigned long long prefix = 0
    cdef Py_ssize_t at, low, high, middle
    cdef int order
    if size != width:
        return -1
    for at in range(8):  # the first 8 bytes, big-endian, zeros past a narrower id
        prefix = (prefix << 8) | (key[at] if at < width else 0)
    low, high = 0, groups
    while low < high:  # bisect_left(keys, prefix)
        middle = (low + high) >> 1
        if keys[middle] < prefix:
            low = middle + 1
        else:
            high = middle
    if low == groups or keys[low] != prefix:
        return -1
    if memcmp(&ids[low * width], key, width) != 0:  # several ids begin with these 8 bytes: bisected by the whole id
        high = low + 1
        while high < groups and keys[high] == prefix:
            high += 1
        while low < high:
            middle = (low + high) >> 1
            order = memcmp(&ids[middle * width], key, width)
            if order == 0:
                low = middle
                break
            if order < 0:
                low = middle + 1
            else:
                high = middle
        else:
            return -1
    if marks[low]:
        return -1
    marks[low] = 1
    return low


cdef extern from *:
    bint _add_overflows "__builtin_saddll_overflow"(long long a, long long b, long long* sum) noexcept


cdef struct _Sum:
    PyObject* pair  # a tally's (key, value) for a topic, NULL when free
    PyObject* summed  # the sum's [count, area] in that topic's sums (kept by them)
    long long count, area  # added to it at ``_flush``
    Py_ssize_t topic
    bint paper


cdef class _Sums:
    """The sums one ``spread`` adds to, by topic, (key, value) object and paper flag: found in the topic's dict once
    each, their counts and areas added up in C and added to the sums' integers once (``flush``)."""
    cdef _Sum* slots
    cdef Py_ssize_t capacity, count

    def __cinit__(self):
        self.capacity, self.count = 1 << 10, 0
        self.slots = <_Sum*>malloc(self.capacity * sizeof(_Sum))
        if self.slots is NULL:
            raise MemoryError()
        memset(self.slots, 0, self.capacity * sizeof(_Sum))

    def __dealloc__(self):
        free(self.slots)

    cdef inline Py_ssize_t _at(self, PyObject* pair, Py_ssize_t topic, bint paper) noexcept:
        cdef uint64_t h = (<uint64_t>pair >> 4) * 0x9E3779B97F4A7C15ULL + <uint64_t>(2 * topic + paper)
        h = (h ^ (h >> 29)) * 0xBF58476D1CE4E5B9ULL
        return <Py_ssize_t>((h ^ (h >> 32)) & <uint64_t>(self.capacity - 1))

    cdef _Sum* find(self, PyObject* pair, Py_ssize_t topic, bint paper) noexcept:
        cdef Py_ssize_t at = self._at(pair, topic, paper)
        while self.slots[at].pair is not NULL:
            if self.slots[at].pair == pair and self.slots[at].topic == topic and self.slots[at].paper == paper:
                return &self.slots[at]
            at = (at + 1) & (self.capacity - 1)
        return NULL

    cdef _Sum* add(self, PyObject* pair, Py_ssize_t topic, bint paper, PyObject* summed) except NULL:
        cdef _Sum* old
        cdef Py_ssize_t old_capacity, at, place
        if 2 * (self.count + 1) > self.capacity:
            old, old_capacity = self.slots, self.capacity
            self.slots = <_Sum*>malloc(2 * old_capacity * sizeof(_Sum))
            if self.slots is NULL:
                self.slots = old
                raise MemoryError()
            self.capacity = 2 * old_capacity
            memset(self.slots, 0, self.capacity * sizeof(_Sum))
            for at in range(old_capacity):
                if old[at].pair is not NULL:
                    place = self._at(old[at].pair, old[at].topic, old[at].paper)
                    while self.slots[place].pair is not NULL:
                        place = (place + 1) & (self.capacity - 1)
                    self.slots[place] = old[at]
            free(old)
        at = self._at(pair, topic, paper)
        while self.slots[at].pair is not NULL:
            at = (at + 1) & (self.capacity - 1)
        self.slots[at].pair, self.slots[at].summed, self.slots[at].topic = pair, summed, topic
        self.slots[at].paper, self.slots[at].count, self.slots[at].area = paper, 0, 0
        self.count += 1
        return &self.slots[at]

    cdef int flush(self) except -1:
        cdef Py_ssize_t at
        for at in range(self.capacity):
            if self.slots[at].pair is not NULL:
                _flush(<object>self.slots[at].summed, &self.slots[at].count, &self.slots[at].area)
        return 0


cdef int _flush(object summed, long long* count, long long* area) except -1:
    """The count and area added up in C added to a [count, area] of Python integers, and zeroed."""
    if count[0]:
        summed[0] += count[0]
        count[0] = 0
    if area[0]:
        summed[1] += area[0]
        area[0] = 0
    return 0


cdef int _add(object summed, long long* count, long long* area, object count_value, object area_value,
              long long c, long long a, bint fits) except -1:
    """A tally entry's count and area added to a sum: in C when they fit in 64 bits (``fits``: ``c`` and ``a``),
    the sum's integers brought up to date first when the C sums would overflow; else as Python integers."""
    cdef long long counted, areas
    if fits:
        if _add_overflows(count[0], c, &counted) or _add_overflows(area[0], a, &areas):
            _flush(summed, count, area)
            count[0], area[0] = c, a
        else:
            count[0], area[0] = counted, areas
        return 0
    _flush(summed, count, area)
    summed[0] += count_value
    summed[1] += area_value
    return 0


def spread(list tally, list sums, list participating, dict values):
    """``_Verifier._spread`` of a run's tally given as its values in the order of its keys (count, area, answers,
    paper flag): added to the per-topic sums and the participation, a value kept for each answer not text. Each
    sum is found once (``_Sums``) and its integers added to once, so the sums' values are the reference's, and
    their keys (and ``values``') come in the same order."""
    cdef Py_ssize_t at, topics = len(sums)
    cdef PyObject* found
    cdef tuple answers, pair
    cdef dict summing
    cdef _Sums memo = _Sums()
    cdef _Sum* slot
    cdef long long c = 0, a = 0, total_count = 0, total_area = 0
    cdef int overflow
    cdef bint fits
    try:
        for entry in tally:
            count, area, answers, paper = <list?>entry
            fits = type(count) is int and type(area) is int
            if fits:
                c = PyLong_AsLongLongAndOverflow(count, &overflow)
                fits = not overflow
            if fits:
                a = PyLong_AsLongLongAndOverflow(area, &overflow)
                fits = not overflow
            _add(participating, &total_count, &total_area, count, area, c, a, fits)
            for at in range(min(topics, len(answers))):
                pair = <tuple?>answers[at]
                slot = memo.find(<PyObject*>pair, at, paper)
                if slot is NULL:
                    answer_key, answer = pair
                    summing = <dict?>sums[at]
                    sum_key = (answer_key, paper)
                    found = PyDict_GetItemWithError(summing, sum_key)
                    if found is NULL:
                        if type(answer_key) is not str:
                            PyDict_SetDefault(values, answer_key, answer)
                        summed = [count, area]
                        PyDict_SetItem(summing, sum_key, summed)
                        memo.add(<PyObject*>pair, at, paper, <PyObject*>summed)
                        continue
                    slot = memo.add(<PyObject*>pair, at, paper, found)
                _add(<object>slot.summed, &slot.count, &slot.area, count, area, c, a, fits)
            if len(answers) != topics:  # as ``zip(..., strict=True)`` stops
                raise ValueError("the answers are not one per topic")
    finally:
        _flush(participating, &total_count, &total_area)
        memo.flush()


def claim_key(group_area, bytes key):
    """``GroupAreas.claim_key`` as the runs make it (``_claim`` on the compact form's arrays; a roll kept by id
    asks the method itself)."""
    cdef Py_ssize_t width
    cdef const unsigned char[::1] ids
    cdef const unsigned long long[::1] keys
    cdef unsigned char[::1] marks
    arrays = group_area.arrays()
    if arrays is None:
        return group_area.claim_key(key)
    width, ids, keys, marks, _ = arrays
    return _claim(<const unsigned char*>PyBytes_AS_STRING(key), PyBytes_GET_SIZE(key), width, ids, keys, marks,
                  keys.shape[0])
