"""Rebuilding a board from the database without stopping votes.

A rebuild takes no database lock. It reads one consistent snapshot of the database (a
REPEATABLE READ, read-only transaction on PostgreSQL; a read transaction on SQLite in WAL mode):
the standings and every board member's version (``board_members.version``) together. A member's
transactions are ordered by their member row lock and each bumps the version (issue #14), so
everything of that member committed at version <= V is in the snapshot and everything committed
later carries a version > V.

The sets are loaded into staging keys in chunks while votes keep committing:

1. Before the snapshot is opened, the staging marker is set: from then on every after-commit
   write (``store._APPLY``) also lands in staging, with its member version.
2. A chunk writes a member (or entry) at its snapshot version V only if staging holds no newer
   version for it (a write that committed after the snapshot wins over the snapshot's value).
   Members and entries that are off the board are staged as removals at their version, so a
   late write older than the snapshot cannot bring them back.
3. One script swaps staging in (``RENAME``; the old sets are ``UNLINK``ed, freed in the
   background) with the staged member versions: no write newer than the snapshot is lost, and
   none older comes back. The board's version becomes the larger of the staged one and the old
   one plus one, so it never goes back and every open widget refreshes.

Readers see the old board (or none) until the swap, never half a board. One rebuild per board at
a time (a Redis lock, renewed between chunks); a second caller gets ``RebuildInProgress``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any, cast

import redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..extensions import db
from ..luascripts import LuaScript
from ..models import WeeklyChallenge
from . import keys
from .scores import encode
from .standings import board_members, off_board_chunks, submission_chunks
from .store import DAY_TTL, day_start, live_keys, meta_fields, release_lock, staging_keys

log = logging.getLogger(__name__)

CHUNK = 10_000
LOCK_TTL = 120  # seconds; renewed after every chunk, so only a dead rebuilder lets it lapse

# Called between chunks with the number of members and entries loaded so far (tests interleave
# votes there; the benchmark measures). None in production.
ChunkHook = Callable[[int], None]


class RebuildInProgress(Exception):
    """Another process is rebuilding (or reconciling) this board right now."""


class RebuildAborted(Exception):
    """This rebuild lost its lock (it expired): the next rebuild starts over."""


def rebuild(client: redis.Redis, challenge_id: uuid.UUID, now: datetime,
            between_chunks: ChunkHook | None = None) -> int:
    """Rebuild every set of one challenge from the database; returns the version it reflects
    (0 if the challenge does not exist). Raises ``RebuildInProgress`` if one is under way."""
    token = acquire(client, challenge_id)
    try:
        return rebuild_locked(client, challenge_id, now, token, between_chunks)
    finally:
        release_lock(client, keys.rebuild_lock(challenge_id), token)


def acquire(client: redis.Redis, challenge_id: uuid.UUID) -> str:
    """Take the board's rebuild lock; returns the token that releases it."""
    token = uuid.uuid4().hex
    if not client.set(keys.rebuild_lock(challenge_id), token, nx=True, ex=LOCK_TTL):
        raise RebuildInProgress(str(challenge_id))
    return token


@contextmanager
def snapshot_session() -> Iterator[Session]:
    """A read-only session whose every statement sees the same snapshot of the database, and
    which blocks no writer (and waits for none)."""
    with Session(db.engine) as session:
        if db.engine.dialect.name == "postgresql":
            session.connection(execution_options={"isolation_level": "REPEATABLE READ",
                                                  "postgresql_readonly": True})
        else:
            # pysqlite opens transactions only before writes; a read transaction in WAL mode is
            # a snapshot from its first read, so open one by hand.
            session.connection().exec_driver_sql("BEGIN")
        try:
            yield session
        finally:
            session.rollback()


def snapshot_head(session: Session, challenge_id: uuid.UUID) -> Any:
    """What a poll needs to know of the challenge (slug, published, deadlines)."""
    return session.execute(
        select(WeeklyChallenge.slug,
               WeeklyChallenge.is_published.label("is_published"),
               WeeklyChallenge.voting_deadline, WeeklyChallenge.ends_at,
               WeeklyChallenge.freeze_hours).where(WeeklyChallenge.id == challenge_id)
    ).one_or_none()


