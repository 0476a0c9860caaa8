"""Reading request input strictly: JSON bodies with known fields of the right types, and query
parameters within their bounds. Anything else is a 400/422 with the error shape."""

from __future__ import annotations

import json
import uuid
from typing import Any, overload

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..errors import DomainError, ValidationFailed

MAX_BODY = 64 * 1024  # bytes; documented in the OpenAPI description


class BadRequest(DomainError):
    code = "bad_request"
    status = 400


class UnsupportedMediaType(DomainError):
    code = "unsupported_media_type"
    status = 415
    default_message = _l("Send a JSON object with Content-Type: application/json.")


class BodyTooLarge(DomainError):
    code = "body_too_large"
    status = 413
    default_message = _l("Request bodies are limited to %(n)s KiB.", n=MAX_BODY // 1024)


ENTRY_FIELDS = {"title", "description", "image_url", "image_alt_text", "external_url",
                "project_id", "prompt_used", "tool_used"}


def json_body(allowed: set[str], required: set[str] = frozenset()) -> dict[str, Any]:  # type: ignore[assignment]
    """The JSON object in the body, with string (or null) values for ``allowed`` keys only."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise BodyTooLarge()
    if not request.is_json:
        raise UnsupportedMediaType()
    raw = request.get_data(cache=True)
    if len(raw) > MAX_BODY:
        raise BodyTooLarge()
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):  # deep nesting fits in 64 KiB and exhausts the stack
        raise BadRequest(_("The body is not valid JSON."), code="invalid_json") from None
    if not isinstance(data, dict):
        raise ValidationFailed({"body": _("Send a JSON object.")})
    errors: dict[str, str] = {}
    for key in sorted(set(data) - allowed):
        errors[key] = _("Unknown field.")
    for key in sorted(required - set(data)):
        errors[key] = _("This field is required.")
    for key in sorted(set(data) & allowed):
        value = data[key]
        if value is not None and not isinstance(value, str):
            errors[key] = _("Must be a string.")
        elif isinstance(value, str) and "\x00" in value:
            errors[key] = _("Must not contain NUL characters.")
        elif isinstance(value, str) and not _is_utf8(value):
            errors[key] = _("Must be valid Unicode text (no lone surrogates).")
    if errors:
        raise ValidationFailed(errors)
    return {key: value or "" for key, value in data.items()}


def _is_utf8(value: str) -> bool:
    """JSON's \\ud800 escapes decode to lone surrogates, which no database can store."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def uuid_or_none(value: str, field: str) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ValidationFailed({field: _("Must be a UUID.")}) from None


def int_arg(name: str, default: int, low: int, high: int) -> int:
    """A bounded integer query parameter; values above ``high`` are capped, others refused."""
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationFailed({name: _("Must be a whole number from %(low)d to %(high)d.",
                                                 low=low, high=high)}) from None
    if value < low:
        raise ValidationFailed({name: _("Must be at least %(low)d.", low=low)})
    return min(value, high)


@overload
def choice_arg(name: str, choices: tuple[str, ...], default: str) -> str: ...
@overload
def choice_arg(name: str, choices: tuple[str, ...], default: None) -> str | None: ...
def choice_arg(name: str, choices: tuple[str, ...], default: str | None) -> str | None:
    """Query parameter ``name``, one of ``choices``; ``default`` when absent or empty."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if raw not in choices:
        raise ValidationFailed({name: _("Must be one of: %(choices)s.",
                                         choices=", ".join(choices))})
    return raw
