"""From stored topics to the law core's values, and from a cast answer to the marks the tally adds up.

One place decides what a valid answer to each kind of topic is (R-TALLY-1, R-MULTI, R-ELEC-2/3), so drafting,
casting and tallying can never disagree about it.

Answer formats (JSON) per topic kind:

* ``YES_NO``: ``"AGREE"`` / ``"OPPOSE"`` / ``"ABSTAIN"``;
* ``SINGLE_CHOICE``: an option id, or ``"ABSTAIN"``;
* ``CONSULTATION``: a list of option ids (pick any, R-MULTI-3), or ``"ABSTAIN"``;
* ``ELECTION``: ``{candidate id: "AGREE" | "OPPOSE" | "ABSTAIN"}`` for every listed candidate.

A mark is ``(item, answer)``: item ``""`` for yes/no and single choice, the option id for consultations, the
candidate id for elections.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.errors import DomainError
from app.rules.categories import Category, CountingRule, community_rule
from app.rules.choices import Choice
from app.rules.elections import ElectionConfig, validate_ballot
from app.rules.numeric import Threshold
from app.rules.options import validate_options
from app.vote.models import Topic, TopicKind

YES_NO_ANSWERS = (Choice.AGREE.value, Choice.OPPOSE.value, Choice.ABSTAIN.value)
CHOSEN = "CHOSEN"
SPOILED = Choice.SPOILED.value  # paper only: an unreadable or over-marked answer (R-TALLY-6, R-ELEC-3)


class AnswerInvalid(DomainError):
    code = "ballot.answer_invalid"
    status = 422
    title = "Invalid answer"
    message_zh = "议题“{topic}”的表决意见无效：{reason}"
    message_en = "Invalid answer for topic '{topic}': {reason}"


def rule_to_json(rule: CountingRule) -> dict[str, Any]:
    return {"quorum": rule.quorum.to_dict(), "approval": rule.approval.to_dict()}


def counting_rule(topic: Topic) -> CountingRule:
    """The topic's rule, re-validated: stricter community thresholds only (R-CAT-4)."""
    category = Category.ORDINARY if topic.kind is TopicKind.ELECTION else topic.category
    return community_rule(
        category,
        quorum=Threshold.from_dict(topic.rule["quorum"]),
        approval=Threshold.from_dict(topic.rule["approval"]),
    )


def option_ids(topic: Topic) -> tuple[str, ...]:
    return validate_options(str(option["id"]) for option in topic.options or [])


def election_config(topic: Topic) -> ElectionConfig:
    election = topic.election or {}
    alternates = election.get("alternate_candidates")
    return ElectionConfig(
        member_seats=int(election["member_seats"]),
        alternate_seats=int(election["alternate_seats"]),
        households=int(election["households"]),
        candidates=tuple(str(c["id"]) for c in election["candidates"]),
        alternate_candidates=None if alternates is None else tuple(str(c["id"]) for c in alternates),
    )


@dataclass(frozen=True, slots=True)
class Mark:
    item: str
    answer: str


def marks_for(topic: Topic, answer: Any) -> tuple[Mark, ...]:
    """Validate one topic's answer and turn it into marks; anything else is ``ballot.answer_invalid``."""
    name = topic.title
    if topic.kind is TopicKind.YES_NO:
        if answer not in YES_NO_ANSWERS:
            raise AnswerInvalid(topic=name, reason="AGREE / OPPOSE / ABSTAIN")
        return (Mark("", answer),)
    if topic.kind is TopicKind.SINGLE_CHOICE:
        if answer != Choice.ABSTAIN.value and answer not in option_ids(topic):
            raise AnswerInvalid(topic=name, reason="one listed option or ABSTAIN (R-MULTI-1)")
        return (Mark("", str(answer)),)
    if topic.kind is TopicKind.CONSULTATION:
        if answer == Choice.ABSTAIN.value:
            return (Mark("", Choice.ABSTAIN.value),)
        options = set(option_ids(topic))
        if not isinstance(answer, list) or not answer or not all(isinstance(a, str) for a in answer):
            raise AnswerInvalid(topic=name, reason="a list of listed options, or ABSTAIN (R-MULTI-3)")
        if len(set(answer)) != len(answer) or not set(answer) <= options:
            raise AnswerInvalid(topic=name, reason="each listed option at most once (R-MULTI-3)")
        return tuple(Mark(option, CHOSEN) for option in sorted(answer))
    return _election_marks(topic, answer)


def _election_marks(topic: Topic, answer: Any) -> tuple[Mark, ...]:
    if not isinstance(answer, dict) or not all(isinstance(v, str) for v in answer.values()):
        raise AnswerInvalid(topic=topic.title, reason="a choice for every candidate (R-ELEC-3)")
    if any(value not in YES_NO_ANSWERS for value in answer.values()):
        raise AnswerInvalid(topic=topic.title, reason="AGREE / OPPOSE / ABSTAIN for each candidate")
    choices = {str(candidate): Choice(value) for candidate, value in answer.items()}
    validate_ballot(election_config(topic), choices)  # R-ELEC-2 listed only, R-ELEC-3 approval limit
    return tuple(Mark(candidate, choice.value) for candidate, choice in sorted(choices.items()))


def marks_for_ballot(
    topics: Sequence[Topic], answers: Mapping[str, Any], *, allow_spoiled: bool = False
) -> dict[str, tuple[Mark, ...]]:
    """R-TALLY-1: one answer for every topic of the vote, and nothing else.

    ``allow_spoiled`` is for paper ballots entered by the organiser: a topic answered ``"SPOILED"`` counts as
    participating and not agreeing (R-TALLY-6); for an election it spoils the whole election topic (R-ELEC-3).
    """
    expected = {str(topic.id): topic for topic in topics}
    missing = sorted(expected[topic_id].title for topic_id in expected.keys() - answers.keys())
    unknown = sorted(answers.keys() - expected.keys())
    if missing:
        raise BallotIncomplete(topics="、".join(missing))
    if unknown:
        raise TopicNotInNotice(topics=", ".join(unknown))
    return {
        topic_id: (Mark("", SPOILED),)
        if allow_spoiled and answers[topic_id] == SPOILED
        else marks_for(topic, answers[topic_id])
        for topic_id, topic in expected.items()
    }


class BallotIncomplete(DomainError):
    code = "ballot.incomplete"
    status = 422
    title = "Ballot does not cover every topic"
    message_zh = "选票须对每个议题表明意见（R-TALLY-1），缺少：{topics}。"
    message_en = "A ballot must answer every topic (R-TALLY-1); missing: {topics}."


class TopicNotInNotice(DomainError):
    code = "ballot.topic_not_publicised"
    status = 422
    title = "Topic not in the published notice"
    message_zh = "不得就已公示议题以外的事项进行表决（北京市物业管理条例第三十五条）：{topics}。"
    message_en = "Voting on matters outside the published topics is not allowed (Beijing Art. 35(5)): {topics}."
