"""Access control shared by every admin view: editors only, CSRF on every form and action."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_admin.actions import action
from flask_admin.babel import lazy_gettext
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.form import AdminModelConverter
from flask_admin.model.base import ViewArgs
from flask_admin.model.form import converts
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import BigInteger
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from ..errors import DomainError, ValidationFailed
from ..extensions import db
from ..forms import mark_control_characters
from .fields import UTCDateTimeField
from .labels import COLUMN_LABELS, DETAIL_TYPE_FORMATTERS, TYPE_FORMATTERS

MAX_LIST_PAGE = 100_000  # page * page_size stays a sane OFFSET


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


class AdminForm(FlaskForm):
    """Flask-WTF's form (the app-wide CSRF token), keeping the record being edited as
    Flask-Admin's own base form does: its ``Unique`` validator needs ``_obj`` to let a record
    keep its own slug instead of calling it taken."""

    def __init__(self, *args: Any, obj: Any = None, **kwargs: Any) -> None:
        self._obj = obj
        super().__init__(*args, obj=obj, **kwargs)

    def validate(self, extra_validators: Any = None) -> bool:
        # Control characters are refused first, as on every form of the app: some validators
        # (``Unique``) query the database, and PostgreSQL refuses NUL outright.
        if mark_control_characters(self):
            return False
        return super().validate(extra_validators)


class ModelConverter(AdminModelConverter):
    """Flask-Admin's form converter, taught the app's column types.

    It silently leaves out columns of a type it does not know, so without this the challenge
    form had no schedule fields at all.
    """

    @converts("UTCDateTime", "DateTime")
    def convert_utc_datetime(self, field_args: Any, **extra: Any) -> Any:
        # The browser's own date-time control, read as UTC (not Flask-Admin's picker, which
        # garbled a date typed character by character).
        return UTCDateTimeField(**field_args)


class SecureModelView(EditorOnly, ModelView):
    """Base of every model view.

    Forms derive from Flask-WTF's ``FlaskForm``, so create/edit/delete/action posts all carry
    the same CSRF token the app-wide ``CSRFProtect`` checks.
    """

    form_base_class = AdminForm
    model_form_converter = ModelConverter
    column_labels = COLUMN_LABELS
    column_type_formatters = TYPE_FORMATTERS
    column_type_formatters_detail = DETAIL_TYPE_FORMATTERS
    page_size = 50
    can_view_details = True
    can_export = False

    def primary_key(self, text: str) -> Any:
        """``text`` (an id from a URL or a form) as the primary key's Python type, or ``None``.

        Flask-Admin passes ids on as strings; a ``Uuid`` column cannot bind a string, and an
        integer too large for the column is no id at all (the database would raise).
        """
        column_type = self.model.__mapper__.primary_key[0].type
        try:
            key = column_type.python_type(text)
        except (TypeError, ValueError):
            return None
        if isinstance(key, int):
            bits = 63 if isinstance(column_type, BigInteger) else 31
            return key if -(2**bits) <= key < 2**bits else None
        return key

    def _get_list_extra_args(self) -> ViewArgs:
        """Flask-Admin's list arguments, made safe to bind: a page whose OFFSET the database can
        take, and no NUL (PostgreSQL refuses it in text) in the search or a filter value."""
        args = super()._get_list_extra_args()
        filters = [(idx, name, _without_nul(value)) for idx, name, value in args.filters or ()]
        return args.clone(page=min(max(args.page or 0, 0), MAX_LIST_PAGE),
                          search=_without_nul(args.search), filters=filters or args.filters)

    def get_one(self, id: str) -> Any:
        key = self.primary_key(id)
        return db.session.get(self.model, key) if key is not None else None

    @action("delete", lazy_gettext("Delete"),
            lazy_gettext("Are you sure you want to delete selected records?"))
    def action_delete(self, ids: tuple[str, ...]) -> None:
        keys = [key for key in map(self.primary_key, ids) if key is not None]
        super().action_delete(keys)

    def _on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        """Flask-Admin's hook, with a refusal's reasons put beside the fields they are about:
        one plain message per field, as a failed form validation shows them."""
        try:
            super()._on_model_change(form, model, is_created)
        except ValidationFailed as exc:
            raise FieldProblems(place_errors(form, exc.errors)) from exc

    def handle_view_exception(self, exc: Exception) -> bool:
        if isinstance(exc, FieldProblems):
            # The same words Flask-Admin uses when a field fails its own validation.
            flash(_("Some fields need attention."), "error")
            for message in exc.unplaced:
                flash(message, "error")
            return True
        if isinstance(exc, DomainError):
            flash(exc.message, "error")
            return True
        if isinstance(exc, IntegrityError):
            flash(_("That conflicts with an existing record (for example a duplicate slug)."),
                  "error")
            return True
        return super().handle_view_exception(exc)


class FieldProblems(Exception):
    """A save refused, its reasons already shown at their fields; ``unplaced`` holds those
    about no field of the form (each flashed on its own)."""

    def __init__(self, unplaced: list[str]) -> None:
        super().__init__("; ".join(unplaced))
        self.unplaced = unplaced


def place_errors(form: Any, errors: dict[str, str]) -> list[str]:
    """Add each message of ``errors`` (field name -> message) to that field of ``form``;
    returns the messages whose field the form does not have."""
    unplaced = []
    for name, message in errors.items():
        field = getattr(form, name, None)
        if field is None or not hasattr(field, "errors"):
            unplaced.append(str(message))
            continue
        field.errors = [*field.errors, str(message)]
    return unplaced


def _without_nul(value: Any) -> Any:
    return value.replace("\x00", "") if isinstance(value, str) else value


class ReadOnlyModelView(SecureModelView):
    """For records that are history (votes, the ledger): look, filter, never change."""

    can_create = False
    can_edit = False
    can_delete = False
