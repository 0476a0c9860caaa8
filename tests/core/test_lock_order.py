"""The lock order (docs/decisions.md, "One lock order"): votes, unvotes and the author's
withdrawal of the same entry race without a deadlock, and afterwards every counter (the entry's,
the challenge's, Redis's) equals what the vote rows say.

PostgreSQL only: SQLite has one writer at a time, so it has neither row locks nor deadlocks.
Deadlocks are counted twice: in the PostgreSQL server's own log (when the tests started it via
pgserver) and in the retries ``commit_with_retry`` logs for SQLSTATE 40P01.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from challenges.clock import utcnow
from challenges.errors import EntryNotVotable, NotFound
from challenges.extensions import db
from challenges.leaderboard import keys
from challenges.leaderboard.live import board_for_page
from challenges.leaderboard.scores import encode
from challenges.models import ChallengeSubmission, ChallengeVote, User, WeeklyChallenge
from challenges.services.entries import withdraw_entry
from challenges.services.votes import VoteOutcome, cast_vote, withdraw_vote
from challenges.transactions import commit_with_retry

from ..support.concurrency import run_concurrently
from .helpers import redis_board, sql_truth, submit

pytestmark = pytest.mark.postgres_only

VOTERS = 50
VOTE_ROUNDS = 20
UNVOTE_ROUNDS = 5
# What a vote or an unvote may meet when the withdrawal commits first: the entry is gone.
REFUSED = (NotFound, EntryNotVotable)


class DeadlockWatch:
    """Deadlocks seen since ``start``: lines the server wrote to its log, and the 40P01 retries
    ``commit_with_retry`` logged (it logs every transient conflict it retries)."""

    def __init__(self, server_log: Path | None, caplog: pytest.LogCaptureFixture) -> None:
        self.server_log, self.caplog = server_log, caplog
        self.offset = server_log.stat().st_size if server_log else 0

    def in_server_log(self) -> int | None:
        if self.server_log is None:
            return None  # an external server (DATABASE_URL): its log is not ours to read
        with self.server_log.open("rb") as log:
            log.seek(self.offset)
            return log.read().decode(errors="replace").count("deadlock detected")

    def retried(self) -> int:
        return sum("deadlock detected" in record.getMessage() for record in self.caplog.records
                   if record.name == "challenges.transactions")


@pytest.fixture
def deadlocks(workdir: Path, caplog: pytest.LogCaptureFixture) -> DeadlockWatch:
    caplog.set_level(logging.INFO, logger="challenges.transactions")
    server_log = workdir / "pg" / "log"
    return DeadlockWatch(server_log if server_log.exists() else None, caplog)


WEIGHT = 0.75  # a verified member's vote: counted and raw votes differ


@pytest.fixture
def arena(app, make_challenge, make_user):
    """An active challenge, its author, and 50 voters, half of them verified with a vote weight
    of 0.75 so counted votes and raw votes differ. The board is built, so Redis counts too."""
    challenge = make_challenge("active", max_submissions_per_user=3)
    author = make_user()
    voters = [make_user(is_verified=i % 2 == 0) for i in range(VOTERS)]
    keeper = submit(challenge, author, title="Keeper")  # keeps the author on the board
    for voter in voters[:3]:
        commit_with_retry(
            lambda voter=voter: cast_vote(keeper.id, voter, utcnow(), verified_weight=WEIGHT))
    board_for_page(challenge, None, utcnow())
    return challenge.id, author.id, [voter.id for voter in voters]


def race(app, votes: Callable[[int], Any], withdraw: Callable[[], None], after: int) -> list:
    """Run the 50 vote actions and the withdrawal at once; the withdrawal starts once ``after``
    of the vote actions have returned, so it lands among the others still in flight."""
    done = threading.Condition()
    returned = [0]

    def work(i: int) -> Any:
        if i == VOTERS:
            with done:
                assert done.wait_for(lambda: returned[0] >= after, timeout=60)
            return commit_with_retry(withdraw)
        try:
            return votes(i)
        finally:
            with done:
                returned[0] += 1
                done.notify_all()

    return run_concurrently(app, work, VOTERS + 1)


def counters_disagreeing_with_the_vote_rows(redis_client, challenge_id) -> list[str]:
    """Every counter that differs from what the vote rows say (empty when all agree)."""
    db.session.expire_all()
    wrong = []
    rows = {sid: (count, float(weights)) for sid, count, weights in db.session.execute(
        select(ChallengeVote.submission_id, func.count(), func.sum(ChallengeVote.weight))
        .where(ChallengeVote.challenge_id == challenge_id)
        .group_by(ChallengeVote.submission_id))}
    entries = db.session.scalars(select(ChallengeSubmission).where(
        ChallengeSubmission.challenge_id == challenge_id)).all()
    for entry in entries:
        count, weights = rows.get(entry.id, (0, 0.0))
        if (entry.vote_count, entry.counted_votes) != (count, weights):
            wrong.append(f"{entry.title}: vote_count/counted_votes "
                         f"{entry.vote_count}/{entry.counted_votes}, rows {count}/{weights}")
    challenge = db.session.get(WeeklyChallenge, challenge_id)
    assert challenge is not None
    on_counting = sum(rows.get(e.id, (0, 0.0))[0] for e in entries if e.counts)
    if challenge.total_votes != on_counting:
        wrong.append(f"total_votes {challenge.total_votes}, rows on counting entries "
                     f"{on_counting}")
    truth = {user_id: counted for user_id, counted, _ in sql_truth(challenge)}
    if redis_board(redis_client, challenge) != truth:
        wrong.append(f"Redis board {redis_board(redis_client, challenge)}, rows {truth}")
    stored = dict(redis_client.zrange(keys.submissions(challenge_id), 0, -1, withscores=True))
    expected = {str(e.id): encode(rows.get(e.id, (0, 0.0))[1], e.entry_number)
                for e in entries if e.counts}
    if stored != expected:
        wrong.append(f"Redis submissions {stored}, rows {expected}")
    db.session.rollback()
    return wrong


def user(user_id: int) -> User:
    found = db.session.get(User, user_id)
    assert found is not None
    return found


def test_fifty_votes_racing_the_authors_withdrawal_never_deadlock_and_keep_counters_exact(
        app, arena, redis_client, deadlocks):
    challenge_id, author_id, voter_ids = arena
    challenge = db.session.get(WeeklyChallenge, challenge_id)
    problems, unexpected, seconds = [], [], []
    for round_ in range(VOTE_ROUNDS):
        entry_id = submit(challenge, user(author_id), title=f"Round {round_}").id
        began = time.monotonic()
        outcomes = race(
            app,
            lambda i: commit_with_retry(
                lambda: cast_vote(entry_id, user(voter_ids[i]), utcnow(), verified_weight=WEIGHT)),
            lambda: withdraw_entry(entry_id, user(author_id), utcnow()),
            after=2 + round_ % 10 * 4)  # 2, 6, ... 38 votes back before the withdrawal
        seconds.append(time.monotonic() - began)
        unexpected += [o for o in outcomes if o is not None
                       and not isinstance(o, (VoteOutcome, *REFUSED))]
        problems += [f"round {round_}: {p}"
                     for p in counters_disagreeing_with_the_vote_rows(redis_client, challenge_id)]

    report = (f"deadlocks: server log {deadlocks.in_server_log()}, retried "
              f"{deadlocks.retried()}; seconds per round: max {max(seconds):.2f}, "
              f"mean {sum(seconds) / len(seconds):.2f}")
    print(report)
    assert not unexpected, unexpected
    assert not problems, problems
    assert deadlocks.retried() == 0, report
    assert deadlocks.in_server_log() in (0, None), report


def test_unvotes_racing_the_authors_withdrawal_keep_every_counter_exact(
        app, arena, redis_client, deadlocks):
    challenge_id, author_id, voter_ids = arena
    challenge = db.session.get(WeeklyChallenge, challenge_id)
    problems, unexpected = [], []
    for round_ in range(UNVOTE_ROUNDS):
        entry_id = submit(challenge, user(author_id), title=f"Round {round_}").id
        run_concurrently(app, lambda i: commit_with_retry(
            lambda: cast_vote(entry_id, user(voter_ids[i]), utcnow(), verified_weight=WEIGHT)),
            VOTERS)
        outcomes = race(
            app,
            lambda i: commit_with_retry(
                lambda: withdraw_vote(entry_id, user(voter_ids[i]), utcnow())),
            lambda: withdraw_entry(entry_id, user(author_id), utcnow()),
            after=2 + round_ * 9)
        unexpected += [o for o in outcomes if o is not None
                       and not isinstance(o, (VoteOutcome, *REFUSED))]
        problems += [f"round {round_}: {p}"
                     for p in counters_disagreeing_with_the_vote_rows(redis_client, challenge_id)]

    assert not unexpected, unexpected
    assert not problems, problems
    assert deadlocks.retried() == 0
    assert deadlocks.in_server_log() in (0, None)
