"""The RQ worker: one Flask app per worker process, created at start-up, not at import.

Production: ``rq worker --worker-class jobs.worker.AppWorker --with-scheduler --url $REDIS_URL
default`` (one or more).
Development: ``python -m jobs.worker`` (``make run`` does this).

It outlives Redis outages: RQ's own loop already waits and retries when Redis drops while it
listens for jobs (``dequeue_job_and_maintain_ttl``); ``main`` closes the other gaps: it waits
for Redis at start-up (RQ would crash registering the worker), and starts a fresh worker when
RQ's loop gave up on a Redis error elsewhere (a heartbeat, its maintenance, its teardown).

``--with-scheduler`` matters: a failed job's retries (``Retry(interval=...)``) wait in RQ's
ScheduledJobRegistry, and only a worker running RQ's scheduler moves them back to the queue
when due (a lock makes one worker do it). This is not rq-scheduler, which runs our recurring
jobs (``jobs.schedule``). RQ's scheduler is a child process that dies on a Redis error (a
restart, a dropped connection), and RQ starts it again only in its maintenance, every ten
minutes, while an idle worker wakes every ~7 minutes: a finalization's 30 s retry after a Redis
blip waited that long. ``AppWorker`` wakes every ``WORKER_SCHEDULER_CHECK_SECONDS`` and starts
a scheduler that died at once.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import redis
from flask import Flask
from rq import Queue, Worker

from challenges import create_app
from challenges.config import load_env_file
from challenges.extensions import db
from challenges.heap import freeze_startup_heap

from .connection import rq_connection

log = logging.getLogger(__name__)

REDIS_DOWN = (redis.ConnectionError, redis.TimeoutError)
FIRST_RETRY = 0.5  # seconds before retrying after a Redis error; doubles up to MAX_RETRY
MAX_RETRY = 10.0


def worker_app() -> Flask:
    """The worker process's app, built once and its heap frozen (``challenges.heap``): each
    job's work horse is a fork of this process and inherits the freeze."""
    app = create_app()
    freeze_startup_heap()
    return app


class AppWorker(Worker):
    """An RQ worker whose jobs run inside one app context, pushed for the worker's lifetime.

    RQ forks a work horse per job; the horse inherits the context, and starts with a fresh
    connection pool, because database connections must never be shared across a fork.
    """

    # RQ's wait between reconnection attempts while listening grows to 60 s by default: capped
    # lower, a worker is back within seconds of Redis.
    max_connection_wait_time = MAX_RETRY

    def __init__(self, *args: Any, app: Flask | None = None, **kwargs: Any) -> None:
        # First: RQ's constructor reads ``dequeue_timeout`` (its connection's socket timeout).
        self.app = app or worker_app()  # tests pass theirs
        super().__init__(*args, **kwargs)
        self.stop_signalled = False

    def request_stop(self, signum: int, frame: Any) -> None:
        """SIGTERM or SIGINT: a warm shutdown, remembered so ``main`` does not start again."""
        self.stop_signalled = True
        super().request_stop(signum, frame)

    @property
    def dequeue_timeout(self) -> int:
        """How long an idle worker waits for a job before its loop runs again (a heartbeat, and
        the maintenance check below): RQ's ``worker_ttl`` - 15 s (~7 min by default), capped at
        ``WORKER_SCHEDULER_CHECK_SECONDS``."""
        return max(1, min(super().dequeue_timeout,
                          int(self.app.config["WORKER_SCHEDULER_CHECK_SECONDS"])))

    @property
    def should_run_maintenance_tasks(self) -> bool:
        """RQ's maintenance when due (every ``maintenance_interval``), and at once when the
        scheduler process this worker started has died: RQ's maintenance starts it again."""
        return super().should_run_maintenance_tasks or self._scheduler_died()

    def _scheduler_died(self) -> bool:
        # ``_process`` is RQ's own handle on the child: its maintenance reads it the same way.
        process = self.scheduler._process if self.scheduler is not None else None
        # Only after the first maintenance: RQ leaves a scheduler alone until then (``work``
        # starts it), and a worker whose scheduler lock another holds has no process.
        return self.last_cleaned_at is not None and process is not None \
            and not process.is_alive()

    def work(self, *args: Any, **kwargs: Any) -> bool:
        with self.app.app_context():
            return super().work(*args, **kwargs)

    def main_work_horse(self, *args: Any, **kwargs: Any) -> None:
        db.engine.dispose(close=False)
        super().main_work_horse(*args, **kwargs)


def wait_for_redis(connection: redis.Redis, stop: threading.Event | None = None) -> None:
    """Block until Redis answers a PING, retrying with backoff and logging each failure."""
    delay = FIRST_RETRY
    while stop is None or not stop.is_set():
        try:
            connection.ping()
            return
        except REDIS_DOWN as error:
            log.warning("worker: Redis unavailable (%s); retrying in %g s", error, delay)
            time.sleep(delay)
            delay = min(delay * 2, MAX_RETRY)


def main() -> None:
    """``python -m jobs.worker``: work until SIGTERM or SIGINT, through Redis outages."""
    load_env_file()  # .env at the project root, under the real environment
    logging.basicConfig(level=logging.INFO)
    app = worker_app()
    connection = rq_connection(app.config["REDIS_URL"])
    queue = Queue(app.config["RQ_QUEUE"], connection=connection)
    while True:
        wait_for_redis(connection)
        worker = AppWorker([queue], connection=connection, app=app)
        try:
            worker.work(with_scheduler=True)  # moves due retries (and other scheduled jobs) back
        except REDIS_DOWN as error:  # raised from RQ's teardown, with Redis gone
            log.warning("worker: Redis unavailable (%s); starting again", error)
            continue
        # work() returns on a stop request (SIGTERM, Ctrl-C), or when it gave up on an error
        # it logged (a Redis timeout among them): only the first ends the process.
        if worker.stop_signalled:
            return
        log.warning("worker: RQ's loop ended without a stop request; starting again")
        time.sleep(FIRST_RETRY)


if __name__ == "__main__":
    main()
