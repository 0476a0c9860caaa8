"""Gallery pages (SPEC §9): most voted / newest / featured, paginated by cursor, never OFFSET.
A feature may add an order (``register_order``): "Discover" (issue 13, ``challenges.discover``).

"Most voted" reads the order from the Redis submissions set (unique scores, so the cursor is just
the last score); if Redis is unavailable, the same order and the same cursors come from SQL.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Protocol

import redis
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, SQLColumnExpression, and_, bindparam, func, or_, select
from sqlalchemy.orm import joinedload

from ..clock import utcnow
from ..extensions import db, get_redis
from ..leaderboard.frozen import show_frozen_tallies
from ..leaderboard.scores import decode, encode
from ..leaderboard.store import submissions_by_score
from ..models import ChallengeSubmission, WeeklyChallenge
from ..phase import accepts_votes, is_frozen
from .votes import has_voted

S = ChallengeSubmission
PAGE_SIZE = 12
MAX_PAGE_SIZE = 50
MAX_ENTRY_CURSOR = 2**31 - 1


class Sort(StrEnum):
    MOST_VOTED = "votes"
    NEWEST = "newest"
    FEATURED = "featured"
    FINAL_RANK = "rank"  # a finalized challenge's order (issue #12: its pages stay complete)
    DISCOVER = "discover"  # issue 13: a fair mix per viewer, offered once its feature registers


SORT_LABELS = {Sort.MOST_VOTED: _l("Most voted"), Sort.NEWEST: _l("Newest"),
               Sort.FEATURED: _l("Featured"), Sort.FINAL_RANK: _l("Final rank"),
               Sort.DISCOVER: _l("Discover")}


class FeatureOrder(Protocol):
    """An order a feature adds to the gallery (the core never imports the feature)."""

    def page(self, challenge: WeeklyChallenge, cursor: str | None, limit: int,
             viewer_key: str | None) -> tuple[list[ChallengeSubmission], str | None]:
        """One page after ``cursor`` and the next cursor; raises ``BadCursor``."""
        ...

    def valid_cursor(self, cursor: str) -> bool:
        """Whether the order could have handed out ``cursor``."""
        ...

    def version(self, challenge: WeeklyChallenge, viewer_key: str) -> str | None:
        """What names the viewer's order as it stands (it goes into a page's validator, so a
        new order is a new page); None when it cannot tell (no conditional GET then)."""
        ...


_FEATURE_ORDERS: dict[Sort, FeatureOrder] = {}


def order_version(sort: Sort, challenge: WeeklyChallenge, viewer_key: str) -> str | None:
    """``FeatureOrder.version`` of a feature's order (None for any other sort)."""
    order = _FEATURE_ORDERS.get(sort)
    return order.version(challenge, viewer_key) if order is not None else None


def register_order(sort: Sort, order: FeatureOrder) -> None:
    """Let a feature serve ``sort`` (at app start; registering again replaces)."""
    _FEATURE_ORDERS[sort] = order


def _offered(sort: Sort, challenge: WeeklyChallenge | None = None,
             now: datetime | None = None) -> bool:
    if sort == Sort.DISCOVER:
        return sort in _FEATURE_ORDERS
    # Ordering by votes during the frozen hours would give the hidden standings away.
    return not (sort == Sort.MOST_VOTED and challenge is not None
                and is_frozen(challenge, now or utcnow()))
UNRANKED = 2**31 - 1  # where an entry without a final rank sorts (after every ranked one)


@dataclass(frozen=True)
class GalleryPage:
    entries: list[ChallengeSubmission]
    next_cursor: str | None
    voted: set[uuid.UUID]
    sort: Sort


class BadCursor(ValueError):
    """A cursor that this gallery never handed out."""


