"""Security: rate limits, security headers, cookie attributes, and the health probes."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event

from challenges import create_app
from challenges.extensions import db
from tests.support.factories import PASSWORD

BAD_PASSWORD = "not the password"


@pytest.fixture
def make_app(app: Flask, app_config: dict[str, Any]) -> Iterator[Callable[..., Flask]]:
    """Another app on the test database and Redis, with ``overrides`` applied.

    The rate-limit storage stays the real Redis: the limiter is one object shared by every app.
    """
    made: list[Flask] = []

    def _make(**overrides: Any) -> Flask:
        other = create_app({**app_config, **overrides})
        other.test_client_class = app.test_client_class
        made.append(other)
        return other

    yield _make
    for other in made:
        with other.app_context():
            db.engine.dispose()
        other.extensions["wc_redis"].close()


def bad_login(client: Any, **kwargs: Any) -> Any:
    return client.post_form("/login", {"login": "bob", "password": BAD_PASSWORD}, **kwargs)


def good_login(client: Any, **kwargs: Any) -> Any:
    return client.post_form("/login", {"login": "bob", "password": PASSWORD}, **kwargs)


def register(client: Any, n: int, **kwargs: Any) -> Any:
    data = {
        "username": f"newcomer{n}",
        "email": f"newcomer{n}@example.com",
        "password": PASSWORD,
        "confirm": PASSWORD,
    }
    return client.post_form("/register", data, **kwargs)


def assert_friendly_429(response: Any, window: int = 60) -> None:
    assert response.status_code == 429
    retry_after = int(response.headers["Retry-After"])
    assert 0 < retry_after <= window
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "Too many attempts. Please wait a moment and try again." in page
    assert "Traceback" not in page and "RateLimitExceeded" not in page


# --- 5. rate limits ------------------------------------------------------------------------


def test_eleventh_bad_login_in_15_minutes_gets_429_with_retry_after(client, make_user):
    make_user("bob")
    for _ in range(10):
        assert bad_login(client).status_code == 422

    assert_friendly_429(bad_login(client), window=15 * 60)
    # Once limited, even the right password waits: guessing cannot simply carry on.
    assert good_login(client).status_code == 429


def test_a_successful_login_starts_the_login_limit_afresh(app, make_user):
    """Every attempt counts, up front (tests/ratelimits); the right password clears the count
    of that account from that address."""
    make_user("bob")
    client = app.test_client()
    for _ in range(9):
        assert bad_login(client).status_code == 422
    for _ in range(5):
        assert good_login(app.test_client()).status_code == 302

    for _ in range(10):
        assert bad_login(client).status_code == 422
    assert bad_login(client).status_code == 429


def test_login_limit_counts_per_ip(client, make_user):
    make_user("bob")
    for _ in range(10):
        assert bad_login(client, environ_base={"REMOTE_ADDR": "203.0.113.1"}).status_code == 422

    assert bad_login(client, environ_base={"REMOTE_ADDR": "203.0.113.1"}).status_code == 429
    assert bad_login(client, environ_base={"REMOTE_ADDR": "203.0.113.2"}).status_code == 422


def test_registration_is_rate_limited(app):
    assert app.config["REGISTER_RATE_LIMIT"] == "5 per minute"
    for n in range(5):
        assert register(app.test_client(), n).status_code == 200  # "check your email"

    assert_friendly_429(register(app.test_client(), 5))
    other_ip = register(app.test_client(), 6, environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert other_ip.status_code == 200


def test_failed_registrations_count_too(client):
    for _ in range(5):
        assert client.post_form("/register", {"username": "x"}).status_code == 422

    assert client.post_form("/register", {"username": "x"}).status_code == 429


def test_viewing_the_forms_is_not_limited(client):
    for _ in range(15):
        assert client.get("/login").status_code == 200
        assert client.get("/register").status_code == 200


# --- 6. security headers on every response -------------------------------------------------


def assert_security_headers(response: Any) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    directives = dict(
        (part.strip().split(" ", 1) + [""])[:2] for part in csp.split(";") if part.strip()
    )
    assert directives.get("frame-ancestors") == "'none'", csp
    assert directives.get("default-src") == "'self'", csp
    assert directives.get("object-src") == "'none'", csp
    assert "'unsafe-inline'" not in directives.get("script-src", "unsafe"), csp
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Referrer-Policy") == "strict-origin-when-cross-origin"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/", 200),
        ("GET", "/challenges/", 200),
        ("GET", "/login", 200),
        ("GET", "/register", 200),
        ("GET", "/logout", 302),
        ("GET", "/account/password", 302),
        ("GET", "/no-such-page", 404),
        ("GET", "/challenges/no-such-challenge/", 404),
        ("DELETE", "/login", 405),
        ("POST", "/", 405),
        ("POST", "/login", 400),  # no CSRF token
        ("GET", "/admin/", 302),
        ("GET", "/healthz", 200),
        ("GET", "/static/css/app.css", 200),
    ],
)
def test_every_response_carries_the_security_headers(client, method, path, status):
    """RELIABILITY #27: security headers on HTML responses."""
    with client.open(path, method=method) as response:
        assert response.status_code == status
        assert_security_headers(response)


@pytest.mark.parametrize(
    ("method", "path", "status", "message"),
    [
        ("GET", "/no-such-page", 404, "We couldn't find that page."),
        ("DELETE", "/login", 405, "That action isn't available here."),
        ("POST", "/login", 400, "Your form expired or came from another site."),
    ],
)
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_error_pages_are_friendly_html_with_the_headers(
    client, method, path, status, message, htmx
):
    headers = {"HX-Request": "true"} if htmx else {}

    response = client.open(path, method=method, headers=headers)

    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert message in response.get_data(as_text=True).replace("&#39;", "'")
    assert "Traceback" not in response.get_data(as_text=True)
    assert_security_headers(response)


