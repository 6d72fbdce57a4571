"""``_Verifier._read_roll``'s per-line work in C: each group line's head (``checks._ROLL_LINE_HEAD``: its area and
group id, as the exporter writes a canonical roll line) read for a block of lines at once. None as soon as a line
has another head: the caller then reads that block line by line as before. tests/verifier/test_native_roll.py
compares it with the expression on generated heads and on every byte edit of real ones."""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_CheckExact, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.list cimport PyList_GET_ITEM, PyList_GET_SIZE
from libc.string cimport memcmp

cdef const char* AREA = b'{"area":'
cdef const char* GROUP = b',"group_id":"'


cdef inline bint _hex(unsigned char c) noexcept:
    return (48 <= c <= 57) or (97 <= c <= 102)


def roll_heads(list lines):
    """(group ids as bytes, areas as ints) of every line, in order; None when a line does not start with
    ``_ROLL_LINE_HEAD``: ``{"area":`` an integer (``0``, or 1-16 digits not starting with 0) ``,"group_id":"`` an
    id (32 lowercase hex digits, or 36 of lowercase hex digits and hyphens) ``",``."""
    cdef Py_ssize_t count = PyList_GET_SIZE(lines), at, size, start, digits, width, k
    cdef const unsigned char* text
    cdef long long area
    cdef object line
    keys, areas = [], []
    for at in range(count):
        line = <object>PyList_GET_ITEM(lines, at)
        if not PyBytes_CheckExact(line):
            return None
        text = <const unsigned char*>PyBytes_AS_STRING(line)
        size = PyBytes_GET_SIZE(line)
        if size < 8 or memcmp(text, AREA, 8):
            return None
        start = 8
        digits = 0
        area = 0
        while start + digits < size and 48 <= text[start + digits] <= 57:
            if digits == 16:  # 17 digits or more: the expression's {0,15} after the first refuses it
                return None
            area = area * 10 + (text[start + digits] - 48)
            digits += 1
        if digits == 0 or (digits > 1 and text[start] == 48):
            return None
        start += digits
        if size - start < 13 or memcmp(text + start, GROUP, 13):
            return None
        start += 13
        width = 0
        # 32 hex digits then '",' (the expression's first alternative), else 36 of hex digits and hyphens then '",'
        if size - start >= 34 and text[start + 32] == 34 and text[start + 33] == 44:
            width = 32
            for k in range(32):
                if not _hex(text[start + k]):
                    width = 0
                    break
        if width == 0:
            if size - start < 38 or text[start + 36] != 34 or text[start + 37] != 44:
                return None
            for k in range(36):
                if not (_hex(text[start + k]) or text[start + k] == 45):
                    return None
            width = 36
        keys.append(PyBytes_FromStringAndSize(<const char*>text + start, width))
        areas.append(area)
    return keys, areas
