"""The schedule, and the rq-scheduler process that runs it.

Production: ``python -m jobs.schedule`` (one or more; a Redis lock lets one act at a time, and
every job is idempotent for the moments two do).

The schedule heals itself: the process registers every recurring job at start and, every cycle
(``SCHEDULER_INTERVAL_SECONDS``), registers again any that Redis lost (a FLUSHALL, a restart
without its data, an expired job hash). It outlives Redis outages: a connection error is logged
and retried with backoff, at start-up too. Every recurring job runs through ``run_recurring``,
which records the job's heartbeat when it completes; ``/readyz`` reports the stale ones.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from types import FrameType
from typing import Any

import redis
from flask import Flask, current_app
from rq import Queue
from rq.job import Job
from rq.utils import import_attribute
from rq_scheduler import Scheduler

from challenges import create_app
from challenges.clock import utcnow
from challenges.config import load_env_file
from challenges.extensions import get_redis
from challenges.health.heartbeats import record_heartbeat
from challenges.notifications.outbox import SEND_DUE_TIMEOUT

from .connection import rq_connection

log = logging.getLogger(__name__)

# Redis errors that mean "not reachable right now": wait and try again, never crash.
REDIS_DOWN = (redis.ConnectionError, redis.TimeoutError)
FIRST_RETRY = 0.5  # seconds before the first retry after a Redis error; doubles up to MAX_RETRY
MAX_RETRY = 10.0
# A finished run's result (the job hash) must outlive the interval: rq-scheduler drops a
# repeating job whose hash has expired when it comes due, and the schedule silently stops.
MIN_RESULT_TTL = 3600
# By dotted path: as ``python -m jobs.schedule`` this module is ``__main__``, a name the worker
# could not import.
RUN_RECURRING = "jobs.schedule.run_recurring"


@dataclass(frozen=True)
class Recurring:
    """One recurring job: a fixed id (so a second scheduler replaces, never duplicates), the
    dotted path of its function, and how often it runs."""

    id: str
    func: str
    every: timedelta
    timeout: int = 600

    @property
    def interval(self) -> int:
        return int(self.every.total_seconds())

    @property
    def result_ttl(self) -> int:
        """How long a finished run's job hash stays: three intervals, at least an hour."""
        return max(MIN_RESULT_TTL, 3 * self.interval)

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
        # Notification emails whose moment has come (challenges/notifications/due.py).
        Recurring(id="notify-due", func="jobs.notify.queue_due_notifications",
                  every=timedelta(minutes=1)),
        # Webhook retries that are due, and any delivery whose job was lost.
        Recurring(id="deliver-due-webhooks",
                  func="challenges.webhooks.jobs.deliver_due_webhooks",
                  every=timedelta(minutes=1)),
        # Frozen boards (issue #13): the public board's copy at each challenge's freeze moment.
        Recurring(id="take-frozen-boards", func="challenges.freeze.jobs.take_frozen_boards",
                  every=timedelta(minutes=1)),
        # Analytics rollups (challenges/analytics/rollups.py): nightly; each run stores only
        # what is not final yet, so the first run backfills and later ones stay small.
        Recurring(id="analytics-rollups", func="jobs.analytics.store_rollups",
                  every=timedelta(days=1), timeout=1800),
        # The day-start snapshot of every open board (challenges/movement): each run takes
        # the ones today lacks, so it acts in the first minute of each UTC day.
        Recurring(id="movement-snapshots",
                  func="challenges.movement.jobs.take_day_start_snapshots",
                  every=timedelta(minutes=1)),
        # Vote rings (challenges/trust/rings.py): each run re-reads the last day of votes.
        Recurring(id="detect-vote-rings", func="jobs.trust.detect_vote_rings",
                  every=timedelta(minutes=15)),
        # settle14 (issue 14): votes whose rewards a crash left unsettled.
        Recurring(id="sweep-vote-rewards", func="jobs.settle.sweep_vote_rewards",
                  every=timedelta(minutes=1)),
    ]


def run_recurring(job_id: str) -> Any:
    """Run the recurring job ``job_id`` (what the scheduler queues for every recurring job), and
    record its heartbeat once it completes. One wrapper for all, so no job can forget the
    heartbeat; a run that raises records none, and ``/readyz`` reports it after two intervals.
    Runs in the worker, inside the app context."""
    job = {job.id: job for job in schedule(current_app)}[job_id]
    result = import_attribute(job.func)()
    record_heartbeat(get_redis(), job.id, utcnow())
    return result


