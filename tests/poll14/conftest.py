"""Fixtures of the polling tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from redis.connection import AbstractConnection

from challenges.clock import utcnow
from challenges.extensions import get_redis
from challenges.leaderboard import live
from challenges.leaderboard.live import board_for_page

from ..core.helpers import submit, vote

# How old the copy may be in the tests that turn it on (``copy_on``).
MAX_AGE = 30.0


def redis_just_failed() -> None:
    """As when the app's Redis client has just failed (a refused connection, a timeout): its
    breaker rests Redis from now on for ``redisguard.QUIET_AFTER_FAILURE`` seconds."""
    get_redis().connection_pool.connection_kwargs["breaker"].note_failure()


@pytest.fixture
def board(make_challenge: Any, make_user: Any) -> Any:
    """An active challenge with one entry and one vote, its Redis board built."""
    challenge, author = make_challenge("active"), make_user()
    vote(submit(challenge, author), make_user())
    board_for_page(challenge, None, utcnow())  # builds the Redis board
    return challenge


@pytest.fixture
def copy_on(app: Any) -> Iterator[None]:
    """The copy turned on (the tests' config turns it off) and empty."""
    saved = app.config["POLL_SEEN_MAX_AGE_SECONDS"]
    app.config["POLL_SEEN_MAX_AGE_SECONDS"] = MAX_AGE
    live._seen.clear()
    try:
        yield
    finally:
        app.config["POLL_SEEN_MAX_AGE_SECONDS"] = saved
        live._seen.clear()


@pytest.fixture
def sends(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Each write of commands to Redis, counted (redis-py's own send, still called)."""
    sent: list[int] = []
    original = AbstractConnection.send_packed_command

    def counted(self: AbstractConnection, command: Any, check_health: bool = True) -> None:
        sent.append(1)
        original(self, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counted)
    yield sent
