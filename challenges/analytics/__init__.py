"""Analytics (issue #12, SPEC §11): the plan's success metrics per challenge and per ISO week,
the nightly rollups that keep the dashboard constant-time, ``/admin/analytics`` for editors and
the sponsor's numbers on ``/sponsor/``.

The core never imports this package: ``init_app`` adds the admin view through the admin's
feature hook and registers the CLI. The sponsor's numbers are part of the sponsor dashboard
(``challenges/sponsors/views.py``), read from ``analytics.sponsors``.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the admin view and the commands. Called before ``init_admin``."""
    from .admin import add_admin_views
    from .cli import analytics_cli
    app.extensions.setdefault("wc_admin_views", []).append(add_admin_views)
    app.cli.add_command(analytics_cli)
