"""Moving a challenge to a phase the way time would (its whole schedule at once)."""

from __future__ import annotations

from challenges.clock import utcnow
from challenges.extensions import db
from tests.support.factories import SCHEDULES


def move_to_phase(challenge, phase: str) -> None:
    """Give ``challenge`` the schedule that puts it in ``phase`` now (entries stay)."""
    start, close, end = SCHEDULES[phase]
    now = utcnow()
    challenge.starts_at, challenge.submission_deadline = now + start, now + close
    challenge.voting_deadline = challenge.ends_at = now + end
    challenge.status = phase
    db.session.commit()
