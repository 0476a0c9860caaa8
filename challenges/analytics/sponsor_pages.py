"""The sponsor's numbers on the core's sponsor dashboard (``/sponsor/``) and their CSV.

The core never imports a feature: the dashboard view (``challenges/sponsors/views.py``) decides
whose dashboard it is and renders ``sponsors/dashboard.html``; this module adds the numbers to
that template's context through Flask's ``before_render_template`` signal, and serves the CSV
from its own blueprint under the same access rule (``sponsors.views.viewed_sponsor``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from jinja2 import Template

from ..errors import NotFound
from ..models import ChallengeSponsor
from ..sponsors.views import viewed_sponsor
from .sponsors import SponsorChallengeNumbers, sponsor_chart, sponsor_numbers, sponsor_table
from .tables import csv_response

bp = Blueprint("sponsor_analytics", __name__)

DASHBOARD = "sponsors/dashboard.html"
FILTERS = ("sponsor", "challenge")  # the query parameters the page and its CSV share


def _numbers(sponsor: ChallengeSponsor) -> list[SponsorChallengeNumbers]:
    """``sponsor``'s numbers (``?challenge=``: one of its challenges; 404 for any other)."""
    try:
        return sponsor_numbers(sponsor, request.args.get("challenge"))
    except NotFound:
        abort(404)


def add_sponsor_numbers(sender: Flask, template: Template, context: dict[str, Any],
                        **extra: Any) -> None:
    """Give the sponsor dashboard its chart, table and CSV link (the sponsor in its context
    is already the one the viewer may see)."""
    sponsor = context.get("sponsor")
    if template.name != DASHBOARD or not isinstance(sponsor, ChallengeSponsor):
        return
    numbers = _numbers(sponsor)
    args: dict[str, Any] = {k: v for k, v in request.args.items() if k in FILTERS}
    context["sponsor_analytics"] = {
        "numbers": numbers,
        "table": sponsor_table(sponsor, numbers),
        "chart": sponsor_chart(numbers) if numbers else None,
        "csv_url": url_for("sponsor_analytics.sponsor_csv", **args),
        "one_challenge": "challenge" in args,
    }


@bp.get("/sponsor/analytics.csv")
@login_required
def sponsor_csv() -> ResponseReturnValue:
    """The dashboard's table as CSV, under the same access rule as the page."""
    sponsor = viewed_sponsor()
    return csv_response(sponsor_table(sponsor, _numbers(sponsor)),
                        f"{sponsor.slug}-analytics.csv")
