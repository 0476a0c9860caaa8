"""Helpers every blueprint's views share: htmx detection, ``Vary``, and the lookups that 404 in
one place (in the style of flaskr's ``get_post``). No view module imports another's views."""

from __future__ import annotations

import secrets
import uuid
from typing import TypeVar

from flask import abort, current_app, flash, request, session
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as BaseResponse

from .clock import utcnow
from .errors import NotFound
from .extensions import login_manager
from .models import ChallengeSubmission, User, WeeklyChallenge
from .ratelimits.keys import client_ip
from .services.challenges import get_visible_challenge
from .services.entries import get_challenge_entry
from .services.votes import VoteOutcome, cast_vote, network_hash, withdraw_vote

# A Flask response, or a plain Werkzeug one such as ``redirect()`` returns.
R = TypeVar("R", bound=BaseResponse)


def is_htmx() -> bool:
    """Whether htmx sent this request (it wants a fragment, not a page)."""
    return request.headers.get("HX-Request") == "true"


def htmx_vary(response: R) -> R:
    """Mark a response that is a page or a fragment depending on ``HX-Request``."""
    response.headers["Vary"] = "HX-Request"
    return response


def viewer_id() -> int | None:
    """The logged-in user's id, or None for a visitor."""
    return current_user.id if current_user.is_authenticated else None


VIEWER_KEY = "viewer_key"  # session key: a visitor's random name for per-viewer orders


def viewer_key() -> str:
    """A stable name for this viewer: the member, or for a visitor a random token kept in
    their session (set on first use), for orders made per viewer (the gallery's Discover)."""
    if current_user.is_authenticated:
        return f"u{current_user.id}"
    token = session.get(VIEWER_KEY)
    if not isinstance(token, str) or not token.isalnum() or len(token) != 32:
        token = secrets.token_hex(16)
        session[VIEWER_KEY] = token
    return f"s{token}"


def polling_session_token() -> str | None:
    """The session token this request's session cookie carries, for the polls that identify
    their viewer without SQL (leaderboard widget, bell). Flask-Login checks a session's browser
    only when it loads the user (which the polls skip), so the same "strong" check runs here:
    a session made for another browser or address identifies nobody."""
    token = session.get("_user_id")
    if token is None:
        return None
    if (login_manager.session_protection == "strong"
            and session.get("_id") != login_manager._session_identifier_generator()):  # noqa: SLF001
        return None
    return str(token)


def visible_challenge_or_404(slug: str, entry_id: uuid.UUID | None = None) -> WeeklyChallenge:
    """The challenge, or 404 for unknown slugs and for drafts seen by non-editors. With
    ``entry_id`` (a URL that names an entry too), that entry is read in the same statement, for
    ``entry_or_404`` to find without one of its own."""
    try:
        return get_visible_challenge(slug, current_user, entry_id)
    except NotFound:
        abort(404)


def entry_or_404(challenge: WeeklyChallenge, submission_id: uuid.UUID,
                 check_author: bool = False) -> ChallengeSubmission:
    """An entry of ``challenge`` the viewer may see, or 404; with ``check_author``, 403 unless
    the viewer wrote it."""
    try:
        entry = get_challenge_entry(challenge.id, submission_id, current_user)
    except NotFound:
        abort(404)
    if check_author and entry.user_id != viewer_id():
        abort(403)
    return entry


def vote_or_unvote(submission_id: uuid.UUID, voter: User | None, cast: bool) -> VoteOutcome:
    """Cast or withdraw ``voter``'s vote now, with the configured weights of verified and
    unverified votes (the work the HTML view and the API both run inside ``commit_with_retry``)."""
    if cast:
        return cast_vote(submission_id, voter, utcnow(),
                         verified_weight=current_app.config["VERIFIED_VOTE_WEIGHT"],
                         unverified_weight=current_app.config["UNVERIFIED_VOTE_WEIGHT"],
                         network=network_hash(client_ip(), current_app.config["SECRET_KEY"]))
    return withdraw_vote(submission_id, voter, utcnow())


def attach_errors(form: FlaskForm, errors: dict[str, str]) -> None:
    """Show a service's field errors beside the matching form fields."""
    for name, message in errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            flash(message, "error")
