"""RELIABILITY #28 through RQ's own bookkeeping: a worker SIGKILLed in the middle of
finalize_challenge leaves its job STARTED; once the execution's lease runs out RQ declares it
abandoned (``AbandonedJobError``, recorded in the job's meta by our failure callback) and, with
retries left, schedules it again (after the last retry it would stay in the FailedJobRegistry:
tests/rewards/test_jobs.py). The retry, run by a fresh worker, gives exactly the ranking,
ledger and payouts of an uninterrupted run: each reward once."""

from __future__ import annotations

import time

import pytest
from rq import Queue
from rq.job import Job, JobStatus
from rq.registry import ScheduledJobRegistry, StartedJobRegistry

from jobs.connection import rq_connection
from jobs.finalize import enqueue_finalization, job_id
from jobs.worker import AppWorker
from tests.rewards.helpers import finalize
from tests.rewards.processes import wait_for
from tests.rewards.test_finalization import assert_same_outcome, nothing_final


@pytest.mark.slow
def test_a_finalization_abandoned_by_a_killed_worker_is_retried_to_the_same_result(
        app, twins, spawn, redis_url):
    """RELIABILITY #28: kill -9 mid-finalize, RQ notices the abandoned job and retries it; the
    retry's result equals the uninterrupted twin's."""
    challenge, reference = twins
    finalize(reference)
    connection = rq_connection(redis_url)
    queue = Queue(app.config["RQ_QUEUE"], connection=connection)

    worker = spawn("worker", "jobs.worker", FINALIZE_PAUSE_AFTER_STEP="ledger")
    assert enqueue_finalization(challenge.id)

    def half_way() -> bool:
        meta = Job.fetch(job_id(challenge.id), connection=connection).get_meta()
        return meta.get("paused_after") == "ledger"

    wait_for(half_way, 60, "the job to finish its ledger step", (worker,))
    worker.kill_group()
    job = Job.fetch(job_id(challenge.id), connection=connection)
    assert job.get_status() == JobStatus.STARTED  # nobody told RQ
    assert nothing_final(challenge.id)

    # What RQ's maintenance does once the dead worker's execution lease has expired (a live
    # worker would have renewed it): far enough in the future that it has.
    StartedJobRegistry(queue=queue).cleanup(timestamp=time.time() + 2 * 3600)

    job = Job.fetch(job_id(challenge.id), connection=connection)
    assert job.get_status() == JobStatus.SCHEDULED  # retried with backoff, not lost
    assert "AbandonedJobError" in job.get_meta()["failures"][-1]["error"]
    scheduled = ScheduledJobRegistry(queue=queue)
    assert job.id in scheduled.get_job_ids()

    scheduled.requeue(job)  # the backoff has passed (RQ's scheduler would do this)
    assert AppWorker([queue], connection=connection, app=app).work(burst=True)
    assert Job.fetch(job_id(challenge.id), connection=connection).get_status() == \
        JobStatus.FINISHED
    assert_same_outcome(challenge, reference)
