"""What a voter group can answer on a topic (R-TALLY-1, R-TALLY-6) and what a topic can end as."""

from __future__ import annotations

from enum import StrEnum


class Choice(StrEnum):
    """A voter group's answer on one yes/no topic or one election candidate (R-TALLY-1).

    ``SPOILED`` exists only for imported paper ballots whose choice cannot be read: it counts as
    participating and not agreeing, like ``ABSTAIN`` (R-TALLY-6). Void ballots never reach a tally.
    """

    AGREE = "AGREE"
    OPPOSE = "OPPOSE"
    ABSTAIN = "ABSTAIN"
    SPOILED = "SPOILED"


class Outcome(StrEnum):
    """The decision on one topic (R-TALLY-3, R-TALLY-4, R-MULTI-2, R-MULTI-3)."""

    PASSED = "PASSED"
    REJECTED = "REJECTED"
    NO_QUORUM = "NO_QUORUM"
    NO_DECISION = "NO_DECISION"  # consultations (R-MULTI-3) never decide anything
