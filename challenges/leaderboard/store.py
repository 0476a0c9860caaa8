"""The leaderboards in Redis: versioned writes after each commit, rebuilds from the database,
and reads that touch Redis only.

Every board-changing transaction bumps ``weekly_challenges.board_version`` (a row lock: those
transactions are ordered) and sends the *absolute* new values of what it changed, tagged with
that version. A member's value is stored only if its version is newer than the one held, so
writes are idempotent and may arrive in any order; a write lost to a Redis outage is repaired by
a rebuild, which reads the database under the same row lock and stamps everything with the
version it read.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import redis
from sqlalchemy import update
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import WeeklyChallenge
from . import keys
from .scores import counted_votes, encode
from .standings import ranked_standings, submission_totals

DAY_TTL = int(timedelta(days=3).total_seconds())
CHUNK = 10_000


@dataclass(frozen=True)
class MemberValue:
    """A user's new board value; ``score`` None removes them (no counting entry left)."""

    user_id: int
    username: str
    score: float | None
    today: float = 0.0


@dataclass(frozen=True)
class SubmissionValue:
    submission_id: uuid.UUID
    score: float | None


@dataclass
class BoardUpdate:
    challenge_id: uuid.UUID
    version: int
    day: date
    members: list[MemberValue] = field(default_factory=list)
    submissions: list[SubmissionValue] = field(default_factory=list)


# KEYS: built, version, board, submissions, memver, names, day, floor
# ARGV: version, day_ttl, n_members, (user_id, score|"", name, today)*, n_subs, (sub_id, score|"")*
_APPLY = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local v = tonumber(ARGV[1])
local floor = tonumber(redis.call('GET', KEYS[8]) or '-1')
local function newer(field)
  local held = tonumber(redis.call('HGET', KEYS[5], field) or '-1')
  if held < floor then held = floor end
  if v > held then redis.call('HSET', KEYS[5], field, v) return true end
  return false
end
local i = 4
for _ = 1, tonumber(ARGV[3]) do
  local uid, score, name, today = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  i = i + 4
  if newer('u:' .. uid) then
    if score == '' then
      redis.call('ZREM', KEYS[3], uid)
      redis.call('ZREM', KEYS[7], uid)
    else
      redis.call('ZADD', KEYS[3], score, uid)
      redis.call('HSET', KEYS[6], uid, name)
      redis.call('ZADD', KEYS[7], today, uid)
      redis.call('EXPIRE', KEYS[7], tonumber(ARGV[2]))
    end
  end
end
local n_subs = tonumber(ARGV[i])
i = i + 1
for _ = 1, n_subs do
  local sid, score = ARGV[i], ARGV[i + 1]
  i = i + 2
  if newer('s:' .. sid) then
    if score == '' then redis.call('ZREM', KEYS[4], sid)
    else redis.call('ZADD', KEYS[4], score, sid) end
  end
end
if v > tonumber(redis.call('GET', KEYS[2]) or '-1') then redis.call('SET', KEYS[2], v) end
return 1
"""


def apply(client: redis.Redis, change: BoardUpdate) -> bool:
    """Write ``change`` if the board is built; False means it is not (a rebuild will cover it)."""
    cid = change.challenge_id
    args: list[Any] = [change.version, DAY_TTL, len(change.members)]
    for m in change.members:
        args += [m.user_id, "" if m.score is None else repr(m.score), m.username, repr(m.today)]
    args.append(len(change.submissions))
    for s in change.submissions:
        args += [str(s.submission_id), "" if s.score is None else repr(s.score)]
    script_keys = [keys.built(cid), keys.version(cid), keys.board(cid), keys.submissions(cid),
                   keys.member_versions(cid), keys.names(cid), keys.day(cid, change.day),
                   keys.floor(cid)]
    return bool(client.eval(_APPLY, len(script_keys), *script_keys, *args))


def submissions_by_score(
    client: redis.Redis, challenge_id: uuid.UUID, below: float | None, count: int
) -> list[tuple[uuid.UUID, float]] | None:
    """Up to ``count`` counting entries, most voted first, whose score is below ``below``
    (None: from the top), as (submission id, score). None when the board is not built (the
    caller asks SQL). One round trip."""
    upper = f"({below!r}" if below is not None else "+inf"
    pipe = client.pipeline(transaction=False)
    pipe.exists(keys.built(challenge_id))
    pipe.zrevrangebyscore(keys.submissions(challenge_id), upper, "-inf", start=0, num=count,
                          withscores=True)
    built, rows = pipe.execute()
    if not built:
        return None
    return [(uuid.UUID(member), float(score)) for member, score in rows]


def day_start(moment: datetime) -> datetime:
    """Midnight UTC of ``moment``'s day: "+N today" counts from here."""
    return datetime.combine(moment.astimezone(UTC).date(), time(0), tzinfo=UTC)


