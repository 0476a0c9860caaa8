"""Calendar feeds (public, per challenge, private per member), "Remind me" on the landing page,
and the account page of the private feed. Thin: parse, call the service, commit, render."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from jinja2 import Template
from sqlalchemy import select

from ..clock import utcnow
from ..extensions import db
from ..forms import EmptyForm
from ..models import User, WeeklyChallenge
from ..notifications.mail import in_locale
from ..phase import next_deadline
from ..transactions import commit_with_retry
from ..web import htmx_vary, is_htmx, visible_challenge_or_404
from . import service
from .feeds import (
    build_calendar,
    feed_etag,
    google_calendar_url,
    google_subscribe_url,
    site_host,
)

bp = Blueprint("calendar", __name__)

CONTENT_TYPE = "text/calendar; charset=utf-8"
# Calendar apps poll feeds every few hours; a short HTTP lifetime keeps a moved deadline from
# waiting long in a cache, and the ETag makes most polls a 304.
PUBLIC_CACHE = "public, max-age=900"
PRIVATE_CACHE = "private, max-age=900"
LANDING_TEMPLATE = "pages/challenge_detail.html"


def _site_url() -> str:
    return str(current_app.config["SITE_URL"]).rstrip("/")


def landing_url(challenge: WeeklyChallenge) -> str:
    """The challenge's landing page as an absolute URL (from ``SITE_URL``)."""
    return _site_url() + url_for("pages.challenge_detail", slug=challenge.slug)


def _feed(challenges: Sequence[WeeklyChallenge], *, name: str, description: str,
          cache_control: str, filename: str | None = None) -> Response:
    """The iCalendar response of ``challenges``, or 304 when the client's copy is current."""
    host = site_host(_site_url())
    etag = feed_etag(challenges, name=name, host=host, landing_url=landing_url)
    if request.if_none_match.contains_weak(etag):
        response = Response(status=304)
    else:
        body = build_calendar(challenges, name=name, description=description,
                              landing_url=landing_url, host=host, now=utcnow())
        response = Response(body, content_type=CONTENT_TYPE)
        if filename:
            response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.set_etag(etag, weak=True)
    response.headers["Cache-Control"] = cache_control
    return response


@bp.get("/challenges.ics")
def public_feed() -> ResponseReturnValue:
    """Every published challenge's opening and deadlines."""
    with in_locale(None):  # shared by every visitor (and cached): in English
        return _feed(service.public_feed_challenges(), name=_("Weekly Challenges"),
                     description=_("Every Weekly Challenge: openings and deadlines."),
                     cache_control=PUBLIC_CACHE)


@bp.get("/challenges/<slug>.ics")
def challenge_feed(slug: str) -> ResponseReturnValue:
    """One challenge ("Add to calendar"); a draft is a 404 except for editors."""
    challenge = visible_challenge_or_404(slug)
    # An editor's copy of a draft must not sit in a shared cache.
    cache = PUBLIC_CACHE if challenge.is_published else "private, no-store"
    with in_locale(None):  # shared by every visitor (and cached): in English
        return _feed([challenge],
                     name=_("Weekly Challenges: %(title)s", title=challenge.title),
                     description=challenge.prompt[:200], cache_control=cache,
                     filename=f"{challenge.slug}.ics")


@bp.get("/calendar/<token>.ics")
def member_feed(token: str) -> ResponseReturnValue:
    """A member's private feed: the challenges they entered or follow. Unknown or revoked
    tokens get 404, the same as a page that never existed."""
    user_id = service.feed_owner(token)
    if user_id is None:
        abort(404)
    # A calendar app fetches it without the member's session or language: the feed speaks
    # its owner's saved language (User.locale), else English.
    with in_locale(db.session.scalar(select(User.locale).where(User.id == user_id))):
        response = _feed(service.member_feed_challenges(user_id),
                         name=_("My Weekly Challenges"),
                         description=_("The Weekly Challenges you entered or follow."),
                         cache_control=PRIVATE_CACHE)
    response.headers["X-Robots-Tag"] = "noindex"
    return response


# --- "Remind me" on the landing page -------------------------------------------------------


