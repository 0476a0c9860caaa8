"""The full leaderboard, one page at a time: every rank, not only the widget's top 10.

Pages are keyset-paginated on the Redis sorted set. A cursor is the score of the last row shown
("after": the rows below it) or of the first ("before": the rows above it). Scores are unique
(``scores``), so a score names one place on the board, and a page is one read-only script:
``ZREVRANGEBYSCORE ... LIMIT 0 size`` plus one ``ZREVRANK`` for the rank numbers, O(log N + size)
whatever page it is, never a scan. "Jump to my rank" asks for the page holding the viewer's row
(those pages start at a multiple of ``size`` from the top).

Full pages and the API may use SQL (``board_page``); the "load more" fragment may not
(``fragment_page``): slug, visibility and deadline come from the board's Redis meta and the
viewer from the Redis copy of their session, as for the widget's poll. When the board is not in
Redis the same cursors page through the database (keyset over the standings, never OFFSET) and
the page says "live updates paused".
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import Enum, StrEnum
from types import MappingProxyType
from typing import Any, cast

import redis
from sqlalchemy import ColumnElement, Select, and_, func, or_, select

from ..extensions import db, get_redis
from ..luascripts import LuaScript
from ..models import User, WeeklyChallenge
from ..phase import freeze_starts_at, is_frozen, results_published
from . import frozen as frozen_board
from . import keys, staleness
from .live import (
    REDIS_ERRORS,
    board_for_page,
    meta_completed,
    meta_frozen_hours,
    meta_visible,
    viewer_extras,
)
from .rebuild_queue import request_rebuild
from .scores import MAX_ENTRY_NUMBER, counted_votes, encode, first_entry_number
from .sessions import viewer_from_token
from .standings import _totals, sql_board_version, standing_of, votes_today
from .store import Row, day_start

PAGE_SIZE = 50
MAX_PAGE_SIZE = 100  # what callers from outside (the API's ``limit``) may ask for
MAX_READ = 1000  # what one read returns at most, whoever asks
# Scores stay exact doubles far beyond any real vote count; a cursor above this is not ours.
MAX_CURSOR_VOTES = 2.0**31


class BadCursor(ValueError):
    """A cursor this board never handed out."""


class Direction(StrEnum):
    FIRST = "first"
    AFTER = "after"  # the rows ranked below a score
    BEFORE = "before"  # the rows ranked above a score
    VIEWER = "me"  # the page holding the viewer's own row


@dataclass(frozen=True)
class Cursor:
    direction: Direction = Direction.FIRST
    score: float | None = None

    def query(self) -> dict[str, str]:
        """The page URL's query arguments for this cursor (what ``page_cursor`` reads back)."""
        if self.direction == Direction.VIEWER:
            return {"at": "me"}
        if self.score is None:
            return {}
        return {self.direction.value: repr(self.score)}

    def token(self) -> str:
        """The cursor as one string (``after:12.2499...``), what ``parse_token`` reads back."""
        return f"{self.direction.value}:{'' if self.score is None else repr(self.score)}"


FIRST = Cursor()
AT_VIEWER = Cursor(Direction.VIEWER)


def parse_score(raw: str) -> float:
    """A board score handed out as a cursor; ``BadCursor`` for anything no board holds."""
    try:
        score = float(raw)
    except ValueError:
        raise BadCursor(raw) from None
    if not math.isfinite(score) or not 0 < score < MAX_CURSOR_VOTES:
        raise BadCursor(raw)
    number = first_entry_number(score)
    if not 1 <= number <= MAX_ENTRY_NUMBER or encode(counted_votes(score), number) != score:
        raise BadCursor(raw)  # not votes + a tie-break fraction
    return score


def page_cursor(after: str | None, before: str | None, at: str | None) -> Cursor:
    """The cursor of a page URL (``?after=``, ``?before=`` or ``?at=me``); at most one."""
    if sum(arg is not None for arg in (after, before, at)) > 1:
        raise BadCursor("more than one cursor")
    if after is not None:
        return Cursor(Direction.AFTER, parse_score(after))
    if before is not None:
        return Cursor(Direction.BEFORE, parse_score(before))
    if at is not None:
        if at != "me":
            raise BadCursor(at)
        return AT_VIEWER
    return FIRST


