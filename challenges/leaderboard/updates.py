"""Turning a committed change into a board write: what services call inside their transaction."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import Any, cast

import redis
from sqlalchemy import Insert, Select, Table, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db, get_redis
from ..models import BoardMember, ChallengeSubmission, ChallengeVote, User, WeeklyChallenge
from ..redisguard import redis_failed_recently
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


def lock_challenge(challenge_id: uuid.UUID, **increments: int) -> None:
    """Take the challenge's row lock (plus any counter increments), for the challenge-wide
    writers: a submission (``entries_created`` numbers the entries), a withdrawal or a
    moderation change (their revisions are numbered one at a time), a counter repair and
    finalization. Votes never take it (issue #14), so it never makes a vote wait.

    Call it before any board member, entry, vote or user row: the challenge row is first in
    the one lock order (docs/decisions.md). Pass only increments decided before any read."""
    values = {column: getattr(WeeklyChallenge, column) + delta
              for column, delta in increments.items()}
    if not values:  # a no-op write: the row lock, nothing more
        values = {"entries_created": WeeklyChallenge.entries_created}
    db.session.execute(
        update(WeeklyChallenge).where(WeeklyChallenge.id == challenge_id).values(**values)
        .returning(WeeklyChallenge.id)
    ).scalar_one()


def lock_member(challenge_id: uuid.UUID, user_id: int) -> int:
    """Take ``user_id``'s board-member lock in this challenge and bump their version (creating
    the row at version 1 if they have none yet); returns the new version.

    Every transaction that changes a member's board value (their total, or one of their
    entries' totals) calls this first, so the transactions of ONE member are ordered and each
    tags its Redis writes with a version newer than the last; transactions of different members
    never wait for each other (issue #14: no challenge-wide lock on the vote path). One
    statement: an upsert, whose conflict branch takes the row lock."""
    statement = _lock_member_statement(db.engine.dialect.name)
    return int(db.session.execute(
        statement, {"member_challenge": challenge_id, "member_user": user_id}).scalar_one())


@cache
def _lock_member_statement(dialect: str) -> Insert:
    """``lock_member``'s upsert for the database ``dialect`` names, built once (a vote runs it:
    issue #14). A Core statement on the table: the ORM's bulk path adds nothing here."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    members = cast(Table, BoardMember.__table__)
    return (
        insert(members)
        .values(challenge_id=bindparam("member_challenge"), user_id=bindparam("member_user"),
                version=1)
        .on_conflict_do_update(index_elements=[members.c.challenge_id, members.c.user_id],
                               set_={"version": members.c.version + 1})
        .returning(members.c.version)
    )


def lock_members(challenge_id: uuid.UUID, user_ids: Iterable[int]) -> dict[int, int]:
    """``lock_member`` for several members, in user id order (the one order, so two
    transactions locking overlapping members never deadlock); user id -> new version."""
    return {user_id: lock_member(challenge_id, user_id) for user_id in sorted(set(user_ids))}


def member_value(challenge_id: uuid.UUID, user_id: int, now: datetime,
                 version: int) -> MemberValue:
    """A user's board value as this transaction sees the database (after its own changes),
    tagged with ``version`` (what ``lock_member`` returned).

    One statement (issue #14: a vote is a short transaction): their counted total, first entry
    number, username and "+N today" as four scalar subqueries, instead of a query each."""
    row = db.session.execute(_member_value_statement(), {
        "challenge_id": challenge_id, "user_id": user_id, "since": day_start(now)}).one()
    counted, first_entry, username, today = row
    if first_entry is None:  # no counting entry left: off the board
        return MemberValue(user_id, username or "", None, version=version)
    return MemberValue(user_id, username or "", encode(float(counted or 0), int(first_entry)),
                       float(today or 0), version)


@cache
def _member_value_statement() -> Select[Any]:
    """``member_value``'s one statement, built once (a vote runs it: issue #14)."""
    challenge_id = bindparam("challenge_id", type_=ChallengeSubmission.challenge_id.type)
    user_id = bindparam("user_id", type_=ChallengeSubmission.user_id.type)
    mine = (ChallengeSubmission.user_id == user_id, *counting(challenge_id))
    return select(
        select(func.sum(ChallengeSubmission.counted_votes)).where(*mine).scalar_subquery(),
        select(func.min(ChallengeSubmission.entry_number)).where(*mine).scalar_subquery(),
        select(User.username).where(User.id == user_id).scalar_subquery(),
        select(func.sum(ChallengeVote.weight))
        .join(ChallengeSubmission, ChallengeVote.submission_id == ChallengeSubmission.id)
        .where(*mine,
               ChallengeVote.created_at >= bindparam("since", type_=ChallengeVote.created_at.type))
        .scalar_subquery(),
    )


def submission_value(
    submission_id: uuid.UUID, counted: float, entry_number: int, counts: bool, version: int
) -> SubmissionValue:
    """An entry's board value, tagged with its author's member ``version``."""
    return SubmissionValue(submission_id, encode(counted, entry_number) if counts else None,
                           version)


def publish_after_commit(change: BoardUpdate) -> None:
    """Write ``change`` to Redis once the transaction commits; never fail the request for it."""

    def push() -> None:
        if redis_failed_recently():  # resting after a failure: the rebuild will write it
            staleness.mark_stale(change.challenge_id)
            return
        try:
            apply(get_redis(), change)
        except (redis.RedisError, OSError) as error:
            staleness.mark_stale(change.challenge_id)
            log.warning("leaderboard write for %s deferred: %s", change.challenge_id, error)

    after_commit(push)


def publish_entry_change(entry: ChallengeSubmission, version: int, now: datetime) -> None:
    """After commit, write ``entry``'s new totals and its author's board value, tagged with
    ``version`` (what ``lock_member`` returned for the author). The caller has ``entry``
    current (its counters, withdrawn and disqualified flags as this transaction leaves them).
    The one way a service tells the board that an entry changed: a vote, an unvote, a
    submission, a withdrawal, a disqualification or a counter repair."""
    publish_after_commit(
        BoardUpdate(entry.challenge_id, now.date(),
                    members=[member_value(entry.challenge_id, entry.user_id, now, version)],
                    submissions=[submission_value(entry.id, entry.counted_votes,
                                                  entry.entry_number, entry.counts, version)])
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
