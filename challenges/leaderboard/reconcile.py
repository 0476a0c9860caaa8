"""Reconcile: compare each open board in Redis with the database, and repair what differs.

A board that is not built is rebuilt (rebuild.py). A built one is compared, in chunks, with one
snapshot of the database (no lock): the member count and every (member, score) pair of the user
board and the submissions board, and the version. A member that differs is written again with
the database's value, tagged with its member version in the snapshot, as a *repair*: the
versioned write of ``store._APPLY`` keeps any value newer than that (a vote that committed after
the snapshot) and replaces an older or equal one, so a repair can never undo a newer write, and
running it twice (or twice at once) changes nothing more. One reconcile or rebuild per board at
a time (the board's rebuild lock); a board locked elsewhere is skipped this round.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import cast

import redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import BoardMember, ChallengeSubmission, WeeklyChallenge
from ..phase import VOTING_PHASES, in_any_phase
from . import keys
from .rebuild import (
    CHUNK,
    ChunkHook,
    RebuildInProgress,
    acquire,
    rebuild_locked,
    renew,
    snapshot_head,
    snapshot_session,
)
from .scores import encode
from .standings import board_members, counting, sql_board_version, submission_chunks
from .store import BoardUpdate, MemberValue, SubmissionValue, day_start, release_lock, repair

log = logging.getLogger(__name__)
S = ChallengeSubmission


@dataclass
class BoardCheck:
    """What one reconcile found on one board and what it wrote."""

    challenge_id: uuid.UUID
    skipped: bool = False  # another process was rebuilding or reconciling it
    rebuilt: bool = False  # it was not built: rebuilt from the database
    members: int = 0  # members in the database's snapshot
    entries: int = 0
    members_fixed: int = 0  # written again (wrong or missing score)
    entries_fixed: int = 0
    members_removed: int = 0  # in Redis, not on the database's board
    entries_removed: int = 0
    version_fixed: bool = False

    @property
    def repaired(self) -> bool:
        return self.rebuilt or self.version_fixed or any(
            (self.members_fixed, self.entries_fixed, self.members_removed, self.entries_removed))

    def summary(self) -> dict[str, object]:
        return {k: v for k, v in vars(self).items() if k != "challenge_id" and v}


def open_challenges(now: datetime) -> list[uuid.UUID]:
    """Challenges whose boards still change: active or voting at ``now`` (by the clock, not the
    status column the phase job may not have caught up with yet)."""
    return list(db.session.scalars(
        select(WeeklyChallenge.id).where(in_any_phase(VOTING_PHASES, now))))


def reconcile_board(client: redis.Redis, challenge_id: uuid.UUID, now: datetime,
                    between_chunks: ChunkHook | None = None) -> BoardCheck:
    """Compare one board with the database and repair it; logs every repair."""
    check = BoardCheck(challenge_id)
    try:
        token = acquire(client, challenge_id)
    except RebuildInProgress:
        check.skipped = True
        return check
    try:
        if not client.exists(keys.built(challenge_id)):
            version = rebuild_locked(client, challenge_id, now, token, between_chunks)
            check.rebuilt = True
            log.warning("reconcile: board %s was not built; rebuilt at version %s",
                        challenge_id, version)
            return check
        _compare(client, check, now, token, between_chunks)
    finally:
        release_lock(client, keys.rebuild_lock(challenge_id), token)
    if check.repaired:
        log.warning("reconcile: board %s repaired: %s", challenge_id, check.summary())
    return check


def _compare(client: redis.Redis, check: BoardCheck, now: datetime, token: str,
             between_chunks: ChunkHook | None) -> None:
    cid = check.challenge_id
    today = day_start(now)
    with snapshot_session() as session:
        head = snapshot_head(session, cid)
        if head is None:
            return
        version = sql_board_version(cid, session)
        for members in board_members(cid, today, session, CHUNK):
            check.members += len(members)
            expected = [MemberValue(m.user_id, m.username,
                                    encode(m.counted_votes, m.first_entry_number), m.today,
                                    m.version)
                        for m in members]
            held = _scores(client, keys.board(cid), [str(m.user_id) for m in members])
            wrong = [m for m, score in zip(expected, held, strict=True) if score != m.score]
            check.members_fixed += _repair(client, cid, today.date(), members=wrong)
            renew(client, cid, token)
            if between_chunks:
                between_chunks(check.members)
        for entries in submission_chunks(cid, session, CHUNK):
            check.entries += len(entries)
            want = [SubmissionValue(sid, encode(counted, n), v) for sid, counted, n, v in entries]
            held = _scores(client, keys.submissions(cid), [str(s.submission_id) for s in want])
            wrong_entries = [s for s, score in zip(want, held, strict=True) if score != s.score]
            check.entries_fixed += _repair(client, cid, today.date(), submissions=wrong_entries)
            renew(client, cid, token)
        # More members in Redis than in the snapshot: some are not on the board (or joined
        # after the snapshot, which the versioned removal leaves alone).
        if client.zcard(keys.board(cid)) != check.members:
            for batch in _scan(client, keys.board(cid)):
                ids = [int(m) for m in batch]
                present = set(session.scalars(select(S.user_id)
                                              .where(*counting(cid), S.user_id.in_(ids))))
                absent = [u for u in ids if u not in present]
                versions = _member_versions(session, cid, absent)
                gone = [MemberValue(u, "", None, version=versions.get(u, 0)) for u in absent]
                check.members_removed += _repair(client, cid, today.date(), members=gone)
        if client.zcard(keys.submissions(cid)) != check.entries:
            for batch in _scan(client, keys.submissions(cid)):
                sids = [uuid.UUID(m) for m in batch]
                present_entries = set(session.scalars(select(S.id)
                                                      .where(*counting(cid), S.id.in_(sids))))
                authors = dict(session.execute(select(S.id, S.user_id).where(S.id.in_(sids)))
                               .all())
                versions = _member_versions(session, cid, list(set(authors.values())))
                gone_entries = [SubmissionValue(s, None, versions.get(authors.get(s, -1), 0))
                                for s in sids if s not in present_entries]
                check.entries_removed += _repair(client, cid, today.date(),
                                                 submissions=gone_entries)
    held_version = cast("str | None", client.get(keys.version(cid)))
    if held_version is None or int(held_version) < version:
        check.version_fixed = bool(_raise_version(client, cid, version))


def _repair(client: redis.Redis, cid: uuid.UUID, on: date,
            members: list[MemberValue] | None = None,
            submissions: list[SubmissionValue] | None = None) -> int:
    if not members and not submissions:
        return 0
    return repair(client, BoardUpdate(cid, on, members=members or [],
                                      submissions=submissions or []))


def _member_versions(session: Session, cid: uuid.UUID, user_ids: list[int]) -> dict[int, int]:
    """The snapshot's member versions of ``user_ids`` (absent: no row, version 0)."""
    if not user_ids:
        return {}
    return dict(session.execute(
        select(BoardMember.user_id, BoardMember.version)
        .where(BoardMember.challenge_id == cid, BoardMember.user_id.in_(user_ids))
    ).all())


def _scores(client: redis.Redis, key: str, members: list[str]) -> list[float | None]:
    return cast("list[float | None]", client.zmscore(key, members))


def _scan(client: redis.Redis, key: str) -> Iterator[list[str]]:
    batch: list[str] = []
    for member, _score in client.zscan_iter(key, count=1000):
        batch.append(member)
        if len(batch) >= 1000:
            yield batch
            batch = []
    if batch:
        yield batch


_RAISE_VERSION = """
local held = tonumber(redis.call('GET', KEYS[1]) or '-1')
if held < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) return 1 end
return 0
"""


def announce_repair(client: redis.Redis, challenge_id: uuid.UUID) -> None:
    """Show pollers the board changed: add one to its Redis version. A repair writes at the
    snapshot's member versions, which the open widgets may already show; without a newer board
    version they would answer 204 and keep the wrong rows."""
    client.incr(keys.version(challenge_id))


def _raise_version(client: redis.Redis, cid: uuid.UUID, version: int) -> int:
    return int(cast(int, client.eval(_RAISE_VERSION, 1, keys.version(cid), version)))
