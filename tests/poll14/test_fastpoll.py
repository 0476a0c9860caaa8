"""Polls before Flask (issue #14): the unchanged leaderboard poll is answered by the
``challenges.fastpoll`` middleware with exactly the headers Flask's own 204 has, under the same
authorization; everything else still goes through Flask."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask, request_started
from werkzeug.test import EnvironBuilder, run_wsgi_app

from challenges.fastpoll import FastPoll
from challenges.models import Role

from ..core.helpers import submit, vote
from ..support.tampering import tamper

NONCE = re.compile(r"'nonce-[^']+'")


def fastpoll(app: Flask) -> FastPoll:
    """The middleware in the app's WSGI chain (ProxyFix, when configured, wraps it)."""
    wsgi: Any = app.wsgi_app
    while not isinstance(wsgi, FastPoll):
        wsgi = wsgi.app
    return wsgi


def url(challenge: Any, version: int | None) -> str:
    base = f"/challenges/{challenge.slug}/leaderboard/live"
    return base if version is None else f"{base}?v={version}"


def current_version(client: Any, challenge: Any) -> int:
    body = client.get(url(challenge, -1)).get_data(as_text=True)
    return int(body.split('data-version="')[1].split('"')[0])


class Answer:
    def __init__(self, status: str, headers: Any, flask_ran: bool) -> None:
        self.status_code = int(status.split()[0])
        self.headers = headers
        self.flask_ran = flask_ran  # False: the middleware answered before Flask's stack
        self.body = b""


def call(app: Flask, wsgi: Any, client: Any, target: str) -> Answer:
    """Run one GET through ``wsgi`` with the test client's cookies, address and browser."""
    headers = {"HX-Request": "true"}
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    if cookie is not None:
        headers["Cookie"] = f"{cookie.key}={cookie.value}"
    path, _, query = target.partition("?")
    environ = EnvironBuilder(path=path, query_string=query, headers=headers,
                             environ_base=client.environ_base).get_environ()
    ran: list[bool] = []

    def started(sender: Any, **extra: Any) -> None:
        ran.append(True)

    with request_started.connected_to(started, app):
        app_iter, status, response_headers = run_wsgi_app(wsgi, environ, buffered=True)
    answer = Answer(status, response_headers, bool(ran))
    answer.body = b"".join(app_iter)
    return answer


def comparable(headers: Any) -> list[tuple[str, str]]:
    """Headers with the per-request CSP nonce and the session cookie's signed value blanked."""
    out = []
    for name, value in headers.items():
        if name == "Content-Security-Policy":
            value = NONCE.sub("'nonce-X'", value)
        if name == "Set-Cookie":
            value = re.sub(r"^([^=]+)=[^;]*", r"\1=X", value)
        out.append((name, value))
    return sorted(out)


def both(app: Flask, client: Any, target: str) -> tuple[Answer, Answer]:
    """The same request answered by the middleware chain and by Flask alone."""
    middleware = fastpoll(app)
    return call(app, middleware, client, target), call(app, middleware.wsgi_app, client, target)


def test_anonymous_unchanged_poll_is_answered_before_flask_with_flasks_headers(app, client,
                                                                               board):
    fast, flask = both(app, client, url(board, current_version(client, board)))
    assert (fast.status_code, fast.flask_ran) == (204, False)
    assert (flask.status_code, flask.flask_ran) == (204, True)
    assert comparable(fast.headers) == comparable(flask.headers)
    assert fast.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("remember", [False, True])
def test_logged_in_unchanged_poll_has_the_same_headers_and_cookies(app, client, login,
                                                                   make_user, board, remember):
    login(client, make_user(), remember=remember)
    fast, flask = both(app, client, url(board, current_version(client, board)))
    assert (fast.status_code, fast.flask_ran) == (204, False)
    assert flask.status_code == 204
    assert comparable(fast.headers) == comparable(flask.headers)


def test_a_changed_version_is_answered_by_the_middleware_as_flask_would(app, client, login,
                                                                        board, make_user):
    for member in (None, make_user()):
        if member is not None:
            login(client, member)
        version = current_version(client, board)
        vote(submit(board, make_user()), make_user())
        fast, flask = both(app, client, url(board, version))
        assert (fast.status_code, fast.flask_ran) == (200, False)
        assert (flask.status_code, flask.flask_ran) == (200, True)
        # The same widget, byte for byte, with the same headers.
        assert fast.body == flask.body and b'id="leaderboard"' in fast.body
        assert comparable(fast.headers) == comparable(flask.headers)


