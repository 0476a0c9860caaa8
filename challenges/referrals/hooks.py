"""The referrals package's glue to every request and to the core's registration.

After each request (never the polls, probes or files: ``QUIET_ENDPOINTS``):
- a signed-in member's request marks the day active (Redis only, and only when the request
  already loaded the member: this adds no SQL);
- a GET of a page with ``?ref=<username>`` naming a member counts a share visit for the
  page's challenge (once per visitor, link and half hour; link previews and crawlers are no
  visitors) and, for a signed-out visitor, leaves the referral cookie (a signed-in member is no
  one to refer);
- after a registration that read the cookie, the cookie is cleared.

The registration itself calls ``_attribute_new_account`` (``accounts.on_new_account``) in its
own transaction.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g, has_request_context, request

from ..clock import utcnow
from ..models import User
from ..services.accounts import on_new_account
from . import cookie, service
from .activity import record_activity

# Requests that are not someone using the site: the live polls (they run no SQL and must stay
# so), health probes, static and uploaded files.
QUIET_ENDPOINTS = frozenset({
    "static", "uploads.stored_file", "probes.healthz", "probes.readyz",
    "pages.leaderboard_fragment", "pages.leaderboard_ranks", "notifications_bell.bell_fragment",
})
_USED = "wc_referral_used"  # g flag: this request's registration read the cookie


def init_app(app: Flask) -> None:
    app.after_request(_after_request)
    on_new_account(_attribute_new_account)


def is_quiet(endpoint: str | None) -> bool:
    """Whether a request to ``endpoint`` is left alone (polls, probes, files, unknown URLs)."""
    return endpoint is None or endpoint in QUIET_ENDPOINTS or endpoint.endswith("_fragment")


def _secret_key() -> str:
    return str(current_app.config["SECRET_KEY"])


def _after_request(response: Response) -> Response:
    if is_quiet(request.endpoint):
        return response
    # Whoever this request already loaded (a page, an action, an API token's owner); asking
    # ``current_user`` here would load the member on requests that never needed them.
    member = g.get("_login_user") or g.get("api_user")
    signed_in = isinstance(member, User) and member.is_authenticated
    if signed_in:
        record_activity(member.id)
    if g.get(_USED):
        if response.status_code < 400:  # the account was created: the referral is spent
            response.delete_cookie(cookie.NAME, path="/")
    elif (request.method == "GET" and "ref" in request.args and response.status_code == 200
          and response.mimetype == "text/html" and request.headers.get("HX-Request") != "true"
          and not service.is_robot(request.headers.get("User-Agent"))):
        _share_visit(response, member if signed_in else None)
    return response


def _share_visit(response: Response, member: User | None) -> None:
    """Someone opened a page through a share link: count it; remember it for a visitor."""
    referrer_id = service.referrer_id(request.args.get("ref"))
    if referrer_id is None:
        return  # not a member: ignored entirely
    slug = (request.view_args or {}).get("slug")
    referral = cookie.Referral(referrer_id, service.shared_challenge_id(slug), utcnow())
    if member is not None:
        if service.is_new_member_visit(member.id, referral):
            service.count_share_visit(referral)
        return
    previous = cookie.load(_secret_key(), request.cookies.get(cookie.NAME))
    if service.is_new_visit(previous, referral):
        service.count_share_visit(referral)
    response.set_cookie(
        cookie.NAME, cookie.dump(_secret_key(), referral),
        max_age=int(cookie.MAX_AGE.total_seconds()), path="/", httponly=True, samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
    )


def _attribute_new_account(user: User) -> None:
    """``register_user``'s hook: attribute the account to the share link this browser came
    through (its cookie), in the registration's transaction. Outside a request (the CLI)
    there is no cookie and nothing to do."""
    if not has_request_context():
        return
    referral = cookie.load(_secret_key(), request.cookies.get(cookie.NAME))
    if referral is None:
        return
    g.setdefault(_USED, True)
    service.attribute_registration(user, referral, utcnow())
