"""What an editor sees first: the state of things at a glance."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from ..extensions import db
from ..models import ChallengeSubmission, Payout, PayoutStatus, User, WeeklyChallenge
from .labels import STATUS_CHOICES


def dashboard_context() -> dict[str, Any]:
    """The numbers of the admin's first page: members, entries, pending payouts, challenges
    by status."""
    by_status = dict(
        db.session.execute(
            select(WeeklyChallenge.status, func.count()).group_by(WeeklyChallenge.status)
        ).all()
    )
    return {
        "challenges_by_status": by_status,
        "status_choices": STATUS_CHOICES,
        "user_count": db.session.scalar(select(func.count()).select_from(User)),
        "submission_count": db.session.scalar(
            select(func.count()).select_from(ChallengeSubmission)
        ),
        "pending_payouts": db.session.scalar(
            select(func.count()).select_from(Payout).where(Payout.status == PayoutStatus.PENDING)
        ),
    }
