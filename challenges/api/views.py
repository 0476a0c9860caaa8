"""The JSON API (SPEC §10). Every rule is the services' own: these views parse, call, commit,
and serialise; errors leave as one JSON shape."""

from __future__ import annotations

import base64
import binascii
import uuid
from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..clock import utcnow
from ..errors import LoginRequired, NotFound, ValidationFailed
from ..extensions import limiter
from ..leaderboard import ranks
from ..models import WeeklyChallenge
from ..ratelimits.rules import votes as votes_limit
from ..services import mine
from ..services.challenges import current_challenge, get_visible_challenge
from ..services.entries import EntryInput, get_challenge_entry, submit_entry
from ..services.gallery import BadCursor as GalleryBadCursor
from ..services.gallery import Sort, gallery_page
from ..services.listing import BadCursor as ListingBadCursor
from ..services.listing import challenge_page
from ..transactions import commit_with_retry
from ..web import vote_or_unvote
from .auth import caller
from .inputs import ENTRY_FIELDS, BadRequest, choice_arg, int_arg, json_body, uuid_or_none
from .serializers import (
    challenge_detail_json,
    challenge_json,
    challenge_summary_json,
    leaderboard_json,
    my_submission_json,
    submission_json,
)

bp = Blueprint("api", __name__, url_prefix="/api")
STATUSES = ("upcoming", "active", "voting", "completed")
SORTS = tuple(s.value for s in Sort)
WRITE_LIMIT = "30 per minute"


class BadCursor(BadRequest):
    code = "bad_cursor"
    default_message = _l("That cursor is not one this API handed out.")


