"""The nightly analytics rollups (challenges/analytics/rollups.py)."""

from __future__ import annotations

import logging

from challenges.analytics.rollups import run_rollups
from challenges.clock import utcnow
from challenges.transactions import commit_with_retry

log = logging.getLogger(__name__)


def store_rollups() -> int:
    """Store every week's and challenge's rollup that is not final yet; returns how many rows
    were written. Safe to run twice or concurrently (upserts keyed by week and challenge)."""
    done = commit_with_retry(lambda: run_rollups(utcnow()))
    log.info("analytics: %d week(s), %d challenge(s) stored", done.weeks, done.challenges)
    return done.weeks + done.challenges
