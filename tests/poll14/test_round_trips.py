"""A member's changed poll in one Redis round trip (issue #14): the board's meta, version and
the viewer's session copy, with the board's snapshot and what the viewer-row hooks add (the
"you" row's movement) read ahead for the viewer this process last saw behind that session. A
wrong guess costs a second trip, never a wrong answer. Counted on the wire: each round trip is
one write of commands to the Redis socket."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from redis.connection import AbstractConnection

from challenges.clock import utcnow
from challenges.extensions import db, get_redis
from challenges.leaderboard import live
from challenges.leaderboard.sessions import Viewer, encode_viewer
from challenges.leaderboard.updates import refresh_meta

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


def test_a_members_changed_poll_takes_one_round_trip(client, member_on_board, sends):
    version = current_version(client, member_on_board)  # the process now knows slug and viewer
    sends.clear()
    answer = client.get(url(member_on_board, version - 1), headers=HTMX)
    body = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert 'data-testid="you-movement"' in body  # the hook's read came back with the board
    assert len(sends) == 1


def test_the_first_poll_of_a_session_in_a_process_takes_two(client, member_on_board, sends):
    current_version(client, member_on_board)
    live._viewer_copies.clear()  # as in another worker process: no guess for this session
    sends.clear()
    assert client.get(url(member_on_board, 0), headers=HTMX).status_code == 200
    assert len(sends) == 2


def test_a_wrong_guess_reads_the_board_again_for_the_viewer_redis_names(
        client, member_on_board, make_user, sends):
    live._viewer_copies.clear()  # other tests' sessions
    version = current_version(client, member_on_board)
    [identity] = live._viewer_copies  # this session's Redis key, and the viewer it named
    other = make_user()
    submit(member_on_board, other)
    # The copy now names another member (as a re-used token would): the guess is wrong.
    get_redis().set(identity, encode_viewer(Viewer(other.id, other.username, "member")))
    sends.clear()
    body = client.get(url(member_on_board, version - 1), headers=HTMX).get_data(as_text=True)
    theirs = next(row for row in body.split("<li ")[1:] if f"@{other.username}<" in row)
    assert "is-you" in theirs and body.count("is-you") == 1
    assert len(sends) == 2  # the read ahead was for the old viewer: read again


def test_a_poll_after_redis_lost_its_scripts_still_answers(client, member_on_board):
    version = current_version(client, member_on_board)
    get_redis().script_flush()  # as after a restart of Redis: every script must be sent again
    answer = client.get(url(member_on_board, version - 1), headers=HTMX)
    body = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert 'data-testid="you-movement"' in body
    assert f'data-version="{version}"' in body


def test_a_board_frozen_since_the_last_poll_is_never_answered_from_the_read_ahead(
        client, login, make_challenge, make_user, frozen_clock):
    """The read ahead is chosen from the meta this process read before; an editor's freeze
    written since then must win: the member gets the frozen rows, not the live ones."""
    challenge, me, rival = make_challenge("active"), make_user(), make_user()
    submit(challenge, me)
    rivals_entry = submit(challenge, rival)
    vote(rivals_entry, make_user())
    frozen_clock.set(challenge.voting_deadline - timedelta(hours=1))
    login(client, me)
    client.get(f"/challenges/{challenge.slug}/")
    version = current_version(client, challenge)  # this process: the meta (no freeze), me
    challenge.freeze_hours = 24
    db.session.commit()
    refresh_meta(challenge)  # an editor's change, as the admin publishes it
    live.board_for_page(challenge, None, utcnow())  # the frozen copy: the rival at 1 vote
    vote(rivals_entry, make_user())  # live: 2 votes, hidden until the results
    # A version this process did not read last: the board is read ahead (for the live board).
    body = client.get(url(challenge, version - 1), headers=HTMX).get_data(as_text=True)
    assert 'data-testid="frozen-note"' in body
    assert f'data-testid="votes-{rival.username}">1 vote<' in body
