"""Conditional GET of the landing page and the gallery for anonymous visitors (issue #14)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from challenges.clock import utcnow
from challenges.extensions import db
from challenges.services.entries import withdraw_entry
from challenges.transactions import commit_with_retry

from ..core.helpers import submit, vote


def seen(client, url: str, **kwargs):
    """A view after the first one: the first builds the board, and a page is given no
    validator while its board is not built."""
    client.get(url, **kwargs)
    return client.get(url, **kwargs)


def landing(challenge) -> str:
    return f"/challenges/{challenge.slug}/"


def gallery(challenge) -> str:
    return f"/challenges/{challenge.slug}/submissions/?sort=newest"


@pytest.mark.parametrize("page", [landing, gallery])
def test_an_unchanged_page_is_a_bodiless_304_with_the_same_headers(client, make_challenge,
                                                                   make_user, page):
    challenge = make_challenge("active")
    submit(challenge, make_user())
    first = seen(client, page(challenge))
    assert first.status_code == 200 and first.headers["ETag"]
    again = client.get(page(challenge), headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Cache-Control"] == first.headers["Cache-Control"] == "private, no-cache"
    assert again.headers["Vary"] == first.headers["Vary"]
    assert "HX-Request" in first.headers["Vary"] and "Cookie" in first.headers["Vary"]


@pytest.mark.parametrize("page", [landing, gallery])
def test_a_vote_changes_the_etag_and_the_page_is_sent_again(client, make_challenge, make_user,
                                                            page):
    challenge = make_challenge("active")
    entry = submit(challenge, make_user())
    etag = seen(client, page(challenge)).headers["ETag"]
    vote(entry, make_user())
    after = client.get(page(challenge), headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.headers["ETag"] != etag
    assert "1 vote" in after.get_data(as_text=True)


def test_a_withdrawn_entry_leaves_the_next_view(client, make_challenge, make_user):
    challenge, author = make_challenge("active"), make_user()
    entry = submit(challenge, author, title="Vanishing act")
    first = seen(client, gallery(challenge))
    assert "Vanishing act" in first.get_data(as_text=True)
    commit_with_retry(lambda: withdraw_entry(entry.id, author, utcnow()))
    after = client.get(gallery(challenge), headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200 and "Vanishing act" not in after.get_data(as_text=True)


def test_an_editors_change_to_the_challenge_shows_on_the_next_view(client, make_challenge):
    challenge = make_challenge("active")
    first = seen(client, landing(challenge))
    challenge.title = "Renamed by the editor"
    db.session.commit()
    after = client.get(landing(challenge), headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200 and "Renamed by the editor" in after.get_data(as_text=True)


def test_time_passing_revalidates_the_countdowns(client, make_challenge, frozen_clock):
    challenge = make_challenge("active")
    first = seen(client, landing(challenge))
    frozen_clock.advance(timedelta(minutes=2))
    after = client.get(landing(challenge), headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200


def test_the_spanish_page_is_not_the_english_one(client, make_challenge):
    challenge = make_challenge("active")
    english = seen(client, landing(challenge), headers={"Accept-Language": "en"})
    spanish = client.get(landing(challenge), headers={"Accept-Language": "es",
                                                      "If-None-Match": english.headers["ETag"]})
    assert spanish.status_code == 200 and spanish.headers["ETag"] != english.headers["ETag"]
    assert 'lang="es"' in spanish.get_data(as_text=True)


@pytest.mark.parametrize("page", [landing, gallery])
def test_a_member_always_gets_their_own_rendered_page(client, login, make_challenge, make_user,
                                                      page):
    challenge = make_challenge("active")
    submit(challenge, make_user())
    etag = seen(client, page(challenge)).headers["ETag"]
    member = make_user()
    login(client, member)
    response = client.get(page(challenge), headers={"If-None-Match": etag})
    assert response.status_code == 200 and "ETag" not in response.headers
    assert member.username in response.get_data(as_text=True)


def test_a_visitors_discover_page_is_a_304_while_their_order_stands(client, make_challenge,
                                                                    make_user, redis_client):
    """Discover's order is the visitor's own (their session names it): a repeat view of the
    same order is a 304; another visitor, or a new order (expired), gets the page again."""
    challenge = make_challenge("active")
    for _ in range(3):
        submit(challenge, make_user())
    url = f"/challenges/{challenge.slug}/submissions/?sort=discover"
    first = seen(client, url)
    etag = first.headers["ETag"]
    assert first.status_code == 200
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    other = client.application.test_client()
    other.get(url)
    assert other.get(url, headers={"If-None-Match": etag}).status_code == 200  # not theirs
    for key in redis_client.scan_iter(f"challenge:{{{challenge.id}}}:discover:*"):
        redis_client.delete(key)  # the visitor's order expired: a new draw is a new page
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 200


def test_a_visitors_first_discover_view_carries_the_validator_of_the_order_it_drew(
        client, make_challenge, make_user):
    """The first view draws and stores the visitor's order; its ETag names that order, so the
    visitor's very next view is a 304 (it named the order "not drawn yet" before: a second 200
    for every visitor)."""
    challenge = make_challenge("active")
    for _ in range(3):
        submit(challenge, make_user())
    url = f"/challenges/{challenge.slug}/submissions/?sort=discover"
    client.application.test_client().get(url)  # someone else's view builds the board
    first = client.get(url)
    assert first.status_code == 200 and first.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_a_304_sends_two_statements_and_renders_nothing(client, make_challenge, make_user,
                                                        count_sql):
    challenge = make_challenge("active")
    for _ in range(5):
        submit(challenge, make_user())
    etag = seen(client, gallery(challenge)).headers["ETag"]
    count_sql.clear()
    assert client.get(gallery(challenge), headers={"If-None-Match": etag}).status_code == 304
    # The challenge lookup and the entries' aggregate, whatever the number of entries.
    assert len(count_sql) <= 3, count_sql
