"""Issue #14, votes14: votes for different board members of one challenge, at once.

``test_fifty_concurrent_votes_across_ten_members_leave_redis_equal_to_sql`` runs on both
databases (SQLite serialises the writers; PostgreSQL runs them in parallel): afterwards every
counter, the Redis board and the Redis entries equal what the vote rows say, and every vote's
"receive vote" ledger key exists exactly once.

``test_a_vote_for_another_member_commits_while_one_vote_is_open`` (PostgreSQL only: SQLite has
one writer) holds one vote's transaction open and casts a vote on another member's entry of the
same challenge meanwhile: it commits while the first still holds its locks, because a vote
locks only its author's board-member row (``updates.lock_member``), never the challenge row.
With the challenge-wide lock it had before issue #14 it failed on ``lock_timeout``.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, text

from challenges.clock import utcnow
from challenges.extensions import db
from challenges.leaderboard.live import board_for_page
from challenges.models import ChallengeVote, LedgerEntry, User
from challenges.services.votes import VoteOutcome, cast_vote
from challenges.transactions import commit_with_retry

from ..core.helpers import submit
from ..core.test_lock_order import counters_disagreeing_with_the_vote_rows
from ..support.concurrency import run_concurrently

MEMBERS = 10
VOTES = 50
WEIGHT = 0.75  # a verified member's vote: counted and raw votes differ


def _user(user_id: int) -> User:
    found = db.session.get(User, user_id)
    assert found is not None
    return found


@pytest.fixture
def ten_members(app, make_challenge, make_user):
    """An active challenge with ten members (one entry each), fifty voters (half verified), and
    the board built so Redis is written too."""
    challenge = make_challenge("active")
    entries = [submit(challenge, make_user(), title=f"Entry {i}") for i in range(MEMBERS)]
    voters = [make_user(is_verified=i % 2 == 0) for i in range(VOTES)]
    board_for_page(challenge, None, utcnow())
    return challenge.id, [e.id for e in entries], [v.id for v in voters]


def test_fifty_concurrent_votes_across_ten_members_leave_redis_equal_to_sql(
        app, ten_members, redis_client):
    challenge_id, entry_ids, voter_ids = ten_members

    outcomes = run_concurrently(app, lambda i: commit_with_retry(lambda: cast_vote(
        entry_ids[i % MEMBERS], _user(voter_ids[i]), utcnow(), verified_weight=WEIGHT)), VOTES)

    assert all(isinstance(o, VoteOutcome) and o.changed for o in outcomes), outcomes
    assert counters_disagreeing_with_the_vote_rows(redis_client, challenge_id) == []
    vote_ids = db.session.scalars(
        select(ChallengeVote.id).where(ChallengeVote.challenge_id == challenge_id)).all()
    assert len(vote_ids) == VOTES
    keys = db.session.scalars(select(LedgerEntry.idempotency_key).where(
        LedgerEntry.idempotency_key.like("vote-received:%"),
        LedgerEntry.challenge_id == challenge_id)).all()
    assert sorted(keys) == sorted(f"vote-received:{vote_id}" for vote_id in vote_ids)


@pytest.mark.postgres_only
def test_a_vote_for_another_member_commits_while_one_vote_is_open(app, ten_members):
    challenge_id, entry_ids, voter_ids = ten_members
    first_voted, second_done, release = threading.Event(), threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def holder() -> None:
        with app.app_context():
            try:
                cast_vote(entry_ids[0], _user(voter_ids[0]), utcnow())
                first_voted.set()  # flushed, not committed: its locks are held
                release.wait(timeout=30)
                db.session.commit()
            finally:
                first_voted.set()
                db.session.remove()

    def other() -> None:
        with app.app_context():
            try:
                # Waiting on the open vote's lock would be the challenge-wide lock: fail fast.
                db.session.execute(text("SET LOCAL lock_timeout = '3s'"))
                cast_vote(entry_ids[1], _user(voter_ids[1]), utcnow())
                db.session.commit()
                results["other"] = "committed"
            except Exception as error:  # reported through ``results``
                db.session.rollback()
                results["other"] = error
            finally:
                second_done.set()
                db.session.remove()

    first = threading.Thread(target=holder)
    first.start()
    assert first_voted.wait(timeout=30)
    second = threading.Thread(target=other)
    second.start()
    second_done.wait(timeout=30)
    committed_meanwhile = results.get("other") == "committed" and not release.is_set()
    release.set()
    first.join(timeout=30)
    second.join(timeout=30)
    assert committed_meanwhile, results


def test_a_repeated_vote_leaves_the_boards_version_where_the_database_has_it(
        app, ten_members, redis_client):
    """A double click takes the member's lock and a version number before the counters' UPDATE
    finds the vote already there; that version is written to the board too (with the entry as
    it stands), so Redis's version stays the database's and the reconcile job has nothing to
    repair."""
    from challenges.leaderboard import keys
    from challenges.leaderboard.standings import sql_board_version

    challenge_id, entry_ids, voter_ids = ten_members
    voter = _user(voter_ids[0])
    for _ in range(3):
        outcome = commit_with_retry(lambda: cast_vote(entry_ids[0], voter, utcnow()))
    assert not outcome.changed
    assert int(redis_client.get(keys.version(challenge_id))) == sql_board_version(challenge_id)
    assert counters_disagreeing_with_the_vote_rows(redis_client, challenge_id) == []
