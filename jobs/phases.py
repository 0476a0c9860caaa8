"""The phase job: run every minute by the scheduler."""

from __future__ import annotations

import logging

from challenges.clock import utcnow
from challenges.extensions import db
from challenges.services.phases import advance_phases as advance_phases_service
from challenges.services.phases import run_transition_handlers

log = logging.getLogger(__name__)


def advance_phases() -> int:
    """Persist every challenge's phase; returns how many transitions this run performed."""
    try:
        transitions = advance_phases_service(utcnow())
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    run_transition_handlers(transitions)
    log.info("advance_phases: %d transition(s)", len(transitions))
    return len(transitions)
