"""The viewer's own status in a challenge (landing page and the API's ``user_status``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..errors import Refusal
from ..models import User, WeeklyChallenge
from .entries import live_entry_count, submission_refusal
from .votes import votes_cast


@dataclass(frozen=True)
class ViewerStatus:
    has_submitted: bool
    submission_count: int
    max_submissions: int
    can_submit_more: bool
    votes_cast: int
    # Why the viewer may not submit another entry now (None: they may).
    submission_refusal: Refusal | None = None


def viewer_status(challenge: WeeklyChallenge, viewer: User, now: datetime) -> ViewerStatus:
    used = live_entry_count(challenge.id, viewer.id)
    refusal = submission_refusal(challenge, viewer, now, entries_used=used)
    return ViewerStatus(
        has_submitted=used > 0,
        submission_count=used,
        max_submissions=challenge.max_submissions_per_user,
        can_submit_more=refusal is None,
        votes_cast=votes_cast(challenge.id, viewer.id),
        submission_refusal=refusal,
    )
