"""The Redis connection RQ uses (raw bytes, as RQ expects), from the same REDIS_URL as the app."""

from __future__ import annotations

import redis
from flask import current_app


def rq_connection(url: str | None = None) -> redis.Redis:
    return redis.Redis.from_url(url or current_app.config["REDIS_URL"])
