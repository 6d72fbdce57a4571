"""The marks a published form keeps per topic and answer (``app.vote.spec.BallotForm``): the same marks a fresh
reading gives, never another topic's or another form's, never for an answer of another shape, bounded."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from app.rules.categories import statutory_rule
from app.rules.errors import ElectionWriteIn
from app.vote import spec
from app.vote.models import Topic
from app.vote.spec import AnswerInvalid, BallotForm, BallotIncomplete, Mark, TopicNotInNotice, marks_for, rule_to_json
from tests.factories_vote import election_topic, option_topic, yes_no_topic


def _topic(body: dict[str, Any], position: int = 0) -> Topic:
    return Topic(
        id=uuid.uuid4(), position=position, title=body["title"], text=body["title"], kind=body["kind"],
        matters=body["matters"], category=body["category"], rule=rule_to_json(statutory_rule(body["category"])),
        options=body.get("options"), election=body.get("election"), declaration_property_management=True,
    )  # fmt: skip


def _answers(topics: list[Topic], *answers: Any) -> dict[str, Any]:
    return {str(topic.id): answer for topic, answer in zip(topics, answers, strict=True)}


ELECTION = {"c1": "AGREE", "c2": "OPPOSE", "c3": "ABSTAIN", "c4": "AGREE", "c5": "AGREE", "c6": "OPPOSE",
            "c7": "ABSTAIN"}  # fmt: skip


def test_kept_marks_are_a_fresh_readings_marks_topic_by_topic():
    topics = [_topic(yes_no_topic(), 0), _topic(option_topic(), 1), _topic(election_topic(), 2)]
    form = BallotForm(topics)
    answers = _answers(topics, "AGREE", "B", ELECTION)
    first = form.marks(answers)
    again = form.marks(dict(answers))
    assert again == first == {str(t.id): marks_for(t, answers[str(t.id)]) for t in topics}
    assert first[str(topics[0].id)] == (Mark("", "AGREE"),)
    # another answer to the same topic: its own marks, not the kept ones
    other = form.marks(_answers(topics, "OPPOSE", "ABSTAIN", {**ELECTION, "c1": "OPPOSE"}))
    assert other == {t_id: marks_for(t, a) for (t_id, a), t in zip(
        _answers(topics, "OPPOSE", "ABSTAIN", {**ELECTION, "c1": "OPPOSE"}).items(), topics, strict=True)}  # fmt: skip


def test_marks_are_kept_per_topic_and_per_form():
    # "A" is an option of the first topic only: kept for it, still refused for the second
    first, second = _topic(option_topic("甲", ("A", "B")), 0), _topic(option_topic("乙", ("X", "Y")), 1)
    form = BallotForm([first, second])
    assert form.marks(_answers([first, second], "A", "X")) == {
        str(first.id): (Mark("", "A"),),
        str(second.id): (Mark("", "X"),),
    }
    with pytest.raises(AnswerInvalid):
        form.marks(_answers([first, second], "A", "A"))
    # another form with a topic of the same id (say, a vote published again with other options) keeps its own
    same_id = _topic(option_topic("甲", ("P", "Q")), 0)
    same_id.id = first.id
    other = BallotForm([same_id])
    assert other._kept[str(first.id)] == {}
    with pytest.raises(AnswerInvalid):
        other.marks({str(first.id): "A"})
    assert other.marks({str(first.id): "P"}) == {str(first.id): (Mark("", "P"),)}


@pytest.mark.parametrize(
    ("kept", "asked"),
    [
        (["X"], "X"),  # a list of one option and the option itself
        ({"c1": "AGREE"}, [("c1", "AGREE")]),
        ("AGREE", ["AGREE"]),
    ],
)
def test_an_answer_of_another_shape_never_gets_kept_marks(kept, asked):
    assert spec._answer_key(kept) != spec._answer_key(asked)


@pytest.mark.parametrize("answer", [True, 1, 1.0, None, ["X", 1], {"c1": True}, {"c1": 1}, [["X"]]])
def test_answers_not_made_of_strings_are_not_kept(answer):
    assert spec._answer_key(answer) is None
    consultation = _topic(option_topic(), 0)
    form = BallotForm([consultation])
    with pytest.raises(AnswerInvalid):
        form.marks({str(consultation.id): answer})
    assert form._kept[str(consultation.id)] == {}


def test_a_refused_answer_is_refused_every_time_and_never_kept():
    election = _topic(election_topic(), 0)
    form = BallotForm([election])
    unlisted = {**ELECTION, "c8": "AGREE"}  # a candidate not listed (R-ELEC-2)
    for _ in range(2):
        with pytest.raises(ElectionWriteIn):
            form.marks({str(election.id): unlisted})
    assert form._kept[str(election.id)] == {}


def test_kept_marks_are_bounded(monkeypatch):
    monkeypatch.setattr(spec, "MARKS_KEPT", 2)
    election = _topic(election_topic(), 0)
    form = BallotForm([election])
    answers = [{**ELECTION, "c1": choice} for choice in ("AGREE", "OPPOSE", "ABSTAIN")]
    for answer in answers:
        form.marks({str(election.id): answer})
    kept = form._kept[str(election.id)]
    assert len(kept) == 2
    assert spec._answer_key(answers[0]) not in kept  # the oldest went first
    assert form.marks({str(election.id): answers[0]}) == {str(election.id): marks_for(election, answers[0])}


def test_missing_and_unknown_topics_are_still_refused():
    topics = [_topic(yes_no_topic(), 0), _topic(option_topic(), 1)]
    form = BallotForm(topics)
    with pytest.raises(BallotIncomplete):
        form.marks({str(topics[0].id): "AGREE"})
    with pytest.raises(TopicNotInNotice):
        form.marks({**_answers(topics, "AGREE", "A"), "elsewhere": "AGREE"})
    with pytest.raises(BallotIncomplete):  # both: the missing topic is named first
        form.marks({str(topics[0].id): "AGREE", "elsewhere": "AGREE"})