def rebuild_locked(client: redis.Redis, challenge_id: uuid.UUID, now: datetime, token: str,
                   between_chunks: ChunkHook | None = None) -> int:
    """``rebuild`` for a caller that already holds the board's lock (``token``)."""
    cid = challenge_id
    today = day_start(now)
    staged = staging_keys(cid, today.date())
    pipe = client.pipeline(transaction=True)
    pipe.unlink(*staged)  # leftovers of a rebuild that died
    pipe.set(keys.staging_active(cid), token, ex=LOCK_TTL)  # before the snapshot opens
    pipe.execute()
    try:
        with snapshot_session() as session:
            head = snapshot_head(session, cid)
            if head is None:
                return 0
            loaded = 0
            client.script_load(_LOAD.source)
            for members in board_members(cid, today, session, CHUNK):
                _load(client, cid, today.date(), token, "u", [
                    f"{m.user_id}\x1f{encode(m.counted_votes, m.first_entry_number)!r}\x1f"
                    f"{m.username}\x1f{m.today!r}\x1f{m.version}" for m in members])
                loaded += len(members)
                renew(client, cid, token)
                if between_chunks:
                    between_chunks(loaded)
            for entries in submission_chunks(cid, session, CHUNK):
                _load(client, cid, today.date(), token, "s", [
                    f"{sid}\x1f{encode(counted, number)!r}\x1f{version}"
                    for sid, counted, number, version in entries])
                loaded += len(entries)
                renew(client, cid, token)
                if between_chunks:
                    between_chunks(loaded)
            for kind, gone in off_board_chunks(cid, session, CHUNK):
                _load(client, cid, today.date(), token, kind, [
                    f"{ident}\x1f\x1f\x1f0\x1f{version}" if kind == "u"
                    else f"{ident}\x1f\x1f{version}" for ident, version in gone])
                renew(client, cid, token)
        version = _swap(client, cid, today.date(), token, head)
    except BaseException:
        _run(_ABORT, client, [keys.staging_active(cid)], [token])
        raise
    client.hset(keys.SLUGS, head.slug, str(cid))  # another slot (Cluster): not in the script
    log.info("leaderboard %s rebuilt at version %s (%d rows)", cid, version, loaded)
    return version


def _run(script: str, client: redis.Redis, script_keys: list[str], args: list[Any]) -> Any:
    return client.eval(script, len(script_keys), *script_keys, *args)


_ABORT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
"""

_RENEW = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[2])
return 1
"""


def renew(client: redis.Redis, cid: uuid.UUID, token: str) -> None:
    """Extend the board's lock (and the staging marker) between chunks; raises
    ``RebuildAborted`` if the lock was lost."""
    if not _run(_RENEW, client, [keys.rebuild_lock(cid), keys.staging_active(cid)],
                [token, LOCK_TTL]):
        raise RebuildAborted(str(cid))


# KEYS: marker, staging board, subs, names, day, memver, version.
# ARGV: token, kind ("u" or "s"), n, and one string of the fields (user_id, score, name, today,
# version)* or (sub_id, score, version)* joined by the unit separator \x1f (usernames are
# [a-z0-9_-]): one argument instead of thousands keeps the client's packing cheap. An empty
# score stages a removal (off the board at that version).
# A member whose staging version is newer than the snapshot's was written after it: keep that.
# Variadic ZADD / HSET of at most REDIS_BATCH members: a call blocks Redis for milliseconds only.
_LOAD = LuaScript("""
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local kind = ARGV[2]
local n = tonumber(ARGV[3])
local stride = 3
if kind == 'u' then stride = 5 end
local row = {}
local blob, from = ARGV[4], 1
while true do
  local sep = string.find(blob, '\\31', from, true)
  if not sep then row[#row + 1] = string.sub(blob, from) break end
  row[#row + 1] = string.sub(blob, from, sep - 1)
  from = sep + 1
end
local fields = {}
for j = 0, n - 1 do fields[#fields + 1] = kind .. ':' .. row[1 + j * stride] end
local held = redis.call('HMGET', KEYS[6], unpack(fields))
local scores, names, todays, gone, versions = {}, {}, {}, {}, {}
local added = 0
for j = 1, n do
  local at = 1 + (j - 1) * stride
  local id = row[at]
  local v = tonumber(row[at + stride - 1])
  local had = tonumber(held[j] or '-1')
  if v >= had then
    if v > had then
      versions[#versions + 1] = fields[j]
      versions[#versions + 1] = v
      if kind == 'u' then
        if had < 0 then had = 0 end
        added = added + v - had
      end
    end
    if row[at + 1] == '' then
      gone[#gone + 1] = id
    else
      scores[#scores + 1] = row[at + 1]
      scores[#scores + 1] = id
      if kind == 'u' then
        names[#names + 1] = id
        names[#names + 1] = row[at + 2]
        if tonumber(row[at + 3]) > 0 then
          todays[#todays + 1] = row[at + 3]
          todays[#todays + 1] = id
        end
      end
    end
  end
end
local target = KEYS[3]
if kind == 'u' then target = KEYS[2] end
if #scores > 0 then redis.call('ZADD', target, unpack(scores)) end
if #gone > 0 then
  redis.call('ZREM', target, unpack(gone))
  if kind == 'u' then redis.call('ZREM', KEYS[5], unpack(gone)) end
end
if #names > 0 then redis.call('HSET', KEYS[4], unpack(names)) end
if #todays > 0 then redis.call('ZADD', KEYS[5], unpack(todays)) end
if #versions > 0 then redis.call('HSET', KEYS[6], unpack(versions)) end
if added > 0 then redis.call('INCRBY', KEYS[7], added) end
return 1
""")
REDIS_BATCH = 500
LOAD_ATTEMPTS = 3


