"""Who a request counts against. Every limit keys on one of these; none reads a header itself.

The client address is ``request.remote_addr``: with ``TRUSTED_PROXIES`` set, ProxyFix (``proxy``)
has already replaced it by the address the trusted proxies saw; with 0 it is the socket's peer, so
a forged ``X-Forwarded-For`` changes nothing.
"""

from __future__ import annotations

from hashlib import sha256

from flask import g, request
from flask_login import current_user

API_BLUEPRINT = "api"


def client_ip() -> str:
    """The client's address as far as we can trust it (see the module docstring)."""
    return request.remote_addr or "unknown"


def ip_key() -> str:
    """Per client address (register, and the login limit that protects the whole site)."""
    return f"ip:{client_ip()}"


def _member_id() -> int | None:
    if request.blueprint == API_BLUEPRINT:
        # The API's caller is a token's owner or the session's member, resolved before the view
        # (``api.auth.resolve_caller``); the session alone would miss token callers.
        user = g.get("api_user")
        return user.id if user is not None else None
    return current_user.id if current_user.is_authenticated else None


def member_or_ip() -> str:
    """The default key: the member when signed in (one bucket on every device and address),
    else the client address."""
    member = _member_id()
    return f"member:{member}" if member is not None else ip_key()


def login_attempt_key() -> str:
    """Per (account as typed, client address). The account is the normalised login whether or
    not it exists, so the limiter says nothing about which accounts exist; it is hashed so any
    text a client types makes a short, plain key. ``authenticate`` compares the same normalised
    text (emails normalise like usernames: trimmed, lowercased)."""
    # Imported here: ``extensions`` imports this module, and the services import ``extensions``.
    from ..services.accounts import normalize_username

    typed = normalize_username(request.form.get("login", ""))
    return f"login:{sha256(typed.encode()).hexdigest()[:32]}:{ip_key()}"
