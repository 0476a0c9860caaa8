"""The private per-member feed: a secret address from /account/calendar, with only the
challenges the member entered or follows; revocable and regenerable (POST with CSRF)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from flask import current_app

from challenges.calendar.models import CalendarFeed
from challenges.clock import utcnow
from challenges.extensions import db
from challenges.services.entries import withdraw_entry
from challenges.transactions import commit_with_retry
from tests.core.helpers import submit

from .ics import events, parse_feed


def _uids(body: bytes) -> set[str]:
    return set(events(parse_feed(body)))


def ids_in(body: bytes) -> set[str]:
    return {uid[:36] for uid in _uids(body)}


def feed_path(client) -> str:
    """Create (or show) the member's feed through the account page, as a member would."""
    page = client.get("/account/calendar").get_data(as_text=True)
    if 'data-testid="feed-url"' not in page:
        assert client.post_form("/account/calendar/token").status_code == 302
        page = client.get("/account/calendar").get_data(as_text=True)
    match = re.search(r'value="([^"]+)" data-testid="feed-url"', page)
    assert match, "no feed address on the account page"
    url = match.group(1)
    assert url.startswith(current_app.config["SITE_URL"].rstrip("/") + "/calendar/")
    return urlsplit(url).path


@pytest.fixture
def member(client, make_user, login):
    user = make_user()
    login(client, user)
    return user


def test_the_account_page_needs_a_login(client):
    response = client.get("/account/calendar")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_the_account_page_links_to_the_feed_page(client, member):
    page = client.get("/account").get_data(as_text=True)  # the account menu's "Account"
    assert 'href="/account/calendar"' in page


def test_the_private_feed_has_only_what_the_member_entered_or_follows(
        client, member, make_challenge, make_user):
    entered, followed, neither = (make_challenge("active") for _ in range(3))
    withdrawn = make_challenge("active")
    followed_draft = make_challenge("upcoming", status="draft")
    submit(entered, member)
    entry = submit(withdrawn, member)
    commit_with_retry(lambda: withdraw_entry(entry.id, member, utcnow()))
    submit(neither, make_user())  # someone else's entry
    client.post_form(f"/challenges/{followed.slug}/follow")
    followed_draft.status = "upcoming"  # published while it was followed...
    db.session.commit()
    client.post_form(f"/challenges/{followed_draft.slug}/follow")
    followed_draft.status = "draft"  # ...then hidden again
    db.session.commit()

    response = client.get(feed_path(client))

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "private, max-age=900"
    assert response.headers["X-Robots-Tag"] == "noindex"
    assert ids_in(response.data) == {str(entered.id), str(followed.id)}


def test_another_members_token_shows_theirs_only(client, app, member, make_user, make_challenge,
                                                 login):
    mine, theirs = make_challenge("active"), make_challenge("upcoming")
    client.post_form(f"/challenges/{mine.slug}/follow")
    my_feed = feed_path(client)

    other_client = app.test_client()
    login(other_client, make_user())
    other_client.post_form(f"/challenges/{theirs.slug}/follow")
    their_feed = feed_path(other_client)

    assert my_feed != their_feed
    # A feed needs no session: calendar apps fetch it with nothing but the address.
    anonymous = app.test_client()
    assert ids_in(anonymous.get(my_feed).data) == {str(mine.id)}
    assert ids_in(anonymous.get(their_feed).data) == {str(theirs.id)}


def test_unfollowing_removes_the_challenge_from_the_feed(client, member, make_challenge):
    challenge = make_challenge("active")
    client.post_form(f"/challenges/{challenge.slug}/follow")
    path = feed_path(client)
    assert ids_in(client.get(path).data) == {str(challenge.id)}

    client.post_form(f"/challenges/{challenge.slug}/unfollow")

    assert ids_in(client.get(path).data) == set()


def test_a_revoked_token_gives_404(client, app, member, make_challenge):
    client.post_form(f"/challenges/{make_challenge('active').slug}/follow")
    path = feed_path(client)
    assert app.test_client().get(path).status_code == 200

    assert client.post_form("/account/calendar/revoke").status_code == 302

    assert app.test_client().get(path).status_code == 404
    assert db.session.get(CalendarFeed, member.id) is None
    page = client.get("/account/calendar").get_data(as_text=True)
    assert 'data-testid="feed-url"' not in page
    assert "Create my calendar feed" in page


def test_a_new_address_replaces_the_old_one(client, app, member):
    old = feed_path(client)

    assert client.post_form("/account/calendar/token").status_code == 302
    new = feed_path(client)

    assert new != old
    assert app.test_client().get(old).status_code == 404
    assert app.test_client().get(new).status_code == 200


@pytest.mark.parametrize("url", ["/account/calendar/token", "/account/calendar/revoke"])
def test_creating_and_revoking_need_the_csrf_token(client, member, url):
    feed_path(client)
    before = db.session.get(CalendarFeed, member.id).token

    assert client.post(url).status_code == 400

    db.session.expire_all()
    assert db.session.get(CalendarFeed, member.id).token == before


@pytest.mark.parametrize("url", ["/account/calendar/token", "/account/calendar/revoke"])
def test_creating_and_revoking_need_a_login(client, url):
    response = client.post_form(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert db.session.query(CalendarFeed).count() == 0


@pytest.mark.parametrize("token", ["nope", "x" * 43, "a" * 200, "%00" * 10])
def test_unknown_or_malformed_tokens_give_404(client, token):
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_the_account_page_is_never_cached_and_offers_subscribe_links(client, member):
    feed_path(client)
    response = client.get("/account/calendar")
    assert response.headers["Cache-Control"] == "private, no-store"
    page = response.get_data(as_text=True)
    assert 'href="webcal://' in page
    assert "calendar.google.com/calendar/render?cid=webcal" in page
