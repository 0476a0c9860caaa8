"""The leaderboards in Redis: versioned writes after each commit, rebuilds from the database,
and reads that touch Redis only.

Every board-changing transaction first bumps its members' versions (``board_members.version``,
one row lock per member: transactions of one member are ordered, those of different members run
side by side; issue #14) and sends the *absolute* new values of what it changed, each tagged with
its member's version (an entry carries its author's). A value is stored only if its version is
newer than the one held for that member or entry (``memver``), so writes are idempotent and may
arrive in any order; a write lost to a Redis outage is repaired by a rebuild (rebuild.py), which
reads a snapshot of the database without any lock and stamps every member and entry with its
version in that snapshot, or by the reconcile job (reconcile.py).

The board's ``version`` (what a poll's ``?v=`` compares) grows by what a newer member version
adds (the sum of the member versions it holds), by one at a rebuild's swap and at a repair: it
changes whenever the board does and never goes back.
"""

from __future__ import annotations

import uuid
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import redis

from ..luascripts import Batch, LuaScript, Reply
from ..models import WeeklyChallenge
from ..phase import freeze_starts_at
from . import keys
from .scores import counted_votes

DAY_TTL = int(timedelta(days=3).total_seconds())


@dataclass(frozen=True)
class MemberValue:
    """A user's new board value; ``score`` None removes them (no counting entry left)."""

    user_id: int
    username: str
    score: float | None
    today: float = 0.0
    version: int = 0  # the member's ``board_members.version`` this value is as of


@dataclass(frozen=True)
class SubmissionValue:
    submission_id: uuid.UUID
    score: float | None
    version: int = 0  # its author's member version


@dataclass
class BoardUpdate:
    challenge_id: uuid.UUID
    day: date
    members: list[MemberValue] = field(default_factory=list)
    submissions: list[SubmissionValue] = field(default_factory=list)


# KEYS: built, staging marker, then the live copy (version, board, submissions, memver, names,
# day) and the staging copy in the same order.
# ARGV: day_ttl, repair (1: a value at the same version may be overwritten), n_members,
#       (user_id, score|"", name, today, version)*, n_subs, (sub_id, score|"", version)*
# The live copy is written when the board is built; the staging copy while a rebuild loads it
# (rebuild.py), so a write that commits during a rebuild is in the board that is swapped in.
# A member's newer version adds (new - held) to the board's version: it stays the sum of the
# member versions written, and so moves whenever a member does.
_APPLY = """
local live = redis.call('EXISTS', KEYS[1]) == 1
local staging = redis.call('EXISTS', KEYS[2]) == 1
if not live and not staging then return 0 end
local ttl = tonumber(ARGV[1])
local repair = ARGV[2] == '1'
local written = 0
local function write(version, board, subs, memver, names, day)
  local function newer(field, v, counts)
    local held = tonumber(redis.call('HGET', memver, field) or '-1')
    if v > held then
      redis.call('HSET', memver, field, v)
      if counts then
        local base = held
        if base < 0 then base = 0 end
        redis.call('INCRBY', version, v - base)
      end
      return true
    end
    return repair and v == held
  end
  local i = 4
  for _ = 1, tonumber(ARGV[3]) do
    local uid, score, name, today, v = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3],
      tonumber(ARGV[i + 4])
    i = i + 5
    if newer('u:' .. uid, v, true) then
      written = written + 1
      if score == '' then
        redis.call('ZREM', board, uid)
        redis.call('ZREM', day, uid)
      else
        redis.call('ZADD', board, score, uid)
        redis.call('HSET', names, uid, name)
        redis.call('ZADD', day, today, uid)
        redis.call('EXPIRE', day, ttl)
      end
    end
  end
  local n_subs = tonumber(ARGV[i])
  i = i + 1
  for _ = 1, n_subs do
    local sid, score, v = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
    i = i + 3
    if newer('s:' .. sid, v, false) then
      written = written + 1
      if score == '' then redis.call('ZREM', subs, sid)
      else redis.call('ZADD', subs, score, sid) end
    end
  end
end
if live then write(KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8]) end
if staging then write(KEYS[9], KEYS[10], KEYS[11], KEYS[12], KEYS[13], KEYS[14]) end
return {1, written}
"""


