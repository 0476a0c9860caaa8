"""RELIABILITY #6: a member who toggles a vote 100 times moves the score with every toggle and
ends where the last toggle left it (Redis equal to the live count of vote rows); the voting
reward is paid once per (voter, entry), ever, however often the vote comes back."""

from __future__ import annotations

from sqlalchemy import func, select

from challenges.clock import utcnow
from challenges.extensions import db
from challenges.leaderboard.live import board_for_page
from challenges.models import ChallengeVote, LedgerEntry
from tests.core.helpers import redis_board, submit, unvote, vote

TOGGLES = 100


def live_votes(entry) -> int:
    return db.session.scalar(select(func.count()).select_from(ChallengeVote)
                             .where(ChallengeVote.submission_id == entry.id))


def rewards(voter) -> int:
    return db.session.scalar(select(func.count()).select_from(LedgerEntry).where(
        LedgerEntry.user_id == voter.id, LedgerEntry.reason == "vote_reward"))


def test_a_hundred_toggles_leave_the_score_equal_to_the_live_count_and_one_reward(
        make_challenge, make_user, redis_client):
    """RELIABILITY #6: after every toggle the board shows the live count; one reward."""
    challenge, author = make_challenge("active"), make_user()
    entry = submit(challenge, author)
    steady, toggler = make_user(), make_user()
    vote(entry, steady)
    board_for_page(challenge, None, utcnow())
    for n in range(1, TOGGLES + 1):
        (vote if n % 2 else unvote)(entry, toggler)
        expected = 1 + n % 2
        assert live_votes(entry) == expected, n
        assert redis_board(redis_client, challenge) == {author.id: float(expected)}, n
    vote(entry, toggler)  # toggled an even number of times: voting again counts once more
    assert redis_board(redis_client, challenge) == {author.id: 2.0} and live_votes(entry) == 2
    assert rewards(toggler) == 1 and rewards(steady) == 1
