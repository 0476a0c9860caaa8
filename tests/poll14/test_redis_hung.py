"""A hung Redis (stopped, or cut off by a partition: it accepts connections and never answers)
costs a poll one wait of the client's socket timeout, not one per try: the fastpoll middleware,
the view and the page path each asked it again, three seconds a poll, which under load would
hold every worker while Redis hangs. The poll then answers from SQL ("Live updates paused")."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from challenges import recently, redisguard
from challenges.extensions import get_redis, init_redis
from challenges.leaderboard.sessions import identity_key

from ..core.helpers import submit
from .conftest import redis_just_failed
from .test_fastpoll import current_version, url

HTMX = {"HX-Request": "true"}


class HungRedis:
    """A TCP server that accepts connections and reads nothing back: every command sent to it
    waits out the client's socket timeout. ``connections`` counts the tries that reached it
    (redis-py drops a connection that timed out, so each try opens a new one)."""

    def __init__(self) -> None:
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def connections(self) -> int:
        return len(self._held)

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._server.accept()
            except OSError:  # closed: the test is over
                return
            self._held.append(connection)

    def close(self) -> None:
        self._server.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept (close alone does not)
        self._server.close()
        self._thread.join(timeout=5)
        for connection in self._held:
            connection.close()


@contextmanager
def redis_hung(app: Any) -> Iterator[HungRedis]:
    """The app's Redis client pointed at a ``HungRedis`` (its config's 1 s socket timeout)."""
    hung, saved = HungRedis(), app.extensions["wc_redis"]
    app.extensions["wc_redis"] = init_redis({**app.config,
                                             "REDIS_URL": f"redis://127.0.0.1:{hung.port}/0"})
    try:
        yield hung
    finally:
        app.extensions["wc_redis"] = saved
        hung.close()


def test_a_poll_the_middleware_takes_waits_on_a_hung_redis_once(app, client, board):
    version = current_version(client, board)
    with redis_hung(app) as hung:
        answer = client.get(url(board, version - 1), headers=HTMX)
    assert answer.status_code == 200
    assert b"Live updates paused" in answer.get_data()  # the board from SQL
    assert hung.connections == 1  # the middleware's try; the view did not ask again


def test_a_poll_only_the_view_takes_waits_on_a_hung_redis_once(app, client, board):
    with redis_hung(app) as hung:
        answer = client.get(url(board, None), headers=HTMX)  # no version: the view's own
    assert answer.status_code == 200
    assert b"Live updates paused" in answer.get_data()
    assert hung.connections == 1  # the view's try; the page path did not ask again


def test_a_members_poll_waits_on_a_hung_redis_once(app, client, board, login, make_user):
    """The SQL board loads the member, whose session copy for the polls is written on every
    load this process has not made a moment ago: after the poll's own failure, that write
    waits for a few seconds rather than for Redis."""
    me = make_user()
    submit(board, me)
    login(client, me)
    version = current_version(client, board)
    recently.forget_all()  # as in another worker process: the copy is due to be written
    with redis_hung(app) as hung:
        answer = client.get(url(board, version - 1), headers=HTMX)
    assert answer.status_code == 200 and b"Live updates paused" in answer.get_data()
    assert b"is-you" in answer.get_data()  # the member's row, from SQL
    assert hung.connections == 1


def test_the_session_copy_is_written_again_once_the_pause_is_over(app, client, login,
                                                                   make_user, monkeypatch,
                                                                   redis_client):
    member = make_user()
    key = identity_key(member.session_token)
    redis_just_failed()  # a poll just found Redis failing
    login(client, member)
    assert redis_client.get(key) is None  # not written during the pause
    later = time.monotonic() + redisguard.QUIET_AFTER_FAILURE + 0.1
    monkeypatch.setattr(recently.time, "monotonic", lambda: later)
    client.get("/")  # a page load writes it again
    assert get_redis().get(key) is not None
