"""Sending one delivery: claim it, sign it, POST it to the vetted address, record the attempt.

A delivery row is an outbox entry. A worker claims it by compare-and-set (``pending`` and due,
or ``delivering`` with an expired lease: a worker killed mid-send), commits, sends with no
transaction open, then records the outcome by compare-and-set on (id, status, attempt): a
stale worker cannot overwrite a newer attempt. A failure schedules the next attempt with
exponential backoff (``service.RETRY_DELAYS``); the recurring job sends whatever is due, so a
lost RQ job never loses a delivery.

The ``webhook-timestamp`` is the wall-clock time of the attempt, not the app's clock: it is
transport freshness that the receiver compares with its own clock (Standard Webhooks verifiers
refuse anything 5 minutes off), and it must be real even when tests move the app's clock.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import urllib3
from flask import current_app
from sqlalchemy import ColumnElement, Select, and_, func, or_, select, update
from standardwebhooks import Webhook

from ..extensions import db
from .models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from .service import RETRY_DELAYS, allow_private, disable_endpoint
from .ssrf import Target, UnsafeURL, vet_webhook_url

log = logging.getLogger(__name__)
USER_AGENT = "WeeklyChallenges-Webhooks/1.0"
# How long a claim holds: well above the request timeout, so only a dead worker loses it.
LEASE = timedelta(seconds=60)


@dataclass(frozen=True)
class Claim:
    """What a worker needs to send one attempt, read while claiming it."""

    delivery_id: uuid.UUID
    endpoint_id: uuid.UUID
    attempt: int
    max_attempts: int
    url: str
    secret: str
    event_id: str
    payload: str
    started_at: datetime


@dataclass(frozen=True)
class Outcome:
    response_status: int | None
    latency_ms: int | None
    error: str

    @property
    def delivered(self) -> bool:
        return self.response_status is not None and 200 <= self.response_status < 300


@dataclass(frozen=True)
class Recorded:
    """The delivery's state after an attempt; ``disabled`` when this attempt turned the
    endpoint off."""

    status: str
    next_attempt_at: datetime | None
    attempts: int
    disabled: bool


def due_condition(now: datetime) -> ColumnElement[bool]:
    """Which deliveries may be claimed at ``now`` (the recurring job scans with the same)."""
    return or_(
        and_(WebhookDelivery.status == DeliveryStatus.PENDING.value,
             WebhookDelivery.next_attempt_at <= now),
        and_(WebhookDelivery.status == DeliveryStatus.DELIVERING.value,
             WebhookDelivery.lease_until < now),
    )


def _enabled_endpoints() -> Select[uuid.UUID]:
    return select(WebhookEndpoint.id).where(WebhookEndpoint.enabled.is_(True))


def due_deliveries(now: datetime, limit: int = 500) -> list[tuple[uuid.UUID, int]]:
    """(id, attempts made) of deliveries due at ``now`` for enabled endpoints, oldest first."""
    rows = db.session.execute(
        select(WebhookDelivery.id, WebhookDelivery.attempts)
        .where(due_condition(now), WebhookDelivery.endpoint_id.in_(_enabled_endpoints()))
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit)
    ).all()
    return [(row.id, row.attempts) for row in rows]


def claim_delivery(delivery_id: uuid.UUID, now: datetime) -> Claim | None:
    """Take the delivery for one attempt (compare-and-set), or None if it is not due, already
    taken, finished, or its endpoint is disabled. The caller commits before sending."""
    taken = db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, due_condition(now),
               WebhookDelivery.endpoint_id.in_(_enabled_endpoints()))
        .values(status=DeliveryStatus.DELIVERING.value, attempts=WebhookDelivery.attempts + 1,
                lease_until=now + LEASE)
        .execution_options(synchronize_session=False)
    ).rowcount == 1  # type: ignore[attr-defined]
    if not taken:
        return None
    row = db.session.execute(
        select(WebhookDelivery.attempts, WebhookDelivery.max_attempts, WebhookDelivery.event_id,
               WebhookDelivery.payload, WebhookDelivery.endpoint_id, WebhookEndpoint.url,
               WebhookEndpoint.secret)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookDelivery.id == delivery_id)
    ).one()
    return Claim(delivery_id, row.endpoint_id, row.attempts, row.max_attempts, row.url,
                 row.secret, row.event_id, row.payload, now)


def signature_headers(secret: str, event_id: str, payload: str) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt, signed with ``secret``."""
    sent_at = datetime.fromtimestamp(int(time.time()), UTC)  # wall clock: see the module doc
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": Webhook(secret).sign(event_id, sent_at, payload),
    }


def _pool(target: Target, timeout: float) -> urllib3.HTTPConnectionPool:
    """A connection pool to the vetted address that still speaks to the host by name (TLS SNI
    and certificate check), so the name is never resolved again."""
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            target.address, target.port, server_hostname=target.host,
            assert_hostname=target.host, cert_reqs="CERT_REQUIRED", timeout=timeout, retries=False,
        )
    return urllib3.HTTPConnectionPool(target.address, target.port, timeout=timeout,
                                      retries=False)


