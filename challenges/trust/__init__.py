"""Trust-weighted, transparent votes (issue 13): vote-ring detection and its admin review.

The weight rule itself is core (``services.votes.vote_weight``); this package finds rings
(``rings``, run by ``jobs.trust``) and lets editors void or restore them (``admin``). The core
never imports it: ``init_app`` adds the admin view through the admin's feature hook.
"""

from __future__ import annotations

from flask import Flask

from .admin import add_admin_views


def init_app(app: Flask) -> None:
    """Register the vote-ring admin view (before ``init_admin``, which adds it)."""
    app.extensions.setdefault("wc_admin_views", []).append(add_admin_views)
