"""Gallery pages (SPEC §9): most voted / newest / featured, paginated by cursor, never OFFSET.

"Most voted" reads the order from the Redis submissions set (unique scores, so the cursor is just
the last score); if Redis is unavailable, the same order and the same cursors come from SQL.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from enum import StrEnum

import redis
from flask_babel import lazy_gettext as _l
from sqlalchemy import SQLColumnExpression, and_, func, or_, select
from sqlalchemy.orm import joinedload

from ..extensions import db, get_redis
from ..leaderboard.scores import decode, encode
from ..leaderboard.store import submissions_by_score
from ..models import ChallengeSubmission, WeeklyChallenge
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


SORT_LABELS = {Sort.MOST_VOTED: _l("Most voted"), Sort.NEWEST: _l("Newest"),
               Sort.FEATURED: _l("Featured"), Sort.FINAL_RANK: _l("Final rank")}
UNRANKED = 2**31 - 1  # where an entry without a final rank sorts (after every ranked one)


@dataclass(frozen=True)
class GalleryPage:
    entries: list[ChallengeSubmission]
    next_cursor: str | None
    voted: set[uuid.UUID]
    sort: Sort


class BadCursor(ValueError):
    """A cursor that this gallery never handed out."""


def default_sort(challenge: WeeklyChallenge) -> Sort:
    """A finalized challenge's gallery shows its final ranking; any other, the most voted."""
    return Sort.FINAL_RANK if challenge.finalized_at else Sort.MOST_VOTED


def sort_labels(challenge: WeeklyChallenge) -> dict[Sort, object]:
    """The orders a challenge's gallery offers (the final rank only once there is one),
    the default first."""
    if challenge.finalized_at:
        return {Sort.FINAL_RANK: SORT_LABELS[Sort.FINAL_RANK],
                **{k: v for k, v in SORT_LABELS.items() if k != Sort.FINAL_RANK}}
    return {k: v for k, v in SORT_LABELS.items() if k != Sort.FINAL_RANK}


def parse_sort(raw: str | None, default: Sort = Sort.MOST_VOTED) -> Sort:
    try:
        return Sort(raw or default)
    except ValueError:
        return default


def is_valid_cursor(sort: Sort, cursor: str) -> bool:
    """Whether ``cursor`` is one this gallery could have handed out for ``sort`` (its form,
    not whether entries still lie beyond it): a page may link back to it."""
    try:
        if sort == Sort.MOST_VOTED:
            _score_cursor(cursor)
        elif sort == Sort.FINAL_RANK:
            _rank_cursor(cursor)
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
) -> GalleryPage:
    """One page of counting entries after ``cursor``. Raises ``BadCursor``."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    if sort == Sort.MOST_VOTED:
        entries, next_cursor = _most_voted(challenge, cursor, limit)
    elif sort == Sort.FINAL_RANK:
        entries, next_cursor = _by_final_rank(challenge, cursor, limit)
    else:
        entries, next_cursor = _by_number(challenge, cursor, limit, featured=sort == Sort.FEATURED)
    return GalleryPage(entries, next_cursor, has_voted([e.id for e in entries], viewer_id), sort)


def _counting(challenge: WeeklyChallenge) -> list[SQLColumnExpression[bool]]:
    return [S.challenge_id == challenge.id, S.counts]


def _load(ids: list[uuid.UUID]) -> list[ChallengeSubmission]:
    """Entries with their authors in one query, in the order given."""
    if not ids:
        return []
    rows = db.session.scalars(select(S).options(joinedload(S.user)).where(S.id.in_(ids))).all()
    by_id = {row.id: row for row in rows}
    return [by_id[i] for i in ids if i in by_id]


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
