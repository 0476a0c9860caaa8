"""The movement feature's scheduled job (registered in ``jobs/schedule.py``)."""

from __future__ import annotations

import logging

from ..clock import utcnow
from ..extensions import db, get_redis
from ..leaderboard.reconcile import open_challenges
from .service import take_snapshot

log = logging.getLogger(__name__)


def take_day_start_snapshots() -> dict[str, int]:
    """Take today's day-start snapshot of every open board that has none yet. Runs every few
    minutes, so it acts in the first minutes of each UTC day and is a no-op after (each
    snapshot is taken once, atomically; two runs at once store it once). Returns how many
    were taken now, and how many boards could not be read (not in Redis: the next run
    after their rebuild takes them)."""
    now = utcnow()
    challenge_ids = open_challenges(now)
    db.session.rollback()  # nothing to write in SQL; end the read transaction
    client = get_redis()
    results = [take_snapshot(client, challenge_id, now) for challenge_id in challenge_ids]
    taken, missing = results.count(1), results.count(-1)
    if taken or missing:
        log.info("movement: %d day-start snapshot(s) taken, %d board(s) not in Redis",
                 taken, missing)
    return {"taken": taken, "not_built": missing}
