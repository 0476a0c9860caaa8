"""Access control shared by every admin view: editors only, CSRF on every form and action."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_admin.contrib.sqla import ModelView
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response
from wtforms.validators import ValidationError

from ..errors import DomainError


def is_editor() -> bool:
    return bool(current_user.is_authenticated and current_user.is_editor)


def deny() -> Response:
    """Anonymous visitors are sent to log in; signed-in non-editors get 403."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    abort(403)


class EditorOnly:
    """Mixin for admin views: closed to everyone but editors."""

    def is_accessible(self) -> bool:
        return is_editor()

    def inaccessible_callback(self, name: str, **kwargs: Any) -> Response:
        return deny()


class SecureIndexView(EditorOnly, AdminIndexView):
    @expose("/")
    def index(self) -> str:
        from .dashboard import dashboard_context

        return self.render("admin/dashboard.html", **dashboard_context())


class SecureModelView(EditorOnly, ModelView):
    """Base of every model view.

    Forms derive from Flask-WTF's ``FlaskForm``, so create/edit/delete/action posts all carry
    the same CSRF token the app-wide ``CSRFProtect`` checks.
    """

    form_base_class = FlaskForm
    page_size = 50
    can_view_details = True
    can_export = False

    def handle_view_exception(self, exc: Exception) -> bool:
        if isinstance(exc, DomainError):
            flash(exc.message, "error")
            return True
        if isinstance(exc, IntegrityError):
            flash("That conflicts with an existing record (for example a duplicate slug).", "error")
            return True
        return super().handle_view_exception(exc)


class ReadOnlyModelView(SecureModelView):
    """For records that are history (votes, the ledger): look, filter, never change."""

    can_create = False
    can_edit = False
    can_delete = False


def raise_for_form(exc: DomainError) -> None:
    """Turn a service's domain error into the validation error Flask-Admin flashes."""
    raise ValidationError(exc.message) from exc
