"""The unchanged poll answered from the web process's copy of the board's version (issue #14):
no Redis round trip for a 204, at the price of a periodic poll missing a vote for up to
``POLL_SEEN_MAX_AGE_SECONDS``. The poll right after a browser's own vote (``X-WC-Fresh``) always
reads Redis, and the copy never answers for drafts, completed boards or a board this process
knows to be stale."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from challenges.extensions import init_redis
from challenges.leaderboard import live, staleness
from challenges.models import Role
from challenges.pages.views import FRESH_HEADER

from ..core.helpers import submit, vote
from ..support.ports import free_port
from .conftest import MAX_AGE
from .test_fastpoll import call, current_version, fastpoll, url
from .test_shown import poll_url

HTMX = {"HX-Request": "true"}


class RedisGone:
    """Point the app at a port nobody listens on: whatever still answers did not ask Redis."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __enter__(self) -> None:
        self.saved = self.app.extensions["wc_redis"]
        self.app.extensions["wc_redis"] = init_redis(
            {**self.app.config, "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"})

    def __exit__(self, *exc: object) -> None:
        self.app.extensions["wc_redis"] = self.saved


def test_the_copy_answers_an_unchanged_poll_without_redis(app, client, board, copy_on):
    version = current_version(client, board)
    assert client.get(url(board, version), headers=HTMX).status_code == 204  # fills the copy
    with RedisGone(app):
        fast = call(app, fastpoll(app), client, url(board, version))
    assert (fast.status_code, fast.flask_ran) == (204, False)


def test_a_periodic_poll_may_miss_a_vote_until_the_copy_ages(app, client, board, copy_on,
                                                              make_user, monkeypatch):
    version = current_version(client, board)
    assert client.get(url(board, version), headers=HTMX).status_code == 204
    vote(submit(board, make_user()), make_user())  # the version moves in Redis
    assert client.get(url(board, version), headers=HTMX).status_code == 204  # the copy's price

    later = live.time.monotonic() + MAX_AGE + 0.1
    monkeypatch.setattr(live.time, "monotonic", lambda: later)
    assert client.get(url(board, version), headers=HTMX).status_code == 200


def test_the_poll_after_a_browsers_own_vote_reads_redis(app, client, board, copy_on, make_user):
    version = current_version(client, board)
    assert client.get(url(board, version), headers=HTMX).status_code == 204
    vote(submit(board, make_user()), make_user())
    fresh = client.get(url(board, version), headers={**HTMX, FRESH_HEADER: "1"})
    assert fresh.status_code == 200
    assert f'data-version="{version}"' not in fresh.get_data(as_text=True)
    # That read refreshed the copy: the new version is the one it now answers for.
    assert live._seen[board.slug].version != version


def test_with_the_copy_off_every_poll_reads_redis(app, client, board, make_user):
    assert app.config["POLL_SEEN_MAX_AGE_SECONDS"] == 0  # the tests' default
    version = current_version(client, board)
    assert client.get(url(board, version), headers=HTMX).status_code == 204
    vote(submit(board, make_user()), make_user())
    assert client.get(url(board, version), headers=HTMX).status_code == 200


def test_a_draft_is_never_answered_from_the_copy(app, client, login, make_challenge, make_user,
                                                  copy_on):
    draft = make_challenge("active", status="draft")
    login(client, make_user(role=Role.EDITOR))
    version = current_version(client, draft)
    assert client.get(url(draft, version), headers=HTMX).status_code == 204  # the editor
    client.get("/logout")
    client.delete_cookie(app.config["SESSION_COOKIE_NAME"])
    assert client.get(url(draft, version), headers=HTMX).status_code == 404  # nobody


def test_a_completed_board_is_never_answered_from_the_copy(client, board, copy_on,
                                                           frozen_clock):
    version = current_version(client, board)
    assert client.get(url(board, version), headers=HTMX).status_code == 204
    frozen_clock.set(board.ends_at)
    assert client.get(url(board, version), headers=HTMX).status_code == 286


def test_a_board_that_missed_a_write_is_never_answered_from_the_copy(client, board, copy_on):
    version = current_version(client, board)
    assert client.get(url(board, version), headers=HTMX).status_code == 204
    staleness.mark_stale(board.id)
    # The copy stands aside: the poll heals the board (its ``built`` marker goes), finds it
    # unbuilt and renders it through the page path, which queues the rebuild.
    response = client.get(url(board, version), headers=HTMX)
    assert not staleness.pending()
    assert response.status_code == 200
    assert board.slug not in live._seen  # an unbuilt board leaves no copy behind


def test_an_anonymous_changed_poll_is_answered_from_the_copys_board(app, client, board,
                                                                    copy_on):
    version = current_version(client, board)
    first = client.get(url(board, version - 1), headers=HTMX)  # reads Redis, keeps the board
    assert first.status_code == 200
    with RedisGone(app):
        fast = call(app, fastpoll(app), client, url(board, version - 1))
        unchanged = call(app, fastpoll(app), client, poll_url(first.get_data(as_text=True)))
    assert (fast.status_code, fast.flask_ran) == (200, False)
    assert fast.body == first.get_data()
    # The widget the client shows already (its digest ``s``): nothing to send.
    assert (unchanged.status_code, unchanged.flask_ran) == (204, False)


def test_a_members_changed_poll_never_gets_the_copys_board(app, client, login, board, copy_on,
                                                           make_user):
    version = current_version(client, board)
    assert client.get(url(board, version - 1), headers=HTMX).status_code == 200  # anonymous
    login(client, make_user())
    with RedisGone(app):
        fast = call(app, fastpoll(app), client, url(board, version - 1))
    # Their own row needs Redis: Flask answers, from SQL while Redis is away.
    assert (fast.status_code, fast.flask_ran) == (200, True)
    assert b"Live updates paused" in fast.body


def test_the_copys_board_stands_aside_when_the_freeze_begins(app, client, copy_on,
                                                             make_challenge, make_user,
                                                             frozen_clock):
    challenge = make_challenge("active", freeze_hours=12)
    vote(submit(challenge, make_user()), make_user())
    freeze_at = challenge.voting_deadline - timedelta(hours=12)
    frozen_clock.set(freeze_at - timedelta(minutes=1))  # the same day, a minute before
    version = current_version(client, challenge)
    live_widget = client.get(url(challenge, version - 1), headers=HTMX)
    assert b"Frozen" not in live_widget.get_data()
    frozen_clock.set(freeze_at + timedelta(minutes=1))  # the copy is still young
    client.get(f"/challenges/{challenge.slug}/")  # the page takes the frozen copy of the board
    frozen = client.get(url(challenge, version - 1), headers=HTMX)
    assert frozen.status_code == 200 and b"Frozen" in frozen.get_data()


def test_a_members_poll_leaves_the_anonymous_board_in_the_copy(app, client, login, board,
                                                               copy_on, make_user):
    anonymous = app.test_client()
    version = current_version(anonymous, board)
    assert anonymous.get(url(board, version - 1), headers=HTMX).status_code == 200
    login(client, make_user())
    assert client.get(url(board, version - 1), headers=HTMX).status_code == 200  # reads Redis
    with RedisGone(app):
        fast = call(app, fastpoll(app), anonymous, url(board, version - 1))
    assert (fast.status_code, fast.flask_ran) == (200, False)
