"""Forms of the account emails: forgot password, the new password, changing the address."""

from __future__ import annotations

from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from ..forms import AppForm
from ..services.accounts import PASSWORD_MAX, PASSWORD_MIN


class ForgotPasswordForm(AppForm):
    email = StringField(
        "Email",
        validators=[DataRequired(), Length(max=254)],
        description="The address of your account.",
        render_kw={"autocomplete": "email", "type": "email", "maxlength": 254},
    )


class ResetPasswordForm(AppForm):
    password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(min=PASSWORD_MIN, max=PASSWORD_MAX)],
        description=f"At least {PASSWORD_MIN} characters.",
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Repeat new password",
        validators=[DataRequired(), EqualTo("password", message="The passwords don't match.")],
        render_kw={"autocomplete": "new-password"},
    )


class EmailChangeForm(AppForm):
    email = StringField(
        "New email",
        validators=[DataRequired(), Length(max=254)],
        description="We send a link to this address; the change happens when you follow it.",
        render_kw={"autocomplete": "email", "type": "email", "maxlength": 254},
    )
    password = PasswordField(
        "Current password",
        validators=[DataRequired(), Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )
