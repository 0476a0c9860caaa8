"""The RQ worker: one Flask app per worker process, created at start-up, not at import.

Production: ``rq worker --worker-class jobs.worker.AppWorker --with-scheduler --url $REDIS_URL
default`` (one or more).
Development: ``python -m jobs.worker`` (``make run`` does this).

``--with-scheduler`` matters: a failed job's retries (``Retry(interval=...)``) wait in RQ's
ScheduledJobRegistry, and only a worker running RQ's scheduler moves them back to the queue
when due (a lock makes one worker do it). This is not rq-scheduler, which runs our recurring
jobs (``jobs.schedule``).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from rq import Queue, Worker

from challenges import create_app
from challenges.extensions import db

from .connection import rq_connection


class AppWorker(Worker):
    """An RQ worker whose jobs run inside one app context, pushed for the worker's lifetime.

    RQ forks a work horse per job; the horse inherits the context, and starts with a fresh
    connection pool, because database connections must never be shared across a fork.
    """

    def __init__(self, *args: Any, app: Flask | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.app = app or create_app()

    def work(self, *args: Any, **kwargs: Any) -> bool:
        with self.app.app_context():
            return super().work(*args, **kwargs)

    def main_work_horse(self, *args: Any, **kwargs: Any) -> None:
        db.engine.dispose(close=False)
        super().main_work_horse(*args, **kwargs)


def main() -> None:
    logging.basicConfig(level=logging.INFO)
    app = create_app()
    connection = rq_connection(app.config["REDIS_URL"])
    queue = Queue(app.config["RQ_QUEUE"], connection=connection)
    worker = AppWorker([queue], connection=connection, app=app)
    worker.work(with_scheduler=True)  # moves due retries (and other scheduled jobs) back


if __name__ == "__main__":
    main()
