"""Discover (issue 13, SPEC §12 "fair exposure"): a gallery order that shows each viewer a
challenge's entries in a balanced random order, the entries seen least first, so late and
unknown entrants get seen. The default while votes are open.

The core never imports this package: ``init_app`` registers the order with the gallery service
(``services.gallery.register_order``) and counts impressions when a gallery page renders its
cards (Flask's ``before_render_template``); ``jobs.stats`` flushes them to SQL every minute.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, before_render_template

from ..services.gallery import GalleryPage, Sort, register_order

GALLERY_TEMPLATES = ("entries/gallery.html", "entries/_gallery_page.html")


def count_gallery_impressions(sender: Flask, template: Any, context: dict[str, Any],
                              **extra: Any) -> None:
    """A gallery page is about to render its cards: one impression each (any order)."""
    from .impressions import record_impressions

    page = context.get("page")
    challenge = context.get("challenge")
    if getattr(template, "name", None) in GALLERY_TEMPLATES and isinstance(page, GalleryPage) \
            and challenge is not None:
        record_impressions(challenge.id, [entry.entry_number for entry in page.entries])


def init_app(app: Flask) -> None:
    """Offer the Discover order and count the gallery's impressions."""
    from .order import DiscoverOrder

    register_order(Sort.DISCOVER, DiscoverOrder())
    before_render_template.connect(count_gallery_impressions, app)
