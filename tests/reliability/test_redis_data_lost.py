"""RELIABILITY #31 and #34: Redis holds derived state only. When it restarts empty (no AOF:
boards, queued jobs, the schedule all gone), votes keep counting, the boards come back from SQL,
the phase job derives every missed status change from the database's timestamps, re-queues
every finalization that was lost, and final ranks come from SQL alone."""

from __future__ import annotations

from datetime import UTC, datetime

from rq import Queue
from sqlalchemy import select

from challenges.clock import utcnow
from challenges.extensions import db
from challenges.leaderboard import keys
from challenges.leaderboard.live import board_for_page
from challenges.leaderboard.standings import standings_from_votes
from challenges.models import WeeklyChallenge
from challenges.phase import phase_at
from jobs.connection import rq_connection
from jobs.finalize import enqueue_finalization
from jobs.leaderboards import reconcile_boards
from jobs.phases import advance_phases
from jobs.worker import AppWorker
from tests.core.helpers import redis_board, sql_truth, submit, vote
from tests.rewards.helpers import final_ranks, finalize


def test_redis_restarting_empty_mid_voting_loses_no_vote_and_ranks_come_from_sql(
        own_redis, client, login, make_challenge, make_user, frozen_clock):
    """RELIABILITY #31: a real Valkey stopped mid-voting and started again empty. Votes during
    the outage count (no 500), the reconcile job rebuilds the board equal to SQL, and
    finalization, with Redis emptied once more, ranks from SQL only."""
    challenge = make_challenge("voting")
    authors = [make_user() for _ in range(4)]
    frozen_clock.set(challenge.starts_at)  # entries while active
    entries = [submit(challenge, author) for author in authors]
    frozen_clock.set(challenge.submission_deadline)  # voting
    for i, entry in enumerate(entries):
        for _ in range(i):
            vote(entry, make_user())
    board_for_page(challenge, None, utcnow())
    assert own_redis.client.exists(keys.board(challenge.id))

    own_redis.stop()
    voter = make_user()
    login(client, voter)
    for entry in entries[:2]:  # the two that trail: the order changes during the outage
        response = client.post_form(
            f"/challenges/{challenge.slug}/submissions/{entry.id}/vote")
        assert response.status_code == 302
        for _ in range(3):
            vote(entry, make_user())
    own_redis.start()  # empty, as after a restart without AOF
    assert not own_redis.client.exists(keys.board(challenge.id))

    reconcile_boards()
    truth = {user_id: counted for user_id, counted, _ in sql_truth(challenge)}
    assert redis_board(own_redis.client, challenge) == truth
    assert truth[authors[0].id] == 4.0 and truth[authors[3].id] == 3.0

    own_redis.client.flushall()  # and lost again just before the results
    frozen_clock.set(challenge.voting_deadline)
    finalize(challenge)
    ranks = final_ranks(challenge.id)
    assert sorted(ranks, key=ranks.__getitem__) == [
        row[0] for row in standings_from_votes(challenge.id)]


def test_after_redis_lost_everything_the_phase_job_catches_up_from_database_timestamps(
        app, make_challenge, redis_client, redis_url):
    """RELIABILITY #34: statuses that lag the clock and finalizations whose queued jobs were
    lost are all recovered by one phase-job run, from the timestamps in the database."""
    missed_start = make_challenge("active", status="upcoming")
    missed_voting = make_challenge("voting", status="active")
    missed_end = make_challenge("completed", status="voting")
    lost_job = make_challenge("completed", status="completed")  # final status, never finalized
    assert enqueue_finalization(lost_job.id)  # queued before the crash ...
    redis_client.flushall()  # ... and gone with everything else (no AOF)
    connection = rq_connection(redis_url)
    queue = Queue(app.config["RQ_QUEUE"], connection=connection)
    assert queue.count == 0

    advance_phases()

    db.session.expire_all()
    now = datetime.now(UTC)
    for challenge in (missed_start, missed_voting, missed_end, lost_job):
        saved = db.session.get(WeeklyChallenge, challenge.id)
        assert saved.status == phase_at(saved, now).value, challenge.slug
    assert queue.count == 2  # both finalizations queued again
    assert AppWorker([queue], connection=connection, app=app).work(burst=True)
    db.session.expire_all()
    finalized = set(db.session.scalars(select(WeeklyChallenge.slug).where(
        WeeklyChallenge.finalized_at.is_not(None))))
    assert finalized == {missed_end.slug, lost_job.slug}
