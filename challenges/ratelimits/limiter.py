"""The limiter: Flask-Limiter, configured per app, and loud about Redis outages."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import flask
from flask_limiter import Limiter
from limits.errors import StorageError

from ..config import redis_url_of_limiter_uri
from ..redisguard import breaker_of, guarded_pool

log = logging.getLogger(__name__)


class AppLimiter(Limiter):
    """Flask-Limiter's ``Limiter``, changed in four ways.

    * ``init_app`` starts from the app's own settings. Flask-Limiter reads most of them only
      while unset and keeps its "storage is down" flag, so with one limiter object (the views'
      decorators are bound to it) the first app a process builds would configure every later
      one, and an outage seen by one app would carry over. Production builds one app per
      process; the tests build many, some with a dead Redis on purpose.
    * A refusal (429) says when to come back (``Retry-After``), and only a refusal: Flask-Limiter's
      own headers (``RATELIMIT_HEADERS_ENABLED``) read the limit's window again on every
      answer, a second Redis round trip for each vote and login (issue #14).
    * Its Redis connections rest Redis after a failure as the app's own client does
      (``redisguard``), sharing that client's breaker when both reach the same Redis: a hung
      Redis costs a request one socket timeout in all, not one for the limit check and another
      for the page (``resting_storage_options``).
    * Going to the in-memory fallback and coming back are logged once per outage, as warnings,
      by this module (Flask-Limiter's own lines are terser and its recovery one is only INFO).
      While Redis is down each process counts on its own, so a limit is per process (a member
      may get up to workers x the limit); that is stated in the log so an operator knows.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._outage_lock = threading.Lock()
        self._dead = False
        super().__init__(*args, **kwargs)

    # Flask-Limiter sets ``_storage_dead`` when a hit fails (and it switches to memory) and
    # clears it when a periodic ping succeeds; a property sees both transitions.
    @property
    def _storage_dead(self) -> bool:
        return self._dead

    @_storage_dead.setter
    def _storage_dead(self, dead: bool) -> None:
        with self._outage_lock:
            was, self._dead = self._dead, dead
        if dead and not was:
            log.warning("Rate-limit storage (Redis) unreachable: counting in this process's "
                        "memory until it is back (limits now apply per process)")
        elif was and not dead:
            log.warning("Rate-limit storage (Redis) is back: counting in Redis again")

    def init_app(self, app: flask.Flask) -> None:
        """Bind to ``app`` with its settings (see the class docstring)."""
        self._swallow_errors = None
        self._fail_on_first_breach = None
        self._headers_enabled = None
        self._in_memory_fallback_enabled = False
        self._in_memory_fallback = []
        self._strategy = None
        self._retry_after = None
        self._key_prefix = ""
        self._storage_options = resting_storage_options(app)
        self._dead = False  # a new app starts on its storage, without logging a recovery
        super().init_app(app)

    def say_when_to_retry(self, response: flask.Response) -> flask.Response:
        """``Retry-After`` on a 429 (HTML page or API error alike): the seconds until the
        window of the limit it hit opens again, at least 1. An after-request hook: the app
        factory registers it once (``init_app`` runs again on a used app in tests)."""
        if response.status_code != 429 or "Retry-After" in response.headers:
            return response
        breached = self.current_limit
        if breached is None:
            return response
        try:
            wait = breached.reset_at - time.time()
        except StorageError:  # Redis went away since the check: the whole window, to be safe
            wait = breached.limit.get_expiry()
        response.headers["Retry-After"] = str(max(1, int(wait)))
        return response


def resting_storage_options(app: flask.Flask) -> dict[str, Any]:
    """Storage options giving the limiter a guarded connection pool (``redisguard``) for a
    ``redis://``, ``rediss://`` or ``redis+unix://`` storage, whose breaker is the app's Redis
    client's when both name the same Redis (the default): a failure either of them sees rests
    Redis for both, and Flask-Limiter's own fallback (memory) answers at once. Without it, each
    process's limiter waited out a hung Redis's socket timeout on its own: a vote click took
    ~3 s, one wait for the limiter and one for the app. Other storages: no options."""
    url = redis_url_of_limiter_uri(app.config.get("RATELIMIT_STORAGE_URI") or "")
    if url is None:
        return {}
    shared = (breaker_of(app.extensions.get("wc_redis"))
              if url == app.config.get("REDIS_URL") else None)
    options = app.config.get("RATELIMIT_STORAGE_OPTIONS", {})
    return {"connection_pool": guarded_pool(url, breaker=shared, **options)}