def parse_token(token: str) -> Cursor:
    """The cursor ``Cursor.token`` wrote (only "after" and "before" travel as tokens)."""
    direction, _, raw = token.partition(":")
    if direction not in (Direction.AFTER.value, Direction.BEFORE.value):
        raise BadCursor(token)
    return Cursor(Direction(direction), parse_score(raw))


@dataclass(frozen=True)
class RankPage:
    """One page of the full board, and where the pages around it start."""

    challenge_id: uuid.UUID
    slug: str
    version: int
    rows: list[Row]
    participants: int
    live: bool  # False: read from SQL because Redis lacks the board ("live updates paused")
    completed: bool
    size: int
    viewer_id: int | None
    viewer: Row | None  # the viewer's own row, wherever it is on the board
    next_cursor: Cursor | None
    prev_cursor: Cursor | None
    # Issue #13: rows are the board at the freeze, this many hours before the voting deadline
    # (``viewer`` stays live); None when the rows are live.
    frozen_hours: int | None = None
    # What features add to the viewer's own row (``live.VIEWER_ROW_HOOKS``), by feature name.
    extras: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


def _with_extras(client: redis.Redis, page: RankPage, now: datetime) -> RankPage:
    """``page`` with what the viewer-row hooks add when the viewer's row is on it."""
    if page.viewer is None or all(row.user_id != page.viewer_id for row in page.rows):
        return page
    return _add_extras(client, page, now)


def _add_extras(client: redis.Redis, page: RankPage, now: datetime) -> RankPage:
    extras = viewer_extras(client, page.challenge_id, page.viewer_id, page.completed, now)
    return replace(page, extras=extras) if extras else page


def with_viewer_extras(page: RankPage, now: datetime) -> RankPage:
    """``page`` with what the viewer-row hooks add to the viewer's own row wherever it is (the
    API's ``me``; the HTML board shows them only on a page holding that row). Left as it is
    when it has them already, has no viewer row, or was read from SQL; a Redis error leaves
    them out, as on the board."""
    if page.extras or page.viewer is None or not page.live:
        return page
    try:
        return _add_extras(get_redis(), page, now)
    except REDIS_ERRORS:
        return page


def board_page(challenge: WeeklyChallenge, viewer_id: int | None, cursor: Cursor,
               now: datetime, size: int = PAGE_SIZE) -> RankPage:
    """One page of the full board for a page render or the API (SQL allowed): from Redis, or
    from the database with ``live=False`` when Redis lacks the board or is down."""
    size = _clamp(size)
    completed = results_published(challenge, now)
    if is_frozen(challenge, now):
        return _frozen_page(challenge, viewer_id, cursor, now, size)
    page = None
    try:
        client = get_redis()
        staleness.heal(client)
        _, page = _read(client, challenge.id, challenge.slug, cursor, size, viewer_id, now,
                        completed)
        # A missing board is the widget's business (it rebuilds, or has it rebuilt); read again
        # only if that left a board in Redis.
        if page is None and board_for_page(challenge, viewer_id, now, top=1).live:
            _, page = _read(client, challenge.id, challenge.slug, cursor, size, viewer_id, now,
                            completed)
        if page is not None:
            page = _with_extras(client, page, now)
    except REDIS_ERRORS:
        page = None
    return page or sql_page(challenge, viewer_id, cursor, now, size)


def _frozen_page(challenge: WeeklyChallenge, viewer_id: int | None, cursor: Cursor,
                 now: datetime, size: int) -> RankPage:
    """A page of the frozen board (the viewer's own row live): from Redis, taking the frozen
    copy from the database when it is missing; from the database alone when Redis is down."""
    try:
        client = get_redis()
        staleness.heal(client)
        frozen_board.take(client, challenge)
        _, page = _read(client, challenge.id, challenge.slug, cursor, size, viewer_id, now,
                        False, frozen=True)
        if page is not None:
            page = replace(page, frozen_hours=challenge.freeze_hours)
            if (viewer_id is not None and page.viewer is None
                    and not client.exists(keys.built(challenge.id))):
                # The live board is not in Redis (yet): the viewer's live row from SQL, and
                # the live board rebuilt as a page read does.
                request_rebuild(challenge.id)
                page = replace(page, viewer=_sql_row(challenge.id, viewer_id, now))
            return page
    except REDIS_ERRORS:
        pass
    return _frozen_sql_page(challenge, viewer_id, cursor, now, size)


