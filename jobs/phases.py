"""The phase job: run every minute by the scheduler."""

from __future__ import annotations

import logging

from challenges.clock import utcnow
from challenges.extensions import db
from challenges.services.finalization import unfinalized_completed
from challenges.services.phases import advance_phases as advance_phases_service
from challenges.services.phases import run_transition_handlers
from challenges.transactions import commit_with_retry

from .finalize import enqueue_finalization

log = logging.getLogger(__name__)


def advance_phases() -> int:
    """Persist every challenge's phase, then queue finalization for every challenge past its
    voting deadline that is not final yet (so a finalization lost to a crash is queued again).
    Returns how many transitions this run performed."""
    now = utcnow()
    transitions = commit_with_retry(lambda: advance_phases_service(now))
    run_transition_handlers(transitions)
    due = unfinalized_completed(now)
    db.session.rollback()  # end the read transaction before talking to Redis
    for challenge_id in due:
        if enqueue_finalization(challenge_id):
            log.info("finalization queued for %s", challenge_id)
    log.info("advance_phases: %d transition(s)", len(transitions))
    return len(transitions)
