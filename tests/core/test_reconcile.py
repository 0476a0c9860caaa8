"""The reconcile job and the lock-free rebuild (issue #8 §2): Redis is derived state; whatever
happens to it while votes keep coming, one reconcile run brings every open board back to what
the database says, and a rebuild never blocks a vote nor loses one."""

from __future__ import annotations

import logging
import threading

import pytest
from rq import Queue
from sqlalchemy import event, update

from challenges.clock import utcnow
from challenges.extensions import db, get_redis
from challenges.leaderboard import keys
from challenges.leaderboard import rebuild as rebuild_module
from challenges.leaderboard.live import board_for_page
from challenges.leaderboard.rebuild import rebuild
from challenges.leaderboard.rebuild_queue import job_id
from challenges.leaderboard.scores import encode
from challenges.leaderboard.standings import sql_board_version
from challenges.models import ChallengeSubmission, User, WeeklyChallenge
from challenges.services.entries import withdraw_entry
from challenges.services.votes import cast_vote
from challenges.transactions import commit_with_retry
from jobs.connection import rq_connection
from jobs.leaderboards import reconcile_boards
from jobs.schedule import schedule
from jobs.worker import AppWorker

from ..support.concurrency import run_concurrently
from .helpers import submit, vote
from .test_leaderboard_property import assert_redis_matches_sql

VOTERS_PER_THREAD = 6


def open_board(make_challenge, make_user, authors=4):
    """An active challenge with ``authors`` entries and a few votes, its board built in Redis."""
    challenge = make_challenge("active")
    entries = [submit(challenge, make_user()) for _ in range(authors)]
    for i, entry in enumerate(entries):
        for _ in range(i % 3):
            vote(entry, make_user())
    board_for_page(challenge, None, utcnow())
    return challenge, entries


class Voters:
    """Threads that keep casting votes through the service while the test breaks Redis."""

    def __init__(self, app, make_user, entries, threads=2):
        self.app = app
        self.entry_ids = [e.id for e in entries]
        self.voters = [[make_user().id for _ in range(VOTERS_PER_THREAD)] for _ in range(threads)]
        self.cast = 0
        self.errors: list[BaseException] = []
        self.first_votes = threading.Event()
        self._lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(ids,)) for ids in self.voters]

    def _run(self, voter_ids):
        with self.app.app_context():
            try:
                for voter_id in voter_ids:
                    voter = db.session.get(User, voter_id)
                    for entry_id in self.entry_ids:
                        commit_with_retry(lambda e=entry_id, v=voter: cast_vote(e, v, utcnow()))
                        with self._lock:
                            self.cast += 1
                        self.first_votes.set()
            except BaseException as error:  # reported to the test
                self.errors.append(error)
                self.first_votes.set()
            finally:
                db.session.remove()

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        assert self.first_votes.wait(30)
        return self

    def __exit__(self, *exc):
        for thread in self.threads:
            thread.join(60)
        assert not any(t.is_alive() for t in self.threads), "a voter thread hung"
        assert not self.errors, self.errors


def test_reconcile_rebuilds_a_flushed_board_while_votes_continue(app, make_challenge, make_user,
                                                                 redis_client):
    """RELIABILITY #31: Redis emptied: boards and ranks come from SQL."""
    challenge, entries = open_board(make_challenge, make_user)
    other, other_entries = open_board(make_challenge, make_user, authors=3)
    with Voters(app, make_user, entries + other_entries) as voters:
        redis_client.flushdb()
        before = voters.cast
        result = reconcile_boards()
    assert before < voters.cast == 2 * VOTERS_PER_THREAD * 7
    assert {str(challenge.id), str(other.id)} <= set(result["fixed"])
    for board in (challenge, other):
        assert_redis_matches_sql(redis_client, board)
        # Never behind the database's version (the sum of the member versions): a widget
        # served from SQL meanwhile refreshes; +1 for the repair's announcement.
        assert int(redis_client.get(keys.version(board.id))) >= _db_version(board)


