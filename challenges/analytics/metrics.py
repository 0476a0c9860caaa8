"""The plan's success metrics (SPEC §11), exactly, per challenge and per ISO week.

Every number is one grouped SQL aggregate over indexed columns (no loop over members, no query
per row); ratios are computed from the stored counts, so a rollup keeps the counts and the
dashboard derives the rates the same way for stored and live metrics. The definitions are written
out in docs/decisions.md ("Analytics: the metrics exactly") and on the dashboard's help text.

Periods are half-open, ``[start, end)`` in UTC: a challenge's window is ``[starts_at,
voting_deadline)``; a week is Monday 00:00 UTC to the next Monday. Member activity is stored per
UTC day, so it counts for the days the period touches (``first_day`` to ``last_day``).
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, distinct, func, select, union
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Integer

from ..clock import as_utc
from ..extensions import db
from ..leaderboard.standings import counting
from ..models import (
    ChallengeDailyCounter,
    ChallengeStatus,
    ChallengeSubmission,
    ChallengeVote,
    MemberActivityDay,
    SponsorInquiry,
    User,
    WeeklyChallenge,
)
from ..phase import in_phase

S = ChallengeSubmission
V = ChallengeVote
WEEK = timedelta(days=7)
# How long after a period ends its numbers may still move: view counters reach SQL within a
# minute, activity days within the day. A rollup computed later than this is final.
SETTLE = timedelta(hours=1)


def week_start(day: date) -> date:
    """The Monday of ``day``'s ISO week."""
    return day - timedelta(days=day.weekday())


def week_bounds(monday: date) -> tuple[datetime, datetime]:
    """The ISO week starting on ``monday``, as a half-open UTC interval."""
    start = datetime.combine(monday, time(0), tzinfo=UTC)
    return start, start + WEEK


def _last_day(end: datetime) -> date:
    """The last UTC day a half-open period ending at ``end`` touches."""
    return (as_utc(end) - timedelta(microseconds=1)).date()


def is_settled(end: datetime, computed_at: datetime) -> bool:
    """Whether numbers of a period ending at ``end`` computed at ``computed_at`` are final."""
    return as_utc(computed_at) >= as_utc(end) + SETTLE


def _ratio(numerator: int | None, denominator: int | None) -> float | None:
    """``numerator / denominator``, or None where the denominator is missing or zero."""
    if numerator is None or not denominator:
        return None
    return numerator / denominator


@dataclass(frozen=True)
class Metrics:
    """The counts of one period. Rates are properties computed from them (never stored)."""

    start: str  # ISO datetime, inclusive
    end: str  # ISO datetime, exclusive
    active_members: int  # activity day, vote or entry in the period
    entrants: int  # distinct members with a live (counting) entry
    votes: int  # votes cast
    voters: int  # distinct voters
    previous_entrants: int | None  # entrants of the previous challenge / week (None: none)
    returning_entrants: int | None  # of those, entrants again here
    inquiries: int  # sponsor inquiries received
    new_members: int  # accounts created in the period
    new_members_from_shares: int  # of those, attributed to a challenge share (?ref=)
    visits: int  # landing-page views counted for the days of the period
    share_visits: int  # of those, through a share link
    final: bool = False  # computed after the period ended: a rollup nobody recomputes

    @property
    def participation_rate(self) -> float | None:
        return _ratio(self.entrants, self.active_members)

    @property
    def votes_per_voter(self) -> float | None:
        return _ratio(self.votes, self.voters)

    @property
    def votes_per_active_member(self) -> float | None:
        return _ratio(self.votes, self.active_members)

    @property
    def return_rate(self) -> float | None:
        return _ratio(self.returning_entrants, self.previous_entrants)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class WeekMetrics(Metrics):
    """One ISO week (``start`` is its Monday)."""


@dataclass(frozen=True)
class ChallengeMetrics(Metrics):
    """One challenge's window, plus what only a challenge has."""

    challenge_id: str = ""
    previous_challenge_id: str | None = None
    members_from_challenge: int = 0  # accounts attributed to a share link of this challenge
    first_hour: str = ""  # ISO start of the first hour of votes_per_hour
    votes_per_hour: list[int] = field(default_factory=list)  # one count per hour of the window


def load_metrics(kind: type[Metrics], data: dict[str, Any]) -> Metrics:
    """A ``Metrics`` of ``kind`` from a rollup's JSON (keys it does not know are ignored, so
    an older rollup still reads)."""
    known = {f for f in kind.__dataclass_fields__}
    return kind(**{k: v for k, v in data.items() if k in known})


