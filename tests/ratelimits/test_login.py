"""Login attempts are limited per (account as typed, client address) and per address, counted
before the password is checked (issue #10: 100 parallel wrong logins let 16 through a limit of
10, and ten wrong passwords locked out a whole address; RELIABILITY #8)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from tests.support.factories import PASSWORD

BAD = "not the password"
PER_ACCOUNT = 10
PER_IP = 30


@pytest.fixture(autouse=True)
def _login_limits(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", f"{PER_ACCOUNT} per 15 minutes")
    monkeypatch.setitem(app.config, "LOGIN_IP_RATE_LIMIT", f"{PER_IP} per hour")


def attempt(client: Any, login: str, password: str = BAD, ip: str = "127.0.0.1") -> int:
    response = client.post_form("/login", {"login": login, "password": password},
                                environ_base={"REMOTE_ADDR": ip})
    return response.status_code


def test_100_parallel_wrong_logins_let_exactly_the_limit_reach_the_password_check(app,
                                                                                  make_user):
    """RELIABILITY #8."""
    make_user("bob")
    clients = [app.test_client() for _ in range(100)]
    tokens = [client.csrf_token() for client in clients]
    start = threading.Barrier(len(clients))
    statuses: list[int] = []

    def wrong_login(client: Any, token: str) -> None:
        with app.app_context():  # each thread is a request of its own, as under gunicorn
            start.wait()
            response = client.post("/login", data={"csrf_token": token, "login": "bob",
                                                   "password": BAD})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=wrong_login, args=pair)
               for pair in zip(clients, tokens, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    # 422 = the form came back with "wrong password": the attempt reached the check.
    assert sorted(statuses) == [422] * PER_ACCOUNT + [429] * (100 - PER_ACCOUNT)


def test_the_eleventh_try_for_one_account_from_one_address_is_refused_even_if_right(client,
                                                                                    make_user):
    make_user("bob")
    assert [attempt(client, "bob") for _ in range(PER_ACCOUNT)] == [422] * PER_ACCOUNT

    assert attempt(client, "bob") == 429
    assert attempt(client, "bob", PASSWORD) == 429  # guessing cannot simply carry on


def test_a_locked_out_address_does_not_lock_the_account_out_elsewhere(app, client, make_user):
    """RELIABILITY #8."""
    make_user("bob")
    for _ in range(PER_ACCOUNT + 5):
        attempt(client, "bob", ip="203.0.113.66")

    assert attempt(app.test_client(), "bob", PASSWORD, ip="198.51.100.7") == 302


def test_a_successful_login_clears_that_accounts_window_from_that_address(app, client,
                                                                          make_user):
    make_user("bob")
    for _ in range(PER_ACCOUNT - 1):
        assert attempt(client, "bob") == 422
    assert attempt(app.test_client(), "bob", PASSWORD) == 302  # finally typed right

    assert [attempt(client, "bob") for _ in range(PER_ACCOUNT)] == [422] * PER_ACCOUNT
    assert attempt(client, "bob") == 429


def test_the_account_is_the_login_as_typed_trimmed_and_lowercased(client, make_user):
    make_user("bob")
    for login in ["bob", " BOB", "Bob ", "bob@example.com"] * 3 + ["bob"]:
        assert attempt(client, login) == 422

    assert attempt(client, "bob") == 429  # the ten spellings of "bob", not the email
    assert attempt(client, " BOB@example.com") == 422  # the email, the fourth time


def test_unknown_accounts_are_limited_like_real_ones(client, make_user):
    """The limiter must not tell which accounts exist."""
    make_user("bob")
    real = [attempt(client, "bob") for _ in range(PER_ACCOUNT + 1)]
    unknown = [attempt(client, "nobody") for _ in range(PER_ACCOUNT + 1)]

    assert real == unknown == [422] * PER_ACCOUNT + [429]


def test_one_address_trying_many_accounts_is_stopped_by_the_address_limit(app, client,
                                                                         make_user):
    make_user("bob")
    statuses = [attempt(client, f"user{n}") for n in range(PER_IP)]
    assert statuses == [422] * PER_IP

    assert attempt(client, "bob", PASSWORD) == 429
    assert attempt(app.test_client(), "bob", PASSWORD, ip="198.51.100.7") == 302


def test_the_login_429_is_a_page_with_retry_after(client, make_user):
    """RELIABILITY #8."""
    make_user("bob")
    for _ in range(PER_ACCOUNT):
        attempt(client, "bob")

    response = client.post_form("/login", {"login": "bob", "password": BAD})

    assert response.status_code == 429
    assert response.mimetype == "text/html"
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60
    page = response.get_data(as_text=True)
    assert "Too many attempts" in page and "Traceback" not in page


def test_viewing_the_login_form_is_not_counted(client, make_user):
    make_user("bob")
    for _ in range(PER_IP + 1):
        assert client.get("/login").status_code == 200

    assert attempt(client, "bob", PASSWORD) == 302
