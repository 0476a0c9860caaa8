"""The core's events (challenges/events.py): delivered once, after the commit, never on rollback;
a failing subscriber never breaks the change that caused it."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from challenges import events
from challenges.extensions import db
from challenges.models import Role
from jobs.phases import advance_phases

from ..rewards.helpers import finalize
from ..test_admin import challenge_form, get_challenge
from .helpers import submit, vote


@pytest.fixture
def received():
    """Every event delivered during the test, in order."""
    seen: list[object] = []

    def record(event: object) -> None:
        seen.append(event)

    types = (events.ChallengePublished, events.PhaseChanged, events.SubmissionCreated,
             events.VoteCast, events.ChallengeFinalized)
    for event_type in types:
        events.subscribe(event_type, record)
    yield seen
    for event_type in types:
        events._handlers[event_type].remove(record)


def test_an_event_is_delivered_after_the_commit_and_dropped_on_rollback(received):
    db.session.execute(select(1))  # a transaction, as every service call has
    events.publish(events.ChallengeFinalized(uuid.uuid4()))
    assert received == []  # not before the commit
    db.session.rollback()
    db.session.execute(select(1))
    db.session.commit()
    assert received == []  # a rolled-back transaction publishes nothing
    db.session.execute(select(1))
    events.publish(marker := events.ChallengeFinalized(uuid.uuid4()))
    db.session.commit()
    assert received == [marker]


def test_a_failing_subscriber_is_logged_and_the_next_still_runs(received, caplog):
    def broken(event: object) -> None:
        raise RuntimeError("feature bug")

    events._handlers[events.VoteCast].insert(0, broken)
    try:
        event = events.VoteCast(uuid.uuid4(), uuid.uuid4(), 1, 2)
        events.deliver(event)
    finally:
        events._handlers[events.VoteCast].remove(broken)
    assert received == [event]
    assert "feature bug" in caplog.text


def test_submitting_and_voting_publish_their_events(received, make_challenge, make_user):
    challenge = make_challenge("active")
    author, voter = make_user(), make_user()
    entry = submit(challenge, author)
    vote(entry, voter)
    vote(entry, voter)  # a repeated vote is no new event
    assert received == [
        events.SubmissionCreated(challenge.id, entry.id, author.id),
        events.VoteCast(challenge.id, entry.id, voter.id, author.id),
    ]


def test_the_phase_job_and_finalization_publish_theirs(received, frozen_clock, make_challenge):
    challenge = make_challenge("voting", status="voting")
    frozen_clock.advance(timedelta(days=30))
    assert advance_phases() == 1
    finalize(challenge)
    finalize(challenge)  # already final: nothing new
    assert received == [events.PhaseChanged(challenge.id, "voting", "completed"),
                        events.ChallengeFinalized(challenge.id)]


def test_publishing_a_draft_in_the_admin_publishes_once(received, client, login, make_user):
    from flask import g

    login(client, make_user("editor", role=Role.EDITOR))
    g.pop("csrf_token", None)
    assert client.post_form("/admin/challenges/new/",
                            challenge_form(status="draft")).status_code == 302
    assert received == []
    saved = get_challenge("winter-light")
    url = f"/admin/challenges/edit/?id={saved.id}"
    assert client.post_form(url, challenge_form(status="upcoming")).status_code == 302
    assert client.post_form(url, challenge_form(status="upcoming",
                                                title="Renamed")).status_code == 302
    assert received == [events.ChallengePublished(saved.id)]


def test_a_handler_runs_after_the_connection_went_back_to_the_pool(make_challenge, make_user):
    """A handler may query (in its own session): it must not hold a second pooled connection
    while the committing one is still checked out, or concurrent requests exhaust the pool."""
    challenge = make_challenge("active")
    author = make_user()
    db.session.commit()  # nothing checked out before the submit
    checked_out: list[int] = []

    def count(event: object) -> None:
        checked_out.append(db.engine.pool.checkedout())

    events.subscribe(events.SubmissionCreated, count)
    try:
        submit(challenge, author)
    finally:
        events._handlers[events.SubmissionCreated].remove(count)
    assert checked_out == [0]
