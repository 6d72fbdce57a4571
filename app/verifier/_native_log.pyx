"""``_Verifier._entry`` for a block of log lines in C: the ``ballot.cast`` lines in the server's own form that
``_agreed_cast`` accepts and that leave nothing to Python (a grant that fits, created_at an instant after the epoch,
cast_at one in a form read here and no later than created_at allows, inside the result's checkpoint, the next entry
the signed index lists), taken from the front of the block up to the first line that is anything else; the caller
applies what they give in bulk and hands that line to ``_entry``, which decides it (and names what is wrong) as it
does any line. tests/verifier/test_native_log.py compares the state both ways leave, on real lines and every byte
edit of them."""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_CheckExact, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.list cimport PyList_GET_ITEM, PyList_GET_SIZE
from libc.stdint cimport uint64_t
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcmp, memcpy, memset

from app.verifier._openssl cimport SHA256, SHA256_CTX, SHA256_Final, SHA256_Init, SHA256_Update

cdef enum:
    HASH_SIZE = 32
    UUID_SIZE = 36
    HEX_SIZE = 64
    TIME_SIZE = 26  # YYYY-MM-DDTHH:MM:SS.ffffff (then Z)
    GROUP_SIZE = 36  # procedure.group_key's width
    BOUND_SIZE = UUID_SIZE + HASH_SIZE + 8  # checks._BOUND_RECORD
    ONLINE_SIZE = GROUP_SIZE + 8 + 8  # procedure.ONLINE_CAST
    AGREEMENT_FIXED = 33  # the bytes of checks._AGREEMENT_LINE around its seven fields

# checks._CAST_SHAPE's literals, in order
cdef const char* HEAD = b'{"created_at":"'
cdef const char* ESTATE = b'Z","estate_id":'
cdef const char* ID = b',"id":"'
cdef const char* BALLOT = b'","kind":"ballot.cast","payload":{"ballot_id":"'
cdef const char* BASIS = b'","basis":"'
cdef const char* CAST_AT = b'","cast_at":"'
cdef const char* CHANNEL = b'","channel":"'
cdef const char* COMMITMENT = b'","commitment":"'
cdef const char* GRANT = b'","grant":"'
cdef const char* GROUP = b'","group":"'
cdef const char* DIGEST = b'"},"payload_sha256":"'
cdef const char* VOTE = b'","vote_id":"'
cdef const char* TAIL = b'"}'
# the payload's preimage (checks._agreed_cast)
cdef const char* PRE_ESTATE = b'{"estate_id":"'
cdef const char* PRE_KIND = b'","kind":"ballot.cast","payload":'
cdef const char* PRE_VOTE = b',"vote_id":"'
cdef const char* HEX = b"0123456789abcdef"
cdef const unsigned char LEAF_PREFIX = 0  # RFC 6962's leaf prefix

cdef unsigned char PLAIN[256]  # checks._PLAIN: printable ASCII but '"' and '\'
cdef unsigned char HEXDIGIT[256]  # a lowercase hex digit
cdef int _c
for _c in range(256):
    PLAIN[_c] = 0x20 <= _c <= 0x7E and _c != 0x22 and _c != 0x5C
    HEXDIGIT[_c] = (0x30 <= _c <= 0x39) or (0x61 <= _c <= 0x66)


cdef struct Cursor:
    const unsigned char* at
    const unsigned char* end


cdef struct Field:
    const unsigned char* start
    Py_ssize_t size


cdef inline bint literal(Cursor* c, const char* text) noexcept:
    cdef Py_ssize_t n = 0
    while text[n]:
        n += 1
    if c.end - c.at < n or memcmp(c.at, text, n) != 0:
        return False
    c.at += n
    return True


cdef inline bint plain(Cursor* c, Field* f) noexcept:
    """``_PLAIN``: a run of its class, ended by the next literal's quote (checked by it)."""
    f.start = c.at
    while c.at < c.end and PLAIN[c.at[0]]:
        c.at += 1
    f.size = c.at - f.start
    return True


