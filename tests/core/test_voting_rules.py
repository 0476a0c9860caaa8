"""SPEC §4, one test per rule."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from challenges.clock import utcnow
from challenges.errors import EntryNotVotable, LoginRequired, NotFound, SelfVote, VotingClosed
from challenges.extensions import db
from challenges.models import ChallengeSubmission, ChallengeVote, Role, User
from challenges.services.entries import disqualify_entry, withdraw_entry
from challenges.services.votes import cast_vote, withdraw_vote
from challenges.transactions import commit_with_retry

from ..support.concurrency import run_concurrently
from .helpers import submit, unvote, vote


def vote_rows(entry):
    return db.session.scalar(
        select(func.count())
        .select_from(ChallengeVote)
        .where(ChallengeVote.submission_id == entry.id)
    )


@pytest.fixture
def entry(make_challenge, make_user):
    return submit(make_challenge("active"), make_user())


def test_one_upvote_per_voter_and_entry_and_voting_again_changes_nothing(entry, make_user):
    voter = make_user()
    assert vote(entry, voter).changed
    assert not vote(entry, voter).changed
    db.session.refresh(entry)
    assert vote_rows(entry) == 1
    assert entry.vote_count == 1 and entry.counted_votes == 1.0


@pytest.mark.postgres_only
def test_fifty_identical_concurrent_votes_leave_one_row_and_count_once(
    app, entry, make_user, redis_client
):
    """RELIABILITY #1: concurrent identical votes leave one row and count once."""
    from challenges.leaderboard.live import board_for_page

    voter_id, entry_id, challenge = make_user().id, entry.id, entry.challenge
    board_for_page(challenge, None, utcnow())  # a built board, so Redis counts too

    def attempt(_: int):
        voter = db.session.get(User, voter_id)
        return commit_with_retry(lambda: cast_vote(entry_id, voter, utcnow())).changed

    outcomes = run_concurrently(app, attempt, 50)
    assert sorted(outcomes, key=str) == [False] * 49 + [True], outcomes
    db.session.expire_all()
    assert vote_rows(entry) == 1
    assert db.session.get(ChallengeSubmission, entry_id).counted_votes == 1.0
    from .helpers import redis_board

    assert redis_board(redis_client, challenge) == {entry.user_id: 1.0}


def test_a_member_may_withdraw_a_vote_while_voting_is_open(entry, make_user, frozen_clock):
    voter = make_user()
    vote(entry, voter)
    frozen_clock.set(entry.challenge.submission_deadline)  # voting period
    assert unvote(entry, voter).changed
    assert not unvote(entry, voter).changed
    db.session.refresh(entry)
    assert vote_rows(entry) == 0 and entry.vote_count == 0 and entry.counted_votes == 0


def test_votes_cannot_be_withdrawn_after_voting_closes(entry, make_user, frozen_clock):
    voter = make_user()
    vote(entry, voter)
    frozen_clock.set(entry.challenge.voting_deadline)
    with pytest.raises(VotingClosed):
        withdraw_vote(entry.id, voter, utcnow())


def test_voting_is_open_while_active_and_during_the_voting_period(entry, make_user, frozen_clock):
    vote(entry, make_user())
    frozen_clock.set(entry.challenge.submission_deadline)
    vote(entry, make_user())
    db.session.refresh(entry)
    assert entry.vote_count == 2


@pytest.mark.parametrize("moment", ["before_start", "at_voting_deadline"])
def test_no_votes_before_the_start_or_once_completed(entry, make_user, frozen_clock, moment):
    """RELIABILITY #3: no votes outside the voting window."""
    challenge = entry.challenge
    frozen_clock.set(challenge.starts_at if moment == "before_start" else challenge.voting_deadline)
    if moment == "before_start":
        from datetime import timedelta

        frozen_clock.advance(-timedelta(microseconds=1))
    with pytest.raises(VotingClosed):
        cast_vote(entry.id, make_user(), utcnow())


@pytest.mark.parametrize("status", ["draft", "cancelled"])
def test_no_votes_on_draft_or_cancelled_challenges(entry, make_user, status):
    """RELIABILITY #3: no votes outside the voting window."""
    entry.challenge.status = status
    db.session.commit()
    with pytest.raises(NotFound):  # members cannot even see it
        cast_vote(entry.id, make_user(), utcnow())
    with pytest.raises(VotingClosed):  # nor can editors vote there
        cast_vote(entry.id, make_user(role=Role.EDITOR), utcnow())


def test_no_votes_when_the_challenge_disallows_voting(entry, make_user):
    entry.challenge.allow_voting = False
    db.session.commit()
    with pytest.raises(VotingClosed):
        cast_vote(entry.id, make_user(), utcnow())


def test_anonymous_visitors_cannot_vote(entry):
    with pytest.raises(LoginRequired):
        cast_vote(entry.id, None, utcnow())


def test_no_self_votes(entry):
    """RELIABILITY #2: a vote for one's own entry is refused and leaves no row."""
    author = db.session.get(User, entry.user_id)
    with pytest.raises(SelfVote):
        cast_vote(entry.id, author, utcnow())


def test_no_votes_on_disqualified_entries(entry, make_user):
    editor = make_user(role=Role.EDITOR)
    commit_with_retry(lambda: disqualify_entry(entry.id, editor, "plagiarism", utcnow()))
    with pytest.raises(EntryNotVotable):
        cast_vote(entry.id, editor, utcnow())


def test_no_votes_on_withdrawn_entries(entry, make_user):
    author = db.session.get(User, entry.user_id)
    commit_with_retry(lambda: withdraw_entry(entry.id, author, utcnow()))
    with pytest.raises(NotFound):
        cast_vote(entry.id, make_user(), utcnow())


def test_weight_is_what_counts_and_the_gallery_count_is_raw(app, entry, make_user, redis_client):
    from challenges.leaderboard.live import board_for_page

    from .helpers import redis_board

    board_for_page(entry.challenge, None, utcnow())
    app.config["VERIFIED_VOTE_WEIGHT"] = 1.5
    try:
        vote(entry, make_user(is_verified=True))
        vote(entry, make_user(is_verified=False))  # UNVERIFIED_VOTE_WEIGHT, 0.5
    finally:
        app.config["VERIFIED_VOTE_WEIGHT"] = 1.0
    db.session.refresh(entry)
    assert entry.vote_count == 2  # what the gallery shows
    assert entry.counted_votes == 2.0  # what the leaderboard counts
    assert redis_board(redis_client, entry.challenge) == {entry.user_id: 2.0}
