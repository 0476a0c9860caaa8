"""The Discover order (issue 13, SPEC §12 "fair exposure"): each viewer sees a challenge's
entries in a random order of their own, biased toward the entries shown least.

The viewer's order is drawn once (a weighted shuffle, Efraimidis-Spirakis: each entry's key is
an exponential draw divided by its weight ``1 / (1 + impressions)^2``, smallest first), seeded by
the viewer and the challenge, and kept in Redis as a list of entry numbers with a sliding TTL.
Pages read it by position (the cursor), so one viewer's pages and reloads agree and no entry
repeats or goes missing. Entries submitted after the order was drawn join at its end (the
challenge's ``entries_created`` tells, with no query, whether any did); withdrawn and
disqualified ones are skipped when a page is read.

If Redis is away the order falls back to one computed from SQL alone: the same seed hashes each
entry number to a key, so the order stays the same across pages; its cursors ("s<upto>.<n>")
page by that key, entries newer than the first page after them.
"""

from __future__ import annotations

import hashlib
import math
import random
import uuid
from functools import cache
from typing import cast

import redis
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload

from ..extensions import db, get_redis
from ..leaderboard.standings import counting
from ..models import ChallengeSubmission, WeeklyChallenge
from ..services.gallery import MAX_ENTRY_CURSOR, BadCursor
from . import keys
from .impressions import pending_impressions

S = ChallengeSubmission
TTL = 24 * 3600  # seconds an unread order lives: one viewer's visits in a day keep their order
BIAS = 2  # weight = 1 / (1 + impressions) ** BIAS: the least shown come first, still at random
ANYONE = "anyone"  # the order of viewers without a name (API callers without a key)

# Lua's ``unpack`` gives up near 8,000 values ("too many results to unpack"), so the entry
# numbers are pushed 1,000 at a time: a challenge with 10,000 entries must store its order too.
_PUSH = """
local function push(key, from)
  local last = #ARGV
  while from <= last do
    local upto = math.min(from + 999, last)
    redis.call('RPUSH', key, unpack(ARGV, from, upto))
    from = upto + 1
  end
end
"""

# KEYS: order, upto; ARGV: ttl, upto, entry numbers... Stores the order unless one exists (a
# concurrent first page of the same viewer): both requests then read the same order.
_STORE = _PUSH + """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
push(KEYS[1], 3)
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[1])
if #ARGV > 2 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return 1
"""

# KEYS: order, upto; ARGV: old upto, new upto, entry numbers... Appends the new entries once:
# only the request that still sees the old ``upto`` appends.
_EXTEND = _PUSH + """
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
push(KEYS[1], 3)
redis.call('SET', KEYS[2], ARGV[2], 'KEEPTTL')
return 1
"""

# KEYS: order, upto; ARGV: ttl, first position, last position. Refreshes the TTL and returns
# {upto or false, length, numbers in the range}.
_READ = """
local upto = redis.call('GET', KEYS[2])
if not upto then return {false, 0, {}} end
redis.call('EXPIRE', KEYS[2], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[1])
return {upto, redis.call('LLEN', KEYS[1]),
        redis.call('LRANGE', KEYS[1], ARGV[2], ARGV[3])}
"""


def seed(challenge_id: uuid.UUID, viewer: str) -> bytes:
    """The viewer's seed for this challenge (the same on every web process)."""
    return hashlib.sha256(f"discover:{challenge_id}:{viewer}".encode()).digest()


def weighted_shuffle(impressions: dict[int, int], seed_bytes: bytes) -> list[int]:
    """Entry numbers in a random order (from ``seed_bytes``) where an entry shown less tends to
    come earlier: the smallest ``Exp(1) / weight`` first, ``weight = (1 + shown) ** -BIAS``."""
    rng = random.Random(seed_bytes)
    keyed = []
    for number in sorted(impressions):
        draw = -math.log(1.0 - rng.random())  # Exp(1); 1 - random() is never 0
        keyed.append((draw * (1 + impressions[number]) ** BIAS, number))
    return [number for _key, number in sorted(keyed)]


class DiscoverOrder:
    """The gallery's ``Sort.DISCOVER`` (registered with ``services.gallery`` at app start)."""

    def page(self, challenge: WeeklyChallenge, cursor: str | None, limit: int,
             viewer_key: str | None) -> tuple[list[ChallengeSubmission], str | None]:
        """One page of the viewer's order after ``cursor``, and the next cursor."""
        viewer = viewer_key or ANYONE
        if cursor and cursor.startswith("s"):
            return _fallback_page(challenge, viewer, _fallback_cursor(cursor), limit)
        position = _position_cursor(cursor) if cursor else 0
        try:
            return _redis_page(challenge, viewer, position, limit)
        except (redis.RedisError, OSError):
            # Same seed, order from SQL; a position cursor from before the outage starts over.
            return _fallback_page(challenge, viewer, None, limit)

    def version(self, challenge: WeeklyChallenge, viewer_key: str) -> str | None:
        """The viewer's stored order, named by its ``upto`` ("new" before it is drawn): while
        it stands, the viewer's pages are the same pages (issue #14: an anonymous visitor's
        repeat view may be a 304; a repeat view answered so counts no new impressions)."""
        try:
            upto = get_redis().get(keys.upto(challenge.id, viewer_key))
        except (redis.RedisError, OSError):
            return None
        return f"{viewer_key}:{upto or 'new'}"

    def valid_cursor(self, cursor: str) -> bool:
        """Whether ``cursor`` has the form of a Discover cursor."""
        try:
            if cursor.startswith("s"):
                _fallback_cursor(cursor)
            else:
                _position_cursor(cursor)
        except BadCursor:
            return False
        return True