# --- SQL building blocks -------------------------------------------------------------------


class hour_number(FunctionElement[int]):  # noqa: N801 (a SQL function, named like one)
    """Whole hours since the Unix epoch of a UTC timestamp column: the bucket of "votes per
    hour", the same on both databases and independent of the server's time zone."""

    type = Integer()
    inherit_cache = True


@compiles(hour_number, "postgresql")
def _hour_number_pg(element: hour_number, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {column}) / 3600) AS INTEGER)"


@compiles(hour_number, "sqlite")
def _hour_number_sqlite(element: hour_number, compiler: Any, **kw: Any) -> str:
    return f"(CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER) / 3600)"


def _count(query: Select[Any]) -> int:
    return int(db.session.scalar(query) or 0)


def _count_distinct_users(*selects: Select[Any]) -> int:
    """How many distinct user ids the union of ``selects`` (one id column each) yields."""
    ids = union(*selects).subquery()
    return _count(select(func.count()).select_from(ids))


def _in(column: Any, start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(column >= start, column < end)


def _entrants_of(challenge_id: uuid.UUID) -> Select[Any]:
    """Members with a live entry in the challenge (the leaderboard's "counting" rule)."""
    return select(S.user_id).where(*counting(challenge_id)).distinct()


def _open_between(start: datetime, end: datetime) -> Select[Any]:
    """Published challenges whose window overlaps ``[start, end)``: the only ones that can hold
    entries or votes made in it (both need the challenge open). Filtering on them lets a
    week's queries use the (challenge_id, ...) indexes instead of scanning all history."""
    W = WeeklyChallenge
    return select(W.id).where(W.starts_at < end, W.voting_deadline > start)


def _entrants_in(start: datetime, end: datetime) -> Select[Any]:
    """Members with a live entry submitted in ``[start, end)`` (any challenge)."""
    return select(S.user_id).where(S.challenge_id.in_(_open_between(start, end)), S.counts,
                                   _in(S.submitted_at, start, end)).distinct()


def _votes_in(start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(V.challenge_id.in_(_open_between(start, end)), _in(V.created_at, start, end))


def _growth(start: datetime, end: datetime) -> tuple[int, int]:
    """New members in ``[start, end)``, and of them those attributed to a challenge share."""
    row = db.session.execute(
        select(func.count(), func.count(User.referred_challenge_id))
        .where(_in(User.created_at, start, end))
    ).one()
    return int(row[0]), int(row[1])


def _counters(start: datetime, end: datetime,
              challenge_id: uuid.UUID | None = None) -> tuple[int, int]:
    """Landing views and share visits counted on the days of ``[start, end)``: of one
    challenge, or of all of them."""
    C = ChallengeDailyCounter
    query = select(func.coalesce(func.sum(C.views), 0), func.coalesce(func.sum(C.share_visits), 0)
                   ).where(C.day >= as_utc(start).date(), C.day <= _last_day(end))
    if challenge_id is not None:
        query = query.where(C.challenge_id == challenge_id)
    row = db.session.execute(query).one()
    return int(row[0]), int(row[1])


def _inquiries(start: datetime, end: datetime) -> int:
    return _count(select(func.count()).select_from(SponsorInquiry)
                  .where(_in(SponsorInquiry.created_at, start, end)))


def _active_days(start: datetime, end: datetime) -> Select[Any]:
    A = MemberActivityDay
    return select(A.user_id).where(A.day >= as_utc(start).date(), A.day <= _last_day(end))


# --- Per challenge ---------------------------------------------------------------------------


def previous_challenge(challenge: WeeklyChallenge, now: datetime) -> WeeklyChallenge | None:
    """The previous completed challenge of ``challenge``: the published one that started last
    before it among those whose voting had ended by ``now`` and by the end of its own voting
    (so a completed challenge's answer never changes)."""
    W = WeeklyChallenge
    ended_by = min(as_utc(now), as_utc(challenge.voting_deadline))
    return db.session.scalar(
        select(W).where(in_phase(ChallengeStatus.COMPLETED, ended_by), W.id != challenge.id,
                        W.starts_at < challenge.starts_at)
        .order_by(W.starts_at.desc(), W.id).limit(1)
    )


def challenge_metrics(challenge: WeeklyChallenge, now: datetime) -> ChallengeMetrics:
    """SPEC §11's metrics for ``challenge`` (its window: ``starts_at`` to the voting deadline)."""
    start, end = as_utc(challenge.starts_at), as_utc(challenge.voting_deadline)
    cid = challenge.id
    active = _count_distinct_users(
        _active_days(start, end),
        select(V.voter_id).where(V.challenge_id == cid),
        select(S.user_id).where(S.challenge_id == cid),
    )
    entrants = _count(select(func.count(distinct(S.user_id))).where(*counting(cid)))
    votes, voters = db.session.execute(
        select(func.count(), func.count(distinct(V.voter_id))).where(V.challenge_id == cid)
    ).one()
    previous = previous_challenge(challenge, now)
    previous_entrants = returning = None
    if previous is not None:
        mine = _entrants_of(cid).subquery()
        theirs = _entrants_of(previous.id).subquery()
        previous_entrants = _count(select(func.count()).select_from(theirs))
        returning = _count(select(func.count()).select_from(theirs)
                           .join(mine, mine.c.user_id == theirs.c.user_id))
    new_members, from_shares = _growth(start, end)
    visits, share_visits = _counters(start, end, cid)
    first_hour, per_hour = votes_per_hour(challenge)
    return ChallengeMetrics(
        start=start.isoformat(), end=end.isoformat(), active_members=active, entrants=entrants,
        votes=int(votes), voters=int(voters), previous_entrants=previous_entrants,
        returning_entrants=returning, inquiries=_inquiries(start, end),
        new_members=new_members, new_members_from_shares=from_shares, visits=visits,
        share_visits=share_visits, final=is_settled(end, now),
        challenge_id=str(cid), previous_challenge_id=str(previous.id) if previous else None,
        members_from_challenge=_count(select(func.count()).select_from(User)
                                      .where(User.referred_challenge_id == cid)),
        first_hour=first_hour.isoformat(), votes_per_hour=per_hour,
    )


def votes_per_hour(challenge: WeeklyChallenge) -> tuple[datetime, list[int]]:
    """Votes cast in ``challenge`` per hour of its window (UTC hours, empty hours as 0): the
    first hour's start and one count per hour. One grouped query on (challenge_id, created_at)."""
    start, end = as_utc(challenge.starts_at), as_utc(challenge.voting_deadline)
    first = start.replace(minute=0, second=0, microsecond=0)
    hours = max(1, -(-int((end - first).total_seconds()) // 3600))
    bucket = hour_number(V.created_at)
    rows = db.session.execute(
        select(bucket, func.count()).where(V.challenge_id == challenge.id).group_by(bucket)
    ).all()
    base = int(first.timestamp()) // 3600
    counts = [0] * hours
    for hour, n in rows:  # at most one row per hour of the window, never one per member
        index = int(hour) - base
        if 0 <= index < hours:
            counts[index] += int(n)
    return first, counts


# --- Per ISO week ----------------------------------------------------------------------------


def week_metrics(monday: date, now: datetime) -> WeekMetrics:
    """SPEC §11's metrics for the ISO week starting on ``monday``."""
    start, end = week_bounds(monday)
    active = _count_distinct_users(
        _active_days(start, end),
        select(V.voter_id).where(_votes_in(start, end)),
        select(S.user_id).where(S.challenge_id.in_(_open_between(start, end)),
                                _in(S.submitted_at, start, end)),
    )
    mine = _entrants_in(start, end).subquery()
    theirs = _entrants_in(start - WEEK, start).subquery()
    entrants = _count(select(func.count()).select_from(mine))
    previous_entrants = _count(select(func.count()).select_from(theirs))
    returning = _count(select(func.count()).select_from(theirs)
                       .join(mine, mine.c.user_id == theirs.c.user_id))
    votes, voters = db.session.execute(
        select(func.count(), func.count(distinct(V.voter_id))).where(_votes_in(start, end))
    ).one()
    new_members, from_shares = _growth(start, end)
    visits, share_visits = _counters(start, end)
    return WeekMetrics(
        start=start.isoformat(), end=end.isoformat(), active_members=active, entrants=entrants,
        votes=int(votes), voters=int(voters), previous_entrants=previous_entrants,
        returning_entrants=returning, inquiries=_inquiries(start, end),
        new_members=new_members, new_members_from_shares=from_shares, visits=visits,
        share_visits=share_visits, final=is_settled(end, now),
    )


def first_week(now: datetime) -> date:
    """The Monday of the earliest week with anything to count (members or challenges)."""
    W = WeeklyChallenge
    earliest = db.session.execute(select(
        select(func.min(User.created_at)).scalar_subquery(),
        select(func.min(W.starts_at)).where(W.is_published).scalar_subquery(),
    )).one()
    days = [as_utc(value).date() for value in earliest if value is not None]
    return week_start(min(days) if days else as_utc(now).date())

