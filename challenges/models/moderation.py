"""The audit trail of editors' decisions on entries: who disqualified or reinstated what, when,
why, and what it changed after results."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
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

if TYPE_CHECKING:
    from .submission import ChallengeSubmission
    from .user import User


class ModerationAction(StrEnum):
    DISQUALIFY = "disqualify"
    REINSTATE = "reinstate"
    AMEND_REASON = "amend_reason"  # a disqualified entry's reason rewritten


MODERATION_ACTIONS = tuple(a.value for a in ModerationAction)


class EntryModerationEvent(Model):
    """One change an editor (or an operator at the command line) made to an entry's standing.

    Append-only. ``results_revision`` is set when the change re-ranked a finalized challenge:
    the ledger rows it wrote carry that number in their keys, so each revision writes its own
    rows and the unique (challenge, revision) pair keeps two re-rankings from sharing one.
    """

    __tablename__ = "entry_moderation_events"
    __table_args__ = (
        CheckConstraint(f"action IN {MODERATION_ACTIONS!r}", name="action_known"),
        UniqueConstraint("challenge_id", "results_revision",
                         name="uq_moderation_challenge_revision"),
        Index("ix_moderation_submission_id", "submission_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    submission_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("challenge_submissions.id", ondelete="CASCADE")
    )
    challenge_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("weekly_challenges.id", ondelete="CASCADE")
    )
    action: Mapped[str] = mapped_column(String(20))
    # The editor, when one acted; ``actor`` keeps the name even if the account goes ("cli" for
    # an operator's command without --as-editor).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text, default="")
    results_revision: Mapped[int | None] = mapped_column()
    # What the change did after results: ranks moved, ledger rows, payouts (for the admin).
    effects: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = created_at_column()

    submission: Mapped[ChallengeSubmission] = relationship()
    actor_user: Mapped[User | None] = relationship()
