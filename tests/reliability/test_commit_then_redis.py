"""RELIABILITY #32: Redis is written only after the database commit. A commit that fails leaves
Redis untouched; a Redis write that fails after the commit loses no vote, and the reconcile
job puts the score right."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import event, func, select

from challenges.clock import utcnow
from challenges.extensions import db
from challenges.leaderboard import keys
from challenges.leaderboard.live import board_for_page
from challenges.models import ChallengeSubmission, ChallengeVote
from jobs.leaderboards import reconcile_boards
from tests.core.helpers import redis_board, sql_truth, submit, vote


class CommitRefused(Exception):
    """What the database answers to COMMIT in this test (disk full, failover, ...)."""


@pytest.fixture
def refuse_next_commit() -> Iterator[Callable[[], None]]:
    """Once armed, the engine's next COMMIT fails, after every statement of the transaction
    succeeded (a fault at the database, not a stand-in for our code)."""
    armed = [False]

    def refuse(conn: object) -> None:
        if armed[0]:
            armed[0] = False
            raise CommitRefused("the database refused the commit")

    event.listen(db.engine, "commit", refuse)
    yield lambda: armed.__setitem__(0, True)
    event.remove(db.engine, "commit", refuse)


def redis_state(redis_client, challenge) -> tuple:
    return (redis_client.zrange(keys.board(challenge.id), 0, -1, withscores=True),
            redis_client.zrange(keys.submissions(challenge.id), 0, -1, withscores=True),
            redis_client.get(keys.version(challenge.id)))


def test_a_failed_commit_changes_nothing_in_redis(make_challenge, make_user, redis_client,
                                                   refuse_next_commit):
    """RELIABILITY #32, first case: the vote's rows were flushed, the COMMIT failed: no row, and
    no leaderboard write (they run only after a commit)."""
    challenge, author = make_challenge("active"), make_user()
    entry = submit(challenge, author)
    vote(entry, make_user())
    board_for_page(challenge, None, utcnow())
    before = redis_state(redis_client, challenge)
    assert before[0], "the board must be built for this test to mean anything"

    voter = make_user()
    refuse_next_commit()
    with pytest.raises(CommitRefused):
        vote(entry, voter)

    assert db.session.scalar(select(func.count()).select_from(ChallengeVote)) == 1
    assert db.session.get(ChallengeSubmission, entry.id).vote_count == 1
    assert redis_state(redis_client, challenge) == before
    vote(entry, make_user())  # the next commit goes through and is written
    assert redis_board(redis_client, challenge) == {author.id: 2.0}


def test_a_redis_write_lost_after_the_commit_is_repaired_by_the_reconcile_job(
        own_redis, make_challenge, make_user):
    """RELIABILITY #32, second case: Redis times out after the commit; the vote is kept, and
    one reconcile run makes the board equal the database again."""
    challenge, author = make_challenge("active"), make_user()
    entry = submit(challenge, author)
    board_for_page(challenge, None, utcnow())
    own_redis.client.execute_command("CLIENT", "PAUSE", 1500, "WRITE")  # writes time out
    vote(entry, make_user())  # no exception: the vote stands
    assert db.session.scalar(select(func.count()).select_from(ChallengeVote)) == 1
    assert redis_board(own_redis.client, challenge) == {author.id: 0.0}  # the write was lost
    own_redis.client.execute_command("CLIENT", "UNPAUSE")

    result = reconcile_boards()

    assert str(challenge.id) in result["fixed"]
    assert redis_board(own_redis.client, challenge) == {
        user_id: counted for user_id, counted, _ in sql_truth(challenge)} == {author.id: 1.0}
