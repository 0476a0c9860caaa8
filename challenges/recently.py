"""What this process wrote to Redis a moment ago, so a request can skip a write whose effect is
already there: a member's activity day (one a day would do), a session's copy for the polls
(written by every page load). Each skip saves a round trip on a member's every request.

Per app (``app.extensions``), not per module, and ``forget_all`` when the app's Redis is emptied
(the tests do, between tests): a memory of writes Redis no longer has would skip them.
Bounded, thread-safe, on the monotonic clock. A write that failed is never marked, so it is
tried again next time; a Redis that lost its data is written again ``seconds`` later at most.
It also remembers when Redis last failed in this process (``note_redis_failure``), so that
best-effort writes and the leaderboard's reads pause for a few seconds instead of each waiting
on a hung Redis (``raise_if_redis_failed_recently``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable

import redis
from flask import current_app


class Recently:
    """Keys marked within the last ``seconds``, each with the value written (at most ``size``:
    the oldest go first)."""

    def __init__(self, seconds: float, size: int = 10_000) -> None:
        self.seconds = seconds
        self.size = size
        self._marked: dict[Hashable, tuple[Hashable, float]] = {}
        self._lock = threading.Lock()  # gthread workers share a process

    def seen(self, key: Hashable, value: Hashable = None) -> bool:
        """Whether ``key`` was marked with ``value`` less than ``seconds`` ago (a key since
        written with another value is not: its value changed back)."""
        found = self._marked.get(key)
        return (found is not None and found[0] == value
                and time.monotonic() - found[1] < self.seconds)

    def mark(self, key: Hashable, value: Hashable = None) -> None:
        """Note that ``key`` was just written (with ``value``)."""
        with self._lock:
            self._marked.pop(key, None)  # re-inserted last: the oldest stay first in line
            while len(self._marked) >= self.size:
                self._marked.pop(next(iter(self._marked)))
            self._marked[key] = (value, time.monotonic())

    def forget(self, key: Hashable) -> None:
        """Drop ``key``: its next write is made whatever the time."""
        with self._lock:
            self._marked.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._marked.clear()


def forget_all() -> None:
    """Forget every write the current app remembers (its Redis was emptied: the tests)."""
    for name, found in current_app.extensions.items():
        if name.startswith("wc_recently:"):
            found.clear()


def recently(name: str, seconds: float) -> Recently:
    """The current app's ``Recently`` called ``name`` (made on first use)."""
    extensions = current_app.extensions
    found = extensions.get(f"wc_recently:{name}")
    if found is None:
        found = extensions.setdefault(f"wc_recently:{name}", Recently(seconds))
    return found


# After Redis failed in this process, best-effort writes (a session's copy for the polls) skip
# themselves this long: each would wait out the client's socket timeout against a hung Redis
# (stopped, or cut off by a partition), and every member's request makes one.
QUIET_AFTER_FAILURE = 5.0


def note_redis_failure() -> None:
    """Redis just failed (an error or a timeout) in this process."""
    recently("redis-failures", QUIET_AFTER_FAILURE).mark("redis")


def redis_failed_recently() -> bool:
    """Whether Redis failed in this process less than ``QUIET_AFTER_FAILURE`` seconds ago."""
    return recently("redis-failures", QUIET_AFTER_FAILURE).seen("redis")


class RedisResting(redis.ConnectionError):
    """Redis was not asked: it failed in this process moments ago (``redis_failed_recently``).
    A Redis error like any other for the caller's fallback, but not a new failure: noting it
    (``note_redis_failure``) would keep the pause going for ever."""


def raise_if_redis_failed_recently() -> None:
    """Raise ``RedisResting`` while the pause after a Redis failure lasts: the leaderboard's
    reads then go straight to their SQL fallback. Issue #14: with Redis hung, every poll
    waited out the socket timeout (1 s) and, under 200 polls a second, held every worker; now
    a process waits once per pause, and the first read after it finds out whether Redis is
    back."""
    if redis_failed_recently():
        raise RedisResting("Redis failed moments ago; not asked again yet")
