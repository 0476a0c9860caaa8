"""Property: after any sequence of votes, unvotes, withdrawals, disqualifications and Redis
flushes, every Redis score equals what the database says (SPEC §5)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from challenges.clock import utcnow
from challenges.errors import DomainError
from challenges.extensions import db
from challenges.leaderboard import keys
from challenges.leaderboard.live import board_for_page
from challenges.leaderboard.scores import counted_votes, encode
from challenges.leaderboard.standings import counting
from challenges.models import ChallengeSubmission, Role, User
from challenges.services.entries import disqualify_entry, withdraw_entry
from challenges.services.votes import cast_vote, withdraw_vote
from challenges.transactions import commit_with_retry
from tests.support.factories import create_challenge, create_user

from .helpers import sql_truth, submit

AUTHORS, ENTRIES_EACH, VOTERS = 3, 2, 4

operation = st.one_of(
    st.tuples(
        st.just("vote"), st.integers(0, AUTHORS * ENTRIES_EACH - 1), st.integers(0, VOTERS - 1)
    ),
    st.tuples(
        st.just("unvote"), st.integers(0, AUTHORS * ENTRIES_EACH - 1), st.integers(0, VOTERS - 1)
    ),
    st.tuples(st.just("withdraw"), st.integers(0, AUTHORS * ENTRIES_EACH - 1), st.just(0)),
    st.tuples(st.just("disqualify"), st.integers(0, AUTHORS * ENTRIES_EACH - 1), st.just(0)),
    st.tuples(st.just("flush"), st.just(0), st.just(0)),
    st.tuples(st.just("read"), st.just(0), st.just(0)),
)


def assert_redis_matches_sql(redis_client, challenge):
    truth = sql_truth(challenge)
    board = redis_client.zrevrange(keys.board(challenge.id), 0, -1, withscores=True)
    assert [(int(m), counted_votes(s)) for m, s in board] == [(u, v) for u, v, _ in truth]
    assert [s for _, s in board] == [encode(v, first) for _, v, first in truth]
    entries = db.session.execute(
        db.select(
            ChallengeSubmission.id,
            ChallengeSubmission.counted_votes,
            ChallengeSubmission.entry_number,
        ).where(*counting(challenge.id))
    ).all()
    stored = dict(redis_client.zrange(keys.submissions(challenge.id), 0, -1, withscores=True))
    assert stored == {str(sid): encode(votes, n) for sid, votes, n in entries}


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=st.lists(operation, min_size=1, max_size=25))
def test_redis_always_matches_the_database(redis_client, ops):
    """RELIABILITY #6, #33: after any votes, unvotes and Redis flushes, the board equals
    SQL."""
    challenge = create_challenge("active")
    editor = create_user(role=Role.EDITOR)
    authors = [create_user() for _ in range(AUTHORS)]
    voters = [create_user() for _ in range(VOTERS - 1)] + [authors[0]]  # an author votes too
    entries = [
        submit(challenge, a, title=f"{a.username}-{i}")
        for a in authors
        for i in range(ENTRIES_EACH)
    ]
    entry_ids = [e.id for e in entries]
    board_for_page(challenge, None, utcnow())

    for name, i, j in ops:
        now = utcnow()
        try:
            if name == "vote":
                commit_with_retry(lambda: cast_vote(entry_ids[i], voters[j], now))
            elif name == "unvote":
                commit_with_retry(lambda: withdraw_vote(entry_ids[i], voters[j], now))
            elif name == "withdraw":
                author = db.session.get(
                    User, db.session.get(ChallengeSubmission, entry_ids[i]).user_id
                )
                commit_with_retry(lambda: withdraw_entry(entry_ids[i], author, now))
            elif name == "disqualify":
                commit_with_retry(lambda: disqualify_entry(entry_ids[i], editor, "rules", now))
            elif name == "flush":
                redis_client.flushdb()
            else:
                board_for_page(challenge, None, now)
        except DomainError:
            db.session.rollback()  # the rules refused it; nothing changed
        if redis_client.exists(keys.built(challenge.id)):
            assert_redis_matches_sql(redis_client, challenge)

    board_for_page(challenge, None, utcnow())  # a read rebuilds whatever a flush removed
    assert_redis_matches_sql(redis_client, challenge)
