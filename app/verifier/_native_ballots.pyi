from collections.abc import Callable
from typing import Any

class CountedLines:
    def __init__(
        self,
        verifier: Any,
        instant: Callable[[Any], Any],
        dumps: Callable[[Any], bytes],
        domain: bytes,
        topics: list[str],
    ) -> None: ...
    def start(self) -> None: ...
    def take(self, lines: list[bytes], at: int, limit: int, digests: bytearray) -> tuple[int, int, bool]: ...
    def spread(
        self, sums: list[dict[Any, list[int]]], participating: list[int], values: dict[Any, Any], above: int
    ) -> None: ...
    def extremes(self) -> tuple[bytes, bytes, bytes, bytes]: ...

def spread(
    tally: list[list[Any]], sums: list[dict[Any, list[int]]], participating: list[int], values: dict[Any, Any]
) -> None: ...
