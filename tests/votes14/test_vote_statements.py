"""Issue #14, votes14: a vote is a short transaction. The statements one vote sends, from the
first read to the commit, counted with the ``count_sql`` listener; the bound is what the vote
path needs today (README "Votes without a challenge lock" gives the before and after)."""

from __future__ import annotations

from challenges.clock import utcnow
from challenges.extensions import db
from challenges.models import User
from challenges.services.votes import cast_vote, withdraw_vote

from ..core.helpers import submit


def test_a_vote_and_its_withdrawal_send_a_bounded_number_of_statements(
        app, make_challenge, make_user, count_sql):
    challenge = make_challenge("active")
    entry_id = submit(challenge, make_user()).id
    voter_id = make_user(is_verified=True).id
    db.session.expunge_all()  # the vote loads what it needs, as a request does
    voter = db.session.get(User, voter_id)
    count_sql.clear()
    cast_vote(entry_id, voter, utcnow())
    in_vote = list(count_sql)  # the vote's own transaction, up to its commit
    db.session.commit()  # then the rewards' own short transaction (services/vote_rewards.py)
    cast = list(count_sql)
    follow_up = cast[len(in_vote):]
    print("\n".join(["-- the vote's transaction", *in_vote, "-- its rewards", *follow_up]))
    count_sql.clear()
    withdraw_vote(entry_id, voter, utcnow())
    db.session.commit()
    withdrawn = list(count_sql)
    print(f"vote: {len(in_vote)} + {len(follow_up)} statements; unvote: {len(withdrawn)}")
    # Before issue #14 one transaction of 20 statements, 11 of them under the challenge lock;
    # unvote 16 (the challenge's total_votes UPDATE and three reads of the member's board
    # value; now derived, and one statement). The rewards now follow in their own transaction.
    # No "voted already?" read before the lock: the UPDATE asks it (was 8).
    assert len(in_vote) <= 7, "\n".join(in_vote)
    # A batch of one (the settle job's: the votes waiting, their entries, the vote rows and the
    # users locked in id order, the challenges' points are read once per batch, ~6 statements
    # shared by up to SETTLE_BATCH votes), then the bell's notifications.
    assert len(follow_up) <= 16, "\n".join(follow_up)
    assert len(withdrawn) <= 13, "\n".join(withdrawn)
    assert not any("total_votes" in s and s.startswith("UPDATE") for s in cast + withdrawn)
