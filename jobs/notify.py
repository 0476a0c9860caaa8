"""The notifications job: run every minute by the scheduler (``flask notify due`` by hand)."""

from __future__ import annotations

import logging

from challenges.notifications.due import run_due

log = logging.getLogger(__name__)


def queue_due_notifications() -> int:
    """Queue every notification email that is due now; returns how many were new. Two runs at
    once, or a rerun, queue nothing twice (the outbox key)."""
    reports = run_due()
    for report in reports:
        if report.queued:
            log.info("notify: %s %s: %d queued", report.due.kind.value, report.due.label,
                     report.queued)
    return sum(report.queued for report in reports)
