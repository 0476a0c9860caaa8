"""What the challenge's and the entries' counters mean (docs/decisions.md, "What the
challenge's counters mean"), step by step on both databases."""

from __future__ import annotations

from sqlalchemy import func, select

from challenges.clock import utcnow
from challenges.extensions import db
from challenges.models import ChallengeSubmission, ChallengeVote, Role, User, WeeklyChallenge
from challenges.services.entries import disqualify_entry, withdraw_entry
from challenges.transactions import commit_with_retry

from .helpers import submit, unvote, vote


def counters(challenge, *entries):
    db.session.expire_all()
    fresh = db.session.get(WeeklyChallenge, challenge.id)
    return (fresh.total_votes, fresh.submission_count, fresh.participant_count,
            [(e.vote_count, e.counted_votes)
             for e in (db.session.get(ChallengeSubmission, entry.id) for entry in entries)])


def vote_rows(entry):
    return db.session.scalar(select(func.count()).select_from(ChallengeVote).where(
        ChallengeVote.submission_id == entry.id))


def test_total_votes_counts_the_votes_on_counting_entries_and_entries_keep_their_own(
        make_challenge, make_user):
    challenge = make_challenge("active")
    a, b, editor = make_user(), make_user(), make_user(role=Role.EDITOR)
    ea, eb = submit(challenge, a, title="A"), submit(challenge, b, title="B")
    ec = submit(challenge, b, title="C")
    voters = [make_user() for _ in range(3)]
    for voter in voters:
        for entry in (ea, eb, ec):
            vote(entry, voter)
    assert counters(challenge, ea, eb, ec) == (9, 3, 2, [(3, 3.0)] * 3)

    unvote(ec, voters[0])
    assert counters(challenge, ea, eb, ec) == (8, 3, 2, [(3, 3.0), (3, 3.0), (2, 2.0)])

    commit_with_retry(lambda: disqualify_entry(ea.id, editor, "copied", utcnow()))
    assert counters(challenge, ea, eb, ec) == (5, 2, 1, [(3, 3.0), (3, 3.0), (2, 2.0)])

    commit_with_retry(lambda: withdraw_entry(eb.id, db.session.get(User, b.id), utcnow()))
    assert counters(challenge, ea, eb, ec) == (2, 1, 1, [(3, 3.0), (3, 3.0), (2, 2.0)])
    assert [vote_rows(e) for e in (ea, eb, ec)] == [3, 3, 2]  # rows stay; the board ignores them
