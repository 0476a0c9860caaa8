"""Redis keys of the leaderboards (ARCHITECTURE.md). ``{id}`` is a Cluster hash tag: every key of
one challenge lives in one slot, so the Lua scripts and MULTI blocks below stay legal there."""

from __future__ import annotations

import uuid
from datetime import date


def _prefix(challenge_id: uuid.UUID | str) -> str:
    return f"challenge:{{{challenge_id}}}"


def board(challenge_id: uuid.UUID | str) -> str:
    """ZSET user_id -> counted votes + tie-break fraction."""
    return f"{_prefix(challenge_id)}:leaderboard"


def submissions(challenge_id: uuid.UUID | str) -> str:
    """ZSET submission_id -> counted votes + tie-break fraction (the gallery's "Most voted")."""
    return f"{_prefix(challenge_id)}:submissions"


def day(challenge_id: uuid.UUID | str, on: date) -> str:
    """ZSET user_id -> counted votes received that UTC day ("+N today")."""
    return f"{_prefix(challenge_id)}:leaderboard:day:{on.isoformat()}"


def version(challenge_id: uuid.UUID | str) -> str:
    """The board version shown to pollers: grows with every change of the board (the sum of
    the member versions written, plus one per rebuild and repair; store.py)."""
    return f"{_prefix(challenge_id)}:version"


def built(challenge_id: uuid.UUID | str) -> str:
    """Marker: the sets were built from the database (absent -> rebuild on next read)."""
    return f"{_prefix(challenge_id)}:built"


def names(challenge_id: uuid.UUID | str) -> str:
    """HASH user_id -> username, so reading the board needs no SQL."""
    return f"{_prefix(challenge_id)}:names"


def member_versions(challenge_id: uuid.UUID | str) -> str:
    """HASH "u:<user_id>" / "s:<submission_id>" -> the member version of the stored value (an
    entry's is its author's)."""
    return f"{_prefix(challenge_id)}:memver"


def floor(challenge_id: uuid.UUID | str) -> str:
    """Before issue #14, the global version the last rebuild read; a rebuild deletes it."""
    return f"{_prefix(challenge_id)}:floor"


def meta(challenge_id: uuid.UUID | str) -> str:
    """HASH slug, published, voting_deadline (epoch seconds): what a poll needs to know."""
    return f"{_prefix(challenge_id)}:meta"


def rebuild_lock(challenge_id: uuid.UUID | str) -> str:
    """Lock: one rebuild (or reconcile) of this board at a time; holds the owner's token."""
    return f"{_prefix(challenge_id)}:rebuilding"


def rebuild_requested(challenge_id: uuid.UUID | str) -> str:
    """Marker: a rebuild job is queued for this board (page reads queue one, not one each)."""
    return f"{_prefix(challenge_id)}:rebuild-requested"


def staging(challenge_id: uuid.UUID | str, what: str) -> str:
    """A rebuild's half-built copy of one of the sets above ("board", "subs", "names",
    "day:<date>", "memver", "version")."""
    return f"{_prefix(challenge_id)}:staging:{what}"


def staging_active(challenge_id: uuid.UUID | str) -> str:
    """Marker, present while a rebuild loads staging: every write goes to staging too."""
    return f"{_prefix(challenge_id)}:staging"


def sponsor_counters(challenge_id: uuid.UUID | str) -> str:
    """HASH "<field>:<UTC day>" -> views / clicks / share visits counted since the last flush
    (SPEC §8, §11; ``services.sponsors``)."""
    return f"{_prefix(challenge_id)}:counters"


SPONSOR_COUNTERS_DIRTY = "challenge:counters:dirty"  # SET of challenge ids with unflushed counts


def frozen(challenge_id: uuid.UUID | str) -> str:
    """HASH at (the freeze moment, epoch seconds), participants: the marker of a frozen board
    (issue #13; absent -> take it from the database on the next page read)."""
    return f"{_prefix(challenge_id)}:frozen"


def frozen_board(challenge_id: uuid.UUID | str) -> str:
    """ZSET user_id -> score at the freeze moment (same encoding as ``board``)."""
    return f"{_prefix(challenge_id)}:frozen:board"


def frozen_submissions(challenge_id: uuid.UUID | str) -> str:
    """ZSET submission_id -> counted votes at the freeze moment (the gallery's counts)."""
    return f"{_prefix(challenge_id)}:frozen:subs"


def frozen_names(challenge_id: uuid.UUID | str) -> str:
    """HASH user_id -> username of the frozen board's members."""
    return f"{_prefix(challenge_id)}:frozen:names"


SLUGS = "challenges:slugs"  # HASH slug -> challenge id


def participation(year: int, week: int) -> str:
    """ZSET user_id -> submissions that ISO week, across challenges."""
    return f"challenge:participation:weekly:{year}:{week}"


def session_identity(session_token: str) -> str:
    """STRING "user_id|username|role" for a live session token (polls identify the viewer
    without SQL; deleted when the token is rotated)."""
    return f"auth:session:{session_token}"
