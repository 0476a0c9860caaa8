"""Public pages: home, challenge list, landing page, leaderboard page and its live fragment."""

from __future__ import annotations

from datetime import datetime

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user

from .. import pagecache
from ..clock import utcnow
from ..extensions import db, limiter
from ..leaderboard import ranks
from ..leaderboard.live import (
    PAUSED_BOARD_SECONDS,
    REDIS_ERRORS,
    BoardView,
    PollResult,
    PollStatus,
    board_for_page,
    client_shown,
    poll,
    sql_board,
)
from ..leaderboard.widget import widget_html
from ..models import ChallengeStatus
from ..phase import next_deadline, phase_at
from ..services.challenges import SLUG_RE, current_challenge
from ..services.entries import submission_refusal
from ..services.gallery import Sort, gallery_page
from ..services.listing import (
    BadCursor,
    challenge_listing,
    parse_cursor,
    podiums,
    showcase_challenge,
)
from ..services.prizes import parse_prizes
from ..services.sponsors import record
from ..services.status import viewer_status
from ..services.votes import vote_refusals
from ..templating import render_bare
from ..web import polling_session_token, viewer_id, visible_challenge_or_404
from .history import amount_label, history_label, payout_status_label

bp = Blueprint("pages", __name__)


@bp.get("/")
def home() -> ResponseReturnValue:
    now = utcnow()
    current = current_challenge(now)
    listing = challenge_listing(None, now)
    board = board_for_page(current, viewer_id(), now) if current else None
    shown = showcase_challenge(listing, current, now)
    # The artwork strip: the top entries of one challenge, in the gallery's own order (a fixed
    # number of queries, whatever the number of cards).
    artwork = gallery_page(shown, Sort.MOST_VOTED, None, None, limit=6).entries if shown else []
    return render_template(
        "pages/home.html",
        current=current,
        prizes=parse_prizes(current.prizes) if current else None,
        phase=phase_at(current, now) if current else None,
        deadline=next_deadline(current, now) if current else None,
        submit_refusal=submission_refusal(current, current_user, now) if current else None,
        board=board,
        upcoming=listing.upcoming[:3],
        voting=[c for c in listing.open_now
                if c != current and phase_at(c, now) == ChallengeStatus.VOTING],
        showcase=shown,
        showcase_phase=phase_at(shown, now) if shown else None,
        artwork=artwork,
        now=now,
    )


@bp.get("/challenges/")
def challenge_list() -> ResponseReturnValue:
    now = utcnow()
    after = request.args.get("after")
    if after is not None:
        # The past section used to page here; its pages now live in the archive, same cursor.
        try:
            parse_cursor(after)
        except BadCursor:
            abort(404)
        return redirect(url_for("archive.index", after=after), 301)
    listing = challenge_listing(current_user, now)
    return render_template("pages/challenge_list.html", listing=listing, now=now,
                           phase_at=phase_at)


@bp.get("/challenges/<slug>/")
def challenge_detail(slug: str) -> ResponseReturnValue:
    challenge = visible_challenge_or_404(slug)
    now = utcnow()
    status = viewer_status(challenge, current_user, now) if current_user.is_authenticated else None
    podium = podiums([challenge.id]).get(challenge.id, []) if challenge.finalized_at else []
    if challenge.sponsor_id is not None:
        record(challenge.id, "views")
    # Anonymous visitors revalidate their own copy (issue #14): a 304 skips all rendering.
    etag = (pagecache.page_etag(challenge, now, "landing")
            if pagecache.conditional_applies() else None)
    if etag is not None and (unchanged := pagecache.not_modified(etag)) is not None:
        return unchanged
    preview = gallery_page(challenge, Sort.MOST_VOTED, None, viewer_id(), limit=6)
    response = Response(render_template(
        "pages/challenge_detail.html",
        podium=podium,
        challenge=challenge,
        phase=phase_at(challenge, now),
        deadline=next_deadline(challenge, now),
        prizes=parse_prizes(challenge.prizes),
        board=board_for_page(challenge, viewer_id(), now),
        preview=preview,
        vote_refusals=vote_refusals(preview.entries, current_user, now),
        submit_refusal=(status.submission_refusal if status
                        else submission_refusal(challenge, current_user, now)),
        status=status,
        now=now,
    ))
    return pagecache.finish(response, etag) if etag is not None else response


def _rank_cursor() -> ranks.Cursor:
    try:
        return ranks.page_cursor(request.args.get("after"), request.args.get("before"),
                                 request.args.get("at"))
    except ranks.BadCursor:
        abort(404)


def _rank_page_size() -> int:
    return int(current_app.config.get("LEADERBOARD_PAGE_SIZE", ranks.PAGE_SIZE))


@bp.get("/challenges/<slug>/leaderboard/")
def leaderboard(slug: str) -> ResponseReturnValue:
    """Every rank, a page at a time (``?after=`` / ``?before=`` a score, ``?at=me`` for the
    viewer's page)."""
    challenge = visible_challenge_or_404(slug)
    cursor = _rank_cursor()
    now = utcnow()
    page = ranks.board_page(challenge, viewer_id(), cursor, now, _rank_page_size())
    return render_template("pages/leaderboard.html", challenge=challenge,
                           phase=phase_at(challenge, now), page=page)


