"""Sponsor click-throughs and the read-only sponsor dashboard."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from sqlalchemy import select

from ..extensions import db
from ..models import ChallengeSponsor, Role
from ..services.sponsor_stats import record, sponsor_dashboard
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
    sponsor = None
    if current_user.is_editor:
        slug = request.args.get("sponsor")
        query = select(ChallengeSponsor).order_by(ChallengeSponsor.name)
        sponsor = db.session.scalar(query.where(ChallengeSponsor.slug == slug) if slug else query)
    elif current_user.role == Role.SPONSOR.value:
        sponsor = current_user.sponsor
    else:
        abort(403)
    if sponsor is None:
        abort(404)
    return render_template("sponsors/dashboard.html", sponsor=sponsor,
                           rows=sponsor_dashboard(sponsor))
