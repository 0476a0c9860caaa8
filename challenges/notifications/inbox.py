"""In-app notifications (issue #9, "In the product"): the table, the service, and the bell's
unread state in Redis.

``add_notifications`` is what every notification kind calls (beside its email): one set-based
``INSERT ... ON CONFLICT (key) DO NOTHING``, so a job run twice adds nothing twice. Services flush
only; the caller commits. After the commit the affected members' bell state is bumped.

The bell state (keys.bell) is derived: ``gen`` is the version a poll compares and ``n`` the
unread count at that version. A change bumps ``gen`` and drops ``n``; the next read counts again
in SQL and stores ``n`` only if ``gen`` did not move meanwhile (so a count read before a change
never lands after it). The hash expires after an hour without a change, which bounds how long a
bump lost to a Redis outage can leave a wrong count.
"""

from __future__ import annotations

import base64
import binascii
import time
import uuid
from collections.abc import Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import redis
from flask import current_app
from sqlalchemy import ForeignKey, Index, String, Uuid, func, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import utcnow
from ..extensions import Model, db, get_redis
from ..leaderboard.sessions import Viewer, decode_viewer, identity_key
from ..models.base import BigIntPK
from ..models.types import UTCDateTime
from ..transactions import after_commit
from . import keys

TEXT_MAX = 500
LINK_MAX = 500
PAGE_SIZE = 20
STATE_TTL = int(timedelta(hours=1).total_seconds())
REDIS_ERRORS = (redis.RedisError, OSError)
_CHUNK = 1000  # rows per INSERT: 7 parameters each stays far below both databases' limits


