"""Heartbeats of the recurring jobs: recorded when a run completes, read by ``/readyz``.

A job is *stale* when its heartbeat is missing or older than ``STALE_AFTER`` times its interval:
one missed run is tolerated (a slow run, a worker restart), two mean the schedule is not
running it (lost from Redis, the scheduler or the worker down, or the job failing every time).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import cast

import redis

from . import keys

STALE_AFTER = 2
# Long enough to outlive any interval; short enough that the heartbeat of a job removed from
# the schedule does not stay in Redis forever.
HEARTBEAT_TTL = timedelta(days=7)


def record_heartbeat(client: redis.Redis, job_id: str, now: datetime) -> None:
    """Record that recurring job ``job_id`` completed at ``now``."""
    client.set(keys.heartbeat(job_id), repr(now.timestamp()), ex=HEARTBEAT_TTL)


def stale_jobs(client: redis.Redis, intervals: Mapping[str, timedelta],
               now: datetime) -> list[str]:
    """The ids (in ``intervals`` order) of the jobs whose last heartbeat is missing or older
    than ``STALE_AFTER`` times their interval. One MGET, whatever the number of jobs."""
    ids = list(intervals)
    if not ids:
        return []
    values = cast("list[str | bytes | None]",
                  client.mget([keys.heartbeat(job_id) for job_id in ids]))
    stale = []
    for job_id, value in zip(ids, values, strict=True):
        limit = STALE_AFTER * intervals[job_id].total_seconds()
        if value is None or now.timestamp() - float(value) > limit:
            stale.append(job_id)
    return stale
