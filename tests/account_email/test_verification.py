"""Email verification (issue #9, "Accounts"): the email a new member gets, its link, the banner
with "Resend", and links that must not work."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from challenges.extensions import db
from challenges.models import User
from tests.support.factories import PASSWORD
from tests.support.tampering import tamper

from .helpers import html_part, link_in, only_message_to, page_text, reload, text_part

VERIFY = "/account/verify/"


def register(client, username: str = "alice", email: str = "alice@example.com"):
    """Register through the form: it answers "check your email" and signs nobody in (issue
    #10: the same answer as for a taken address)."""
    response = client.post_form("/register", {"username": username, "email": email,
                                              "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert f"We sent a link to {email}." in page_text(response)
    user = db.session.scalar(select(User).where(User.username == username))
    assert user is not None
    return user


def test_a_new_member_gets_a_verification_email_whose_link_verifies_them(client, smtp_server):
    user = register(client)
    assert not user.is_verified
    message = only_message_to(smtp_server, "alice@example.com")
    assert message["Subject"] == "Confirm your email for Weekly Challenges"
    assert message["Message-ID"] and message["Date"]
    assert message["List-Unsubscribe"] is None  # not optional: no unsubscribe
    assert "@alice" in text_part(message) and "@alice" in html_part(message)
    link = link_in(message, VERIFY)

    response = client.get(link)
    assert response.status_code == 200
    assert "Email confirmed" in page_text(response)
    assert reload(user.id).is_verified


def test_following_the_verification_link_again_changes_nothing(client, smtp_server):
    user = register(client)
    link = link_in(only_message_to(smtp_server, "alice@example.com"), VERIFY)
    assert client.get(link).status_code == 200
    again = client.get(link)
    assert again.status_code == 200
    assert "Already confirmed" in page_text(again)
    assert reload(user.id).is_verified


def test_the_verification_link_works_in_a_browser_that_is_not_logged_in(app, client,
                                                                           smtp_server):
    user = register(client)
    link = link_in(only_message_to(smtp_server, "alice@example.com"), VERIFY)
    assert app.test_client().get(link).status_code == 200
    assert reload(user.id).is_verified


def test_a_verification_link_stops_working_after_an_email_change(client, smtp_server):
    user = register(client)
    link = link_in(only_message_to(smtp_server, "alice@example.com"), VERIFY)
    user.email = "alice@elsewhere.example"
    db.session.commit()
    response = client.get(link)
    assert response.status_code == 400
    assert "no longer uses" in page_text(response)
    assert not reload(user.id).is_verified


def test_a_verification_link_expires_after_seven_days(client, smtp_server, frozen_clock):
    user = register(client)
    link = link_in(only_message_to(smtp_server, "alice@example.com"), VERIFY)
    frozen_clock.advance(days=7, seconds=1)
    response = client.get(link)
    assert response.status_code == 400
    assert "expired" in page_text(response)
    assert not reload(user.id).is_verified


def test_a_verification_link_still_works_on_its_seventh_day(client, smtp_server, frozen_clock):
    user = register(client)
    link = link_in(only_message_to(smtp_server, "alice@example.com"), VERIFY)
    frozen_clock.advance(days=6, hours=23)
    assert client.get(link).status_code == 200
    assert reload(user.id).is_verified


@pytest.mark.parametrize("token", [
    "tampered", "x", "a.b.c", "eyJ1IjoxfQ.aaaa.bbbb", "%00", "é", "A" * 2000,
])
def test_a_tampered_verification_link_is_refused_cleanly(client, smtp_server, token):
    user = register(client)
    if token == "tampered":
        path = tamper(link_in(only_message_to(smtp_server, "alice@example.com"), VERIFY))
    else:
        path = VERIFY + token
    response = client.get(path)
    assert response.status_code in (400, 404)  # 404: a path the router cannot even match
    if response.status_code == 400:
        assert "This link can't be used" in page_text(response)
    assert not reload(user.id).is_verified


def test_a_reset_link_is_not_a_verification_link(client, smtp_server, make_user):
    """Each kind of link has its own salt: one cannot be replayed as another."""
    user = make_user(is_verified=False)
    client.post_form("/password/forgot", {"email": user.email})
    reset_path = link_in(only_message_to(smtp_server, user.email), "/password/reset/")
    token = reset_path.rsplit("/", 1)[1]
    assert client.get(VERIFY + token).status_code == 400
    assert not reload(user.id).is_verified


def test_unverified_members_see_the_banner_and_verified_members_do_not(client, make_user,
                                                                        login):
    unverified = make_user(is_verified=False)
    login(client, unverified)
    page = page_text(client.get("/challenges/"))
    assert 'id="verify-banner"' in page
    assert "Please confirm your email address" in page
    assert "your votes count 0.5 instead of 1" in page

    other = type(client)(client.application)  # a second browser
    login(other, make_user())
    assert 'id="verify-banner"' not in page_text(other.get("/challenges/"))
    assert 'id="verify-banner"' not in page_text(type(client)(client.application).get("/"))


def test_resend_sends_a_new_working_link(client, smtp_server, make_user, login):
    user = make_user(is_verified=False)
    login(client, user)
    response = client.post_form("/account/verify/resend", {"next": "/challenges/"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/challenges/"
    message = only_message_to(smtp_server, user.email)
    assert client.get(link_in(message, VERIFY)).status_code == 200
    assert reload(user.id).is_verified
    assert 'id="verify-banner"' not in page_text(client.get("/challenges/"))


def test_resend_with_htmx_answers_with_the_banner(client, smtp_server, make_user, login):
    user = make_user(is_verified=False)
    login(client, user)
    response = client.post("/account/verify/resend",
                           headers={"HX-Request": "true", "X-CSRFToken": client.csrf_token()})
    assert response.status_code == 200
    body = page_text(response)
    assert 'id="verify-banner"' in body and "<html" not in body  # the widget alone
    assert "We sent a new confirmation link to" in body and user.email in body
    assert len(smtp_server.to(user.email)) == 1


def test_resend_needs_the_csrf_token(client, smtp_server, make_user, login):
    user = make_user(is_verified=False)
    login(client, user)
    assert client.post("/account/verify/resend").status_code == 400
    assert smtp_server.to(user.email) == []


def test_resend_is_rate_limited(app, client, smtp_server, make_user, login, monkeypatch):
    monkeypatch.setitem(app.config, "VERIFY_RESEND_RATE_LIMIT", "3 per hour")
    user = make_user(is_verified=False)
    login(client, user)
    statuses = [client.post_form("/account/verify/resend").status_code for _ in range(4)]
    assert statuses == [302, 302, 302, 429]
    assert len(smtp_server.to(user.email)) == 3


def test_resend_for_a_verified_member_sends_nothing(client, smtp_server, make_user, login):
    user = make_user()
    login(client, user)
    assert client.post_form("/account/verify/resend").status_code == 302
    assert smtp_server.to(user.email) == []


def test_resend_needs_a_login(client, smtp_server):
    response = client.post_form("/account/verify/resend")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
