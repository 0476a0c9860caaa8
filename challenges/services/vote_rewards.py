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
import time
import uuid
from collections.abc import Callable, Collection, Sequence
from contextlib import suppress
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from .. import events
from ..clock import utcnow
from ..extensions import db, get_queue, get_redis
from ..leaderboard.live import REDIS_ERRORS
from ..models import ChallengeSubmission, ChallengeVote, User, WeeklyChallenge
from ..redisguard import redis_failed_recently
from ..transactions import after_release, commit_with_retry
from .rewards import VoteToReward, vote_cast

log = logging.getLogger(__name__)

# The sweep leaves alone the votes younger than this: their settle job is on its way.
SWEEP_GRACE = timedelta(seconds=10)
# Votes settled per sweep run, oldest first.
SWEEP_BATCH = 500
# Votes settled per transaction: the job's commit (and its reads of the entries, the votes and
# the challenges' points) is shared by a batch, not paid per vote; small enough that the users'
# row locks it holds stay short (a withdrawal's reversal waits for them).
SETTLE_BATCH = 50
# Marker: a settle job is queued (STRING, set NX by the votes, deleted by the job as it starts).
VOTES_TO_SETTLE = "votes:settle:queued"
# A marker whose job was lost (a worker killed mid-queue) is forgotten after this many seconds:
# the next vote queues a new job (the sweep settles the votes in between).
MARKER_TTL = 30
SETTLE_JOB = "jobs.settle.settle_waiting_votes"
# A settle job on a real worker stays this long at most while votes keep coming, reading the
# waiting ones every SETTLE_PAUSE seconds (``settle_waiting``): one job per burst of votes, not
# one every few votes; other jobs wait for the worker that long at worst.
SETTLE_LINGER = 2.0
SETTLE_PAUSE = 0.25


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
    if redis_failed_recently():  # resting after a failure: not asked (no wait on it)
        return False
    try:
        if not get_redis().set(VOTES_TO_SETTLE, 1, nx=True, ex=MARKER_TTL):
            return True  # a job is queued, or lingering (``settle_waiting``): it will see our vote
        queue = get_queue()
        # Inline (the tests' RQ), the job runs in the vote's request: it must not linger there.
        queue.enqueue(SETTLE_JOB, linger=SETTLE_LINGER if queue.is_async else 0.0,
                      result_ttl=0, failure_ttl=86400, job_timeout=600)
        return True
    except REDIS_ERRORS as error:
        log.warning("could not queue the votes' settle job (%s); settling in the request", error)
        with suppress(*REDIS_ERRORS):  # a marker without its job would hold the next votes
            get_redis().delete(VOTES_TO_SETTLE)
        return False


def settle_waiting(batch: int = SETTLE_BATCH, linger: float = 0.0,
                   wait: Callable[[float], None] = time.sleep) -> int:
    """The settle job: grant the rewards of every vote waiting (``rewarded_at`` NULL), oldest
    first, ``batch`` votes per short transaction (``settle_batch``). Returns how many votes it
    settled.

    While votes keep coming, a job queued with ``linger`` (``SETTLE_LINGER`` on a real worker)
    stays for up to that many seconds, reading the votes waiting every ``SETTLE_PAUSE``
    seconds (``wait``), and leaves the marker set meanwhile, so those votes queue no job of
    their own: each job costs a fork, a database connection and RQ's bookkeeping, which at
    dozens of votes a second cost more than the rewards. It leaves at the first read that finds
    nothing, so a lone vote holds the worker for one pause. Then, as a job without ``linger``
    does from the start, it deletes the marker and reads once more: a vote committed before the
    delete saw the marker and queued nothing, but is in that read; one committed after it
    queues the next job."""
    # A session of its own: RQ runs this inline in tests, inside the vote's after-release hook.
    with current_app.app_context():
        settled = 0
        deadline = time.monotonic() + linger
        while time.monotonic() < deadline:
            now_settled = _settle_all_waiting(batch)
            settled += now_settled
            if not now_settled:
                break
            wait(SETTLE_PAUSE)
        with suppress(*REDIS_ERRORS):  # no Redis: the votes settled themselves (``settle_soon``)
            get_redis().delete(VOTES_TO_SETTLE)
        return settled + _settle_all_waiting(batch)


def _settle_all_waiting(batch: int) -> int:
    """``settle_batch`` the votes waiting now, ``batch`` at a time, until none is left."""
    settled = 0
    while True:
        waiting = _waiting(batch)
        now_settled = settle_batch(waiting)
        settled += now_settled
        # A short batch was the last; a full one that settled nothing is failing (logged):
        # the sweep tries those votes again, this job must not spin on them.
        if len(waiting) < batch or not now_settled:
            return settled


def settle_batch(vote_ids: Sequence[uuid.UUID]) -> int:
    """Settle ``vote_ids`` in one transaction (``settle_votes``), retrying transient conflicts;
    if the batch fails otherwise, each vote on its own, so one bad vote (logged) holds back no
    other. Never raises. Returns how many votes this call settled."""
    if not vote_ids:
        return 0
    try:
        return commit_with_retry(lambda: settle_votes(vote_ids, utcnow()))
    except Exception:
        db.session.rollback()
        if len(vote_ids) == 1:
            log.exception("the rewards of vote %s failed; the sweep will settle them",
                          vote_ids[0])
            return 0
        log.warning("a batch of %d votes' rewards failed; settling them one by one",
                    len(vote_ids), exc_info=True)
        return sum(settle_batch([vote_id]) for vote_id in vote_ids)


def settle_now(vote_id: uuid.UUID) -> bool:
    """Settle one vote in its own transaction (``settle_batch``). Never raises: the vote is
    committed whatever happens here, and the sweep settles it later. Returns whether this call
    settled it (False: already settled, gone, or failed)."""
    return settle_batch([vote_id]) == 1


