"""A vote's status changes only through ``app.vote.lifecycle.transition``: the table is checked, the move's instant
stamped and its audit entry appended; an illegal move changes nothing and appends nothing."""

from __future__ import annotations

import ast
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.ledger.events import Event, EventKind
from app.rules.errors import TransitionNotAllowed
from app.rules.lifecycle import VoteStatus
from app.vote.lifecycle import status_at, transition
from tests.factories_vote import make_vote

T0 = datetime(2025, 3, 16, 16, 0, tzinfo=UTC)
APP = Path(__file__).resolve().parents[2] / "app"


async def _entries(session, vote_id):
    return (await session.scalars(sa.select(AuditEntry).where(AuditEntry.vote_id == vote_id))).all()


async def test_an_illegal_transition_is_refused_and_changes_nothing(backend, app, session):
    fixture = await make_vote(session, app.state.cipher, now=T0, status=VoteStatus.DRAFT)
    before = len(await _entries(session, fixture.vote.id))
    with pytest.raises(TransitionNotAllowed) as refused:
        await transition(
            session, fixture.vote, VoteStatus.CLOSED, now=T0, actor="tests", event=Event(EventKind.VOTE_CLOSED, {})
        )
    assert (refused.value.status, refused.value.params) == (409, {"status": "DRAFT", "to": "CLOSED"})
    assert fixture.vote.status is VoteStatus.DRAFT
    assert fixture.vote.closed_at is None
    assert len(await _entries(session, fixture.vote.id)) == before


async def test_publication_stamps_the_publisher_and_appends_its_entry(backend, app, session):
    fixture = await make_vote(session, app.state.cipher, now=T0, status=VoteStatus.DRAFT)
    vote = fixture.vote
    now = T0 + timedelta(hours=3)
    entry = await transition(
        session,
        vote,
        VoteStatus.PUBLISHED,
        now=now,
        actor="committee:1",
        event=Event(EventKind.VOTE_PUBLISHED, {"a": 1}),
    )
    assert (vote.status, vote.published_at, vote.published_by) == (VoteStatus.PUBLISHED, now, "committee:1")
    assert (entry.kind, entry.payload, entry.estate_id, entry.vote_id) == (
        EventKind.VOTE_PUBLISHED,
        {"a": 1},
        vote.estate_id,
        vote.id,
    )
    assert entry in await _entries(session, vote.id)


async def test_close_decide_and_publish_stamp_their_instants(backend, app, session):
    fixture = await make_vote(session, app.state.cipher, now=T0)
    vote = fixture.vote
    later = vote.ends_at + timedelta(hours=2)
    await transition(session, vote, VoteStatus.CLOSED, now=later, actor="t", event=Event(EventKind.VOTE_CLOSED, {}))
    assert vote.closed_at == vote.ends_at  # R-LIFE-8: the decision instant is the publicised close
    await transition(session, vote, VoteStatus.DECIDED, now=later, actor="t", event=Event(EventKind.VOTE_DECIDED, {}))
    assert vote.decided_at == later
    await transition(
        session,
        vote,
        VoteStatus.RESULT_PUBLISHED,
        now=later,
        actor="t",
        event=Event(EventKind.VOTE_RESULT_PUBLISHED, {}),
    )
    assert (vote.status, vote.result_published_at) == (VoteStatus.RESULT_PUBLISHED, later)
    assert status_at(vote, later) is VoteStatus.RESULT_PUBLISHED


async def test_resumption_is_not_a_second_publication(backend, app, session):
    fixture = await make_vote(session, app.state.cipher, now=T0, opens_in=timedelta(days=1))
    vote = fixture.vote
    published = (vote.published_at, vote.published_by)
    await transition(
        session, vote, VoteStatus.SUSPENDED, now=T0, actor="so", event=Event(EventKind.SUPERVISION_SUSPENSION, {})
    )
    await transition(
        session, vote, VoteStatus.PUBLISHED, now=T0, actor="so", event=Event(EventKind.SUPERVISION_RESUMPTION, {})
    )
    assert (vote.published_at, vote.published_by) == published


def _status_writes(path: Path) -> list[int]:
    """Lines assigning ``<something named vote>.status``: a vote's status written outside ``transition``."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, ast.AugAssign | ast.AnnAssign)
            else []
        )
        for target in targets:
            if (
                isinstance(target, ast.Attribute)
                and target.attr == "status"
                and isinstance(target.value, ast.Name)
                and "vote" in target.value.id
            ):
                lines.append(target.lineno)
    return lines


def test_only_the_lifecycle_writes_a_vote_status():
    writes = {
        str(path.relative_to(APP)): lines
        for path in sorted(APP.rglob("*.py"))
        if (lines := _status_writes(path)) and path != APP / "vote" / "lifecycle.py"
    }
    assert writes == {}
    assert _status_writes(APP / "vote" / "lifecycle.py")  # the check still sees the one place that writes