def _host_header(target: Target) -> str:
    host = f"[{target.host}]" if ":" in target.host else target.host
    default = 443 if target.scheme == "https" else 80
    return host if target.port == default else f"{host}:{target.port}"


def send(claim: Claim) -> Outcome:
    """POST the delivery once: the URL is vetted again (DNS may have changed since it was
    saved), redirects are not followed (a 3xx is a failure), and the whole attempt has
    ``WEBHOOK_TIMEOUT_SECONDS``."""
    try:
        target = vet_webhook_url(claim.url, allow_private())
    except UnsafeURL as exc:
        return Outcome(None, None, f"Refused: {exc}")
    timeout = float(current_app.config["WEBHOOK_TIMEOUT_SECONDS"])
    headers = {
        "Host": _host_header(target),
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        **signature_headers(claim.secret, claim.event_id, claim.payload),
    }
    pool = _pool(target, timeout)
    started = time.monotonic()
    status: int | None = None
    error = ""
    try:
        response = pool.urlopen(
            "POST", target.path, body=claim.payload.encode(), headers=headers, redirect=False,
            retries=False, timeout=urllib3.Timeout(total=timeout), preload_content=False,
            assert_same_host=False,
        )
        status = response.status
        response.drain_conn()
        response.release_conn()
    except urllib3.exceptions.TimeoutError:
        error = f"Timed out after {timeout:g} s."
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        error = f"Could not connect: {exc.__class__.__name__}: {exc}"
    finally:
        pool.close()
    latency = int((time.monotonic() - started) * 1000)
    if status is not None and not 200 <= status < 300:
        error = (f"Redirect ({status}) not followed." if 300 <= status < 400
                 else f"HTTP {status} answered.")
    return Outcome(status, latency, error[:500])


def record_attempt(claim: Claim, outcome: Outcome, now: datetime) -> Recorded:
    """Log the attempt and move the delivery on: delivered, retried later, or failed for good;
    keep the endpoint's failure record, and disable an endpoint failing for
    ``WEBHOOK_DISABLE_AFTER_HOURS``. Flushes; the caller commits."""
    db.session.add(WebhookAttempt(
        delivery_id=claim.delivery_id, attempt=claim.attempt, started_at=claim.started_at,
        response_status=outcome.response_status, latency_ms=outcome.latency_ms,
        error=outcome.error,
    ))
    next_attempt_at: datetime | None = None
    if outcome.delivered:
        status = DeliveryStatus.DELIVERED.value
    elif claim.attempt >= claim.max_attempts:
        status = DeliveryStatus.FAILED.value
    else:
        status = DeliveryStatus.PENDING.value
        delay = RETRY_DELAYS[min(claim.attempt, len(RETRY_DELAYS)) - 1]
        next_attempt_at = now + timedelta(seconds=delay)
    moved = db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == claim.delivery_id,
               WebhookDelivery.status == DeliveryStatus.DELIVERING.value,
               WebhookDelivery.attempts == claim.attempt)
        .values(status=status, next_attempt_at=next_attempt_at, lease_until=None,
                response_status=outcome.response_status, latency_ms=outcome.latency_ms,
                last_error=outcome.error,
                delivered_at=now if outcome.delivered else WebhookDelivery.delivered_at)
        .execution_options(synchronize_session=False)
    ).rowcount == 1  # type: ignore[attr-defined]
    if not moved:  # another worker took the delivery over after our lease ran out
        return Recorded(DeliveryStatus.DELIVERING.value, None, claim.attempt, False)
    disabled = _update_health(claim.endpoint_id, outcome, now)
    if disabled:
        status = DeliveryStatus.FAILED.value
        next_attempt_at = None
    return Recorded(status, next_attempt_at, claim.attempt, disabled)


def _update_health(endpoint_id: uuid.UUID, outcome: Outcome, now: datetime) -> bool:
    """Reset or extend the endpoint's run of failures; True if this failure disabled it."""
    if outcome.delivered:
        db.session.execute(
            update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id)
            .values(consecutive_failures=0, failing_since=None)
            .execution_options(synchronize_session=False)
        )
        return False
    db.session.execute(
        update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id)
        .values(consecutive_failures=WebhookEndpoint.consecutive_failures + 1,
                failing_since=func.coalesce(WebhookEndpoint.failing_since, now))
        .execution_options(synchronize_session=False)
    )
    failing_since = db.session.scalar(
        select(WebhookEndpoint.failing_since).where(WebhookEndpoint.id == endpoint_id)
    )
    hours = float(current_app.config["WEBHOOK_DISABLE_AFTER_HOURS"])
    if failing_since is None or now - failing_since < timedelta(hours=hours):
        return False
    reason = (f"Disabled automatically at {now:%Y-%m-%d %H:%M} UTC: every delivery attempt "
              f"failed for {hours:g} hours. Last error: {outcome.error}")
    return disable_endpoint(endpoint_id, reason, now)
