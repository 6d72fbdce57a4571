"""BallotForm's kept marks stay small whatever a caster sends: an entitled owner can send any number of casts (each
refused as already cast after the first: the marks are read before the write) with valid answers in new member
orders; only small answers are kept (``spec.ANSWER_KEPT_CHARACTERS``), at most ``spec.MARKS_KEPT`` a topic."""

from __future__ import annotations

import gc
import json
import random
import tracemalloc
import uuid
from typing import Any

from app.rules.categories import statutory_rule
from app.vote import spec
from app.vote.models import Topic, TopicKind
from app.vote.spec import BallotForm, rule_to_json
from tests.factories_vote import option_topic


def _topic(body: dict[str, Any]) -> Topic:
    return Topic(
        id=uuid.uuid4(), position=0, title=body["title"], text=body["title"], kind=body["kind"],
        matters=body["matters"], category=body["category"], rule=rule_to_json(statutory_rule(body["category"])),
        options=body.get("options"), election=body.get("election"), declaration_property_management=True,
    )  # fmt: skip


def test_kept_marks_of_one_consultation_topic_stay_small():
    options = tuple(f"{i:03d}" + "o" * 61 for i in range(100))  # TopicCreate allows 100 options of 64 characters
    body = option_topic("征询", options)
    body["kind"] = TopicKind.CONSULTATION
    topic = _topic(body)
    form = BallotForm([topic])
    rng = random.Random(0)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(spec.MARKS_KEPT):
            # a valid answer (every option once), in a new order, parsed from JSON as a request body is (~7 kB)
            form.marks(json.loads(json.dumps({str(topic.id): rng.sample(options, len(options))})))
        gc.collect()
        retained = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert retained < 2**20, f"{retained / 2**20:.1f} MiB kept for one topic"
    assert not form._kept[str(topic.id)]  # ~7 kB answers are read each time, never kept


def test_small_answers_are_kept_up_to_the_bound():
    topic = _topic(option_topic("征询", ("A", "B", "C", "D")))
    form = BallotForm([topic])
    for answer in ("A", "B", "C", "D", "A"):
        form.marks({str(topic.id): answer})
    assert set(form._kept[str(topic.id)]) == {"A", "B", "C", "D"}
    assert spec._answer_key("x" * (spec.ANSWER_KEPT_CHARACTERS + 1)) is None
    assert spec._answer_key(["x"] * (spec.ANSWER_KEPT_PARTS + 1)) is None
    assert spec._answer_key({"k" * 200: "v" * 57}) is None
    assert spec._answer_key({"k" * 200: "v" * 56}) == (dict, ("k" * 200, "v" * 56))
