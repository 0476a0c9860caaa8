"""The archive (issue #12): every completed challenge with search and filters
(``/challenges/archive/``), and a completed challenge's results page
(``/challenges/<slug>/results/``). Search is full-text on both databases (``search``)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the archive's blueprint."""
    from .views import bp

    app.register_blueprint(bp)