def test_405_says_which_methods_are_allowed(client):
    response = client.delete("/login")

    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_admin_sends_visitors_to_a_login_page_that_carries_the_headers(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")

    login_page = client.get(response.headers["Location"])

    assert login_page.status_code == 200
    assert login_page.mimetype == "text/html"
    assert "Log in" in login_page.get_data(as_text=True)
    assert_security_headers(login_page)


def test_the_429_page_carries_the_headers(client, make_user):
    make_user("bob")
    for _ in range(10):
        bad_login(client)

    response = bad_login(client)

    assert response.status_code == 429
    assert_security_headers(response)


def test_each_response_gets_its_own_csp_nonce(client):
    nonces = {
        re.search(r"'nonce-([^']+)'", client.get("/").headers["Content-Security-Policy"]).group(1)
        for _ in range(3)
    }
    assert len(nonces) == 3


# --- 6. cookie attributes ------------------------------------------------------------------


def set_cookies(response: Any) -> dict[str, list[str]]:
    """Set-Cookie headers by cookie name, each as its lower-cased attribute list."""
    cookies: dict[str, list[str]] = {}
    for header in response.headers.getlist("Set-Cookie"):
        name_value, *attributes = [part.strip() for part in header.split(";")]
        cookies[name_value.split("=", 1)[0]] = [a.lower() for a in attributes]
    return cookies


def login_with_remember(client: Any, **kwargs: Any) -> dict[str, list[str]]:
    data = {"login": "bob", "password": PASSWORD, "remember": "y"}
    response = client.post_form("/login", data, **kwargs)
    assert response.status_code == 302
    cookies = set_cookies(response)
    assert {"session", "remember_token"} <= cookies.keys(), cookies
    return cookies


def test_session_and_remember_cookies_are_httponly_and_samesite_lax(client, make_user):
    """RELIABILITY #17: cookie flags (Secure in production, HttpOnly, SameSite=Lax)."""
    make_user("bob")

    cookies = login_with_remember(client)

    for name in ("session", "remember_token"):
        assert "httponly" in cookies[name], name
        assert "samesite=lax" in cookies[name], name
        # Plain-http development must keep working, so Secure is a production setting.
        assert "secure" not in cookies[name], name


@pytest.mark.parametrize("configured_by", ["config", "WC_ENV=production"])
def test_cookies_are_secure_in_production(make_app, make_user, monkeypatch, configured_by):
    """RELIABILITY #17, #27: cookie flags (Secure in production, HttpOnly, SameSite=Lax);
    security headers on HTML responses."""
    make_user("bob")
    if configured_by == "config":
        production = make_app(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    else:
        monkeypatch.setenv("WC_ENV", "production")
        monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
        production = make_app()
    client = production.test_client()

    # Production prefers https, so the test client speaks it, and CSRF then checks the Referer
    # (which a browser sends on a same-origin form post).
    cookies = login_with_remember(client, headers={"Referer": "https://localhost/login"})

    for name in ("session", "remember_token"):
        assert {"secure", "httponly", "samesite=lax"} <= set(cookies[name]), (name, cookies[name])
    assert client.get("/").headers["Strict-Transport-Security"].startswith("max-age=")


def test_no_hsts_over_plain_http_in_development(client):
    assert "Strict-Transport-Security" not in client.get("/").headers


# --- 7. health probes ----------------------------------------------------------------------


@pytest.fixture
def sql_statements() -> Iterator[list[str]]:
    """Every SQL statement the app's engine runs while the test is on."""
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield statements
    event.remove(db.engine, "before_cursor_execute", record)


def test_healthz_answers_without_touching_the_database(client, sql_statements):
    client.get("/readyz")
    assert sql_statements, "the listener must see the readiness probe's query"
    sql_statements.clear()

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert sql_statements == []


def test_healthz_touches_no_database_for_a_logged_in_browser(client, make_user, sql_statements):
    make_user("bob")
    login_with_remember(client)
    client.get("/")  # pops the welcome flash
    sql_statements.clear()

    assert client.get("/healthz").status_code == 200
    assert sql_statements == []


def unreachable_database_url(app_config: dict[str, Any], tmp_path: Any) -> str:
    if app_config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'no-such-dir' / 'challenges.db'}"
    return "postgresql+psycopg://nobody@127.0.0.1:1/nothing?connect_timeout=2"


UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def test_healthz_answers_even_when_database_and_redis_are_down(make_app, app_config, tmp_path):
    broken = make_app(
        SQLALCHEMY_DATABASE_URI=unreachable_database_url(app_config, tmp_path),
        REDIS_URL=UNREACHABLE_REDIS,
    )

    response = broken.test_client().get("/healthz")

    assert response.status_code == 200


def test_readyz_answers_200_when_database_and_redis_are_up(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_names_redis_when_redis_is_down(make_app):
    broken = make_app(REDIS_URL=UNREACHABLE_REDIS)

    response = broken.test_client().get("/readyz")

    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "down": ["redis"]}


def test_readyz_names_the_database_when_it_is_down(make_app, app_config, tmp_path):
    broken = make_app(SQLALCHEMY_DATABASE_URI=unreachable_database_url(app_config, tmp_path))

    response = broken.test_client().get("/readyz")

    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "down": ["database"]}


def test_readyz_names_both_when_both_are_down(make_app, app_config, tmp_path):
    broken = make_app(
        SQLALCHEMY_DATABASE_URI=unreachable_database_url(app_config, tmp_path),
        REDIS_URL=UNREACHABLE_REDIS,
    )

    response = broken.test_client().get("/readyz")

    assert response.status_code == 503
    assert response.get_json()["down"] == ["database", "redis"]
