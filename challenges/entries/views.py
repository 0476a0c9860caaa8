"""Gallery, submission pages, submitting and editing, votes. Thin: parse, call a service,
commit once, render (a page, or the partial htmx asked for)."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlencode, urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from .. import pagecache
from ..auth.nexturl import safe_next
from ..clock import utcnow
from ..errors import DomainError, ValidationFailed
from ..errors_http import render_error
from ..forms import EmptyForm
from ..leaderboard.frozen import show_frozen_tallies
from ..models import ChallengeSubmission, WeeklyChallenge
from ..phase import is_frozen, phase_at
from ..projects.service import attach_new_project, projects_of
from ..ratelimits.rules import votes as votes_limit
from ..services.entries import (
    edit_entry,
    entry_change_refusal,
    submit_entry,
    validate_entry,
    withdraw_entry,
)
from ..services.gallery import (
    BadCursor,
    Sort,
    default_sort,
    gallery_page,
    is_valid_cursor,
    order_version,
    parse_sort,
    sort_labels,
)
from ..services.mine import my_submissions
from ..services.status import viewer_status
from ..services.votes import (
    has_voted,
    own_vote_weight,
    vote_refusal,
    vote_refusals,
    voting_refusal,
)
from ..transactions import commit_with_retry
from ..web import (
    attach_errors,
    entry_or_404,
    htmx_vary,
    is_htmx,
    viewer_id,
    viewer_key,
    visible_challenge_or_404,
    vote_or_unvote,
)
from .cards import entry_card
from .forms import EntryForm

bp = Blueprint("entries", __name__)
bp.add_app_template_global(entry_card)


@bp.get("/challenges/<slug>/submissions/")
def gallery(slug: str) -> ResponseReturnValue:
    challenge = visible_challenge_or_404(slug)
    sort = parse_sort(request.args.get("sort"), default_sort(challenge))
    # Discover is per viewer: only it names a visitor (by the session); others set no cookie.
    key = viewer_key() if sort == Sort.DISCOVER else None
    now = utcnow()
    # Anonymous visitors revalidate their own copy (issue #14); Discover's order is per visitor,
    # so its validator names the visitor's stored order.
    state = pagecache.page_state(challenge, now, "gallery") \
        if pagecache.conditional_applies() else None
    if state is not None:
        order = _order_version(sort, challenge, key)
        if order is not None and (unchanged := pagecache.not_modified(state.etag(order))):
            return unchanged
    try:
        page = gallery_page(challenge, sort, request.args.get("after"), viewer_id(),
                            viewer_key=key)
    except BadCursor:
        abort(404)
    context = {"challenge": challenge, "page": page, "sort_labels": sort_labels(challenge),
               "frozen_hours": challenge.freeze_hours if is_frozen(challenge, now) else None,
               "voting_refusal": voting_refusal(challenge, now),
               "vote_refusals": vote_refusals(page.entries, current_user, now)}
    if is_htmx() and request.args.get("after"):
        response = htmx_vary(Response(render_template("entries/_gallery_page.html", **context)))
    else:
        response = htmx_vary(Response(render_template("entries/gallery.html", **context)))
    if state is not None:
        # The order as this render left it: a first view draws and stores the visitor's order,
        # and the page it rendered is the one their next view gets (a 304, not a second 200).
        order = _order_version(sort, challenge, key)
        if order is not None:
            pagecache.finish(response, state.etag(order))
    return response


def _order_version(sort: Sort, challenge: WeeklyChallenge, key: str | None) -> str | None:
    """What the visitor's page depends on besides the challenge: their Discover order ("" for
    other sorts), None when it cannot be told (Redis is down: no validator then)."""
    return "" if key is None else order_version(sort, challenge, key)


@bp.get("/challenges/<slug>/submissions/<uuid:submission_id>/")
def submission_detail(slug: str, submission_id: uuid.UUID) -> ResponseReturnValue:
    challenge = visible_challenge_or_404(slug, submission_id)
    entry = entry_or_404(challenge, submission_id)
    now = utcnow()
    voted = bool(has_voted([entry.id], viewer_id()))
    show_frozen_tallies(challenge, [entry], now)
    return render_template(
        "entries/detail.html", challenge=challenge, entry=entry, voted=voted,
        my_vote=own_vote_weight(entry.id, viewer_id()) if voted else None,
        refusal=vote_refusal(entry, current_user, now),
        editable=entry_change_refusal(entry, current_user, now) is None,
    )


def _entry_form(challenge: WeeklyChallenge, **kwargs: object) -> EntryForm:
    form = EntryForm(**kwargs)
    form.set_projects(projects_of(current_user.id), required=challenge.require_project_link)
    form.describe_upload_limit()
    return form


def _validate(challenge: WeeklyChallenge, form: EntryForm) -> bool:
    """Validate a posted form. When its own checks fail (a length, a control character, the
    file) the service's rules run too, so every error shows at once instead of in rounds; a
    field keeps the form's message when it has one."""
    if form.validate_on_submit():
        return True
    if form.is_submitted():
        problems = validate_entry(challenge, current_user, form.to_input())
        attach_errors(form, {name: message for name, message in problems.items()
                             if not getattr(getattr(form, name, None), "errors", None)})
    return False


