"""The base of every form: CSRF from Flask-WTF, plus refusal of invisible control characters."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import Field, StringField, TextAreaField
from wtforms.validators import Length

_FORBIDDEN = {chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"} | {"\x7f"}


class AppForm(FlaskForm):
    """A FlaskForm that refuses NUL and other control characters in any text field.

    Such characters never belong in a title or a username, and PostgreSQL rejects NUL outright;
    catching them here turns a would-be 500 into a message beside the field.
    """

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        return not mark_control_characters(self) and valid


def mark_control_characters(form: FlaskForm) -> bool:
    """Put an error on every text field of ``form`` holding a control character; True if any."""
    found = False
    for field in form:
        if _is_text(field) and isinstance(field.data, str) and _FORBIDDEN & set(field.data):
            field.errors = [*field.errors, _("Remove the invisible control characters.")]
            found = True
    return found


def _is_text(field: Field) -> bool:
    return isinstance(field, StringField | TextAreaField) or field.type == "PasswordField"


class EmptyForm(AppForm):
    """Just a CSRF token: for buttons that POST (log out, vote without JavaScript)."""


class StatedLength(Length):
    """A field's maximum length, stated: WTForms puts it in the field's flags, where the forms
    macro reads it for the hint ("Up to 200 characters") and ``maxlength``. The check itself is
    the service's (e.g. ``validate_entry``), which runs for every posted form and puts its message
    at the field, so a value that gets past the browser is never refused in silence."""

    def __call__(self, form: Any, field: Field) -> None:
        return None


def up_to(limit: int) -> list[Length]:
    """The field's stated maximum length (enforced by the service)."""
    return [StatedLength(max=limit)]
