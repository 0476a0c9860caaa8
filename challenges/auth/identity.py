"""A Redis copy of who owns each live session token, so polls can tell who is asking without
SQL. Written when a request loads the user; deleted when the token is rotated (logout, password
change). If Redis forgets it, a poll simply shows no "you" row until the next page load."""

from __future__ import annotations

from contextlib import suppress
from datetime import timedelta

import redis

from ..extensions import get_redis
from ..leaderboard import keys
from ..models import User

TTL = int(timedelta(days=30).total_seconds())  # as long as a remember cookie lives


def remember_identity(user: User) -> None:
    with suppress(redis.RedisError, OSError):  # only polls use it; they degrade to anonymous
        get_redis().set(keys.session_identity(user.session_token),
                        f"{user.id}|{user.username}|{user.role}", ex=TTL)


def forget_identity(session_token: str) -> None:
    # If Redis is unreachable the copy expires on its own; the token already loads nobody.
    with suppress(redis.RedisError, OSError):
        get_redis().delete(keys.session_identity(session_token))
