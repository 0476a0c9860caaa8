"""A moved deadline updates its calendar event: same UID, higher SEQUENCE (RFC 5545 §3.8.7.4).

``schedule_sequence`` is raised by ``prepare_challenge``, which the admin, the CLI and the demo
all call before saving a challenge."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask import current_app, g

from challenges.extensions import db
from challenges.models import Role, WeeklyChallenge
from challenges.services.challenges import prepare_challenge

from .ics import events, parse_feed, utc

ADMIN_TOKEN_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def uid(challenge: WeeklyChallenge, kind: str) -> str:
    return f"{challenge.id}-{kind}@{urlsplit(current_app.config['SITE_URL']).hostname}"


def saved(challenge: WeeklyChallenge) -> WeeklyChallenge:
    """Save as the admin does: prepare_challenge, then commit; then read it back."""
    prepare_challenge(challenge)
    db.session.commit()
    db.session.expire_all()
    return db.session.get(WeeklyChallenge, challenge.id)


def test_a_new_challenge_starts_at_sequence_zero(make_challenge):
    assert make_challenge("upcoming").schedule_sequence == 0


@pytest.mark.parametrize(("field", "hours"), [
    ("starts_at", -1), ("submission_deadline", 1), ("voting_deadline", -1), ("ends_at", 1)])
def test_moving_any_time_raises_the_sequence(make_challenge, field, hours):
    challenge = make_challenge("upcoming")  # voting_deadline == ends_at: it can only move back

    setattr(challenge, field, getattr(challenge, field) + timedelta(hours=hours))

    assert saved(challenge).schedule_sequence == 1


def test_a_deadline_change_keeps_the_uid_and_raises_sequence_in_the_feed(
        client, make_challenge, frozen_clock):
    challenge = make_challenge("active")
    before = events(parse_feed(client.get(f"/challenges/{challenge.slug}.ics").data))
    assert int(before[uid(challenge, "submissions-close")]["SEQUENCE"]) == 0

    challenge.submission_deadline += timedelta(days=1)
    challenge = saved(challenge)

    after = events(parse_feed(client.get(f"/challenges/{challenge.slug}.ics").data))
    assert set(after) == set(before)  # the same UIDs: calendars replace, never duplicate
    event = after[uid(challenge, "submissions-close")]
    assert int(event["SEQUENCE"]) == 1
    assert utc(event) == challenge.submission_deadline
    assert all(int(e["SEQUENCE"]) == 1 for e in after.values())
    # The public feed says the same.
    public = events(parse_feed(client.get("/challenges.ics").data))
    assert int(public[uid(challenge, "submissions-close")]["SEQUENCE"]) == 1


def test_saving_without_moving_a_time_keeps_the_sequence(make_challenge):
    challenge = make_challenge("upcoming")
    challenge.title = "A new title"
    challenge.prompt = "A new prompt"
    assert saved(challenge).schedule_sequence == 0


def test_the_same_moment_given_as_a_naive_time_is_not_a_move(make_challenge):
    """The admin form gives naive UTC datetimes; the stored ones are aware."""
    challenge = make_challenge("upcoming")
    challenge.voting_deadline = challenge.voting_deadline.replace(tzinfo=None)
    assert saved(challenge).schedule_sequence == 0


def test_preparing_one_save_twice_raises_the_sequence_once(make_challenge):
    challenge = make_challenge("upcoming")
    challenge.ends_at += timedelta(days=1)
    prepare_challenge(challenge)
    assert saved(challenge).schedule_sequence == 1


def test_each_save_that_moves_a_time_raises_it_again(make_challenge):
    challenge = make_challenge("upcoming")
    for expected in (1, 2, 3):
        challenge.ends_at += timedelta(hours=1)
        challenge = saved(challenge)
        assert challenge.schedule_sequence == expected


def test_a_refused_save_does_not_raise_the_sequence(make_challenge):
    challenge = make_challenge("upcoming")
    challenge.submission_deadline = challenge.starts_at - timedelta(hours=1)
    with pytest.raises(Exception, match="submission deadline"):
        prepare_challenge(challenge)
    db.session.rollback()
    assert db.session.get(WeeklyChallenge, challenge.id).schedule_sequence == 0


def test_the_admin_edit_form_moves_a_deadline_and_the_feed_follows(
        client, make_challenge, make_user, login, frozen_clock):
    challenge = make_challenge("upcoming", title="Winter Light")
    login(client, make_user(role=Role.EDITOR))
    g.pop("csrf_token", None)  # as a new request would (see tests/test_admin.py sign_in)
    url = f"/admin/challenges/edit/?id={challenge.id}"
    token = ADMIN_TOKEN_RE.search(client.get(url).get_data(as_text=True)).group(1)
    new_deadline = challenge.submission_deadline + timedelta(hours=6)
    form = {
        "csrf_token": token, "title": "Winter Light", "slug": challenge.slug,
        "description": challenge.description, "prompt": challenge.prompt, "status": "upcoming",
        "starts_at": challenge.starts_at.strftime("%Y-%m-%d %H:%M:%S"),
        "submission_deadline": new_deadline.strftime("%Y-%m-%d %H:%M:%S"),
        "voting_deadline": challenge.voting_deadline.strftime("%Y-%m-%d %H:%M:%S"),
        "ends_at": challenge.ends_at.strftime("%Y-%m-%d %H:%M:%S"),
        "week_number": "", "year": "", "is_featured": "y", "max_submissions_per_user": "3",
        "allow_voting": "y", "hero_image_url": "", "theme_color": "purple", "sponsor": "__None",
        "prizes": "{}", "points_config": "{}",
    }

    response = client.post(url, data=form)

    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    feed = events(parse_feed(client.get(f"/challenges/{challenge.slug}.ics").data))
    event = feed[uid(challenge, "submissions-close")]
    assert int(event["SEQUENCE"]) == 1
    assert utc(event) == new_deadline
    # Saving the same form again moves nothing: the sequence stays.
    token = ADMIN_TOKEN_RE.search(client.get(url).get_data(as_text=True)).group(1)
    assert client.post(url, data={**form, "csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert db.session.get(WeeklyChallenge, challenge.id).schedule_sequence == 1
