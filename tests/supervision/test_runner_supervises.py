"""``make run`` supervises its children: a SIGKILLed worker, scheduler or embedded Valkey is
restarted within 10 s, while the web keeps answering ``/healthz`` the whole time; after Valkey
comes back (same socket, same append-only file) a vote still reaches the board.

RELIABILITY.md #28 (kill -9 the worker) and #31 (Redis restarts mid-voting), at the level of the
process manager.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest
import redis

from challenges.leaderboard import keys
from tests.test_runner import (
    CSRF_INPUT,
    Browser,
    Run,
    embedded_valkey,
    free_port,
    leftover_processes,
)

pytestmark = [pytest.mark.slow, pytest.mark.sqlite_only]

RESTART_WITHIN = 10.0
DEMO_PASSWORD = "demo-password"  # noqa: S105 (the demo data's shared password)
VOTER = "creativemind"


@pytest.fixture
def run(tmp_path: Path) -> Iterator[Run]:
    instance, port = tmp_path / "instance", free_port()
    started = Run(instance, port, tmp_path / "run.log")
    yield started
    if started.process.poll() is None or leftover_processes(instance, port):
        started.kill()


class HealthWatch:
    """Polls ``/healthz`` in a thread from start to stop and keeps every failure."""

    def __init__(self, url: str) -> None:
        self.url, self.failures, self.polls = url + "/healthz", [], 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        while not self.done.wait(0.1):
            self.polls += 1
            try:
                with urllib.request.urlopen(self.url, timeout=2) as response:
                    if response.status != 200:
                        self.failures.append(f"status {response.status}")
            except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
                self.failures.append(repr(error))

    def __enter__(self) -> HealthWatch:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join(timeout=5)


def child_pid(run: Run, mark: str) -> int | None:
    """The pid of the runner's child whose command line contains ``mark`` (the top one: the
    worker's work horses and gunicorn's workers are its descendants)."""
    with contextlib.suppress(psutil.NoSuchProcess):
        for child in psutil.Process(run.process.pid).children(recursive=True):
            with contextlib.suppress(psutil.NoSuchProcess, psutil.ZombieProcess):
                if child.status() != psutil.STATUS_ZOMBIE and mark in " ".join(child.cmdline()):
                    parent = child.parent()
                    if parent is None or mark not in " ".join(parent.cmdline()):
                        return child.pid
    return None


def valkey_answers(instance: Path) -> bool:
    from challenges.config import embedded_redis_socket

    try:
        with redis.Redis(unix_socket_path=str(embedded_redis_socket(instance)),
                         socket_timeout=1) as client:
            return bool(client.ping())
    except redis.RedisError:
        return False


def kill_and_wait_for_restart(run: Run, mark: str, ready: Callable[[], bool]) -> float:
    """SIGKILL the child named by ``mark``; return the seconds until a new one is up."""
    old = run.wait_for(f"a {mark} process", lambda: child_pid(run, mark) is not None, 30)
    assert old
    pid = child_pid(run, mark)
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    killed_at = time.monotonic()

    def replaced() -> bool:
        new = child_pid(run, mark)
        return new is not None and new != pid and ready()

    run.wait_for(f"{mark} restarted", replaced, RESTART_WITHIN + 5)
    return time.monotonic() - killed_at


def entry_to_vote_on(instance: Path) -> tuple[uuid.UUID, uuid.UUID, bool]:
    """A demo entry in the voting challenge by someone else than VOTER: (challenge, entry,
    whether VOTER has voted for it)."""
    connection = sqlite3.connect(instance / "challenges.db")
    try:
        voter_id = connection.execute("SELECT id FROM users WHERE username = ?",
                                      (VOTER,)).fetchone()[0]
        challenge_id, entry_id = connection.execute(
            "SELECT s.challenge_id, s.id FROM challenge_submissions s "
            "JOIN weekly_challenges c ON c.id = s.challenge_id "
            "WHERE c.slug = 'tiny-worlds' AND s.user_id != ? ORDER BY s.id LIMIT 1",
            (voter_id,)).fetchone()
        voted = connection.execute(
            "SELECT count(*) FROM challenge_votes WHERE submission_id = ? AND voter_id = ?",
            (entry_id, voter_id)).fetchone()[0] == 1
    finally:
        connection.close()
    return uuid.UUID(challenge_id), uuid.UUID(entry_id), voted


def post_from_page(browser: Browser, page: str, action: str) -> int:
    """POST ``page/action`` with the CSRF token of ``page``, as its button does."""
    match = CSRF_INPUT.search(browser.get(page))
    assert match, f"no csrf_token on {page}"
    body = urllib.parse.urlencode({"csrf_token": match.group(1), "next": page}).encode()
    with browser.opener.open(f"{browser.url}{page}/{action}", data=body, timeout=10) as answer:
        return answer.status


def test_runner_restarts_a_killed_worker_scheduler_and_valkey_while_healthz_answers(run):
    run.wait_for("home page", run.home_page_ok, timeout=90)
    challenge_id, entry_id, voted = entry_to_vote_on(run.instance)
    browser = Browser(run.url)
    # Boards are built on first read, by a job queued behind the demo data's own jobs.
    browser.get("/challenges/tiny-worlds")
    with embedded_valkey(run.instance) as valkey:
        run.wait_for("the board built", lambda: valkey.exists(keys.built(challenge_id)) == 1, 120)
    with HealthWatch(run.url) as health:
        for mark in ("jobs.worker", "jobs.schedule"):
            took = kill_and_wait_for_restart(run, mark, lambda: True)
            assert took < RESTART_WITHIN, run.log()
        took = kill_and_wait_for_restart(run, "valkey-server",
                                         lambda: valkey_answers(run.instance))
        assert took < RESTART_WITHIN, run.log()

        log = run.log()
        for name in ("worker", "scheduler", "valkey"):
            assert f"{name} exited with -9; restarting in" in log, log

        # After the Valkey restart (same socket, same AOF) a vote still reaches the board.
        status, _ = browser.post_form("/login", {"login": VOTER, "password": DEMO_PASSWORD})
        assert status == 200
        with embedded_valkey(run.instance) as valkey:
            before = valkey.zscore(keys.submissions(challenge_id), str(entry_id))
            assert before is not None
            action = "unvote" if voted else "vote"
            status = post_from_page(browser, f"/challenges/tiny-worlds/submissions/{entry_id}",
                                    action)
            assert status == 200

            def board_moved() -> bool:
                after = valkey.zscore(keys.submissions(challenge_id), str(entry_id))
                if before is None or after is None:
                    return False
                return after < before if voted else after > before

            run.wait_for("the vote on the board", board_moved, 10)
    assert health.polls > 10  # it polled all along (0.1 s apart on a busy machine)
    assert health.failures == [], run.log()
