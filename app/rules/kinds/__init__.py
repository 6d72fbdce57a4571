"""The registry of topic kinds (R-TALLY-1, R-MULTI, R-ELEC): each kind is one module, registered here once.

A kind module holds everything that differs between kinds: what a draft must carry, what a valid answer is and
the marks it is stored as, which SQL aggregate its tally reads, how it is decided, and how the offline verifier
recounts it (``app.rules.kinds.base``). Drafting, casting, the tally, the SQL aggregate and the verifier look the
kind up in ``KINDS`` and never branch on it.

Adding a kind touches three files: its module here, its member of ``TopicKind`` and its line in ``KINDS`` below,
and an Alembic migration widening the ``topic.kind`` CHECK constraint (the column is a portable VARCHAR enum).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class TopicKind(StrEnum):
    YES_NO = "YES_NO"  # AGREE / OPPOSE / ABSTAIN (R-TALLY-1)
    ELECTION = "ELECTION"  # R-ELEC
    SINGLE_CHOICE = "SINGLE_CHOICE"  # R-MULTI-1..2
    CONSULTATION = "CONSULTATION"  # R-MULTI-3: no decision


# After TopicKind: every kind module names its member.
from app.rules.kinds import consultation, election, single_choice, yes_no  # noqa: E402
from app.rules.kinds.base import KindRules  # noqa: E402

KINDS: Mapping[TopicKind, KindRules] = {
    TopicKind.YES_NO: yes_no.RULES,
    TopicKind.ELECTION: election.RULES,
    TopicKind.SINGLE_CHOICE: single_choice.RULES,
    TopicKind.CONSULTATION: consultation.RULES,
}