def _render_form(challenge: WeeklyChallenge, form: EntryForm, status: int,
                 entry: ChallengeSubmission | None = None) -> ResponseReturnValue:
    template = "entries/_form_modal.html" if is_htmx() and entry is None else "entries/form.html"
    now = utcnow()
    body = render_template(template, challenge=challenge, form=form, entry=entry,
                           status=viewer_status(challenge, current_user, now))
    return htmx_vary(Response(body, status=status))


@bp.route("/challenges/<slug>/submit", methods=["GET", "POST"])
@login_required
def submit(slug: str) -> ResponseReturnValue:
    challenge = visible_challenge_or_404(slug)
    form = _entry_form(challenge)
    if not _validate(challenge, form):
        return _render_form(challenge, form, 422 if form.is_submitted() else 200)
    data, new_project = form.to_input(), form.new_project()
    try:
        entry = commit_with_retry(lambda: submit_entry(
            challenge.id, current_user,
            attach_new_project(current_user, data, new_project, utcnow()), utcnow()))
    except ValidationFailed as error:
        attach_errors(form, error.errors)
        return _render_form(challenge, form, 422)
    except DomainError as error:
        if is_htmx():
            form.form_errors.append(error.message)
            return _render_form(challenge, form, 409)
        flash(error.message, "error")
        return htmx_vary(redirect(url_for("pages.challenge_detail", slug=slug)))
    flash(_("Your entry is in! Share it and vote for others while you wait."), "success")
    target = url_for("entries.submission_detail", slug=slug, submission_id=entry.id)
    if is_htmx():
        return htmx_vary(Response(status=204, headers={"HX-Redirect": target}))
    return htmx_vary(redirect(target))


@bp.route("/challenges/<slug>/submissions/<uuid:submission_id>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str, submission_id: uuid.UUID) -> ResponseReturnValue:
    challenge = visible_challenge_or_404(slug, submission_id)
    entry = entry_or_404(challenge, submission_id, check_author=True)
    form = _entry_form(challenge)
    if request.method == "GET":
        form.process(obj=entry)
        form.project_id.data = str(entry.project_id) if entry.project_id else ""
    if not _validate(challenge, form):
        return _render_form(challenge, form, 422 if form.is_submitted() else 200, entry)
    data, new_project = form.to_input(), form.new_project()
    try:
        commit_with_retry(lambda: edit_entry(
            entry.id, current_user,
            attach_new_project(current_user, data, new_project, utcnow()), utcnow()))
    except ValidationFailed as error:
        attach_errors(form, error.errors)
        return _render_form(challenge, form, 422, entry)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("Entry updated."), "success")
    return redirect(url_for("entries.submission_detail", slug=slug, submission_id=entry.id))


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(error: RequestEntityTooLarge) -> ResponseReturnValue:
    """A body over MAX_CONTENT_LENGTH (a file far over the upload limit) is refused before it
    is read: send the form back with the reason at the file field, not an error page. The
    other fields were in the unread body, so they come back empty (or as saved, on edit)."""
    args = request.view_args or {}
    if request.endpoint not in ("entries.submit", "entries.edit") or \
            not current_user.is_authenticated:
        return render_error(413)
    challenge = visible_challenge_or_404(args["slug"])
    entry = None
    form = _entry_form(challenge, formdata=None)
    if request.endpoint == "entries.edit":
        entry = entry_or_404(challenge, args["submission_id"], check_author=True)
        form.process(formdata=None, obj=entry)
        form.project_id.data = str(entry.project_id) if entry.project_id else ""
    form.refuse_too_large()
    # htmx swaps only 2xx, 409 and 422 answers (base.html): the modal needs a 422.
    return _render_form(challenge, form, 422 if is_htmx() else 413, entry)


@bp.route("/challenges/<slug>/submissions/<uuid:submission_id>/withdraw",
          methods=["GET", "POST"])
@login_required
def withdraw(slug: str, submission_id: uuid.UUID) -> ResponseReturnValue:
    challenge = visible_challenge_or_404(slug, submission_id)
    entry = entry_or_404(challenge, submission_id, check_author=True)
    form = EmptyForm()
    if request.method == "GET" or not form.validate_on_submit():
        return render_template("entries/withdraw.html", challenge=challenge, entry=entry,
                               form=form)
    try:
        commit_with_retry(lambda: withdraw_entry(entry.id, current_user, utcnow()))
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("entries.submission_detail", slug=slug, submission_id=entry.id))
    flash(_("Entry withdrawn. Its votes no longer count, and its points were reversed."), "info")
    return redirect(url_for("pages.challenge_detail", slug=slug))


