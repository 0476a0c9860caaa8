"""Registering does not tell whether an address has an account (issue #10; OWASP ASVS 6.3.7):
a new and a taken address get the same page, status and words, and neither signs anyone in.
The address's owner is emailed instead; a new member finishes through the emailed link, which
signs them in on its first use."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from challenges.extensions import db
from challenges.models import User
from tests.support.factories import PASSWORD

from ..account_email.helpers import field_error, link_in, only_message_to, page_text, reload

NAV = 'data-testid="nav-username">@'
VARYING = re.compile(r'(csrf_token" value="|"X-CSRFToken": "|nonce="|nonce-)[^"&\']+')
ANSWER = "We sent a link to {}. Follow it to finish signing up."
ATTEMPT_SUBJECT = "Someone tried to register with your email"


def register(client, username: str, email: str):
    return client.post_form("/register", {"username": username, "email": email,
                                          "password": PASSWORD, "confirm": PASSWORD})


def comparable(response) -> str:
    """The page without what differs on every response anyway (CSRF token, CSP nonce)."""
    return VARYING.sub(r"\1…", response.get_data(as_text=True))


def test_a_new_and_a_taken_address_get_the_same_answer(app, smtp_server):
    new = register(app.test_client(), "first", "someone@example.com")
    taken = register(app.test_client(), "second", "someone@example.com")
    assert new.status_code == taken.status_code == 200
    assert ANSWER.format("someone@example.com") in page_text(taken)
    assert comparable(new) == comparable(taken)
    assert new.headers.get("Set-Cookie", "").split(";")[0].split("=")[0] == \
        taken.headers.get("Set-Cookie", "").split(";")[0].split("=")[0]
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_registering_signs_nobody_in_either_way(client, make_user):
    make_user("owner", email="owner@example.com")
    for username, email in (("fresh", "fresh@example.com"), ("intruder", "owner@example.com")):
        assert register(client, username, email).status_code == 200
        assert NAV not in client.get("/").get_data(as_text=True)
        assert client.get("/account/tokens").status_code == 302


def test_the_owner_of_a_taken_address_is_emailed_and_nothing_is_created(client, smtp_server,
                                                                         make_user):
    owner = make_user("owner", email="owner@example.com")
    assert register(client, "intruder", "Owner@Example.com").status_code == 200
    message = only_message_to(smtp_server, "owner@example.com")
    assert message["Subject"] == ATTEMPT_SUBJECT
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "@owner" in body and "/login" in body and "/password/forgot" in body
    assert db.session.scalar(select(User.id).where(User.username == "intruder")) is None
    assert reload(owner.id).password_hash == owner.password_hash


def test_the_owner_gets_at_most_one_attempt_email_an_hour(client, smtp_server, make_user,
                                                         frozen_clock):
    make_user("owner", email="owner@example.com")
    frozen_clock.set(frozen_clock.now.replace(minute=0, second=0))
    for n in range(3):
        assert register(client, f"intruder{n}", "owner@example.com").status_code == 200
    assert len(smtp_server.to("owner@example.com")) == 1
    frozen_clock.advance(timedelta(hours=1))
    register(client, "intruder9", "owner@example.com")
    assert len(smtp_server.to("owner@example.com")) == 2


def test_a_taken_username_is_still_refused_at_its_field(client, make_user):
    make_user("alice")
    response = register(client, "alice", "new@example.com")
    assert response.status_code == 422
    assert field_error(response, "username") == "That username is taken."


def test_the_first_use_of_the_verification_link_signs_the_new_member_in(app, client,
                                                                        smtp_server):
    assert register(client, "fresh", "fresh@example.com").status_code == 200
    link = link_in(only_message_to(smtp_server, "fresh@example.com"), "/account/verify/")
    followed = client.get(link)
    assert followed.status_code == 200 and "Email confirmed" in page_text(followed)
    assert NAV + "fresh" in client.get("/").get_data(as_text=True)

    later = app.test_client()  # the same link again, elsewhere: confirms, never signs in
    assert later.get(link).status_code == 200
    assert NAV not in later.get("/").get_data(as_text=True)


def test_the_new_member_can_log_in_with_the_password_before_verifying(client, login,
                                                                      smtp_server):
    assert register(client, "fresh", "fresh@example.com").status_code == 200
    user = db.session.scalar(select(User).where(User.username == "fresh"))
    login(client, user)
    assert NAV + "fresh" in client.get("/").get_data(as_text=True)
