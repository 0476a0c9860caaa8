"""Every webhook event type fires from the core event that causes it, through the services the
core uses, and reaches only the endpoints that asked for it."""

from __future__ import annotations

import json
from datetime import timedelta

from flask import g

from challenges.clock import utcnow
from challenges.models import Role
from challenges.transactions import commit_with_retry
from challenges.webhooks.service import disable_endpoint
from jobs.phases import advance_phases

from ..core.helpers import submit, vote
from ..rewards.helpers import finalize
from ..test_admin import challenge_form, get_challenge
from .conftest import deliveries
from .receiver import Receiver


def types(receiver: Receiver) -> list[str]:
    assert all(r.verified for r in receiver.requests), [r.error for r in receiver.requests]
    return [r.payload["type"] for r in receiver.requests]


def test_publishing_a_challenge_in_the_admin_sends_challenge_published(
    receiver, make_endpoint, client, login, make_user
):
    make_endpoint(receiver)
    login(client, make_user("editor", role=Role.EDITOR))
    g.pop("csrf_token", None)
    assert client.post_form("/admin/challenges/new/",
                            challenge_form(status="draft")).status_code == 302
    assert receiver.requests == []  # a draft is nobody's business
    saved = get_challenge("winter-light")
    url = f"/admin/challenges/edit/?id={saved.id}"
    assert client.post_form(url, challenge_form(status="upcoming")).status_code == 302

    assert types(receiver) == ["challenge.published"]
    data = receiver.requests[0].payload["data"]["challenge"]
    assert (data["id"], data["slug"], data["title"]) == (str(saved.id), "winter-light",
                                                         "Winter Light")
    assert data["phase"] == "upcoming"
    assert data["url"].endswith("/challenges/winter-light/")


def test_the_phase_job_sends_challenge_phase_changed(receiver, make_endpoint, make_challenge,
                                                     frozen_clock):
    make_endpoint(receiver, events=("challenge.phase_changed",))
    challenge = make_challenge("upcoming", status="upcoming")
    frozen_clock.set(challenge.starts_at)
    assert advance_phases() == 1
    frozen_clock.set(challenge.submission_deadline)
    assert advance_phases() == 1
    assert advance_phases() == 0

    assert types(receiver) == ["challenge.phase_changed"] * 2
    moves = [(r.payload["data"]["previous_phase"], r.payload["data"]["phase"])
             for r in receiver.requests]
    assert moves == [("upcoming", "active"), ("active", "voting")]
    assert len({r.webhook_id for r in receiver.requests}) == 2  # two events, two ids


def test_submitting_an_entry_sends_submission_created(receiver, make_endpoint, make_challenge,
                                                      make_user):
    make_endpoint(receiver, events=("submission.created",))
    challenge = make_challenge("active")
    author = make_user("painter")
    entry = submit(challenge, author, title="Blue hour")
    vote(entry, make_user())  # votes are no webhook event

    assert types(receiver) == ["submission.created"]
    submission = receiver.requests[0].payload["data"]["submission"]
    assert submission == {
        "id": str(entry.id), "title": "Blue hour", "author": "painter", "entry_number": 1,
        "submitted_at": submission["submitted_at"],
        "url": submission["url"],
    }
    assert submission["url"].endswith(f"/challenges/{challenge.slug}/submissions/{entry.id}/")


def test_finalization_sends_challenge_finalized_with_the_podium(
    receiver, make_endpoint, make_challenge, make_user, frozen_clock
):
    make_endpoint(receiver, events=("challenge.finalized",))
    challenge = make_challenge("active")
    winner, runner_up = make_user("winner"), make_user("second")
    first = submit(challenge, winner)
    submit(challenge, runner_up)
    frozen_clock.set(challenge.submission_deadline)
    vote(first, make_user())
    frozen_clock.set(challenge.voting_deadline + timedelta(minutes=1))
    advance_phases()
    finalize(challenge)
    finalize(challenge)  # already final: no second event

    assert types(receiver) == ["challenge.finalized"]
    data = receiver.requests[0].payload["data"]
    assert data["challenge"]["phase"] == "completed"
    assert [(r["rank"], r["author"], r["votes"]) for r in data["results"]] == [
        (1, "winner", 1), (2, "second", 0)]


def test_payloads_carry_no_private_data(receiver, make_endpoint, make_challenge, make_user):
    make_endpoint(receiver)
    author = make_user("painter", email="painter@private.example")
    submit(make_challenge("active"), author)
    body = receiver.requests[0].body.decode()
    assert "private.example" not in body and "password" not in body
    payload = json.loads(body)
    assert set(payload) == {"type", "timestamp", "data"}


def test_an_endpoint_gets_only_the_events_it_subscribed_to(receiver, make_endpoint,
                                                           make_challenge, make_user):
    make_endpoint(receiver, events=("challenge.finalized",))
    submit(make_challenge("active"), make_user())
    assert receiver.requests == []
    assert deliveries() == []


def test_a_sponsor_endpoint_gets_only_its_own_challenges_events(
    make_endpoint, make_challenge, make_user, make_sponsor
):
    ours, theirs = make_sponsor(), make_sponsor()
    own_hook, all_hook = Receiver().start(), Receiver().start()
    try:
        sponsored = make_endpoint(own_hook, sponsor=ours)
        everything = make_endpoint(all_hook)
        submit(make_challenge("active", sponsor=ours), make_user())
        submit(make_challenge("active", sponsor=theirs), make_user())
        submit(make_challenge("active"), make_user())
        assert len(own_hook.requests) == 1
        assert len(all_hook.requests) == 3
        assert len(deliveries(sponsored)) == 1 and len(deliveries(everything)) == 3
        # One event, one webhook-id, whoever receives it.
        assert own_hook.requests[0].webhook_id == all_hook.requests[0].webhook_id
    finally:
        own_hook.stop()
        all_hook.stop()


def test_a_disabled_endpoint_gets_nothing(receiver, make_endpoint, make_challenge, make_user):
    endpoint = make_endpoint(receiver)
    commit_with_retry(lambda: disable_endpoint(endpoint.id, "Paused.", utcnow()))
    submit(make_challenge("active"), make_user())
    assert receiver.requests == []
    assert deliveries() == []
