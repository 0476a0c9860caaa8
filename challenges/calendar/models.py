"""The calendar feature's tables: who follows which challenge, and each member's private feed."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from ..models.base import created_at_column


class ChallengeFollow(Model):
    """A member asked to be reminded of a challenge ("Remind me"): its deadlines join their
    private calendar feed. One row per (member, challenge), so following twice changes nothing."""

    __tablename__ = "challenge_follows"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    challenge_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("weekly_challenges.id", ondelete="CASCADE"), primary_key=True,
        index=True,
    )
    created_at: Mapped[datetime] = created_at_column()


class CalendarFeed(Model):
    """A member's private feed: whoever knows ``token`` reads it, so it is 256 random bits.

    Kept as the value, not a hash (unlike API tokens), so the account page can show the address
    again for a second device: the feed only reads public schedules, and a leaked address is
    replaced with one click (docs/decisions.md, "Calendar feeds").
    """

    __tablename__ = "calendar_feeds"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = created_at_column()
