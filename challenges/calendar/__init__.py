"""Calendar feeds (SPEC §12): every published challenge's opening and deadlines as iCalendar
feeds (all challenges, one challenge, and a private feed per member with the challenges they
entered or follow), "Add to calendar" and "Remind me" on the landing page.

The core never imports this package: the landing page gets its calendar card through Flask's
``before_render_template`` signal, and the challenge's ``schedule_sequence`` (the events'
SEQUENCE) is kept by the core's ``prepare_challenge``.
"""

from __future__ import annotations

from flask import Flask, before_render_template

from . import models  # noqa: F401  (the tables exist once the app does: Alembic compares them)


def init_app(app: Flask) -> None:
    """Register the blueprint and the landing page's calendar card."""
    from .views import add_landing_calendar, bp

    app.register_blueprint(bp)
    before_render_template.connect(add_landing_calendar, app)
