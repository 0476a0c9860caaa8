"""Moves sponsor analytics counted in Redis into the database (every minute)."""

from __future__ import annotations

from challenges.services.sponsors import flush_counters
from challenges.transactions import commit_with_retry


def flush_sponsor_counters() -> int:
    """Add the views and clicks counted in Redis to the challenge rows; returns how many
    challenges changed."""
    return commit_with_retry(flush_counters)
