"""Cash prizes owed to winners, managed by editors (pending -> approved -> paid | failed).

A re-ranking after results (an entry disqualified or reinstated) cancels the payouts of a member
who lost the place and creates one for the member who gained it; a payout already paid is never
changed, only flagged (``needs_review`` with a note) for an editor to settle."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text, Uuid, text
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
    CANCELLED = "cancelled"  # the member lost the place before it was paid (a re-ranking)


PAYOUT_STATUSES = tuple(s.value for s in PayoutStatus)


class Payout(Model):
    __tablename__ = "payouts"
    __table_args__ = (
        # One live payout per (challenge, place, member). A place may hold two live payouts
        # after a re-ranking: the old winner's paid one (flagged) and the new winner's.
        Index(
            "uq_payout_live_place_user",
            "challenge_id",
            "place",
            "user_id",
            unique=True,
            sqlite_where=text("status <> 'cancelled'"),
            postgresql_where=text("status <> 'cancelled'"),
        ),
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
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when results changed after this payout was paid: an editor decides what to do.
    needs_review: Mapped[bool] = mapped_column(default=False)
    # What re-rankings did to this payout and why, oldest first (one line each).
    review_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    challenge: Mapped[WeeklyChallenge] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    paid_by: Mapped[User | None] = relationship(foreign_keys=[paid_by_id])
    failed_by: Mapped[User | None] = relationship(foreign_keys=[failed_by_id])
