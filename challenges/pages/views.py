"""Thin views over the challenge services."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user


from ..clock import utcnow
from ..errors import NotFound
from ..extensions import db
from ..models import WeeklyChallenge
from ..phase import phase_at
from ..services.challenges import current_challenge, get_visible_challenge, visible_challenges
from ..services.prizes import parse_prizes

bp = Blueprint("pages", __name__)


@bp.get("/")
def home() -> ResponseReturnValue:
    now = utcnow()
    current = current_challenge(now)
    upcoming = db.session.scalars(
        visible_challenges(None)
        .where(WeeklyChallenge.starts_at > now)
        .order_by(WeeklyChallenge.starts_at)
        .limit(3)
    ).all()
    return render_template(
        "pages/home.html",
        current=current,
        prizes=parse_prizes(current.prizes) if current else None,
        upcoming=upcoming,
        now=now,
    )


@bp.get("/challenges/")
def challenge_list() -> ResponseReturnValue:
    now = utcnow()
    challenges = db.session.scalars(
        visible_challenges(current_user).order_by(WeeklyChallenge.starts_at.desc()).limit(50)
    ).all()
    return render_template(
        "pages/challenge_list.html",
        challenges=challenges,
        phases={c.id: phase_at(c, now) for c in challenges},
    )


@bp.get("/challenges/<slug>/")
def challenge_detail(slug: str) -> ResponseReturnValue:
    try:
        challenge = get_visible_challenge(slug, current_user)
    except NotFound:
        abort(404)
    now = utcnow()
    return render_template(
        "pages/challenge_detail.html",
        challenge=challenge,
        phase=phase_at(challenge, now),
        prizes=parse_prizes(challenge.prizes),
        now=now,
    )


