"""The core's events, turned into webhook deliveries.

Each handler runs right after the core's commit. It inserts the deliveries in a short
transaction of its own (in an app context of its own: the caller's session has just committed
and can emit no more SQL) and queues one job per delivery; it never sends anything itself.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask import current_app

from .. import events
from ..clock import utcnow
from ..extensions import db
from ..models import ChallengeSubmission, WeeklyChallenge
from ..transactions import commit_with_retry
from .jobs import enqueue_delivery
from .models import EventType
from .payloads import challenge_data, results_data, submission_data
from .service import anyone_subscribes, event_body, new_event_id, queue_deliveries

Build = Callable[[WeeklyChallenge], dict[str, Any]]


def publish_event(challenge_id: uuid.UUID, event_type: EventType, build: Build) -> int:
    """Queue ``event_type`` about the challenge to every interested endpoint; returns how many
    deliveries were created. Drafts and cancelled challenges send nothing."""
    with current_app.app_context():
        now = utcnow()
        event_id = new_event_id()  # one id for every endpoint; the same on each retry

        def work() -> list[uuid.UUID]:
            if not anyone_subscribes(event_type.value):
                return []  # the common case: a read, no write, no payload built
            challenge = db.session.get(WeeklyChallenge, challenge_id)
            if challenge is None or not challenge.is_published:
                return []
            body = event_body(event_type.value, now, build(challenge))
            return queue_deliveries(challenge, event_type.value, event_id, body, now)

        created = commit_with_retry(work)
    for delivery_id in created:
        enqueue_delivery(delivery_id)
    return len(created)


def on_published(event: events.ChallengePublished) -> None:
    publish_event(event.challenge_id, EventType.CHALLENGE_PUBLISHED,
                  lambda c: {"challenge": challenge_data(c, utcnow())})


def on_phase_changed(event: events.PhaseChanged) -> None:
    def build(challenge: WeeklyChallenge) -> dict[str, Any]:
        return {"challenge": {**challenge_data(challenge, utcnow()), "phase": event.new},
                "previous_phase": event.old, "phase": event.new}

    publish_event(event.challenge_id, EventType.CHALLENGE_PHASE_CHANGED, build)


def on_submission_created(event: events.SubmissionCreated) -> None:
    def build(challenge: WeeklyChallenge) -> dict[str, Any]:
        entry = db.session.get(ChallengeSubmission, event.submission_id)
        data: dict[str, Any] = {"challenge": challenge_data(challenge, utcnow())}
        if entry is not None:
            data["submission"] = submission_data(entry)
        return data

    publish_event(event.challenge_id, EventType.SUBMISSION_CREATED, build)


def on_finalized(event: events.ChallengeFinalized) -> None:
    publish_event(event.challenge_id, EventType.CHALLENGE_FINALIZED,
                  lambda c: {"challenge": challenge_data(c, utcnow()),
                             "results": results_data(c)})


def subscribe() -> None:
    """Listen to the core's events (idempotent: apps are created more than once in tests)."""
    events.subscribe(events.ChallengePublished, on_published)
    events.subscribe(events.PhaseChanged, on_phase_changed)
    events.subscribe(events.SubmissionCreated, on_submission_created)
    events.subscribe(events.ChallengeFinalized, on_finalized)
