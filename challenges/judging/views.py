"""The judging page, /challenges/<slug>/judging/: assigned judges only (404 for everyone
else). Each entry in turn with the rubric, one 1-10 score per criterion, saved by htmx
without a reload or by a plain form POST. Thin: the rules are in ``service``."""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from ..clock import utcnow
from ..errors import DomainError, ValidationFailed
from ..extensions import db
from ..models import ChallengeSubmission, WeeklyChallenge
from ..transactions import commit_with_retry
from ..web import attach_errors, htmx_vary, is_htmx, visible_challenge_or_404
from . import service
from .forms import score_form

bp = Blueprint("judging", __name__)


def _judged_challenge(slug: str) -> WeeklyChallenge:
    """The challenge, or 404 unless the viewer judges it."""
    challenge = visible_challenge_or_404(slug)
    if not current_user.is_authenticated or not service.is_judge(challenge.id, current_user.id):
        abort(404)
    return challenge


@bp.get("/challenges/<slug>/judging/")
def index(slug: str) -> ResponseReturnValue:
    """The judge's first entry still to score (or the first entry once all are scored)."""
    challenge = _judged_challenge(slug)
    queue = service.judging_queue(challenge, current_user)
    entry = queue.first_unscored()
    return _render(challenge, queue, entry)


@bp.route("/challenges/<slug>/judging/<uuid:submission_id>/", methods=["GET", "POST"])
def entry_page(slug: str, submission_id: uuid.UUID) -> ResponseReturnValue:
    """One entry with the rubric. POST saves the scores: htmx gets the panel back (saved,
    the progress moved on, focus on "Next"); without JavaScript, a redirect to the next entry."""
    challenge = _judged_challenge(slug)
    entry = _entry_of(challenge, submission_id)
    queue = service.judging_queue(challenge, current_user)
    saved = queue.mine.get(entry.id)
    form = score_form(service.rubric_of(challenge), saved.scores if saved else None)
    just_saved = False
    if form.is_submitted():
        if not form.validate():
            return _render(challenge, queue, entry, form, status=422)
        try:
            commit_with_retry(lambda: service.save_scores(
                entry, current_user, form.scores(), utcnow()))
        except ValidationFailed as error:
            attach_errors(form, error.errors)
            return _render(challenge, queue, entry, form, status=422)
        except DomainError as error:
            if is_htmx():
                return _render(challenge, queue, entry, form, refusal=error,
                               status=error.status)
            flash(error.message, "error")
            return redirect(url_for(".entry_page", slug=slug, submission_id=entry.id))
        queue = service.judging_queue(challenge, current_user)
        if not is_htmx():
            flash(_("Scores saved."), "success")
            following = _next(queue, entry.id)
            target = following.id if following is not None else entry.id
            return redirect(url_for(".entry_page", slug=slug, submission_id=target))
        just_saved = True
        form = score_form(service.rubric_of(challenge), form.scores(), focus=False)
    return _render(challenge, queue, entry, form, just_saved=just_saved)


def _entry_of(challenge: WeeklyChallenge, submission_id: uuid.UUID) -> ChallengeSubmission:
    entry = db.session.get(ChallengeSubmission, submission_id)
    if entry is None or entry.challenge_id != challenge.id or entry.is_withdrawn:
        abort(404)
    return entry


def _next(queue: service.Queue, entry_id: uuid.UUID) -> ChallengeSubmission | None:
    position = queue.position(entry_id)
    if position is None or position >= len(queue.entries):
        return None
    return queue.entries[position]


def _previous(queue: service.Queue, entry_id: uuid.UUID) -> ChallengeSubmission | None:
    position = queue.position(entry_id)
    if position is None or position <= 1:
        return None
    return queue.entries[position - 2]


def _render(challenge: WeeklyChallenge, queue: service.Queue,
            entry: ChallengeSubmission | None, form: object = None, *,
            refusal: DomainError | None = None, just_saved: bool = False,
            status: int = 200) -> ResponseReturnValue:
    now = utcnow()
    rubric = service.rubric_of(challenge)
    if entry is not None and form is None:
        saved = queue.mine.get(entry.id)
        form = score_form(rubric, saved.scores if saved else None)
    context = {
        "challenge": challenge, "queue": queue, "entry": entry, "form": form,
        "rubric": rubric, "just_saved": just_saved,
        "refusal": refusal or (service.score_refusal(entry, current_user, now)
                               if entry is not None else None),
        "position": queue.position(entry.id) if entry is not None else None,
        "next_entry": _next(queue, entry.id) if entry is not None else None,
        "previous_entry": _previous(queue, entry.id) if entry is not None else None,
        "scores": service.panel_scores(entry, current_user, now) if entry is not None else [],
        "revealed": service.scores_revealed(challenge, now),
        "open": service.judging_open(challenge, now),
    }
    template = "judging/_panel.html" if is_htmx() else "judging/page.html"
    return htmx_vary(Response(render_template(template, **context), status=status))
