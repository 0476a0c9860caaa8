"""Forms of the account emails: forgot password, the new password, changing the address."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from ..forms import AppForm
from ..services.accounts import PASSWORD_MAX, PASSWORD_MIN


class ForgotPasswordForm(AppForm):
    email = StringField(
        _l("Email"),
        validators=[DataRequired(), Length(max=254)],
        description=_l("The address of your account."),
        render_kw={"autocomplete": "email", "type": "email", "maxlength": 254},
    )


class ResetPasswordForm(AppForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=PASSWORD_MIN, max=PASSWORD_MAX)],
        render_kw={"autocomplete": "new-password"},  # the macro states "8 to 128 characters"
    )
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords don't match."))],
        render_kw={"autocomplete": "new-password"},
    )


class EmailChangeForm(AppForm):
    email = StringField(
        _l("New email"),
        validators=[DataRequired(), Length(max=254)],
        description=_l("We send a link to this address; the change happens when you "
                        "follow it."),
        render_kw={"autocomplete": "email", "type": "email", "maxlength": 254},
    )
    password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(), Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )
