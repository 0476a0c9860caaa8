"""The phase job persists each transition exactly once, however often and concurrently it runs."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from rq import Queue
from sqlalchemy import select

from challenges.extensions import db
from challenges.models import ChallengeStatus, WeeklyChallenge
from challenges.services import phases
from jobs.connection import rq_connection
from jobs.phases import advance_phases
from jobs.schedule import build_scheduler, register, schedule
from jobs.worker import AppWorker


@pytest.fixture
def recorded_transitions():
    """Record every transition the handlers see (the side effects fire once per transition)."""
    seen = []
    handler = phases.on_transition(seen.append)
    yield seen
    phases._handlers.remove(handler)


def statuses():
    db.session.expire_all()
    return {c.slug: c.status for c in db.session.scalars(select(WeeklyChallenge))}


def test_advance_phases_moves_each_status_to_the_clock(frozen_clock, make_challenge):
    upcoming = make_challenge("upcoming", status="upcoming")
    starting = make_challenge("active", status="upcoming")
    closing = make_challenge("voting", status="active")
    ending = make_challenge("completed", status="voting")
    draft = make_challenge("active", status="draft")
    cancelled = make_challenge("active", status="cancelled")

    assert advance_phases() == 3
    assert statuses() == {
        upcoming.slug: "upcoming", starting.slug: "active", closing.slug: "voting",
        ending.slug: "completed", draft.slug: "draft", cancelled.slug: "cancelled",
    }


def test_advance_phases_twice_performs_each_transition_once(
    frozen_clock, make_challenge, recorded_transitions
):
    """RELIABILITY #29: jobs run twice or concurrently change nothing twice."""
    challenge = make_challenge("upcoming", status="upcoming")
    assert advance_phases() == 0
    frozen_clock.set(challenge.starts_at)
    assert advance_phases() == 1
    assert advance_phases() == 0
    frozen_clock.set(challenge.submission_deadline)
    assert advance_phases() == 1
    frozen_clock.set(challenge.voting_deadline)
    assert advance_phases() == 1
    assert advance_phases() == 0
    assert [(t.old, t.new) for t in recorded_transitions] == [
        (ChallengeStatus.UPCOMING, ChallengeStatus.ACTIVE),
        (ChallengeStatus.ACTIVE, ChallengeStatus.VOTING),
        (ChallengeStatus.VOTING, ChallengeStatus.COMPLETED),
    ]


def test_an_editor_moving_dates_back_moves_the_status_back(frozen_clock, make_challenge):
    challenge = make_challenge("active", status="active")
    challenge.starts_at = frozen_clock.now + timedelta(days=1)
    challenge.submission_deadline = frozen_clock.now + timedelta(days=3)
    db.session.commit()
    assert advance_phases() == 1
    assert statuses()[challenge.slug] == "upcoming"


@pytest.mark.postgres_only
def test_concurrent_runs_perform_each_transition_exactly_once(
    app, frozen_clock, make_challenge, recorded_transitions
):
    """RELIABILITY #29: jobs run twice or concurrently change nothing twice."""
    due = [make_challenge("active", status="upcoming") for _ in range(25)]
    runs = 4
    barrier = threading.Barrier(runs)
    counts: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                counts.append(advance_phases())
        except BaseException as exc:  # surfaced below, not hidden
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert sum(counts) == len(due)
    assert sorted(t.slug for t in recorded_transitions) == sorted(c.slug for c in due)
    assert set(statuses().values()) == {"active"}


def test_scheduler_registration_is_idempotent_and_the_job_runs_in_a_worker(
    app, make_challenge, redis_url
):
    """The real pipeline: rq-scheduler enqueues the phase job, an RQ worker (forked work horse,
    app context created once) runs it against the database."""
    make_challenge("active", status="upcoming")
    scheduler = build_scheduler(app)
    register(scheduler, schedule(app))
    register(scheduler, schedule(app))  # a second scheduler starting up
    expected = sorted(job.id for job in schedule(app))
    assert sorted(job.id for job in scheduler.get_jobs()) == expected

    scheduler.enqueue_jobs()  # what the scheduler loop does when a job is due
    connection = rq_connection(redis_url)
    queue = Queue(app.config["RQ_QUEUE"], connection=connection)
    assert queue.count == len(expected)
    worker = AppWorker([queue], connection=connection, app=app)
    assert worker.work(burst=True)
    assert queue.count == 0
    assert set(statuses().values()) == {"active"}
    # Rescheduled for their next runs, still exactly one entry each.
    assert sorted(job.id for job in scheduler.get_jobs()) == expected