def test_reconcile_repairs_a_corrupted_score_while_votes_continue(app, make_challenge,
                                                                  make_user, redis_client,
                                                                  caplog):
    """RELIABILITY #33: Redis equals SQL after faults and reconcile."""
    challenge, entries = open_board(make_challenge, make_user)
    victim = entries[1]
    with Voters(app, make_user, entries) as voters:
        redis_client.zadd(keys.board(challenge.id), {victim.user_id: 9999.0})
        redis_client.zadd(keys.submissions(challenge.id), {str(entries[2].id): 12.5})
        redis_client.zrem(keys.board(challenge.id), entries[3].user_id)
        redis_client.zadd(keys.board(challenge.id), {"424242": 3.0})  # nobody's entry
        with caplog.at_level(logging.WARNING, logger="challenges.leaderboard.reconcile"):
            result = reconcile_boards()
    assert voters.cast == 2 * VOTERS_PER_THREAD * 4
    fixed = result["fixed"][str(challenge.id)]["board"]
    assert fixed["members_removed"] == 1  # the others may have been healed by a vote first
    assert "repaired" in caplog.text
    assert_redis_matches_sql(redis_client, challenge)


def test_reconcile_changes_nothing_on_a_healthy_board_and_twice_at_once_is_safe(
    app, make_challenge, make_user, redis_client
):
    challenge, _ = open_board(make_challenge, make_user)
    assert reconcile_boards()["fixed"] == {}
    redis_client.zadd(keys.board(challenge.id), {"424242": 3.0})
    results = run_concurrently(app, lambda i: reconcile_boards(), 2)
    assert not any(isinstance(r, BaseException) for r in results), results
    assert_redis_matches_sql(redis_client, challenge)
    assert reconcile_boards()["fixed"] == {}


def test_reconcile_repairs_drifted_counters_and_logs_each_fix(make_challenge, make_user,
                                                              redis_client, caplog):
    challenge, entries = open_board(make_challenge, make_user)
    entry = entries[2]  # two votes
    db.session.execute(update(ChallengeSubmission).where(ChallengeSubmission.id == entry.id)
                       .values(vote_count=7, counted_votes=7.0))
    db.session.execute(update(WeeklyChallenge).where(WeeklyChallenge.id == challenge.id)
                       .values(submission_count=1, participant_count=9))
    db.session.commit()
    redis_client.zadd(keys.board(challenge.id), {entry.user_id: encode(7.0, entry.entry_number)})

    with caplog.at_level(logging.WARNING, logger="challenges.leaderboard.counters"):
        result = reconcile_boards()
    fixes = result["fixed"][str(challenge.id)]["counters"]
    # Entry, entries, participants; total_votes is derived from the entries (issue #14): the
    # entry's repair mended it.
    assert len(fixes) == 3 and len(caplog.records) == 3
    db.session.expire_all()
    fresh = db.session.get(ChallengeSubmission, entry.id)
    assert (fresh.vote_count, fresh.counted_votes) == (2, 2.0)
    row = db.session.get(WeeklyChallenge, challenge.id)
    assert (row.total_votes, row.submission_count, row.participant_count) == (3, 4, 4)
    assert_redis_matches_sql(redis_client, challenge)
    assert reconcile_boards()["fixed"] == {}  # idempotent


def test_completed_challenges_are_not_reconciled(make_challenge, make_user, redis_client):
    done = make_challenge("completed")
    redis_client.set(keys.built(done.id), 1)
    assert reconcile_boards()["checked"] == 0