def default_sort(challenge: WeeklyChallenge, now: datetime | None = None) -> Sort:
    """A finalized challenge's gallery shows its final ranking; while votes are open (active
    and voting, SPEC §4) "Discover" when it is offered (issue 13: fair exposure while it
    matters); any other time, the most voted."""
    if challenge.finalized_at:
        return Sort.FINAL_RANK
    if _offered(Sort.DISCOVER) and accepts_votes(challenge, now or utcnow()):
        return Sort.DISCOVER
    return Sort.MOST_VOTED if _offered(Sort.MOST_VOTED, challenge, now) else Sort.NEWEST


def sort_labels(challenge: WeeklyChallenge, now: datetime | None = None) -> dict[Sort, object]:
    """The orders a challenge's gallery offers (the final rank only once there is one),
    the default first."""
    offered = {k: v for k, v in SORT_LABELS.items()
               if _offered(k, challenge, now) and (k != Sort.FINAL_RANK or challenge.finalized_at)}
    first = default_sort(challenge, now)
    return {first: offered[first], **{k: v for k, v in offered.items() if k != first}}


def parse_sort(raw: str | None, default: Sort = Sort.MOST_VOTED) -> Sort:
    try:
        sort = Sort(raw or default)
    except ValueError:
        return default
    return sort if _offered(sort) else default


def is_valid_cursor(sort: Sort, cursor: str) -> bool:
    """Whether ``cursor`` is one this gallery could have handed out for ``sort`` (its form,
    not whether entries still lie beyond it): a page may link back to it."""
    try:
        if sort == Sort.MOST_VOTED:
            _score_cursor(cursor)
        elif sort == Sort.FINAL_RANK:
            _rank_cursor(cursor)
        elif sort in _FEATURE_ORDERS:
            return _FEATURE_ORDERS[sort].valid_cursor(cursor)
        else:
            _entry_cursor(cursor)
    except BadCursor:
        return False
    return True


def gallery_page(
    challenge: WeeklyChallenge,
    sort: Sort,
    cursor: str | None,
    viewer_id: int | None,
    limit: int = PAGE_SIZE,
    viewer_key: str | None = None,
) -> GalleryPage:
    """One page of counting entries after ``cursor``. Raises ``BadCursor``. ``viewer_key``
    names the viewer for orders made per viewer (Discover): the member, or a visitor's session;
    without one they use the member id, or one order shared by every visitor."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    now = utcnow()
    if not _offered(sort, challenge, now):  # "Most voted" while frozen: the newest instead
        sort = Sort.NEWEST
    if sort in _FEATURE_ORDERS:
        key = viewer_key or (f"u{viewer_id}" if viewer_id is not None else None)
        entries, next_cursor = _FEATURE_ORDERS[sort].page(challenge, cursor, limit, key)
    elif sort == Sort.MOST_VOTED:
        entries, next_cursor = _most_voted(challenge, cursor, limit)
    elif sort == Sort.FINAL_RANK:
        entries, next_cursor = _by_final_rank(challenge, cursor, limit)
    else:
        entries, next_cursor = _by_number(challenge, cursor, limit, featured=sort == Sort.FEATURED)
    show_frozen_tallies(challenge, entries, now)
    return GalleryPage(entries, next_cursor, has_voted([e.id for e in entries], viewer_id), sort)


def _counting(challenge: WeeklyChallenge) -> list[SQLColumnExpression[bool]]:
    return [S.challenge_id == challenge.id, S.counts]


def _load(ids: list[uuid.UUID]) -> list[ChallengeSubmission]:
    """Entries with their authors in one query, in the order given."""
    if not ids:
        return []
    rows = db.session.scalars(_entries_with_authors(), {"ids": ids}).all()
    by_id = {row.id: row for row in rows}
    return [by_id[i] for i in ids if i in by_id]


@cache
def _entries_with_authors() -> Select[ChallengeSubmission]:
    """``_load``'s query, built once (every "Most voted" page and landing page runs it)."""
    return select(S).options(joinedload(S.user)).where(S.id.in_(bindparam("ids", expanding=True)))


