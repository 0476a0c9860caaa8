"""The schedule, and the rq-scheduler process that runs it.

Production: ``python -m jobs.schedule`` (one or more; a Redis lock lets one act at a time, and
every job is idempotent for the moments two do).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask
from rq import Queue
from rq_scheduler import Scheduler

from challenges import create_app
from challenges.clock import utcnow
from challenges.notifications.outbox import SEND_DUE_TIMEOUT

from .connection import rq_connection

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recurring:
    id: str
    func: str
    every: timedelta
    timeout: int = 600


def schedule(app: Flask) -> list[Recurring]:
    """Every recurring job. Later features add theirs here."""
    return [
        Recurring(
            id="advance-phases",
            func="jobs.phases.advance_phases",
            every=timedelta(seconds=app.config["PHASE_JOB_INTERVAL_SECONDS"]),
        ),
        Recurring(
            id="reconcile-leaderboards",
            func="jobs.leaderboards.reconcile_boards",
            every=timedelta(seconds=app.config["RECONCILE_INTERVAL_SECONDS"]),
            timeout=1800,
        ),
        Recurring(
            id="flush-sponsor-counters",
            func="jobs.stats.flush_sponsor_counters",
            every=timedelta(minutes=1),
        ),
        # The outbox sweep: retries due, and anything whose send job was lost.
        Recurring(id="send-due-email", func="jobs.mail.send_due", every=timedelta(minutes=1),
                  timeout=SEND_DUE_TIMEOUT),
    ]


def register(scheduler: Scheduler, jobs: list[Recurring]) -> None:
    """(Re)register the recurring jobs under fixed ids: starting two schedulers, or restarting
    one, replaces the entries instead of adding duplicates. The first run is due at once."""
    for job in jobs:
        if job.id in scheduler:
            scheduler.cancel(job.id)
        scheduler.schedule(
            scheduled_time=utcnow().replace(tzinfo=None),
            func=job.func,
            interval=int(job.every.total_seconds()),
            repeat=None,
            id=job.id,
            timeout=job.timeout,
            result_ttl=3600,
        )


def build_scheduler(app: Flask) -> Scheduler:
    connection = rq_connection(app.config["REDIS_URL"])
    queue = Queue(app.config["RQ_QUEUE"], connection=connection)
    return Scheduler(
        queue=queue, connection=connection, interval=app.config["SCHEDULER_INTERVAL_SECONDS"]
    )


def main() -> None:
    logging.basicConfig(level=logging.INFO)
    app = create_app()
    scheduler = build_scheduler(app)
    jobs = schedule(app)
    register(scheduler, jobs)
    log.info("scheduler: %s", ", ".join(f"{j.id} every {j.every}" for j in jobs))
    scheduler.run()


if __name__ == "__main__":
    main()
