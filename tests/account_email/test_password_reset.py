"""Forgot password (issue #9): a signed link that expires in one hour and works once; the
answer and its timing do not tell whether an address has an account; 10 requests a minute."""

from __future__ import annotations

import re
import statistics
import time

import pytest
from rq import Queue
from sqlalchemy import event

from challenges.account_email.jobs import send_password_reset
from challenges.extensions import db
from challenges.services.accounts import authenticate
from jobs.connection import rq_connection
from jobs.worker import AppWorker
from tests.support.factories import PASSWORD
from tests.support.tampering import tamper

from .helpers import (
    field_error,
    html_part,
    link_in,
    only_message_to,
    page_text,
    reload,
    text_part,
)

RESET = "/password/reset/"
NEW_PASSWORD = "a brand new passphrase"
ANSWER = "If an account uses that address, we sent a link to it."
CSRF_RE = re.compile(r'(csrf_token" value="|"X-CSRFToken": ")[^"&]+')


def ask_for_reset(client, email: str):
    return client.post_form("/password/forgot", {"email": email})


def reset_link(client, smtp_server, email: str) -> str:
    assert ask_for_reset(client, email).status_code == 200
    return link_in(only_message_to(smtp_server, email), RESET)


def set_password(client, path: str, password: str = NEW_PASSWORD):
    return client.post_form(path, {"password": password, "confirm": password})


def test_the_login_page_links_to_forgot_password(client):
    page = page_text(client.get("/login"))
    assert 'href="/password/forgot"' in page and "Forgot password?" in page


def test_a_reset_email_arrives_and_its_link_sets_a_new_password(app, client, smtp_server,
                                                                  make_user, login):
    user = make_user()
    elsewhere = app.test_client()  # another device, logged in before the reset
    login(elsewhere, user)
    assert elsewhere.get("/account/password").status_code == 200

    response = ask_for_reset(client, user.email)
    assert response.status_code == 200 and ANSWER in page_text(response)
    message = only_message_to(smtp_server, user.email)
    assert message["Subject"] == "Reset your Weekly Challenges password"
    assert message["List-Unsubscribe"] is None
    assert "works once, for 1 hour" in text_part(message)
    assert f"@{user.username}" in html_part(message)
    path = link_in(message, RESET)

    form = client.get(path)
    assert form.status_code == 200 and "Choose a new password" in page_text(form)
    done = set_password(client, path)
    assert done.status_code == 302
    assert 'data-testid="nav-username">@' + user.username in client.get("/").get_data(
        as_text=True)  # logged in
    assert authenticate(user.username, NEW_PASSWORD).id == user.id
    db.session.rollback()
    # Every other session ended (the session token rotated).
    assert elsewhere.get("/account/password").status_code == 302


def test_a_used_reset_link_is_refused(client, smtp_server, make_user):
    user = make_user()
    path = reset_link(client, smtp_server, user.email)
    assert set_password(client, path).status_code == 302
    for response in (client.get(path), set_password(client, path, "yet another password")):
        assert response.status_code == 400
        text = page_text(response)
        assert "already been used" in text
        assert 'href="/password/forgot"' in text  # a way to ask again
    assert authenticate(user.username, NEW_PASSWORD).id == user.id
    db.session.rollback()


def test_an_expired_reset_link_is_refused(client, smtp_server, make_user, frozen_clock):
    user = make_user()
    path = reset_link(client, smtp_server, user.email)
    frozen_clock.advance(minutes=59)
    assert client.get(path).status_code == 200
    frozen_clock.advance(minutes=1, seconds=1)
    for response in (client.get(path), set_password(client, path)):
        assert response.status_code == 400
        assert "expired" in page_text(response)
        assert 'href="/password/forgot"' in page_text(response)
    assert authenticate(user.username, PASSWORD).id == user.id  # unchanged
    db.session.rollback()


