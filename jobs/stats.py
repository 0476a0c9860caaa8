"""Moves sponsor analytics counted in Redis into the database (every minute)."""

from __future__ import annotations

from challenges.extensions import db
from challenges.services.sponsor_stats import flush_counters


def flush_sponsor_counters() -> int:
    try:
        touched = flush_counters()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return touched