cdef inline bint hex_run(Cursor* c, Field* f, Py_ssize_t n) noexcept:
    """``[^"]{n}`` that ``_HEX_CLASS`` maps to x's: n lowercase hex digits."""
    cdef Py_ssize_t i
    if c.end - c.at < n:
        return False
    for i in range(n):
        if not HEXDIGIT[c.at[i]]:
            return False
    f.start, f.size = c.at, n
    c.at += n
    return True


cdef inline bint uuid(Cursor* c, Field* f) noexcept:
    """``[^"]{36}`` of ``_UUID_CLASS``: 8-4-4-4-12 lowercase hex digits."""
    cdef Py_ssize_t i
    cdef unsigned char b
    if c.end - c.at < UUID_SIZE:
        return False
    for i in range(UUID_SIZE):
        b = c.at[i]
        if i == 8 or i == 13 or i == 18 or i == 23:
            if b != 0x2D:
                return False
        elif not HEXDIGIT[b]:
            return False
    f.start, f.size = c.at, UUID_SIZE
    c.at += UUID_SIZE
    return True


cdef inline int digits(const unsigned char* p, int n) noexcept:
    """n ASCII digits as a number, -1 if one is not a digit."""
    cdef int value = 0, i
    for i in range(n):
        if not 0x30 <= p[i] <= 0x39:
            return -1
        value = value * 10 + (p[i] - 0x30)
    return value


cdef inline bint local_micros(const unsigned char* p, long long* out) noexcept:
    """YYYY-MM-DDTHH:MM:SS as µs since 1970-01-01T00:00:00 (the proleptic Gregorian calendar): False for anything
    ``datetime.fromisoformat`` refuses (year 0, month 13, 30 February, hour 24, second 60) or another form."""
    cdef int year = digits(p, 4), month, day, hour, minute, second, last
    cdef long long y, era, yoe, doy, doe, days
    if p[4] != 0x2D or p[7] != 0x2D or p[10] != 0x54 or p[13] != 0x3A or p[16] != 0x3A:
        return False
    month, day, hour = digits(p + 5, 2), digits(p + 8, 2), digits(p + 11, 2)
    minute, second = digits(p + 14, 2), digits(p + 17, 2)
    if year < 1 or month < 1 or month > 12 or day < 1 or hour < 0 or hour > 23:
        return False
    if minute < 0 or minute > 59 or second < 0 or second > 59:
        return False
    if month == 2:
        last = 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    elif month == 4 or month == 6 or month == 9 or month == 11:
        last = 30
    else:
        last = 31
    if day > last:
        return False
    # days since 1970-01-01 (H. Hinnant's days_from_civil; year >= 1 here, so y >= 0)
    y = year - (1 if month <= 2 else 0)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (month - 3 if month > 2 else month + 9) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    days = era * 146097 + doe - 719468
    out[0] = (((days * 24 + hour) * 60 + minute) * 60 + second) * 1000000LL
    return True


cdef inline bint micros(Field f, long long* out) noexcept:
    """``_micros`` of an instant of the forms YYYY-MM-DDTHH:MM:SS, then optionally . and 6 digits, then Z or an offset
    ±HH:MM: µs since the epoch, as ``datetime.fromisoformat`` and the difference from ``_EPOCH`` give it. False for
    any other text (``_micros`` decides it), whether it would take it or not."""
    cdef const unsigned char* p = f.start
    cdef Py_ssize_t n = f.size, rest = 19
    cdef int fraction = 0, hours, minutes
    if n < 20 or not local_micros(p, out):
        return False
    if p[rest] == 0x2E:  # .ffffff
        if n < rest + 7:
            return False
        fraction = digits(p + rest + 1, 6)
        if fraction < 0:
            return False
        rest += 7
    out[0] += fraction
    if n == rest + 1 and p[rest] == 0x5A:  # Z
        return True
    if n != rest + 6 or (p[rest] != 0x2B and p[rest] != 0x2D) or p[rest + 3] != 0x3A:
        return False
    hours, minutes = digits(p + rest + 1, 2), digits(p + rest + 4, 2)
    if hours < 0 or hours > 23 or minutes < 0 or minutes > 59:
        return False
    if p[rest] == 0x2B:  # local time ahead of UTC: the instant is earlier
        out[0] -= (hours * 60 + minutes) * 60000000LL
    else:
        out[0] += (hours * 60 + minutes) * 60000000LL
    return True


