"""Helpers every blueprint's views share: htmx detection, ``Vary``, and the lookups that 404 in
one place (in the style of flaskr's ``get_post``). No view module imports another's views."""

from __future__ import annotations

import uuid

from flask import Response, abort, flash, request
from flask_login import current_user
from flask_wtf import FlaskForm

from .errors import NotFound
from .models import ChallengeSubmission, WeeklyChallenge
from .services.challenges import get_visible_challenge
from .services.entries import get_entry


def is_htmx() -> bool:
    """Whether htmx sent this request (it wants a fragment, not a page)."""
    return request.headers.get("HX-Request") == "true"


def htmx_vary(response: Response) -> Response:
    """Mark a response that is a page or a fragment depending on ``HX-Request``."""
    response.headers["Vary"] = "HX-Request"
    return response


def viewer_id() -> int | None:
    """The logged-in user's id, or None for a visitor."""
    return current_user.id if current_user.is_authenticated else None


def visible_challenge_or_404(slug: str) -> WeeklyChallenge:
    """The challenge, or 404 for unknown slugs and for drafts seen by non-editors."""
    try:
        return get_visible_challenge(slug, current_user)
    except NotFound:
        abort(404)


def entry_or_404(challenge: WeeklyChallenge, submission_id: uuid.UUID,
                 check_author: bool = False) -> ChallengeSubmission:
    """An entry of ``challenge`` the viewer may see, or 404; with ``check_author``, 403 unless
    the viewer wrote it."""
    try:
        entry = get_entry(submission_id, current_user)
    except NotFound:
        abort(404)
    if entry.challenge_id != challenge.id:
        abort(404)
    if check_author and entry.user_id != viewer_id():
        abort(403)
    return entry


def attach_errors(form: FlaskForm, errors: dict[str, str]) -> None:
    """Show a service's field errors beside the matching form fields."""
    for name, message in errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            flash(message, "error")
