"""The finalization job in RQ: failed runs are retried with backoff and stay inspectable, and final
ranks match the live Redis board at the voting deadline."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from click.testing import CliRunner
from rq import Queue
from rq.cli import main as rq_cli
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry, ScheduledJobRegistry

from challenges.clock import utcnow
from challenges.leaderboard.live import board_for_page
from challenges.models import Role
from jobs.connection import rq_connection
from jobs.finalize import enqueue_finalization, job_id
from jobs.worker import AppWorker

from ..core.helpers import redis_board, redis_order, sql_truth, submit, unvote, vote
from .helpers import disqualify, final_ranks, finalize, withdraw

BACKOFF = [30, 120, 600, 1800, 3600]


def test_a_failed_finalization_is_retried_with_backoff_and_stays_inspectable(
    app, make_challenge, redis_url
):
    """A finalization enqueued before the voting deadline raises NotFinished. Each failure
    schedules a retry further away (30 s, 2 min, 10 min, 30 min, 1 h) with the error kept in the
    job's meta; a worker's RQ scheduler brings a retry back when it is due (made due here
    instead of waiting); after the last retry the job sits in the failed registry with its
    exception, which is what ``rq info`` counts."""
    challenge = make_challenge("voting")
    connection = rq_connection(redis_url)
    queue = Queue(app.config["RQ_QUEUE"], connection=connection)
    scheduled, failed = ScheduledJobRegistry(queue=queue), FailedJobRegistry(queue=queue)
    assert enqueue_finalization(challenge.id)
    assert not enqueue_finalization(challenge.id)  # queued: not queued twice

    for attempt, interval in enumerate(BACKOFF, start=1):
        started = time.time()
        AppWorker([queue], connection=connection, app=app).work(burst=True, with_scheduler=True)
        job = Job.fetch(job_id(challenge.id), connection=connection)
        assert job.get_status() == JobStatus.SCHEDULED
        assert job.retries_left == len(BACKOFF) - attempt
        failures = job.get_meta()["failures"]
        assert len(failures) == attempt
        assert failures[-1]["error"] == ("NotFinished: Voting has not closed yet; "
                                         "results cannot be final.")
        due = scheduled.get_scheduled_time(job).timestamp() - started
        assert interval - 1 <= due <= interval + 5, (attempt, due)
        assert not enqueue_finalization(challenge.id)  # a retry is pending: no second job
        scheduled.schedule(job, datetime.now(UTC) - timedelta(seconds=1))  # time passes

    AppWorker([queue], connection=connection, app=app).work(burst=True, with_scheduler=True)
    job = Job.fetch(job_id(challenge.id), connection=connection)
    assert job.get_status() == JobStatus.FAILED
    assert job.id in failed.get_job_ids()
    assert "NotFinished" in job.latest_result().exc_string
    assert len(job.get_meta()["failures"]) == len(BACKOFF) + 1

    info = CliRunner().invoke(rq_cli, ["info", "--url", redis_url, "--raw", "--only-queues",
                                       app.config["RQ_QUEUE"]])
    assert info.exit_code == 0, info.output
    assert "1 failed" in info.output
    # Once voting closes, the phase job's enqueue starts a fresh run (the failed one is no
    # longer pending).
    assert enqueue_finalization(challenge.id)


def test_final_ranks_come_from_sql_and_match_the_redis_board_at_the_deadline(
    app, monkeypatch, frozen_clock, make_challenge, make_user, redis_client
):
    """Ties everywhere: on 3 (plain votes, verified votes weighing 1.5, a user with two
    entries), on 1 and on 0, broken by the earlier first entry; a disqualified entry and a
    withdrawn one drop out; a withdrawn vote stops counting.

    RELIABILITY #31: Redis emptied: boards and ranks come from SQL."""
    monkeypatch.setitem(app.config, "VERIFIED_VOTE_WEIGHT", 1.5)
    monkeypatch.setitem(app.config, "UNVERIFIED_VOTE_WEIGHT", 1.0)  # "plain" votes count 1
    challenge = make_challenge("active")
    board_for_page(challenge, None, utcnow())  # built: every later change is written to Redis
    names = ["a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9"]
    users = {name: make_user(username=name) for name in names}
    entry = {}
    for key, name in [("e1", "a0"), ("e2", "a1"), ("e3", "a2"), ("e4", "a3"), ("e5", "a4"),
                      ("e6", "a5"), ("e7", "a6"), ("e8", "a7"), ("e9", "a3"), ("e10", "a4"),
                      ("e11", "a8"), ("e12", "a9")]:
        entry[key] = submit(challenge, users[name], title=key)
    plain = [make_user(is_verified=False) for _ in range(5)]
    verified = [make_user(is_verified=True) for _ in range(3)]
    p0, p1, p2, p3, p4 = plain
    v0, v1, v2 = verified
    for key, voters in [("e1", [p0, p1, p2]), ("e2", [v0, v1]), ("e3", [v0, p0, p1]),
                        ("e4", [p0]), ("e9", [p1, p2]), ("e5", [p3]), ("e10", plain),
                        ("e8", plain), ("e11", [v2]), ("e12", [p4])]:
        for voter in voters:
            vote(entry[key], voter)
    unvote(entry["e3"], p1)
    withdraw(entry["e8"])
    disqualify(entry["e10"], make_user(role=Role.EDITOR))

    frozen_clock.set(challenge.voting_deadline)
    order = redis_order(redis_client, challenge)
    expected = ["a0", "a1", "a3", "a2", "a8", "a4", "a9", "a5", "a6"]
    assert order == [users[name].id for name in expected]
    assert redis_board(redis_client, challenge) == {
        user_id: counted for user_id, counted, _ in sql_truth(challenge)}

    finalize(challenge)
    assert final_ranks(challenge.id) == {user_id: i for i, user_id in enumerate(order, start=1)}
