"""A vote's rewards after the vote (issue 14): the ledger rows a vote earns (the author's
"vote_received", the voter's capped "vote_reward") are granted in their own short transaction
once the vote has committed, not inside it, so the vote's transaction locks no user row; and
not in the vote's request either: a worker job settles the votes waiting, a batch at a time.

The request's whole share is one Redis command: ``SET`` a marker (``VOTES_TO_SETTLE``) if it is
not set, and queue the job only when it was not. The job deletes the marker first and then
settles every vote still waiting, so a vote that committed before the delete is in its batch,
and one after it queues the next job: nothing waits for the sweep, and a thousand votes a
minute queue a handful of jobs, not a thousand. With Redis down the request settles its own
vote, as before the queue. Tests run RQ inline (``LEADERBOARD_REBUILD_ASYNC`` off): the job runs
in the request and the points are there when the response returns.

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
from contextlib import suppress
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from .. import events
from ..clock import utcnow
from ..extensions import db, get_queue, get_redis
from ..leaderboard.live import REDIS_ERRORS
from ..models import ChallengeSubmission, ChallengeVote, WeeklyChallenge
from ..transactions import after_release, commit_with_retry
from .rewards import VoteToReward, vote_cast

log = logging.getLogger(__name__)

# The sweep leaves alone the votes younger than this: their settle job is on its way.
SWEEP_GRACE = timedelta(seconds=10)
# Votes settled per sweep run, oldest first (each in its own short transaction).
SWEEP_BATCH = 500
# Marker: a settle job is queued (STRING, set NX by the votes, deleted by the job as it starts).
VOTES_TO_SETTLE = "votes:settle:queued"
# A marker whose job was lost (a worker killed mid-queue) is forgotten after this many seconds:
# the next vote queues a new job (the sweep settles the votes in between).
MARKER_TTL = 30
SETTLE_JOB = "jobs.settle.settle_waiting_votes"


def reward_after_commit(vote_id: uuid.UUID) -> None:
    """Have ``vote_id``'s rewards settled once the current transaction has committed and its
    connection is back in the pool: by the settle job (``settle_soon``), or right here when
    Redis cannot queue it. A rollback of the vote drops it."""
    def follow_up() -> None:
        if not settle_soon():
            settle_now(vote_id)

    after_release(follow_up)


def settle_soon() -> bool:
    """Make sure a settle job is queued for the votes waiting now: one Redis command when one
    already is. Returns False when Redis could not be asked (the caller settles its own vote)."""
    try:
        if not get_redis().set(VOTES_TO_SETTLE, 1, nx=True, ex=MARKER_TTL):
            return True  # a job is queued and has not started: it will see our vote
        get_queue().enqueue(SETTLE_JOB, result_ttl=0, failure_ttl=86400, job_timeout=600)
        return True
    except REDIS_ERRORS:
        log.warning("could not queue the votes' settle job; settling in the request",
                    exc_info=True)
        with suppress(*REDIS_ERRORS):  # a marker without its job would hold the next votes
            get_redis().delete(VOTES_TO_SETTLE)
        return False


def settle_waiting(batch: int = SWEEP_BATCH) -> int:
    """The settle job: grant the rewards of every vote waiting (``rewarded_at`` NULL), oldest
    first, each in its own short transaction. Deletes the marker before it reads, so a vote
    committed after the read queues the next job. Returns how many votes it settled."""
    with suppress(*REDIS_ERRORS):  # no Redis: the votes settled themselves (``settle_soon``)
        get_redis().delete(VOTES_TO_SETTLE)
    # A session of its own: RQ runs this inline in tests, inside the vote's after-release hook.
    with current_app.app_context():
        settled = 0
        while True:
            waiting = _waiting(batch)
            now_settled = sum(1 for vote_id in waiting if settle_now(vote_id))
            settled += now_settled
            # A short batch was the last; a full one that settled nothing is failing (logged):
            # the sweep tries those votes again, this job must not spin on them.
            if len(waiting) < batch or not now_settled:
                return settled


def settle_now(vote_id: uuid.UUID) -> bool:
    """Run ``settle_vote`` in its own transaction, retrying transient conflicts. Never raises:
    the vote is committed whatever happens here, and the sweep settles it later. Returns
    whether this call settled it (False: already settled, gone, or failed)."""
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
    # Told once per vote, with its rewards (the bell's "first vote" and "you were passed"):
    # the compare-and-set above let only this call through.
    events.publish(events.VoteCast(entry.challenge_id, found.submission_id, vote.voter_id,
                                   entry.user_id))
    return True


def sweep_unrewarded(now: datetime, grace: timedelta = SWEEP_GRACE,
                     batch: int = SWEEP_BATCH) -> int:
    """Settle the votes a crash left without their rewards (``rewarded_at`` NULL and older
    than ``grace``), oldest first, each in its own short transaction. Idempotent: running it
    twice, or next to the requests' own follow-ups, grants each vote's rewards once. Returns
    how many votes it settled."""
    waiting = _waiting(batch, older_than=now - grace)
    # One failing vote (logged) does not stop the others.
    return sum(1 for vote_id in waiting if settle_now(vote_id))


def _waiting(batch: int, older_than: datetime | None = None) -> list[uuid.UUID]:
    """Up to ``batch`` votes without their rewards, oldest first (the partial index
    ``ix_vote_unrewarded``); the read transaction ends here, each vote is settled in its own."""
    query = select(ChallengeVote.id).where(ChallengeVote.rewarded_at.is_(None))
    if older_than is not None:
        query = query.where(ChallengeVote.created_at < older_than)
    waiting = list(db.session.scalars(query.order_by(ChallengeVote.created_at).limit(batch)))
    db.session.rollback()
    return waiting

