"""Member activity days (SPEC §11, "active member"): the UTC days each member was signed in and
using the site.

The request path only talks to Redis: one script adds the member to the day's set and, the
first time that day, to the day's pending set (so a busy member costs one pending entry a day,
not one per request). The every-minute flush job (``jobs.stats``) inserts the pending entries
into ``member_activity_days`` with ``ON CONFLICT DO NOTHING`` and removes them from Redis only
after its commit: a failed flush leaves them for the next one, and a repeated one adds nothing.
Days older than ``KEEP_DAYS`` expire unflushed if the job was down that long.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import date, datetime, timedelta
from typing import Any

import redis
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from ..clock import utcnow
from ..extensions import db, get_redis
from ..models import MemberActivityDay, User
from ..recently import recently
from ..transactions import after_commit
from . import keys

KEEP_DAYS = 3  # how long a day's sets live in Redis: the flush runs every minute
TTL = int(timedelta(days=KEEP_DAYS).total_seconds())
_CHUNK = 1000  # rows per INSERT (2 parameters each)
# A member's later requests the same day send nothing for this many seconds (one write a day
# would do; again after this, in case Redis lost the day's sets before the flush read them).
RECORDED_AGAIN_AFTER = 600.0

# KEYS: the day's members, the day's pending; ARGV: user id, TTL in seconds.
_RECORD = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 1 then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
  redis.call('SADD', KEYS[2], ARGV[1])
  redis.call('EXPIRE', KEYS[2], ARGV[2])
end
return 0
"""


def record_activity(user_id: int, now: datetime | None = None) -> None:
    """Note that ``user_id`` used the site on ``now``'s UTC day (Redis only; never fails the
    request for it). A member this process recorded in the last ``RECORDED_AGAIN_AFTER``
    seconds costs nothing (``recently``)."""
    day = (now or utcnow()).date()
    recorded = recently("activity", RECORDED_AGAIN_AFTER)
    if recorded.seen((day, user_id)):
        return
    with suppress(redis.RedisError, OSError):
        get_redis().eval(_RECORD, 2, keys.active_members(day), keys.pending_members(day),
                         str(user_id), TTL)
        recorded.mark((day, user_id))


def flush_activity_days(now: datetime | None = None) -> int:
    """Insert the pending member days into ``member_activity_days`` (flushes; the caller
    commits). Returns how many pending entries were read; they leave Redis after the commit."""
    today = (now or utcnow()).date()
    client = get_redis()
    read = 0
    for back in range(KEEP_DAYS):
        day = today - timedelta(days=back)
        pending = keys.pending_members(day)
        members = [m for m in client.sscan_iter(pending, count=_CHUNK) if str(m).isdigit()]
        if not members:
            continue
        read += len(members)
        for start in range(0, len(members), _CHUNK):
            _insert_days(day, [int(m) for m in members[start:start + _CHUNK]])
        after_commit(_forget(pending, members))
    return read


def _insert_days(day: date, user_ids: list[int]) -> None:
    # Members deleted since their visit have no row to point at (the foreign key): skip them.
    existing = db.session.scalars(select(User.id).where(User.id.in_(user_ids))).all()
    if not existing:
        return
    table: Any = MemberActivityDay.__table__
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    db.session.execute(dialect.insert(table).values(
        [{"user_id": user_id, "day": day} for user_id in existing]
    ).on_conflict_do_nothing(index_elements=[table.c.user_id, table.c.day]))


def _forget(pending: str, members: list[Any]) -> Any:
    def forget() -> None:
        # If Redis is away now, the entries stay pending and the next flush inserts nothing new.
        with suppress(redis.RedisError, OSError):
            client = get_redis()
            for start in range(0, len(members), _CHUNK):
                client.srem(pending, *members[start:start + _CHUNK])

    return forget
