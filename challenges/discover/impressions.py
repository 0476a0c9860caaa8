"""Impressions: how often each entry's card was shown on a gallery page.

The page path only talks to Redis (one pipelined round trip: a counter per entry in the
challenge's ``seen`` hash, and the challenge in the dirty set). The every-minute flush job
(``jobs.stats``) adds them to ``challenge_submissions.impressions`` exactly once:

1. a script renames ``seen`` to ``flushing`` and stamps it with a new batch id, unless a
   ``flushing`` batch is still there (an earlier flush failed or has not forgotten it yet),
   which is then flushed again as it is;
2. in one transaction the batch id goes into ``discover_flushes`` (insert, do nothing on
   conflict) and, only when it was new, the counts are added to the entries;
3. after the commit a script deletes the batch (if it is still that batch).

A flush that fails before its commit leaves the batch for the next one; one that dies after its
commit leaves a batch whose id is already stored, so running it again adds nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from contextlib import suppress
from datetime import datetime, timedelta
from typing import Any, cast

import redis
from sqlalchemy import bindparam, delete, update
from sqlalchemy.dialects import postgresql, sqlite

from ..clock import utcnow
from ..extensions import db, get_redis
from ..models import ChallengeSubmission, DiscoverFlush
from ..transactions import after_commit
from . import keys

BATCH_FIELD = "_batch"
KEEP_BATCHES = timedelta(days=7)  # a batch id is needed only until Redis forgot its batch

# KEYS: seen, flushing; ARGV: a new batch id. Returns the batch's fields (HGETALL), or {}.
_TAKE = """
if redis.call('EXISTS', KEYS[2]) == 0 then
  if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
  redis.call('RENAME', KEYS[1], KEYS[2])
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
end
return redis.call('HGETALL', KEYS[2])
"""

# KEYS: seen, flushing; ARGV: batch field, the batch id. Deletes the batch if it is still that
# one; returns 1 when nothing is left to flush. (The dirty set lives in another Cluster slot, so
# it is updated outside the script.)
_FORGET = """
if redis.call('HGET', KEYS[2], ARGV[1]) == ARGV[2] then redis.call('DEL', KEYS[2]) end
if redis.call('EXISTS', KEYS[1]) == 0 and redis.call('EXISTS', KEYS[2]) == 0 then return 1 end
return 0
"""


def record_impressions(challenge_id: uuid.UUID, entry_numbers: Iterable[int]) -> None:
    """Count one impression for each of ``entry_numbers`` (cards just shown). Redis only; a
    Redis failure loses these counts and never fails the page."""
    numbers = list(entry_numbers)
    if not numbers:
        return
    with suppress(redis.RedisError, OSError):
        pipe = get_redis().pipeline(transaction=False)
        for number in numbers:
            pipe.hincrby(keys.seen(challenge_id), str(number), 1)
        pipe.sadd(keys.DIRTY, str(challenge_id))
        pipe.execute()


def pending_impressions(client: redis.Redis, challenge_id: uuid.UUID) -> dict[int, int]:
    """Impressions counted in Redis and not yet in SQL (the new ones and a batch in flight),
    by entry number. Raises ``redis.RedisError`` when Redis is away."""
    pipe = client.pipeline(transaction=False)
    pipe.hgetall(keys.seen(challenge_id))
    pipe.hgetall(keys.flushing(challenge_id))
    totals: dict[int, int] = {}
    for counts in cast("list[dict[str, str]]", pipe.execute()):
        for field, value in counts.items():
            if field.isdigit():
                totals[int(field)] = totals.get(int(field), 0) + int(value)
    return totals


def flush_impressions(now: datetime | None = None) -> int:
    """Add the impressions counted in Redis to the entries, each batch once (flushes; the
    caller commits). Returns how many challenges had a batch."""
    moment = now or utcnow()
    client = get_redis()
    flushed = 0
    for member in cast("set[str]", client.smembers(keys.DIRTY)):
        try:
            challenge_id = uuid.UUID(member)
        except ValueError:
            client.srem(keys.DIRTY, member)  # not written by ``record_impressions``
            continue
        raw = cast("list[str]", client.eval(
            _TAKE, 2, keys.seen(challenge_id), keys.flushing(challenge_id),
            BATCH_FIELD, uuid.uuid4().hex))
        batch = dict(zip(raw[::2], raw[1::2], strict=True))
        batch_id = batch.pop(BATCH_FIELD, None)
        if batch_id is None:
            after_commit(_forget(challenge_id, ""))
            continue
        flushed += 1
        if _claim(batch_id, moment):
            _add(challenge_id, {int(k): int(v) for k, v in batch.items() if k.isdigit()})
        after_commit(_forget(challenge_id, batch_id))
    db.session.execute(delete(DiscoverFlush).where(
        DiscoverFlush.flushed_at < moment - KEEP_BATCHES))
    return flushed


def _claim(batch_id: str, now: datetime) -> bool:
    """Store the batch id; False when it is already stored (the batch was added before)."""
    table: Any = DiscoverFlush.__table__
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    # RETURNING, not rowcount: psycopg reports -1 for an INSERT ... ON CONFLICT DO NOTHING.
    stored = db.session.scalar(dialect.insert(table).values(
        batch_id=batch_id, flushed_at=now).on_conflict_do_nothing(
        index_elements=[table.c.batch_id]).returning(table.c.batch_id))
    return stored is not None


def _add(challenge_id: uuid.UUID, counts: dict[int, int]) -> None:
    """Add ``counts`` (entry number -> impressions) to the challenge's entries, in one
    executemany (an entry deleted meanwhile matches no row)."""
    if not counts:
        return
    table: Any = ChallengeSubmission.__table__
    db.session.execute(
        update(table)
        .where(table.c.challenge_id == bindparam("cid"), table.c.entry_number == bindparam("num"))
        .values(impressions=table.c.impressions + bindparam("n")),
        [{"cid": challenge_id, "num": num, "n": n} for num, n in sorted(counts.items())],
    )


def _forget(challenge_id: uuid.UUID, batch_id: str) -> Any:
    def forget() -> None:
        # If Redis is away now, the batch stays and the next flush finds its id stored.
        with suppress(redis.RedisError, OSError):
            client = get_redis()
            seen, flushing = keys.seen(challenge_id), keys.flushing(challenge_id)
            if cast("int", client.eval(_FORGET, 2, seen, flushing, BATCH_FIELD, batch_id)) == 1:
                client.srem(keys.DIRTY, str(challenge_id))
                # A card counted between the script and SREM marked the challenge again first:
                # mark it again, or its count would wait for the next one.
                if client.exists(seen, flushing):
                    client.sadd(keys.DIRTY, str(challenge_id))

    return forget
