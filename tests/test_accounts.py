"""Accounts: register, log in, log out, change password; bad input; ``next``; old sessions."""

from __future__ import annotations

import html
import re
from urllib.parse import quote, urlsplit

import pytest
from argon2 import PasswordHasher, Type, extract_parameters
from sqlalchemy import select

from challenges.auth.nexturl import safe_next
from challenges.extensions import db
from challenges.models import User
from challenges.services import accounts
from challenges.services.accounts import authenticate
from tests.support.factories import PASSWORD

NEW_PASSWORD = "a brand new passphrase"
LONG = "x" * 10_000
NUL = "\x00"
REMEMBER_COOKIE = "remember_token"
SESSION_COOKIE = "session"


# --- fixtures and helpers ------------------------------------------------------------------


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def nav_username(response) -> str | None:
    """The ``@username`` the navigation shows, or None for an anonymous visitor."""
    match = re.search(r'data-testid="nav-username">@([^<]*)<', response.get_data(as_text=True))
    return match.group(1) if match else None


def field_error(response, field_id: str) -> str:
    """The inline error shown beside one form field ('' when there is none)."""
    match = re.search(
        rf'<p class="error" id="{re.escape(field_id)}-error">(.*?)</p>',
        response.get_data(as_text=True),
        re.S,
    )
    return html.unescape(match.group(1)) if match else ""


def register_data(**overrides: str) -> dict[str, str]:
    data = {
        "username": "alice",
        "email": "alice@example.com",
        "password": PASSWORD,
        "confirm": PASSWORD,
    }
    data.update(overrides)
    return data


