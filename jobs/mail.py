"""Sending email from the outbox (challenges/notifications/sending.py): thin job wrappers.

``send_email`` is enqueued after a commit that queued a few emails; ``send_due`` after a fan-out,
and by the scheduler every minute, so nothing depends on one RQ job surviving.
"""

from __future__ import annotations

from challenges.notifications.sending import send_due as _send_due
from challenges.notifications.sending import send_email as _send_email


def send_email(outbox_id: int) -> str | None:
    """Send one outbox row if it is still due; returns where it went, or None."""
    return _send_email(outbox_id)


def send_due() -> int:
    """Send every outbox row that is due now; returns how many this run sent."""
    return _send_due()
