"""A vote's rewards after the vote (issue 14): the ledger rows a vote earns (the author's
"vote_received", the voter's capped "vote_reward") are granted in their own short transaction
once the vote has committed, not inside it, so the vote's transaction locks no user row.

Exactly once: the follow-up's first write is a compare-and-set on the vote row
(``rewarded_at`` from NULL to now), so two follow-ups (the request's and the sweep's, or a
retry) cannot both grant, and every grant keeps its ledger idempotency key besides. The
compare-and-set also locks the vote row: a withdrawal of that vote either waits for the rewards
and then reverses them, or deleted the row first and the follow-up finds nothing to reward.

A crash between the vote's commit and its follow-up leaves ``rewarded_at`` NULL: the sweep job
(``jobs.settle.sweep_vote_rewards``) settles such votes a few seconds later.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select, update

from ..clock import utcnow
from ..extensions import db
from ..models import ChallengeSubmission, ChallengeVote, WeeklyChallenge
from ..transactions import after_release, commit_with_retry
from .rewards import VoteToReward, vote_cast

log = logging.getLogger(__name__)

# The sweep leaves alone the votes younger than this: their own request is settling them.
SWEEP_GRACE = timedelta(seconds=10)
# Votes settled per sweep run, oldest first (each in its own short transaction).
SWEEP_BATCH = 500


def reward_after_commit(vote_id: uuid.UUID) -> None:
    """Settle ``vote_id``'s rewards once the current transaction has committed and its
    connection is back in the pool (same request, before the response: the voter's points are
    there when the page comes back). A rollback of the vote drops it."""
    def follow_up() -> None:
        settle_now(vote_id)

    after_release(follow_up)


def settle_now(vote_id: uuid.UUID) -> bool:
    """Run ``settle_vote`` in its own transaction, retrying transient conflicts. Never raises:
    the vote is committed whatever happens here, and the sweep settles it later."""
    try:
        return commit_with_retry(lambda: settle_vote(vote_id, utcnow()))
    except Exception:
        db.session.rollback()
        log.exception("the rewards of vote %s failed; the sweep will settle them", vote_id)
        return False


def settle_vote(vote_id: uuid.UUID, now: datetime) -> bool:
    """Grant ``vote_id``'s rewards unless they were granted already (the caller commits).
    Returns whether this call settled it (False: already settled, or the vote is gone).

    Locks in this order: the entry row (FOR SHARE), then the vote row (the compare-and-set),
    then users (``rewards.vote_cast``, in id order). The entry first because a withdrawal or a
    disqualification locks the entry before the vote row: taken the other way round, a
    follow-up holding the vote row and waiting for the entry closed a cycle with a withdrawal
    holding the entry and waiting for the vote row. FOR SHARE makes an entry status change
    wait for the rewards (and then reverse them), or the follow-up read the new status.
    """
    found = db.session.execute(
        select(ChallengeVote.submission_id).where(ChallengeVote.id == vote_id)
    ).first()
    if found is None:  # withdrawn before its rewards: nothing was earned
        return False
    entry = db.session.execute(
        select(ChallengeSubmission.user_id, ChallengeSubmission.challenge_id,
               ChallengeSubmission.counts.label("counts"))
        .where(ChallengeSubmission.id == found.submission_id)
        .with_for_update(read=True)
    ).first()
    if entry is None:
        return False
    vote = db.session.execute(
        update(ChallengeVote)
        .where(ChallengeVote.id == vote_id, ChallengeVote.rewarded_at.is_(None))
        .values(rewarded_at=now)
        .returning(ChallengeVote.voter_id, ChallengeVote.weight, ChallengeVote.created_at)
        .execution_options(synchronize_session=False)
    ).first()
    if vote is None:  # settled by another follow-up, or withdrawn meanwhile
        return False
    config = db.session.scalar(
        select(WeeklyChallenge.points_config).where(WeeklyChallenge.id == entry.challenge_id))
    vote_cast(VoteToReward(vote_id=vote_id, voter_id=vote.voter_id, weight=vote.weight,
                           author_id=entry.user_id, submission_id=found.submission_id,
                           challenge_id=entry.challenge_id, entry_counts=bool(entry.counts),
                           config=config or {}),
              moment=vote.created_at, now=now)
    return True


def sweep_unrewarded(now: datetime, grace: timedelta = SWEEP_GRACE,
                     batch: int = SWEEP_BATCH) -> int:
    """Settle the votes a crash left without their rewards (``rewarded_at`` NULL and older
    than ``grace``), oldest first, each in its own short transaction. Idempotent: running it
    twice, or next to the requests' own follow-ups, grants each vote's rewards once. Returns
    how many votes it settled."""
    waiting = db.session.scalars(
        select(ChallengeVote.id)
        .where(ChallengeVote.rewarded_at.is_(None), ChallengeVote.created_at < now - grace)
        .order_by(ChallengeVote.created_at)
        .limit(batch)
    ).all()
    db.session.rollback()  # end the read: each vote below is its own transaction
    settled = 0
    for vote_id in waiting:
        if settle_now(vote_id):  # one failing vote (logged) does not stop the others
            settled += 1
    return settled

