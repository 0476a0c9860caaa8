"""Where to send someone after logging in: only ever a path on this site."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next(target: str | None, default: str = "/") -> str:
    """``target`` if it is a same-site path, else ``default``.

    Refuses absolute URLs, scheme-relative ``//host``, and ``/\\host`` (browsers read a backslash
    as a slash), as well as anything with control characters.
    """
    if not target or len(target) > 2048:
        return default
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if any(ord(ch) < 0x20 or ch == "\x7f" for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
