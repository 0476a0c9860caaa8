"""One-click unsubscribe (RFC 8058, RFC 2369): signed per-member, per-kind links, and the
headers every notification email carries.

A link is ``<SITE_URL>/notifications/unsubscribe/<kind>/<token>``; the token signs (user id,
kind) with ``SECRET_KEY`` and a salt of its own, so it cannot be forged, moved to another member
or to another kind (the kind in the path must be the one signed). It never expires: a link in an
old email must still work. Following it needs no session and no CSRF token: the signature is
the authority (a mail provider POSTs it without cookies).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer

from .kinds import NotificationKind, parse_kind
from .mail import site_url_for

log = logging.getLogger(__name__)
SALT = "notifications.unsubscribe"
ONE_CLICK = "List-Unsubscribe=One-Click"


class BadUnsubscribeLink(Exception):
    """A link that was tampered with, names another kind, or names no kind at all."""


@dataclass(frozen=True)
class UnsubscribeRequest:
    user_id: int
    kind: NotificationKind


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def unsubscribe_token(user_id: int, kind: NotificationKind) -> str:
    """The signed token of ``user_id``'s link for ``kind``."""
    return str(_serializer().dumps([user_id, NotificationKind(kind).value]))


def read_unsubscribe_link(kind_in_path: str, token: str) -> UnsubscribeRequest:
    """Who and what a link unsubscribes. Raises ``BadUnsubscribeLink`` for a bad signature, a
    malformed payload, an unknown kind or a kind other than the one signed."""
    try:
        payload = _serializer().loads(token)
    except BadSignature:
        raise BadUnsubscribeLink(_("The link's signature does not match.")) from None
    if (not isinstance(payload, list) or len(payload) != 2 or not isinstance(payload[0], int)
            or isinstance(payload[0], bool) or not isinstance(payload[1], str)):
        raise BadUnsubscribeLink(_("The link is malformed."))
    user_id, signed_kind = payload
    kind = parse_kind(signed_kind)
    if kind is None or kind_in_path != signed_kind:
        raise BadUnsubscribeLink(_("The link names another kind of email."))
    return UnsubscribeRequest(user_id, kind)


def unsubscribe_url(user_id: int, kind: NotificationKind) -> str:
    """The absolute one-click link that turns ``kind`` off for ``user_id``. In production it is
    https even if ``SITE_URL`` says http (TLS ends at the load balancer; RFC 8058 wants https)."""
    url = site_url_for("notification_prefs.unsubscribe", kind=NotificationKind(kind).value,
                       token=unsubscribe_token(user_id, kind))
    if current_app.config["ENV_NAME"] == "production" and url.startswith("http://"):
        url = "https://" + url.removeprefix("http://")
    return url


def unsubscribe_headers(user_id: int, kind: NotificationKind) -> dict[str, str]:
    """The RFC 8058 headers of a notification email to ``user_id`` of ``kind``."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(user_id, kind)}>",
        "List-Unsubscribe-Post": ONE_CLICK,
    }


def check_site_url(site_url_value: str, production: bool) -> bool:
    """Warn when a production ``SITE_URL`` is not https: every link in an email is built from
    it (the unsubscribe link is made https anyway). Returns whether it is fine."""
    if production and urlsplit(site_url_value).scheme != "https":
        log.warning("SITE_URL %r is not https: links in emails will be http "
                    "(set SITE_URL=https://... in production)", site_url_value)
        return False
    return True
