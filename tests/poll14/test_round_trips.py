"""A member's changed poll in two Redis round trips (issue #14): the board's meta, version and
the viewer, then the board's snapshot and what the viewer-row hooks add (the "you" row's
movement) in one batch of scripts. Counted on the wire: each round trip is one write of
commands to the Redis socket."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from redis.connection import AbstractConnection

from challenges.extensions import get_redis

from ..core.helpers import submit, vote
from .test_fastpoll import current_version, url

HTMX = {"HX-Request": "true"}


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


@pytest.fixture
def member_on_board(client: Any, login: Any, make_challenge: Any, make_user: Any) -> Any:
    """A signed-in member with an entry on an active board of a few members."""
    challenge, me = make_challenge("active"), make_user()
    for _ in range(3):
        vote(submit(challenge, make_user()), make_user())
    submit(challenge, me)
    login(client, me)
    client.get(f"/challenges/{challenge.slug}/")  # the page stores the session's Redis copy
    return challenge


def test_a_members_changed_poll_takes_two_round_trips(client, member_on_board, sends):
    version = current_version(client, member_on_board)  # the process now knows the slug
    sends.clear()
    answer = client.get(url(member_on_board, version - 1), headers=HTMX)
    body = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert 'data-testid="you-movement"' in body  # the hook's read came back with the board
    assert len(sends) == 2


def test_a_poll_after_redis_lost_its_scripts_still_answers(client, member_on_board):
    version = current_version(client, member_on_board)
    get_redis().script_flush()  # as after a restart of Redis: every script must be sent again
    answer = client.get(url(member_on_board, version - 1), headers=HTMX)
    body = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert 'data-testid="you-movement"' in body
    assert f'data-version="{version}"' in body