@bp.post("/challenges/<slug>/submissions/<uuid:submission_id>/vote")
@votes_limit
def vote(slug: str, submission_id: uuid.UUID) -> ResponseReturnValue:
    return htmx_vary(make_response(_vote(slug, submission_id, cast=True)))


@bp.post("/challenges/<slug>/submissions/<uuid:submission_id>/unvote")
@votes_limit
def unvote(slug: str, submission_id: uuid.UUID) -> ResponseReturnValue:
    return htmx_vary(make_response(_vote(slug, submission_id, cast=False)))


def _vote(slug: str, submission_id: uuid.UUID, cast: bool) -> ResponseReturnValue:
    challenge = visible_challenge_or_404(slug, submission_id)
    entry = entry_or_404(challenge, submission_id)
    back = _return_page(challenge, entry)
    if not current_user.is_authenticated:
        target = url_for("auth.login", next=at_card(back, entry))
        if is_htmx():
            return Response(status=204, headers={"HX-Redirect": target})
        return redirect(target)
    error_message = None
    try:
        # The button shows what the vote wrote: no need to read challenge, entry and user again.
        outcome = commit_with_retry(lambda: vote_or_unvote(entry.id, current_user, cast),
                                    keep_loaded=True)
        entry, voted = outcome.entry, outcome.voted
    except DomainError as error:
        error_message = error.message
        voted = bool(has_voted([entry.id], current_user.id))
    if not is_htmx():
        if error_message:
            flash(error_message, "error")
        return redirect(at_card(back, entry))
    headers = {} if error_message else {"HX-Trigger": "wc:board-changed"}
    return Response(_vote_button(challenge, entry, voted, error_message, back), headers=headers)


def _return_page(challenge: WeeklyChallenge, entry: ChallengeSubmission) -> str:
    """The page a vote came from (the form's ``next``), to go back to without JavaScript: a
    same-site path only, else the entry's page. The gallery keeps its sort and cursor, but
    only values it could have handed out itself."""
    target = safe_next(request.form.get("next"),
                       url_for("entries.submission_detail", slug=challenge.slug,
                               submission_id=entry.id))
    parts = urlsplit(target)
    gallery = url_for("entries.gallery", slug=challenge.slug)
    if parts.path != gallery:
        return parts.path + (f"?{parts.query}" if parts.query else "")
    args = {key: values[0] for key, values in parse_qs(parts.query).items()}
    sort = parse_sort(args.get("sort"), default_sort(challenge))
    query = {"sort": sort.value} if "sort" in args else {}
    after = args.get("after")
    if after and is_valid_cursor(sort, after):
        query["after"] = after
    return gallery + (f"?{urlencode(query)}" if query else "")


def at_card(page: str, entry: ChallengeSubmission) -> str:
    """``page`` scrolled to the entry's card (its ``id="entry-<id>"``)."""
    return f"{page}#entry-{entry.id}"


def _vote_button(challenge: WeeklyChallenge, entry: ChallengeSubmission, voted: bool,
                 error_message: str | None, back: str) -> str:
    # The button's state is the rule's answer now (after a refusal it is disabled, with why).
    show_frozen_tallies(challenge, [entry], utcnow())  # the vote counts; the count stays frozen
    return render_template("entries/_vote_button.html", challenge=challenge, entry=entry,
                           voted=voted, refusal=vote_refusal(entry, current_user, utcnow()),
                           error=error_message, next_url=back)


@bp.errorhandler(RateLimitExceeded)
def too_many_votes(error: RateLimitExceeded) -> ResponseReturnValue:
    """Over the member's vote limit (``ratelimits.rules.votes``, counted before the view): htmx
    gets the button back with the message, still usable once the window passes (base.html lets
    htmx swap a 429); a page gets the 429 page with the same message."""
    args = request.view_args or {}
    message = str(error.description)
    if request.endpoint not in ("entries.vote", "entries.unvote") or not is_htmx() or \
            not current_user.is_authenticated:
        return htmx_vary(render_error(429, message))
    challenge = visible_challenge_or_404(args["slug"])
    entry = entry_or_404(challenge, args["submission_id"])
    back = _return_page(challenge, entry)
    voted = bool(has_voted([entry.id], current_user.id))
    return htmx_vary(Response(_vote_button(challenge, entry, voted, message, back), status=429))


@bp.get("/me/submissions")
@login_required
def mine() -> ResponseReturnValue:
    return render_template("entries/mine.html", entries=my_submissions(current_user.id),
                           now=utcnow(), phase_at=phase_at)
