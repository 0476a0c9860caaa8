"""RQ glue: the recurring job that takes frozen boards on time (jobs/schedule.py runs it every
minute). A board whose copy is missing later (a Redis loss) is taken again by the next page
read, from the same SQL: the copy is the same either way."""

from __future__ import annotations

import logging

from ..clock import utcnow
from ..extensions import db, get_redis
from .service import take_due_freezes

log = logging.getLogger(__name__)


def take_frozen_boards() -> int:
    """Take the frozen copy of every board that froze and lacks one. Returns how many."""
    taken = take_due_freezes(get_redis(), utcnow())
    db.session.rollback()  # read-only: end the read transaction
    if taken:
        log.info("take_frozen_boards: %d board(s) frozen", taken)
    return taken
