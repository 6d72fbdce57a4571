"""From stored topics to the law core's values, and from a cast answer to the marks the tally adds up.

What a valid answer to each kind of topic is, and the marks it is stored as, is decided by the kind's module in
``app.rules.kinds`` (R-TALLY-1, R-MULTI, R-ELEC-2/3), so drafting, casting, tallying and the offline verifier
can never disagree about it. A mark is ``(item, answer)``: item ``""`` for a whole-topic answer, the option id
or the candidate id otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any

from app.errors import DomainError
from app.rules.categories import BLANK_NOT_COUNTED, CountingRule
from app.rules.kinds import KINDS
from app.rules.kinds.base import SPOILED, AnswerRefused, KindRules, TopicTerms
from app.rules.kinds.base import Mark as Mark  # the marks ballots are stored as
from app.vote.models import Topic


class AnswerInvalid(DomainError):
    code = "ballot.answer_invalid"
    status = 422
    title = "Invalid answer"
    message_zh = "议题“{topic}”的表决意见无效：{reason}"
    message_en = "Invalid answer for topic '{topic}': {reason}"


def rule_to_json(rule: CountingRule) -> dict[str, Any]:
    """A topic's stored and published rule; ``blank_ballots`` only when the rules of procedure change R-TALLY-6."""
    data: dict[str, Any] = {"quorum": rule.quorum.to_dict(), "approval": rule.approval.to_dict()}
    if not rule.blank_participates:
        data["blank_ballots"] = BLANK_NOT_COUNTED  # R-PROC-4
    return data


def kind_rules(topic: Topic) -> KindRules:
    return KINDS[topic.kind]


def terms(topic: Topic) -> TopicTerms:
    """The stored topic as its kind reads it (the same fields as its published document)."""
    return TopicTerms(topic.title, topic.category, topic.rule, topic.options, topic.election)


def counting_rule(topic: Topic) -> CountingRule:
    """The topic's rule, re-validated: stricter community thresholds only (R-CAT-4)."""
    return kind_rules(topic).counting_rule(terms(topic))


def marks_for(topic: Topic, answer: Any) -> tuple[Mark, ...]:
    """Validate one topic's answer and turn it into marks; anything else is ``ballot.answer_invalid``."""
    try:
        return kind_rules(topic).marks(terms(topic), answer)
    except AnswerRefused as refused:
        raise AnswerInvalid(topic=topic.title, reason=refused.reason) from None


def marks_for_ballot(
    topics: Sequence[Topic], answers: Mapping[str, Any], *, allow_spoiled: bool = False
) -> dict[str, tuple[Mark, ...]]:
    """R-TALLY-1: one answer for every topic of the vote, and nothing else.

    ``allow_spoiled`` is for paper ballots entered by the organiser: a topic answered ``"SPOILED"`` counts as
    participating and not agreeing (R-TALLY-6); for an election it spoils the whole election topic (R-ELEC-3).
    """
    return BallotForm(topics).marks(answers, allow_spoiled=allow_spoiled)


MARKS_KEPT = 256
"""Answers whose marks a ``BallotForm`` keeps per topic (the oldest first out when full): a yes/no or single-choice
topic has a few; a caster can send as many others as they like (each refused as already cast, or reordered), so the
kept answers are few and small (``ANSWER_KEPT_CHARACTERS``): at most ~1 MB a topic whatever is sent."""
ANSWER_KEPT_CHARACTERS = 256
"""The most characters (strings and members together) of an answer whose marks are kept; larger ones are read."""
ANSWER_KEPT_PARTS = 32
"""The most strings or members of an answer whose marks are kept."""


