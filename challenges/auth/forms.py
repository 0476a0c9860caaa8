"""Account forms."""

from __future__ import annotations

from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from ..forms import AppForm
from ..services.accounts import PASSWORD_MAX, PASSWORD_MIN
from ..services.api_tokens import DEFAULT_EXPIRY_DAYS, EXPIRY_DAYS
from .nexturl import safe_next


def _same_site_or_blank(value: str | None) -> str:
    """A hidden ``next`` is not the user's to fix: an unsafe one is dropped, never an error.

    Otherwise a link with ``?next=%00`` would fail every submit with no message on the page.
    """
    return safe_next(value, "")


class LoginForm(AppForm):
    login = StringField(
        "Username or email",
        validators=[DataRequired(), Length(max=254)],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired(), Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField("Keep me logged in on this device")
    next = HiddenField(filters=[_same_site_or_blank])


class RegisterForm(AppForm):
    username = StringField(
        "Username",
        validators=[DataRequired(), Length(max=30)],
        description="3-30 characters: lowercase letters, digits, _ and -.",
        render_kw={"autocomplete": "username", "autocapitalize": "none", "maxlength": 30},
    )
    email = StringField(
        "Email",
        validators=[DataRequired(), Length(max=254)],
        render_kw={"autocomplete": "email", "type": "email", "maxlength": 254},
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired(), Length(min=PASSWORD_MIN, max=PASSWORD_MAX)],
        description=f"At least {PASSWORD_MIN} characters.",
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Repeat password",
        validators=[DataRequired(), EqualTo("password", message="The passwords don't match.")],
        render_kw={"autocomplete": "new-password"},
    )
    next = HiddenField(filters=[_same_site_or_blank])


class ChangePasswordForm(AppForm):
    current_password = PasswordField(
        "Current password",
        validators=[DataRequired(), Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(min=PASSWORD_MIN, max=PASSWORD_MAX)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Repeat new password",
        validators=[DataRequired(), EqualTo("new_password", message="The passwords don't match.")],
        render_kw={"autocomplete": "new-password"},
    )


def _days_label(days: int) -> str:
    return "1 year" if days == 365 else f"{days} days"


class TokenForm(AppForm):
    name = StringField("Token name", validators=[DataRequired(), Length(max=60)],
                       description="What will use it, e.g. “my portfolio sync”.",
                       render_kw={"maxlength": 60, "autocomplete": "off"})
    # ``coerce=int`` with fixed choices: anything else is "Not a valid choice" at the field.
    expires_in_days = SelectField(
        "Expires after", coerce=int, default=DEFAULT_EXPIRY_DAYS,
        choices=[(days, _days_label(days)) for days in EXPIRY_DAYS],
        description="The token stops working then; create a new one when it does.")


class LogoutForm(AppForm):
    revoke_tokens = BooleanField("Also revoke my API tokens")