def _load(client: redis.Redis, cid: uuid.UUID, today: date, token: str, kind: str,
          rows: list[str]) -> None:
    """Stage ``rows`` (each a member's fields, joined) in calls of at most ``REDIS_BATCH``."""
    version, board, subs, memver, names, day = staging_keys(cid, today)
    script_keys = [keys.staging_active(cid), board, subs, names, day, memver, version]
    for start in range(0, len(rows), REDIS_BATCH):
        batch = rows[start : start + REDIS_BATCH]
        args: list[str | int] = [token, kind, len(batch), "\x1f".join(batch)]
        for attempt in range(1, LOAD_ATTEMPTS + 1):
            try:
                done = _LOAD(client, script_keys, args)
                break
            except (redis.exceptions.TimeoutError, redis.exceptions.ConnectionError):
                # A batch is idempotent: loading it again gives the same staging. A busy Redis
                # (a fork for its snapshot, a loaded machine) must not cost a 1M-member rebuild.
                if attempt == LOAD_ATTEMPTS:
                    raise
                log.info("leaderboard %s: staging batch timed out, again (%d)", cid, attempt)
        if cast(int, done) != 1:
            raise RebuildAborted(str(cid))


# KEYS: marker, built, meta, requested, the old floor (before issue #14), then the staging copy
# and the live copy in the order of store.staging_keys / store.live_keys (version, board, subs,
# memver, names, day).
# ARGV: token, day_ttl, slug, published, voting_deadline, ends_at, freeze_at ('' none)
_SWAP = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local staged, live = 5, 11
for k = 2, 6 do
  redis.call('UNLINK', KEYS[live + k])
  if redis.call('EXISTS', KEYS[staged + k]) == 1 then
    redis.call('RENAME', KEYS[staged + k], KEYS[live + k])
  end
end
redis.call('EXPIRE', KEYS[live + 6], tonumber(ARGV[2]))
local version = tonumber(redis.call('GET', KEYS[staged + 1]) or '0')
local before = tonumber(redis.call('GET', KEYS[live + 1]) or '-1')
if version <= before then version = before + 1 end
redis.call('SET', KEYS[live + 1], version)
redis.call('HSET', KEYS[3], 'slug', ARGV[3], 'published', ARGV[4], 'voting_deadline', ARGV[5],
           'ends_at', ARGV[6], 'freeze_at', ARGV[7])
redis.call('SET', KEYS[2], 1)
redis.call('DEL', KEYS[1], KEYS[4], KEYS[5], KEYS[staged + 1])
return version
"""


def _swap(client: redis.Redis, cid: uuid.UUID, today: date, token: str, head: Any) -> int:
    meta = meta_fields(head)
    script_keys = [keys.staging_active(cid), keys.built(cid), keys.meta(cid),
                   keys.rebuild_requested(cid), keys.floor(cid), *staging_keys(cid, today),
                   *live_keys(cid, today)]
    version = _run(_SWAP, client, script_keys,
                   [token, DAY_TTL, meta["slug"], meta["published"],
                    meta["voting_deadline"], meta["ends_at"], meta["freeze_at"]])
    if version == -1:
        raise RebuildAborted(str(cid))
    return int(version)