def _frozen_sql_page(challenge: WeeklyChallenge, viewer_id: int | None, cursor: Cursor,
                     now: datetime, size: int) -> RankPage:
    """The frozen page from the database (Redis is down: rare, so the frozen standings are
    read whole and the cursor applied to them)."""
    rows, participants = frozen_board.sql_rows(challenge, None)
    freeze_at = freeze_starts_at(challenge)
    assert freeze_at is not None
    numbers = {s.user_id: s.first_entry_number
               for s in frozen_board.frozen_standings(challenge.id, freeze_at)}
    scores = [encode(r.counted_votes, numbers[r.user_id]) for r in rows]
    start = 0
    if cursor.direction == Direction.AFTER and cursor.score is not None:
        start = sum(1 for score in scores if score > cursor.score)
    elif cursor.direction == Direction.BEFORE and cursor.score is not None:
        start = max(0, sum(1 for score in scores if score >= cursor.score) - size)
    elif cursor.direction == Direction.VIEWER:
        mine = next((r.rank for r in rows if r.user_id == viewer_id), None)
        start = 0 if mine is None else (mine - 1) - (mine - 1) % size
    shown = rows[start:start + size]
    viewer = _sql_row(challenge.id, viewer_id, now)
    page_scores = scores[start:start + size]
    return RankPage(
        challenge_id=challenge.id, slug=challenge.slug, version=sql_board_version(challenge.id),
        rows=shown, participants=participants, live=False, completed=False, size=size,
        viewer_id=viewer_id, viewer=viewer,
        next_cursor=_next(page_scores, start, participants),
        prev_cursor=_prev(page_scores, start, cursor, participants),
        frozen_hours=challenge.freeze_hours,
    )


def _sql_row(challenge_id: uuid.UUID, viewer_id: int | None, now: datetime) -> Row | None:
    """The viewer's live row from the database."""
    mine = standing_of(challenge_id, viewer_id, day_start(now)) if viewer_id else None
    return (Row(mine.rank, mine.user_id, mine.username, mine.counted_votes, mine.today)
            if mine else None)


class FragmentStatus(Enum):
    OK = "ok"
    NOT_FOUND = "not_found"  # unknown, or a draft for a non-editor
    NEEDS_SQL = "needs_sql"  # Redis lacks this board: the caller takes the page path


@dataclass(frozen=True)
class FragmentResult:
    status: FragmentStatus
    page: RankPage | None = None


def fragment_page(slug: str, session_token: str | None, cursor: Cursor, now: datetime,
                  size: int = PAGE_SIZE) -> FragmentResult:
    """A page for "load more", from Redis alone (no SQL). Raises Redis errors for the caller to
    fall back. At most three commands whatever the page: the slug, the viewer (when there is a
    session), and the page script."""
    client = get_redis()
    staleness.heal(client)
    challenge_id = cast("str | None", client.hget(keys.SLUGS, slug))
    if challenge_id is None:
        return FragmentResult(FragmentStatus.NEEDS_SQL)
    viewer = viewer_from_token(client, session_token)
    meta, page = _read(client, uuid.UUID(challenge_id), slug, cursor, _clamp(size),
                       viewer.user_id if viewer else None, now, completed=False)
    if not meta or meta.get("slug") != slug:
        return FragmentResult(FragmentStatus.NEEDS_SQL)  # a renamed slug, or a board not built
    if not meta_visible(meta, viewer):
        return FragmentResult(FragmentStatus.NOT_FOUND)
    if page is None:
        return FragmentResult(FragmentStatus.NEEDS_SQL)
    if meta_frozen_hours(meta, now) is not None:  # frozen: read the frozen copy instead
        meta, page = _read(client, uuid.UUID(challenge_id), slug, cursor, _clamp(size),
                           viewer.user_id if viewer else None, now, completed=False,
                           frozen=True)
        if page is None:
            return FragmentResult(FragmentStatus.NEEDS_SQL)
    page = replace(page, completed=meta_completed(meta, now))
    return FragmentResult(FragmentStatus.OK, _with_extras(client, page, now))


def _clamp(size: int) -> int:
    return max(1, min(size, MAX_READ))