def register(scheduler: Scheduler, jobs: list[Recurring]) -> None:
    """(Re)register the recurring jobs under fixed ids: starting two schedulers, or restarting
    one, replaces the entries instead of adding duplicates. The first run is due at once."""
    for job in jobs:
        if job.id in scheduler:
            scheduler.cancel(job.id)
        scheduler.schedule(
            scheduled_time=utcnow().replace(tzinfo=None),
            func=RUN_RECURRING,
            args=[job.id],
            interval=job.interval,
            repeat=None,
            id=job.id,
            description=f"{job.func}() [recurring {job.id}]",
            timeout=job.timeout,
            result_ttl=job.result_ttl,
        )


def missing(scheduler: Scheduler, jobs: list[Recurring]) -> list[Recurring]:
    """The recurring jobs Redis no longer holds: not in rq-scheduler's sorted set, or without
    their job hash (which rq-scheduler needs to queue them). One pipeline round trip."""
    with scheduler.connection.pipeline(transaction=False) as pipe:
        for job in jobs:
            pipe.zscore(scheduler.scheduled_jobs_key, job.id)
            pipe.exists(Job.key_for(job.id))
        found = pipe.execute()
    return [job for job, score, held in zip(jobs, found[::2], found[1::2], strict=True)
            if score is None or not held]


def run_cycle(scheduler: Scheduler, jobs: list[Recurring]) -> list[str]:
    """One scheduler pass: under rq-scheduler's lock (one scheduler acts at a time), register
    again any recurring job Redis lost, then queue every job that is due. Returns the ids it
    registered again (empty when another scheduler holds the lock)."""
    scheduler.heartbeat()
    if not scheduler.acquire_lock():
        return []
    try:
        lost = missing(scheduler, jobs)
        if lost:
            register(scheduler, lost)
            log.warning("scheduler: %s missing from Redis; registered again",
                        ", ".join(job.id for job in lost))
        scheduler.enqueue_jobs()
    finally:
        scheduler.remove_lock()
    return [job.id for job in lost]


def build_scheduler(app: Flask) -> Scheduler:
    """An rq-scheduler on the app's Redis and queue, cycling every SCHEDULER_INTERVAL_SECONDS."""
    connection = rq_connection(app.config["REDIS_URL"])
    queue = Queue(app.config["RQ_QUEUE"], connection=connection)
    return Scheduler(
        queue=queue, connection=connection, interval=app.config["SCHEDULER_INTERVAL_SECONDS"]
    )


def run(scheduler: Scheduler, jobs: list[Recurring], stop: threading.Event) -> None:
    """The scheduler loop, until ``stop`` is set: register everything once Redis answers,
    then one ``run_cycle`` per interval. A Redis error (down, restarting, timing out) is logged
    and retried after a backoff (FIRST_RETRY doubling to MAX_RETRY), never fatal."""
    registered = False
    delay = FIRST_RETRY
    interval = float(scheduler._interval)  # noqa: SLF001 (rq-scheduler keeps it there)
    try:
        while not stop.is_set():
            started = time.monotonic()
            try:
                if not registered:
                    register(scheduler, jobs)
                    scheduler.register_birth()
                    registered = True
                    log.info("scheduler: %s",
                             ", ".join(f"{j.id} every {j.every}" for j in jobs))
                run_cycle(scheduler, jobs)
            except REDIS_DOWN as error:
                log.warning("scheduler: Redis unavailable (%s); retrying in %g s", error, delay)
                stop.wait(delay)
                delay = min(delay * 2, MAX_RETRY)
                continue
            if delay != FIRST_RETRY:
                log.info("scheduler: Redis is back")
                delay = FIRST_RETRY
            stop.wait(max(0.0, interval - (time.monotonic() - started)))
    finally:
        _leave(scheduler)


def _leave(scheduler: Scheduler) -> None:
    """Release the lock and record the scheduler's death, if Redis still answers."""
    try:
        scheduler.remove_lock()
        scheduler.register_death()
    except REDIS_DOWN:
        log.info("scheduler: Redis unavailable at shutdown; its keys expire on their own")


def main() -> None:
    """``python -m jobs.schedule``: run the schedule until SIGTERM or SIGINT."""
    load_env_file()  # .env at the project root, under the real environment
    logging.basicConfig(level=logging.INFO)
    app = create_app()
    scheduler = build_scheduler(app)
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        log.info("scheduler: stopping")
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    run(scheduler, schedule(app), stop)


if __name__ == "__main__":
    main()
