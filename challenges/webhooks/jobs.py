"""RQ glue: one job per delivery attempt, and the recurring job that sends whatever is due.

Every job runs in an app context of its own, so its database session is its own: event
handlers run right after the caller's commit (and, in tests, RQ runs the job inline there),
where the caller's session can emit no more SQL.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from flask import current_app
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from ..clock import utcnow
from ..extensions import db, get_queue
from ..transactions import commit_with_retry
from .delivery import claim_delivery, due_deliveries, record_attempt, send
from .notify import notify_owner_endpoint_disabled

log = logging.getLogger(__name__)
_PENDING = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED}


def job_id(delivery_id: uuid.UUID | str, attempts_made: int) -> str:
    """One job per (delivery, attempt): the recurring job and the retry never queue it twice."""
    return f"webhook-{delivery_id}-{attempts_made}"


def enqueue_delivery(delivery_id: uuid.UUID, attempts_made: int = 0,
                     delay: timedelta | None = None) -> bool:
    """Queue an attempt of the delivery (after ``delay``) unless one is already waiting.
    Without a worker (tests) the attempt runs now, and a delayed one is left to the recurring
    job."""
    queue = get_queue()
    name = job_id(delivery_id, attempts_made)
    try:
        if Job.fetch(name, connection=queue.connection).get_status() in _PENDING:
            return False
    except NoSuchJobError:
        pass
    if delay is not None:
        if not queue.is_async:
            return False
        queue.enqueue_in(delay, "challenges.webhooks.jobs.deliver_webhook", str(delivery_id),
                         job_id=name, job_timeout=120, result_ttl=3600, failure_ttl=86400)
        return True
    queue.enqueue("challenges.webhooks.jobs.deliver_webhook", str(delivery_id), job_id=name,
                  job_timeout=120, result_ttl=3600, failure_ttl=86400)
    return True


def deliver_webhook(delivery_id: str) -> str | None:
    """One attempt at one delivery; returns its status afterwards (None if it was not due or
    another worker holds it)."""
    with current_app.app_context():
        key = uuid.UUID(delivery_id)
        claim = commit_with_retry(lambda: claim_delivery(key, utcnow()))
        if claim is None:
            return None
        outcome = send(claim)  # no transaction is open while we wait on the network
        recorded = commit_with_retry(lambda: record_attempt(claim, outcome, utcnow()))
        log.info("webhook %s attempt %d to %s: %s (%s ms) %s", claim.event_id, claim.attempt,
                 claim.url, outcome.response_status, outcome.latency_ms, outcome.error)
        if recorded.disabled:
            commit_with_retry(lambda: notify_owner_endpoint_disabled(claim.endpoint_id))
        if recorded.next_attempt_at is not None:
            enqueue_delivery(key, recorded.attempts, recorded.next_attempt_at - utcnow())
        return recorded.status


def deliver_due_webhooks() -> int:
    """The recurring job (every minute): queue an attempt of every due delivery, expired
    leases included. Returns how many were queued."""
    with current_app.app_context():
        due = due_deliveries(utcnow())
        db.session.rollback()  # end the read before the attempts (inline in tests) start
    return sum(enqueue_delivery(delivery_id, attempts) for delivery_id, attempts in due)
