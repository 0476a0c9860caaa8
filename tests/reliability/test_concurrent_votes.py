"""RELIABILITY #1 over HTTP: 50 copies of one member's browser POST the same htmx vote at the
same moment. Every answer is a 200 (no 500, no deadlock), one vote row remains
(UNIQUE(voter, entry)), and the Redis score went up by exactly one."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from challenges.clock import utcnow
from challenges.extensions import db
from challenges.leaderboard.live import board_for_page
from challenges.models import ChallengeSubmission, ChallengeVote
from tests.core.helpers import redis_board, submit
from tests.support.concurrency import run_concurrently

COPIES = 50


@pytest.mark.postgres_only
def test_fifty_concurrent_vote_posts_leave_one_row_and_add_one_to_the_score(
        app, client, login, make_challenge, make_user, redis_client):
    """RELIABILITY #1: one row, the score +1, no 500."""
    challenge, author = make_challenge("active"), make_user()
    entry = submit(challenge, author)
    board_for_page(challenge, None, utcnow())
    assert redis_board(redis_client, challenge) == {author.id: 0.0}
    login(client, make_user())
    token = client.csrf_token()
    session = client.get_cookie("session").value
    url = f"/challenges/{challenge.slug}/submissions/{entry.id}/vote"

    def post(_: int) -> int:
        browser = app.test_client()  # the same member: a copy of the session cookie
        browser.set_cookie("session", session)
        return browser.post(url, headers={"HX-Request": "true", "X-CSRFToken": token}
                            ).status_code

    statuses = run_concurrently(app, post, COPIES)

    assert statuses == [200] * COPIES, statuses
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(ChallengeVote)) == 1
    assert db.session.get(ChallengeSubmission, entry.id).vote_count == 1
    assert redis_board(redis_client, challenge) == {author.id: 1.0}