def live_keys(cid: uuid.UUID, on: date) -> list[str]:
    """The live copy of a board, in ``_APPLY``'s order."""
    return [keys.version(cid), keys.board(cid), keys.submissions(cid), keys.member_versions(cid),
            keys.names(cid), keys.day(cid, on)]


def staging_keys(cid: uuid.UUID, on: date) -> list[str]:
    """A rebuild's staging copy of a board, in ``_APPLY``'s order."""
    return [keys.staging(cid, what) for what in
            ("version", "board", "subs", "memver", "names", f"day:{on.isoformat()}")]


def apply(client: redis.Redis, change: BoardUpdate) -> bool:
    """Write ``change`` where a board is kept (built, or being rebuilt); False means neither is
    (the next build reads the database anyway)."""
    return bool(_apply(client, change, repair=False)[0])


def repair(client: redis.Redis, change: BoardUpdate) -> int:
    """The reconcile job's write of the database's values at their snapshot versions: like
    ``apply``, but it may also replace a value of the same version (one that was corrupted).
    Returns how many members and entries it wrote (a newer value is kept, not counted)."""
    return int(_apply(client, change, repair=True)[1])


def _apply(client: redis.Redis, change: BoardUpdate, repair: bool) -> list[int]:
    cid = change.challenge_id
    args: list[Any] = [DAY_TTL, 1 if repair else 0, len(change.members)]
    for m in change.members:
        args += [m.user_id, "" if m.score is None else repr(m.score), m.username, repr(m.today),
                 m.version]
    args.append(len(change.submissions))
    for s in change.submissions:
        args += [str(s.submission_id), "" if s.score is None else repr(s.score), s.version]
    script_keys = [keys.built(cid), keys.staging_active(cid), *live_keys(cid, change.day),
                   *staging_keys(cid, change.day)]
    # redis-py types every reply "Awaitable | T" (shared with its asyncio client).
    result: Any = client.eval(_APPLY, len(script_keys), *script_keys, *args)
    return [int(result), 0] if not isinstance(result, list) else [int(x) for x in result]


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


def meta_fields(challenge: Any) -> dict[str, str]:
    """What a poll needs to know about a challenge without asking SQL."""
    freeze_at = freeze_starts_at(challenge) if challenge.is_published else None
    return {
        "slug": challenge.slug,
        "published": "1" if challenge.is_published else "0",
        "voting_deadline": repr(challenge.voting_deadline.timestamp()),
        # Issue #13: results are published (polling stops) at ``ends_at``; the public board is
        # frozen from ``freeze_at`` ("" without a freeze) until then.
        "ends_at": repr(challenge.ends_at.timestamp()),
        "freeze_at": "" if freeze_at is None else repr(freeze_at.timestamp()),
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
_SNAPSHOT = LuaScript("""
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
""")


def read_snapshot(
    client: redis.Redis, challenge_id: uuid.UUID, viewer_id: int | None, today: date, top: int = 10
) -> Snapshot:
    """The top ``top`` rows, the viewer's own row, and the version they reflect.

    One round trip (a read-only script; every key shares the challenge's hash tag), O(log N + top)
    whatever the size of the board."""
    return _snapshot_from(_SNAPSHOT(client, *_snapshot_call(challenge_id, viewer_id, today, top)),
                          viewer_id)


def queue_snapshot(batch: Batch, challenge_id: uuid.UUID, viewer_id: int | None, today: date,
                   top: int = 10) -> Reply[Snapshot]:
    """``read_snapshot`` queued on ``batch``, to share its round trip with other reads."""
    reply = batch.script(_SNAPSHOT, *_snapshot_call(challenge_id, viewer_id, today, top))
    return reply.then(lambda result: _snapshot_from(result, viewer_id))


def _snapshot_call(challenge_id: uuid.UUID, viewer_id: int | None, today: date,
                   top: int) -> tuple[list[str], list[str | int]]:
    """The snapshot script's keys and arguments."""
    script_keys = [keys.version(challenge_id), keys.board(challenge_id),
                   keys.names(challenge_id), keys.day(challenge_id, today)]
    return script_keys, [top, "" if viewer_id is None else viewer_id]


def _snapshot_from(result: Any, viewer_id: int | None) -> Snapshot:
    """The snapshot in the script's reply (a Lua table of the fields unpacked below)."""
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
