"""Jinja filters and globals shared by every template."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app
from markupsafe import Markup, escape

from .clock import utcnow
from .models import STATUS_LABELS, ChallengeStatus
from .phase import HasResults, main_action, results_pending
from .security import csp_nonce
from .timefmt import (
    countdown_unit_display,
    format_votes,
    iso_z,
    ordinal,
    relative_time,
    time_remaining,
    utc_label,
)


def local_time(moment: datetime | None, style: str = "datetime") -> Markup:
    """A ``<time>`` element: UTC in the markup, turned into the viewer's zone by ``app.js``.

    Without JavaScript the reader still sees the exact UTC time.
    """
    if moment is None:
        return Markup("")
    return Markup(
        '<time datetime="{iso}" title="{label}" data-local="{style}">{label}</time>'
    ).format(iso=iso_z(moment), label=utc_label(moment), style=escape(style))


def countdown(moment: datetime | None) -> Markup:
    """A live countdown in the page's language ("3d 4h 22m", es "3 d 4 h 22 min"), kept
    current by app.js with the same CLDR unit length (``data-unit-display``); exact UTC on
    hover."""
    if moment is None:
        return Markup("")
    return Markup(
        '<time datetime="{iso}" title="{label}" data-countdown data-unit-display="{units}">'
        "{left}</time>"
    ).format(iso=iso_z(moment), label=utc_label(moment), units=countdown_unit_display(),
             left=time_remaining(moment - utcnow()))


def ago(moment: datetime | None) -> Markup:
    """"5 minutes ago" (es "hace 5 minutos") in a ``<time>`` with the exact UTC on hover."""
    if moment is None:
        return Markup("")
    return Markup('<time datetime="{iso}" title="{label}">{text}</time>').format(
        iso=iso_z(moment), label=utc_label(moment), text=relative_time(moment, utcnow()))


def status_label(status: str) -> str:
    """A challenge status as people read it, in their language ("Voting Period")."""
    return str(STATUS_LABELS.get(ChallengeStatus(status), status.title()))


def results_at(challenge: HasResults) -> datetime | None:
    """When the results of ``challenge`` come out, while voting is over and they are not out
    yet ("Results at ..."); None otherwise (issue #13)."""
    return challenge.ends_at if results_pending(challenge, utcnow()) else None


def render_bare(template: str, **context: object) -> str:
    """Render without the context processors. Flask-Login's processor loads ``current_user``
    (a SQL query) for every template; the leaderboard's polling path must not run any SQL."""
    return current_app.jinja_env.get_template(template).render(**context)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["status_label"] = status_label
    app.jinja_env.filters["time_remaining"] = time_remaining
    app.jinja_env.filters["iso_z"] = iso_z
    app.jinja_env.filters["votes"] = format_votes
    app.jinja_env.filters["ordinal"] = ordinal
    app.jinja_env.filters["countdown"] = countdown
    app.jinja_env.filters["ago"] = ago
    app.jinja_env.filters["results_at"] = results_at
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.jinja_env.globals["now"] = utcnow
    app.jinja_env.globals["main_action"] = main_action
    # They render with this module: import late.
    from .leaderboard.widget import rows_html, viewer_bits

    app.jinja_env.globals["leaderboard_rows"] = rows_html
    app.jinja_env.globals["leaderboard_viewer_bits"] = viewer_bits
