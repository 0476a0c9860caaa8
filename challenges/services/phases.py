"""Persisting the phase (SPEC §2): the status column catches up with the clock, exactly once."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select, update

from .. import events
from ..extensions import db
from ..models import ChallengeStatus, WeeklyChallenge
from ..phase import in_phase, phase_at

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Transition:
    challenge_id: uuid.UUID
    slug: str
    old: ChallengeStatus
    new: ChallengeStatus


# Side effects of a transition (finalisation, notifications), run after the commit by whoever
# performed it. Later features register here instead of editing the phase job.
TransitionHandler = Callable[[Transition], None]
_handlers: list[TransitionHandler] = []


def on_transition(handler: TransitionHandler) -> TransitionHandler:
    """Register ``handler`` to run once for every transition this process performs."""
    _handlers.append(handler)
    return handler


def advance_phases(now: datetime) -> list[Transition]:
    """Move every published challenge's ``status`` to ``phase_at(challenge, now)``.

    Each move is a compare-and-set (``UPDATE ... WHERE status = <what we read>``): when two
    processes race, the database lets exactly one of them change the row, and only that one
    reports the transition. Flushes; the caller commits, then calls ``run_transition_handlers``.
    """
    candidates = db.session.execute(
        select(
            WeeklyChallenge.id,
            WeeklyChallenge.slug,
            WeeklyChallenge.status,
            WeeklyChallenge.starts_at,
            WeeklyChallenge.submission_deadline,
            WeeklyChallenge.voting_deadline,
        ).where(
            WeeklyChallenge.is_published,
            # Challenges already marked completed, and completed by the clock, have nowhere left
            # to go.
            ~and_(
                WeeklyChallenge.status == ChallengeStatus.COMPLETED.value,
                in_phase(ChallengeStatus.COMPLETED, now),
            ),
        )
    ).all()
    performed: list[Transition] = []
    for row in candidates:
        target = phase_at(row, now)
        if target == row.status:
            continue
        result = db.session.execute(
            update(WeeklyChallenge)
            .where(WeeklyChallenge.id == row.id, WeeklyChallenge.status == row.status)
            .values(status=target.value, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        # Session.execute is typed Result; an UPDATE returns a CursorResult, which has rowcount.
        if result.rowcount == 1:  # type: ignore[attr-defined, unused-ignore]
            performed.append(Transition(row.id, row.slug, ChallengeStatus(row.status), target))
    return performed


def run_transition_handlers(transitions: list[Transition]) -> None:
    """Fire the registered side effects, after the transitions were committed."""
    for transition in transitions:
        log.info(
            "challenge %s: %s -> %s", transition.slug, transition.old.value, transition.new.value
        )
        for handler in _handlers:
            handler(transition)
        events.deliver(events.PhaseChanged(transition.challenge_id, transition.old.value,
                                           transition.new.value))
