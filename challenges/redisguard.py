"""The app's Redis client, whose connections rest Redis after a failure (issue #14).

Under load a hung Redis (stopped, or cut off by a partition: it accepts connections and never
answers) held every worker thread: each call waited out the 1 s socket timeout, and a vote, a
gallery view or a landing page made several (the board, the bell, the Discover order,
impressions, notifications). The connections of this client share a ``RedisBreaker``: a
refused or broken connection, or a timeout, on any of them is noted, and for
``QUIET_AFTER_FAILURE`` seconds after it every call a request makes fails at once with
``RedisResting`` (jobs and commands still ask Redis, and their answers end the pause), a
``redis.ConnectionError``, which every caller already answers with its fallback (the board from
SQL, a best-effort write skipped). The first call after the pause asks Redis again, alone.
``python -m tests.bench.mixed --valkey-outage hung`` shows the difference.
"""

from __future__ import annotations

import logging
import threading
import time
from functools import cache
from typing import Any

import redis
from flask import current_app, has_request_context
from redis.connection import AbstractConnection

log = logging.getLogger(__name__)

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
    calls fail at once for ``seconds`` after it (``guarded_client`` wires it into the client's
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

# What counts as Redis failing (a reply that is an error, such as a script's, does not).
FAILURES = (redis.ConnectionError, redis.TimeoutError, OSError)


class _Guarded(AbstractConnection):
    """A connection that fails at once while its breaker rests Redis, and tells its breaker
    when it fails."""

    def __init__(self, *args: Any, breaker: RedisBreaker, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.breaker = breaker
        self._connecting = False

    def _check(self) -> None:
        # Requests rest Redis; jobs and commands keep asking it (they can wait, and a job that
        # fails for it would only run again later).
        if has_request_context():
            self.breaker.check()

    def _failed(self, error: BaseException) -> None:
        if not self.breaker.resting():  # once a pause: the log says when it starts, and why
            log.warning("Redis failed (%s: %s); requests leave it alone for %g s",
                        type(error).__name__, error, self.breaker.seconds)
        self.breaker.note_failure()

    def connect_check_health(self, *args: Any, **kwargs: Any) -> None:
        # The pool connects before a command is sent (a refused or hung connect fails here).
        if self._sock is None:
            self._check()
        self._connecting = True  # the handshake's commands are this call's: checked once
        try:
            super().connect_check_health(*args, **kwargs)
        except FAILURES as error:
            self._failed(error)
            raise
        finally:
            self._connecting = False

    def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        if not self._connecting:
            self._check()
        try:
            super().send_packed_command(command, check_health)
        except FAILURES as error:
            self._failed(error)
            raise

    def read_response(self, *args: Any, **kwargs: Any) -> Any:
        try:
            response = super().read_response(*args, **kwargs)
        except FAILURES as error:
            self._failed(error)
            raise
        except redis.RedisError:  # an error reply (a script's): Redis answered
            self.breaker.note_answer()
            raise
        self.breaker.note_answer()
        return response


@cache
def _guarded(base: type[AbstractConnection]) -> type[AbstractConnection]:
    """``base`` (TCP, TLS or Unix socket, as the URL says) with the breaker."""
    return type(f"Guarded{base.__name__}", (_Guarded, base), {})


def guarded_pool(url: str, breaker: RedisBreaker | None = None,
                 **options: Any) -> redis.ConnectionPool:
    """A connection pool for ``url`` (``redis.ConnectionPool.from_url`` with ``options``) whose
    connections share ``breaker``, or a new one."""
    pool = redis.ConnectionPool.from_url(url, **options)
    pool.connection_class = _guarded(pool.connection_class)
    pool.connection_kwargs["breaker"] = breaker if breaker is not None else RedisBreaker()
    return pool


def guarded_client(url: str, **options: Any) -> redis.Redis:
    """A client for ``url`` (``redis.Redis.from_url`` with ``options``) whose connections share
    one new ``RedisBreaker`` (``redis_failed_recently`` reads it)."""
    return redis.Redis(connection_pool=guarded_pool(url, **options))


def breaker_of(client: object) -> RedisBreaker | None:
    """The breaker ``client``'s connections share (None for a client built without one)."""
    pool = getattr(client, "connection_pool", None)
    found = getattr(pool, "connection_kwargs", {}).get("breaker")
    return found if isinstance(found, RedisBreaker) else None


def _breaker() -> RedisBreaker | None:
    """The breaker of the current app's Redis client."""
    return breaker_of(current_app.extensions.get("wc_redis"))


def redis_failed_recently() -> bool:
    """Whether the app's Redis client failed in this process less than
    ``QUIET_AFTER_FAILURE`` seconds ago: its calls then fail at once (``RedisResting``). A
    best-effort write may skip itself rather than log that failure."""
    breaker = _breaker()
    return breaker is not None and breaker.resting()


def forget_failure() -> None:
    """Forget the app's Redis client's last failure: the pause after it is over (the tests,
    after restarting Redis)."""
    if (breaker := _breaker()) is not None:
        breaker.forget()
