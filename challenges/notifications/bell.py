"""The bell in the header, its poll, and the list page ``/notifications`` with "mark read".

The poll (``/notifications/bell?v=``) answers from Redis alone when nothing changed: the member
from the Redis copy of their session (as the leaderboard poll), their bell version from
``keys.bell``; 204 when the version is the client's. It counts in SQL only after a change, and
renders without context processors (Flask-Login's would load the user from SQL).
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..auth.nexturl import safe_next
from ..clock import utcnow
from ..extensions import db, limiter
from ..forms import EmptyForm
from ..templating import render_bare
from ..transactions import commit_with_retry
from ..web import htmx_vary, is_htmx, polling_session_token
from . import inbox, vote_events
from .inbox import REDIS_ERRORS, BadCursor, BellState, Cursor

bp = Blueprint("notifications_bell", __name__)
BELL_CHANGED = "wc:bell-changed"  # the event a "mark read" response fires: the bell polls now


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _bell_fragment(state: BellState) -> Response:
    body = render_bare("notifications/_bell.html", bell=state, announce=True)
    return _no_store(Response(body))


@bp.get("/notifications/bell")
@limiter.exempt  # read-only and Redis-only on the common path, like the leaderboard's poll
def bell_fragment() -> ResponseReturnValue:
    """The bell alone, for polling: 204 when the client's version is current (no SQL), the
    bell when it changed, and 286 with nothing for a visitor (their bell goes, polling stops)."""
    client_version = request.args.get("v", type=int)
    try:
        answer = inbox.poll(polling_session_token(), client_version)
    except REDIS_ERRORS:
        answer = None
    if answer is not None and answer.viewer is not None:
        if answer.unchanged:
            return _no_store(Response(status=204))
        state = answer.state or inbox.recount(answer.viewer.user_id, answer.generation)
        db.session.rollback()  # nothing to write; end the read transaction promptly
        return _bell_fragment(state)
    # Redis is down or does not know this session: ask Flask-Login (SQL), which also writes the
    # session copy again for the next poll.
    if not current_user.is_authenticated:
        return _no_store(Response("", status=286))
    state = inbox.bell_state(current_user.id)
    db.session.rollback()
    return _bell_fragment(state)


def current_bell() -> BellState | None:
    """The bell of the member viewing this page (once per request), None for a visitor. The
    header calls it; it reads Redis and counts in SQL only when Redis has no count."""
    if not current_user.is_authenticated:
        return None
    if "wc_bell" not in g:
        g.wc_bell = inbox.bell_state(current_user.id)
    state: BellState = g.wc_bell
    return state


@bp.get("/notifications")
@login_required
def inbox_page() -> ResponseReturnValue:
    """Every notification of the member, newest first, a page at a time (``?before=``)."""
    raw = request.args.get("before")
    try:
        cursor = Cursor.decode(raw) if raw else None
    except BadCursor:
        abort(404)
    page = inbox.list_page(current_user.id, cursor)
    return render_template("notifications/inbox.html", page=page, form=EmptyForm(),
                           first_page=cursor is None)


@bp.post("/notifications/read")
@login_required
def mark_all_read() -> ResponseReturnValue:
    """"Mark all read" (a form post; the page comes back with the bell at zero)."""
    form = EmptyForm()
    if form.validate_on_submit():
        changed = commit_with_retry(lambda: inbox.mark_read(current_user.id, "all", utcnow()))
        flash(_("All notifications marked read.") if changed else _("Nothing unread."), "info")
    return redirect(url_for(".inbox_page"))


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def mark_one_read(notification_id: int) -> ResponseReturnValue:
    """Mark one read. With htmx the row comes back alone and the bell is told to poll now;
    without, back to the page the form was on. Another member's id changes nothing."""
    form = EmptyForm()
    if form.validate_on_submit():
        commit_with_retry(lambda: inbox.mark_read(current_user.id, [notification_id], utcnow()))
    if is_htmx():
        item = db.session.get(inbox.InAppNotification, notification_id)
        if item is None or item.user_id != current_user.id:
            abort(404)
        body = render_template("notifications/_item.html", item=item, form=EmptyForm())
        response = htmx_vary(Response(body))
        response.headers["HX-Trigger"] = BELL_CHANGED
        return response
    return htmx_vary(redirect(safe_next(request.form.get("next"), url_for(".inbox_page"))))


@bp.get("/notifications/<int:notification_id>/go")
@login_required
def follow(notification_id: int) -> ResponseReturnValue:
    """Follow a notification's link, marking it read on the way (only the member's own)."""
    link = inbox.notification_link(current_user.id, notification_id)
    if link is None:
        abort(404)
    commit_with_retry(lambda: inbox.mark_read(current_user.id, [notification_id], utcnow()))
    return redirect(safe_next(link, url_for(".inbox_page")))


def init_app(app: Flask) -> None:
    """The blueprint, the header's ``current_bell`` and the vote events' subscription."""
    app.register_blueprint(bp)
    app.jinja_env.globals["current_bell"] = current_bell
    vote_events.init_app()
