"""The viewer's own status in a challenge (landing page and the API's ``user_status``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..models import User, WeeklyChallenge
from ..phase import accepts_submissions
from .entries import live_entry_count
from .votes import votes_cast


@dataclass(frozen=True)
class ViewerStatus:
    has_submitted: bool
    submission_count: int
    max_submissions: int
    can_submit_more: bool
    votes_cast: int


def viewer_status(challenge: WeeklyChallenge, viewer: User, now: datetime) -> ViewerStatus:
    used = live_entry_count(challenge.id, viewer.id)
    return ViewerStatus(
        has_submitted=used > 0,
        submission_count=used,
        max_submissions=challenge.max_submissions_per_user,
        can_submit_more=accepts_submissions(challenge, now)
        and used < challenge.max_submissions_per_user,
        votes_cast=votes_cast(challenge.id, viewer.id),
    )
