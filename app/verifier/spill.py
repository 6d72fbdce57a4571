"""Out-of-core containers for the verifier: what grows with the bundle is kept in temporary files, so its memory is
bounded by a constant (a run length, a buffer size), not by the number of units or entries.

* ``RecordSort``: fixed-size byte records sorted by an external merge sort (runs sorted in memory and written to
  temporary files, merged a bounded number at a time);
* ``Partitions``: values spread over temporary files by a key's hash, each partition read back alone, in the order
  its values were added;
* ``Lines``: byte strings kept in order with a small tag each, in a temporary file past a buffer's size, read back
  in order (all, or those of some tags);
* ``GroupAreas``: not spilled but compact: the roll's group → area map in a few flat arrays (a fixed number of bytes
  a group, no Python object per group), looked up by bisection.

The temporary files are unnamed (``tempfile.TemporaryFile`` in the system's temporary directory: removed when closed,
or when the process ends) and closed by ``close`` (both are context managers). Standard library only.
"""

from __future__ import annotations

import heapq
import itertools
import marshal
import operator
import os
import tempfile
from abc import ABC, abstractmethod
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import IO, Any, Self

#: Records sorted in memory before a run is written out (``RecordSort``): 65,536 entry-set records are ~5 MB.
RUN_RECORDS = 1 << 16
#: Runs merged at once; more runs are first merged into one (so a merge reads at most this many runs at a time).
FAN_IN = 16
#: Bytes read from a run at a time while merging.
READ_BYTES = 1 << 16
#: Values the partitions' write buffers hold in all (``Partitions``), whatever their number (8,192 unit records are
#: ~3 MB).
BUFFER_VALUES = 1 << 13
_LENGTH = 8  # a partition block's length prefix, big-endian
#: Bytes of lines ``Lines`` holds in memory; past them, they are appended to its temporary file.
LINE_BUFFER_BYTES = 1 << 20


def _temporary() -> IO[bytes]:
    # unbuffered: blocks are written whole (``_write_all``), so a file costs no buffer of its own
    return tempfile.TemporaryFile(buffering=0)


def _write_all(file: IO[bytes], data: bytes | bytearray) -> None:
    view = memoryview(data)
    while view:
        view = view[file.write(view) or 0 :]


class _Closing(ABC):
    """A temporary store that ``with`` closes (its files deleted) however the block ends."""

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


