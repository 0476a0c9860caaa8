"""Sponsor click-throughs and the read-only sponsor dashboard."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from ..errors import Forbidden, NotFound
from ..services.sponsors import dashboard_sponsor, record, sponsor_dashboard
from ..services.urls import url_problem
from ..web import visible_challenge_or_404

bp = Blueprint("sponsor", __name__)


@bp.get("/challenges/<slug>/sponsor-link")
def click_through(slug: str) -> ResponseReturnValue:
    """Count a click on the sponsor's link, then go there."""
    challenge = visible_challenge_or_404(slug)
    sponsor = challenge.sponsor
    if sponsor is None or url_problem(sponsor.website_url):
        abort(404)
    record(challenge.id, "clicks")
    return redirect(sponsor.website_url, code=302)


@bp.get("/sponsor/")
@login_required
def dashboard() -> ResponseReturnValue:
    """A sponsor user's challenges with their numbers; editors may look at any sponsor."""
    try:
        sponsor = dashboard_sponsor(current_user, request.args.get("sponsor"))
    except Forbidden:
        abort(403)
    except NotFound:
        abort(404)
    return render_template("sponsors/dashboard.html", sponsor=sponsor,
                           rows=sponsor_dashboard(sponsor))
