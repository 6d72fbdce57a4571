"""Paper ballots: reception at the organiser, the public counting session, and which ballot of a group counts.

* R-PAPER-1 (CC Art. 137 ¶2: a declaration made otherwise than in conversation takes effect when it reaches the
  other party): a paper ballot is received when the organiser records its arrival, at the server's clock; a date
  typed on the paper is information only and never moves the reception. Receptions run inside the voting
  window ``[starts_at, ends_at)`` (R-LIFE-5) and are refused from the close instant on.
* R-PAPER-2 (CC Art. 137 ¶2, R-TALLY-7): between a group's online ballot and its paper ballots, the one with the
  earliest server time counts (the online cast instant, the paper reception instant); a later one is kept as a
  DUPLICATE and never voids an earlier ballot.
* R-PAPER-3 (指导规则 Art. 22 唱票、计票、监票; PROCEDURE W1): paper ballots are counted in a session after the close,
  before witnesses: at least one owner of the estate and the residents' committee or the street office.
* R-PAPER-4: a scan is identified by the SHA-256 of the bytes stored; a hash nobody uploaded, and the all-zero
  hash, identify no scan.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from enum import StrEnum

from app.rules.errors import (
    CountingBeforeClose,
    PaperReceptionOutsideWindow,
    ScanHashInvalid,
    WitnessesIncomplete,
)

ZERO_SHA256 = "0" * 64


class ReceptionStatus(StrEnum):
    """What a received paper ballot is (R-PAPER-2)."""

    RECEIVED = "RECEIVED"  # the group's first ballot by server time: its answers are entered at the counting
    COUNTED = "COUNTED"  # its answers were entered at the counting session: a counted ballot
    DUPLICATE = "DUPLICATE"  # the group already had an earlier ballot: kept, never counted, voids nothing


class PaperForm(StrEnum):
    """How the paper reached the organiser (R-PAPER-1)."""

    SHEET = "SHEET"  # the signed ballot sheet itself; its scan is the ballot's
    SEALED_ENVELOPE = "SEALED_ENVELOPE"  # a sealed envelope (from a ballot box), opened at the counting session


class WitnessRole(StrEnum):
    """Who may witness the counting (R-PAPER-3)."""

    OWNER = "OWNER"  # an owner of the estate, bound to the register through their own account
    RESIDENTS_COMMITTEE = "RESIDENTS_COMMITTEE"  # 居民委员会 of the estate's community
    STREET_OFFICE = "STREET_OFFICE"  # 街道办事处 of the estate


PUBLIC_WITNESSES = frozenset({WitnessRole.RESIDENTS_COMMITTEE, WitnessRole.STREET_OFFICE})


def check_reception_time(starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    """R-PAPER-1 with R-LIFE-5: a reception is recorded at ``now`` (the server's clock) inside the window."""
    if not starts_at <= now < ends_at:
        raise PaperReceptionOutsideWindow(starts_at=starts_at, ends_at=ends_at)


def reception_status(received_at: datetime, earlier_ballots: Iterable[datetime]) -> ReceptionStatus:
    """R-PAPER-2: RECEIVED if no ballot of the group (online cast or paper reception) has an earlier or equal
    server time, DUPLICATE otherwise; the earlier ballot stays as it is."""
    return ReceptionStatus.DUPLICATE if any(at <= received_at for at in earlier_ballots) else ReceptionStatus.RECEIVED


def check_counting_time(ends_at: datetime, now: datetime) -> None:
    """R-PAPER-3: the counting session is held after the close, never while owners may still vote."""
    if now < ends_at:
        raise CountingBeforeClose(ends_at=ends_at)


def check_witnesses(roles: Collection[WitnessRole]) -> None:
    """R-PAPER-3: at least one owner and the residents' committee or the street office witness the counting."""
    if WitnessRole.OWNER not in roles or not PUBLIC_WITNESSES & set(roles):
        raise WitnessesIncomplete()


def check_scan_hash(sha256: str) -> None:
    """R-PAPER-4: the all-zero hash is the placeholder of a scan that does not exist."""
    if len(sha256) != 64 or sha256 == ZERO_SHA256 or any(char not in "0123456789abcdef" for char in sha256):
        raise ScanHashInvalid()