# KEYS: built, version, board, names, day, meta.  ARGV: direction, bound score, size, viewer id.
# One consistent moment: the version, the rows, their ranks, names and "+N today" are read
# together, so no write can land between them. Every command is O(log N + size).
_PAGE = LuaScript("""
local direction, bound, size, viewer = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local meta = redis.call('HGETALL', KEYS[6])
if redis.call('EXISTS', KEYS[1]) == 0 then return {0, meta} end
local version = redis.call('GET', KEYS[2]) or '0'
local card = redis.call('ZCARD', KEYS[3])
local viewer_rank = false
if viewer ~= '' then viewer_rank = redis.call('ZREVRANK', KEYS[3], viewer) end
local rows
if direction == 'after' then
  rows = redis.call('ZREVRANGEBYSCORE', KEYS[3], '(' .. bound, '-inf', 'WITHSCORES',
                    'LIMIT', 0, size)
elseif direction == 'before' then
  local above = redis.call('ZRANGEBYSCORE', KEYS[3], '(' .. bound, '+inf', 'WITHSCORES',
                           'LIMIT', 0, size)
  if #above < 2 * size then
    rows = redis.call('ZREVRANGE', KEYS[3], 0, size - 1, 'WITHSCORES')  -- less than a page above
  else
    rows = {}
    for i = #above - 1, 1, -2 do
      rows[#rows + 1] = above[i]
      rows[#rows + 1] = above[i + 1]
    end
  end
elseif direction == 'me' and viewer_rank then
  local start = viewer_rank - viewer_rank % size
  rows = redis.call('ZREVRANGE', KEYS[3], start, start + size - 1, 'WITHSCORES')
else
  rows = redis.call('ZREVRANGE', KEYS[3], 0, size - 1, 'WITHSCORES')
end
local ids = {}
for i = 1, #rows, 2 do ids[#ids + 1] = rows[i] end
local first = false
if #ids > 0 then first = redis.call('ZREVRANK', KEYS[3], ids[1]) end
local viewer_score = false
if viewer_rank then
  ids[#ids + 1] = viewer
  viewer_score = redis.call('ZSCORE', KEYS[3], viewer)
end
local names, todays = {}, {}
if #ids > 0 then
  names = redis.call('HMGET', KEYS[4], unpack(ids))
  todays = redis.call('ZMSCORE', KEYS[5], unpack(ids))
end
return {1, meta, version, card, rows, names, todays, first, viewer_rank, viewer_score}
""")


def _read(client: redis.Redis, challenge_id: uuid.UUID, slug: str, cursor: Cursor, size: int,
          viewer_id: int | None, now: datetime,
          completed: bool, frozen: bool = False) -> tuple[dict[str, str], RankPage | None]:
    """The board's Redis meta, and the page (None when the board is not built). ``frozen``
    reads the frozen copy (issue #13) and then the viewer's live row."""
    cid = challenge_id
    if frozen:
        script_keys = [keys.frozen(cid), keys.version(cid), keys.frozen_board(cid),
                       keys.frozen_names(cid), keys.day(cid, day_start(now).date()),
                       keys.meta(cid)]
    else:
        script_keys = [keys.built(cid), keys.version(cid), keys.board(cid), keys.names(cid),
                       keys.day(cid, day_start(now).date()), keys.meta(cid)]
    args = [cursor.direction.value, "" if cursor.score is None else repr(cursor.score), size,
            "" if viewer_id is None else viewer_id]
    result = cast(list[Any], _PAGE(client, script_keys, args))
    built, flat_meta, *rest = result
    meta = dict(zip(flat_meta[::2], flat_meta[1::2], strict=True))
    if not built:
        return meta, None
    version, participants, flat, names, todays, first, viewer_rank, viewer_score = rest
    start = int(first or 0)  # zero-based rank of the page's first row
    count = len(flat) // 2
    rows = [
        Row(start + i + 1, int(flat[2 * i]), names[i] or "",
            counted_votes(float(flat[2 * i + 1])), float(todays[i] or 0))
        for i in range(count)
    ]
    viewer = None
    if viewer_rank is not None and viewer_id is not None:
        viewer = Row(int(viewer_rank) + 1, viewer_id, names[-1] or "",
                     counted_votes(float(viewer_score)), float(todays[-1] or 0))
    frozen_hours = None
    if frozen:
        # No "+N today" on a frozen board; the viewer's own row is the live one.
        rows = [replace(row, today=0.0) for row in rows]
        viewer = frozen_board.read_live_row(client, cid, viewer_id, day_start(now).date())
        frozen_hours = meta_frozen_hours(meta, now)
    scores = [float(flat[2 * i + 1]) for i in range(count)]
    page = RankPage(
        challenge_id=cid, slug=slug, version=int(version), rows=rows,
        participants=int(participants), live=True, completed=completed, size=size,
        viewer_id=viewer_id, viewer=viewer,
        next_cursor=_next(scores, start, int(participants)),
        prev_cursor=_prev(scores, start, cursor, int(participants)),
        frozen_hours=frozen_hours,
    )
    return meta, page


