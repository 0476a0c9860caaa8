"""Leaderboard jobs: rebuild one board (queued by a page read that found it missing), and the
reconcile job the scheduler runs every ``RECONCILE_INTERVAL_SECONDS``."""

from __future__ import annotations

import logging
import uuid
from functools import partial
from typing import Any

from challenges.clock import utcnow
from challenges.extensions import db, get_redis
from challenges.leaderboard.counters import repair_counters
from challenges.leaderboard.rebuild import RebuildInProgress, rebuild
from challenges.leaderboard.reconcile import announce_repair, open_challenges, reconcile_board
from challenges.transactions import commit_with_retry

log = logging.getLogger(__name__)


def rebuild_board(challenge_id: str) -> int:
    """Rebuild one board from the database. Returns the version it reflects, or -1 when another
    rebuild of it is under way (that one covers this request)."""
    try:  # the rebuild reads its own snapshot session; the caller's session is left alone
        return rebuild(get_redis(), uuid.UUID(challenge_id), utcnow())
    except RebuildInProgress:
        log.info("leaderboard %s: a rebuild is already under way", challenge_id)
        return -1


def reconcile_boards() -> dict[str, Any]:
    """For every active or voting challenge: repair its SQL counters (under the row lock, each
    fix logged), then compare its Redis board with the database and repair what differs. Safe
    to run twice at once: a board being rebuilt or reconciled elsewhere is skipped."""
    now = utcnow()
    challenge_ids = open_challenges(now)
    db.session.rollback()
    fixed: dict[str, Any] = {}
    for challenge_id in challenge_ids:
        counters = commit_with_retry(partial(repair_counters, challenge_id, now))
        board = reconcile_board(get_redis(), challenge_id, now)
        if board.repaired:
            # A new board version, so every open widget fetches the repaired rows.
            announce_repair(get_redis(), challenge_id)
        if counters or board.repaired:
            fixed[str(challenge_id)] = {"counters": counters, "board": board.summary()}
    log.info("reconcile: %d board(s) checked, %d repaired", len(challenge_ids), len(fixed))
    return {"checked": len(challenge_ids), "fixed": fixed}
