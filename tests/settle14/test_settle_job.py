"""The settle job (issue 14): a vote's request only makes sure one job is queued (one Redis
command), a worker grants the rewards of every vote waiting, and ``VoteCast`` (the bell's "first
vote") follows once per vote, added by the job itself. Here RQ runs asynchronously, as in
production, and a real RQ worker (``SimpleWorker``, in this process) drains the queue; the
other tests of the suite run the job inline."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from rq import Queue, SimpleWorker
from sqlalchemy import func, select

from challenges.extensions import db, get_queue, get_redis
from challenges.models import ChallengeVote
from challenges.services.vote_rewards import (
    SETTLE_JOB,
    SETTLE_LINGER,
    SETTLE_PAUSE,
    VOTES_TO_SETTLE,
    settle_waiting,
)

from ..core.helpers import submit, vote
from ..core.test_leaderboard import own_redis  # noqa: F401  (a fixture: a Valkey we may stop)
from ..notifications.test_bell_events import news
from ..rewards.helpers import points


@pytest.fixture
def queue(app: Flask) -> Iterator[Queue]:
    """The app's queue, asynchronous as in production, emptied before and after."""
    app.config["LEADERBOARD_REBUILD_ASYNC"] = True
    get_redis().delete(VOTES_TO_SETTLE)
    queued = get_queue()
    queued.empty()
    yield queued
    queued.empty()
    app.config["LEADERBOARD_REBUILD_ASYNC"] = False


def settle_jobs(queue: Queue) -> int:
    return sum(1 for job in queue.get_jobs() if job.func_name == SETTLE_JOB)


def unrewarded() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(ChallengeVote)
                             .where(ChallengeVote.rewarded_at.is_(None))) or 0


def run_worker(queue: Queue, max_jobs: int | None = None) -> None:
    """A real RQ worker, in this process and app context, until the queue is empty (or it ran
    ``max_jobs``)."""
    SimpleWorker([queue], connection=queue.connection).work(burst=True, max_jobs=max_jobs)


def test_votes_queue_one_job_and_the_worker_settles_them_all_once(
        queue, make_challenge, make_user):
    challenge, author = make_challenge("active"), make_user()
    entries = [submit(challenge, author, title=f"E{i}") for i in range(3)]
    voters = [make_user() for _ in range(4)]
    for voter in voters:
        for entry in entries:
            vote(entry, voter)

    # Twelve votes, one job: the marker stands until the job starts.
    assert settle_jobs(queue) == 1
    assert unrewarded() == 12
    assert points(author) == 50 * 3
    assert news(author, "first_vote") == []  # told with the rewards, not before

    # One job in all: the notifications are added by the settle job itself, not queued as
    # one more job (a fork on a real worker) per vote.
    run_worker(queue, max_jobs=1)
    assert queue.count == 0

    assert unrewarded() == 0
    assert points(author) == 50 * 3 + 12 * 2
    assert [points(v) for v in voters] == [3 * 5] * 4
    assert len(news(author, "first_vote")) == 3  # one per entry, each once
    assert get_redis().get(VOTES_TO_SETTLE) is None


def test_a_vote_after_the_job_started_queues_the_next_one(queue, make_challenge, make_user):
    challenge, author, voter, later = (make_challenge("active"), make_user(), make_user(),
                                       make_user())
    entry = submit(challenge, author)
    vote(entry, voter)
    run_worker(queue)  # the job deleted the marker before it read the votes waiting
    assert unrewarded() == 0

    vote(entry, later)
    assert settle_jobs(queue) == 1
    run_worker(queue)
    assert unrewarded() == 0 and points(later) == 5


def test_a_lost_marker_job_is_forgotten_and_the_next_vote_queues_another(
        queue, make_challenge, make_user):
    """A marker whose job was lost (the queue emptied under it) expires; until then the votes
    wait (the sweep's business), after it the next vote queues a job again."""
    challenge, author = make_challenge("active"), make_user()
    entry = submit(challenge, author)
    vote(entry, make_user())
    queue.empty()  # the job is lost
    vote(entry, make_user())
    assert settle_jobs(queue) == 0 and unrewarded() == 2

    get_redis().delete(VOTES_TO_SETTLE)  # as its TTL (MARKER_TTL) would
    vote(entry, make_user())
    run_worker(queue)
    assert unrewarded() == 0  # the job takes every vote waiting, not only its own


def test_with_redis_down_the_vote_settles_its_own_rewards(
        own_redis, app, make_challenge, make_user):  # noqa: F811
    """No Redis to queue the job: the request grants the rewards itself, as before the queue."""
    challenge, author, voter = make_challenge("active"), make_user(), make_user()
    entry = submit(challenge, author)
    own_redis.stop()
    app.config["LEADERBOARD_REBUILD_ASYNC"] = True  # a queued job would not run here
    try:
        vote(entry, voter)
    finally:
        app.config["LEADERBOARD_REBUILD_ASYNC"] = False
    assert unrewarded() == 0
    assert points(voter) == 5 and points(author) == 50 + 2


def test_a_job_lingers_while_votes_come_and_they_queue_no_other(queue, make_challenge,
                                                                  make_user):
    """On a real worker the job stays while votes keep coming (up to ``SETTLE_LINGER``),
    reading them every pause with the marker still set, so those votes queue no job of their
    own; it leaves at the first read that finds none, deletes the marker, and the next vote
    queues a job again. The pauses are the test's (each casts the next vote), not sleeps."""
    challenge, author = make_challenge("active", max_submissions_per_user=5), make_user()
    entries = [submit(challenge, author, title=f"E{i}") for i in range(3)]
    voters = [make_user() for _ in range(4)]
    vote(entries[0], voters[0])
    [job] = queue.get_jobs()
    assert job.kwargs == {"linger": SETTLE_LINGER}  # a real worker's job lingers
    pauses: list[float] = []

    def pause(seconds: float) -> None:  # a vote arrives during each of the first two pauses
        pauses.append(seconds)
        if len(pauses) <= 2:
            vote(entries[len(pauses)], voters[len(pauses)])

    settled = settle_waiting(linger=SETTLE_LINGER, wait=pause)

    assert settled == 3
    assert pauses == [SETTLE_PAUSE] * 3  # the third read found nothing: it left
    assert settle_jobs(queue) == 1  # the first vote's; the two during the linger queued none
    assert unrewarded() == 0
    assert get_redis().get(VOTES_TO_SETTLE) is None
    queue.empty()
    vote(entries[0], voters[3])
    assert settle_jobs(queue) == 1  # the marker is gone: the next vote queues a job

