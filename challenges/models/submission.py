"""Entries and votes (the plan's ``ChallengeSubmission`` and ``ChallengeVote``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    and_,
    func,
    select,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from ..extensions import Model
from .base import created_at_column, updated_at_column, uuid_pk
from .types import UTCDateTime

if TYPE_CHECKING:
    from .challenge import WeeklyChallenge
    from .project import Project
    from .user import User


class ChallengeSubmission(Model):
    """User submission for a weekly challenge.

    The per-user limit holds under concurrency through ``slot``: a live entry occupies one of the
    slots ``1..max_submissions_per_user`` and (challenge, user, slot) is unique, so two concurrent
    inserts can never both take the last slot. A withdrawn entry gives its slot back (NULL).
    Points are not stored here: the ledger is the truth (``ledger_entries``).
    """

    __tablename__ = "challenge_submissions"
    __table_args__ = (
        UniqueConstraint("challenge_id", "user_id", "slot", name="uq_submission_user_slot"),
        # One submission per (challenge, user, project) among live entries that link a project
        # (entries without one never collide, so they stay out of the index). "Newest" pages
        # use uq_submission_entry_number, (challenge_id, entry_number).
        Index(
            "uq_submission_challenge_user_project",
            "challenge_id",
            "user_id",
            "project_id",
            unique=True,
            sqlite_where=text("is_withdrawn = 0 AND project_id IS NOT NULL"),
            postgresql_where=text("NOT is_withdrawn AND project_id IS NOT NULL"),
        ),
        CheckConstraint("slot IS NULL OR slot >= 1", name="slot_positive"),
        CheckConstraint(
            "(is_withdrawn AND slot IS NULL) OR (NOT is_withdrawn AND slot IS NOT NULL)",
            name="slot_iff_live",
        ),
        CheckConstraint("vote_count >= 0", name="vote_count_non_negative"),
        UniqueConstraint("challenge_id", "entry_number", name="uq_submission_entry_number"),
        Index("ix_submission_gallery_votes", "challenge_id", "counted_votes", "entry_number"),
        Index("ix_submission_user_challenge", "user_id", "challenge_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    challenge_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("weekly_challenges.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))

    # Submission content
    project_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid(), ForeignKey("projects.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    image_url: Mapped[str] = mapped_column(String(2048), default="")
    # An uploaded image instead of a link: the content hash naming its files (challenges/uploads).
    image_upload: Mapped[str] = mapped_column(String(64), default="")
    image_alt_text: Mapped[str] = mapped_column(String(500), default="")
    external_url: Mapped[str] = mapped_column(String(2048), default="")
    prompt_used: Mapped[str] = mapped_column(Text, default="")
    tool_used: Mapped[str] = mapped_column(String(100), default="")

    # Scoring: raw upvotes and their weighted sum (what the leaderboard counts)
    vote_count: Mapped[int] = mapped_column(default=0)
    counted_votes: Mapped[float] = mapped_column(Float, default=0.0)
    judge_score: Mapped[float | None] = mapped_column(Float)
    final_rank: Mapped[int | None] = mapped_column()

    # Flags
    is_featured: Mapped[bool] = mapped_column(default=False)  # Editor's pick
    is_disqualified: Mapped[bool] = mapped_column(default=False)
    disqualification_reason: Mapped[str] = mapped_column(Text, default="")
    is_withdrawn: Mapped[bool] = mapped_column(default=False)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    slot: Mapped[int | None] = mapped_column()
    # Order of submission within the challenge (1, 2, 3...): "whose first entry came earlier".
    entry_number: Mapped[int] = mapped_column()

    # Timestamps
    submitted_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    challenge: Mapped[WeeklyChallenge] = relationship(back_populates="submissions")
    user: Mapped[User] = relationship()
    project: Mapped[Project | None] = relationship()
    votes: Mapped[list[ChallengeVote]] = relationship(
        back_populates="submission", passive_deletes=True
    )

    # The rule "counting entry" (its votes count, it is ranked and shown in the gallery), once in
    # Python and once in SQL, side by side; tests/core/test_rule_twins.py checks that they agree.
    @hybrid_property
    def counts(self) -> bool:
        """Neither withdrawn nor disqualified."""
        return not (self.is_disqualified or self.is_withdrawn)

    @counts.inplace.expression
    @classmethod
    def _counts_sql(cls) -> ColumnElement[bool]:
        return and_(cls.is_withdrawn.is_(False), cls.is_disqualified.is_(False))

    def __str__(self) -> str:
        return self.title

    # Discover (issue 13, fair exposure): how many times the entry's card was shown on a gallery
    # page, counted in Redis and added here by the minute flush (challenges/discover).
    impressions: Mapped[int] = mapped_column(default=0, server_default="0")


class ChallengeVote(Model):
    """Vote on a challenge submission (one per voter and submission)."""

    __tablename__ = "challenge_votes"
    __table_args__ = (
        UniqueConstraint("submission_id", "voter_id", name="uq_vote_submission_voter"),
        # 0 is a vote that does not count (a flagged voter, a voided vote): SPEC §4.
        CheckConstraint("weight >= 0", name="weight_not_negative"),
        CheckConstraint("cast_weight >= 0", name="cast_weight_not_negative"),
        Index("ix_vote_voter_challenge", "voter_id", "challenge_id"),
        Index("ix_vote_submission_created", "submission_id", "created_at"),
        Index("ix_vote_challenge_created", "challenge_id", "created_at"),  # votes per hour
        Index("ix_vote_network_created", "network_hash", "created_at"),  # vote-ring detection
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    submission_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("challenge_submissions.id", ondelete="CASCADE")
    )
    voter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # Denormalised so "votes cast in this challenge" needs no join.
    challenge_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("weekly_challenges.id", ondelete="CASCADE"), index=True
    )
    # Vote can be weighted (e.g. verified users get more weight)
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    created_at: Mapped[datetime] = created_at_column()
    # Trust (issue 13): what the voter's standing gives the vote (``vote_weight``), kept while
    # an editor's void sets ``weight`` to 0, so a restore puts it back exactly; why it is that
    # (a ``WeightReason``); when it was voided (None: it counts ``cast_weight``); and a keyed
    # hash of the voter's network (/24 or /48), never the address, for vote-ring detection.
    cast_weight: Mapped[float] = mapped_column(Float, default=1.0, server_default="1.0")
    weight_reason: Mapped[str] = mapped_column(String(16), default="full", server_default="full")
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    network_hash: Mapped[str | None] = mapped_column(String(64))

    submission: Mapped[ChallengeSubmission] = relationship(back_populates="votes")
    voter: Mapped[User] = relationship()
    # settle14 (issue 14): when the vote's rewards (ledger rows) were granted, in their own
    # short transaction after the vote's commit (services/vote_rewards.py). None: not yet, or a
    # crash in between, which the sweep job repairs.
    rewarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


# settle14: the sweep's "votes still waiting for their rewards", oldest first (a partial index:
# only the few unrewarded rows are in it).
Index("ix_vote_unrewarded", ChallengeVote.created_at,
      sqlite_where=text("rewarded_at IS NULL"), postgresql_where=text("rewarded_at IS NULL"))


# Issue #14 (votes14): the votes on a challenge's counting entries (neither withdrawn nor
# disqualified), derived from the entries' own counters in the statement that loads the
# challenge when read (a correlated subquery, deferred). A vote moves its entry's counters only,
# never the challenge row, so votes for different members do not queue on it.
def _total_votes_of_counting_entries() -> None:
    from .challenge import WeeklyChallenge

    s = ChallengeSubmission
    # Deferred: computed when read (the API's challenge detail, the counters check), not in
    # every load of a challenge (each page, each vote), where it would sum every entry.
    WeeklyChallenge.total_votes = column_property(  # type: ignore[assignment]
        select(func.coalesce(func.sum(s.vote_count), 0))
        .where(s.challenge_id == WeeklyChallenge.id, s.counts)
        .correlate_except(s)
        .scalar_subquery(),
        deferred=True,
    )


_total_votes_of_counting_entries()