def _by_number(challenge: WeeklyChallenge, cursor: str | None, limit: int,
               featured: bool) -> tuple[list[ChallengeSubmission], str | None]:
    query = select(S).options(joinedload(S.user)).where(*_counting(challenge))
    if featured:
        query = query.where(S.is_featured.is_(True))
    if cursor:
        query = query.where(S.entry_number < _entry_cursor(cursor))
    rows = db.session.scalars(query.order_by(S.entry_number.desc()).limit(limit + 1)).all()
    page = list(rows[:limit])
    return page, (str(page[-1].entry_number) if len(rows) > limit else None)


def _by_final_rank(challenge: WeeklyChallenge, cursor: str | None,
                   limit: int) -> tuple[list[ChallengeSubmission], str | None]:
    """By the author's final place, then (one author's entries) most votes and earliest first:
    the podium's order (``services.listing.podiums``), keyset-paged on all three."""
    rank = func.coalesce(S.final_rank, UNRANKED)
    query = select(S).options(joinedload(S.user)).where(*_counting(challenge))
    if cursor:
        after_rank, votes, number = _rank_cursor(cursor)
        query = query.where(or_(
            rank > after_rank,
            and_(rank == after_rank, or_(S.counted_votes < votes,
                                         and_(S.counted_votes == votes,
                                              S.entry_number > number)))))
    rows = db.session.scalars(
        query.order_by(rank, S.counted_votes.desc(), S.entry_number).limit(limit + 1)).all()
    page = list(rows[:limit])
    last = page[-1] if page else None
    more = len(rows) > limit and last is not None
    return page, (f"{last.final_rank or UNRANKED}|{last.counted_votes!r}|{last.entry_number}"
                  if more and last is not None else None)


def _rank_cursor(cursor: str) -> tuple[int, float, int]:
    """(final rank, counted votes, entry number) of a final-rank cursor."""
    try:
        raw_rank, raw_votes, raw_number = cursor.split("|")
        rank, votes, number = int(raw_rank), float(raw_votes), int(raw_number)
    except ValueError:
        raise BadCursor(cursor) from None
    if (not 1 <= rank <= UNRANKED or not math.isfinite(votes) or votes < 0
            or not 1 <= number <= MAX_ENTRY_CURSOR):
        raise BadCursor(cursor)
    return rank, votes, number


def _entry_cursor(cursor: str) -> int:
    try:
        after = int(cursor)
    except ValueError:
        raise BadCursor(cursor) from None
    if not 1 <= after <= MAX_ENTRY_CURSOR:  # entry numbers are positive 32-bit integers
        raise BadCursor(cursor)
    return after


def _score_cursor(cursor: str | None) -> float | None:
    if not cursor:
        return None
    try:
        value = float(cursor)
    except ValueError:
        raise BadCursor(cursor) from None
    if not math.isfinite(value) or value < 0:
        raise BadCursor(cursor)
    return value


def _most_voted(challenge: WeeklyChallenge, cursor: str | None,
                limit: int) -> tuple[list[ChallengeSubmission], str | None]:
    after = _score_cursor(cursor)
    try:
        rows = submissions_by_score(get_redis(), challenge.id, after, limit + 1)
        if rows is not None:
            page = rows[:limit]
            entries = _load([submission_id for submission_id, _ in page])
            more = len(rows) > limit
            return entries, (repr(page[-1][1]) if more and page else None)
    except (redis.RedisError, OSError):
        pass  # same order from SQL below
    return _most_voted_sql(challenge, after, limit)


def _most_voted_sql(challenge: WeeklyChallenge, after: float | None,
                    limit: int) -> tuple[list[ChallengeSubmission], str | None]:
    query = select(S).options(joinedload(S.user)).where(*_counting(challenge))
    if after is not None:
        votes, number = decode(after)
        query = query.where(or_(S.counted_votes < votes,
                                and_(S.counted_votes == votes, S.entry_number > number)))
    rows = db.session.scalars(
        query.order_by(S.counted_votes.desc(), S.entry_number.asc()).limit(limit + 1)
    ).all()
    page = list(rows[:limit])
    more = len(rows) > limit
    return page, (repr(encode(page[-1].counted_votes, page[-1].entry_number)) if more else None)