def test_changing_the_password_otherwise_also_ends_a_reset_link(client, smtp_server,
                                                                 make_user, login):
    user = make_user()
    path = reset_link(client, smtp_server, user.email)
    login(client, user)
    assert client.post_form("/account/password", {
        "current_password": PASSWORD, "new_password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD}).status_code == 302
    assert client.get(path).status_code == 400


@pytest.mark.parametrize("token", ["tampered", "x", "a.b.c", "%00", "A" * 2000])
def test_a_tampered_reset_link_is_refused_cleanly(client, smtp_server, make_user, token):
    user = make_user()
    path = reset_link(client, smtp_server, user.email)
    bad = tamper(path) if token == "tampered" else RESET + token
    for response in (client.get(bad), set_password(client, bad)):
        assert response.status_code in (400, 404)
        if response.status_code == 400:
            assert "This link can't be used" in page_text(response)
    assert authenticate(user.username, PASSWORD).id == user.id
    db.session.rollback()


def test_the_new_password_follows_the_password_rules(client, smtp_server, make_user):
    user = make_user()
    path = reset_link(client, smtp_server, user.email)
    response = set_password(client, path, "short")
    assert response.status_code == 422
    assert "between 8 and 128" in field_error(response, "password")
    mismatch = client.post_form(path, {"password": NEW_PASSWORD, "confirm": "something else"})
    assert mismatch.status_code == 422
    assert field_error(mismatch, "confirm") == "The passwords don't match."
    assert set_password(client, path).status_code == 302  # the link still works


def test_a_reset_confirms_the_address(client, smtp_server, make_user):
    user = make_user(is_verified=False)
    path = reset_link(client, smtp_server, user.email)
    set_password(client, path)
    assert reload(user.id).is_verified


def test_a_malformed_address_gets_a_message_at_its_field(client, smtp_server):
    response = ask_for_reset(client, "not an address")
    assert response.status_code == 422
    assert field_error(response, "email")
    assert smtp_server.messages == []


def test_the_reset_job_run_twice_sends_one_email(app, smtp_server, make_user):
    """RQ may run a job again; the request's nonce makes the outbox key the same."""
    user = make_user()
    send_password_reset(user.email, "same-nonce")
    send_password_reset(user.email, "same-nonce")
    assert len(smtp_server.to(user.email)) == 1


def _normalised(response) -> tuple[int, str]:
    """Status and body, without the per-request CSRF token."""
    return response.status_code, CSRF_RE.sub(r"\1", response.get_data(as_text=True))


def test_the_answer_and_its_timing_do_not_tell_whether_an_address_exists(
        app, client, smtp_server, make_user, monkeypatch, redis_url):
    """As in production, the view only queues a job (no worker runs during the requests): it
    runs no SQL at all, and known and unknown addresses get the same status, body and time
    (medians of interleaved requests). A worker then sends exactly one email."""
    monkeypatch.setitem(app.config, "LEADERBOARD_REBUILD_ASYNC", True)  # a real queue
    monkeypatch.setitem(app.config, "PASSWORD_RESET_RATE_LIMIT", "1000 per minute")
    user = make_user()
    known, unknown = user.email, "nobody@example.com"
    token = client.csrf_token()
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    timings: dict[str, list[float]] = {known: [], unknown: []}
    answers: dict[str, set[tuple[int, str]]] = {known: set(), unknown: set()}
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        for _ in range(9):
            for email in (known, unknown):
                started = time.perf_counter()
                response = client.post("/password/forgot",
                                       data={"csrf_token": token, "email": email})
                timings[email].append(time.perf_counter() - started)
                answers[email].add(_normalised(response))
    finally:
        event.remove(db.engine, "before_cursor_execute", count)

    assert statements == []  # the view never looks the address up
    assert len(answers[known]) == 1 and answers[known] == answers[unknown]
    status, body = answers[known].pop()
    assert status == 200 and ANSWER in body
    fast, slow = sorted((statistics.median(timings[known]), statistics.median(timings[unknown])))
    assert slow - fast < max(0.010, 0.5 * fast), timings

    assert smtp_server.messages == []  # nothing sent by the requests themselves
    connection = rq_connection(redis_url)
    queue = Queue(app.config["RQ_QUEUE"], connection=connection)
    assert queue.count == 18
    monkeypatch.setitem(app.config, "LEADERBOARD_REBUILD_ASYNC", False)  # send inline
    AppWorker([queue], connection=connection, app=app).work(burst=True)
    assert len(smtp_server.to(known)) == 9  # one per request (each has its own link)
    assert smtp_server.to(unknown) == []


def test_the_eleventh_request_in_a_minute_gets_429(client, smtp_server):
    token = client.csrf_token()
    statuses = [client.post("/password/forgot",
                            data={"csrf_token": token, "email": f"n{i}@example.com"}).status_code
                for i in range(11)]
    assert statuses == [200] * 10 + [429]
    response = client.post("/password/forgot", data={"csrf_token": token,
                                                     "email": "n@example.com"})
    assert response.status_code == 429
    assert "Slow down" in page_text(response)  # the friendly page, not a stack trace
