"""Moves what the pages counted in Redis into the database (every minute): sponsor analytics
(views, clicks, share visits; per challenge and per UTC day), members' active days, and the
gallery's impressions (issue 13, Discover)."""

from __future__ import annotations

from challenges.discover.impressions import flush_impressions
from challenges.referrals.activity import flush_activity_days
from challenges.services.sponsors import flush_counters
from challenges.transactions import commit_with_retry


def flush_sponsor_counters() -> int:
    """Add the views, clicks and share visits counted in Redis to the challenge rows and their
    days, then the members' active days and the gallery's impressions (each in its own
    transaction); returns how many challenges changed."""
    touched = commit_with_retry(flush_counters)
    commit_with_retry(flush_activity_days)
    commit_with_retry(flush_impressions)
    return touched