@dataclass(frozen=True)
class LandingCalendar:
    """What the landing page's calendar card shows to this viewer."""

    challenge: WeeklyChallenge
    google_url: str | None
    following: bool | None  # None for visitors
    can_follow: bool  # the challenge still has a deadline ahead


def landing_calendar(challenge: WeeklyChallenge, viewer: User) -> LandingCalendar:
    """The calendar card's state for ``viewer`` (a member or the anonymous user)."""
    now = utcnow()
    member = viewer.is_authenticated
    return LandingCalendar(
        challenge=challenge,
        google_url=google_calendar_url(challenge, landing_url(challenge), now),
        following=service.is_following(viewer.id, challenge.id) if member else None,
        can_follow=next_deadline(challenge, now) is not None,
    )


def add_landing_calendar(sender: Flask, template: Template, context: dict[str, Any],
                          **extra: Any) -> None:
    """Give the landing page its calendar card (the core's view knows nothing of calendars)."""
    challenge = context.get("challenge")
    if template.name == LANDING_TEMPLATE and isinstance(challenge, WeeklyChallenge):
        context["calendar"] = landing_calendar(challenge, current_user)
        context["calendar_form"] = EmptyForm()


def _set_following(slug: str, follow: bool) -> ResponseReturnValue:
    challenge = visible_challenge_or_404(slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    user_id, challenge_id = current_user.id, challenge.id
    if follow:
        commit_with_retry(lambda: service.follow_challenge(user_id, challenge_id, utcnow()))
    else:
        commit_with_retry(lambda: service.unfollow_challenge(user_id, challenge_id))
    if is_htmx():
        return htmx_vary(Response(render_template(
            "calendar/_remind.html", calendar=landing_calendar(challenge, current_user),
            calendar_form=EmptyForm())))
    if follow:
        flash(_("You'll be reminded of “%(title)s”: its deadlines are in your private "
                "calendar feed.", title=challenge.title), "success")
    else:
        flash(_("You will no longer be reminded of “%(title)s”.", title=challenge.title),
              "info")
    return htmx_vary(redirect(url_for("pages.challenge_detail", slug=challenge.slug)))


@bp.post("/challenges/<slug>/follow")
@login_required
def follow(slug: str) -> ResponseReturnValue:
    """"Remind me": add the challenge to the member's private feed (a repeat is harmless)."""
    return _set_following(slug, True)


@bp.post("/challenges/<slug>/unfollow")
@login_required
def unfollow(slug: str) -> ResponseReturnValue:
    """Stop reminding: the challenge leaves the private feed (unless the member entered it)."""
    return _set_following(slug, False)


# --- The account page of the private feed --------------------------------------------------


@bp.get("/account/calendar")
@login_required
def account() -> ResponseReturnValue:
    """The member's private feed address (if any), with regenerate and turn-off buttons."""
    feed = service.feed_of(current_user.id)
    feed_url = (_site_url() + url_for("calendar.member_feed", token=feed.token)
                if feed else None)
    webcal_url = feed_url and "webcal://" + feed_url.split("://", 1)[1]
    response = Response(render_template(
        "calendar/account.html",
        feed=feed,
        feed_url=feed_url,
        webcal_url=webcal_url,
        google_subscribe_url=webcal_url and google_subscribe_url(webcal_url),
        public_url=_site_url() + url_for("calendar.public_feed"),
        challenges=service.member_feed_challenges(current_user.id),
        form=EmptyForm(),
    ))
    # The page shows a secret address: keep it out of caches.
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/account/calendar/token")
@login_required
def issue_token() -> ResponseReturnValue:
    """Create the private feed, or give it a new address (the old one stops working)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    user_id = current_user.id
    had_feed = service.feed_of(user_id) is not None
    commit_with_retry(lambda: service.issue_feed_token(user_id, utcnow()))
    flash(_("Your feed has a new address; the old one no longer works.") if had_feed
          else _("Your private calendar feed is ready."), "success")
    return redirect(url_for("calendar.account"))


@bp.post("/account/calendar/revoke")
@login_required
def revoke() -> ResponseReturnValue:
    """Turn the private feed off: its address answers 404 from now on."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    user_id = current_user.id
    commit_with_retry(lambda: service.revoke_feed(user_id))
    flash(_("Your private calendar feed is turned off."), "info")
    return redirect(url_for("calendar.account"))
