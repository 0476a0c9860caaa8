"""The Redis copy of who owns each live session token, so a leaderboard poll can tell who is
asking without SQL (docs/decisions.md, "The poll path runs no SQL").

Written when a request loads the user (login, remember cookie, page load); read by the poll;
deleted when the token is rotated (logout, password change). If Redis forgets it, a poll simply
shows no "you" row until the next page load.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from typing import cast

import redis

from ..extensions import get_redis
from ..recently import recently
from . import keys

TTL = int(timedelta(days=30).total_seconds())  # as long as a remember cookie lives
MAX_TOKEN_LENGTH = 64
# A copy this process wrote less than this long ago is not written again: the 30-day TTL needs
# no refresh on every page load. If Redis lost it, polls show no "you" row until a page load
# after this long.
WRITTEN_AGAIN_AFTER = 60.0


@dataclass(frozen=True)
class Viewer:
    """Who is polling, as the session copy says."""

    user_id: int
    username: str
    role: str


def identity_key(session_token: str | None) -> str | None:
    """The key of ``session_token``'s copy, or None for a token no session can have."""
    if not session_token or len(session_token) > MAX_TOKEN_LENGTH:
        return None
    return keys.session_identity(session_token)


def remember_session(session_token: str, user_id: int, username: str, role: str) -> None:
    """Store (or refresh) who owns ``session_token``; never fails the request for it. The same
    copy written by this process in the last ``WRITTEN_AGAIN_AFTER`` seconds is not written
    again (every page load of a member calls this)."""
    key = identity_key(session_token)
    if key is None:
        return
    value = encode_viewer(Viewer(user_id, username, role))
    written = recently("session-copies", WRITTEN_AGAIN_AFTER)
    if written.seen(key, value):
        return
    try:
        get_redis().set(key, value, ex=TTL)
    except (redis.RedisError, OSError):  # only polls use it; they degrade to anonymous (while
        return  # Redis rests after a failure this fails at once: the next page load writes it)
    written.mark(key, value)


def forget_session(session_token: str) -> None:
    """Drop the copy of a rotated token. If Redis is unreachable the copy expires on its own;
    the token already loads nobody."""
    key = identity_key(session_token)
    if key is None:
        return
    recently("session-copies", WRITTEN_AGAIN_AFTER).forget(key)
    with suppress(redis.RedisError, OSError):
        get_redis().delete(key)


def encode_viewer(viewer: Viewer) -> str:
    return f"{viewer.user_id}|{viewer.username}|{viewer.role}"


def decode_viewer(raw: str | None) -> Viewer | None:
    """The viewer in a stored copy (as read by a poll's pipeline), None if absent."""
    if not raw:
        return None
    user_id, username, role = raw.split("|", 2)
    return Viewer(int(user_id), username, role)


def viewer_from_token(client: redis.Redis, session_token: str | None) -> Viewer | None:
    """Who is polling, from the Redis copy of their session (no SQL). None if unknown."""
    key = identity_key(session_token)
    return decode_viewer(cast("str | None", client.get(key))) if key else None
