"""RELIABILITY #3: a vote is taken only inside the voting window, to the second, over HTTP:
one second before the voting deadline it counts; at the deadline and one second after it is
refused (API 409 ``voting_closed``; the htmx button shows the reason) and leaves no row; before
the start and on a draft it is refused too. The rule (``vote_refusal``) is asked inside the
vote's transaction, under the challenge row lock (docs/decisions.md, "One lock order")."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from challenges.clock import utcnow
from challenges.extensions import db
from challenges.models import ChallengeVote
from challenges.services.api_tokens import create_token
from tests.core.helpers import submit

SECOND = timedelta(seconds=1)


def votes() -> int:
    return db.session.scalar(select(func.count()).select_from(ChallengeVote))


@pytest.fixture
def entry(frozen_clock, make_challenge, make_user):
    challenge = make_challenge("active")
    return submit(challenge, make_user())


def api_vote(client, entry, token):
    return client.post(f"/api/challenges/{entry.challenge.slug}/vote/{entry.id}/",
                       headers={"Authorization": f"Bearer {token}"})


def test_a_vote_one_second_before_the_deadline_counts_and_from_the_deadline_on_it_is_refused(
        app, client, login, entry, frozen_clock, make_user):
    """RELIABILITY #3: deadline - 1 s counts; the deadline and + 1 s are refused, no row."""
    deadline = entry.challenge.voting_deadline
    early, on_time, late = make_user(), make_user(), make_user()
    tokens = {}
    for user in (early, on_time, late):
        _, tokens[user.id] = create_token(user, "tests", utcnow())
    db.session.commit()

    frozen_clock.set(entry.challenge.starts_at - SECOND)
    assert api_vote(client, entry, tokens[early.id]).status_code == 409  # upcoming
    frozen_clock.set(deadline - SECOND)
    response = api_vote(client, entry, tokens[on_time.id])
    assert response.status_code == 200 and response.get_json()["voted"] is True
    for moment in (deadline, deadline + SECOND):
        frozen_clock.set(moment)
        response = api_vote(client, entry, tokens[late.id])
        assert response.status_code == 409, moment
        assert response.get_json()["error"]["code"] == "voting_closed"
    assert votes() == 1

    browser = app.test_client()
    login(browser, late)
    frozen_clock.set(deadline + SECOND)
    url = f"/challenges/{entry.challenge.slug}/submissions/{entry.id}/vote"
    response = browser.post(url, headers={"HX-Request": "true",
                                          "X-CSRFToken": browser.csrf_token()})
    assert "Voting has closed for this challenge." in response.get_data(as_text=True)
    assert votes() == 1


def test_a_vote_on_a_draft_is_404_and_leaves_no_row(client, entry, make_user):
    """RELIABILITY #3: a draft challenge takes no vote (and does not say it exists)."""
    voter = make_user()
    _, token = create_token(voter, "tests", utcnow())
    entry.challenge.status = "draft"
    db.session.commit()
    assert api_vote(client, entry, token).status_code == 404
    assert votes() == 0
