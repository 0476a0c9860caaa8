"""A member's own entries, for the pages that list them (their projects: challenges.projects)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import ChallengeSubmission, WeeklyChallenge

MY_SUBMISSIONS_LIMIT = 200


def my_submissions(user_id: int, challenge_id: uuid.UUID | None = None
                   ) -> list[ChallengeSubmission]:
    """The member's live (not withdrawn) entries with their challenges: in one challenge in
    the order they were entered, or across all challenges newest first (the latest 200).
    Only published challenges: one put back to draft names nothing, even to its entrants."""
    query = (
        select(ChallengeSubmission)
        .join(WeeklyChallenge, WeeklyChallenge.id == ChallengeSubmission.challenge_id)
        .options(joinedload(ChallengeSubmission.challenge), joinedload(ChallengeSubmission.user))
        .where(ChallengeSubmission.user_id == user_id,
               ChallengeSubmission.is_withdrawn.is_(False),
               WeeklyChallenge.is_published)
    )
    if challenge_id is not None:
        query = query.where(ChallengeSubmission.challenge_id == challenge_id).order_by(
            ChallengeSubmission.entry_number)
    else:
        query = query.order_by(ChallengeSubmission.submitted_at.desc()).limit(
            MY_SUBMISSIONS_LIMIT)
    return list(db.session.scalars(query).all())

