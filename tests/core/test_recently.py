"""Writes a member's every request used to repeat, made once in a while instead (issue #14): the
member's activity day and the polls' copy of their session. Each skipped write is a Redis round
trip saved; what matters is that the data is still there, and written again when it changed,
when a write failed, or after a while (in case Redis lost it)."""

from __future__ import annotations

import time

import pytest

from challenges.clock import utcnow
from challenges.extensions import get_redis
from challenges.leaderboard.sessions import (
    WRITTEN_AGAIN_AFTER,
    forget_session,
    identity_key,
    remember_session,
)
from challenges.recently import Recently
from challenges.referrals import keys as activity_keys
from challenges.referrals.activity import RECORDED_AGAIN_AFTER, record_activity

TOKEN = "t" * 40


def later(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """Move the monotonic clock ``seconds`` ahead (no sleep)."""
    moved = time.monotonic() + seconds
    monkeypatch.setattr(time, "monotonic", lambda: moved)


def test_recently_forgets_after_its_time_and_when_the_value_changes(monkeypatch):
    marks = Recently(10.0, size=2)
    marks.mark("a", 1)
    assert marks.seen("a", 1) and not marks.seen("a", 2) and not marks.seen("b")
    marks.mark("b")
    marks.mark("c")  # over the size: the oldest ("a") goes
    assert not marks.seen("a", 1) and marks.seen("b") and marks.seen("c")
    later(monkeypatch, 10.0)
    assert not marks.seen("c")


def test_a_members_activity_day_is_written_once_then_again_after_a_while(app, monkeypatch):
    day = utcnow().date()
    members = activity_keys.active_members(day)
    record_activity(7)
    assert get_redis().sismember(members, "7")
    get_redis().delete(members)  # as if Redis lost it

    record_activity(7)  # a moment later: no write
    assert not get_redis().sismember(members, "7")

    later(monkeypatch, RECORDED_AGAIN_AFTER)
    record_activity(7)
    assert get_redis().sismember(members, "7")


def test_a_session_copy_is_written_again_when_it_changes(app, monkeypatch):
    key = identity_key(TOKEN)
    remember_session(TOKEN, 7, "ana", "member")
    get_redis().delete(key)
    remember_session(TOKEN, 7, "ana", "member")  # the same copy a moment later: no write
    assert get_redis().get(key) is None

    remember_session(TOKEN, 7, "ana", "editor")  # promoted: written at once
    assert get_redis().get(key) == "7|ana|editor"
    remember_session(TOKEN, 7, "ana", "member")  # and back: written again, not "seen"
    assert get_redis().get(key) == "7|ana|member"

    forget_session(TOKEN)
    remember_session(TOKEN, 7, "ana", "member")  # forgotten: the next copy is written
    assert get_redis().get(key) == "7|ana|member"

    get_redis().delete(key)
    later(monkeypatch, WRITTEN_AGAIN_AFTER)
    remember_session(TOKEN, 7, "ana", "member")
    assert get_redis().get(key) == "7|ana|member"
