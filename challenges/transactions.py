"""Units of work: run a service, commit once, retry transient conflicts, then after-commit hooks.

Services register what must happen only once their changes are durable (Redis leaderboard
writes) with ``after_commit``; a rollback discards it. This is how "Redis is written after the
database commit" holds for every caller: views, the JSON API and jobs alike.
"""

from __future__ import annotations

import hashlib
import logging
import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from .extensions import db

log = logging.getLogger(__name__)
T = TypeVar("T")
_KEY = "wc_after_commit"
_RELEASE_KEY = "wc_after_release"  # committed, waiting for the connection to go back to the pool
_PENDING_RELEASE_KEY = "wc_after_release_pending"  # not committed yet

# PostgreSQL deadlock / serialization failure; SQLite "database is locked" (a writer raced us).
_TRANSIENT_PG_CODES = {"40P01", "40001"}


def after_commit(callback: Callable[[], None]) -> None:
    """Run ``callback`` after the current transaction commits; drop it if it rolls back."""
    db.session.info.setdefault(_KEY, []).append(callback)


def after_release(callback: Callable[[], None]) -> None:
    """Run ``callback`` once the current transaction has committed AND its connection is back in
    the pool; drop it on a rollback. For work that may open a database connection of its own
    (the core's events: features' handlers insert rows, or run jobs inline in tests): run from
    ``after_commit`` it would hold two pooled connections at once, and enough concurrent
    requests doing that exhaust the pool, each waiting for a connection another one holds."""
    db.session.info.setdefault(_PENDING_RELEASE_KEY, []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    callbacks = session.info.pop(_KEY, [])
    session.info.setdefault(_RELEASE_KEY, []).extend(session.info.pop(_PENDING_RELEASE_KEY, []))
    for callback in callbacks:
        callback()


@event.listens_for(Session, "after_transaction_end")
def _run_after_release(session: Session, transaction: Any) -> None:
    # The outermost transaction has ended and returned its connection to the pool.
    if transaction.parent is not None or not session.info.get(_RELEASE_KEY):
        return
    callbacks = session.info.pop(_RELEASE_KEY)
    for callback in callbacks:
        callback()


@event.listens_for(Session, "after_soft_rollback")
def _discard_after_rollback(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:  # the outermost transaction, not a savepoint
        session.info.pop(_KEY, None)
        session.info.pop(_PENDING_RELEASE_KEY, None)


def is_transient(error: DBAPIError) -> bool:
    """A conflict that running the same work again resolves."""
    code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    if code in _TRANSIENT_PG_CODES:
        return True
    return isinstance(error, OperationalError) and "database is locked" in str(error.orig)


def serialize_on(scope: str, key: object) -> None:
    """Make the transactions that call this with the same ``scope`` and ``key`` run from here
    to their end one at a time. For a rule that counts rows and then inserts, which no unique
    constraint can hold (an "at most N" cap: a member's projects and API tokens, a sponsor's
    webhook endpoints): without it, requests that arrive together all count N - 1 and all
    insert. Call it before the count.

    PostgreSQL: a transaction-level advisory lock, released at commit or rollback. It is no
    row lock, so it stays out of the one lock order (docs/decisions.md); take it before any row
    lock, so a transaction never waits for it while holding one. SQLite: the database's write
    lock (SQLite has one writer at a time anyway), taken by a write that changes nothing, now
    rather than at the insert, so the count is read under it."""
    if db.session.get_bind().dialect.name == "postgresql":
        # 64 bits of a digest: a collision only makes two unrelated transactions wait in turn.
        digest = hashlib.blake2b(f"{scope}:{key}".encode(), digest_size=8).digest()
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                           {"key": int.from_bytes(digest, "big", signed=True)})
    else:
        db.session.execute(text("UPDATE users SET id = id WHERE 0"))


def commit_with_retry(work: Callable[[], T], attempts: int = 5, *,
                      keep_loaded: bool = False) -> T:
    """Run ``work`` (service calls that flush) and commit, retrying transient conflicts.

    The whole unit runs again from scratch on a retry, so ``work`` must read what it needs
    inside itself. Domain errors propagate after a rollback.

    ``keep_loaded``: the objects in the session keep the values they had at the commit instead
    of being expired (and read again on their next access). For a caller that only shows what
    ``work`` just wrote, with the values ``work`` left on its objects (a vote's button: its
    counters come from the UPDATE's RETURNING); anything committed by others meanwhile is not
    seen until the next request.
    """
    for attempt in range(1, attempts + 1):
        try:
            result = work()
            _commit(keep_loaded)
            return result
        except DBAPIError as error:
            db.session.rollback()
            if attempt == attempts or not is_transient(error):
                raise
            log.info("transient database conflict (attempt %d): %s", attempt, error.orig)
            time.sleep(random.uniform(0.005, 0.02) * 2**attempt)  # jittered backoff
        except BaseException:
            db.session.rollback()
            raise
    raise AssertionError("unreachable")


def _commit(keep_loaded: bool) -> None:
    session = db.session()
    previous = session.expire_on_commit
    session.expire_on_commit = previous and not keep_loaded
    try:
        session.commit()
    finally:
        session.expire_on_commit = previous