def settle_votes(vote_ids: Collection[uuid.UUID], now: datetime) -> int:
    """Grant the rewards of those of ``vote_ids`` not granted yet (the caller commits) and
    publish their ``VoteCast``. Returns how many this call settled (the others were settled
    already, or withdrawn: nothing was earned).

    Locks in the one order of docs/decisions.md, each kind in id order, all of a kind before
    the next: the entries (FOR SHARE), then the vote rows (the compare-and-set), then the users
    (voters and authors). The entries first because a withdrawal or a disqualification locks
    the entry before the vote row: taken the other way round, a follow-up holding the vote row
    and waiting for the entry closed a cycle with a withdrawal holding the entry and waiting
    for the vote row. FOR SHARE makes an entry status change wait for the rewards (and then
    reverse them), or the follow-up read the new status. Id order within a kind keeps two
    batches (the job and the sweep), or a batch and a bulk void, from locking in a cycle.
    """
    ids = sorted(set(vote_ids))
    submission_ids = sorted(set(db.session.scalars(
        select(ChallengeVote.submission_id)
        .where(ChallengeVote.id.in_(ids), ChallengeVote.rewarded_at.is_(None)))))
    if not submission_ids:  # all settled already, or withdrawn before their rewards
        return 0
    entries = {row.id: row for row in db.session.execute(
        select(ChallengeSubmission.id, ChallengeSubmission.user_id,
               ChallengeSubmission.challenge_id, ChallengeSubmission.counts.label("counts"))
        .where(ChallengeSubmission.id.in_(submission_ids))
        .order_by(ChallengeSubmission.id)
        .with_for_update(read=True))}
    # The compare-and-set: only the votes still waiting, locked in id order first (an UPDATE
    # alone locks in whatever order its scan finds them).
    waiting = list(db.session.scalars(
        select(ChallengeVote.id)
        .where(ChallengeVote.id.in_(ids), ChallengeVote.rewarded_at.is_(None),
               ChallengeVote.submission_id.in_(entries))
        .order_by(ChallengeVote.id)
        .with_for_update()))
    if not waiting:
        return 0
    votes = db.session.execute(
        update(ChallengeVote)
        .where(ChallengeVote.id.in_(waiting), ChallengeVote.rewarded_at.is_(None))
        .values(rewarded_at=now)
        .returning(ChallengeVote.id, ChallengeVote.submission_id, ChallengeVote.voter_id,
                   ChallengeVote.weight, ChallengeVote.created_at)
        .execution_options(synchronize_session=False)
    ).all()
    people = {vote.voter_id for vote in votes} | {
        entries[vote.submission_id].user_id for vote in votes}
    # FOR NO KEY UPDATE, as ``ledger.grant`` and the voter's reward lock them: the voters' votes
    # in flight hold KEY SHARE locks on them (their foreign key), which this does not wait for.
    db.session.execute(select(User.id).where(User.id.in_(sorted(people)))
                       .order_by(User.id).with_for_update(key_share=True)).all()
    configs: dict[uuid.UUID, dict[str, Any]] = {
        challenge_id: config for challenge_id, config in db.session.execute(
            select(WeeklyChallenge.id, WeeklyChallenge.points_config).where(
                WeeklyChallenge.id.in_({entries[v.submission_id].challenge_id for v in votes})))}
    cast: list[events.VoteCast] = []
    # Oldest first, as they were cast: the voter's daily cap counts them in that order.
    for vote in sorted(votes, key=lambda v: (v.created_at, v.id)):
        entry = entries[vote.submission_id]
        vote_cast(VoteToReward(vote_id=vote.id, voter_id=vote.voter_id, weight=vote.weight,
                               author_id=entry.user_id, submission_id=vote.submission_id,
                               challenge_id=entry.challenge_id,
                               entry_counts=bool(entry.counts),
                               config=configs.get(entry.challenge_id) or {}),
                  moment=vote.created_at, now=now)
        cast.append(events.VoteCast(entry.challenge_id, vote.submission_id, vote.voter_id,
                                    entry.user_id))
    # Told once per vote, with its rewards (the bell's "first vote" and "you were passed"): the
    # compare-and-set above let only this call through. Delivered after the commit, the batch
    # together (the bell adds all of its notifications in one transaction).
    events.publish_all(cast)
    return len(votes)


def sweep_unrewarded(now: datetime, grace: timedelta = SWEEP_GRACE,
                     batch: int = SWEEP_BATCH) -> int:
    """Settle the votes a crash left without their rewards (``rewarded_at`` NULL and older
    than ``grace``), oldest first, ``SETTLE_BATCH`` per short transaction. Idempotent: running it
    twice, or next to the requests' own follow-ups, grants each vote's rewards once. Returns
    how many votes it settled."""
    waiting = _waiting(batch, older_than=now - grace)
    # A failing batch is settled vote by vote: one failing vote (logged) stops no other.
    return sum(settle_batch(waiting[i:i + SETTLE_BATCH])
               for i in range(0, len(waiting), SETTLE_BATCH))


def _waiting(batch: int, older_than: datetime | None = None) -> list[uuid.UUID]:
    """Up to ``batch`` votes without their rewards, oldest first (the partial index
    ``ix_vote_unrewarded``); the read transaction ends here, each vote is settled in its own."""
    query = select(ChallengeVote.id).where(ChallengeVote.rewarded_at.is_(None))
    if older_than is not None:
        query = query.where(ChallengeVote.created_at < older_than)
    waiting = list(db.session.scalars(query.order_by(ChallengeVote.created_at).limit(batch)))
    db.session.rollback()
    return waiting

