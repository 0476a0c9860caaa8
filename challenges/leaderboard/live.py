"""The leaderboard widget's data: from Redis when it can, from SQL (visibly) when it must.

``board_for_page`` serves full pages (SQL is allowed there). A missing board is never rebuilt
by the page: it queues a rebuild job and serves SQL ("live updates paused") until the job is done.
``poll`` serves the widget's polling fragment and touches Redis only: slug, visibility,
deadline, version and rows all come from Redis; it reports ``needs_sql`` when Redis lacks
something, and the view then takes the page path once.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from enum import Enum
from functools import cached_property
from types import MappingProxyType
from typing import Any, Protocol, runtime_checkable

import redis

from ..extensions import get_redis
from ..luascripts import Batch, Reply, done, run_now
from ..models import WeeklyChallenge
from ..phase import is_frozen, results_pending, results_published
from . import frozen as frozen_board
from . import keys, staleness
from .rebuild_queue import request_rebuild
from .sessions import Viewer, decode_viewer, identity_key
from .standings import ranked_standings, sql_board_version, standing_of
from .store import Row, Snapshot, queue_snapshot
from .store import day_start as _day_start

TOP = 10
REDIS_ERRORS = (redis.RedisError, OSError)


@dataclass(frozen=True)
class BoardView:
    challenge_id: uuid.UUID
    slug: str
    version: int
    rows: list[Row]
    viewer: Row | None
    participants: int
    live: bool  # False: served from SQL because Redis is unavailable ("live updates paused")
    completed: bool  # the results are published (from ``ends_at``): final, polling stops
    viewer_id: int | None = None
    # Issue #13: the public rows are the board at the freeze, this many hours before the voting
    # deadline (the viewer's own row stays live); None when the board is live.
    frozen_hours: int | None = None
    # Voting is over and the results come out at this moment ("Results at ..."); else None.
    results_at: datetime | None = None
    # What features add to the viewer's own row (``VIEWER_ROW_HOOKS``), by feature name.
    extras: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    @cached_property  # a poll reads it twice (the answer, and the widget's poll URL)
    def shown(self) -> str:
        """A digest of everything the widget shows this viewer (rows, their row, the count of
        participants, the state and the features' extras): the widget sends it back with its
        version (``s``). The version moves with every vote of the challenge; this moves only
        when the widget would look different, so a poll that finds a new version but the same
        digest is still a 204 (issue #14: under load nearly every poll found a new version)."""
        content = (self.slug, self.rows, self.viewer, self.participants, self.live,
                   self.completed, self.viewer_id, self.frozen_hours, self.results_at,
                   sorted(self.extras.items()))
        return hashlib.blake2b(repr(content).encode(), digest_size=8).hexdigest()


# What ``BoardView.shown`` looks like; anything else a client sends is ignored.
SHOWN_RE = re.compile(r"[0-9a-f]{16}")


def client_shown(value: str | None) -> str | None:
    """The widget's ``s`` parameter if it is a digest ``shown`` could have made, else None."""
    return value if value is not None and SHOWN_RE.fullmatch(value) else None


# Features that add to the viewer's own row (the "you" row's movement): each gets a batch of
# Redis script calls, the challenge, the viewer, whether the board is final, and the moment; it
# queues its reads on the batch and returns their reply, what to show under its name in
# ``extras`` (None, or a reply of None: nothing). The batch is the one that reads the board, so
# a poll pays one round trip for both (issue #14); a hook whose read fails leaves its part
# out. The widget and the full board's pages call them (``ranks``). Registered at app start;
# called on the polling paths too, so a hook reads Redis only (no SQL). Not called on the SQL
# fallback.
ViewerRowHook = Callable[[Batch, uuid.UUID, int, bool, datetime], "Reply[Any] | None"]
VIEWER_ROW_HOOKS: dict[str, ViewerRowHook] = {}
_NO_EXTRAS: Mapping[str, Any] = MappingProxyType({})


@runtime_checkable
class JsonExtra(Protocol):
    """A hook's value the JSON API shows too: the API's ``me`` carries ``as_json()`` under the
    hook's name (a value without it shows on pages only)."""

    def as_json(self) -> dict[str, Any]:
        """The value as the API's JSON object."""
        ...


def queue_viewer_extras(batch: Batch, challenge_id: uuid.UUID, viewer_id: int | None,
                        completed: bool, now: datetime) -> Reply[Mapping[str, Any]]:
    """What each registered hook adds to ``viewer_id``'s row, by hook name, once ``batch`` ran."""
    if viewer_id is None or not VIEWER_ROW_HOOKS:
        return done(_NO_EXTRAS)
    queued = {name: hook(batch, challenge_id, viewer_id, completed, now)
              for name, hook in VIEWER_ROW_HOOKS.items()}

    def extras() -> Mapping[str, Any]:
        values = {}
        for name, reply in queued.items():
            try:
                value = reply.get() if reply is not None else None
            except REDIS_ERRORS:
                continue  # a hook whose read failed leaves its part out; the board still shows
            if value is not None:
                values[name] = value
        return MappingProxyType(values)

    return Reply(extras)


def viewer_extras(client: redis.Redis, challenge_id: uuid.UUID, viewer_id: int | None,
                  completed: bool, now: datetime) -> Mapping[str, Any]:
    """What each registered hook adds to ``viewer_id``'s row, by hook name (a round trip)."""
    return run_now(client, lambda batch: queue_viewer_extras(batch, challenge_id, viewer_id,
                                                             completed, now))


LiveRead = tuple[Snapshot, Mapping[str, Any]]


def _read_live(client: redis.Redis, challenge_id: uuid.UUID, viewer_id: int | None,
               frozen: bool, completed: bool, now: datetime, top: int) -> LiveRead | None:
    """The board's snapshot for ``viewer_id`` (the frozen copy's while ``frozen``) and what the
    viewer-row hooks add, in one round trip (more while frozen: the frozen copy is read on its
    own first); None when the frozen copy is not in Redis."""
    return run_now(client, lambda batch: _queue_live(batch, client, challenge_id, viewer_id,
                                                     frozen, completed, now, top))


def _queue_live(batch: Batch, client: redis.Redis, challenge_id: uuid.UUID,
                viewer_id: int | None, frozen: bool, completed: bool, now: datetime,
                top: int) -> Reply[LiveRead | None]:
    """``_read_live`` queued on ``batch`` (but the frozen copy, read at once)."""
    today = _day_start(now).date()
    snapshot: Reply[Snapshot | None]
    if frozen:
        snapshot = done(frozen_board.read(client, challenge_id, viewer_id, today, top))
    else:
        snapshot = queue_snapshot(batch, challenge_id, viewer_id, today, top)
    extras = queue_viewer_extras(batch, challenge_id, viewer_id, completed, now)

    def found() -> LiveRead | None:
        snap = snapshot.get()
        return None if snap is None else (snap, extras.get())

    return Reply(found)


def board_for_page(challenge: WeeklyChallenge, viewer_id: int | None, now: datetime,
                   top: int = TOP) -> BoardView:
    """The board for a page render; from SQL with ``live=False`` if Redis is down (or failed in
    this process moments ago: ``redisguard``) or the board is not built (then a rebuild job is
    queued: never a rebuild here, under a request).

    During a freeze the public rows are the frozen copy (taken from the database here when Redis
    lacks it: one aggregate query) and the viewer's row is live."""
    completed = results_published(challenge, now)
    frozen = is_frozen(challenge, now)
    try:
        client = get_redis()
        staleness.heal(client)
        if not client.exists(keys.built(challenge.id)):
            request_rebuild(challenge.id)
            if not client.exists(keys.built(challenge.id)):  # built at once only if run inline
                return sql_board(challenge, viewer_id, now, top)
        if frozen:
            frozen_board.take(client, challenge)  # no-op when the copy is there
        found = _read_live(client, challenge.id, viewer_id, frozen, completed, now, top)
        if found is None:  # the frozen copy was evicted between the two calls
            return sql_board(challenge, viewer_id, now, top)
    except REDIS_ERRORS:  # RedisResting too: for a few seconds after a failure (redisguard)
        return sql_board(challenge, viewer_id, now, top)
    snap, extras = found
    return BoardView(challenge.id, challenge.slug, snap.version, snap.rows, snap.viewer,
                     snap.participants, True, completed, viewer_id,
                     challenge.freeze_hours if frozen else None, _results_at(challenge, now),
                     extras)


def _results_at(challenge: WeeklyChallenge, now: datetime) -> datetime | None:
    return challenge.ends_at if results_pending(challenge, now) else None


def sql_board(challenge: WeeklyChallenge, viewer_id: int | None, now: datetime,
              top: int = TOP, *, max_age: float = 0.0) -> BoardView:
    """The same board computed by the database (same tie rule), for when Redis is not there.
    ``max_age`` > 0: the public rows may be this process's copy, made less than that many
    seconds ago (``PAUSED_BOARD_SECONDS``, for polls); the viewer's own row is read anyway."""
    public = _sql_public_board(challenge, now, top, max_age)
    if viewer_id is None:
        return public
    viewer = None
    if public.frozen_hours is not None or all(r.user_id != viewer_id for r in public.rows):
        today = _day_start(now)
        mine = standing_of(challenge.id, viewer_id, today)
        if mine is not None:
            viewer = Row(mine.rank, mine.user_id, mine.username, mine.counted_votes, mine.today)
    return replace(public, viewer=viewer, viewer_id=viewer_id)


# How old the public rows of the SQL board that polls get while Redis is away may be. Issue
# #14: each poll ran the board's aggregates (~20 ms on a 10,000-entry board, on the database's
# cores), and 200 polls a second of them held the database and every worker; with the copy a
# process runs them once in this long per board. The widget says "Live updates paused" and
# polls every 30 s meanwhile (``wc:slow-tick``, static/js/app.js).
PAUSED_BOARD_SECONDS = 10.0
_PublicKey = tuple[uuid.UUID, str, int, date, int | None, bool, datetime | None]
_sql_public: dict[_PublicKey, tuple[float, BoardView]] = {}
_SQL_PUBLIC_MAX = 256


def _sql_public_board(challenge: WeeklyChallenge, now: datetime, top: int,
                      max_age: float) -> BoardView:
    """The SQL board without a viewer: from this process's copy when ``max_age`` allows (its
    key holds everything the moment decides: the day, the freeze, the results), else read."""
    frozen = is_frozen(challenge, now)
    key: _PublicKey = (challenge.id, challenge.slug, top, _day_start(now).date(),
                       challenge.freeze_hours if frozen else None,
                       results_published(challenge, now), _results_at(challenge, now))
    if max_age > 0:
        found = _sql_public.get(key)
        if found is not None and time.monotonic() - found[0] < max_age:
            return found[1]
    participants = challenge.participant_count
    if frozen:
        rows, participants = frozen_board.sql_rows(challenge, top)
    else:
        standings = ranked_standings(challenge.id, limit=top, today_from=_day_start(now))
        rows = [Row(s.rank, s.user_id, s.username, s.counted_votes, s.today) for s in standings]
    board = BoardView(challenge.id, challenge.slug, sql_board_version(challenge.id), rows, None,
                      participants, False, key[5], None, key[4], key[6])
    if len(_sql_public) >= _SQL_PUBLIC_MAX:
        _sql_public.clear()
    _sql_public[key] = (time.monotonic(), board)
    return board


class PollStatus(Enum):
    UNCHANGED = "unchanged"  # 204
    CHANGED = "changed"  # 200 with the fragment
    COMPLETED = "completed"  # 286: final board, stop polling
    NOT_FOUND = "not_found"  # 404 (unknown, or a draft for a non-editor)
    NEEDS_SQL = "needs_sql"  # Redis lacks this board: render through the page path


@dataclass(frozen=True)
class PollResult:
    status: PollStatus
    board: BoardView | None = None


def meta_visible(meta: dict[str, str], viewer: Viewer | None) -> bool:
    """Whether ``viewer`` may see a board, by its Redis meta (drafts: editors only)."""
    return meta.get("published") == "1" or (viewer is not None and viewer.role == "editor")


def meta_completed(meta: dict[str, str], now: datetime) -> bool:
    """Whether the results are published (``ends_at``), by the board's Redis meta (a meta
    written before ``ends_at`` was kept there has the voting deadline only)."""
    return now.timestamp() >= float(meta.get("ends_at") or meta["voting_deadline"])


def meta_frozen_hours(meta: dict[str, str], now: datetime) -> int | None:
    """How many hours before the voting deadline the public board froze, if it is frozen at
    ``now`` by the board's Redis meta (the twin of ``phase.is_frozen``); else None."""
    freeze_at = frozen_board.meta_freeze_at(meta)
    if freeze_at is None or now < freeze_at or meta_completed(meta, now):
        return None
    return round((float(meta["voting_deadline"]) - freeze_at.timestamp()) / 3600)


def meta_results_at(meta: dict[str, str], now: datetime) -> datetime | None:
    """When the results come out, if voting is over but they are not yet (by the meta)."""
    if now.timestamp() < float(meta["voting_deadline"]) or meta_completed(meta, now):
        return None
    return datetime.fromtimestamp(float(meta["ends_at"]), UTC)


@dataclass(frozen=True)
class _Seen:
    """What the last poll of a slug read from Redis in this process: the challenge it names,
    the board's meta and version, when (``time.monotonic``), and the board an anonymous viewer
    saw at that version on that day (None until an anonymous poll read one)."""

    challenge_id: str
    meta: dict[str, str]
    version: int
    at: float
    board: BoardView | None = None
    day: date | None = None


# slug -> what a poll last read for it. Two uses: the slug's challenge id (a shortcut: every
# poll that reads Redis checks the meta still names this slug, so a renamed or reused slug drops
# the entry), and polls answered without a round trip (``_seen_fresh``).
_seen: dict[str, _Seen] = {}
_SEEN_MAX = 4096


def _seen_fresh(seen: _Seen | None, now: datetime, max_age: float) -> bool:
    """Whether this process's copy may answer a poll alone: read less than ``max_age`` seconds
    ago (0 turns the copy off), of a published board whose results are not out, while no board
    of this process waits to be healed. Issue #14: the Redis round trips were most of a poll;
    the copy's price is that a poll may miss a vote by up to ``max_age`` (the widget polls every
    5 s; the poll right after this browser's own vote is ``fresh`` and always reads Redis)."""
    return (seen is not None and max_age > 0
            and time.monotonic() - seen.at < max_age
            and seen.meta.get("published") == "1" and not meta_completed(seen.meta, now)
            and not staleness.pending())


def _from_seen(seen: _Seen | None, anonymous: bool, client_version: int | None,
               shown: str | None, now: datetime, max_age: float) -> PollResult | None:
    """The poll's answer from the copy alone, or None (ask Redis): UNCHANGED when the client
    is at the copy's version; for an anonymous viewer, the copy's board (CHANGED, or UNCHANGED
    when it is what the client shows) while its state still holds at ``now``."""
    if seen is None or not _seen_fresh(seen, now, max_age):
        return None
    if client_version is not None and client_version == seen.version:
        return PollResult(PollStatus.UNCHANGED)
    board = seen.board
    if (not anonymous or board is None or seen.day != _day_start(now).date()
            or board.frozen_hours != meta_frozen_hours(seen.meta, now)
            or board.results_at != meta_results_at(seen.meta, now)):
        return None
    if shown is not None and board.shown == shown:
        return PollResult(PollStatus.UNCHANGED)
    return PollResult(PollStatus.CHANGED, board)


# A session's Redis key -> the copy of its viewer (``sessions.encode_viewer``) this process read
# at its last poll: whose board a poll reads ahead (``_read_ahead``).
_viewer_copies: dict[str, str] = {}
_VIEWER_COPIES_MAX = 16384
_viewer_copies_lock = threading.Lock()  # gthread workers share a process


def _remember_viewer(identity: str, raw_viewer: str | None) -> None:
    if _viewer_copies.get(identity) == raw_viewer:
        return
    with _viewer_copies_lock:
        if raw_viewer is None:
            _viewer_copies.pop(identity, None)
            return
        while len(_viewer_copies) >= _VIEWER_COPIES_MAX:  # the oldest first
            _viewer_copies.pop(next(iter(_viewer_copies)), None)
        _viewer_copies[identity] = raw_viewer


@dataclass(frozen=True)
class _ReadAhead:
    """The board read on a poll's first round trip for the viewer expected behind its session
    (``raw_viewer``, None: anonymous); used only if Redis's answer on that trip names them."""

    raw_viewer: str | None
    board: Reply[LiveRead | None]


def _read_ahead(batch: Batch, client: redis.Redis, seen: _Seen | None, identity: str | None,
                client_version: int | None, now: datetime) -> _ReadAhead | None:
    """Queue the board on the poll's first batch when the poll will likely need it: the client
    sent another version than the one this process last read (or none), and the board was
    open, published and not frozen then. The viewer is the one this process last saw behind
    the session (none for an anonymous poll); without one, nothing is read ahead. Issue #14: a
    member's changed poll in one round trip instead of two; a wrong guess costs the read, never
    the answer."""
    if seen is None or client_version == seen.version:
        return None
    meta = seen.meta
    if (meta.get("published") != "1" or meta_completed(meta, now)
            or meta_frozen_hours(meta, now) is not None):
        return None
    raw_viewer = None
    if identity is not None:
        raw_viewer = _viewer_copies.get(identity)
        if raw_viewer is None:
            return None
    viewer = decode_viewer(raw_viewer)
    board = _queue_live(batch, client, uuid.UUID(seen.challenge_id),
                        viewer.user_id if viewer else None, False, False, now, TOP)
    return _ReadAhead(raw_viewer, board)


def _member_poll_on_copy(client: redis.Redis, seen: _Seen, slug: str, session_token: str,
                         client_version: int | None, shown: str | None,
                         now: datetime) -> PollResult | None:
    """A member's poll that the fresh copy could not answer alone (their board is their own),
    in one round trip without the board's meta and version: the copy's meta stands for the
    meta while it is fresh, as it does for the 204s, and the snapshot carries the version. The
    session's copy, whether the board is built and the board read ahead for the viewer this
    process last saw behind the session share the trip (a wrong guess reads the board again,
    for the viewer the session names). None (the full poll answers) when nothing could be read
    ahead or the board is not built. Issue #14: under load the copy is always fresh, and the
    meta was most of what a member's poll parsed."""
    identity = identity_key(session_token)
    if identity is None:
        return None
    batch = Batch(client)
    viewer_reply = batch.command("GET", identity)
    built_reply = batch.command("EXISTS", keys.built(seen.challenge_id))
    ahead = _read_ahead(batch, client, seen, identity, client_version, now)
    if ahead is None:
        return None
    batch.execute()
    raw_viewer: str | None = viewer_reply.get()
    _remember_viewer(identity, raw_viewer)
    if not built_reply.get():
        return None
    cid = uuid.UUID(seen.challenge_id)
    viewer = decode_viewer(raw_viewer)
    viewer_id = viewer.user_id if viewer else None
    if raw_viewer == ahead.raw_viewer:
        found = ahead.board.get()
    else:  # the session names someone else now (or no one): their board, a second trip
        found = _read_live(client, cid, viewer_id, False, False, now, TOP)
    if found is None:
        return None
    snap, extras = found
    # Visible: a fresh copy is of a published board whose results are not out (_seen_fresh).
    if client_version is not None and snap.version == client_version:
        return PollResult(PollStatus.UNCHANGED)
    return _open_board(BoardView(cid, slug, snap.version, snap.rows, snap.viewer,
                                 snap.participants, True, False, viewer_id, None,
                                 meta_results_at(seen.meta, now), extras), shown)


def _open_board(board: BoardView, shown: str | None) -> PollResult:
    """A poll's answer with an open board: CHANGED, or UNCHANGED when the client already shows
    it (``shown``: other members' votes moved the version, out of this viewer's sight)."""
    if shown is not None and board.shown == shown:
        return PollResult(PollStatus.UNCHANGED)
    return PollResult(PollStatus.CHANGED, board)


def poll(slug: str, session_token: str | None, client_version: int | None,
         now: datetime, shown: str | None = None, *, fresh: bool = False,
         max_age: float = 0.0) -> PollResult:
    """Answer a widget poll from Redis alone. Raises Redis errors for the caller to fall back.
    ``shown`` is the digest of the widget the client shows (``BoardView.shown``): a new version
    that leaves it as it was is UNCHANGED too. ``max_age`` (``POLL_SEEN_MAX_AGE_SECONDS``): how
    old this process's copy of the board's version may be to answer UNCHANGED without Redis;
    ``fresh`` (the poll right after the browser's own vote) always reads Redis.

    Round trips: none when the copy answers (a 204; an anonymous viewer's changed board); one
    for other 204s (meta, version and the viewer in one batch) and, usually, for a changed
    board too: the board is read ahead on that batch (``_read_ahead``), which leaves the meta
    and version out while the copy is fresh (``_member_poll_on_copy``); two when the guess
    was not possible or wrong, more while the board is frozen (its copy is read on its own);
    one more the first time this process sees a slug."""
    seen = _seen.get(slug)
    if not fresh:
        answer = _from_seen(seen, session_token is None, client_version, shown, now, max_age)
        if answer is not None:
            return answer
    client = get_redis()
    staleness.heal(client)
    if not fresh and session_token is not None and _seen_fresh(seen, now, max_age):
        assert seen is not None  # _seen_fresh says so
        answer = _member_poll_on_copy(client, seen, slug, session_token, client_version,
                                      shown, now)
        if answer is not None:
            return answer
    challenge_id = seen.challenge_id if seen is not None else None
    if challenge_id is None:
        # redis-py types every reply "Awaitable | T" (shared with its asyncio client).
        challenge_id = client.hget(keys.SLUGS, slug)  # type: ignore[assignment, unused-ignore]
        if challenge_id is None:
            return PollResult(PollStatus.NEEDS_SQL)
    identity = identity_key(session_token)
    batch = Batch(client)
    meta_reply = batch.command("HGETALL", keys.meta(challenge_id))
    built_reply = batch.command("EXISTS", keys.built(challenge_id))
    version_reply = batch.command("GET", keys.version(challenge_id))
    viewer_reply = batch.command("GET", identity) if identity else done(None)
    ahead = _read_ahead(batch, client, seen, identity, client_version, now)
    batch.execute()
    meta, built, version = meta_reply.get(), built_reply.get(), version_reply.get()
    raw_viewer: str | None = viewer_reply.get()
    if identity:
        _remember_viewer(identity, raw_viewer)
    if not meta or meta.get("slug") != slug:
        if _seen.pop(slug, None) is not None:
            return poll(slug, session_token, client_version, now, shown,
                        fresh=True)  # the slug's id was stale: ask again
        return PollResult(PollStatus.NEEDS_SQL)
    if not built:
        _seen.pop(slug, None)
        return PollResult(PollStatus.NEEDS_SQL)
    if len(_seen) >= _SEEN_MAX:
        _seen.clear()
    current = int(version or 0)
    # The anonymous board stays while the board is still at the version it was read at.
    kept = seen if seen is not None and seen.board is not None \
        and seen.board.version == current else None
    _seen[slug] = _Seen(challenge_id, meta, current, time.monotonic(),
                        kept.board if kept else None, kept.day if kept else None)
    viewer = decode_viewer(raw_viewer)
    if not meta_visible(meta, viewer):
        return PollResult(PollStatus.NOT_FOUND)
    completed = meta_completed(meta, now)
    if not completed and client_version is not None and int(version or 0) == client_version:
        return PollResult(PollStatus.UNCHANGED)
    cid = uuid.UUID(challenge_id)
    viewer_id = viewer.user_id if viewer else None
    frozen_hours = meta_frozen_hours(meta, now)
    if (ahead is not None and ahead.raw_viewer == raw_viewer and not completed
            and frozen_hours is None):
        found = ahead.board.get()  # read on the first round trip, for the right viewer
    else:
        found = _read_live(client, cid, viewer_id, frozen_hours is not None, completed, now, TOP)
    if found is None:
        return PollResult(PollStatus.NEEDS_SQL)  # the page path takes the frozen copy
    snap, extras = found
    board = BoardView(cid, slug, snap.version, snap.rows, snap.viewer, snap.participants, True,
                      completed, viewer_id, frozen_hours, meta_results_at(meta, now), extras)
    if completed:
        return PollResult(PollStatus.COMPLETED, board)
    if viewer_id is None:  # what the next anonymous polls may get from the copy
        _seen[slug] = _Seen(challenge_id, meta, board.version, time.monotonic(), board,
                            _day_start(now).date())
    return _open_board(board, shown)
