"""Free text that members and editors type: trimming, and "required, at most N characters"."""

from __future__ import annotations

from dataclasses import fields, is_dataclass

from flask_babel import format_number
from flask_babel import gettext as _

from ..errors import ValidationFailed


class TrimmedInput:
    """Mixin for the input dataclasses of forms and the API: every string field is trimmed on
    creation, so an empty string means "not given" everywhere the rules look."""

    def __post_init__(self) -> None:
        assert is_dataclass(self)
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, str):
                setattr(self, f.name, value.strip())


def required_text(value: str | None, field: str, limit: int, ask: str,
                  *, required: bool = True) -> str:
    """``value`` trimmed; raises ValidationFailed at ``field`` with ``ask`` (what to write,
    already translated) when it is empty (and ``required``) or longer than ``limit`` characters."""
    text = (value or "").strip()
    if (required and not text) or len(text) > limit:
        raise ValidationFailed({field: _("%(ask)s (at most %(n)s characters).", ask=ask,
                                           n=format_number(limit))})
    return text
