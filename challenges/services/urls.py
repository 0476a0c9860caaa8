"""The one rule for user-supplied URLs (SPEC §3): absolute http(s), at most 2,048 characters."""

from __future__ import annotations

from urllib.parse import urlsplit

MAX_URL_LENGTH = 2048


def url_problem(url: str) -> str | None:
    """Why ``url`` may not be stored and linked, or None. The server never fetches it."""
    if len(url) > MAX_URL_LENGTH:
        return f"Links can be at most {MAX_URL_LENGTH:,} characters."
    if url != url.strip() or any(ord(ch) < 0x21 or ch == "\x7f" for ch in url):
        return "Links cannot contain spaces or control characters."
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return "Use a full link starting with https:// (or http://)."
    if parts.hostname is None or parts.netloc.startswith("@"):
        return "That link has no host name."
    return None
