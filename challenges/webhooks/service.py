"""Webhook endpoints and deliveries: the rules every caller (admin, sponsor page, event
handlers, jobs) shares. Functions flush; the caller commits."""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..models import Role, User, WeeklyChallenge
from ..transactions import serialize_on
from .models import (
    EVENT_TYPES,
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
)
from .sql import new_uuid
from .ssrf import UnsafeURL, vet_webhook_url

# Seconds to wait after attempt N fails before attempt N+1: exponential, about a day in all
# (8 attempts; the last one 27.6 h after the first), as the Standard Webhooks guide suggests.
RETRY_DELAYS: tuple[int, ...] = (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
MAX_DESCRIPTION = 200
MAX_ENDPOINTS_PER_SPONSOR = 20


def new_secret() -> str:
    """A fresh signing secret in the Standard Webhooks format ("whsec_" + base64 of 32 bytes)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def allow_private() -> bool:
    """WEBHOOK_ALLOW_PRIVATE: tests (and local development) deliver to loopback receivers."""
    return bool(current_app.config.get("WEBHOOK_ALLOW_PRIVATE", False))


def endpoint_url_problem(url: str) -> str | None:
    """Why ``url`` cannot receive webhooks, or None (the SSRF guard resolves its host now;
    every delivery checks it again)."""
    url = url.strip()
    if not url:
        return _("Enter the URL that receives the webhooks.")
    try:
        vet_webhook_url(url, allow_private())
    except UnsafeURL as exc:
        return str(exc)
    return None


@dataclass(frozen=True)
class EndpointInput:
    url: str
    description: str
    events: Sequence[str]


def validate_endpoint(data: EndpointInput) -> dict[str, str]:
    """Field errors of an endpoint (empty when it may be saved). The URL goes through the SSRF
    guard, which resolves its host now (and again at every delivery)."""
    errors: dict[str, str] = {}
    if problem := endpoint_url_problem(data.url):
        errors["url"] = problem
    if len(data.description.strip()) > MAX_DESCRIPTION:
        errors["description"] = _("Keep the description to %(max)s characters.",
                                  max=MAX_DESCRIPTION)
    unknown = [e for e in data.events if e not in EVENT_TYPES]
    if unknown:
        errors["events"] = _("Unknown event type: %(types)s", types=", ".join(unknown))
    elif not data.events:
        errors["events"] = _("Choose at least one event.")
    return errors


def encode_events(events: Iterable[str]) -> str:
    """The stored form of a set of event types (sorted, comma-separated)."""
    return ",".join(sorted(set(events)))


def apply_endpoint(endpoint: WebhookEndpoint, data: EndpointInput) -> None:
    """Validate ``data`` and write it to ``endpoint``; raises ``ValidationFailed``."""
    if errors := validate_endpoint(data):
        raise ValidationFailed(errors)
    endpoint.url = data.url.strip()
    endpoint.description = data.description.strip()
    endpoint.event_types = encode_events(data.events)


def create_endpoint(owner: User, data: EndpointInput,
                    sponsor_id: uuid.UUID | None = None) -> WebhookEndpoint:
    """A new enabled endpoint owned by ``owner`` with a fresh secret; ``sponsor_id`` limits it
    to that sponsor's challenges."""
    if sponsor_id is not None:
        serialize_on("webhook-endpoints", sponsor_id)  # the cap: one create counts at a time
        count = db.session.scalar(
            select(db.func.count()).select_from(WebhookEndpoint)
            .where(WebhookEndpoint.sponsor_id == sponsor_id)
        )
        if (count or 0) >= MAX_ENDPOINTS_PER_SPONSOR:
            raise Conflict(f"A sponsor can have at most {MAX_ENDPOINTS_PER_SPONSOR} endpoints.")
    endpoint = WebhookEndpoint(owner_id=owner.id, sponsor_id=sponsor_id, secret=new_secret(),
                               enabled=True, consecutive_failures=0, disabled_reason="")
    apply_endpoint(endpoint, data)
    db.session.add(endpoint)
    db.session.flush()
    return endpoint


def rotate_secret(endpoint: WebhookEndpoint) -> str:
    """Give ``endpoint`` a new secret (the old one stops verifying at once); returns it."""
    endpoint.secret = new_secret()
    db.session.flush()
    return endpoint.secret


def enable_endpoint(endpoint: WebhookEndpoint) -> None:
    """Turn an endpoint back on with a clean failure record."""
    endpoint.enabled = True
    endpoint.disabled_reason = ""
    endpoint.consecutive_failures = 0
    endpoint.failing_since = None
    db.session.flush()


def disable_endpoint(endpoint_id: uuid.UUID, reason: str, now: datetime) -> bool:
    """Disable an endpoint (compare-and-set: True only for the call that turned it off) and fail
    its waiting deliveries, which would otherwise be sent when it is enabled again, perhaps days
    late; a replay sends one on purpose."""
    turned_off = db.session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.enabled.is_(True))
        .values(enabled=False, disabled_reason=reason[:500])
        .execution_options(synchronize_session=False)
    ).rowcount == 1  # type: ignore[attr-defined]
    if turned_off:
        db.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint_id,
                   WebhookDelivery.status == DeliveryStatus.PENDING.value)
            .values(status=DeliveryStatus.FAILED.value, next_attempt_at=None,
                    last_error="Not sent: the endpoint was disabled.")
            .execution_options(synchronize_session=False)
        )
    return turned_off


