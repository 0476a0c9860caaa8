"""HTTP error pages: a clear message in the site's layout, never a stack trace."""

from __future__ import annotations

from flask import Flask, Response, make_response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from .extensions import db

# Title and sentence of each error page (lazy: in the request's language when shown).
MESSAGES = {
    400: (_l("Bad request"),
          _l("That request did not make sense to us. Please go back and try again.")),
    403: (_l("Not allowed"), _l("You don't have access to this page.")),
    404: (_l("Page not found"),
          _l("We couldn't find that page. It may have moved or never existed.")),
    405: (_l("Not allowed"), _l("That action isn't available here.")),
    413: (_l("Too large"), _l("That was more than we accept in one request.")),
    429: (_l("Slow down"), _l("Too many attempts. Please wait a moment and try again.")),
    500: (_l("Something went wrong"),
          _l("An unexpected error happened on our side. Please try again.")),
}


def is_api_request() -> bool:
    """Everything under /api/ speaks JSON, errors included (the docs page excepted)."""
    return request.path.startswith("/api/") and request.path != "/api/docs"


def render_error(status: int, message: str | None = None) -> Response:
    """The error ``status`` for this request: JSON under /api/, else the error page (or the
    partial htmx asked for), with ``message`` or the status's own sentence."""
    title, default = MESSAGES.get(status, (_("Error"), _("Something went wrong.")))
    if is_api_request():
        from .api.errors import api_error

        return api_error(status, message or default)
    template = "errors/_error.html" if request.headers.get("HX-Request") else "errors/error.html"
    response = make_response(
        render_template(template, status=status, title=title, message=message or default), status
    )
    response.vary.add("HX-Request")  # a page, or the partial htmx asked for
    return response


def _custom_description(error: HTTPException) -> str | None:
    """A description a view passed to ``abort(code, "...")``, rather than Werkzeug's default."""
    if isinstance(error, RateLimitExceeded):
        # The limit's own message if it has one; its default description is the limit itself
        # ("10 per 1 minute"), which the generic message replaces.
        return str(error.description) if error.limit.error_message else None
    default = type(error).description
    return error.description if error.description and error.description != default else None


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> ResponseReturnValue:
        return render_error(
            400, _("Your form expired or came from another site. Reload the page and try again.")
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        if error.code is None or error.code < 400:
            return error
        if is_api_request():
            from .api import json_http_error

            return json_http_error(error)
        response = render_error(error.code, _custom_description(error))
        for key, value in error.get_headers():  # e.g. Allow on 405
            if key.lower() != "content-type":
                response.headers[key] = value
        return response

    @app.errorhandler(InternalServerError)
    def internal_error(error: InternalServerError) -> ResponseReturnValue:
        db.session.rollback()
        return render_error(500)