cdef inline void put_be64(unsigned char* out, uint64_t value) noexcept:
    cdef int i
    for i in range(8):
        out[7 - i] = <unsigned char>(value >> (8 * i))


cdef struct Buffer:
    unsigned char* data
    Py_ssize_t size
    Py_ssize_t capacity


cdef int reserve(Buffer* b, Py_ssize_t more) except -1:
    cdef Py_ssize_t wanted = b.size + more
    cdef unsigned char* data
    if wanted <= b.capacity:
        return 0
    wanted = max(wanted, 2 * b.capacity)
    data = <unsigned char*>realloc(b.data, wanted)
    if data == NULL:
        raise MemoryError()
    b.data, b.capacity = data, wanted
    return 0


cdef inline void put(Buffer* b, const void* data, Py_ssize_t size) noexcept:
    memcpy(b.data + b.size, data, size)
    b.size += size


cdef inline void put_text(Buffer* b, const char* text) noexcept:
    cdef Py_ssize_t n = 0
    while text[n]:
        n += 1
    put(b, text, n)


cdef inline void put_field(Buffer* b, Field f) noexcept:
    put(b, f.start, f.size)


cdef bint grant_fits(Field basis, Field grant, tuple grant_bases) noexcept:
    """``_grant_fits`` on the line's own bytes: 32 lowercase hex digits under a basis that rests on a grant (a name
    in ``grant_bases``), none under any other."""
    cdef Py_ssize_t i
    cdef object name
    for name in grant_bases:
        if PyBytes_GET_SIZE(name) == basis.size and memcmp(PyBytes_AS_STRING(name), basis.start, basis.size) == 0:
            if grant.size != 32:
                return False
            for i in range(32):
                if not HEXDIGIT[grant.start[i]]:
                    return False
            return True
    return grant.size == 0


