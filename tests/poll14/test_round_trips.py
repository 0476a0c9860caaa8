"""A member's changed poll in one Redis round trip (issue #14): the board's meta, version and
the viewer's session copy, with the board's snapshot and what the viewer-row hooks add (the
"you" row's movement) read ahead for the viewer this process last saw behind that session. A
wrong guess costs a second trip, never a wrong answer. Counted on the wire: each round trip is
one write of commands to the Redis socket."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from challenges.clock import utcnow
from challenges.extensions import db, get_redis
from challenges.leaderboard import live
from challenges.leaderboard.sessions import Viewer, encode_viewer
from challenges.leaderboard.updates import refresh_meta

from ..core.helpers import submit, vote
from .test_fastpoll import current_version, url

HTMX = {"HX-Request": "true"}


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


@pytest.mark.parametrize("copy", [False, True], ids=["no-copy", "fresh-copy"])
def test_a_wrong_guess_reads_the_board_again_for_the_viewer_redis_names(
        request, client, member_on_board, make_user, sends, copy):
    if copy:
        request.getfixturevalue("copy_on")
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


# While this process's copy of the board's meta is fresh (``POLL_SEEN_MAX_AGE_SECONDS``, under
# load always), a member's changed poll leaves the meta and version out of its one round trip:
# the session's copy, the built marker and the board read for the viewer are all it asks.

def hgetall_calls() -> int:
    """HGETALL commands Redis has run (the board's meta is the poll's only hash read whole)."""
    stats = get_redis().info("commandstats")
    return int(stats.get("cmdstat_hgetall", {}).get("calls", 0))


def test_on_a_fresh_copy_a_members_changed_poll_reads_no_meta(client, member_on_board, sends,
                                                              copy_on):
    version = current_version(client, member_on_board)  # reads the meta: the copy is fresh
    before = hgetall_calls()
    sends.clear()
    answer = client.get(url(member_on_board, version - 1), headers=HTMX)
    body = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert f'data-version="{version}"' in body and body.count("is-you") == 1
    assert 'data-testid="you-movement"' in body
    assert len(sends) == 1 and hgetall_calls() == before


def test_on_a_fresh_copy_a_members_poll_still_sees_the_latest_vote(
        client, member_on_board, make_user, copy_on):
    version = current_version(client, member_on_board)
    vote(submit(member_on_board, make_user()), make_user())  # after the copy was read
    body = client.get(url(member_on_board, version - 1), headers=HTMX).get_data(as_text=True)
    # The copy still says ``version``, but a member's board is read from Redis: the newer one.
    shown = int(body.split('data-version="')[1].split('"')[0])
    assert shown == int(get_redis().get(live.keys.version(member_on_board.id))) > version


def test_on_a_fresh_copy_a_member_at_the_latest_version_gets_204(
        client, member_on_board, make_user, copy_on):
    current_version(client, member_on_board)
    vote(submit(member_on_board, make_user()), make_user())
    latest = int(get_redis().get(live.keys.version(member_on_board.id)))
    assert client.get(url(member_on_board, latest), headers=HTMX).status_code == 204


def test_on_a_fresh_copy_a_session_that_ended_gets_the_anonymous_board(
        client, member_on_board, sends, copy_on):
    live._viewer_copies.clear()  # other tests' sessions
    version = current_version(client, member_on_board)
    [identity] = live._viewer_copies  # this session's Redis key
    get_redis().delete(identity)  # the session's copy is gone (logged out in another tab)
    sends.clear()
    body = client.get(url(member_on_board, version - 1), headers=HTMX).get_data(as_text=True)
    assert "is-you" not in body and "you-movement" not in body
    assert len(sends) == 2  # the read ahead was for the member: read again for nobody


def test_on_a_fresh_copy_an_unbuilt_board_is_served_by_the_page_path(
        client, member_on_board, copy_on):
    version = current_version(client, member_on_board)
    get_redis().delete(live.keys.built(member_on_board.id))  # as while a rebuild is queued
    answer = client.get(url(member_on_board, version - 1), headers=HTMX)
    assert answer.status_code == 200 and b"is-you" in answer.get_data()
    assert member_on_board.slug not in live._seen  # the full poll saw it unbuilt


def test_on_a_fresh_copy_a_member_gets_the_frozen_board_once_the_freeze_begins(
        client, login, make_challenge, make_user, frozen_clock, copy_on):
    challenge, me, rival = make_challenge("active", freeze_hours=12), make_user(), make_user()
    submit(challenge, me)
    rivals_entry = submit(challenge, rival)
    vote(rivals_entry, make_user())
    freeze_at = challenge.voting_deadline - timedelta(hours=12)
    frozen_clock.set(freeze_at - timedelta(minutes=1))
    login(client, me)
    client.get(f"/challenges/{challenge.slug}/")
    version = current_version(client, challenge)  # the copy: live, a minute before the freeze
    frozen_clock.set(freeze_at + timedelta(minutes=1))  # the copy is still young
    client.get(f"/challenges/{challenge.slug}/")  # the page takes the frozen copy of the board
    vote(rivals_entry, make_user())  # live: 2 votes, hidden until the results
    body = client.get(url(challenge, version - 1), headers=HTMX).get_data(as_text=True)
    assert 'data-testid="frozen-note"' in body
    assert f'data-testid="votes-{rival.username}">1 vote<' in body
