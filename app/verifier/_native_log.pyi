from array import array

def cast_block(
    lines: list[bytes],
    at: int,
    indices: array[int],
    first: int,
    previous: int,
    listed_at: int,
    listed_leaves: array[int],
    listed_codes: bytearray,
    cast_code: int,
    vote: bytes,
    result_size: int,
    online: bool,
    grant_bases: tuple[bytes, ...],
    max_bytes: int,
    tolerance: int,
) -> tuple[int, list[tuple[int, bytes]], int, int, bytes, bytes, bytes, bytes, bytes]: ...