def cast_block(
    list lines,
    Py_ssize_t at,
    const long long[:] indices,
    Py_ssize_t first,
    long long previous,
    Py_ssize_t listed_at,
    const long long[:] listed_leaves,
    const unsigned char[:] listed_codes,
    long long cast_code,
    bytes vote,
    long long result_size,
    bint online,
    tuple grant_bases,
    Py_ssize_t max_bytes,
    long long tolerance,
):
    """``lines[at:]`` (leaf indices ``indices[first:]``) taken from the front while each is a line ``_agreed_cast``
    accepts with nothing left for Python: (count, [(leaf index, leaf hash)], previous, listed_at, leaf indices,
    bound records, created_at µs (both native ``q`` arrays' bytes), the agreement's lines, online records (empty
    unless ``online``)). Nothing is taken of a line it declines: ``_entry`` then takes it."""
    cdef Py_ssize_t count = 0, n = PyList_GET_SIZE(lines), size
    cdef Py_ssize_t listed_count = min(listed_leaves.shape[0], listed_codes.shape[0])
    cdef object line
    cdef long long index, created, cast
    cdef const unsigned char* data
    cdef Cursor c
    cdef Field created_at, estate, entry_id, ballot_id, basis, cast_at, channel, commitment, grant, group, digest
    cdef Field vote_id, payload
    cdef unsigned char payload_sha[HASH_SIZE]
    cdef unsigned char leaf[HASH_SIZE]
    cdef unsigned char hex_sha[HEX_SIZE]
    cdef unsigned char key[GROUP_SIZE]
    cdef unsigned char be[8]
    cdef SHA256_CTX context
    cdef int i
    cdef Buffer leaves, bound, created_out, agreement, records
    cdef list pairs = []
    if len(vote) != UUID_SIZE or first < 0 or at < 0 or n - at > indices.shape[0] - first:
        raise ValueError("cast_block: the lines and their leaf indices do not fit")
    if not all(PyBytes_CheckExact(name) for name in grant_bases):
        raise TypeError("cast_block: the grant bases are not bytes")
    memset(&leaves, 0, sizeof(Buffer))
    memset(&bound, 0, sizeof(Buffer))
    memset(&created_out, 0, sizeof(Buffer))
    memset(&agreement, 0, sizeof(Buffer))
    memset(&records, 0, sizeof(Buffer))
    try:
        while at + count < n:
            line = <object>PyList_GET_ITEM(lines, at + count)
            index = indices[first + count]
            if not PyBytes_CheckExact(line) or index <= previous:
                break
            size = PyBytes_GET_SIZE(line)
            if size > max_bytes:
                break
            # the line: checks._CAST_SHAPE with its class checks (``_cast_fields``)
            data = <const unsigned char*>PyBytes_AS_STRING(line)
            c.at, c.end = data, data + size
            if not literal(&c, HEAD) or c.end - c.at < TIME_SIZE:
                break
            created_at.start, created_at.size = c.at, TIME_SIZE + 1  # with its Z (form and calendar: ``micros``)
            c.at += TIME_SIZE
            if not literal(&c, ESTATE):
                break
            if literal(&c, b"null"):
                estate.start, estate.size = c.at, 0
            elif not (literal(&c, b'"') and uuid(&c, &estate) and literal(&c, b'"')):
                break
            if not (literal(&c, ID) and uuid(&c, &entry_id) and literal(&c, BALLOT)):
                break
            payload.start = c.at - 14  # from the payload's brace: '{"ballot_id":"'
            if not (uuid(&c, &ballot_id) and literal(&c, BASIS) and plain(&c, &basis) and literal(&c, CAST_AT)):
                break
            if not (plain(&c, &cast_at) and literal(&c, CHANNEL) and plain(&c, &channel)):
                break
            if not (literal(&c, COMMITMENT) and hex_run(&c, &commitment, HEX_SIZE) and literal(&c, GRANT)):
                break
            if not (plain(&c, &grant) and literal(&c, GROUP) and plain(&c, &group)):
                break
            payload.size = c.at + 2 - payload.start  # to its closing brace
            if not (literal(&c, DIGEST) and hex_run(&c, &digest, HEX_SIZE) and literal(&c, VOTE)):
                break
            if not (uuid(&c, &vote_id) and literal(&c, TAIL) and c.at == c.end):
                break
            # ``_agreed_cast``'s own checks, and what it leaves to Python (declined here)
            if memcmp(vote_id.start, PyBytes_AS_STRING(vote), UUID_SIZE) != 0:
                break
            if channel.size == 5 and memcmp(channel.start, b"PAPER", 5) == 0:
                break
            if index >= result_size:  # late evidence
                break
            if not (listed_at < listed_count and listed_leaves[listed_at] == index):
                break
            if listed_codes[listed_at] != cast_code:
                break
            if not micros(created_at, &created) or created < 0:  # (to_bytes(8) refuses a negative time)
                break
            # cast_at as the server writes it (created_at's instant, +00:00) or another instant it may write, no later
            # than created_at allows (TIME_TOLERANCE: else a deferred failure, Python's)
            if cast_at.size == TIME_SIZE + 6 and memcmp(cast_at.start, created_at.start, TIME_SIZE) == 0 and memcmp(
                cast_at.start + TIME_SIZE, b"+00:00", 6
            ) == 0:
                cast = created
            elif not micros(cast_at, &cast) or cast - created > tolerance:
                break
            if not grant_fits(basis, grant, grant_bases):
                break
            SHA256_Init(&context)
            SHA256_Update(&context, PRE_ESTATE, 14)
            SHA256_Update(&context, estate.start, estate.size)
            SHA256_Update(&context, PRE_KIND, 33)
            SHA256_Update(&context, payload.start, payload.size)
            SHA256_Update(&context, PRE_VOTE, 12)
            SHA256_Update(&context, vote_id.start, UUID_SIZE)
            SHA256_Update(&context, b'"}', 2)
            SHA256_Final(payload_sha, &context)
            for i in range(HASH_SIZE):
                hex_sha[2 * i] = HEX[payload_sha[i] >> 4]
                hex_sha[2 * i + 1] = HEX[payload_sha[i] & 15]
            if memcmp(hex_sha, digest.start, HEX_SIZE) != 0:
                break
            # taken: what ``_entry`` and ``_agreed_cast`` leave for it, in order
            SHA256_Init(&context)
            SHA256_Update(&context, &LEAF_PREFIX, 1)
            SHA256_Update(&context, data, size)
            SHA256_Final(leaf, &context)
            pairs.append((index, PyBytes_FromStringAndSize(<char*>leaf, HASH_SIZE)))
            previous = index
            listed_at += 1
            reserve(&leaves, 8)
            put(&leaves, &index, 8)
            reserve(&bound, BOUND_SIZE)
            put_field(&bound, entry_id)
            put(&bound, payload_sha, HASH_SIZE)
            put_be64(be, <uint64_t>created)
            put(&bound, be, 8)
            reserve(&created_out, 8)
            put(&created_out, &created, 8)
            if online:  # procedure.online_cast_record(group, index, cast)
                reserve(&records, ONLINE_SIZE)
                memset(key, 0, GROUP_SIZE)
                if group.size <= GROUP_SIZE:  # (a plain string holds no NUL)
                    memcpy(key, group.start, group.size)
                else:
                    key[0] = 0xFF
                    SHA256(group.start, group.size, key + 1)
                put(&records, key, GROUP_SIZE)
                put_be64(be, <uint64_t>index)
                put(&records, be, 8)
                put_be64(be, <uint64_t>cast + (<uint64_t>1 << 63))
                put(&records, be, 8)
            # _AGREEMENT_LINE % (ballot_id, commitment, group, basis, channel, cast_at, entry_id)
            reserve(&agreement, AGREEMENT_FIXED + ballot_id.size + commitment.size + group.size + basis.size
                    + channel.size + cast_at.size + entry_id.size)
            put_text(&agreement, b'["')
            put_field(&agreement, ballot_id)
            put_text(&agreement, b'",true,null,"')
            put_field(&agreement, commitment)
            put_text(&agreement, b'","')
            put_field(&agreement, group)
            put_text(&agreement, b'","')
            put_field(&agreement, basis)
            put_text(&agreement, b'","')
            put_field(&agreement, channel)
            put_text(&agreement, b'","')
            put_field(&agreement, cast_at)
            put_text(&agreement, b'","')
            put_field(&agreement, entry_id)
            put_text(&agreement, b'"]\n')
            count += 1
        return (
            count, pairs, previous, listed_at,
            PyBytes_FromStringAndSize(<char*>leaves.data, leaves.size),
            PyBytes_FromStringAndSize(<char*>bound.data, bound.size),
            PyBytes_FromStringAndSize(<char*>created_out.data, created_out.size),
            PyBytes_FromStringAndSize(<char*>agreement.data, agreement.size),
            PyBytes_FromStringAndSize(<char*>records.data, records.size),
        )
    finally:
        free(leaves.data)
        free(bound.data)
        free(created_out.data)
        free(agreement.data)
        free(records.data)
