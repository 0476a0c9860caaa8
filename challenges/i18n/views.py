"""Choosing the language: the footer's switcher (everyone) posts here."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user

from ..auth.nexturl import safe_next
from ..models import User
from ..transactions import commit_with_retry
from . import remember_locale
from .forms import LanguageForm

bp = Blueprint("i18n", __name__)


def choose_language(locale: str | None) -> None:
    """Speak ``locale`` from now on (``None``: follow the browser): for this session, and for a
    member also saved on the account (their other devices, and the emails we send them)."""
    if current_user.is_authenticated:
        member: User = current_user._get_current_object()
        commit_with_retry(lambda: save_preference(member, locale))
    remember_locale(locale)
    refresh()  # this request's messages (the flash) already speak the new language


def save_preference(member: User, locale: str | None) -> None:
    """The member's saved language (``None``: follow the browser). Flushes, never commits."""
    member.locale = locale


@bp.post("/language")
def switch_language() -> ResponseReturnValue:
    """The footer's buttons: one language per button, back to the page it was pressed on."""
    form = LanguageForm()
    back = safe_next(form.next.data, url_for("pages.home"))
    if form.validate_on_submit():
        choose_language(form.chosen())
    else:
        flash(_("That language is not available."), "error")
    return redirect(back)