def test_a_hidden_challenge_is_not_answered_by_the_middleware(app, client, login, make_challenge,
                                                             make_user):
    draft = make_challenge("active", status="draft")
    editor = make_user(role=Role.EDITOR)
    login(client, editor)
    version = current_version(client, draft)  # the editor sees it: the board is built
    fast, _ = both(app, client, url(draft, version))
    assert (fast.status_code, fast.flask_ran) == (204, False)  # the editor's poll: fast
    client.get("/logout")
    client.delete_cookie(app.config["SESSION_COOKIE_NAME"])
    fast, flask = both(app, client, url(draft, version))
    assert (fast.status_code, fast.flask_ran) == (404, True)
    assert flask.status_code == 404


def test_a_completed_challenge_is_answered_by_the_middleware_as_flask_would(app, client,
                                                                            frozen_clock, board):
    version = current_version(client, board)
    frozen_clock.set(board.ends_at)
    fast, flask = both(app, client, url(board, version))
    assert (fast.status_code, fast.flask_ran) == (286, False)
    assert fast.body == flask.body and b"Final results" in fast.body
    assert comparable(fast.headers) == comparable(flask.headers)


def test_a_frozen_board_poll_keeps_the_same_decision(app, client, frozen_clock, make_challenge,
                                                    make_user):
    """During the freeze ``live.poll`` decides as before, and the middleware answers as Flask."""
    challenge = make_challenge("active", freeze_hours=12)
    vote(submit(challenge, make_user()), make_user())
    frozen_clock.set(challenge.voting_deadline - timedelta(hours=11))
    assert "Frozen 12 h" in client.get(f"/challenges/{challenge.slug}/").get_data(as_text=True)
    version = current_version(client, challenge)
    fast, flask = both(app, client, url(challenge, version))
    assert fast.status_code == flask.status_code == 204 and not fast.flask_ran
    fast, flask = both(app, client, url(challenge, version - 1))
    assert (fast.status_code, flask.status_code, fast.flask_ran) == (200, 200, False)
    assert fast.body == flask.body and b"Frozen" in fast.body
    assert comparable(fast.headers) == comparable(flask.headers)


@pytest.mark.parametrize("query", ["", "?v=", "?v=abc", "?v=1.5"])
def test_bad_or_missing_versions_go_to_flask(app, client, board, query):
    fast = call(app, fastpoll(app), client, url(board, None) + query)
    assert fast.flask_ran


def test_a_tampered_session_cookie_identifies_nobody(app, client, login, make_challenge,
                                                    make_user):
    draft = make_challenge("active", status="draft")
    login(client, make_user(role=Role.EDITOR))
    version = current_version(client, draft)
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = client.get_cookie(name)
    client.set_cookie(name, tamper(cookie.value))
    fast = call(app, fastpoll(app), client, url(draft, version))
    assert (fast.status_code, fast.flask_ran) == (404, True)


def test_the_unchanged_poll_runs_no_sql(app, client, login, make_user, board, count_sql):
    login(client, make_user())
    version = current_version(client, board)
    count_sql.clear()
    fast = call(app, fastpoll(app), client, url(board, version))
    assert (fast.status_code, fast.flask_ran) == (204, False)
    assert count_sql == [], count_sql


def test_with_redis_down_the_poll_goes_to_flask(app, client, board):
    version = current_version(client, board)
    saved = app.extensions["wc_redis"]
    from challenges.extensions import init_redis

    from ..support.ports import free_port
    app.extensions["wc_redis"] = init_redis({**app.config, "REDIS_URL":
                                             f"redis://127.0.0.1:{free_port()}/0"})
    try:
        fast = call(app, fastpoll(app), client, url(board, version))
    finally:
        app.extensions["wc_redis"] = saved
    assert fast.flask_ran and fast.status_code == 200



def test_a_render_that_fails_in_the_middleware_gets_flasks_error_page(app, client, board,
                                                                     make_user, monkeypatch):
    version = current_version(client, board)
    vote(submit(board, make_user()), make_user())

    def broken(*args: Any, **kwargs: Any) -> str:
        raise RuntimeError("a template bug")

    monkeypatch.setattr("challenges.pages.views.widget_html", broken)
    monkeypatch.setattr(app, "testing", False)  # errors become responses, as in production
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    fast = call(app, fastpoll(app), client, url(board, version))
    assert (fast.status_code, fast.flask_ran) == (500, True)
    assert b"RuntimeError" not in fast.body and b"Traceback" not in fast.body
