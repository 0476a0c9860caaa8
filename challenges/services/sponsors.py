"""Sponsors (SPEC §8): their totals, their dashboard, and the analytics of sponsored challenges.

Totals (``total_challenges_sponsored``, ``total_prize_value``) are recomputed from the challenges
whenever a sponsored challenge changes. Landing-page views, click-throughs on the sponsor's
link and visits through share links (``?ref=``) are counted in Redis (one HINCRBY per view, no
database write on the page path) and a job adds the counts to the challenge row (the all-time
totals) and to ``challenge_daily_counters`` (one row per challenge and UTC day) every minute.
Each count is filed under the UTC day it was taken ("views:2026-11-26"), so a view just before
midnight lands on its own day however late the flush runs. A Redis outage, or a flush whose
transaction fails after it took the counts, loses at most the counts of that minute (never
counts twice); the entries, votes and participants on the dashboard come from the database.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

import redis
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..clock import utcnow
from ..errors import Forbidden, NotFound
from ..extensions import db, get_redis
from ..leaderboard import keys
from ..models import ChallengeDailyCounter, ChallengeSponsor, Role, User, WeeklyChallenge
from .prizes import parse_prizes

DIRTY = keys.SPONSOR_COUNTERS_DIRTY  # SET of challenge ids with unflushed counts
# What ``record`` counts, and the challenge column keeping its all-time total (share visits
# have none: only their days are stored).
FIELDS = {"views": WeeklyChallenge.view_count, "clicks": WeeklyChallenge.sponsor_click_count}
# Each counted field's column in ``challenge_daily_counters``.
DAILY_COLUMNS = {"views": "views", "clicks": "sponsor_clicks", "share_visits": "share_visits"}
_UPSERT_CHUNK = 500  # rows per INSERT: 5 parameters each, far below both databases' limits


def refresh_sponsor_stats(sponsor_ids: Iterable[uuid.UUID | None]) -> None:
    """Recompute ``total_challenges_sponsored`` and ``total_prize_value`` from the challenges.

    Recomputing (rather than incrementing) keeps the numbers right however a challenge changed:
    a new sponsor, a removed one, new prizes, a draft published or cancelled.
    """
    for sponsor_id in {sid for sid in sponsor_ids if sid is not None}:
        sponsor = db.session.get(ChallengeSponsor, sponsor_id)
        if sponsor is None:
            continue
        totals = prize_totals(sponsor_id)
        sponsor.total_challenges_sponsored = totals.challenges
        sponsor.total_prize_value = totals.cash


@dataclass(frozen=True)
class PrizeTotals:
    """What a sponsor puts up across its published challenges: the places' cash and tokens.

    Participation and voting rewards are per member (their total depends on turnout), so only
    the prizes of places count, as on the prizes card.
    """

    challenges: int
    cash: Decimal
    tokens: int


def prize_totals(sponsor_id: uuid.UUID) -> PrizeTotals:
    """The sponsor's prize value in cash and in tokens, from its published challenges' prizes:
    the one definition the stored totals and the dashboard share."""
    tables = [
        parse_prizes(raw) for raw in db.session.scalars(
            select(WeeklyChallenge.prizes).where(
                WeeklyChallenge.sponsor_id == sponsor_id, WeeklyChallenge.is_published
            )
        ).all()
    ]
    tokens = sum(int(prize.amount) for table in tables for prize in table.places.values()
                 if not prize.is_cash)
    cash = sum((table.total_cash() for table in tables), Decimal("0"))
    return PrizeTotals(len(tables), cash.quantize(Decimal("0.01")), tokens)


def dashboard_sponsor(viewer: User, slug: str | None) -> ChallengeSponsor:
    """The sponsor whose dashboard ``viewer`` may see: an editor any (``slug``, or the first by
    name), a sponsor user their own (``NotFound`` when ``slug`` names another). Raises
    ``Forbidden`` for everyone else and ``NotFound`` when there is no such sponsor."""
    sponsor: ChallengeSponsor | None
    if viewer.is_editor:
        query = select(ChallengeSponsor).order_by(ChallengeSponsor.name)
        if slug:
            # From the query string: a value no slug column can hold (PostgreSQL refuses NUL
            # outright) names no sponsor, never a 500.
            if "\x00" in slug or len(slug) > 50:
                raise NotFound("No such sponsor.")
            query = query.where(ChallengeSponsor.slug == slug)
        sponsor = db.session.scalar(query.limit(1))
    elif viewer.role == Role.SPONSOR.value:
        sponsor = viewer.sponsor
        # Naming another sponsor (a shared link, a guessed slug) finds nothing: a sponsor
        # user never learns whether another sponsor exists.
        if slug and (sponsor is None or slug != sponsor.slug):
            raise NotFound("No such sponsor.")
    else:
        raise Forbidden("Only the sponsor's users and editors see this dashboard.")
    if sponsor is None:
        raise NotFound("No such sponsor.")
    return sponsor


def counters_key(challenge_id: uuid.UUID | str) -> str:
    return keys.sponsor_counters(challenge_id)


def record(challenge_id: uuid.UUID, field: str, now: datetime | None = None) -> None:
    """Count one ``field`` (``views``, ``clicks`` or ``share_visits``) for the UTC day of
    ``now`` (the clock's by default); never fails the page for it."""
    day = (now or utcnow()).date()
    try:
        pipe = get_redis().pipeline(transaction=False)
        pipe.hincrby(counters_key(challenge_id), f"{field}:{day.isoformat()}", 1)
        pipe.sadd(DIRTY, str(challenge_id))
        pipe.execute()
    except (redis.RedisError, OSError):
        pass


_TAKE = """
local values = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
return values
"""


def _split_field(raw: str, today: date) -> tuple[str, date]:
    """("views", day) of a counter's hash field. A field without a day (counted before days
    were recorded) is filed under ``today``."""
    name, _, day = raw.partition(":")
    try:
        return name, date.fromisoformat(day) if day else today
    except ValueError:
        return name, today


def pending_totals(counts: dict[str, str]) -> dict[str, int]:
    """A challenge's counts not yet flushed (its hash as read from Redis), summed over days:
    {"views": 3, "clicks": 1, ...}."""
    totals: dict[str, int] = defaultdict(int)
    for raw, value in counts.items():
        totals[raw.partition(":")[0]] += int(value)
    return dict(totals)


def flush_counters(now: datetime | None = None) -> int:
    """Move the counted views, clicks and share visits into the database: the challenge's
    totals, and the day each was counted on (an upsert that adds). Returns challenges touched.
    The caller commits.

    Counts are taken out of Redis before the transaction commits: if it fails they are gone
    (at most one minute lost), and a retry never adds them twice."""
    today = (now or utcnow()).date()
    client = get_redis()
    taken: dict[uuid.UUID, dict[str, str]] = {}
    # redis-py types each reply "Awaitable | value" (its sync and asyncio clients share the
    # signatures); this client is synchronous and decodes replies to str.
    while (member := cast("str | None", client.spop(DIRTY))) is not None:
        raw = cast("list[str]", client.eval(_TAKE, 1, counters_key(member)))
        try:
            challenge_id = uuid.UUID(member)
        except ValueError:
            continue  # not written by ``record``: nothing to file it under
        if raw:
            taken[challenge_id] = dict(zip(raw[::2], raw[1::2], strict=True))
    if not taken:
        return 0
    # A challenge deleted since its counts were taken has no row to add to (and its days would
    # break the foreign key): its counts go with it.
    existing = set(db.session.scalars(
        select(WeeklyChallenge.id).where(WeeklyChallenge.id.in_(list(taken)))))
    daily: list[dict[str, Any]] = []
    for challenge_id, counts in taken.items():
        if challenge_id not in existing:
            continue
        totals: dict[str, int] = defaultdict(int)
        days: dict[date, dict[str, Any]] = {}
        for raw_field, value in counts.items():
            name, day = _split_field(raw_field, today)
            if name not in DAILY_COLUMNS:
                continue
            totals[name] += int(value)
            row = days.setdefault(day, {"challenge_id": challenge_id, "day": day, "views": 0,
                                        "sponsor_clicks": 0, "share_visits": 0})
            row[DAILY_COLUMNS[name]] += int(value)
        values = {FIELDS[f]: FIELDS[f] + n for f, n in totals.items() if f in FIELDS}
        if values:
            db.session.execute(
                update(WeeklyChallenge).where(WeeklyChallenge.id == challenge_id)
                .values(values).execution_options(synchronize_session=False)
            )
        daily.extend(days.values())
    _add_daily(daily)
    return len(existing)


def _add_daily(rows: list[dict[str, Any]]) -> None:
    """Add ``rows`` to ``challenge_daily_counters``: ``INSERT ... ON CONFLICT (challenge_id,
    day) DO UPDATE`` adding the new counts to the stored ones (both databases)."""
    if not rows:
        return
    table: Any = ChallengeDailyCounter.__table__
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    for start in range(0, len(rows), _UPSERT_CHUNK):
        insert = dialect.insert(table).values(rows[start:start + _UPSERT_CHUNK])
        db.session.execute(insert.on_conflict_do_update(
            index_elements=[table.c.challenge_id, table.c.day],
            set_={name: table.c[name] + insert.excluded[name]
                  for name in ("views", "sponsor_clicks", "share_visits")},
        ))


@dataclass(frozen=True)
class SponsoredChallenge:
    challenge: WeeklyChallenge
    views: int
    clicks: int


def sponsor_dashboard(sponsor: ChallengeSponsor) -> list[SponsoredChallenge]:
    """The sponsor's published challenges with their numbers, counts not yet flushed included."""
    challenges = db.session.scalars(
        select(WeeklyChallenge)
        .where(WeeklyChallenge.sponsor_id == sponsor.id,
               WeeklyChallenge.is_published)
        .order_by(WeeklyChallenge.starts_at.desc())
    ).all()
    pending: list[dict[str, str]] = [{} for _ in challenges]
    try:
        pipe = get_redis().pipeline(transaction=False)
        for challenge in challenges:
            pipe.hgetall(counters_key(challenge.id))
        pending = pipe.execute() if challenges else []
    except (redis.RedisError, OSError):
        pass
    return [
        SponsoredChallenge(c, c.view_count + totals.get("views", 0),
                           c.sponsor_click_count + totals.get("clicks", 0))
        for c, totals in zip(challenges, map(pending_totals, pending), strict=True)
    ]
