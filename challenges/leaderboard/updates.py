"""Turning a committed change into a board write: what services call inside their transaction."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

import redis
from sqlalchemy import func, select, update

from ..extensions import db, get_redis
from ..models import ChallengeSubmission, ChallengeVote, User, WeeklyChallenge
from ..transactions import after_commit
from . import staleness
from .scores import encode
from .standings import counting
from .store import (
    BoardUpdate,
    MemberValue,
    SubmissionValue,
    apply,
    day_start,
    forget,
    publish_meta,
)

log = logging.getLogger(__name__)


def lock_board(challenge_id: uuid.UUID, **increments: int) -> int:
    """Take the challenge's row lock and bump its board version (plus any counter increments).

    Every transaction that changes a score calls this, so they are ordered, and the version
    returned tags this transaction's writes. Returns the new version.

    Call it before touching any entry, vote or user row: the challenge row is first in the one
    lock order (docs/decisions.md), and an entry or vote row locked before it (a vote's foreign
    key takes KEY SHARE on its entry) can close a cycle with a transaction that holds it. Pass
    only increments decided before any read (``entries_created``); a counter whose change
    depends on what the rows say is changed after the lock, from what was read under it.
    """
    values = {"board_version": WeeklyChallenge.board_version + 1}
    for column, delta in increments.items():
        values[column] = getattr(WeeklyChallenge, column) + delta
    return int(
        db.session.execute(
            update(WeeklyChallenge)
            .where(WeeklyChallenge.id == challenge_id)
            .values(**values)
            .returning(WeeklyChallenge.board_version)
        ).scalar_one()
    )


def member_value(challenge_id: uuid.UUID, user_id: int, now: datetime) -> MemberValue:
    """A user's board value as this transaction sees the database (after its own changes).

    One statement (issue #14: a vote is a short transaction): their counted total, first entry
    number, username and "+N today" as four scalar subqueries, instead of a query each."""
    mine = (ChallengeSubmission.user_id == user_id, *counting(challenge_id))
    row = db.session.execute(select(
        select(func.sum(ChallengeSubmission.counted_votes)).where(*mine).scalar_subquery(),
        select(func.min(ChallengeSubmission.entry_number)).where(*mine).scalar_subquery(),
        select(User.username).where(User.id == user_id).scalar_subquery(),
        select(func.sum(ChallengeVote.weight))
        .join(ChallengeSubmission, ChallengeVote.submission_id == ChallengeSubmission.id)
        .where(*mine, ChallengeVote.created_at >= day_start(now)).scalar_subquery(),
    )).one()
    counted, first_entry, username, today = row
    if first_entry is None:  # no counting entry left: off the board
        return MemberValue(user_id, username or "", None)
    return MemberValue(user_id, username or "", encode(float(counted or 0), int(first_entry)),
                       float(today or 0))


def submission_value(
    submission_id: uuid.UUID, counted: float, entry_number: int, counts: bool
) -> SubmissionValue:
    return SubmissionValue(submission_id, encode(counted, entry_number) if counts else None)


def publish_after_commit(change: BoardUpdate) -> None:
    """Write ``change`` to Redis once the transaction commits; never fail the request for it."""

    def push() -> None:
        try:
            apply(get_redis(), change)
        except (redis.RedisError, OSError) as error:
            staleness.mark_stale(change.challenge_id)
            log.warning("leaderboard write for %s deferred: %s", change.challenge_id, error)

    after_commit(push)


def publish_entry_change(entry: ChallengeSubmission, version: int, now: datetime) -> None:
    """After commit, write ``entry``'s new totals and its author's board value, tagged with
    ``version`` (what ``lock_board`` returned). The caller has ``entry`` current (its counters,
    withdrawn and disqualified flags as this transaction leaves them). The one way a service
    tells the board that an entry changed: a vote, an unvote, a submission, a withdrawal, a
    disqualification or a counter repair."""
    publish_after_commit(
        BoardUpdate(entry.challenge_id, version, now.date(),
                    members=[member_value(entry.challenge_id, entry.user_id, now)],
                    submissions=[submission_value(entry.id, entry.counted_votes,
                                                  entry.entry_number, entry.counts)])
    )


def refresh_meta(challenge: WeeklyChallenge, deleted: bool = False) -> None:
    """After an editor's change was committed (status, slug, deadline, or a delete): refresh
    what polls read from Redis, so a hidden or deleted challenge stops answering them and a
    published one starts. A deleted board is forgotten: polls then ask SQL, which says 404.
    If Redis is away, the board is marked stale; polls take the SQL path until it is rebuilt."""
    try:
        if deleted:
            forget(get_redis(), challenge.id)
        else:
            publish_meta(get_redis(), challenge)
    except (redis.RedisError, OSError) as error:
        staleness.mark_stale(challenge.id)
        log.warning("leaderboard meta for %s deferred: %s", challenge.id, error)
