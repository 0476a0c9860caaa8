"""Telling an endpoint's owner that it was disabled (through the email outbox)."""

from __future__ import annotations

import uuid

from ..extensions import db
from ..notifications.mail import site_url_for
from ..notifications.outbox import queue_email
from .models import WebhookEndpoint

KIND = "webhook_disabled"


def notify_owner_endpoint_disabled(endpoint_id: uuid.UUID) -> bool:
    """Queue the "your webhook endpoint was disabled" email to the endpoint's owner, once per
    disabling (the key names the run of failures that caused it). Flushes; the caller
    commits. An account email: no unsubscribe, since the owner must know."""
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.enabled:
        return False
    since = endpoint.failing_since.isoformat() if endpoint.failing_since else "manual"
    manage_url = (site_url_for("sponsor_webhooks.endpoint", endpoint_id=endpoint.id)
                  if endpoint.sponsor_id
                  else site_url_for("webhooks.details_view", id=str(endpoint.id)))
    return queue_email(
        to=endpoint.owner.email,
        kind=KIND,
        key=f"{KIND}:{endpoint.id}:{since}",
        template="webhook_disabled",
        context={"endpoint_url": endpoint.url, "description": endpoint.description,
                 "reason": endpoint.disabled_reason, "manage_url": manage_url,
                 "username": endpoint.owner.username},
        user_id=endpoint.owner_id,
        locale=endpoint.owner.locale,
    )
