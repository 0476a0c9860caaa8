"""Webhook endpoints, their deliveries (an outbox), and every delivery attempt (the log)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from ..models.base import BigIntPK, created_at_column, uuid_pk
from ..models.types import UTCDateTime

if TYPE_CHECKING:
    from ..models import ChallengeSponsor, User


class EventType(StrEnum):
    """The event types an endpoint may subscribe to (the Standard Webhooks ``type``)."""

    CHALLENGE_PUBLISHED = "challenge.published"
    CHALLENGE_PHASE_CHANGED = "challenge.phase_changed"
    SUBMISSION_CREATED = "submission.created"
    CHALLENGE_FINALIZED = "challenge.finalized"


EVENT_TYPES = tuple(t.value for t in EventType)


class DeliveryStatus(StrEnum):
    PENDING = "pending"        # waiting for its next attempt (next_attempt_at)
    DELIVERING = "delivering"  # claimed by a worker until lease_until
    DELIVERED = "delivered"    # a 2xx answer
    FAILED = "failed"          # every attempt failed, or the endpoint was disabled


DELIVERY_STATUSES = tuple(s.value for s in DeliveryStatus)


class WebhookEndpoint(Model):
    """A URL that receives signed events. ``sponsor_id`` limits it to that sponsor's challenges;
    without one (editors' endpoints) it receives every published challenge's events."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[uuid.UUID] = uuid_pk()
    url: Mapped[str] = mapped_column(String(2048))
    description: Mapped[str] = mapped_column(String(200), default="")
    # The subscribed event types, sorted and comma-separated (see ``subscribes_to``).
    event_types: Mapped[str] = mapped_column(String(500), default="")
    # "whsec_" + base64 of 32 random bytes (the Standard Webhooks secret format).
    secret: Mapped[str] = mapped_column(String(100))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # CASCADE, not SET NULL: a sponsor's endpoint must never become one that sees everything.
    sponsor_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid(), ForeignKey("challenge_sponsors.id", ondelete="CASCADE"), index=True
    )
    enabled: Mapped[bool] = mapped_column(default=True)
    disabled_reason: Mapped[str] = mapped_column(String(500), default="")
    # Failed attempts in a row since the last 2xx, and when the first of them happened: an
    # endpoint failing for WEBHOOK_DISABLE_AFTER_HOURS is disabled (challenges.webhooks.delivery).
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = created_at_column()

    owner: Mapped[User] = relationship()
    sponsor: Mapped[ChallengeSponsor | None] = relationship()

    @property
    def events(self) -> list[str]:
        """The subscribed event types, as a list."""
        return [t for t in self.event_types.split(",") if t]

    @classmethod
    def subscribes_to(cls, event_type: str) -> ColumnElement[bool]:
        """SQL twin of ``event_type in endpoint.events`` (exact match between the commas)."""
        return ("," + cls.event_types + ",").contains(f",{event_type},", autoescape=True)

    def __str__(self) -> str:
        return self.description or self.url


class WebhookDelivery(Model):
    """One event for one endpoint. ``event_id`` is the ``webhook-id`` header: the same on every
    retry and replay, so receivers can drop duplicates; unique per endpoint, so inserting the
    same event twice delivers it once."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id"),
        CheckConstraint(f"status IN {DELIVERY_STATUSES!r}", name="status_known"),
        # What the recurring job scans: due pending rows and expired leases.
        Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    endpoint_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True
    )
    event_type: Mapped[str] = mapped_column(String(50))
    event_id: Mapped[str] = mapped_column(String(64))
    # The exact JSON body, so every attempt signs and sends the same bytes.
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=DeliveryStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(default=0)
    # A replay grants one more attempt than were made, so the budget is stored per delivery.
    max_attempts: Mapped[int] = mapped_column(default=1)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    response_status: Mapped[int | None] = mapped_column()
    latency_ms: Mapped[int | None] = mapped_column()
    last_error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = created_at_column()
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    endpoint: Mapped[WebhookEndpoint] = relationship()
    attempt_log: Mapped[list[WebhookAttempt]] = relationship(
        order_by="WebhookAttempt.attempt", viewonly=True
    )

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"


class WebhookAttempt(Model):
    """One try at sending a delivery: what came back and how long it took."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (UniqueConstraint("delivery_id", "attempt"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    delivery_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    attempt: Mapped[int] = mapped_column()
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    response_status: Mapped[int | None] = mapped_column()
    latency_ms: Mapped[int | None] = mapped_column()
    error: Mapped[str] = mapped_column(String(500), default="")
