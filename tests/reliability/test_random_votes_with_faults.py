"""RELIABILITY #33: 10,000 random votes and unvotes while Redis misbehaves in every way we know
(flushed, a score corrupted, a member removed, writes timing out, the server stopped and started
again empty); after one reconcile run every entry's score in Redis equals COUNT(votes) in SQL
and every member's score equals the sum over their entries."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import func, select

from challenges.clock import utcnow
from challenges.errors import DomainError
from challenges.extensions import db
from challenges.leaderboard import keys
from challenges.leaderboard.live import board_for_page
from challenges.leaderboard.scores import counted_votes
from challenges.models import ChallengeVote
from challenges.services.votes import cast_vote, withdraw_vote
from challenges.transactions import commit_with_retry
from jobs.leaderboards import reconcile_boards
from tests.core.helpers import submit
from tests.core.test_leaderboard_property import assert_redis_matches_sql

OPERATIONS = 10_000
FAULT_EVERY = 500


@pytest.mark.slow
@pytest.mark.sqlite_only  # about 100 s, and about Redis: once per suite is enough
def test_ten_thousand_random_votes_with_redis_faults_reconcile_to_sql(own_redis, make_challenge,
                                                                     make_user):
    """RELIABILITY #33: ZSCORE == COUNT(votes) for every entry after the faults and one
    reconcile run."""
    rng = random.Random(33)
    challenge = make_challenge("active", max_submissions_per_user=3)
    entries = [submit(challenge, make_user(), title=f"E{i}") for i in range(12)]
    entry_ids = [e.id for e in entries]
    voters = [make_user() for _ in range(40)]
    board_for_page(challenge, None, utcnow())
    redis = own_redis.client
    faults = ["flush", "corrupt", "remove", "timeout", "restart"]
    stopped_until = -1
    for n in range(OPERATIONS):
        if n and n % FAULT_EVERY == 0:
            fault = faults[(n // FAULT_EVERY) % len(faults)]
            if fault == "flush":
                redis.flushall()
            elif fault == "corrupt":
                redis.zadd(keys.submissions(challenge.id), {str(rng.choice(entry_ids)): 99.0})
                redis.zincrby(keys.board(challenge.id), 7, str(entries[0].user_id))
            elif fault == "remove":
                redis.zrem(keys.board(challenge.id), str(rng.choice(entries).user_id))
            elif fault == "timeout":
                redis.execute_command("CLIENT", "PAUSE", 1200, "WRITE")  # the next write is lost
            else:
                own_redis.stop()  # down for the next 50 operations, then back empty
                stopped_until = n + 50
        if n == stopped_until:
            own_redis.start()
        entry_id, voter = rng.choice(entry_ids), rng.choice(voters)
        now = utcnow()
        try:
            if rng.random() < 0.7:
                commit_with_retry(lambda: cast_vote(entry_id, voter, now))
            else:
                commit_with_retry(lambda: withdraw_vote(entry_id, voter, now))
        except DomainError:  # e.g. a vote for one's own entry: refused, nothing changed
            db.session.rollback()
        if n % 1000 == 999:
            board_for_page(challenge, None, utcnow())  # reads happen too (and rebuild)
    if stopped_until >= OPERATIONS:
        own_redis.start()

    reconcile_boards()

    assert_redis_matches_sql(redis, challenge)
    rows = dict(db.session.execute(
        select(ChallengeVote.submission_id, func.count()).group_by(ChallengeVote.submission_id)
    ).all())
    scores = {member: counted_votes(score) for member, score in
              redis.zrange(keys.submissions(challenge.id), 0, -1, withscores=True)}
    assert scores == {str(e): float(rows.get(e, 0)) for e in entry_ids}
    assert sum(rows.values()) > 100  # the run really voted
