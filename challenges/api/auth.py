"""Who is calling: a personal token (``Authorization: Bearer wc_...``) or the browser session.

Session callers must send the CSRF token in a header for unsafe methods; token callers need
none (a token is not sent by browsers on their own, so it cannot be forged cross-site). Tokens
are honoured by the API only: the admin and the HTML pages never look at them.
"""

from __future__ import annotations

from flask import g, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..clock import utcnow
from ..errors import DomainError
from ..extensions import csrf
from ..models import User
from ..services.api_tokens import user_for_token
from ..transactions import commit_with_retry

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class InvalidToken(DomainError):
    code = "invalid_token"
    status = 401
    default_message = _l("That API token is not valid (revoked, or never issued). A password "
                         "change or reset revokes every token.")


def resolve_caller() -> None:
    """Before each API request: set ``g.api_user`` (a User or None); enforce CSRF for sessions."""
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _space, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            raise InvalidToken(_("Use the header “Authorization: Bearer <token>”."))
        # Raises TokenExpired (401, "token_expired") for an expired one; writes last_used_at.
        user = commit_with_retry(lambda: user_for_token(raw.strip(), utcnow()))
        if user is None:
            raise InvalidToken()
        g.api_user = user
        return
    g.api_user = current_user._get_current_object() if current_user.is_authenticated else None
    if request.method in UNSAFE and g.api_user is not None:
        csrf.protect()  # raises CSRFError (-> 400 JSON) without a valid X-CSRFToken header


def caller() -> User | None:
    return g.get("api_user")


