"""What this process wrote to Redis a moment ago, so a request can skip a write whose effect is
already there: a member's activity day (one a day would do), a session's copy for the polls
(written by every page load). Each skip saves a round trip on a member's every request.

Per app (``app.extensions``), not per module, and ``forget_all`` when the app's Redis is emptied
(the tests do, between tests): a memory of writes Redis no longer has would skip them.
Bounded, thread-safe, on the monotonic clock. A write that failed is never marked, so it is
tried again next time; a Redis that lost its data is written again ``seconds`` later at most.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable

from flask import current_app

from .redisguard import forget_failure


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
    forget_failure()


def recently(name: str, seconds: float) -> Recently:
    """The current app's ``Recently`` called ``name`` (made on first use)."""
    extensions = current_app.extensions
    found = extensions.get(f"wc_recently:{name}")
    if found is None:
        found = extensions.setdefault(f"wc_recently:{name}", Recently(seconds))
    return found
