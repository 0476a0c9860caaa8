"""A member's public profile: balances, placings, entries, and their points history.

The history is grouped: one line per challenge, day (UTC), entry and reason ("Dreamscapes ·
“Sunrise” · 3 votes received · +6"), not one line per ledger row. Votes given are grouped per
challenge and day, whatever the entry ("voted on 12 entries · +60")."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Date, case, func, literal, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import joinedload
from sqlalchemy.sql.functions import FunctionElement

from ..extensions import db
from ..models import ChallengeSubmission, LedgerEntry, User, WeeklyChallenge
from .accounts import username_problem

HISTORY_PAGE = 20
# Reasons grouped per challenge and day without naming an entry (a voter's rewards).
PER_CHALLENGE_REASONS = ("vote_reward",)


class utc_day(FunctionElement[date]):
    """The UTC calendar day of a timestamp column, in SQL (SQLite stores UTC already)."""

    type = Date()
    inherit_cache = True
    name = "utc_day"


@compiles(utc_day)
def _utc_day_postgresql(element: Any, compiler: Any, **kw: Any) -> str:
    return f"date(timezone('UTC', {compiler.process(element.clauses, **kw)}))"


@compiles(utc_day, "sqlite")
def _utc_day_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)})"


@dataclass(frozen=True)
class HistoryLine:
    """What one reason earned (or cost) a member on one day in one challenge (and entry)."""

    day: date
    reason: str
    currency: str
    count: int
    amount: int
    last_id: int
    challenge: WeeklyChallenge | None
    entry: ChallengeSubmission | None


@dataclass(frozen=True)
class ProfilePage:
    user: User
    entries: list[ChallengeSubmission]
    history: list[HistoryLine]
    next_before: str | None


def profile_page(username: str, before: str | None) -> ProfilePage | None:
    """The profile of ``username``; history pages by ledger id (keyset), newest first."""
    if username_problem(username):  # no such account can exist (and NUL would upset PostgreSQL)
        return None
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        return None
    entries = db.session.scalars(
        select(ChallengeSubmission)
        .join(WeeklyChallenge, WeeklyChallenge.id == ChallengeSubmission.challenge_id)
        .options(joinedload(ChallengeSubmission.challenge))
        .where(
            ChallengeSubmission.user_id == user.id,
            ChallengeSubmission.counts,
            WeeklyChallenge.is_published,
        )
        .order_by(ChallengeSubmission.submitted_at.desc())
        .limit(100)
    ).all()
    history, next_before = points_history(user.id, before)
    return ProfilePage(user, list(entries), history, next_before)


def points_history(user_id: int, before: str | None,
                   size: int = HISTORY_PAGE) -> tuple[list[HistoryLine], str | None]:
    """One page of ``user_id``'s grouped history, newest day first, and the cursor of the next.

    Keyset-paged by (day, newest ledger id in the group): the cursor "<day>:<id>" is the last
    line shown; a cursor that is not one of ours starts from the top. Three queries a page
    (the groups, then their challenges and entries), whatever the number of lines."""
    L = LedgerEntry
    day = utc_day(L.created_at).label("day")
    entry_id = case((L.reason.in_(PER_CHALLENGE_REASONS), literal(None)),
                    else_=L.submission_id).label("entry_id")
    last_id = func.max(L.id).label("last_id")
    query = (
        select(day, L.challenge_id, entry_id, L.reason, L.currency,
               func.count().label("n"), func.sum(L.amount).label("amount"), last_id)
        .where(L.user_id == user_id)
        .group_by(day, L.challenge_id, entry_id, L.reason, L.currency)
    )
    if (cursor := _history_cursor(before)) is not None:
        cursor_day, cursor_id = cursor
        # Rows of later days cannot belong to a group on this page or after it.
        next_midnight = datetime.combine(cursor_day + timedelta(days=1), time(), UTC)
        query = query.where(L.created_at < next_midnight).having(
            or_(day < cursor_day, (day == cursor_day) & (func.max(L.id) < cursor_id))
        )
    rows = db.session.execute(
        query.order_by(day.desc(), last_id.desc()).limit(size + 1)
    ).all()
    shown = rows[:size]
    # A public page: only published challenges and their counting entries are named (a draft's
    # or a withdrawn entry's line shows what was earned, not where).
    challenges = _by_id(WeeklyChallenge, {row.challenge_id for row in shown},
                        WeeklyChallenge.is_published)
    entries = _by_id(ChallengeSubmission, {row.entry_id for row in shown},
                     ChallengeSubmission.counts,
                     ChallengeSubmission.challenge_id.in_(list(challenges))) if challenges else {}
    lines = [
        HistoryLine(
            day=_as_date(row.day), reason=row.reason, currency=row.currency, count=int(row.n),
            amount=int(row.amount), last_id=int(row.last_id),
            challenge=challenges.get(row.challenge_id), entry=entries.get(row.entry_id),
        )
        for row in shown
    ]
    next_before = (f"{lines[-1].day.isoformat()}:{lines[-1].last_id}"
                   if len(rows) > size else None)
    return lines, next_before


def _by_id(model: Any, ids: set[uuid.UUID | None], *conditions: Any) -> dict[uuid.UUID, Any]:
    """Rows of ``model`` with these ids that meet ``conditions``, in one query."""
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    query = select(model).where(model.id.in_(wanted), *conditions)
    return {row.id: row for row in db.session.scalars(query)}


def _as_date(value: date | str) -> date:
    # SQLite's date() is text; the Date type reads it back, but be exact about it.
    return value if isinstance(value, date) else date.fromisoformat(value)


def _history_cursor(before: str | None) -> tuple[date, int] | None:
    """(day, ledger id) from a "<YYYY-MM-DD>:<id>" cursor, or None (ignored) if it is not one."""
    if not before or len(before) > 40 or not before.isascii():
        return None
    day_text, _, id_text = before.partition(":")
    if not id_text.isdigit() or len(id_text) > 19:
        return None
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        return None
    value = int(id_text)
    if value > MAX_LEDGER_ID or day.year < 2 or day.year > 9998:
        return None
    return day, value


MAX_LEDGER_ID = 2**63 - 1  # a BIGINT: larger ids are ignored, never bound


ALL_TIME_PAGE = 50


@dataclass(frozen=True)
class AllTimePage:
    users: list[User]
    first_rank: int
    next_cursor: str | None


def all_time_leaderboard(cursor: str | None) -> AllTimePage:
    """Members by points, most first; pages by (points, id) keyset, never OFFSET.

    The cursor carries the rank of the page's first row, so ranks stay right on later pages.
    Balances are deliberately not indexed: they change with every vote, and an index would
    turn each of those updates into a rewrite of every index on users (the page is rare)."""
    query = select(User).where(User.points_balance > 0)
    first_rank = 1
    if cursor:
        try:
            points, user_id, rank = (int(part) for part in cursor.split(":"))
        except ValueError:
            raise ValueError("bad cursor") from None
        query = query.where(
            (User.points_balance < points) | ((User.points_balance == points) & (User.id > user_id))
        )
        first_rank = rank
    rows = db.session.scalars(
        query.order_by(User.points_balance.desc(), User.id).limit(ALL_TIME_PAGE + 1)
    ).all()
    users = list(rows[:ALL_TIME_PAGE])
    next_cursor = None
    if len(rows) > ALL_TIME_PAGE:
        last = users[-1]
        next_cursor = f"{last.points_balance}:{last.id}:{first_rank + len(users)}"
    return AllTimePage(users, first_rank, next_cursor)
