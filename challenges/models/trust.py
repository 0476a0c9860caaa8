"""Vote-ring flags (issue 13): what the detection job found for an editor to review."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .base import BigIntPK, created_at_column
from .types import UTCDateTime

if TYPE_CHECKING:
    from .challenge import WeeklyChallenge
    from .submission import ChallengeVote
    from .user import User


class RingFlagStatus(StrEnum):
    OPEN = "open"  # found (or grown since the last decision): waiting for an editor
    VOIDED = "voided"  # an editor voided its votes: they count 0
    RESTORED = "restored"  # an editor judged them genuine: they count what they were cast with


RING_FLAG_STATUSES = tuple(s.value for s in RingFlagStatus)


class VoteRingFlag(Model):
    """Many new accounts from one network voting for one member within an hour.

    One row per (challenge, target member, network): the job adds later votes of the same
    pattern to it (and opens it again), so running the job twice changes nothing."""

    __tablename__ = "vote_ring_flags"
    __table_args__ = (
        CheckConstraint(f"status IN {RING_FLAG_STATUSES!r}", name="status_known"),
        UniqueConstraint("challenge_id", "target_user_id", "network_hash",
                         name="uq_vote_ring_flag_target_network"),
        Index("ix_vote_ring_flags_status_detected", "status", "detected_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    challenge_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("weekly_challenges.id", ondelete="CASCADE"), index=True)
    target_user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The keyed hash of the network (never the address); the admin shows a prefix.
    network_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=RingFlagStatus.OPEN.value)
    # The densest hour the job saw: how many distinct new accounts, from when to when.
    accounts: Mapped[int] = mapped_column(default=0)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    window_end: Mapped[datetime] = mapped_column(UTCDateTime())
    detected_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = created_at_column()
    # The editor's last decision.
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")

    challenge: Mapped[WeeklyChallenge] = relationship()
    target: Mapped[User] = relationship(foreign_keys=[target_user_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    votes: Mapped[list[VoteRingFlagVote]] = relationship(
        back_populates="flag", cascade="all, delete-orphan", passive_deletes=True)

    @property
    def network_prefix(self) -> str:
        """Enough of the hash to tell networks apart in the admin, no more."""
        return self.network_hash[:12]

    def __str__(self) -> str:
        return f"#{self.id} {self.network_prefix}"


class VoteRingFlagVote(Model):
    """One vote of a flag's evidence (the vote row holds voter, time, weight and network)."""

    __tablename__ = "vote_ring_flag_votes"

    flag_id: Mapped[int] = mapped_column(
        BigIntPK, ForeignKey("vote_ring_flags.id", ondelete="CASCADE"), primary_key=True)
    vote_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("challenge_votes.id", ondelete="CASCADE"), primary_key=True,
        index=True)

    flag: Mapped[VoteRingFlag] = relationship(back_populates="votes")
    vote: Mapped[ChallengeVote] = relationship()
