"""The phase of a challenge: a pure function of its timestamps and a time (SPEC §2).

Every rule ("may I submit?", "may I vote?") asks this function, never the ``status`` column,
which is only a cache the scheduled job persists.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from .clock import as_utc
from .models.challenge import ChallengeStatus

UNPUBLISHED = frozenset({ChallengeStatus.DRAFT, ChallengeStatus.CANCELLED})


class HasSchedule(Protocol):
    status: str
    starts_at: datetime
    submission_deadline: datetime
    voting_deadline: datetime


def phase_at(challenge: HasSchedule, now: datetime) -> ChallengeStatus:
    """The phase ``challenge`` is in at ``now``.

    Drafts and cancelled challenges stay what they are (an editor sets those by hand). A published
    challenge is upcoming before ``starts_at``, active until ``submission_deadline``, open for
    voting until ``voting_deadline`` and completed from then on; each boundary belongs to the
    later phase.
    """
    status = ChallengeStatus(challenge.status)
    if status in UNPUBLISHED:
        return status
    now = as_utc(now)
    if now < as_utc(challenge.starts_at):
        return ChallengeStatus.UPCOMING
    if now < as_utc(challenge.submission_deadline):
        return ChallengeStatus.ACTIVE
    if now < as_utc(challenge.voting_deadline):
        return ChallengeStatus.VOTING
    return ChallengeStatus.COMPLETED


def accepts_submissions(challenge: HasSchedule, now: datetime) -> bool:
    """Entries may be submitted, edited and withdrawn only while the challenge is active."""
    return phase_at(challenge, now) == ChallengeStatus.ACTIVE


def accepts_votes(challenge: HasSchedule, now: datetime) -> bool:
    """Votes may be cast or withdrawn while the challenge is active or in its voting period."""
    return phase_at(challenge, now) in (ChallengeStatus.ACTIVE, ChallengeStatus.VOTING)


def next_deadline(challenge: HasSchedule, now: datetime) -> tuple[str, datetime] | None:
    """What the countdown counts down to: ("Starts", t), ("Submissions close", t), ...; None
    once the challenge is over."""
    phase = phase_at(challenge, now)
    if phase == ChallengeStatus.UPCOMING:
        return "Starts", challenge.starts_at
    if phase == ChallengeStatus.ACTIVE:
        return "Submissions close", challenge.submission_deadline
    if phase == ChallengeStatus.VOTING:
        return "Voting ends", challenge.voting_deadline
    return None
