"""While Redis is away the site must stay up (issue #14, found with ``python -m tests.bench.mixed
--valkey-outage down``: every request type timed out). Three parts, each tested here:

- after a Redis failure a process rests Redis for a few seconds (``recently``): polls and page
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

from challenges import recently
from challenges.clock import utcnow
from challenges.leaderboard import live
from challenges.leaderboard.live import board_for_page
from challenges.pages.views import FRESH_HEADER

from ..core.helpers import submit, vote
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
        later(monkeypatch, recently, recently.QUIET_AFTER_FAILURE + 0.1)
        assert "Live updates paused" in poll(client, board)
        assert hung.connections == 2  # the pause is over: Redis asked again


def test_a_page_board_after_a_failure_does_not_wait_on_redis(app, board, monkeypatch):
    with redis_hung(app) as hung:
        recently.note_redis_failure()  # a poll of this process just found Redis failing
        page_board = board_for_page(board, None, utcnow())
        assert not page_board.live and page_board.rows  # from SQL
        assert hung.connections == 0
        later(monkeypatch, recently, recently.QUIET_AFTER_FAILURE + 0.1)
        assert not board_for_page(board, None, utcnow()).live
        assert hung.connections == 1  # asked again after the pause; it failed once more
    assert recently.redis_failed_recently()  # and that failure started a new pause


def test_a_failed_page_board_starts_the_pause(app, board):
    with RedisGone(app):
        assert not board_for_page(board, None, utcnow()).live
    assert recently.redis_failed_recently()
    assert not board_for_page(board, None, utcnow()).live  # Redis is back, but resting
    recently.forget_all()  # the pause over
    assert board_for_page(board, None, utcnow()).live


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
    assert 'hx-trigger="wc:tick from:body' in poll(client, board)  # live
    with RedisGone(app):
        assert 'hx-trigger="wc:slow-tick from:body' in poll(client, board)  # paused
