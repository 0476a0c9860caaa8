"""The voting reward's caps hold under concurrency and reset at 00:00 UTC (SPEC §6)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from challenges.clock import utcnow
from challenges.extensions import db
from challenges.leaderboard.store import day_start
from challenges.models import ChallengeVote, LedgerEntry, User
from challenges.services.votes import cast_vote
from challenges.transactions import commit_with_retry

from ..core.helpers import submit, unvote, vote
from ..support.concurrency import run_concurrently
from .helpers import points


def rewarded_since(voter_id: int, since) -> int:
    db.session.expire_all()
    return db.session.scalar(
        select(func.count()).select_from(LedgerEntry).where(
            LedgerEntry.user_id == voter_id, LedgerEntry.reason == "vote_reward",
            LedgerEntry.created_at >= since)
    ) or 0


@pytest.mark.postgres_only
def test_ten_concurrent_votes_after_19_rewarded_leave_exactly_20_rewarded_today(
    app, frozen_clock, make_challenge, make_user
):
    """19 rewarded votes, then 10 at once on 10 different entries spread over two challenges
    (so two different challenge row locks): exactly one more is rewarded today. After 00:00 UTC
    the cap starts over.

    RELIABILITY #4: at most 20 rewarded votes a UTC day, under concurrency."""
    first = make_challenge("active", max_submissions_per_user=30)
    second = make_challenge("active", max_submissions_per_user=10)
    author_a, author_b, voter = make_user(), make_user(), make_user()
    entries_a = [submit(first, author_a, title=f"A{i}") for i in range(25)]
    entries_b = [submit(second, author_b, title=f"B{i}") for i in range(6)]
    for entry in entries_a[:19]:
        vote(entry, voter)
    today = day_start(frozen_clock.now)
    assert rewarded_since(voter.id, today) == 19

    voter_id = voter.id
    targets = [e.id for e in entries_a[19:24]] + [e.id for e in entries_b[:5]]

    def cast(i: int) -> bool:
        member = db.session.get(User, voter_id)
        return commit_with_retry(lambda: cast_vote(targets[i], member, utcnow())).changed

    outcomes = run_concurrently(app, cast, len(targets))
    assert outcomes == [True] * len(targets), outcomes
    assert db.session.scalar(
        select(func.count()).select_from(ChallengeVote).where(ChallengeVote.voter_id == voter_id)
    ) == 29
    assert rewarded_since(voter_id, today) == 20
    assert points(voter_id) == 20 * 5
    # Every counted vote still paid its author, whatever the voter's cap.
    assert points(author_a) == 25 * 50 + 24 * 2
    assert points(author_b) == 6 * 50 + 5 * 2

    # 00:00 UTC: the next vote is rewarded again, under the new day.
    frozen_clock.set(today + timedelta(days=1))
    vote(entries_a[24], voter)
    assert rewarded_since(voter_id, today + timedelta(days=1)) == 1
    assert points(voter_id) == 21 * 5


def test_the_daily_cap_resets_at_midnight_utc(frozen_clock, make_challenge, make_user):
    """RELIABILITY #4: at most 20 rewarded votes a UTC day, reset at 00:00 UTC."""
    challenge = make_challenge("active", max_submissions_per_user=30)
    author, voter = make_user(), make_user()
    entries = [submit(challenge, author, title=f"E{i}") for i in range(22)]
    midnight = day_start(frozen_clock.now) + timedelta(days=1)
    frozen_clock.set(midnight - timedelta(seconds=1))  # 23:59:59
    for entry in entries[:21]:
        vote(entry, voter)
    assert points(voter) == 20 * 5  # the 21st vote of the day earns nothing
    frozen_clock.set(midnight)  # 00:00:00 belongs to the new day
    vote(entries[21], voter)
    assert points(voter) == 21 * 5
    assert rewarded_since(voter.id, midnight) == 1


@pytest.mark.parametrize("concurrent", [False, True], ids=["sequential", "concurrent"])
def test_100_vote_unvote_cycles_earn_the_vote_reward_once(app, make_challenge, make_user,
                                                          concurrent):
    """100 vote/unvote cycles on one entry: the voter earns 5 once; the author's 2 points
    follow the vote in and out, and end where the last action left them. Concurrently, the
    cycles race each other (PostgreSQL only: SQLite serialises every writer anyway).

    RELIABILITY #6: a hundred vote/unvote cycles pay the voting reward once."""
    if concurrent and db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL for real concurrency")
    entry = submit(make_challenge("active"), make_user())
    voter = make_user()
    if concurrent:
        entry_id, voter_id = entry.id, voter.id

        def cycles(i: int) -> None:
            from challenges.services.votes import withdraw_vote

            member = db.session.get(User, voter_id)
            for _ in range(10):
                commit_with_retry(lambda: cast_vote(entry_id, member, utcnow()))
                commit_with_retry(lambda: withdraw_vote(entry_id, member, utcnow()))

        outcomes = run_concurrently(app, cycles, 10)
        assert outcomes == [None] * 10, outcomes
    else:
        for _ in range(100):
            vote(entry, voter)
            unvote(entry, voter)
    assert points(voter) == 5
    assert points(entry.user_id) == 50  # every vote withdrawn, every 2 points reversed
    vote(entry, voter)
    assert points(voter) == 5
    assert points(entry.user_id) == 52
