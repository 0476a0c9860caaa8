"""The viewer's own status in a challenge (landing page and the API's ``user_status``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, select

from ..errors import Refusal
from ..extensions import db
from ..models import User, WeeklyChallenge
from .entries import live_entries_query, submission_refusal
from .votes import votes_cast_query


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
    """``viewer``'s entries used and votes cast in ``challenge`` (one statement), and whether
    they may submit another entry now."""
    used, cast = db.session.execute(_counts(), {"challenge_id": challenge.id,
                                                "user_id": viewer.id,
                                                "voter_id": viewer.id}).one()
    refusal = submission_refusal(challenge, viewer, now, entries_used=used)
    return ViewerStatus(
        has_submitted=used > 0,
        submission_count=used,
        max_submissions=challenge.max_submissions_per_user,
        can_submit_more=refusal is None,
        votes_cast=cast,
        submission_refusal=refusal,
    )


@cache
def _counts() -> Select[Any]:
    """``live_entry_count``'s and ``votes_cast_query``'s counts in one statement (issue #14:
    every member's landing page asked both, one round trip each), as subqueries."""
    return select(live_entries_query().scalar_subquery(), votes_cast_query().scalar_subquery())
