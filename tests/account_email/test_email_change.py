"""Changing the address (issue #9): current password required, a confirmation link to the new
address, a notice to the old one; the link changes it (verified), and rotates nothing else."""

from __future__ import annotations

import pytest

from challenges.extensions import db
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

CONFIRM = "/account/email/confirm/"
NEW = "alice.new@example.com"


def ask_for_change(client, email: str = NEW, password: str = PASSWORD):
    return client.post_form("/account/email", {"email": email, "password": password})


@pytest.fixture
def alice(client, make_user, login):
    user = make_user("alice", is_verified=False)
    login(client, user)
    return user


def test_the_account_page_links_to_the_email_page(client, alice):
    assert 'href="/account/email"' in page_text(client.get("/account/password"))
    page = client.get("/account/email")
    assert page.status_code == 200
    assert "alice@example.com" in page_text(page)


def test_the_email_page_needs_a_login(client):
    response = client.get("/account/email")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_change_sends_a_link_to_the_new_address_and_a_notice_to_the_old(client, smtp_server,
                                                                          alice):
    token_before = reload(alice.id).session_token
    response = ask_for_change(client)
    assert response.status_code == 302
    assert reload(alice.id).email == "alice@example.com"  # nothing changes yet

    confirmation = only_message_to(smtp_server, NEW)
    assert confirmation["Subject"] == "Confirm your new email for Weekly Challenges"
    assert confirmation["List-Unsubscribe"] is None
    notice = only_message_to(smtp_server, "alice@example.com")
    assert notice["Subject"] == "Your Weekly Challenges email is about to change"
    assert notice["List-Unsubscribe"] is None
    for part in (text_part(notice), html_part(notice)):
        assert NEW in part and CONFIRM not in part  # the old address cannot confirm it

    result = client.get(link_in(confirmation, CONFIRM))
    assert result.status_code == 200
    assert "Email changed" in page_text(result)
    user = reload(alice.id)
    assert (user.email, user.is_verified) == (NEW, True)
    assert user.session_token == token_before  # sessions stay
    assert client.get("/account/email").status_code == 200  # still logged in


def test_the_confirmation_link_works_in_another_browser_and_twice(app, client, smtp_server,
                                                                  alice):
    ask_for_change(client)
    link = link_in(only_message_to(smtp_server, NEW), CONFIRM)
    other = app.test_client()
    assert other.get(link).status_code == 200
    again = other.get(link)
    assert again.status_code == 200 and "already used" in page_text(again)
    assert reload(alice.id).email == NEW


def test_a_change_needs_the_current_password(client, smtp_server, alice):
    response = ask_for_change(client, password="not my password")
    assert response.status_code == 422
    assert field_error(response, "password") == "That is not your current password."
    assert smtp_server.messages == []


@pytest.mark.parametrize(("email", "message"), [
    ("not an address", "email address"),
    ("ALICE@example.com ", "already your address"),
    ("bob@example.com", "already exists"),
])
def test_a_bad_new_address_gets_a_message_at_its_field(client, smtp_server, alice, make_user,
                                                       email, message):
    make_user("bob")
    response = ask_for_change(client, email=email)
    assert response.status_code == 422
    assert message in field_error(response, "email")
    assert smtp_server.messages == []


def test_an_address_taken_before_the_link_is_followed_gets_a_clear_message(
        client, smtp_server, alice, make_user):
    """The unique constraint decides: whoever holds the address first keeps it."""
    ask_for_change(client)
    link = link_in(only_message_to(smtp_server, NEW), CONFIRM)
    make_user("carol", email=NEW)
    response = client.get(link)
    assert response.status_code == 409
    assert "Another account uses that address now" in page_text(response)
    assert 'href="/account/email"' in page_text(response)
    assert reload(alice.id).email == "alice@example.com"


def test_an_older_confirmation_link_stops_working_after_another_change(client, smtp_server,
                                                                       alice):
    ask_for_change(client)
    first = link_in(only_message_to(smtp_server, NEW), CONFIRM)
    ask_for_change(client, email="alice.other@example.com")
    assert client.get(link_in(only_message_to(smtp_server, "alice.other@example.com"),
                              CONFIRM)).status_code == 200
    response = client.get(first)
    assert response.status_code == 400
    assert "Your address changed since this link was sent" in page_text(response)
    assert reload(alice.id).email == "alice.other@example.com"


def test_a_confirmation_link_expires_after_24_hours(client, smtp_server, alice, frozen_clock):
    ask_for_change(client)
    link = link_in(only_message_to(smtp_server, NEW), CONFIRM)
    frozen_clock.advance(hours=24, seconds=1)
    response = client.get(link)
    assert response.status_code == 400 and "expired" in page_text(response)
    assert reload(alice.id).email == "alice@example.com"


@pytest.mark.parametrize("token", ["tampered", "x", "a.b.c", "%00"])
def test_a_tampered_confirmation_link_is_refused_cleanly(client, smtp_server, alice, token):
    ask_for_change(client)
    link = link_in(only_message_to(smtp_server, NEW), CONFIRM)
    response = client.get(tamper(link) if token == "tampered" else CONFIRM + token)
    assert response.status_code == 400
    assert "This link can't be used" in page_text(response)
    db.session.rollback()
    assert reload(alice.id).email == "alice@example.com"


def test_asking_for_changes_is_rate_limited(app, client, smtp_server, alice, monkeypatch):
    monkeypatch.setitem(app.config, "EMAIL_CHANGE_RATE_LIMIT", "2 per hour")
    statuses = [ask_for_change(client, email=f"a{i}@example.com").status_code for i in range(3)]
    assert statuses == [302, 302, 429]