class BallotForm:
    """A vote's published topics as answers are checked against them (``marks_for_ballot``), each topic's reader
    (``KindRules.answer_reader``: an election's config) built on its first answer and kept: published topics never
    change (R-PUB), so casting keeps one form with them (``app.ballot.repository.published_form``).

    A topic's marks are a function of its published terms and the answer alone, so the form also keeps the marks of
    the answers it has read (``MARKS_KEPT`` a topic; an election's few thousand answer patterns, a yes/no topic's
    three): a later ballot with the same answer to that topic gets the same marks without reading it again. Only
    answers made of exact ``str`` values are kept, keyed with their shape, so no two different answers (``"1"`` and
    ``["1"]``, or ``True`` and ``1``, which Python hashes alike) can share marks; a refused answer is never kept.
    """

    __slots__ = ("_kept", "_readers", "expected", "topics")

    def __init__(self, topics: Sequence[Topic]) -> None:
        self.topics = tuple(topics)
        self.expected = {str(topic.id): topic for topic in self.topics}
        self._readers: dict[str, Callable[[Any], tuple[Mark, ...]]] = {}
        self._kept: dict[str, dict[Hashable, tuple[Mark, ...]]] = {topic_id: {} for topic_id in self.expected}

    def marks(self, answers: Mapping[str, Any], *, allow_spoiled: bool = False) -> dict[str, tuple[Mark, ...]]:
        expected = self.expected
        if answers.keys() != expected.keys():
            missing = sorted(expected[topic_id].title for topic_id in expected.keys() - answers.keys())
            if missing:
                raise BallotIncomplete(topics="、".join(missing))
            raise TopicNotInNotice(topics=", ".join(sorted(answers.keys() - expected.keys())))
        return {
            topic_id: (Mark("", SPOILED),)
            if allow_spoiled and answers[topic_id] == SPOILED
            else self._marks_for(topic_id, topic, answers[topic_id])
            for topic_id, topic in expected.items()
        }

    def _marks_for(self, topic_id: str, topic: Topic, answer: Any) -> tuple[Mark, ...]:
        """``marks_for`` through the topic's kept reader, or the marks kept for the same answer."""
        key = _answer_key(answer)
        kept = self._kept[topic_id]
        if key is not None:
            marks = kept.get(key)
            if marks is not None:
                return marks
        reader = self._readers.get(topic_id)
        if reader is None:
            reader = self._readers[topic_id] = kind_rules(topic).answer_reader(terms(topic))
        try:
            marks = reader(answer)
        except AnswerRefused as refused:
            raise AnswerInvalid(topic=topic.title, reason=refused.reason) from None
        if key is not None:
            if len(kept) >= MARKS_KEPT:
                del kept[next(iter(kept))]  # the oldest kept first (dicts keep insertion order)
            kept[key] = marks
        return marks


def _answer_key(answer: Any) -> Hashable | None:
    """A key equal only for equal answers of the same shape: a string; a list of strings; an object of strings (in
    its members' order), each within ``ANSWER_KEPT_PARTS`` and ``ANSWER_KEPT_CHARACTERS``. None for any other
    answer, whose marks are not kept."""
    kind = type(answer)
    if kind is str:
        text: str = answer
        return text if len(text) <= ANSWER_KEPT_CHARACTERS else None
    if kind is list:
        small = len(answer) <= ANSWER_KEPT_PARTS and all(type(item) is str for item in answer)
        return (list, *answer) if small and sum(map(len, answer)) <= ANSWER_KEPT_CHARACTERS else None
    if kind is dict:
        items = tuple(answer.items())
        small = len(items) <= ANSWER_KEPT_PARTS and all(type(n) is str and type(v) is str for n, v in items)
        if small and sum(len(name) + len(value) for name, value in items) <= ANSWER_KEPT_CHARACTERS:
            return (dict, *items)
    return None


class BallotIncomplete(DomainError):
    code = "ballot.incomplete"
    status = 422
    title = "Ballot does not cover every topic"
    message_zh = "选票须对每个议题表明意见，缺少：{topics}。"
    message_en = "A ballot must answer every topic; missing: {topics}."
    rules = ("R-TALLY-1",)


class TopicNotInNotice(DomainError):
    code = "ballot.topic_not_publicised"
    status = 422
    title = "Topic not in the published notice"
    message_zh = "不得就已公示议题以外的事项进行表决（北京市物业管理条例第三十五条）：{topics}。"
    message_en = "Voting on matters outside the published topics is not allowed (Beijing Art. 35(5)): {topics}."
