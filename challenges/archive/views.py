"""The archive pages: /challenges/archive/ (search, filters, keyset pages) and a completed
challenge's results, /challenges/<slug>/results/. Thin: parse, call the service, render."""

from __future__ import annotations

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

from ..clock import utcnow
from ..leaderboard import ranks
from ..services.listing import BadCursor
from ..web import htmx_vary, is_htmx, viewer_id, visible_challenge_or_404
from .forms import ArchiveFilterForm
from .service import (
    RESULTS_PAGE_SIZE,
    NotCompleted,
    archive_page,
    filter_choices,
    results,
    reveal_step,
)

bp = Blueprint("archive", __name__)


@bp.get("/challenges/archive/")
def index() -> ResponseReturnValue:
    """Every completed challenge, newest first, a page at a time (``?after=`` a cursor), with
    the filters of the form kept in every page's link."""
    now = utcnow()
    form = ArchiveFilterForm(request.args, filter_choices(current_user, now))
    filters = form.filters()
    try:
        page = archive_page(current_user, now, filters, request.args.get("after"))
    except BadCursor:
        abort(404)
    context = {"form": form, "page": page, "paged": bool(request.args.get("after"))}
    if is_htmx() and request.args.get("after"):
        return htmx_vary(Response(render_template("archive/_page.html", **context)))
    return htmx_vary(Response(render_template("archive/index.html", **context)))


@bp.get("/challenges/<slug>/results/", endpoint="results")
def results_page(slug: str) -> ResponseReturnValue:
    """A completed challenge's podium and final board (``?after=``/``?before=`` a board
    cursor past the first 100), each participant linked to their share card. 404 until the
    voting deadline, and for drafts."""
    challenge = visible_challenge_or_404(slug)
    try:
        cursor = ranks.page_cursor(request.args.get("after"), request.args.get("before"), None)
        size = int(current_app.config.get("RESULTS_PAGE_SIZE", RESULTS_PAGE_SIZE))
        shown = results(challenge, viewer_id(), utcnow(), cursor, size)
    except (ranks.BadCursor, NotCompleted):
        abort(404)
    return render_template("archive/results.html", challenge=challenge, results=shown,
                           board=shown.board)


@bp.get("/challenges/<slug>/results/reveal", endpoint="reveal")
def reveal(slug: str) -> ResponseReturnValue:
    """One step of the results reveal (issue #13): the places announced so far, 10th first
    (``?step=`` how many), and the control for the next; the last step adds the podium and
    the final board. htmx swaps it for the previous step; without htmx it is the results page
    (the whole list is there anyway)."""
    challenge = visible_challenge_or_404(slug)
    try:
        shown = results(challenge, viewer_id(), utcnow())
    except NotCompleted:
        abort(404)
    if not shown.published or not is_htmx():
        return redirect(url_for("archive.results", slug=slug))
    step = reveal_step(shown, request.args.get("step"))
    return htmx_vary(Response(render_template(
        "archive/_reveal.html", challenge=challenge, results=shown, board=shown.board,
        step=step, stage_id="reveal")))
