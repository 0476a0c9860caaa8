"""Signed webhooks (SPEC §12, issue #9): endpoints registered by editors (admin) and sponsors
(their dashboard), deliveries of the core's events signed per the Standard Webhooks spec, sent
by RQ with backoff, logged per attempt, replayable, and disabled after a day of failures.

The core never imports this package: ``init_app`` subscribes to the core's events and adds
the admin views through the admin's feature hook.
"""

from __future__ import annotations

from flask import Flask

from . import models  # noqa: F401  (the tables exist for migrations and create_app)
from .admin import add_admin_views
from .subscriptions import subscribe
from .views import bp


def init_app(app: Flask) -> None:
    """Register the sponsor pages, the admin views and the event subscriptions. Called before
    ``init_admin``, which adds the views registered in ``wc_admin_views``."""
    app.register_blueprint(bp)
    app.extensions.setdefault("wc_admin_views", []).append(add_admin_views)
    subscribe()