class RebuildInProgress(Exception):
    """Another process is rebuilding this board right now."""


def rebuild(client: redis.Redis, challenge_id: uuid.UUID, now: datetime) -> int:
    """Rebuild every set of one challenge from the database; returns the version it reflects.

    Holds the challenge row lock while reading and swapping, so no board-changing transaction
    commits in between: the rebuilt board is exactly the database at that version. Writes are
    staged under temporary keys and swapped in one MULTI, so readers never see half a board.
    """
    token = uuid.uuid4().hex
    if not client.set(keys.rebuild_lock(challenge_id), token, nx=True, ex=120):
        raise RebuildInProgress(str(challenge_id))
    try:
        with Session(db.engine) as session:
            locked = session.execute(
                update(WeeklyChallenge)
                .where(WeeklyChallenge.id == challenge_id)
                # A write that changes nothing still takes the row lock (and SQLite's write lock).
                .values(board_version=WeeklyChallenge.board_version)
                .returning(
                    WeeklyChallenge.board_version,
                    WeeklyChallenge.slug,
                    WeeklyChallenge.status,
                    WeeklyChallenge.voting_deadline,
                )
            ).one_or_none()
            if locked is None:
                session.rollback()
                return 0
            today = day_start(now)
            standings = ranked_standings(challenge_id, today_from=today, session=session)
            entries = submission_totals(challenge_id, session=session)
            _swap_in(client, challenge_id, locked, standings, entries, today.date())
            session.commit()
            return int(locked.board_version)
    finally:
        release_lock(client, keys.rebuild_lock(challenge_id), token)


def _swap_in(
    client: redis.Redis,
    cid: uuid.UUID,
    locked: Any,
    standings: Iterable[Any],
    entries: Iterable[tuple[uuid.UUID, float, int]],
    today: date,
) -> None:
    staged = {what: keys.staging(cid, what) for what in ("board", "subs", "day", "names")}
    pipe = client.pipeline(transaction=False)
    pipe.delete(*staged.values())
    counts = dict.fromkeys(staged, 0)
    for batch in _chunks(list(standings)):
        pipe.zadd(staged["board"], {s.user_id: encode(s.counted_votes, s.first_entry_number)
                                    for s in batch})
        pipe.hset(staged["names"], mapping={s.user_id: s.username for s in batch})
        counts["board"] += len(batch)
        counts["names"] += len(batch)
        todays = {s.user_id: s.today for s in batch if s.today}
        if todays:
            pipe.zadd(staged["day"], todays)
            counts["day"] += len(todays)
    for batch in _chunks(list(entries)):
        pipe.zadd(staged["subs"], {str(sid): encode(c, n) for sid, c, n in batch})
        counts["subs"] += len(batch)
    pipe.execute()

    live = {"board": keys.board(cid), "subs": keys.submissions(cid), "day": keys.day(cid, today),
            "names": keys.names(cid)}
    tx = client.pipeline(transaction=True)
    for what, target in live.items():
        if counts[what]:
            tx.rename(staged[what], target)
        else:
            tx.delete(target)
    tx.expire(live["day"], DAY_TTL)
    tx.delete(keys.member_versions(cid))
    tx.set(keys.floor(cid), locked.board_version)
    tx.set(keys.version(cid), locked.board_version)
    tx.hset(keys.meta(cid), mapping=meta_fields(locked))
    tx.hset(keys.SLUGS, locked.slug, str(cid))
    tx.set(keys.built(cid), 1)
    tx.execute()


