"""The client address behind proxies: ``TRUSTED_PROXIES`` hops of X-Forwarded-For are believed,
no more (issue #10: behind the documented load balancer every user shared one bucket)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.factories import PASSWORD

BALANCER = "10.0.0.5"  # the load balancer: every request's socket peer
ATTACKER, MEMBER = "203.0.113.66", "198.51.100.7"


def login_via(client: Any, forwarded_for: str | None, password: str = "wrong",
              login: str = "bob") -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    response = client.post_form("/login", {"login": login, "password": password},
                                headers=headers, environ_base={"REMOTE_ADDR": BALANCER})
    return response.status_code


@pytest.fixture
def behind_balancer(make_app: Any, app_config: dict[str, Any]) -> Any:
    other = make_app(TRUSTED_PROXIES=1, LOGIN_RATE_LIMIT="10 per 15 minutes",
                     LOGIN_IP_RATE_LIMIT="50 per hour")
    with other.app_context():
        yield other


def test_behind_a_trusted_proxy_two_clients_have_separate_buckets(behind_balancer, make_user):
    """RELIABILITY #8."""
    make_user("bob")
    attacker, member = behind_balancer.test_client(), behind_balancer.test_client()
    for _ in range(10):
        assert login_via(attacker, ATTACKER) == 422
    assert login_via(attacker, ATTACKER) == 429

    # The same account from another client: its own bucket, so the owner still gets in.
    assert login_via(member, MEMBER) == 422
    assert login_via(member, MEMBER, PASSWORD) == 302


def test_a_client_cannot_escape_by_prepending_addresses(behind_balancer, make_user):
    """The balancer appends the peer it saw; only that last address is believed."""
    make_user("bob")
    attacker = behind_balancer.test_client()
    for n in range(10):
        assert login_via(attacker, f"192.0.2.{n}, {ATTACKER}") == 422

    assert login_via(attacker, f"192.0.2.99, {ATTACKER}") == 429


def test_without_trusted_proxies_a_forged_forwarded_for_gets_no_fresh_bucket(client, make_user,
                                                                             monkeypatch, app):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "10 per 15 minutes")
    assert app.config["TRUSTED_PROXIES"] == 0  # the default
    make_user("bob")
    for n in range(10):
        assert login_via(client, f"192.0.2.{n}") == 422

    assert login_via(client, MEMBER) == 429  # still the balancer's (socket's) address
    assert login_via(client, MEMBER, PASSWORD) == 429


@pytest.mark.parametrize(("trusted", "expected"),
                         [(True, "https://challenges.example"), (False, "http://localhost")])
def test_only_a_trusted_proxy_sets_the_scheme_and_host(behind_balancer, client, trusted,
                                                        expected):
    """HTTPS ends at the balancer: URLs the app builds (the API's server URL) must say https and
    the public host, from X-Forwarded-Proto / -Host; never from a client talking directly."""
    test_client = behind_balancer.test_client() if trusted else client
    response = test_client.get(
        "/api/openapi.json", environ_base={"REMOTE_ADDR": BALANCER},
        headers={"X-Forwarded-For": MEMBER, "X-Forwarded-Proto": "https",
                 "X-Forwarded-Host": "challenges.example"})

    assert response.get_json()["servers"] == [{"url": expected}]


def test_trusted_proxies_is_read_from_the_environment(monkeypatch):
    from challenges.config import load_config

    monkeypatch.setenv("TRUSTED_PROXIES", "2")
    assert load_config()["TRUSTED_PROXIES"] == 2
    monkeypatch.delenv("TRUSTED_PROXIES")
    assert load_config()["TRUSTED_PROXIES"] == 0
