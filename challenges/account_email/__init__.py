"""Account emails (issue #9, "Accounts"): verifying the address on register, "forgot
password" with a signed single-use link, and changing the address with a confirmation to the
new one and a notice to the old one.

``service`` holds every rule, ``tokens`` the signed links, ``views`` the pages, ``jobs`` the RQ
glue; templates are in ``templates/account_email/`` and ``templates/email/``.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the pages (``/account/verify/...``, ``/password/...``, ``/account/email``)."""
    from .views import bp

    app.register_blueprint(bp)
