"""Sponsor analytics (SPEC §8): landing-page views and click-throughs on the sponsor's link.

Counting happens in Redis (one HINCRBY per view, no database write on the page path) and a job
adds the counts to the challenge row every minute. A Redis outage loses at most the counts of
that minute; the entries, votes and participants on the dashboard come from the database.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import redis
from sqlalchemy import select, update

from ..extensions import db, get_redis
from ..leaderboard import keys
from ..models import ChallengeSponsor, WeeklyChallenge

DIRTY = keys.SPONSOR_COUNTERS_DIRTY  # SET of challenge ids with unflushed counts
FIELDS = {"views": WeeklyChallenge.view_count, "clicks": WeeklyChallenge.sponsor_click_count}


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
    while (member := client.spop(DIRTY)) is not None:
        raw = client.eval(_TAKE, 1, counters_key(member))
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
               WeeklyChallenge.status.notin_(("draft", "cancelled")))
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