def _next(scores: list[float], start: int, participants: int) -> Cursor | None:
    if scores and start + len(scores) < participants:
        return Cursor(Direction.AFTER, scores[-1])
    return None


def _prev(scores: list[float], start: int, cursor: Cursor, participants: int) -> Cursor | None:
    if scores:
        return Cursor(Direction.BEFORE, scores[0]) if start > 0 else None
    # Past the end (the last rows left the board since the cursor was made): offer the way back.
    if cursor.score is not None and participants:
        return Cursor(Direction.BEFORE, cursor.score)
    return None


# --- The same pages from the database --------------------------------------------------------


def sql_page(challenge: WeeklyChallenge, viewer_id: int | None, cursor: Cursor, now: datetime,
             size: int = PAGE_SIZE) -> RankPage:
    """The same page computed by the database (same order, same cursors), by keyset: each page
    reads ``size`` rows from a boundary, and ranks are counts of the members ahead."""
    size = _clamp(size)
    totals = _totals(challenge.id).subquery()
    counted, first = totals.c.counted, totals.c.first_entry

    def ahead_of(votes: float, number: int) -> ColumnElement[bool]:
        return or_(counted > votes, and_(counted == votes, first < number))

    def behind(votes: float, number: int, inclusive: bool = False) -> ColumnElement[bool]:
        tie = first >= number if inclusive else first > number
        return or_(counted < votes, and_(counted == votes, tie))

    rows_query = (select(totals.c.user_id, User.username, counted, first)
                  .join(User, User.id == totals.c.user_id))
    down = (counted.desc(), first.asc())
    up = (counted.asc(), first.desc())

    def fetch(query: Select[Any], limit: int) -> list[Any]:
        return list(db.session.execute(query.limit(limit)).all()) if limit > 0 else []

    today = day_start(now)
    mine = standing_of(challenge.id, viewer_id, today) if viewer_id is not None else None
    key = (None if cursor.score is None
           else (counted_votes(cursor.score), first_entry_number(cursor.score)))
    top = rows_query.order_by(*down)
    if cursor.direction == Direction.AFTER and key:
        found = fetch(rows_query.where(behind(*key)).order_by(*down), size)
    elif cursor.direction == Direction.BEFORE and key:
        above = fetch(rows_query.where(ahead_of(*key)).order_by(*up), size)
        found = above[::-1] if len(above) == size else fetch(top, size)
    elif cursor.direction == Direction.VIEWER and mine is not None:
        mine_key = (mine.counted_votes, mine.first_entry_number)
        above_count = (mine.rank - 1) % size
        found = (fetch(rows_query.where(ahead_of(*mine_key)).order_by(*up), above_count)[::-1]
                 + fetch(rows_query.where(behind(*mine_key, inclusive=True)).order_by(*down),
                         size - above_count))
    else:
        found = fetch(top, size)

    participants = int(db.session.scalar(select(func.count()).select_from(totals)) or 0)
    start = 0
    if found:
        start = int(db.session.scalar(select(func.count()).select_from(totals).where(
            ahead_of(float(found[0].counted or 0), found[0].first_entry))) or 0)
    todays = votes_today(challenge.id, [r.user_id for r in found], today)
    rows = [Row(start + i + 1, r.user_id, r.username, float(r.counted or 0),
                todays.get(r.user_id, 0.0)) for i, r in enumerate(found)]
    scores = [encode(float(r.counted or 0), r.first_entry) for r in found]
    viewer = None
    if mine is not None:
        viewer = Row(mine.rank, mine.user_id, mine.username, mine.counted_votes, mine.today)
    return RankPage(
        challenge_id=challenge.id, slug=challenge.slug, version=sql_board_version(challenge.id),
        rows=rows, participants=participants, live=False,
        completed=results_published(challenge, now), size=size,
        viewer_id=viewer_id,
        viewer=viewer, next_cursor=_next(scores, start, participants),
        prev_cursor=_prev(scores, start, cursor, participants),
    )
