"""An owner's app written against the Python client generated from openapi/openapi.json (openapi-python-client).

``test_generated_clients.py`` generates the ``evote_client`` package and type-checks this module with
``mypy --strict``: a renamed field, a dropped model or an untyped response breaks it, as it would break an app.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from evote_client import AuthenticatedClient, Client
from evote_client.api.auth import auth_login, auth_request_code
from evote_client.api.ballots import ballots_cast_ballot
from evote_client.api.home import home_list_my_votes
from evote_client.api.log import log_ballot_receipt
from evote_client.api.results import results_get_result
from evote_client.api.votes import votes_get_vote
from evote_client.models import (
    BallotCast,
    BallotCastAnswers,
    CodeRequest,
    HomeState,
    LoginRequest,
    MyVotesPage,
    Problem,
    Receipt,
    ReceiptOut,
    ResultRead,
    TokenPair,
    TopicRead,
    VoteRead,
)

T = TypeVar("T")


def _expect(answer: T | Problem | None, kind: type[T], what: str) -> T:
    if isinstance(answer, kind):
        return answer
    code = answer.code if isinstance(answer, Problem) else "no answer"
    raise RuntimeError(f"{what}: {code}")


def owner_flow(
    base_url: str, phone: str, read_code: Callable[[], str], answer: Callable[[TopicRead], Any]
) -> list[str]:
    """Sign in, find the open vote in my votes, vote for every group not yet voted, keep the receipt, read the
    result."""
    public = Client(base_url=base_url)
    auth_request_code.sync_detailed(client=public, body=CodeRequest(phone=phone))
    pair = _expect(auth_login.sync(client=public, body=LoginRequest(phone=phone, code=read_code())), TokenPair, "login")
    api = AuthenticatedClient(base_url=base_url, token=pair.access_token)

    # No id is known in advance: the open votes of my estates, each with the groups I act for (issue #19 item 4).
    mine = _expect(home_list_my_votes.sync(client=api, state=HomeState.OPEN), MyVotesPage, "my votes")
    item = mine.items[0]
    vote_id = item.vote_id
    vote = _expect(votes_get_vote.sync(vote_id, client=api), VoteRead, "vote")
    receipts = []
    for group in (candidate for candidate in item.groups if not candidate.voted):
        answers = BallotCastAnswers.from_dict({str(topic.id): answer(topic) for topic in vote.topics})
        cast = ballots_cast_ballot.sync(vote_id, client=api, body=BallotCast(group_id=group.group_id, answers=answers))
        receipt = _expect(cast, Receipt, "cast")
        proof = _expect(log_ballot_receipt.sync(receipt.audit_entry_id, client=api), ReceiptOut, "receipt")
        receipts.append(proof.leaf_hash)
    result = _expect(results_get_result.sync(vote_id, client=api), ResultRead, "result")
    return [f"{topic.position} {topic.title}: {topic.outcome}" for topic in result.topics]