@pytest.mark.parametrize("built", [True, False], ids=["board-built", "board-missing"])
def test_a_rebuild_interleaved_with_votes_loses_no_vote(make_challenge, make_user, redis_client,
                                                        monkeypatch, built):
    """Between its chunks the rebuild's snapshot is already read, and votes commit: on members
    already loaded, on members not loaded yet, and a withdrawal. The swapped-in board has all of
    them. (Were the rebuild holding the challenge row lock, these votes could not commit.)"""
    monkeypatch.setattr(rebuild_module, "CHUNK", 2)
    challenge, entries = open_board(make_challenge, make_user, authors=6)
    if not built:
        redis_client.flushdb()
    voters = [make_user() for _ in range(3)]
    author_of_last = db.session.get(User, entries[-1].user_id)
    seen: list[int] = []

    def between_chunks(loaded: int) -> None:
        seen.append(loaded)
        if len(seen) == 1:  # after the first chunk: every entry gets a vote
            for entry in entries:
                vote(entry, voters[0])
        elif len(seen) == 2:
            vote(entries[0], voters[1])
            commit_with_retry(lambda: withdraw_entry(entries[-1].id, author_of_last, utcnow()))
        elif len(seen) == 4:
            vote(entries[1], voters[2])

    snapshot = _db_version(challenge)
    version = rebuild(get_redis(), challenge.id, utcnow(), between_chunks)
    assert len(seen) >= 4, seen  # the votes really landed mid-rebuild
    # The staged sum of the member versions, or one more than the old board's if that was not
    # smaller: never back, and every open widget refreshes.
    assert version >= _db_version(challenge) > snapshot
    assert_redis_matches_sql(redis_client, challenge)
    assert not redis_client.exists(keys.floor(challenge.id))  # per-member versions now
    assert not redis_client.exists(keys.staging_active(challenge.id))
    vote(entries[2], voters[1])  # after the swap, writes land as usual
    assert_redis_matches_sql(redis_client, challenge)


def test_a_late_write_older_than_the_rebuild_does_not_come_back(make_challenge, make_user,
                                                                redis_client):
    from challenges.leaderboard.store import BoardUpdate, MemberValue, apply

    challenge, entries = open_board(make_challenge, make_user)
    rebuild(get_redis(), challenge.id, utcnow())
    stale = BoardUpdate(challenge.id, utcnow().date(),  # as of the member's first version
                        members=[MemberValue(entries[0].user_id, "x", 5000.0, version=1)])
    apply(get_redis(), stale)
    assert_redis_matches_sql(redis_client, challenge)


def test_a_page_read_of_a_missing_board_queues_one_rebuild_and_reads_sql(
    app, client, make_challenge, make_user, redis_client, redis_url, monkeypatch
):
    monkeypatch.setitem(app.config, "LEADERBOARD_REBUILD_ASYNC", True)  # as in production
    challenge, entries = open_board(make_challenge, make_user)
    redis_client.flushdb()
    writes: list[str] = []

    def record(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE")) or \
                "FOR UPDATE" in statement.upper():
            writes.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        page = client.get(f"/challenges/{challenge.slug}/").get_data(as_text=True)
        fragment = client.get(f"/challenges/{challenge.slug}/leaderboard/live?v=0")
        client.get(f"/challenges/{challenge.slug}/leaderboard/")
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert "Live updates paused" in page
    assert fragment.status_code == 200 and "Live updates paused" in fragment.get_data(as_text=True)
    assert not [w for w in writes if "weekly_challenges" in w], writes  # no row lock taken
    assert not redis_client.exists(keys.built(challenge.id))

    connection = rq_connection(redis_url)
    queue = Queue(app.config["RQ_QUEUE"], connection=connection)
    assert queue.job_ids == [job_id(challenge.id)]  # three reads, one job
    AppWorker([queue], connection=connection, app=app).work(burst=True)
    assert_redis_matches_sql(redis_client, challenge)
    assert "Live updates paused" not in client.get(f"/challenges/{challenge.slug}/").get_data(
        as_text=True)


def test_the_scheduler_runs_the_reconcile_job_every_configured_interval(app, monkeypatch):
    monkeypatch.setitem(app.config, "RECONCILE_INTERVAL_SECONDS", 90)
    jobs = {job.id: job for job in schedule(app)}
    assert jobs["reconcile-leaderboards"].func == "jobs.leaderboards.reconcile_boards"
    assert jobs["reconcile-leaderboards"].every.total_seconds() == 90


def _db_version(challenge) -> int:
    db.session.expire_all()
    return sql_board_version(challenge.id)

