"""Which boards freeze now, and taking their frozen copies (issue #13)."""

from __future__ import annotations

from datetime import datetime

import redis
from sqlalchemy import select

from ..extensions import db
from ..leaderboard import frozen
from ..leaderboard.store import publish_meta
from ..models import ChallengeStatus, WeeklyChallenge
from ..phase import in_any_phase, is_frozen, results_published_clause


def frozen_now(now: datetime) -> list[WeeklyChallenge]:
    """Published challenges whose public board is frozen at ``now`` (``phase.is_frozen``).

    The SQL narrows to challenges with a freeze, in voting or completed (a freeze lies within
    the voting period) and not yet published; the rule itself decides."""
    W = WeeklyChallenge
    candidates = db.session.scalars(
        select(W).where(W.freeze_hours.is_not(None),
                        in_any_phase({ChallengeStatus.VOTING, ChallengeStatus.COMPLETED}, now),
                        ~results_published_clause(now))
    )
    return [c for c in candidates if is_frozen(c, now)]


def take_due_freezes(client: redis.Redis, now: datetime) -> int:
    """Take the frozen copy of every board frozen at ``now`` that lacks one, and refresh each
    one's Redis meta (so a poll knows the freeze moment even for a board built before the
    freeze was set). Idempotent: a copy already taken is kept. Returns how many it took."""
    taken = 0
    for challenge in frozen_now(now):
        publish_meta(client, challenge)
        if frozen.take(client, challenge):
            taken += 1
    return taken