def _position_cursor(cursor: str) -> int:
    if not cursor.isdigit() or not 1 <= int(cursor) <= MAX_ENTRY_CURSOR:
        raise BadCursor(cursor)
    return int(cursor)


def _fallback_cursor(cursor: str) -> tuple[int, int]:
    """(upto, last entry number) of a fallback cursor ``s<upto>.<n>``."""
    upto, dot, last = cursor[1:].partition(".")
    if not dot or not upto.isdigit() or not last.isdigit():
        raise BadCursor(cursor)
    if not 0 <= int(upto) <= MAX_ENTRY_CURSOR or not 1 <= int(last) <= MAX_ENTRY_CURSOR:
        raise BadCursor(cursor)
    return int(upto), int(last)


def _counting_numbers(challenge: WeeklyChallenge, after: int = 0) -> dict[int, int]:
    """Entry number -> impressions stored in SQL, of the challenge's counting entries numbered
    above ``after``."""
    rows = db.session.execute(
        select(S.entry_number, S.impressions)
        .where(S.challenge_id == challenge.id, S.counts, S.entry_number > after)
    ).all()
    return {number: shown for number, shown in rows}


def _draw(challenge: WeeklyChallenge, viewer: str, client: redis.Redis,
          after: int = 0) -> list[int]:
    """A weighted shuffle of the counting entries numbered above ``after``, weighted by the
    impressions stored in SQL plus those still in Redis."""
    shown = _counting_numbers(challenge, after)
    for number, extra in pending_impressions(client, challenge.id).items():
        if number in shown:
            shown[number] += extra
    return weighted_shuffle(shown, seed(challenge.id, viewer) + after.to_bytes(4, "big"))


def _read(client: redis.Redis, order: str, upto: str, first: int,
          last: int) -> tuple[int | None, int, list[int]]:
    stored, length, numbers = cast(
        "list", client.eval(_READ, 2, order, upto, TTL, first, last))
    return (int(stored) if stored else None), int(length), [int(n) for n in numbers]


def _redis_page(challenge: WeeklyChallenge, viewer: str, position: int,
                limit: int) -> tuple[list[ChallengeSubmission], str | None]:
    client = get_redis()
    order, upto = keys.order(challenge.id, viewer), keys.upto(challenge.id, viewer)
    chunk = max(2 * limit, 24)
    stored, length, numbers = _read(client, order, upto, position, position + chunk - 1)
    if stored is None:  # first visit (or the order expired): draw it
        client.eval(_STORE, 2, order, upto, TTL, challenge.entries_created,
                    *_draw(challenge, viewer, client))
    elif stored < challenge.entries_created:  # entries came since: they join at the end
        client.eval(_EXTEND, 2, order, upto, stored, challenge.entries_created,
                    *_draw(challenge, viewer, client, after=stored))
    if stored is None or stored < challenge.entries_created:
        stored, length, numbers = _read(client, order, upto, position, position + chunk - 1)
    # Take the counting entries in order until one more than a page (to know whether there is
    # a next page), reading further chunks when withdrawn or disqualified ones were skipped.
    taken: list[tuple[int, ChallengeSubmission]] = []
    start = position
    while True:
        loaded = _load(challenge, numbers)
        for offset, number in enumerate(numbers):
            if number in loaded:
                taken.append((start + offset, loaded[number]))
        start += len(numbers)
        if len(taken) > limit or start >= length or not numbers:
            break
        _stored, length, numbers = _read(client, order, upto, start, start + chunk - 1)
    page = taken[:limit]
    more = len(taken) > limit
    return [entry for _pos, entry in page], (str(page[-1][0] + 1) if more else None)


def _load(challenge: WeeklyChallenge, numbers: list[int]) -> dict[int, ChallengeSubmission]:
    """The counting entries among ``numbers``, with their authors, in one query."""
    if not numbers:
        return {}
    rows = db.session.scalars(_counting_by_number(),
                              {"challenge_id": challenge.id, "numbers": numbers}).all()
    return {row.entry_number: row for row in rows}


@cache
def _counting_by_number() -> Select[ChallengeSubmission]:
    """``_load``'s query, built once (every Discover page runs it)."""
    return (select(S).options(joinedload(S.user))
            .where(*counting(bindparam("challenge_id", type_=S.challenge_id.type)),
                   S.entry_number.in_(bindparam("numbers", expanding=True))))


def _fallback_key(seed_bytes: bytes, number: int, upto: int) -> tuple[int, bytes, int]:
    """Where entry ``number`` sorts in the SQL-only order: entries up to ``upto`` by a hash of
    the seed and their number, then the newer ones by number."""
    if number > upto:
        return (1, b"", number)
    return (0, hashlib.sha256(seed_bytes + number.to_bytes(4, "big")).digest(), number)


def _fallback_page(challenge: WeeklyChallenge, viewer: str, cursor: tuple[int, int] | None,
                   limit: int) -> tuple[list[ChallengeSubmission], str | None]:
    upto = cursor[0] if cursor else challenge.entries_created
    seed_bytes = seed(challenge.id, viewer)
    ordered = sorted(_counting_numbers(challenge), key=lambda n: _fallback_key(seed_bytes, n, upto))
    if cursor:
        after = _fallback_key(seed_bytes, cursor[1], upto)
        ordered = [n for n in ordered if _fallback_key(seed_bytes, n, upto) > after]
    numbers = ordered[:limit]
    loaded = _load(challenge, numbers)
    entries = [loaded[n] for n in numbers if n in loaded]
    more = len(ordered) > limit and entries
    return entries, (f"s{upto}.{entries[-1].entry_number}" if more else None)
