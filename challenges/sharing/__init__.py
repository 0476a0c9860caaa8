"""Sharing (issue #12, SPEC §11-12): link previews (Open Graph and Twitter tags) with a
generated 1200 x 630 preview image on every public page, share buttons without third-party
scripts, and a share card for every participant of a completed challenge.

The core never imports this package: pages get their tags and buttons through Flask's
``before_render_template`` signal (``meta.add_share_context``).
"""

from __future__ import annotations

from flask import Flask, before_render_template


def init_app(app: Flask) -> None:
    """Register the blueprint and the pages' link previews."""
    from .meta import add_share_context
    from .views import bp

    app.register_blueprint(bp)
    before_render_template.connect(add_share_context, app)
