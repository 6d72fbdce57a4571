"""Recompute a topic's result from its published document and the counted ballots, with the law core.

The verifier has only the topic documents of the notice (``app.vote.documents.topic_document``); the topic's
kind (``app.rules.kinds``) reads the same fields there as the server reads from its rows, so the counting rule
(re-validated, R-CAT-4), the options (R-MULTI-1), the election method (R-ELEC-1/7) and what a valid answer is
(R-TALLY-1, R-ELEC-3) are derived by the same code. The kind then recounts ballot by ballot, independently of
the SQL aggregate the server decided from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app.errors import Text
from app.rules.categories import Category, CountingRule
from app.rules.counts import Weight
from app.rules.kinds import KINDS, TopicKind
from app.rules.kinds.base import SPOILED, AnswerRefused, KindRules, TopicTerms

__all__ = ["AnswerRefused", "counting_rule", "topic_evidence"]


def _kind(document: Mapping[str, Any]) -> KindRules:
    if document["kind"] not in KINDS:
        raise AnswerRefused(Text(f"未知的议题类型 {document['kind']!r}", f"unknown topic kind {document['kind']!r}"))
    return KINDS[TopicKind(document["kind"])]


def _terms(document: Mapping[str, Any]) -> TopicTerms:
    return TopicTerms(
        str(document.get("title", "")),
        Category(document["category"]),
        document["rule"],
        document.get("options"),
        document.get("election"),
    )


def counting_rule(document: Mapping[str, Any]) -> CountingRule:
    """The topic's rule, re-validated like the server's: stricter community thresholds only (R-CAT-4)."""
    return _kind(document).counting_rule(_terms(document))


def _spoiled(answer: Any, paper: bool) -> Any:
    """R-TALLY-6: only an imported paper ballot can be spoiled."""
    if answer == SPOILED and not paper:
        raise AnswerRefused(
            Text(
                "电子选票不能是无法辨认的选票（只有纸质选票可以）",
                "SPOILED on an online ballot (only paper ballots can be spoiled)",
            )
        )
    return answer


def topic_evidence(
    document: Mapping[str, Any], total: Weight, ballots: Sequence[tuple[Weight, Any, bool]]
) -> dict[str, Any]:
    """The ``to_dict()`` evidence of one topic from ``(group weight, answer, is paper)`` per counted ballot.

    Raises ``AnswerRefused`` or a ``RuleViolation`` for an answer the topic does not admit.
    """
    kind = _kind(document)
    counted = [(weight, _spoiled(answer, paper)) for weight, answer, paper in ballots]
    return kind.recount(_terms(document), counted, total)
