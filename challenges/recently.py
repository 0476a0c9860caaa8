"""What this process wrote to Redis a moment ago, so a request can skip a write whose effect is
already there: a member's activity day (one a day would do), a session's copy for the polls
(written by every page load). Each skip saves a round trip on a member's every request.

Per app (``app.extensions``), not per module, and ``forget_all`` when the app's Redis is emptied
(the tests do, between tests): a memory of writes Redis no longer has would skip them.
Bounded, thread-safe, on the monotonic clock. A write that failed is never marked, so it is
tried again next time; a Redis that lost its data is written again ``seconds`` later at most.
It also holds the app's Redis client's memory of its last failure (``RedisBreaker``): for a
few seconds after it the client's calls fail at once instead of each waiting on a hung Redis.
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
    """Forget every write the current app remembers (its Redis was emptied: the tests), and
    any Redis failure (the pause after it is over)."""
    for name, found in current_app.extensions.items():
        if name.startswith("wc_recently:"):
            found.clear()
    if (breaker := _breaker()) is not None:
        breaker.forget()


def recently(name: str, seconds: float) -> Recently:
    """The current app's ``Recently`` called ``name`` (made on first use)."""
    extensions = current_app.extensions
    found = extensions.get(f"wc_recently:{name}")
    if found is None:
        found = extensions.setdefault(f"wc_recently:{name}", Recently(seconds))
    return found


# After Redis failed in this process, every call of the app's Redis client fails at once, without
# asking it, for this long (``RedisBreaker``): each would wait out the client's socket timeout
# against a hung Redis (stopped, or cut off by a partition), and under load every request of
# every worker thread makes some.
QUIET_AFTER_FAILURE = 5.0


class RedisResting(redis.ConnectionError):
    """Redis was not asked: it failed in this process moments ago (``RedisBreaker``). Callers
    take it as any Redis error (their fallback), but it is not a new failure: it never extends
    the pause."""


class RedisBreaker:
    """When a Redis client last failed (a refused or broken connection, a timeout), so that its
    calls fail at once for ``seconds`` after it (``redisguard`` wires it into the client's
    connections). After the pause one call, the probe, asks Redis again while the others still
    fail at once: when every thread of a process asked a hung Redis together, each waited out
    the timeout. An answer ends the pause; another failure starts a new one."""

    def __init__(self, seconds: float = QUIET_AFTER_FAILURE) -> None:
        self.seconds = seconds
        self._failed_at: float | None = None
        self._probe_at: float | None = None  # when the probe after a pause was let through
        self._lock = threading.Lock()  # gthread workers share a process

    def note_failure(self) -> None:
        with self._lock:
            self._failed_at, self._probe_at = time.monotonic(), None

    def note_answer(self) -> None:
        """Redis answered: the pause, if any, is over (one attribute read when there is none)."""
        if self._failed_at is not None:
            with self._lock:
                self._failed_at = self._probe_at = None

    def resting(self) -> bool:
        """Whether the client failed less than ``seconds`` ago."""
        failed_at = self._failed_at
        return failed_at is not None and time.monotonic() - failed_at < self.seconds

    def check(self) -> None:
        """Raise ``RedisResting`` while the pause lasts, or while the probe after it waits."""
        if self._failed_at is None:
            return
        with self._lock:
            now = time.monotonic()
            failed_at, probe_at = self._failed_at, self._probe_at
            if failed_at is None:
                return
            if now - failed_at < self.seconds or (probe_at is not None
                                                   and now - probe_at < self.seconds):
                raise RedisResting("Redis failed moments ago; not asked again yet")
            self._probe_at = now  # this call is the probe

    def forget(self) -> None:
        with self._lock:
            self._failed_at = self._probe_at = None


def _breaker() -> RedisBreaker | None:
    """The breaker of the current app's Redis client (None for a client built without one)."""
    client = current_app.extensions.get("wc_redis")
    pool = getattr(client, "connection_pool", None)
    return getattr(pool, "connection_kwargs", {}).get("breaker")


def redis_failed_recently() -> bool:
    """Whether the app's Redis client failed in this process less than
    ``QUIET_AFTER_FAILURE`` seconds ago: its calls then fail at once (``RedisResting``). A
    best-effort write may skip itself rather than log that failure."""
    breaker = _breaker()
    return breaker is not None and breaker.resting()