class RecordSort(_Closing):
    """Records of ``size`` bytes each, yielded sorted (bytewise, duplicates kept) by iterating, as often as needed.

    At most ``run_records`` records are held in memory; a full run is sorted and written to a temporary file. Runs
    are kept at levels: ``FAN_IN`` runs of one level are merged into one run of the next, so each record is written
    O(log n) times and a merge never reads more than ``FAN_IN`` runs (plus the records in memory) at once."""

    def __init__(self, size: int, *, run_records: int | None = None) -> None:
        run_records = RUN_RECORDS if run_records is None else run_records
        if size < 1 or run_records < 1:
            raise ValueError("records and runs hold at least one byte and one record")
        self.size = size
        self.run_bytes = size * run_records
        self.count = 0
        self._buffer = bytearray()
        self._levels: list[list[IO[bytes]]] = []

    def add(self, record: bytes) -> None:
        if len(record) != self.size:
            raise ValueError(f"a record of {len(record)} bytes, not {self.size}")
        self._buffer += record
        self.count += 1
        if len(self._buffer) >= self.run_bytes:
            self._spill()

    def add_records(self, records: bytes | bytearray) -> None:
        """``add`` for each record of a block of whole records (records joined, as a ``bytearray`` collects them)."""
        if len(records) % self.size:
            raise ValueError(f"a block of {len(records)} bytes is not whole records of {self.size}")
        self._buffer += records
        self.count += len(records) // self.size
        if len(self._buffer) >= self.run_bytes:
            self._spill()

    def __iadd__(self, record: bytes) -> RecordSort:
        """``records += record`` adds one record, as appending it to a ``bytearray`` of records would."""
        self.add(record)
        return self

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[bytes]:
        runs = [run for level in self._levels for run in level]
        if not runs:
            return iter(self._in_memory())
        return heapq.merge(self._in_memory(), *(self._read(run) for run in runs))

    def _in_memory(self) -> list[bytes]:
        data, size = bytes(self._buffer), self.size  # sliced as bytes: one copy a record, not two
        records = [data[at : at + size] for at in range(0, len(data), size)]
        records.sort()
        return records

    def sorted_blocks(self, block_bytes: int | None = None) -> Iterator[bytes]:
        """The records sorted, joined in blocks of at most ``block_bytes`` (``READ_BYTES``; whole records, none
        empty)."""
        per_block = max((READ_BYTES if block_bytes is None else block_bytes) // self.size, 1)
        records = iter(self)
        while block := b"".join(itertools.islice(records, per_block)):
            yield block

    def add_sorted(self, blocks: Iterable[bytes]) -> None:
        """Records already sorted (``sorted_blocks`` of another sort, say), in blocks of whole records, written as
        one run as they come, without sorting them again. ValueError if a block is not whole records or a record is
        out of order (the records before it are then not added)."""
        run, size, count, last = _temporary(), self.size, 0, b""
        try:
            for block in blocks:
                if len(block) % size:
                    raise ValueError(f"a block of {len(block)} bytes is not whole records of {size}")
                records = [block[at : at + size] for at in range(0, len(block), size)]
                if records and not (last <= records[0] and all(map(operator.le, records, records[1:]))):
                    raise ValueError("records out of order")
                _write_all(run, block)
                count += len(records)
                last = records[-1] if records else last
        except BaseException:
            run.close()
            raise
        if not count:
            run.close()
            return
        self.count += count
        self._add_run(run)

    def _spill(self) -> None:
        self._add_run(self._write(self._in_memory()))
        self._buffer = bytearray()

    def _add_run(self, new_run: IO[bytes]) -> None:
        if not self._levels:
            self._levels.append([])
        self._levels[0].append(new_run)
        level = 0
        while len(self._levels[level]) >= FAN_IN:
            runs, self._levels[level] = self._levels[level], []
            merged = self._write(heapq.merge(*(self._read(run) for run in runs)))
            for run in runs:
                run.close()
            if level + 1 == len(self._levels):
                self._levels.append([])
            self._levels[level + 1].append(merged)
            level += 1

    def _write(self, records: Iterable[bytes]) -> IO[bytes]:
        run = _temporary()
        batch: list[bytes] = []
        for record in records:
            batch.append(record)
            if len(batch) * self.size >= READ_BYTES:
                _write_all(run, b"".join(batch))
                batch.clear()
        _write_all(run, b"".join(batch))
        return run

    def _read(self, run: IO[bytes]) -> Iterator[bytes]:
        """A run's records in order, read with ``pread`` (no shared file offset: a run may be read twice at once)."""
        size, descriptor, offset = self.size, run.fileno(), 0
        step = max(READ_BYTES // size, 1) * size
        while chunk := os.pread(descriptor, step, offset):
            offset += len(chunk)
            for at in range(0, len(chunk), size):
                yield chunk[at : at + size]

    def close(self) -> None:
        for level in self._levels:
            for run in level:
                run.close()
        self._levels = []
        self._buffer = bytearray()


class Partitions(_Closing):
    """Values that ``marshal`` writes (tuples, lists, str, bytes, int, bool, None, frozensets …) spread over ``count``
    temporary files: a value added under ``key_hash`` (or at a partition ``index``) is read back with the other
    values of its partition, in the order they were added. The write buffers hold at most ``buffer_values`` values
    in all, written a block (one ``marshal`` list) at a time."""

    def __init__(self, count: int, *, buffer_values: int | None = None) -> None:
        buffer_values = BUFFER_VALUES if buffer_values is None else buffer_values
        if count < 1:
            raise ValueError("at least one partition")
        self.count = count
        self._flush_at = max(buffer_values // count, 1)
        self._buffers: list[list[Any]] = [[] for _ in range(count)]
        self._written = [0] * count
        self._files: list[IO[bytes] | None] = [None] * count

    def index(self, key_hash: int) -> int:
        return key_hash % self.count

    def add(self, key_hash: int, value: Any) -> None:
        self.add_at(key_hash % self.count, value)

    def add_at(self, index: int, value: Any) -> None:
        buffer = self._buffers[index]
        buffer.append(value)
        if len(buffer) >= self._flush_at:
            self._flush(index)

    def add_many(self, indices: Iterable[int], values: Iterable[Any]) -> None:
        """``add_at`` of each value at the index beside it, in order (the buffers flushed once all are in: a call
        holds at most its own values beyond ``buffer_values``)."""
        buffers = self._buffers
        if self.count == 1:
            buffers[0].extend(values)
        else:
            for index, value in zip(indices, values, strict=True):
                buffers[index].append(value)
        for index, buffer in enumerate(buffers):
            if len(buffer) >= self._flush_at:
                self._flush(index)

    def size(self, index: int) -> int:
        """How many values partition ``index`` holds."""
        return self._written[index] + len(self._buffers[index])

    def _flush(self, index: int) -> None:
        file = self._files[index]
        if file is None:
            file = self._files[index] = _temporary()
        block = marshal.dumps(self._buffers[index])
        _write_all(file, len(block).to_bytes(_LENGTH) + block)
        self._written[index] += len(self._buffers[index])
        self._buffers[index] = []

    def partition(self, index: int) -> Iterator[Any]:
        """The values of one partition, in the order they were added."""
        for block in self._blocks(index):
            yield from block
        yield from list(self._buffers[index])

    def values(self, index: int) -> list[Any]:
        """``partition`` as one list."""
        values: list[Any] = []
        for block in self._blocks(index):
            values += block
        values += self._buffers[index]
        return values

    def _blocks(self, index: int) -> Iterator[list[Any]]:
        file = self._files[index]
        if file is not None:
            descriptor, offset = file.fileno(), 0
            while head := os.pread(descriptor, _LENGTH, offset):
                length = int.from_bytes(head)
                block = os.pread(descriptor, length, offset + _LENGTH)
                offset += _LENGTH + length
                yield marshal.loads(block)  # noqa: S302 - a block this process wrote (``_flush``)

    def close(self) -> None:
        for file in self._files:
            if file is not None:
                file.close()
        self._files = [None] * self.count
        self._buffers = [[] for _ in range(self.count)]
        self._written = [0] * self.count


class Lines(_Closing):
    """Byte strings (lines) kept in the order they are added, each with a small non-negative integer tag; read back
    in that order, all of them or those of some tags (only those are read).

    At most ``buffer_bytes`` of lines are held in memory; past that, the buffer is appended to a temporary file and
    emptied. Per line, 12 bytes stay in memory (its tag, 4 bytes, and its end offset, 8 bytes), no Python object:
    what a line holds costs disk, not memory."""

    def __init__(self, *, buffer_bytes: int | None = None) -> None:
        self._buffer_bytes = LINE_BUFFER_BYTES if buffer_bytes is None else buffer_bytes
        self._tags = array("I")
        self._ends = array("Q")  # each line's end, as an offset in all the lines' bytes (file, then buffer)
        self._counts: dict[int, int] = {}  # tag → how many lines
        self._buffer = bytearray()
        self._flushed = 0  # bytes written to the file (the buffer's first byte is at this offset)
        self._file: IO[bytes] | None = None

    def append(self, tag: int, line: bytes) -> None:
        self._tags.append(tag)
        self._counts[tag] = self._counts.get(tag, 0) + 1
        self._buffer += line
        self._ends.append(self._flushed + len(self._buffer))
        if len(self._buffer) >= self._buffer_bytes:
            if self._file is None:
                self._file = _temporary()
            _write_all(self._file, self._buffer)
            self._flushed += len(self._buffer)
            self._buffer = bytearray()

    def __len__(self) -> int:
        return len(self._tags)

    def count(self, tag: int) -> int:
        """How many lines carry this tag."""
        return self._counts.get(tag, 0)

    def read(self, tags: Iterable[int] | None = None) -> Iterator[tuple[int, bytes]]:
        """(position, line) of every line, or of those whose tag is one of ``tags``, in the order they were added.
        Lines added while reading are read too."""
        wanted = None if tags is None else {tag for tag in tags if tag in self._counts}
        if wanted is not None and not wanted:
            return
        position = 0
        while position < len(self._tags):
            if wanted is None or self._tags[position] in wanted:
                yield position, self.line(position)
            position += 1

    def line(self, position: int) -> bytes:
        """The line at a position (``IndexError`` past the last)."""
        end = self._ends[position]
        start = self._ends[position - 1] if position else 0
        if start >= self._flushed:  # a line is in the buffer or in the file, never split (the buffer goes whole)
            return bytes(self._buffer[start - self._flushed : end - self._flushed])
        if self._file is None:  # pragma: no cover - bytes below ``_flushed`` were written to it
            raise RuntimeError("no file")
        return os.pread(self._file.fileno(), end - start, start)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._tags, self._ends, self._counts = array("I"), array("Q"), {}
        self._buffer, self._flushed = bytearray(), 0


_PREFIX = 8  # bytes of a group id kept as a sorted unsigned 64-bit key (``GroupAreas``)


class GroupAreas:
    """The roll's groups: each group id's area and whether a counted ballot of it was seen (``count``), by position.

    The exporter writes the roll's groups sorted by id, all ids of one width (32 hex digits, or a UUID's 36
    characters). Such ids are kept in one ``bytearray`` of fixed-width ASCII ids in that order, beside a sorted
    ``array`` of their first 8 bytes (big-endian: the ids' own order), an ``array`` of areas and a byte of flags:
    width + 17 bytes a group (26.5 MB for 500,000 groups of UUID ids, ``app.register.parsing.MAX_ROWS`` units at
    most), no Python object per group. A lookup bisects the 8-byte keys in C and compares the one id they point
    to (several ids with those 8 bytes: bisected again by the whole id). Any other roll (ids unsorted, repeated, of
    several widths, not ASCII, an area beyond 64 bits: a forged one) is kept in a ``dict`` by id, as before, with the
    same answers (a repeated id keeps its last area)."""

    def __init__(self) -> None:
        self._width = 0
        self._ids = bytearray()
        self._keys = array("Q")
        self._areas: array[int] | list[int] = array("q")
        self._counted = bytearray()
        self._last = b""  # the last id added (compact form: each one above the one before)
        self._by_id: dict[str, int] | None = None  # id → position, for a roll the compact form does not fit

    def __len__(self) -> int:
        return len(self._areas)

    def add(self, group_id: str, area: int) -> None:
        """The roll's next group (its id, its area)."""
        try:
            key = group_id.encode("ascii")
        except UnicodeEncodeError:
            key = b""
        self.add_key(key, area, group_id)

    def add_key(self, key: bytes, area: int, group_id: str | None = None) -> None:
        """``add`` with the id as ASCII bytes (as a roll line holds it; ``group_id`` its text, when already made)."""
        if self._by_id is None:
            if (len(key) == self._width and key > self._last) or (not self._ids and key):
                try:
                    self._areas.append(area)
                except OverflowError:
                    pass
                else:
                    self._width, self._last = len(key), key
                    self._ids += key
                    self._keys.append(
                        int.from_bytes(key[:_PREFIX] if len(key) >= _PREFIX else key.ljust(_PREFIX, b"\x00"))
                    )
                    self._counted.append(0)
                    return
            self._to_dict()
        by_id = self._by_id
        if by_id is None:  # pragma: no cover - made just above
            raise RuntimeError("no map by id")
        by_id[key.decode("ascii") if group_id is None else group_id] = len(self._areas)
        self._areas.append(area)
        self._counted.append(0)

    def add_keys(self, keys: list[bytes], areas: list[int]) -> None:
        """``add_key`` for each (key, area) in turn; a run of ids that keeps the compact form (each of its width and
        above the one before, areas of 64 bits) is added in C, a few calls a run instead of one an id."""
        if not keys:
            return
        width = self._width or len(keys[0])
        if (
            self._by_id is None and width
            and all(len(key) == width for key in keys)  # one width, none empty
            and all(left < right for left, right in itertools.pairwise([self._last, *keys]))  # strictly increasing
        ):  # fmt: skip
            try:
                wide = array("q", areas)
            except OverflowError:
                wide = None
            if wide is not None:
                self._areas.extend(wide)
                self._width, self._last = width, keys[-1]
                self._ids += b"".join(keys)
                self._keys.extend([int.from_bytes(key[:_PREFIX].ljust(_PREFIX, b"\x00")) for key in keys])
                self._counted += bytes(len(keys))
                return
        for key, area in zip(keys, areas, strict=True):
            self.add_key(key, area)

    def _to_dict(self) -> None:
        width, ids = self._width, self._ids
        self._by_id = {ids[at * width : (at + 1) * width].decode("ascii"): at for at in range(len(self._keys))}
        self._areas, self._ids, self._keys = list(self._areas), bytearray(), array("Q")

    def find(self, group_id: str) -> int:
        """The group's position, or -1 when the roll has no such group."""
        if self._by_id is not None:
            return self._by_id.get(group_id, -1)
        width = self._width
        try:
            key = group_id.encode("ascii")
        except UnicodeEncodeError:
            return -1
        if len(key) != width:
            return -1
        prefix = int.from_bytes(key[:_PREFIX] if width >= _PREFIX else key.ljust(_PREFIX, b"\x00"))
        keys, ids = self._keys, self._ids
        at = bisect_left(keys, prefix)
        if at == len(keys) or keys[at] != prefix:
            return -1
        if ids[at * width : (at + 1) * width] == key:
            return at
        end = bisect_right(keys, prefix, at)  # several ids begin with these 8 bytes: bisect them by the whole id
        at += bisect_left(
            range(at, end), key, key=lambda position: bytes(ids[position * width : (position + 1) * width])
        )
        return at if at < end and ids[at * width : (at + 1) * width] == key else -1

    def claim_key(self, key: bytes) -> int:
        """``find`` then ``count`` in one call, for an id as ASCII bytes: the group's position, marked as having its
        counted ballot; -1, with nothing marked, when the roll has no such group or it is marked already."""
        if self._by_id is not None:
            try:
                position = self._by_id.get(key.decode("ascii"), -1)
            except UnicodeDecodeError:
                return -1
        else:
            width = self._width
            if len(key) != width:
                return -1
            keys, ids = self._keys, self._ids
            prefix = int.from_bytes(key[:_PREFIX] if width >= _PREFIX else key.ljust(_PREFIX, b"\x00"))
            position = bisect_left(keys, prefix)
            if position == len(keys) or ids[position * width : (position + 1) * width] != key:
                position = -1 if position == len(keys) or keys[position] != prefix else self.find(key.decode("ascii"))
        if position < 0 or self._counted[position]:
            return -1
        self._counted[position] = 1
        return position

    def arrays(self) -> tuple[int, bytearray, array[int], bytearray, array[int]] | None:
        """The compact form's width, ids, 8-byte keys, marks and areas (``claim_key`` on them in C:
        app/verifier/_native_ballots.pyx), or None for a roll kept by id."""
        if self._by_id is not None or not isinstance(self._areas, array):
            return None
        return self._width, self._ids, self._keys, self._counted, self._areas

    @property
    def areas(self) -> array[int] | list[int]:
        """The groups' areas by position (``claim_key``'s positions)."""
        return self._areas

    def __contains__(self, group_id: object) -> bool:
        return isinstance(group_id, str) and self.find(group_id) >= 0

    def area(self, position: int) -> int:
        return self._areas[position]

    def counted(self, position: int) -> bool:
        return bool(self._counted[position])

    def count(self, position: int) -> int:
        """Mark the group as having its counted ballot; its area."""
        self._counted[position] = 1
        return self._areas[position]

    def clear_counts(self) -> None:
        self._counted = bytearray(len(self._areas))
