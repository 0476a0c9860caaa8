"""Redis keys of the Discover feature (no other code spells them). ``{<challenge_id>}`` is the
challenge's Cluster hash tag, as for the leaderboard's keys: one challenge's keys share a slot,
so one script may touch several of them."""

from __future__ import annotations

import uuid

DIRTY = "discover:dirty"  # SET challenge_id: challenges with impressions not yet flushed


def order(challenge_id: uuid.UUID, viewer: str) -> str:
    """LIST entry_number: one viewer's Discover order of a challenge (expires when unread)."""
    return f"challenge:{{{challenge_id}}}:discover:order:{viewer}"


def upto(challenge_id: uuid.UUID, viewer: str) -> str:
    """STRING: the challenge's ``entries_created`` when that order last took in new entries."""
    return f"challenge:{{{challenge_id}}}:discover:upto:{viewer}"


def seen(challenge_id: uuid.UUID) -> str:
    """HASH entry_number -> impressions counted since the last flush."""
    return f"challenge:{{{challenge_id}}}:discover:seen"


def flushing(challenge_id: uuid.UUID) -> str:
    """HASH: the batch being flushed (``seen`` renamed, plus its ``_batch`` id) until the
    flush's transaction has committed."""
    return f"challenge:{{{challenge_id}}}:discover:flushing"
