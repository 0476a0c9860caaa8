"""Judging (SPEC §4a): who judges which challenge, and each judge's scores of each entry."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Float, ForeignKey, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .base import created_at_column, updated_at_column, uuid_pk

if TYPE_CHECKING:
    from .challenge import WeeklyChallenge
    from .user import User


class ChallengeJudge(Model):
    """A member an editor assigned to judge a challenge (one row per challenge and member)."""

    __tablename__ = "challenge_judges"
    __table_args__ = (
        UniqueConstraint("challenge_id", "user_id", name="uq_challenge_judge"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    challenge_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("weekly_challenges.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = created_at_column()

    challenge: Mapped[WeeklyChallenge] = relationship()
    user: Mapped[User] = relationship()

    def __str__(self) -> str:
        return f"@{self.user.username}" if self.user else str(self.user_id)


class JudgeScore(Model):
    """One judge's scores of one entry: 1-10 per rubric criterion (in the rubric's order) and
    their weighted sum. Unique per (entry, judge): saving again updates the row (an upsert)."""

    __tablename__ = "judge_scores"
    __table_args__ = (
        UniqueConstraint("submission_id", "judge_id", name="uq_judge_score"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    submission_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("challenge_submissions.id", ondelete="CASCADE"))
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # Denormalised so "this judge's scores in this challenge" needs no join.
    challenge_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("weekly_challenges.id", ondelete="CASCADE"), index=True)
    scores: Mapped[list[int]] = mapped_column(JSON)
    weighted_score: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    judge: Mapped[User] = relationship()
