"""The JSON API under /api (SPEC §10), its OpenAPI document and its human-readable page."""

from __future__ import annotations

from flask import Flask, Response
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..errors import DomainError, ValidationFailed
from ..extensions import csrf, db
from . import projects  # noqa: F401  (adds the /api/projects/ routes to bp)
from .auth import resolve_caller
from .docs import bp as docs_bp
from .errors import api_error
from .views import bp

# Blueprint hooks are set once, at import; create_app may run many times (tests, workers).
bp.before_request(resolve_caller)


@bp.errorhandler(DomainError)
def domain_error(error: DomainError) -> Response:
    db.session.rollback()
    details = {"fields": error.errors} if isinstance(error, ValidationFailed) else {
        k: v for k, v in error.details.items() if k != "errors_field"}
    headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
    return api_error(error.status, error.message, error.code, details, headers)


@bp.errorhandler(CSRFError)
def csrf_error(error: CSRFError) -> Response:
    return api_error(400, _("Session requests that change data need the CSRF token in the "
                            "X-CSRFToken header (or use an API token)."), "csrf_failed")


@bp.errorhandler(RateLimitExceeded)
def rate_limited(error: RateLimitExceeded) -> Response:
    return api_error(429, _("Too many requests; slow down."), "rate_limited")


def init_api(app: Flask) -> None:
    csrf.exempt(bp)  # session callers are checked in resolve_caller; token callers need none
    app.register_blueprint(bp)
    app.register_blueprint(docs_bp)


def json_http_error(error: HTTPException) -> Response:
    """Routing errors under /api/ (unknown URL, wrong method) in the API's shape."""
    message = {404: _("No such API endpoint."), 405: _("That method is not allowed here."),
               413: _("The request body is too large (the limit is documented in the API).")
               }.get(error.code or 500, error.description or _("Error"))
    response = api_error(error.code or 500, message)
    for key, value in error.get_headers():
        if key.lower() != "content-type":
            response.headers[key] = value
    return response
