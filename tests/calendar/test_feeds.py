"""The public feeds (SPEC §12, issue #9 "Calendar and webhooks"): /challenges.ics with every
published challenge, /challenges/<slug>.ics with one, both valid iCalendar."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import current_app

from challenges.extensions import db
from challenges.models import Role

from .ics import events, parse_feed, raw, utc

KINDS = ("opens", "submissions-close", "voting-closes")


def host() -> str:
    return urlsplit(current_app.config["SITE_URL"]).hostname


def uids_of(challenge) -> set[str]:
    return {f"{challenge.id}-{kind}@{host()}" for kind in KINDS}


def test_the_public_feed_lists_every_published_challenge_and_no_draft_or_cancelled_one(
        client, make_challenge):
    published = [make_challenge(phase) for phase in ("upcoming", "active", "voting", "completed")]
    draft = make_challenge("upcoming", status="draft", title="Secret draft")
    cancelled = make_challenge("upcoming", status="cancelled", title="Called off")

    response = client.get("/challenges.ics")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    feed = events(parse_feed(response.data))
    assert set(feed) == set().union(*(uids_of(c) for c in published))
    assert not set(feed) & (uids_of(draft) | uids_of(cancelled))
    assert "Secret draft" not in response.get_data(as_text=True)
    assert "Called off" not in response.get_data(as_text=True)


def test_each_challenge_is_its_opening_and_its_two_deadlines_with_alarms(
        client, make_challenge, frozen_clock):
    challenge = make_challenge("active", title="Neon Nights")
    landing = current_app.config["SITE_URL"].rstrip("/") + f"/challenges/{challenge.slug}/"

    feed = events(parse_feed(client.get("/challenges.ics").data))

    expected = {
        "opens": (challenge.starts_at, timedelta(0)),
        "submissions-close": (challenge.submission_deadline, timedelta(hours=-1)),
        "voting-closes": (challenge.voting_deadline, timedelta(hours=-1)),
    }
    for kind, (moment, trigger) in expected.items():
        event = feed[f"{challenge.id}-{kind}@{host()}"]
        assert utc(event) == moment
        assert event.decoded("DURATION") == timedelta(0)  # a moment, not a span
        assert "Neon Nights" in str(event["SUMMARY"])
        assert str(event["URL"]) == landing
        assert landing in str(event["DESCRIPTION"])
        assert int(event["SEQUENCE"]) == 0
        (alarm,) = event.walk("VALARM")
        assert alarm.decoded("TRIGGER") == trigger
        assert str(event["TRANSP"]) == "TRANSPARENT"


def test_a_feed_says_what_it_is_and_how_often_to_refresh(client, make_challenge):
    make_challenge("active")
    calendar = parse_feed(client.get("/challenges.ics").data)
    assert str(calendar["X-WR-CALNAME"]) == "Weekly Challenges"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert raw(calendar, "REFRESH-INTERVAL") == "PT6H"


def test_user_text_survives_the_feed_exactly(client, make_challenge):
    title = 'Commas, semicolons; "quotes" <script>alert(1)</script> ünïcödé ✦'
    prompt = "Line one\nLine two, with a very long sentence " + "that goes on " * 20
    challenge = make_challenge("active", title=title, prompt=prompt)

    body = client.get(f"/challenges/{challenge.slug}.ics").data
    calendar = parse_feed(body)

    # icalendar leaves X- properties as written: check the escaping in the text itself.
    escaped = title.replace(",", "\\,").replace(";", "\\;")
    unfolded = body.decode().replace("\r\n ", "")
    assert f"X-WR-CALNAME:Weekly Challenges: {escaped}\r\n" in unfolded
    assert f"\r\nNAME:Weekly Challenges: {escaped}\r\n" in unfolded
    event = events(calendar)[f"{challenge.id}-opens@{host()}"]
    assert str(event["SUMMARY"]) == f"{title}: opens for entries"
    assert prompt in str(event["DESCRIPTION"])


def test_one_challenge_feed_holds_only_that_challenge(client, make_challenge):
    challenge, other = make_challenge("active"), make_challenge("upcoming")

    response = client.get(f"/challenges/{challenge.slug}.ics")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="{challenge.slug}.ics"'
    assert response.headers["Cache-Control"] == "public, max-age=900"
    feed = events(parse_feed(response.data))
    assert set(feed) == uids_of(challenge)
    assert not set(feed) & uids_of(other)


@pytest.mark.parametrize("status", ["draft", "cancelled"])
def test_an_unpublished_challenge_feed_is_404_except_for_editors(
        client, make_challenge, make_user, login, status):
    challenge = make_challenge("upcoming", status=status)
    url = f"/challenges/{challenge.slug}.ics"
    assert client.get(url).status_code == 404

    login(client, make_user())
    assert client.get(url).status_code == 404

    client.post_form("/logout")
    login(client, make_user(role=Role.EDITOR))
    response = client.get(url)
    assert response.status_code == 200
    assert set(events(parse_feed(response.data))) == uids_of(challenge)
    assert response.headers["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("url", ["/challenges/no-such-thing.ics", "/challenges/Bad.Slug.ics"])
def test_an_unknown_challenge_feed_is_404(client, url):
    assert client.get(url).status_code == 404


def test_an_unchanged_feed_answers_304_and_a_changed_one_a_new_copy(client, make_challenge):
    challenge = make_challenge("active")
    first = client.get("/challenges.ics")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, max-age=900"

    again = client.get("/challenges.ics", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag

    challenge.title = "A new title"
    db.session.commit()
    changed = client.get("/challenges.ics", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert "A new title" in changed.get_data(as_text=True)


def test_the_landing_page_offers_the_ics_and_a_google_calendar_link(
        client, make_challenge, frozen_clock):
    challenge = make_challenge("active", title="Neon Nights")

    page = client.get(f"/challenges/{challenge.slug}/").get_data(as_text=True)

    assert f'href="/challenges/{challenge.slug}.ics"' in page
    google = next(part for part in page.split('"')
                  if part.startswith("https://calendar.google.com/calendar/render?"))
    query = parse_qs(urlsplit(google.replace("&amp;", "&")).query)
    deadline = challenge.submission_deadline.strftime("%Y%m%dT%H%M%SZ")
    assert query["action"] == ["TEMPLATE"]
    assert query["dates"] == [f"{deadline}/{deadline}"]
    assert query["text"] == ["Neon Nights: submissions close"]


def test_the_ics_link_of_the_landing_page_works(client, make_challenge):
    challenge = make_challenge("voting")
    page = client.get(f"/challenges/{challenge.slug}/").get_data(as_text=True)
    link = f"/challenges/{challenge.slug}.ics"
    assert link in page
    assert set(events(parse_feed(client.get(link).data))) == uids_of(challenge)


def test_a_finished_challenge_has_no_google_link(client, make_challenge):
    challenge = make_challenge("completed")
    page = client.get(f"/challenges/{challenge.slug}/").get_data(as_text=True)
    assert f"/challenges/{challenge.slug}.ics" in page
    assert "calendar.google.com" not in page
