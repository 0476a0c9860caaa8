"""The "you" row with movement (issue #13, SPEC §5 and §12): the viewer's rank change since the
start of the UTC day and the votes they need to pass the next member up.

A snapshot of each open board at the start of the UTC day lives in Redis (``snapshot``), taken
by a scheduled job (``jobs.take_day_start_snapshots``) or, when the job did not run, by the
first read of the day. The leaderboard widget shows it through the core's viewer-row hook
(``leaderboard.live.VIEWER_ROW_HOOKS``): the core never imports this package.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Hook the movement into the viewer's row of the leaderboard widget, and note each day's
    first entry number (who joined the board that day)."""
    from ..events import SubmissionCreated, subscribe
    from ..leaderboard.live import VIEWER_ROW_HOOKS
    from .service import movement_hook, on_submission_created

    VIEWER_ROW_HOOKS["movement"] = movement_hook
    subscribe(SubmissionCreated, on_submission_created)
