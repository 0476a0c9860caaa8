"""The finalization job (SPEC §7): enqueued by the phase job, or run by hand with
``flask challenges finalize SLUG``. Progress is reported in the job's meta, and every failed
attempt's error too (RQ itself records the exception only once the retries are used up).

Test hook: with ``FINALIZE_PAUSE_AFTER_STEP`` set to a step name ("ranking", "ledger",
"payouts"), a job run by a worker stops once that step is complete (as the next one starts),
inside its open transaction, until something pushes to ``resume_key(challenge_id)`` (or
``PAUSE_TIMEOUT`` passes); its meta then carries ``paused_after``. It pauses once per job.
Tests use it to kill a worker half-way through at a known point. Never set it in production.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from flask import current_app
from rq import Callback, Queue, Retry, get_current_job
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from challenges.clock import utcnow
from challenges.services.finalization import STEPS
from challenges.services.finalization import finalize_challenge as finalize_service
from challenges.transactions import commit_with_retry

from .connection import rq_connection

log = logging.getLogger(__name__)
PENDING = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED}
PAUSE_TIMEOUT = 300


def finalize_challenge(challenge_id: str) -> dict[str, Any]:
    """Finalize one challenge in one transaction; a rerun after a crash or a success is safe."""
    job = get_current_job()
    pause_after = current_app.config.get("FINALIZE_PAUSE_AFTER_STEP")

    def progress(step: str, done: int) -> None:
        if job is None:
            return
        job.meta["progress"] = {"step": step, "done": done}
        pause = (pause_after in STEPS and "paused_after" not in job.meta
                 and STEPS.index(step) > STEPS.index(pause_after))
        if pause:
            job.meta["paused_after"] = pause_after
        job.save_meta()
        if pause:
            job.connection.blpop([resume_key(challenge_id)], timeout=PAUSE_TIMEOUT)

    result = commit_with_retry(
        lambda: finalize_service(uuid.UUID(challenge_id), utcnow(), progress)
    )
    log.info("finalize %s: %s", challenge_id, result)
    return {"ranked": result.ranked, "ledger_rows": result.ledger_rows,
            "payouts": result.payouts, "already_done": result.already_done}


def record_failure(job: Job, connection: Any, exc_type: type, exc: BaseException,
                   traceback: Any) -> None:
    """RQ's on_failure callback: keep each failed attempt's error in the job's meta, so a job
    waiting for its retry shows why it failed (``rq info``, the admin)."""
    job.meta.setdefault("failures", []).append(
        {"at": utcnow().isoformat(), "error": f"{exc_type.__name__}: {exc}"}
    )
    job.save_meta()


def job_id(challenge_id: uuid.UUID | str) -> str:
    return f"finalize-{challenge_id}"


def resume_key(challenge_id: uuid.UUID | str) -> str:
    """What a job paused by FINALIZE_PAUSE_AFTER_STEP waits on (tests only)."""
    return f"finalize:resume:{challenge_id}"


def enqueue_finalization(challenge_id: uuid.UUID) -> bool:
    """Queue finalization unless a run is already pending; failures retry with backoff."""
    connection = rq_connection()
    try:
        existing = Job.fetch(job_id(challenge_id), connection=connection)
        if existing.get_status() in PENDING:
            return False
    except NoSuchJobError:
        pass
    queue = Queue(current_app.config["RQ_QUEUE"], connection=connection)
    queue.enqueue(
        "jobs.finalize.finalize_challenge",
        str(challenge_id),
        job_id=job_id(challenge_id),
        job_timeout=1800,
        result_ttl=7 * 24 * 3600,
        failure_ttl=30 * 24 * 3600,  # failed runs stay inspectable (`rq info`, the admin)
        retry=Retry(max=5, interval=[30, 120, 600, 1800, 3600]),
        on_failure=Callback(record_failure),
    )
    return True
