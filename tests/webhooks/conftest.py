"""Fixtures of the webhook tests: a real receiver, endpoints, and running what is due."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from challenges.extensions import db
from challenges.models import User
from challenges.transactions import commit_with_retry
from challenges.webhooks.jobs import deliver_due_webhooks
from challenges.webhooks.models import EVENT_TYPES, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from challenges.webhooks.service import EndpointInput, create_endpoint

from .receiver import Receiver


@pytest.fixture(autouse=True)
def _local_receivers_allowed(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Receivers listen on loopback, which production refuses (WEBHOOK_ALLOW_PRIVATE=1)."""
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", True)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = Receiver().start()
    yield started
    started.stop()


@pytest.fixture
def make_endpoint(make_user) -> Callable[..., WebhookEndpoint]:
    def _make(receiver: Receiver | None = None, *, url: str | None = None,
              events: tuple[str, ...] = EVENT_TYPES, owner: User | None = None,
              sponsor: Any = None, description: str = "") -> WebhookEndpoint:
        owner = owner or make_user()
        data = EndpointInput(url=url or (receiver.url if receiver else ""),
                             description=description, events=list(events))
        endpoint = commit_with_retry(lambda: create_endpoint(
            owner, data, sponsor_id=sponsor.id if sponsor is not None else None))
        if receiver is not None:
            receiver.secret = endpoint.secret
        return endpoint

    return _make


def run_due() -> int:
    """What the scheduler runs every minute."""
    db.session.rollback()
    return deliver_due_webhooks()


def deliveries(endpoint: WebhookEndpoint | None = None) -> list[WebhookDelivery]:
    db.session.expire_all()
    query = select(WebhookDelivery).order_by(WebhookDelivery.created_at, WebhookDelivery.id)
    if endpoint is not None:
        query = query.where(WebhookDelivery.endpoint_id == endpoint.id)
    return list(db.session.scalars(query))


def attempts(delivery: WebhookDelivery) -> list[WebhookAttempt]:
    db.session.expire_all()
    return list(db.session.scalars(
        select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery.id)
        .order_by(WebhookAttempt.attempt)))


def endpoint_now(endpoint: WebhookEndpoint) -> WebhookEndpoint:
    db.session.expire_all()
    fresh = db.session.get(WebhookEndpoint, endpoint.id)
    assert fresh is not None
    return fresh
