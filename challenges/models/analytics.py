"""What the analytics (SPEC §11) count from, besides the core rows: days members were active,
a challenge's daily counters (flushed from Redis), and the nightly rollups the dashboard reads."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .types import UTCDateTime


class MemberActivityDay(Model):
    """One row per member and UTC day they were signed in and using the site.

    "Active in a challenge's window" (SPEC §11) means a row on a day of that window, or a vote
    or an entry in it. Days, not timestamps: the metric needs no finer grain and the table stays
    one row per member per day however busy they are.
    """

    __tablename__ = "member_activity_days"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date(), primary_key=True, index=True)


class ChallengeDailyCounter(Model):
    """A challenge's counted events per UTC day: landing views, sponsor click-throughs, and
    visits that arrived through a share link (``?ref=``). Counted in Redis on the page path and
    added here by the flush job; the challenge row keeps the all-time totals."""

    __tablename__ = "challenge_daily_counters"

    challenge_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("weekly_challenges.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date(), primary_key=True, index=True)
    views: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    sponsor_clicks: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    share_visits: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class WeeklyRollup(Model):
    """The metrics of one ISO week (``week_start`` is its Monday), stored by the nightly job so
    the dashboard reads one row per week instead of aggregating all history per request."""

    __tablename__ = "analytics_weekly_rollups"

    week_start: Mapped[date] = mapped_column(Date(), primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ChallengeRollup(Model):
    """The metrics of one challenge, stored by the nightly job (final once it is completed)."""

    __tablename__ = "analytics_challenge_rollups"

    challenge_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("weekly_challenges.id", ondelete="CASCADE"), primary_key=True
    )
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
