"""Jinja filters and globals shared by every template."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from markupsafe import Markup, escape

from .clock import utcnow
from .models import STATUS_LABELS, ChallengeStatus
from .security import csp_nonce
from .timefmt import iso_z, time_remaining, utc_label


def local_time(moment: datetime | None, style: str = "datetime") -> Markup:
    """A ``<time>`` element: UTC in the markup, turned into the viewer's zone by ``app.js``.

    Without JavaScript the reader still sees the exact UTC time.
    """
    if moment is None:
        return Markup("")
    return Markup('<time datetime="{iso}" title="{label}" data-local="{style}">{label}</time>').format(
        iso=iso_z(moment), label=utc_label(moment), style=escape(style)
    )


def status_label(status: str) -> str:
    return STATUS_LABELS.get(ChallengeStatus(status), status.title())


def init_app(app: Flask) -> None:
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["status_label"] = status_label
    app.jinja_env.filters["time_remaining"] = time_remaining
    app.jinja_env.filters["iso_z"] = iso_z
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.jinja_env.globals["now"] = utcnow