def encode_cursor(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")


def decode_cursor(raw: str | None) -> str | None:
    """The cursor's text; ``validate`` refuses what the default decoder would silently drop
    (``!!!`` would otherwise read as "no cursor", the first page again)."""
    if not raw:
        return None
    try:
        value = base64.b64decode(raw + "=" * (-len(raw) % 4), altchars=b"-_", validate=True)
        text = value.decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadCursor() from None
    if not text:
        raise BadCursor()
    return text


def challenge_or_404(slug: str, entry_id: uuid.UUID | None = None) -> WeeklyChallenge:
    """The challenge the caller may see (with ``entry_id``: its entry read in the same
    statement, ``get_visible_challenge``), or ``NotFound``."""
    return get_visible_challenge(slug, caller(), entry_id)


def _uuid_or_none_quietly(value: str) -> uuid.UUID | None:
    """``uuid_or_none`` without its 400: None for a malformed id as for an empty one."""
    try:
        return uuid_or_none(value, "submission_id")
    except ValidationFailed:
        return None


def require_caller() -> Any:
    user = caller()
    if user is None:
        raise LoginRequired(_("Authenticate with a session or an API token."))
    return user


@bp.get("/challenges/")
def list_challenges() -> Response:
    now = utcnow()
    limit = int_arg("limit", 20, 1, 100)
    status = choice_arg("status", STATUSES, None)
    try:
        page = challenge_page(caller(), now, status=status, limit=limit,
                              cursor=decode_cursor(request.args.get("cursor")))
    except ListingBadCursor:
        raise BadCursor() from None
    next_url = None
    if page.next_cursor:
        next_url = url_for(".list_challenges", _external=True, limit=limit, status=status,
                           cursor=encode_cursor(page.next_cursor))
    return jsonify(results=[challenge_summary_json(c, now) for c in page.challenges],
                   next=next_url)


@bp.get("/challenges/current/")
def current() -> Response:
    now = utcnow()
    challenge = current_challenge(now)
    if challenge is None:
        raise NotFound(_("No challenge is open for entries right now."),
                       code="no_active_challenge")
    return jsonify(challenge_json(challenge, now, caller()))


@bp.get("/challenges/<slug>/")
def challenge_detail(slug: str) -> Response:
    return jsonify(challenge_detail_json(challenge_or_404(slug), utcnow(), caller()))


@bp.get("/challenges/<slug>/submissions/")
def submissions(slug: str) -> Response:
    challenge = challenge_or_404(slug)
    limit = int_arg("limit", 12, 1, 50)
    sort = Sort(choice_arg("sort", SORTS, Sort.MOST_VOTED.value))
    raw = decode_cursor(request.args.get("cursor"))
    cursor = None
    if raw:
        cursor_sort, _colon, cursor = raw.partition(":")
        if not cursor:
            raise BadCursor()
        if cursor_sort != sort.value:
            raise BadCursor(_("That cursor belongs to another sort order."))
    user = caller()
    try:
        page = gallery_page(challenge, sort, cursor, user.id if user else None, limit=limit)
    except GalleryBadCursor:
        raise BadCursor() from None
    next_url = None
    if page.next_cursor:
        next_url = url_for(".submissions", slug=slug, _external=True, limit=limit, sort=sort.value,
                           cursor=encode_cursor(f"{sort.value}:{page.next_cursor}"))
    voted = page.voted if user else None
    return jsonify(
        results=[submission_json(e, (e.id in voted) if voted is not None else None)
                 for e in page.entries],
        next=next_url,
    )


@bp.get("/challenges/<slug>/leaderboard/")
def leaderboard(slug: str) -> Response:
    challenge = challenge_or_404(slug)
    limit = int_arg("limit", 10, 1, ranks.MAX_PAGE_SIZE)
    raw = decode_cursor(request.args.get("cursor"))
    try:
        cursor = ranks.parse_token(raw) if raw else ranks.FIRST
    except ranks.BadCursor:
        raise BadCursor() from None
    user = caller()
    now = utcnow()
    page = ranks.with_viewer_extras(
        ranks.board_page(challenge, user.id if user else None, cursor, now, size=limit), now)
    next_cursor = next_url = None
    if page.next_cursor:
        next_cursor = encode_cursor(page.next_cursor.token())
        next_url = url_for(".leaderboard", slug=slug, _external=True, limit=limit,
                           cursor=next_cursor)
    return jsonify(leaderboard_json(page, next_cursor, next_url))


@bp.post("/challenges/<slug>/submit/")
@limiter.limit(WRITE_LIMIT)
def submit(slug: str) -> tuple[Response, int]:
    user = require_caller()
    challenge = challenge_or_404(slug)
    data = json_body(ENTRY_FIELDS, required={"title"})
    entry_input = EntryInput(
        title=data.get("title", ""), description=data.get("description", ""),
        image_url=data.get("image_url", ""), image_alt_text=data.get("image_alt_text", ""),
        external_url=data.get("external_url", ""),
        project_id=uuid_or_none(data.get("project_id", ""), "project_id"),
        prompt_used=data.get("prompt_used", ""), tool_used=data.get("tool_used", ""),
    )
    entry = commit_with_retry(lambda: submit_entry(challenge.id, user, entry_input, utcnow()))
    return jsonify(my_submission_json(entry)), 201


def _vote(slug: str, submission_id: str, cast: bool) -> Response:
    user = require_caller()
    # The challenge's 404 comes before a malformed id's 400; a well-formed id is read with it.
    challenge = challenge_or_404(slug, _uuid_or_none_quietly(submission_id))
    entry_id = uuid_or_none(submission_id, "submission_id")
    if entry_id is None:
        raise NotFound(_("No such entry in this challenge."))
    entry = get_challenge_entry(challenge.id, entry_id, user)
    outcome = commit_with_retry(lambda: vote_or_unvote(entry.id, user, cast), keep_loaded=True)
    return jsonify(submission_id=str(outcome.entry.id), voted=outcome.voted,
                   changed=outcome.changed, vote_count=outcome.entry.vote_count)


@bp.post("/challenges/<slug>/vote/<submission_id>/")
@votes_limit  # one bucket with the HTML vote button (ratelimits.rules)
def vote(slug: str, submission_id: str) -> Response:
    return _vote(slug, submission_id, cast=True)


@bp.delete("/challenges/<slug>/vote/<submission_id>/")
@votes_limit
def unvote(slug: str, submission_id: str) -> Response:
    return _vote(slug, submission_id, cast=False)


@bp.get("/challenges/<slug>/my-submissions/")
def my_submissions(slug: str) -> Response:
    user = require_caller()
    challenge = challenge_or_404(slug)
    entries = mine.my_submissions(user.id, challenge.id)
    return jsonify(results=[my_submission_json(e) for e in entries])