# --- Who may manage which endpoint --------------------------------------------------------------

def sponsor_of(viewer: User) -> uuid.UUID:
    """The sponsor whose endpoints ``viewer`` manages on the sponsor pages; ``Forbidden`` for a
    user who is not a sponsor's (editors manage every endpoint in the admin)."""
    if viewer.role != Role.SPONSOR.value or viewer.sponsor_id is None:
        raise Forbidden(_("Only a sponsor's users manage its webhooks here."))
    return viewer.sponsor_id


def sponsor_endpoints(sponsor_id: uuid.UUID) -> list[WebhookEndpoint]:
    """A sponsor's endpoints, newest first."""
    return list(db.session.scalars(
        select(WebhookEndpoint).where(WebhookEndpoint.sponsor_id == sponsor_id)
        .order_by(WebhookEndpoint.created_at.desc(), WebhookEndpoint.id)
    ))


def sponsor_endpoint(sponsor_id: uuid.UUID, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    """One of the sponsor's endpoints; ``NotFound`` for anyone else's (never revealing it)."""
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.sponsor_id != sponsor_id:
        raise NotFound(_("No such webhook endpoint."))
    return endpoint


def recent_deliveries(endpoint_id: uuid.UUID, limit: int = 50) -> list[WebhookDelivery]:
    """An endpoint's latest deliveries (the delivery log), newest first."""
    return list(db.session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id).limit(limit)
    ))


# --- Queueing deliveries ------------------------------------------------------------------------

def new_event_id() -> str:
    """A Standard Webhooks message id (the ``webhook-id`` header)."""
    return "msg_" + uuid.uuid4().hex


def event_body(event_type: str, timestamp: datetime, data: dict[str, Any]) -> str:
    """The JSON body of an event, as the Standard Webhooks spec shapes it."""
    return json.dumps({"type": event_type, "timestamp": timestamp.isoformat(), "data": data},
                      separators=(",", ":"), sort_keys=True)


def anyone_subscribes(event_type: str) -> bool:
    """Whether any enabled endpoint wants ``event_type`` (most events interest nobody)."""
    return bool(db.session.scalar(select(
        select(WebhookEndpoint.id)
        .where(WebhookEndpoint.enabled.is_(True), WebhookEndpoint.subscribes_to(event_type))
        .exists()
    )))


def queue_deliveries(challenge: WeeklyChallenge, event_type: str, event_id: str, body: str,
                     now: datetime) -> list[uuid.UUID]:
    """Insert one pending delivery of the event per interested enabled endpoint, in one
    INSERT ... SELECT ... ON CONFLICT DO NOTHING (no row per endpoint is read first, and an
    endpoint that already has this ``event_id`` is skipped). Returns the new deliveries' ids."""
    interested = (
        select(
            new_uuid(),
            WebhookEndpoint.id,
            literal(event_type),
            literal(event_id),
            literal(body),
            literal(DeliveryStatus.PENDING.value),
            literal(0),
            literal(MAX_ATTEMPTS),
            literal(now, type_=WebhookDelivery.next_attempt_at.type),
            literal(""),
            literal(now, type_=WebhookDelivery.created_at.type),
        )
        .where(
            WebhookEndpoint.enabled.is_(True),
            WebhookEndpoint.subscribes_to(event_type),
            or_(WebhookEndpoint.sponsor_id.is_(None),
                WebhookEndpoint.sponsor_id == challenge.sponsor_id),
        )
    )
    dialect_insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    statement = (
        dialect_insert(WebhookDelivery)
        .from_select(["id", "endpoint_id", "event_type", "event_id", "payload", "status",
                      "attempts", "max_attempts", "next_attempt_at", "last_error", "created_at"],
                     interested)
        .on_conflict_do_nothing(index_elements=["endpoint_id", "event_id"])
        .returning(WebhookDelivery.id)
    )
    return list(db.session.scalars(statement))


def replay_delivery(delivery_id: uuid.UUID, now: datetime,
                    endpoint_id: uuid.UUID | None = None) -> WebhookDelivery:
    """Send a delivery again (one new attempt, the same ``webhook-id`` and body). Refused while
    it is being sent, and for a disabled endpoint (enable it first). With ``endpoint_id``, a
    delivery of any other endpoint is not found."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or (endpoint_id is not None and delivery.endpoint_id != endpoint_id):
        raise NotFound(_("No such delivery."))
    if not delivery.endpoint.enabled:
        raise Conflict(_("Enable the endpoint before replaying its deliveries."))
    if delivery.status == DeliveryStatus.DELIVERING.value:
        raise Conflict(_("That delivery is being sent right now."))
    delivery.status = DeliveryStatus.PENDING.value
    delivery.next_attempt_at = now
    delivery.lease_until = None
    delivery.max_attempts = max(delivery.max_attempts, delivery.attempts + 1)
    db.session.flush()
    return delivery
