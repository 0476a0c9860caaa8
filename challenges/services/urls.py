"""The one rule for user-supplied URLs (SPEC §3): absolute http(s), at most 2,048 characters."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_babel import format_number
from flask_babel import gettext as _

MAX_URL_LENGTH = 2048


def url_problem(url: str) -> str | None:
    """Why ``url`` may not be stored and linked, or None. The server never fetches it."""
    if len(url) > MAX_URL_LENGTH:
        return str(_("Links can be at most %(n)s characters.",
                     n=format_number(MAX_URL_LENGTH)))
    if url != url.strip() or any(ord(ch) < 0x21 or ch == "\x7f" for ch in url):
        return str(_("Links cannot contain spaces or control characters."))
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return str(_("Use a full link starting with https:// (or http://)."))
    if parts.hostname is None or parts.netloc.startswith("@"):
        return str(_("That link has no host name."))
    return None
