"""Issue #11, "Two languages": a calendar app fetches a feed without the member's session or
language. A member's private feed speaks its owner's saved language (``User.locale``, else
English); the public feeds, shared and cached for everyone, are in English."""

from __future__ import annotations

from challenges.extensions import db
from tests.core.helpers import submit

from .ics import parse_feed
from .test_private_feed import feed_path


def _summaries(body: bytes) -> list[str]:
    return [str(event["SUMMARY"]) for event in parse_feed(body).walk("VEVENT")]


def test_a_private_feed_is_in_its_owners_language_whoever_fetches_it(
        app, client, make_user, make_challenge, login):
    owner = make_user(locale="es")
    login(client, owner)
    challenge = make_challenge("active")
    submit(challenge, owner)
    path = feed_path(client)
    body = app.test_client().get(path, headers={"Accept-Language": "en"}).data
    calendar = parse_feed(body)
    assert str(calendar["X-WR-CALNAME"]) == "Mis Weekly Challenges"
    assert f"{challenge.title}: cierre de participaciones" in _summaries(body)

    owner.locale = None  # no preference: English, even for a Spanish calendar app
    db.session.commit()
    body = app.test_client().get(path, headers={"Accept-Language": "es"}).data
    assert str(parse_feed(body)["X-WR-CALNAME"]) == "My Weekly Challenges"
    assert f"{challenge.title}: submissions close" in _summaries(body)


def test_the_public_feeds_are_in_english_for_every_visitor(client, make_challenge):
    challenge = make_challenge("active")
    for path in ("/challenges.ics", f"/challenges/{challenge.slug}.ics"):
        body = client.get(path, headers={"Accept-Language": "es"}).data
        assert f"{challenge.title}: submissions close" in _summaries(body), path
