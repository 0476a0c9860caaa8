"""Delivering a webhook: signed per Standard Webhooks, retried with backoff until a 2xx, no
redirect followed, a slow receiver timed out, each attempt logged, nothing lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from rq.registry import ScheduledJobRegistry

from challenges.clock import utcnow
from challenges.extensions import db, get_queue
from challenges.transactions import commit_with_retry
from challenges.webhooks.delivery import claim_delivery
from challenges.webhooks.jobs import deliver_webhook, enqueue_delivery, job_id
from challenges.webhooks.service import MAX_ATTEMPTS, RETRY_DELAYS, new_secret

from ..core.helpers import submit
from ..support.concurrency import run_concurrently
from ..support.smtp import run_outbox
from .conftest import attempts, deliveries, endpoint_now, run_due
from .receiver import Answer


def test_every_delivery_is_signed_and_the_standard_verifier_accepts_it(
    receiver, make_endpoint, make_challenge, make_user
):
    endpoint = make_endpoint(receiver)
    challenge = make_challenge("active")
    entry = submit(challenge, make_user())

    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert request.verified, request.error
    assert request.headers["content-type"] == "application/json"
    assert request.webhook_id.startswith("msg_")
    payload = request.payload
    assert payload["type"] == "submission.created"
    assert payload["data"]["submission"]["id"] == str(entry.id)
    assert payload["data"]["challenge"]["slug"] == challenge.slug
    [delivery] = deliveries(endpoint)
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("delivered", 1, 200)
    assert delivery.event_id == request.webhook_id


def test_a_signature_made_with_another_secret_does_not_verify(receiver, make_endpoint,
                                                              make_challenge, make_user):
    make_endpoint(receiver)
    receiver.secret = new_secret()  # someone else's
    submit(make_challenge("active"), make_user())
    assert [r.verified for r in receiver.requests] == [False]


def test_a_receiver_failing_twice_gets_the_event_once_delivered(
    receiver, make_endpoint, make_challenge, make_user, frozen_clock
):
    endpoint = make_endpoint(receiver)
    receiver.answer(500, 500)  # then 200
    submit(make_challenge("active"), make_user())
    [delivery] = deliveries(endpoint)
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert delivery.next_attempt_at == frozen_clock.now + timedelta(seconds=RETRY_DELAYS[0])

    assert run_due() == 0  # not due yet: nothing is sent early
    assert len(receiver.requests) == 1

    frozen_clock.advance(seconds=RETRY_DELAYS[0])
    assert run_due() == 1
    [delivery] = deliveries(endpoint)
    assert (delivery.status, delivery.attempts) == ("pending", 2)
    assert delivery.next_attempt_at == frozen_clock.now + timedelta(seconds=RETRY_DELAYS[1])

    frozen_clock.advance(seconds=RETRY_DELAYS[1])
    assert run_due() == 1
    assert run_due() == 0  # delivered: never sent again

    [delivery] = deliveries(endpoint)
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("delivered", 3, 200)
    assert [r.verified for r in receiver.requests] == [True, True, True]
    assert len({r.webhook_id for r in receiver.requests}) == 1  # one event, one webhook-id
    log = attempts(delivery)
    assert [(a.attempt, a.response_status) for a in log] == [(1, 500), (2, 500), (3, 200)]
    assert all(a.latency_ms is not None and a.latency_ms >= 0 for a in log)
    assert log[0].error == "HTTP 500 answered."
    assert endpoint_now(endpoint).consecutive_failures == 0


def test_a_redirect_is_not_followed_and_counts_as_a_failure(receiver, make_endpoint,
                                                            make_challenge, make_user):
    endpoint = make_endpoint(receiver)
    receiver.answer(Answer(302, {"Location": receiver.url + "/elsewhere"}))
    submit(make_challenge("active"), make_user())

    assert [r.path for r in receiver.requests] == ["/hooks"]  # /hooks/elsewhere never asked
    [delivery] = deliveries(endpoint)
    assert (delivery.status, delivery.response_status) == ("pending", 302)
    assert delivery.last_error == "Redirect (302) not followed."
    assert endpoint_now(endpoint).consecutive_failures == 1


def test_a_receiver_that_does_not_answer_in_time_is_a_failure(
    app: Flask, monkeypatch, receiver, make_endpoint, make_challenge, make_user
):
    monkeypatch.setitem(app.config, "WEBHOOK_TIMEOUT_SECONDS", 0.5)
    endpoint = make_endpoint(receiver)
    receiver.answer(Answer(hang=True))
    submit(make_challenge("active"), make_user())

    [delivery] = deliveries(endpoint)
    assert (delivery.status, delivery.response_status) == ("pending", None)
    assert delivery.last_error == "Timed out after 0.5 s."
    assert 400 <= delivery.latency_ms < 5000


def test_a_delivery_whose_job_was_lost_is_sent_by_the_recurring_job(
    receiver, make_endpoint, make_challenge, make_user, frozen_clock
):
    endpoint = make_endpoint(receiver)
    receiver.answer(500)
    submit(make_challenge("active"), make_user())
    [delivery] = deliveries(endpoint)
    # A worker claims the retry and dies before sending: the lease runs out, then it is resent.
    frozen_clock.advance(seconds=RETRY_DELAYS[0])
    assert commit_with_retry(lambda: claim_delivery(delivery.id, utcnow())) is not None
    assert run_due() == 0  # the lease still holds
    frozen_clock.advance(minutes=2)
    assert run_due() == 1
    [delivery] = deliveries(endpoint)
    assert (delivery.status, delivery.attempts) == ("delivered", 3)
    assert len(receiver.requests) == 2  # the dead worker's attempt never reached it


def test_a_delivery_is_given_up_after_the_last_attempt(
    app, monkeypatch, receiver, make_endpoint, make_challenge, make_user, frozen_clock
):
    monkeypatch.setitem(app.config, "WEBHOOK_DISABLE_AFTER_HOURS", 1000)  # only the give-up
    endpoint = make_endpoint(receiver)
    receiver.answer(*[503] * MAX_ATTEMPTS)
    submit(make_challenge("active"), make_user())
    for delay in RETRY_DELAYS:
        frozen_clock.advance(seconds=delay)
        assert run_due() == 1
    frozen_clock.advance(days=2)
    assert run_due() == 0
    [delivery] = deliveries(endpoint)
    assert (delivery.status, delivery.attempts) == ("failed", MAX_ATTEMPTS)
    assert len(receiver.requests) == MAX_ATTEMPTS
    assert sum(RETRY_DELAYS) >= 24 * 3600  # retried for at least a day


@pytest.mark.parametrize("changed", ["refused", "resolved elsewhere"])
def test_the_address_is_checked_again_at_delivery(app, monkeypatch, receiver, make_endpoint,
                                                  make_challenge, make_user, changed):
    """Saved while allowed; at delivery the same loopback address is refused and never
    contacted (as when a public name starts resolving to a private address)."""
    endpoint = make_endpoint(receiver)
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", False)
    submit(make_challenge("active"), make_user())

    assert receiver.requests == []
    [delivery] = deliveries(endpoint)
    assert delivery.status == "pending"
    assert delivery.last_error.startswith("Refused: Webhooks can only be sent to public")
    db.session.rollback()


def test_an_endpoint_failing_for_a_day_is_disabled_and_its_owner_emailed(
    smtp_server, receiver, make_endpoint, make_challenge, make_user, frozen_clock
):
    owner = make_user("hookowner")
    endpoint = make_endpoint(receiver, owner=owner)
    receiver.answer(*[500] * 50)
    challenge = make_challenge("active")
    submit(challenge, make_user())
    elapsed = 0
    for delay in RETRY_DELAYS:
        assert endpoint_now(endpoint).enabled
        frozen_clock.advance(seconds=delay)
        elapsed += delay
        if delay == RETRY_DELAYS[3]:
            submit(challenge, make_user())  # a second event, failing too
        run_due()
    fresh = endpoint_now(endpoint)
    assert not fresh.enabled
    assert "every delivery attempt failed for 24 hours" in fresh.disabled_reason
    assert elapsed >= 24 * 3600
    assert {d.status for d in deliveries(endpoint)} == {"failed"}  # nothing left to send

    run_outbox()  # sent by its job after the commit already; the sweep finds nothing more
    [message] = smtp_server.to("hookowner@example.com")
    assert message["Subject"] == "Your webhook endpoint was disabled"
    text = message.get_body(("plain",)).get_content()
    assert receiver.url in text
    assert f"/admin/webhooks/details/?id={endpoint.id}" in text
    sent = len(receiver.requests)

    # Disabled: new events queue nothing, and nothing is retried.
    submit(challenge, make_user())
    frozen_clock.advance(days=1)
    run_due()
    assert len(receiver.requests) == sent
    run_outbox()
    assert len(smtp_server.to("hookowner@example.com")) == 1  # one email per disabling


@pytest.mark.postgres_only
def test_workers_racing_for_one_delivery_send_it_once(
    app, receiver, make_endpoint, make_challenge, make_user, frozen_clock
):
    endpoint = make_endpoint(receiver)
    receiver.answer(500)
    submit(make_challenge("active"), make_user())
    frozen_clock.advance(seconds=RETRY_DELAYS[0])
    delivery_id = str(deliveries(endpoint)[0].id)
    db.session.rollback()

    results = run_concurrently(app, lambda i: deliver_webhook(delivery_id), 6)
    assert sorted(map(str, results)) == ["None"] * 5 + ["delivered"]
    assert len(receiver.requests) == 2  # the first attempt, and exactly one retry
    [delivery] = deliveries(endpoint)
    assert (delivery.status, delivery.attempts) == ("delivered", 2)


def test_with_workers_each_attempt_is_a_job_and_the_retry_waits_in_rq(
    app, monkeypatch, receiver, make_endpoint, make_challenge, make_user
):
    """In production (an async queue) the event only queues a job; a failed attempt schedules
    the next one in RQ's scheduled registry at its backoff (the sweep remains the safety net)."""
    endpoint = make_endpoint(receiver)
    receiver.answer(500)
    monkeypatch.setitem(app.config, "LEADERBOARD_REBUILD_ASYNC", True)  # a real queue
    submit(make_challenge("active"), make_user())
    [delivery] = deliveries(endpoint)
    queue = get_queue()
    assert receiver.requests == []  # nothing is sent inside the request
    assert job_id(delivery.id, 0) in queue.get_job_ids()

    assert deliver_webhook(str(delivery.id)) == "pending"  # what the worker runs
    retry = job_id(delivery.id, 1)
    scheduled = ScheduledJobRegistry(queue=queue)
    assert retry in scheduled.get_job_ids()
    wait = scheduled.get_scheduled_time(retry) - datetime.now(UTC)
    assert timedelta(seconds=0) < wait <= timedelta(seconds=RETRY_DELAYS[0])
    assert enqueue_delivery(delivery.id, 1) is False  # the sweep does not queue it twice
