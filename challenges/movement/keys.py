"""Redis keys of the movement feature. They carry the challenge's hash tag (``{id}``), like the
leaderboard's own keys, so one script may read the board and the snapshot together."""

from __future__ import annotations

import uuid
from datetime import date


def day_start_board(challenge_id: uuid.UUID | str, on: date) -> str:
    """ZSET user_id -> board score (counted votes + tie-break) at the start of UTC day ``on``."""
    return f"challenge:{{{challenge_id}}}:movement:start:{on.isoformat()}"


def taken(challenge_id: uuid.UUID | str, on: date) -> str:
    """Marker: the snapshot of day ``on`` was taken (its value: when). Separate from the set,
    which does not exist when the board was empty."""
    return f"challenge:{{{challenge_id}}}:movement:taken:{on.isoformat()}"


def joined_cut(challenge_id: uuid.UUID | str, on: date) -> str:
    """ZSET with one member, "cut": the board score of 0 votes at the first entry number made
    on UTC day ``on`` (``scores.encode(0, n)``). A day-start score at or below it belongs to a
    member whose first entry came that day: they were not on the board at 00:00."""
    return f"challenge:{{{challenge_id}}}:movement:joined:{on.isoformat()}"
