"""Cash prizes owed to winners, managed by editors (pending -> approved -> paid | failed)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .base import created_at_column, updated_at_column, uuid_pk
from .types import UTCDateTime

if TYPE_CHECKING:
    from .challenge import WeeklyChallenge
    from .user import User


class PayoutStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    PAID = "paid"
    FAILED = "failed"


PAYOUT_STATUSES = tuple(s.value for s in PayoutStatus)


class Payout(Model):
    __tablename__ = "payouts"
    __table_args__ = (
        UniqueConstraint("challenge_id", "place", name="uq_payout_challenge_place"),
        CheckConstraint(f"status IN {PAYOUT_STATUSES!r}", name="status_known"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    challenge_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("weekly_challenges.id", ondelete="RESTRICT"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    place: Mapped[int] = mapped_column()
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    status: Mapped[str] = mapped_column(String(10), default=PayoutStatus.PENDING.value)
    reference: Mapped[str] = mapped_column(String(200), default="")
    failure_reason: Mapped[str] = mapped_column(Text, default="")
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    challenge: Mapped[WeeklyChallenge] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    paid_by: Mapped[User | None] = relationship(foreign_keys=[paid_by_id])
    failed_by: Mapped[User | None] = relationship(foreign_keys=[failed_by_id])
