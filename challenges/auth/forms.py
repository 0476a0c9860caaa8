"""Account forms. Labels and messages are lazy: the form classes are built at import, the text
is read in the language of each request."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined, unused-ignore]
from wtforms.validators import DataRequired, EqualTo, Length

from ..forms import AppForm
from ..services.accounts import EMAIL_MAX, PASSWORD_MAX, PASSWORD_MIN, USERNAME_MAX, USERNAME_MIN
from ..services.api_tokens import DEFAULT_EXPIRY_DAYS, EXPIRY_DAYS
from .nexturl import safe_next

PASSWORDS_DIFFER = _l("The passwords don't match.")


def _same_site_or_blank(value: str | None) -> str:
    """A hidden ``next`` is not the user's to fix: an unsafe one is dropped, never an error.

    Otherwise a link with ``?next=%00`` would fail every submit with no message on the page.
    """
    return safe_next(value, "")


class LoginForm(AppForm):
    login = StringField(
        _l("Username or email"),
        validators=[DataRequired(), Length(max=EMAIL_MAX)],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me logged in on this device"))
    next = HiddenField(filters=[_same_site_or_blank])


class RegisterForm(AppForm):
    """The fields' own checks (required, lengths, the two passwords equal); the view adds the
    account rules (``accounts.registration_problems``) in the same pass, so every error shows
    at once."""

    username = StringField(
        _l("Username"),
        validators=[DataRequired(), Length(min=USERNAME_MIN, max=USERNAME_MAX)],
        description=_l("Lowercase letters, digits, _ and -."),
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    email = StringField(
        _l("Email"),
        validators=[DataRequired(), Length(max=EMAIL_MAX)],
        render_kw={"autocomplete": "email", "type": "email"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(min=PASSWORD_MIN, max=PASSWORD_MAX)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("password", message=PASSWORDS_DIFFER)],
        render_kw={"autocomplete": "new-password"},
    )
    next = HiddenField(filters=[_same_site_or_blank])


class ChangePasswordForm(AppForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(), Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=PASSWORD_MIN, max=PASSWORD_MAX)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("new_password", message=PASSWORDS_DIFFER)],
        render_kw={"autocomplete": "new-password"},
    )


def _days_label(days: int) -> str:
    if days == 365:
        return str(_l("1 year"))
    return ngettext("%(num)d day", "%(num)d days", days)


def _expiry_choices() -> list[SelectChoice]:
    return [SelectChoice(days, _days_label(days)) for days in EXPIRY_DAYS]


class TokenForm(AppForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=60)],
                       description=_l("What will use it, e.g. “my portfolio sync”."),
                       render_kw={"autocomplete": "off"})
    # ``coerce=int`` with fixed choices: anything else is "Not a valid choice" at the field.
    expires_in_days = SelectField(
        _l("Expires after"), coerce=int, default=DEFAULT_EXPIRY_DAYS, choices=_expiry_choices,
        description=_l("The token stops working then; create a new one when it does."))


class LogoutForm(AppForm):
    revoke_tokens = BooleanField(_l("Also revoke my API tokens"))
