"""Redis keys of the referrals package (no other code spells them). ``{<day>}`` is a Cluster
hash tag: one day's two sets share a slot, so the recording script may touch both."""

from __future__ import annotations

from datetime import date


def active_members(day: date) -> str:
    """SET user_id: members seen on that UTC day (dedupes the day's pending entries)."""
    return f"activity:{{{day.isoformat()}}}:members"


def pending_members(day: date) -> str:
    """SET user_id: members seen that day and not yet flushed to ``member_activity_days``."""
    return f"activity:{{{day.isoformat()}}}:pending"


def member_share_visit(user_id: int, referrer_id: int, challenge: str) -> str:
    """STRING, expiring: a signed-in member already counted a visit through this share link
    (members carry no referral cookie to tell a reload from a new visit)."""
    return f"share-visit:{user_id}:{referrer_id}:{challenge}"
