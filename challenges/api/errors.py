"""One error shape for the whole API: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

# Codes for plain HTTP errors, so clients can branch on a stable word.
HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "body_too_large",
    415: "unsupported_media_type", 422: "validation_failed", 429: "rate_limited",
    500: "internal_error", 503: "unavailable",
}


def api_error(status: int, message: str, code: str | None = None,
              details: dict[str, Any] | None = None,
              headers: dict[str, str] | None = None) -> Response:
    """The error response: ``code`` is a stable English word for programs; ``message`` is for
    people, in the request's language (``str()``: a lazy string reads the locale now)."""
    response = jsonify(error={"code": code or HTTP_CODES.get(status, "error"),
                              "message": str(message), "details": details or {}})
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response
