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
    db.session.commit()
    cast = list(count_sql)
    count_sql.clear()
    withdraw_vote(entry_id, voter, utcnow())
    db.session.commit()
    withdrawn = list(count_sql)
    print(f"vote: {len(cast)} statements; unvote: {len(withdrawn)}")
    # Before issue #14: 20 and 16 (the challenge's total_votes UPDATE and three reads of the
    # member's board value; now derived, and one statement).
    assert len(cast) <= 17, "\n".join(cast)
    assert len(withdrawn) <= 13, "\n".join(withdrawn)
    assert not any("total_votes" in s and s.startswith("UPDATE") for s in cast + withdrawn)