def meta_fields(challenge: Any) -> dict[str, str]:
    """What a poll needs to know about a challenge without asking SQL."""
    published = challenge.status not in ("draft", "cancelled")
    return {
        "slug": challenge.slug,
        "published": "1" if published else "0",
        "voting_deadline": repr(challenge.voting_deadline.timestamp()),
    }


def publish_meta(client: redis.Redis, challenge: WeeklyChallenge) -> None:
    """Refresh a challenge's meta after an editor changed it (slug, status, deadline)."""
    pipe = client.pipeline(transaction=True)
    pipe.hset(keys.meta(challenge.id), mapping=meta_fields(challenge))
    pipe.hset(keys.SLUGS, challenge.slug, str(challenge.id))
    pipe.execute()


def forget(client: redis.Redis, challenge_id: uuid.UUID) -> None:
    """Mark a board for rebuild on its next read (it may have missed writes)."""
    client.delete(keys.built(challenge_id))


_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def release_lock(client: redis.Redis, key: str, token: str) -> None:
    """Delete a lock only if we still hold it."""
    with suppress(redis.RedisError):  # it expires on its own
        client.eval(_RELEASE, 1, key, token)


def _chunks(items: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


@dataclass(frozen=True)
class Row:
    rank: int
    user_id: int
    username: str
    counted_votes: float
    today: float


@dataclass(frozen=True)
class Snapshot:
    """What the leaderboard widget shows, read from Redis alone."""

    version: int
    rows: list[Row]
    viewer: Row | None
    participants: int


# KEYS: version, board, names, day.  ARGV: top, viewer_id ("" for none).
# One round trip, and one consistent moment: the version, the rows, their names and "+N today"
# are read together, so a write can never land between them.
_SNAPSHOT = """
local top = tonumber(ARGV[1])
local viewer = ARGV[2]
local version = redis.call('GET', KEYS[1]) or '0'
local rows = redis.call('ZREVRANGE', KEYS[2], 0, top - 1, 'WITHSCORES')
local card = redis.call('ZCARD', KEYS[2])
local ids = {}
for i = 1, #rows, 2 do ids[#ids + 1] = rows[i] end
local viewer_rank, viewer_score = false, false
if viewer ~= '' then
  local rank = redis.call('ZREVRANK', KEYS[2], viewer)
  if rank and rank >= top then
    viewer_rank = rank
    viewer_score = redis.call('ZSCORE', KEYS[2], viewer)
    ids[#ids + 1] = viewer
  end
end
local names, todays = {}, {}
if #ids > 0 then
  names = redis.call('HMGET', KEYS[3], unpack(ids))
  todays = redis.call('ZMSCORE', KEYS[4], unpack(ids))
end
return {version, card, rows, names, todays, viewer_rank, viewer_score}
"""
_SNAPSHOT_SHA = hashlib.sha1(_SNAPSHOT.encode()).hexdigest()  # noqa: S324 (Redis names scripts so)


def read_snapshot(
    client: redis.Redis, challenge_id: uuid.UUID, viewer_id: int | None, today: date, top: int = 10
) -> Snapshot:
    """The top ``top`` rows, the viewer's own row, and the version they reflect.

    One round trip (a read-only script; every key shares the challenge's hash tag), O(log N + top)
    whatever the size of the board."""
    script_keys = [keys.version(challenge_id), keys.board(challenge_id),
                   keys.names(challenge_id), keys.day(challenge_id, today)]
    args = [top, "" if viewer_id is None else viewer_id]
    try:
        result = client.evalsha(_SNAPSHOT_SHA, len(script_keys), *script_keys, *args)
    except redis.exceptions.NoScriptError:  # first use since the server started
        result = client.eval(_SNAPSHOT, len(script_keys), *script_keys, *args)
    version, participants, flat, names, todays, viewer_rank, viewer_score = result
    rows = [
        Row(i, int(flat[2 * i - 2]), names[i - 1] or "", counted_votes(float(flat[2 * i - 1])),
            float(todays[i - 1] or 0))
        for i in range(1, len(flat) // 2 + 1)
    ]
    viewer = None
    if viewer_rank is not None and viewer_id is not None:
        viewer = Row(int(viewer_rank) + 1, viewer_id, names[-1] or "",
                     counted_votes(float(viewer_score)), float(todays[-1] or 0))
    return Snapshot(int(version), rows, viewer, int(participants))