def change_password_data(**overrides: str) -> dict[str, str]:
    data = {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    data.update(overrides)
    return data


def assert_on_site(location: str) -> None:
    """A redirect target a browser resolves to this site: a plain path, never another host."""
    parts = urlsplit(location)
    assert not parts.scheme and not parts.netloc, location
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location
    assert "\\" not in location, location


def is_anonymous(client) -> bool:
    """No @username in the nav, and a login-only page sends the visitor to log in."""
    home = client.get("/")
    protected = client.get("/account/password")
    return (
        nav_username(home) is None
        and protected.status_code == 302
        and protected.headers["Location"].startswith("/login")
    )


def replay(app, cookies: dict[str, str]):
    """A fresh browser holding only copies of ``cookies``."""
    fresh = app.test_client()
    for name, value in cookies.items():
        fresh.set_cookie(name, value)
    return fresh


def cookie_values(client, *names: str) -> dict[str, str]:
    values = {}
    for name in names:
        cookie = client.get_cookie(name)
        assert cookie is not None, f"no {name} cookie"
        values[name] = cookie.value
    return values


# --- 1. happy paths ------------------------------------------------------------------------


def test_register_creates_the_account_and_asks_to_check_email(client):
    """Registering signs nobody in (issue #10): that would tell a new address from a taken one.
    The emailed link signs the member in (tests/hardening/test_register.py)."""
    response = client.post_form(
        "/register", register_data(username="Alice", email="Alice@Example.com")
    )

    assert response.status_code == 200
    assert ("We sent a link to alice@example.com. Follow it to finish signing up."
            in response.get_data(as_text=True))
    user = db.session.scalar(select(User).where(User.username == "alice"))
    assert user is not None and user.email == "alice@example.com" and user.role == "member"
    assert not user.is_verified
    assert nav_username(client.get("/")) is None


def test_register_page_renders_for_visitors(client):
    response = client.get("/register")
    assert response.status_code == 200
    assert 'name="username"' in response.get_data(as_text=True)


@pytest.mark.parametrize("login_with", ["username", "email", "upper-case email"])
def test_login_with_username_or_email_shows_username_in_nav(client, make_user, login_with):
    user = make_user("bob")
    login = {
        "username": "bob",
        "email": "bob@example.com",
        "upper-case email": " BOB@Example.COM ",
    }[login_with]
    assert nav_username(client.get("/login")) is None

    response = client.post_form("/login", {"login": login, "password": PASSWORD})

    assert response.status_code == 302
    page = client.get("/")
    assert nav_username(page) == user.username
    assert "Welcome back, @bob." in page_text(page)


def test_wrong_password_and_unknown_user_get_the_same_message(client, make_user):
    make_user("bob")
    wrong = client.post_form("/login", {"login": "bob", "password": "not the password"})
    unknown = client.post_form("/login", {"login": "nobody", "password": PASSWORD})

    for response in (wrong, unknown):
        assert response.status_code == 422
        assert field_error(response, "password") == "Wrong username/email or password."
    assert is_anonymous(client)


def test_logout_by_post_signs_out(client, make_user, login):
    user = make_user("bob")
    login(client, user)
    assert nav_username(client.get("/")) == "bob"

    response = client.post_form("/logout")

    assert response.status_code == 302
    assert is_anonymous(client)


def test_logout_by_get_only_asks_for_confirmation(client, make_user, login):
    login(client, make_user("bob"))

    response = client.get("/logout")

    assert response.status_code == 200
    assert "Log out?" in page_text(response)
    assert nav_username(client.get("/")) == "bob"


def test_change_password_replaces_the_old_password(client, make_user, login):
    user = make_user("bob")
    login(client, user)

    response = client.post_form("/account/password", change_password_data())

    assert response.status_code == 302
    assert nav_username(client.get("/")) == "bob"
    db.session.expire_all()
    assert authenticate("bob", NEW_PASSWORD).id == user.id
    client.post_form("/logout")
    old = client.post_form("/login", {"login": "bob", "password": PASSWORD})
    assert old.status_code == 422
    new = client.post_form("/login", {"login": "bob", "password": NEW_PASSWORD})
    assert new.status_code == 302


def test_change_password_needs_the_current_password(client, make_user, login):
    login(client, make_user("bob"))

    response = client.post_form(
        "/account/password", change_password_data(current_password="not my password")
    )

    assert response.status_code == 422
    assert field_error(response, "current_password") == "That is not your current password."
    db.session.expire_all()
    assert authenticate("bob", PASSWORD)


def test_change_password_needs_login(client):
    response = client.get("/account/password")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


# --- 2. bad input: a 4xx and a clear message, never a 500 ----------------------------------


@pytest.mark.parametrize("username", ["Alice", " alice", "ALICE ", "\talice"])
def test_username_is_unique_case_insensitively(client, make_user, username):
    """RELIABILITY #22: usernames are unique case- and space-insensitively."""
    make_user("alice")

    response = client.post_form(
        "/register", register_data(username=username, email="other@example.com")
    )

    assert response.status_code == 422
    assert field_error(response, "username") == "That username is taken."
    assert db.session.scalar(select(db.func.count()).select_from(User)) == 1


@pytest.mark.parametrize("email", ["alice@example.com", "ALICE@example.com", " Alice@Example.Com "])
def test_email_is_unique_case_insensitively(client, make_user, email):
    make_user("alice", email="alice@example.com")

    response = client.post_form("/register", register_data(username="alice2", email=email))

    # The same answer as for a new address (issue #10); no second account.
    assert response.status_code == 200
    assert "We sent a link to alice@example.com." in response.get_data(as_text=True)
    assert field_error(response, "email") == ""
    assert db.session.scalar(select(db.func.count()).select_from(User)) == 1


@pytest.mark.parametrize(
    "username", ["al", "a" * 31, "bad name", "bad!name", "ålice", "../../etc", "<script>"]
)
def test_username_outside_the_allowed_characters_is_refused(client, username):
    response = client.post_form("/register", register_data(username=username))

    assert response.status_code == 422
    assert field_error(response, "username")
    assert db.session.scalar(select(User)) is None


@pytest.mark.parametrize(
    "email",
    [
        "not-an-email",
        "alice@",
        "@example.com",
        "alice@@example.com",
        "alice@example",
        "alice example@example.com",
        "alice@exa mple.com",
        "alice@.com",
        "alice@example..com",
        "<alice@example.com>",
        "a" * 250 + "@example.com",
    ],
)
def test_malformed_email_is_refused_with_a_message(client, email):
    response = client.post_form("/register", register_data(email=email))

    assert response.status_code == 422
    assert field_error(response, "email")
    assert db.session.scalar(select(User)) is None


def test_passwords_that_do_not_match_are_refused(client):
    response = client.post_form("/register", register_data(confirm="something else entirely"))

    assert response.status_code == 422
    assert field_error(response, "confirm") == "The passwords don't match."


def test_short_password_is_refused(client):
    response = client.post_form("/register", register_data(password="short", confirm="short"))

    assert response.status_code == 422
    assert "8" in field_error(response, "password")


REGISTER_FIELDS = ["username", "email", "password", "confirm"]
LOGIN_FIELDS = ["login", "password"]
CHANGE_FIELDS = ["current_password", "new_password", "confirm"]


@pytest.mark.parametrize("field", REGISTER_FIELDS)
def test_register_refuses_an_empty_field(client, field):
    response = client.post_form("/register", register_data(**{field: ""}))

    assert response.status_code == 422
    assert field_error(response, field).startswith("This field is required.")
    assert db.session.scalar(select(User)) is None


@pytest.mark.parametrize("field", LOGIN_FIELDS)
def test_login_refuses_an_empty_field(client, make_user, field):
    make_user("bob")
    data = {"login": "bob", "password": PASSWORD, field: ""}

    response = client.post_form("/login", data)

    assert response.status_code == 422
    assert field_error(response, field) == "This field is required."
    assert is_anonymous(client)


@pytest.mark.parametrize("field", CHANGE_FIELDS)
def test_change_password_refuses_an_empty_field(client, make_user, login, field):
    login(client, make_user("bob"))

    response = client.post_form("/account/password", change_password_data(**{field: ""}))

    assert response.status_code == 422
    assert field_error(response, field).startswith("This field is required.")
    db.session.expire_all()
    assert authenticate("bob", PASSWORD)


@pytest.mark.parametrize("field", REGISTER_FIELDS)
@pytest.mark.parametrize("bad", [LONG, NUL, "alice" + NUL], ids=["10k-chars", "nul", "nul-inside"])
def test_register_refuses_overlong_or_nul_fields_with_a_message(client, field, bad):
    data = register_data(**{field: bad})
    if field == "password":  # keep the confirmation equal, so only this field is wrong
        data["confirm"] = bad

    response = client.post_form("/register", data)

    assert response.status_code == 422
    assert field_error(response, field)
    assert db.session.scalar(select(User)) is None


@pytest.mark.parametrize("field", LOGIN_FIELDS)
@pytest.mark.parametrize("bad", [LONG, NUL, "bob" + NUL], ids=["10k-chars", "nul", "nul-inside"])
def test_login_refuses_overlong_or_nul_fields_with_a_message(client, make_user, field, bad):
    make_user("bob")
    data = {"login": "bob", "password": PASSWORD, field: bad}

    response = client.post_form("/login", data)

    assert response.status_code == 422
    assert field_error(response, field)
    assert is_anonymous(client)


@pytest.mark.parametrize("field", CHANGE_FIELDS)
@pytest.mark.parametrize("bad", [LONG, NUL, PASSWORD + NUL], ids=["10k-chars", "nul", "nul-inside"])
def test_change_password_refuses_overlong_or_nul_fields_with_a_message(
    client, make_user, login, field, bad
):
    login(client, make_user("bob"))
    data = change_password_data(**{field: bad})
    if field == "new_password":
        data["confirm"] = bad

    response = client.post_form("/account/password", data)

    assert response.status_code == 422
    assert field_error(response, field)
    db.session.expire_all()
    assert authenticate("bob", PASSWORD)


@pytest.mark.parametrize("form", ["/register", "/login"])
@pytest.mark.parametrize(
    "bad", [LONG, NUL, "/" + NUL + "/evil.example"], ids=["10k", "nul", "nul-path"]
)
def test_a_bad_hidden_next_never_blocks_the_form(client, make_user, form, bad):
    """``next`` is not the user's to fix: a bad one is dropped, and the form still works."""
    if form == "/login":
        make_user("bob")
        data = {"login": "bob", "password": PASSWORD, "next": bad}
    else:
        data = {**register_data(), "next": bad}

    response = client.post_form(form, data)

    if form == "/register":  # signs nobody in: "check your email", links without the bad next
        assert response.status_code == 200
        assert 'href="/login"' in response.get_data(as_text=True)
        assert db.session.scalar(select(User).where(User.username == "alice")) is not None
        return
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert nav_username(client.get("/")) == "bob"


def test_remember_checkbox_with_odd_values_is_harmless(client, make_user):
    make_user("bob")
    for value in (LONG, NUL):
        response = client.post_form(
            "/login", {"login": "bob", "password": PASSWORD, "remember": value}
        )
        assert response.status_code == 302
        client.post_form("/logout")


@pytest.mark.parametrize("query", [NUL, LONG, "//evil.example"], ids=["nul", "10k", "offsite"])
def test_login_and_register_pages_accept_any_next_in_the_query(client, query):
    for path in ("/login", "/register"):
        response = client.get(f"{path}?next={quote(query)}")
        assert response.status_code == 200


# --- 3. next handling ----------------------------------------------------------------------

OFFSITE_NEXT = [
    "//evil.example",
    "///evil.example",
    "https://evil.example",
    "http://evil.example/challenges/",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    "evil.example",
    " //evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "%2F%2Fevil.example",
    "https%3A%2F%2Fevil.example",
    "//evil.example@example.com",
]


@pytest.mark.parametrize("target", OFFSITE_NEXT)
def test_login_never_redirects_off_site_via_the_form(client, make_user, target):
    """RELIABILITY #21: next never leaves the site."""
    make_user("bob")

    response = client.post_form("/login", {"login": "bob", "password": PASSWORD, "next": target})

    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(
    "raw_query",
    [
        "//evil.example",
        "%2F%2Fevil.example",
        "%2f%2fevil.example",
        "https://evil.example",
        "https%3A%2F%2Fevil.example",
        "/%5Cevil.example",
        "%2F%5Cevil.example",
        "/%09/evil.example",
        "%252F%252Fevil.example",
    ],
)
def test_login_never_redirects_off_site_via_the_query(client, make_user, raw_query):
    """What a browser does: GET /login?next=..., then post the form with the hidden field.

    RELIABILITY #21: next never leaves the site."""
    make_user("bob")
    page = client.get(f"/login?next={raw_query}")
    assert page.status_code == 200
    hidden = re.search(r'name="next" type="hidden" value="([^"]*)"', page.get_data(as_text=True))
    carried = html.unescape(hidden.group(1)) if hidden else ""

    via_form = client.post_form(
        f"/login?next={raw_query}", {"login": "bob", "password": PASSWORD, "next": carried}
    )
    assert via_form.status_code == 302
    assert_on_site(via_form.headers["Location"])
    # Already logged in: the login page redirects straight to next, which must be on site too.
    again = client.get(f"/login?next={raw_query}")
    assert again.status_code == 302
    assert_on_site(again.headers["Location"])


@pytest.mark.parametrize("target", OFFSITE_NEXT)
def test_register_never_redirects_off_site(client, target):
    response = client.post_form("/register", {**register_data(), "next": target})

    # "Check your email": its log-in link carries no off-site next.
    assert response.status_code == 200
    assert 'href="/login"' in response.get_data(as_text=True)
    assert "evil" not in response.get_data(as_text=True)


def test_login_honours_a_same_site_next(client, make_user):
    make_user("bob")
    page = client.get("/login?next=/challenges/")
    assert 'value="/challenges/"' in page.get_data(as_text=True)

    response = client.post_form(
        "/login", {"login": "bob", "password": PASSWORD, "next": "/challenges/"}
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/challenges/"


def test_login_required_page_round_trips_through_login(client, make_user):
    make_user("bob")
    bounce = client.get("/account/password")
    login_url = bounce.headers["Location"]
    page = client.get(login_url)
    hidden = re.search(r'name="next" type="hidden" value="([^"]*)"', page.get_data(as_text=True))
    assert hidden is not None

    response = client.post_form(
        "/login", {"login": "bob", "password": PASSWORD, "next": html.unescape(hidden.group(1))}
    )

    assert response.headers["Location"] == "/account/password"


def test_register_honours_a_same_site_next(client):
    response = client.post_form("/register", {**register_data(), "next": "/challenges/"})

    # The "check your email" page's log-in link takes the member on to next.
    assert response.status_code == 200
    assert 'href="/login?next=/challenges/"' in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "target",
    ["/", "/challenges/", "/challenges/spring-jam/?sort=new#top", "/account/password", "/a%2F%2Fb"],
)
def test_safe_next_keeps_same_site_paths(target):
    assert safe_next(target) == target


@pytest.mark.parametrize(
    "target", [*OFFSITE_NEXT, "", None, "/" + "a" * 2048, "/a\x00b", "/a\x7fb"]
)
def test_safe_next_refuses_anything_that_can_leave_the_site(target):
    """RELIABILITY #21: next never leaves the site."""
    assert safe_next(target) == "/"
    assert safe_next(target, default="/challenges/") == "/challenges/"


# --- 4. logout and password change invalidate every copy of the session ---------------------


def test_logout_invalidates_every_copy_of_the_session_and_remember_cookie(
    app, client, make_user, login
):
    """RELIABILITY #18: replayed cookies after logout are anonymous."""
    login(client, make_user("bob"), remember=True)
    copies = cookie_values(client, SESSION_COOKIE, REMEMBER_COOKIE)
    remember_only = {REMEMBER_COOKIE: copies[REMEMBER_COOKIE]}
    # The copies work before logout (so the checks below can fail).
    assert nav_username(replay(app, copies).get("/")) == "bob"
    assert nav_username(replay(app, remember_only).get("/")) == "bob"

    client.post_form("/logout")

    assert client.get_cookie(REMEMBER_COOKIE) is None
    assert is_anonymous(client)
    assert is_anonymous(replay(app, copies))
    assert is_anonymous(replay(app, {SESSION_COOKIE: copies[SESSION_COOKIE]}))
    assert is_anonymous(replay(app, remember_only))


def test_change_password_signs_out_every_other_device(app, client, make_user, login):
    """RELIABILITY #19: the old remember cookie dies with a password change."""
    user = make_user("bob")
    login(client, user, remember=True)
    other_device = app.test_client()
    login(other_device, user, remember=True)
    old_copies = cookie_values(client, SESSION_COOKIE, REMEMBER_COOKIE)
    other_copies = cookie_values(other_device, SESSION_COOKIE, REMEMBER_COOKIE)
    assert nav_username(other_device.get("/")) == "bob"

    response = client.post_form("/account/password", change_password_data())
    assert response.status_code == 302

    assert is_anonymous(other_device)
    assert is_anonymous(replay(app, other_copies))
    assert is_anonymous(replay(app, {REMEMBER_COOKIE: other_copies[REMEMBER_COOKIE]}))
    assert is_anonymous(replay(app, old_copies))
    assert is_anonymous(replay(app, {REMEMBER_COOKIE: old_copies[REMEMBER_COOKIE]}))


def test_the_device_that_changed_the_password_stays_logged_in(app, client, make_user, login):
    login(client, make_user("bob"), remember=True)

    client.post_form("/account/password", change_password_data())

    assert nav_username(client.get("/")) == "bob"
    assert client.get("/account/password").status_code == 200
    # "Keep me logged in" still holds after the browser restarts (its session cookie is gone).
    restarted = replay(app, cookie_values(client, REMEMBER_COOKIE))
    assert nav_username(restarted.get("/")) == "bob"


def test_the_real_password_hash_is_argon2id_at_the_librarys_recommended_cost(
        real_password_hasher):
    # The tests hash at the cheapest cost (tests/conftest.py); production hashes with this.
    made = extract_parameters(real_password_hasher.hash(PASSWORD))
    recommended = PasswordHasher()
    assert made.type is Type.ID
    assert (made.time_cost, made.memory_cost, made.parallelism) == (
        recommended.time_cost, recommended.memory_cost, recommended.parallelism)


def test_a_login_upgrades_a_password_hash_made_at_other_parameters(client, make_user):
    # A hash from before a change of parameters (the library's, or ours) is replaced by one at
    # the current parameters the next time its password is typed in.
    user = make_user("bob")
    user.password_hash = PasswordHasher(time_cost=2, memory_cost=1024, parallelism=1,
                                        hash_len=16, salt_len=8).hash(PASSWORD)
    db.session.commit()
    old_hash = user.password_hash
    answer = client.post_form("/login", {"login": "bob", "password": PASSWORD})
    assert answer.status_code == 302
    db.session.expire_all()
    upgraded = db.session.get(User, user.id).password_hash
    assert upgraded != old_hash
    assert not accounts._hasher.check_needs_rehash(upgraded)
    assert authenticate("bob", PASSWORD).id == user.id
