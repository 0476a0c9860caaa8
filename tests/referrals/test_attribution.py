"""SPEC §11 "community growth": a visit through a share link (``?ref=<username>``) counts a
share visit for the page's challenge, and a registration within 7 days of it is attributed to
that member and challenge (``User.referred_by_id``, ``User.referred_challenge_id``)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from challenges.extensions import db
from challenges.models import ChallengeDailyCounter, User
from challenges.referrals import cookie
from jobs.stats import flush_sponsor_counters
from tests.support.factories import PASSWORD
from tests.support.tampering import tamper

MONDAY = datetime(2031, 3, 10, 12, 0, tzinfo=UTC)


def register(client, username: str = "newbie"):
    response = client.post_form("/register", {
        "username": username, "email": f"{username}@example.com",
        "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response, db.session.scalar(select(User).where(User.username == username))


def share_visits(challenge_id) -> dict[date, int]:
    flush_sponsor_counters()
    db.session.expire_all()
    rows = db.session.scalars(select(ChallengeDailyCounter)
                              .where(ChallengeDailyCounter.challenge_id == challenge_id))
    return {r.day: r.share_visits for r in rows if r.share_visits}


@pytest.fixture
def alice(make_user):
    return make_user("alice")


@pytest.fixture
def challenge(frozen_clock, make_challenge):
    frozen_clock.set(MONDAY)
    return make_challenge("active")


def test_a_registration_within_7_days_of_a_share_visit_is_attributed(client, frozen_clock,
                                                                      alice, challenge):
    assert client.get(f"/challenges/{challenge.slug}/?ref=alice").status_code == 200
    assert client.get_cookie(cookie.NAME) is not None
    frozen_clock.advance(days=6, hours=23)
    response, user = register(client)
    assert (user.referred_by_id, user.referred_challenge_id) == (alice.id, challenge.id)
    # The referral is spent: the cookie is cleared with the account's creation.
    assert cookie.NAME + "=;" in response.headers.get("Set-Cookie", "")
    assert client.get_cookie(cookie.NAME) is None


def test_a_registration_more_than_7_days_after_the_visit_is_not_attributed(
        client, frozen_clock, alice, challenge):
    client.get(f"/challenges/{challenge.slug}/submissions/?ref=alice")
    frozen_clock.advance(days=7, minutes=1)
    _, user = register(client)
    assert (user.referred_by_id, user.referred_challenge_id) == (None, None)


def test_a_ref_to_an_unknown_member_is_ignored(client, alice, challenge):
    response = client.get(f"/challenges/{challenge.slug}/?ref=nobody")
    assert response.status_code == 200
    assert client.get_cookie(cookie.NAME) is None
    _, user = register(client)
    assert user.referred_by_id is None
    assert share_visits(challenge.id) == {}


def test_a_signed_in_visitor_is_not_referred(client, login, make_user, alice, challenge):
    login(client, make_user("bob"))
    assert client.get(f"/challenges/{challenge.slug}/?ref=alice").status_code == 200
    assert client.get_cookie(cookie.NAME) is None  # nothing to attribute a later account to
    client.post_form("/logout")
    _, user = register(client)
    assert user.referred_by_id is None


def test_a_members_own_link_counts_no_visit(client, login, alice, challenge):
    login(client, alice)
    client.get(f"/challenges/{challenge.slug}/?ref=alice")
    assert share_visits(challenge.id) == {}


@pytest.mark.parametrize("page", ["/challenges/{slug}/", "/challenges/{slug}/submissions/",
                                  "/challenges/{slug}/leaderboard/"])
def test_the_share_visit_is_counted_for_the_pages_challenge_and_day(client, frozen_clock, alice,
                                                                    make_challenge, challenge,
                                                                    page):
    other = make_challenge("active")
    frozen_clock.set(MONDAY.replace(hour=23, minute=59, second=59))
    assert client.get(page.format(slug=challenge.slug) + "?ref=alice").status_code == 200
    client.get(page.format(slug=challenge.slug) + "?ref=alice")  # a reload: the same visit
    assert share_visits(challenge.id) == {date(2031, 3, 10): 1}
    assert share_visits(other.id) == {}


def test_a_later_visit_through_another_link_counts_and_its_ref_wins(client, frozen_clock,
                                                                    make_user, alice, challenge):
    carol = make_user("carol")
    client.get(f"/challenges/{challenge.slug}/?ref=alice")
    frozen_clock.advance(days=1)
    client.get(f"/challenges/{challenge.slug}/?ref=carol")
    assert share_visits(challenge.id) == {date(2031, 3, 10): 1, date(2031, 3, 11): 1}
    _, user = register(client)
    assert user.referred_by_id == carol.id


def test_a_link_to_a_page_of_no_challenge_refers_the_member_only(client, frozen_clock, alice):
    frozen_clock.set(MONDAY)
    client.get("/?ref=alice")
    _, user = register(client)
    assert (user.referred_by_id, user.referred_challenge_id) == (alice.id, None)


def test_a_draft_challenge_gets_no_share_visit(client, alice, make_challenge):
    draft = make_challenge("active", status="draft")
    assert client.get(f"/challenges/{draft.slug}/?ref=alice").status_code == 404
    assert share_visits(draft.id) == {}


def test_the_cookie_cannot_be_forged(client, app, alice, challenge):
    forged = cookie.dump("not-the-apps-secret",
                         cookie.Referral(alice.id, challenge.id, MONDAY))
    client.set_cookie(cookie.NAME, forged)
    _, user = register(client)
    assert user.referred_by_id is None


def test_a_tampered_cookie_is_ignored(client, app, frozen_clock, alice, make_user, challenge):
    genuine = cookie.dump(app.config["SECRET_KEY"], cookie.Referral(alice.id, challenge.id,
                                                                    MONDAY))
    client.set_cookie(cookie.NAME, tamper(genuine))
    _, user = register(client)
    assert user.referred_by_id is None


def test_the_cookie_is_small_signed_and_lasts_7_days(client, alice, challenge):
    response = client.get(f"/challenges/{challenge.slug}/?ref=alice")
    header = response.headers["Set-Cookie"]
    assert "Max-Age=604800" in header and "HttpOnly" in header and "SameSite=Lax" in header
    assert len(client.get_cookie(cookie.NAME).value) < 120


@pytest.mark.parametrize("ref", ["", "A" * 5000, "../../etc/passwd", "\x00", "al\x00ice",
                                 "<script>alert(1)</script>", "é" * 20, "ALICE", "a", "%ff",
                                 "alice&ref=bob"])
def test_garbage_refs_never_fail_the_page(client, alice, challenge, ref):
    response = client.get(f"/challenges/{challenge.slug}/", query_string={"ref": ref})
    assert response.status_code == 200


@pytest.mark.parametrize("value", ["", "garbage", "a.b.c", "x" * 3000, "W10.abc", "\u00e9"])
def test_a_garbage_cookie_never_fails_registration(client, alice, value):
    client.set_cookie(cookie.NAME, value)
    _, user = register(client)
    assert user.referred_by_id is None


def test_the_poll_fragment_counts_no_share_visit(client, alice, challenge):
    response = client.get(f"/challenges/{challenge.slug}/leaderboard/live?ref=alice")
    assert response.status_code in (200, 204)
    assert client.get_cookie(cookie.NAME) is None
    assert share_visits(challenge.id) == {}


@pytest.mark.parametrize("agent", [
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Twitterbot/1.0", "Mozilla/5.0 (compatible; Bluesky Cardyb/1.1; +mailto:support@bsky.app)",
    "http.rb/5.1.1 (Mastodon/4.2.1; +https://mastodon.social/)", "Slackbot-LinkExpanding 1.0",
    "LinkedInBot/1.0", "",
])
def test_link_previews_and_crawlers_are_no_share_visits(client, alice, challenge, agent):
    response = client.get(f"/challenges/{challenge.slug}/?ref=alice",
                          headers={"User-Agent": agent})
    assert response.status_code == 200
    assert client.get_cookie(cookie.NAME) is None
    assert share_visits(challenge.id) == {}
    browser = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
    client.get(f"/challenges/{challenge.slug}/?ref=alice", headers={"User-Agent": browser})
    assert share_visits(challenge.id) == {date(2031, 3, 10): 1}


def test_the_analytics_count_a_registration_through_a_share_link(client, frozen_clock, alice,
                                                                 challenge):
    """The issue's line end to end: a visit through alice's link, a registration two days
    later, and a second visitor through a link naming nobody; the analytics' "new members
    from shares" (SPEC §11 community growth) counts the first and not the second."""
    from challenges.analytics.metrics import challenge_metrics, week_metrics, week_start
    from challenges.clock import utcnow

    client.get(f"/challenges/{challenge.slug}/?ref=alice")
    frozen_clock.advance(days=2)
    register(client, "referred")
    client.post_form("/logout")
    client.delete_cookie(cookie.NAME)
    client.get(f"/challenges/{challenge.slug}/?ref=nobody")
    register(client, "unreferred")

    now = utcnow()
    per_challenge = challenge_metrics(challenge, now)
    assert per_challenge.new_members == 2  # both registered in the challenge's window
    assert per_challenge.new_members_from_shares == 1
    assert per_challenge.members_from_challenge == 1
    week = week_metrics(week_start(now.date()), now)
    assert (week.new_members, week.new_members_from_shares) == (2, 1)
