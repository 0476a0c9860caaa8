"""Sponsors (SPEC §8): their totals, their dashboard, and the analytics of sponsored challenges.

Totals (``total_challenges_sponsored``, ``total_prize_value``) are recomputed from the challenges
whenever a sponsored challenge changes. Landing-page views and click-throughs on the sponsor's
link are counted in Redis (one HINCRBY per view, no database write on the page path) and a job
adds the counts to the challenge row every minute. A Redis outage loses at most the counts of
that minute; the entries, votes and participants on the dashboard come from the database.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import cast

import redis
from sqlalchemy import select, update

from ..errors import Forbidden, NotFound
from ..extensions import db, get_redis
from ..leaderboard import keys
from ..models import ChallengeSponsor, Role, User, WeeklyChallenge
from .prizes import parse_prizes

DIRTY = keys.SPONSOR_COUNTERS_DIRTY  # SET of challenge ids with unflushed counts
FIELDS = {"views": WeeklyChallenge.view_count, "clicks": WeeklyChallenge.sponsor_click_count}


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


def record(challenge_id: uuid.UUID, field: str) -> None:
    """Count one view or click; never fails the page for it."""
    try:
        pipe = get_redis().pipeline(transaction=False)
        pipe.hincrby(counters_key(challenge_id), field, 1)
        pipe.sadd(DIRTY, str(challenge_id))
        pipe.execute()
    except (redis.RedisError, OSError):
        pass


_TAKE = """
local values = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
return values
"""


def flush_counters() -> int:
    """Move the counted views and clicks into the database; returns challenges touched.
    The caller commits."""
    client = get_redis()
    touched = 0
    # redis-py types each reply "Awaitable | value" (its sync and asyncio clients share the
    # signatures); this client is synchronous and decodes replies to str.
    while (member := cast("str | None", client.spop(DIRTY))) is not None:
        raw = cast("list[str]", client.eval(_TAKE, 1, counters_key(member)))
        counts = dict(zip(raw[::2], raw[1::2], strict=True))
        values = {FIELDS[f]: FIELDS[f] + int(n) for f, n in counts.items() if f in FIELDS}
        if values:
            db.session.execute(
                update(WeeklyChallenge).where(WeeklyChallenge.id == uuid.UUID(member))
                .values(values).execution_options(synchronize_session=False)
            )
            touched += 1
    return touched


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
        SponsoredChallenge(c, c.view_count + int(p.get("views", 0)),
                           c.sponsor_click_count + int(p.get("clicks", 0)))
        for c, p in zip(challenges, pending, strict=True)
    ]
