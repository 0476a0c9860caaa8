"""The append-only ledger of points and tokens (SPEC §6)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .base import BigIntPK, created_at_column

if TYPE_CHECKING:
    from .user import User


class Currency(StrEnum):
    POINTS = "points"
    TOKENS = "tokens"


CURRENCIES = tuple(c.value for c in Currency)


class LedgerEntry(Model):
    """One grant or reversal. Never updated, never deleted.

    ``idempotency_key`` is unique: inserting the same grant twice (a retried job, two workers, a
    double click) is a no-op, so no grant can happen twice.
    """

    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint(f"currency IN {CURRENCIES!r}", name="currency_known"),
        CheckConstraint("amount <> 0", name="amount_nonzero"),
        Index("ix_ledger_user_id_desc", "user_id", "id"),
        # A voter earns the voting reward at most once per entry, whatever they do later.
        Index(
            "uq_ledger_vote_reward_once",
            "user_id",
            "submission_id",
            unique=True,
            sqlite_where=text("reason = 'vote_reward'"),
            postgresql_where=text("reason = 'vote_reward'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    currency: Mapped[str] = mapped_column(String(10))
    amount: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(40))
    challenge_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid(), ForeignKey("weekly_challenges.id", ondelete="SET NULL"), index=True
    )
    submission_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid(), ForeignKey("challenge_submissions.id", ondelete="SET NULL")
    )
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = created_at_column()

    user: Mapped[User] = relationship()