class InAppNotification(Model):
    """One thing a member is told in the product. ``key`` is unique: the same news twice is one
    row (``first-vote:<submission_id>``, ``<kind>:<challenge_id>:<user_id>``...)."""

    __tablename__ = "in_app_notifications"
    __table_args__ = (
        # The list page pages by keyset over (created_at, id), newest first, per member.
        Index("ix_in_app_notifications_user_created", "user_id", "created_at", "id"),
        Index("ix_in_app_notifications_challenge_id", "challenge_id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(200), unique=True)
    challenge_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid(), ForeignKey("weekly_challenges.id", ondelete="CASCADE")
    )
    text: Mapped[str] = mapped_column(String(TEXT_MAX))  # plain text; escaped when shown
    link: Mapped[str] = mapped_column(String(LINK_MAX))  # a path on this site
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


def is_site_path(link: str) -> bool:
    """A path on this site ("/challenges/x/"), never another host ("//evil", "https://...")."""
    return (link.startswith("/") and not link.startswith("//") and "\\" not in link
            and not any(ord(c) < 33 for c in link) and len(link) <= LINK_MAX)


@dataclass(frozen=True)
class InboxItem:
    """A notification to add. ``text`` is plain (cut to fit); ``link`` must be a site path."""

    user_id: int
    kind: str
    key: str
    text: str
    link: str
    challenge_id: uuid.UUID | None = None

    def __post_init__(self) -> None:
        if not is_site_path(self.link):
            raise ValueError(f"a notification links to a path on this site, not {self.link!r}")


def site_path(endpoint: str, **values: Any) -> str:
    """The path of ``endpoint`` without a request (jobs build links too, and ``url_for`` needs a
    request or ``SERVER_NAME`` for that)."""
    return current_app.url_map.bind("").build(endpoint, values)


def _cut(text: str) -> str:
    return text if len(text) <= TEXT_MAX else text[: TEXT_MAX - 1] + "…"


def add_notifications(items: Sequence[InboxItem], now: datetime | None = None) -> int:
    """Add ``items`` (flush only); an item whose ``key`` exists is skipped. Returns how many were
    added. After the commit, the bell of every member who got one is bumped."""
    if not items:
        return 0
    now = now or utcnow()
    table: Any = InAppNotification.__table__
    insert = (postgresql.insert if db.session.get_bind().dialect.name == "postgresql"
              else sqlite.insert)
    added: set[int] = set()
    count = 0
    for start in range(0, len(items), _CHUNK):
        rows = [
            {"user_id": i.user_id, "kind": i.kind, "key": i.key, "text": _cut(i.text),
             "link": i.link, "challenge_id": i.challenge_id, "created_at": now}
            for i in items[start:start + _CHUNK]
        ]
        inserted = db.session.execute(
            insert(table).values(rows).on_conflict_do_nothing(index_elements=["key"])
            .returning(table.c.user_id)
        ).scalars().all()
        count += len(inserted)
        added.update(inserted)
    if added:
        after_commit(lambda: bump(added))
    return count


def mark_read(user_id: int, ids: Iterable[int] | Literal["all"], now: datetime) -> int:
    """Mark ``user_id``'s notifications ``ids`` (or all of them) read; another member's ids are
    ignored. Flushes; returns how many changed, and bumps the bell after the commit if any did."""
    query = update(InAppNotification).where(InAppNotification.user_id == user_id,
                                            InAppNotification.read_at.is_(None))
    if ids != "all":
        wanted = list(ids)
        if not wanted:
            return 0
        query = query.where(InAppNotification.id.in_(wanted))
    result: Any = db.session.execute(  # a DML Result, which has rowcount
        query.values(read_at=now).execution_options(synchronize_session=False)
    )
    changed = int(result.rowcount or 0)
    if changed:
        after_commit(lambda: bump([user_id]))
    return changed


def unread_count(user_id: int) -> int:
    """How many of ``user_id``'s notifications are unread (SQL)."""
    return int(db.session.scalar(
        select(func.count()).select_from(InAppNotification)
        .where(InAppNotification.user_id == user_id, InAppNotification.read_at.is_(None))
    ) or 0)


def notification_link(user_id: int, notification_id: int) -> str | None:
    """The link of one of ``user_id``'s notifications, None if it is not theirs."""
    return db.session.scalar(select(InAppNotification.link).where(
        InAppNotification.id == notification_id, InAppNotification.user_id == user_id))


# --- The list page: keyset pages, newest first ------------------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class BadCursor(ValueError):
    """A ``?before=`` the list page did not write."""


@dataclass(frozen=True)
class Cursor:
    """The last row shown: the next page starts after it."""

    created_at: datetime
    id: int

    def encode(self) -> str:
        micros = (self.created_at - _EPOCH) // timedelta(microseconds=1)
        return base64.urlsafe_b64encode(f"{micros}:{self.id}".encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, raw: str) -> Cursor:
        try:
            text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
            micros, row_id = (int(part) for part in text.split(":"))
            return cls(_EPOCH + timedelta(microseconds=micros), row_id)
        except (ValueError, binascii.Error, OverflowError) as error:
            raise BadCursor(raw) from error


@dataclass(frozen=True)
class InboxPage:
    items: list[InAppNotification]
    next_cursor: Cursor | None


def list_page(user_id: int, cursor: Cursor | None, size: int = PAGE_SIZE) -> InboxPage:
    """One page of ``user_id``'s notifications, newest first, after ``cursor`` (keyset on
    (created_at, id), the index's order: the same cost on page 1 and page 1,000)."""
    query = select(InAppNotification).where(InAppNotification.user_id == user_id)
    if cursor is not None:
        query = query.where(tuple_(InAppNotification.created_at, InAppNotification.id)
                            < tuple_(cursor.created_at, cursor.id))
    rows = list(db.session.scalars(
        query.order_by(InAppNotification.created_at.desc(), InAppNotification.id.desc())
        .limit(size + 1)
    ))
    more = len(rows) > size
    rows = rows[:size]
    return InboxPage(rows, Cursor(rows[-1].created_at, rows[-1].id) if more else None)


# --- The bell's state in Redis ----------------------------------------------------------------

# KEYS: bell. ARGV: a fresh generation (used when the hash is gone), ttl.
# A missing hash starts at a fresh, time-based generation rather than 1, so a version a client
# saw before the hash expired is never handed out again for a different count.
_BUMP = """
if redis.call('HEXISTS', KEYS[1], 'gen') == 1 then
  redis.call('HINCRBY', KEYS[1], 'gen', 1)
else
  redis.call('HSET', KEYS[1], 'gen', ARGV[1])
end
redis.call('HDEL', KEYS[1], 'n')
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
"""

# KEYS: bell. ARGV: the generation read before counting ("" if none), the count, a fresh
# generation, ttl. Stores the count only if no change came in between; returns the generation
# the count belongs to, or false when a change did come (the count is already old).
_STORE = """
local gen = redis.call('HGET', KEYS[1], 'gen')
if ARGV[1] == '' then
  if gen then return false end
  redis.call('HSET', KEYS[1], 'gen', ARGV[3], 'n', ARGV[2])
  redis.call('EXPIRE', KEYS[1], ARGV[4])
  return ARGV[3]
end
if gen ~= ARGV[1] then return false end
redis.call('HSET', KEYS[1], 'n', ARGV[2])
return gen
"""


def _fresh_generation() -> int:
    # Wall time in microseconds, not the app clock: only uniqueness matters here, and a frozen
    # test clock would hand out the same value twice.
    return time.time_ns() // 1000


def bump(user_ids: Iterable[int]) -> None:
    """After a commit that changed these members' notifications: new version, count again.
    Never fails the caller; a lost bump heals when the hash expires."""
    with suppress(*REDIS_ERRORS):
        client = get_redis()
        pipe = client.pipeline(transaction=False)
        for user_id in user_ids:
            pipe.eval(_BUMP, 1, keys.bell(user_id), _fresh_generation(), STATE_TTL)
        pipe.execute()


@dataclass(frozen=True)
class BellState:
    """What the bell shows: the unread count and the version it belongs to (-1: not cached,
    so the next poll asks again)."""

    unread: int
    version: int


def bell_state(user_id: int) -> BellState:
    """The bell of ``user_id``: from Redis when it holds the count, else counted in SQL (and
    stored for the polls that follow)."""
    try:
        client = get_redis()
        held: dict[str, str] = client.hgetall(keys.bell(user_id))  # type: ignore[assignment, unused-ignore]
    except REDIS_ERRORS:
        return BellState(unread_count(user_id), -1)
    if "n" in held and "gen" in held:
        return BellState(int(held["n"]), int(held["gen"]))
    return _count_and_store(client, user_id, held.get("gen", ""))


def _count_and_store(client: redis.Redis, user_id: int, generation: str) -> BellState:
    count = unread_count(user_id)
    try:
        stored: Any = client.eval(_STORE, 1, keys.bell(user_id), generation, count,
                                  _fresh_generation(), STATE_TTL)
    except REDIS_ERRORS:
        return BellState(count, -1)
    return BellState(count, int(stored) if stored else -1)


@dataclass(frozen=True)
class BellPoll:
    """A poll's answer from Redis: ``viewer`` None means Redis does not know the session;
    ``state`` None means the count must be taken from SQL; ``unchanged`` means 204."""

    viewer: Viewer | None
    state: BellState | None = None
    unchanged: bool = False
    generation: str = ""


def poll(session_token: str | None, client_version: int | None) -> BellPoll:
    """Answer a bell poll from Redis alone (two round trips: who is asking, then their bell).
    Raises Redis errors for the caller to fall back to SQL."""
    identity = identity_key(session_token)
    if identity is None:
        return BellPoll(None)
    client = get_redis()
    viewer = decode_viewer(client.get(identity))  # type: ignore[arg-type, unused-ignore]
    if viewer is None:
        return BellPoll(None)
    held: dict[str, str] = client.hgetall(keys.bell(viewer.user_id))  # type: ignore[assignment, unused-ignore]
    if "n" not in held or "gen" not in held:
        return BellPoll(viewer, generation=held.get("gen", ""))
    state = BellState(int(held["n"]), int(held["gen"]))
    return BellPoll(viewer, state, unchanged=state.version == client_version)


def recount(user_id: int, generation: str) -> BellState:
    """A poll found no count in Redis: count in SQL and store it under ``generation``."""
    return _count_and_store(get_redis(), user_id, generation)