@bp.get("/challenges/<slug>/leaderboard/ranks")
@limiter.exempt  # read-only and Redis-only, like the widget's poll
def leaderboard_ranks(slug: str) -> ResponseReturnValue:
    """The next page's rows alone, for "load more". Runs no SQL while the board is in Redis;
    otherwise the same page from SQL, marked "live updates paused"."""
    if not SLUG_RE.fullmatch(slug) or len(slug) > 50:
        abort(404)
    cursor = _rank_cursor()
    now = utcnow()
    size = _rank_page_size()
    try:
        result = ranks.fragment_page(slug, polling_session_token(), cursor, now, size)
    except REDIS_ERRORS:
        result = None  # Redis is down: the page path reads SQL
    if result is not None and result.status == ranks.FragmentStatus.NOT_FOUND:
        abort(404)
    if result is None or result.page is None:
        challenge = visible_challenge_or_404(slug)
        page = ranks.board_page(challenge, viewer_id(), cursor, now, size)
        db.session.rollback()  # nothing to write; end the read transaction promptly
    else:
        page = result.page
    body = render_bare("leaderboard/_rank_page.html", page=page, fragment=True)
    return _no_store(Response(body))


# The widget's poll right after this browser's own vote sends this header (static/js/app.js):
# it asks Redis, never this process's copy of the board's version (``live.poll``'s ``fresh``).
FRESH_HEADER = "X-WC-Fresh"


def poll_this_request(slug: str, client_version: int | None, shown: str | None,
                      now: datetime) -> PollResult:
    """``live.poll`` for the widget poll being served: its viewer (the session's "strong"
    check), the digest it sent (``s``), whether it must read Redis (``FRESH_HEADER``) and how
    old this process's copy may be. The view and the fastpoll middleware both ask this. A
    Redis error is raised for the caller to serve SQL (``RedisResting`` at once, for a few
    seconds after the app's client failed: ``redisguard``)."""
    return poll(slug, polling_session_token(), client_version, now, client_shown(shown),
                fresh=request.headers.get(FRESH_HEADER) == "1",
                max_age=current_app.config["POLL_SEEN_MAX_AGE_SECONDS"])


# WSGI environ keys: the ``live.poll`` answer the fastpoll middleware got for this very
# request, or that its ``live.poll`` raised a Redis error (the view then does not wait on Redis
# again: a hung Redis cost a poll one socket timeout per try, three of them).
POLL_RESULT = "challenges.poll_result"
POLL_REDIS_FAILED = "challenges.poll_redis_failed"


@bp.get("/challenges/<slug>/leaderboard/live")
@limiter.exempt  # read-only, Redis-only and cheap: the limiter check would be a large share
def leaderboard_fragment(slug: str) -> ResponseReturnValue:
    """The widget alone, for polling. On the common paths it touches Redis only (no SQL):
    204 when the client's version is current, the fragment when it changed, and 286 with the
    final board once the challenge is completed (htmx then stops polling)."""
    if not SLUG_RE.fullmatch(slug) or len(slug) > 50:
        abort(404)
    client_version = request.args.get("v", type=int)
    now = utcnow()
    # The unchanged-poll middleware (challenges/fastpoll, issue #14) may have asked already.
    result: PollResult | None = request.environ.get(POLL_RESULT)
    redis_failed = bool(request.environ.get(POLL_REDIS_FAILED))
    if result is None and not redis_failed:
        try:
            result = poll_this_request(slug, client_version, request.args.get("s"), now)
        except REDIS_ERRORS:
            redis_failed = True  # Redis is down or hung: the board from SQL, without it
    if result is not None and result.status == PollStatus.NOT_FOUND:
        abort(404)
    if result is not None and result.status == PollStatus.UNCHANGED:
        return unchanged_response()
    board: BoardView | None
    if result is None or result.status == PollStatus.NEEDS_SQL:
        challenge = visible_challenge_or_404(slug)
        if redis_failed:
            # Asking Redis again (the page path does) would only wait out another timeout
            # before the same SQL board; its public rows may be a few seconds old (the poll
            # right after this browser's own vote reads them afresh).
            fresh = request.headers.get(FRESH_HEADER) == "1"
            board = sql_board(challenge, viewer_id(), now,
                              max_age=0.0 if fresh else PAUSED_BOARD_SECONDS)
        else:
            board = board_for_page(challenge, viewer_id(), now)
        db.session.rollback()  # nothing to write; end the read transaction promptly
    else:
        board = result.board
    assert board is not None
    return fragment_response(board)


def unchanged_response() -> Response:
    """The body-less 204 "your board is current" (the fastpoll middleware sends it too)."""
    return _no_store(Response(status=204))


def fragment_response(board: BoardView) -> Response:
    """The widget for a poll whose board changed: 200, or 286 once the results are final (htmx
    stops polling). The fastpoll middleware sends it too, when Redis answered the poll."""
    return _no_store(Response(widget_html(board, announce=True),
                              status=286 if board.completed else 200))


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/leaderboard/")
def all_time() -> ResponseReturnValue:
    from ..services.profiles import all_time_leaderboard

    try:
        page = all_time_leaderboard(request.args.get("after"))
    except ValueError:
        abort(404)
    return render_template("pages/all_time.html", page=page)


@bp.get("/u/<username>")
def profile(username: str) -> ResponseReturnValue:
    from ..services.payouts import member_payouts
    from ..services.profiles import profile_page

    page = profile_page(username.lower(), request.args.get("before"))
    if page is None:
        abort(404)
    # Cash prizes are private: the winner and editors see where each payout stands.
    viewer = current_user if current_user.is_authenticated else None
    sees_payouts = viewer is not None and (viewer.id == page.user.id or viewer.is_editor)
    return render_template("pages/profile.html", page=page,
                           payouts=member_payouts(page.user.id) if sees_payouts else None,
                           history_label=history_label, amount_label=amount_label,
                           payout_status_label=payout_status_label)
