"""The bundle's members are inflated by ISA-L (``checks._open_member``): the same bytes as zipfile's own inflate, and a
damaged deflate stream is an unreadable member (a FAIL line), as with zlib."""

import io
import os
import zipfile

import pytest

from app.verifier import checks


def _archive(members: dict[str, bytes]) -> zipfile.ZipFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return zipfile.ZipFile(io.BytesIO(buffer.getvalue()))


def test_isal_inflates_the_same_bytes_as_zlib():
    assert checks._inflater is not None  # installed with evote: the verifier's figures assume it
    lines = b"".join(b'{"n":%d,"pad":"%s"}\n' % (n, os.urandom(n % 97).hex().encode()) for n in range(40_000))
    archive = _archive({"a.jsonl": lines, "empty": b"", "random": os.urandom(300_000)})
    for info in archive.infolist():
        with checks._open_member(archive, info) as stream:
            assert type(stream._decompressor).__module__ != "zlib" or info.file_size == 0
            chunks = []
            while chunk := stream.read(checks.CHUNK_BYTES):
                chunks.append(chunk)
        assert b"".join(chunks) == archive.read(info.filename)


def test_a_damaged_deflate_stream_is_unreadable():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.jsonl", b"".join(b'{"n":%d}\n' % n for n in range(50_000)))
    raw = bytearray(buffer.getvalue())
    raw[100:140] = b"\xff" * 40  # inside the compressed data, headers intact
    archive = zipfile.ZipFile(io.BytesIO(bytes(raw)))

    def read_to_the_end() -> None:
        with checks._open_member(archive, "a.jsonl") as stream:
            while stream.read(checks.CHUNK_BYTES):
                pass

    with pytest.raises(checks.UNREADABLE_MEMBER):
        read_to_the_end()
