"""Sponsors who brand challenges (the plan's ``ChallengeSponsor``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .base import created_at_column, uuid_pk

if TYPE_CHECKING:
    from .challenge import WeeklyChallenge
    from .user import User


class ChallengeSponsor(Model):
    """Sponsor/partner for weekly challenges."""

    __tablename__ = "challenge_sponsors"

    id: Mapped[uuid.UUID] = uuid_pk()
    # Company info
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(50), unique=True)
    logo_url: Mapped[str] = mapped_column(String(2048))
    website_url: Mapped[str] = mapped_column(String(2048))
    description: Mapped[str] = mapped_column(Text, default="")
    # Contact (internal)
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    # Status
    is_active: Mapped[bool] = mapped_column(default=True)
    is_verified: Mapped[bool] = mapped_column(default=False)
    # Stats, recomputed whenever a sponsored challenge changes (see services.sponsors)
    total_challenges_sponsored: Mapped[int] = mapped_column(default=0)
    total_prize_value: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0"))
    created_at: Mapped[datetime] = created_at_column()

    challenges: Mapped[list[WeeklyChallenge]] = relationship(back_populates="sponsor")
    users: Mapped[list[User]] = relationship(back_populates="sponsor")

    def __str__(self) -> str:
        return self.name
