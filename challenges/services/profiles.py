"""A member's public profile: balances, placings, entries, and their points history."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import ChallengeSubmission, LedgerEntry, User, WeeklyChallenge
from .accounts import username_problem

HISTORY_PAGE = 20
MAX_LEDGER_ID = 2**63 - 1  # a BIGINT: larger "before" values are ignored, never bound


@dataclass(frozen=True)
class ProfilePage:
    user: User
    entries: list[ChallengeSubmission]
    history: list[LedgerEntry]
    next_before: int | None


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
    query = select(LedgerEntry).where(LedgerEntry.user_id == user.id)
    if (before_id := _ledger_cursor(before)) is not None:
        query = query.where(LedgerEntry.id < before_id)
    rows = db.session.scalars(query.order_by(LedgerEntry.id.desc()).limit(HISTORY_PAGE + 1)).all()
    history = list(rows[:HISTORY_PAGE])
    next_before = history[-1].id if len(rows) > HISTORY_PAGE else None
    return ProfilePage(user, list(entries), history, next_before)


def _ledger_cursor(before: str | None) -> int | None:
    """A ledger id from the "before" parameter, or None (ignored) if it cannot be one."""
    if not before or not before.isascii() or not before.isdigit() or len(before) > 19:
        return None
    value = int(before)
    return value if value <= MAX_LEDGER_ID else None


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
