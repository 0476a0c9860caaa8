"""Analytics (issue #12, SPEC §11): the plan's success metrics per challenge and per ISO week,
the nightly rollups that keep the dashboard constant-time, ``/admin/analytics`` for editors and
the sponsor's numbers on ``/sponsor/``.

The core never imports this package: ``init_app`` adds the admin view through the admin's
feature hook, registers the CLI, and adds the sponsor's numbers to the core's sponsor dashboard
through ``before_render_template`` (``sponsor_pages``), with their CSV on its own blueprint.
"""

from __future__ import annotations

from flask import Flask, before_render_template


def init_app(app: Flask) -> None:
    """Register the admin view, the commands and the sponsor's numbers. Called before
    ``init_admin``."""
    from .admin import add_admin_views
    from .cli import analytics_cli
    from .sponsor_pages import add_sponsor_numbers, bp

    app.extensions.setdefault("wc_admin_views", []).append(add_admin_views)
    app.cli.add_command(analytics_cli)
    app.register_blueprint(bp)
    before_render_template.connect(add_sponsor_numbers, app)
