"""Moves what the pages counted in Redis into the database (every minute): sponsor analytics
(views, clicks, share visits; per challenge and per UTC day) and members' active days."""

from __future__ import annotations

from challenges.referrals.activity import flush_activity_days
from challenges.services.sponsors import flush_counters
from challenges.transactions import commit_with_retry


def flush_sponsor_counters() -> int:
    """Add the views, clicks and share visits counted in Redis to the challenge rows and their
    days, then the members' active days (each in its own transaction); returns how many
    challenges changed."""
    touched = commit_with_retry(flush_counters)
    commit_with_retry(flush_activity_days)
    return touched
