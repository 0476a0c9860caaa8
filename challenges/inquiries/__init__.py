"""Sponsor inquiries (SPEC §11, "sponsor interest"): the public "Sponsor a challenge" form.

``service`` holds the rules (what an inquiry must say, storing it, telling the editors by
email and in the bell), ``forms`` the form, ``views`` the pages (``/sponsor-a-challenge``).
Editors read and answer inquiries in the admin ("Sponsor inquiries", ``challenges/admin``).
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the form's pages."""
    from .views import bp

    app.register_blueprint(bp)
