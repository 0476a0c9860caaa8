"""Asking for a rebuild: a page read that finds a board missing queues one job, and reads SQL.

The job (``jobs.leaderboards.rebuild_board``) runs on a worker; requests coalesce on a marker
and a fixed job id, so a thousand page reads of a flushed board queue one rebuild. With
``LEADERBOARD_REBUILD_ASYNC`` off (the tests) RQ runs the job at once in the caller
(``Queue(is_async=False)``), which keeps every test that reads a board deterministic.
"""

from __future__ import annotations

import logging
import uuid

from rq.exceptions import DuplicateJobError

from ..extensions import get_queue, get_redis
from . import keys

log = logging.getLogger(__name__)
REQUEST_TTL = 300  # a request whose job died is forgotten after this long (seconds)
JOB = "jobs.leaderboards.rebuild_board"


def job_id(challenge_id: uuid.UUID | str) -> str:
    """The fixed id of a board's rebuild job: one queued at a time."""
    return f"leaderboard-rebuild-{challenge_id}"


def request_rebuild(challenge_id: uuid.UUID) -> bool:
    """Queue a rebuild of this board unless one is already asked for. Returns whether this call
    queued it. Raises Redis errors (the caller serves SQL either way)."""
    if not get_redis().set(keys.rebuild_requested(challenge_id), 1, nx=True, ex=REQUEST_TTL):
        return False
    try:
        get_queue().enqueue(JOB, str(challenge_id), job_id=job_id(challenge_id), unique=True,
                         job_timeout=1800, result_ttl=0, failure_ttl=600)
    except DuplicateJobError:
        return False
    log.info("leaderboard %s: rebuild queued", challenge_id)
    return True
