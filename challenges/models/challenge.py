"""The weekly challenge itself (the plan's ``WeeklyChallenge``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ColumnElement,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    Uuid,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .base import created_at_column, updated_at_column, uuid_pk
from .types import UTCDateTime

if TYPE_CHECKING:
    from .sponsor import ChallengeSponsor
    from .submission import ChallengeSubmission


class ChallengeStatus(StrEnum):
    DRAFT = "draft"
    UPCOMING = "upcoming"
    ACTIVE = "active"
    VOTING = "voting"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


# An editor sets these by hand; every other status is "published" (SPEC §2).
UNPUBLISHED_STATUSES = frozenset({ChallengeStatus.DRAFT.value, ChallengeStatus.CANCELLED.value})
PUBLISHED_STATUSES = frozenset(s.value for s in ChallengeStatus) - UNPUBLISHED_STATUSES

# What people read for each status, in their language (lazy: translated when shown).
STATUS_LABELS = {
    ChallengeStatus.DRAFT: _l("Draft"),
    ChallengeStatus.UPCOMING: _l("Upcoming"),
    ChallengeStatus.ACTIVE: _l("Active"),
    ChallengeStatus.VOTING: _l("Voting Period"),
    ChallengeStatus.COMPLETED: _l("Completed"),
    ChallengeStatus.CANCELLED: _l("Cancelled"),
}
STATUSES = tuple(status.value for status in ChallengeStatus)
THEME_COLORS = ("purple", "blue", "teal", "green", "orange", "pink", "red", "indigo")


class WeeklyChallenge(Model):
    """Weekly creative challenge for the community."""

    __tablename__ = "weekly_challenges"
    __table_args__ = (
        CheckConstraint(f"status IN {STATUSES!r}", name="status_known"),
        CheckConstraint(
            "starts_at < submission_deadline AND submission_deadline <= voting_deadline "
            "AND voting_deadline <= ends_at",
            name="deadlines_in_order",
        ),
        CheckConstraint("max_submissions_per_user BETWEEN 1 AND 100", name="max_submissions_range"),
        Index("ix_weekly_challenges_status_starts_at", "status", "starts_at"),
        # The archive pages completed challenges by (voting deadline, id), newest first.
        Index("ix_weekly_challenges_voting_deadline_id", "voting_deadline", "id"),
    )

    # Identity
    id: Mapped[uuid.UUID] = uuid_pk()
    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(50), unique=True)
    description: Mapped[str] = mapped_column(Text)
    prompt: Mapped[str] = mapped_column(Text)

    # Timing (stored in UTC)
    week_number: Mapped[int] = mapped_column()
    year: Mapped[int] = mapped_column()
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    submission_deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    voting_deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Revision of the four times above, raised by prepare_challenge whenever one of them moves:
    # calendar feeds send it as SEQUENCE so subscribed calendars replace the old event.
    schedule_sequence: Mapped[int] = mapped_column(default=0, server_default="0")

    # Status: a cache of phase_at(challenge, now), written by the phase job (compare-and-set).
    status: Mapped[str] = mapped_column(String(20), default=ChallengeStatus.DRAFT.value)
    is_featured: Mapped[bool] = mapped_column(default=True)

    # Configuration
    max_submissions_per_user: Mapped[int] = mapped_column(default=3)
    allow_voting: Mapped[bool] = mapped_column(default=True)
    require_project_link: Mapped[bool] = mapped_column(default=True)

    # Visual
    hero_image_url: Mapped[str] = mapped_column(String(2048), default="")
    theme_color: Mapped[str] = mapped_column(String(20), default="purple")

    # Sponsor (optional)
    sponsor_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid(), ForeignKey("challenge_sponsors.id", ondelete="SET NULL"), index=True
    )

    # Prize configuration, validated on save (challenges.services.prizes)
    prizes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Per-challenge overrides of the default point values (SPEC §6)
    points_config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    # Stats (cached, updated with atomic SQL increments)
    submission_count: Mapped[int] = mapped_column(default=0)
    participant_count: Mapped[int] = mapped_column(default=0)
    # Issue #14: no longer maintained. ``total_votes`` (models/submission.py) is derived from the
    # counting entries' ``vote_count``, so a vote never writes the challenge row; the column
    # stays (the plan's schema) and keeps what it held when votes stopped moving it.
    total_votes_stored: Mapped[int] = mapped_column("total_votes", default=0)
    if TYPE_CHECKING:  # mapped at import of models/submission.py (a column_property)
        total_votes: int
    # Monotonic counters: the next entry's number (the leaderboard's tie-break), and the version
    # of the board, bumped by every transaction that changes a score (see challenges.leaderboard).
    entries_created: Mapped[int] = mapped_column(default=0)
    # Before issue #14 every board change bumped it; now each member has a version
    # (board_members). Kept for the schema; nothing reads it.
    board_version: Mapped[int] = mapped_column(BigInteger, default=0)

    # Sponsor analytics (counted in Redis, flushed here every minute by jobs.stats)
    view_count: Mapped[int] = mapped_column(BigInteger, default=0)
    sponsor_click_count: Mapped[int] = mapped_column(BigInteger, default=0)

    # Results
    finalized_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    results_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # Metadata
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    # Freeze (issue #13): for the last ``freeze_hours`` of voting the public board shows its
    # state at the freeze while votes keep counting; None means no freeze (SPEC §2).
    freeze_hours: Mapped[int | None] = mapped_column(default=None)

    sponsor: Mapped[ChallengeSponsor | None] = relationship(back_populates="challenges")
    submissions: Mapped[list[ChallengeSubmission]] = relationship(
        back_populates="challenge", passive_deletes=True
    )

    # The rule "published" (visible to everyone, its phase follows the clock), once in Python and
    # once in SQL, side by side; tests/core/test_rule_twins.py checks that they agree.
    @hybrid_property
    def is_published(self) -> bool:
        """Neither a draft nor cancelled."""
        return self.status in PUBLISHED_STATUSES

    @is_published.inplace.expression
    @classmethod
    def _is_published_sql(cls) -> ColumnElement[bool]:
        return cls.status.in_(sorted(PUBLISHED_STATUSES))

    # Judging (SPEC §4a, challenges/judging): "community" (votes only, the default), "judges"
    # or "blend"; the community's share of a blend (0-1); the rubric, 1-3 criteria
    # [{"name": ..., "weight": ...}] whose weights sum to 1. Validated on save.
    judging_mode: Mapped[str] = mapped_column(String(20), default="community",
                                              server_default="community")
    community_share: Mapped[float | None] = mapped_column(Float)
    rubric: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)

    def __str__(self) -> str:
        return self.title
