"""While Redis is away the site must stay up (issue #14, found with ``python -m tests.bench.mixed
--valkey-outage down``: every request type timed out). Three parts, each tested here:

- after a Redis failure a process rests Redis for a few seconds (``redisguard``): polls and page
  boards go straight to SQL instead of each waiting out the socket timeout on a hung server,
  and the first read after the pause asks Redis again;
- polls share the SQL board's public rows for ``PAUSED_BOARD_SECONDS`` (one set of aggregates
  per process, not one per poll); a member's own row and the poll right after a vote are read
  afresh;
- a paused widget asks to be polled every 30 s, not every 5 (``wc:slow-tick``).
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from challenges import redisguard
from challenges.clock import utcnow
from challenges.leaderboard import live
from challenges.leaderboard.live import board_for_page
from challenges.pages.views import FRESH_HEADER

from ..core.helpers import submit, vote
from .conftest import redis_just_failed
from .test_redis_hung import redis_hung
from .test_seen import RedisGone

HTMX = {"HX-Request": "true"}


def poll(client: Any, challenge: Any, **headers: str) -> str:
    """An anonymous poll's widget (no version: never a 204)."""
    answer = client.get(f"/challenges/{challenge.slug}/leaderboard/live",
                        headers={**HTMX, **headers})
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def later(monkeypatch: pytest.MonkeyPatch, module: Any, seconds: float) -> None:
    """``module``'s monotonic clock ``seconds`` ahead (its ``time`` is the standard module)."""
    moment = time.monotonic() + seconds
    monkeypatch.setattr(module.time, "monotonic", lambda: moment)


def test_after_a_failure_polls_do_not_ask_redis_until_the_pause_ends(app, client, board,
                                                                      monkeypatch):
    with redis_hung(app) as hung:
        assert "Live updates paused" in poll(client, board)
        assert hung.connections == 1  # this poll waited out the timeout once
        assert "Live updates paused" in poll(client, board)
        assert hung.connections == 1  # resting: the next poll went straight to SQL
        later(monkeypatch, redisguard, redisguard.QUIET_AFTER_FAILURE + 0.1)
        assert "Live updates paused" in poll(client, board)
        assert hung.connections == 2  # the pause is over: Redis asked again


def test_a_page_board_after_a_failure_does_not_wait_on_redis(app, board, monkeypatch):
    with redis_hung(app) as hung, app.test_request_context("/"):
        redis_just_failed()  # a poll of this process just found Redis failing
        page_board = board_for_page(board, None, utcnow())
        assert not page_board.live and page_board.rows  # from SQL
        assert hung.connections == 0
        later(monkeypatch, redisguard, redisguard.QUIET_AFTER_FAILURE + 0.1)
        assert not board_for_page(board, None, utcnow()).live
        assert hung.connections == 1  # asked again after the pause; it failed once more
        assert redisguard.redis_failed_recently()  # and that failure started a new pause


def test_a_failed_page_board_starts_the_pause(app, board):
    with RedisGone(app):
        assert not redisguard.redis_failed_recently()
        assert not board_for_page(board, None, utcnow()).live  # refused: noted
        assert redisguard.redis_failed_recently()


def test_while_resting_a_working_redis_is_not_asked_either(app, board, sends):
    redis_just_failed()
    with app.test_request_context("/"):
        assert not board_for_page(board, None, utcnow()).live
        assert sends == []
    # A job (no request) asks it, and its answer ends the pause for the requests too.
    assert board_for_page(board, None, utcnow()).live
    assert not redisguard.redis_failed_recently()


def test_paused_polls_share_the_sql_rows_a_few_seconds(app, client, board, make_user,
                                                       monkeypatch):
    entry = board.submissions[0]
    with RedisGone(app):
        assert "1 vote" in poll(client, board)
        vote(entry, make_user())
        assert "1 vote" in poll(client, board)  # this process's copy of the rows
        assert "2 votes" in poll(client, board, **{FRESH_HEADER: "1"})  # after one's own vote
        vote(entry, make_user())
        later(monkeypatch, live, live.PAUSED_BOARD_SECONDS + 0.1)
        assert "3 votes" in poll(client, board)  # the copy aged: read again


def test_a_members_own_row_is_read_on_every_paused_poll(app, client, login, make_challenge,
                                                        make_user):
    """The member below the top rows sees their own row move though the rows are a copy."""
    challenge = make_challenge("active")
    for _ in range(live.TOP):  # ten members with two votes each above them
        leader = submit(challenge, make_user())
        vote(leader, make_user())
        vote(leader, make_user())
    me = make_user()
    mine = submit(challenge, me)
    login(client, me)
    board_for_page(challenge, None, utcnow())
    with RedisGone(app):
        first = poll(client, challenge)
        assert "is-you" in first and "0 votes" in first.split("is-you", 1)[1]
        vote(mine, make_user())
        second = poll(client, challenge)
        assert "1 vote" in second.split("is-you", 1)[1]


def test_a_paused_widget_asks_to_be_polled_on_the_slow_tick(app, client, board):
    live_widget = poll(client, board)
    assert 'hx-trigger="wc:tick from:body' in live_widget
    assert "refreshes every few seconds" in live_widget
    with RedisGone(app):
        paused = poll(client, board)
    assert 'hx-trigger="wc:slow-tick from:body' in paused
    assert "tries again every 30 seconds" in paused and "every few seconds" not in paused


def test_a_unix_socket_client_rests_redis_too(app, tmp_path):
    """``make run`` reaches its Valkey through a Unix socket: the same breaker there."""
    import redis
    from redis.connection import UnixDomainSocketConnection

    from challenges.redisguard import guarded_client

    client = guarded_client(f"unix://{tmp_path / 'nobody.sock'}", socket_timeout=1.0)
    assert issubclass(client.connection_pool.connection_class, UnixDomainSocketConnection)
    with app.test_request_context("/"):
        with pytest.raises(redis.ConnectionError) as first:
            client.get("anything")
        assert not isinstance(first.value, redisguard.RedisResting)  # really asked
        with pytest.raises(redisguard.RedisResting):
            client.get("anything")


class Clock:
    """The breaker's monotonic clock (``redisguard.time``), moved by hand."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = 1000.0
        monkeypatch.setattr(redisguard.time, "monotonic", lambda: self.now)


def test_after_the_pause_one_call_probes_while_the_others_still_rest(monkeypatch):
    clock, breaker = Clock(monkeypatch), redisguard.RedisBreaker(seconds=5)
    breaker.check()  # no failure yet: asked
    breaker.note_failure()
    with pytest.raises(redisguard.RedisResting):
        breaker.check()
    clock.now += 5.1
    breaker.check()  # the probe
    with pytest.raises(redisguard.RedisResting):
        breaker.check()  # another thread, while the probe waits for Redis
    breaker.note_answer()  # the probe was answered: Redis is back for everyone
    breaker.check()
    breaker.check()


def test_a_failed_probe_starts_a_new_pause_and_a_lost_one_is_replaced(monkeypatch):
    clock, breaker = Clock(monkeypatch), redisguard.RedisBreaker(seconds=5)
    breaker.note_failure()
    clock.now += 5.1
    breaker.check()  # the probe
    breaker.note_failure()  # it timed out
    clock.now += 4.9
    with pytest.raises(redisguard.RedisResting):
        breaker.check()
    clock.now += 0.2
    breaker.check()  # the next probe; it never reports back (its thread went elsewhere)
    clock.now += 5.1
    breaker.check()  # another probe after as long again
