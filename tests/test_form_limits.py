"""Every text field of every form states its maximum length (issue #11): the forms macro turns
the field's limit into ``maxlength`` and the hint ("Up to 200 characters"), so a field without
one would silently accept what its service then refuses. A "repeat the password" field is the
one exception: it must equal the password field above it, which states the limit."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator

from flask import Flask
from wtforms import Field, StringField, TextAreaField
from wtforms.form import BaseForm

import challenges
from challenges.forms import AppForm

EXEMPT = {"confirm"}  # EqualTo the password field, which states the limit


def _all_form_classes() -> Iterator[type[AppForm]]:
    for module in pkgutil.walk_packages(challenges.__path__, "challenges."):
        if module.name.endswith((".forms", ".views")):
            importlib.import_module(module.name)
    pending = list(AppForm.__subclasses__())
    while pending:
        form_class = pending.pop()
        pending.extend(form_class.__subclasses__())
        if form_class.__module__.startswith("challenges."):  # the product's forms only
            yield form_class


def _fields(form_class: type[AppForm]) -> list[Field]:
    """The form's fields, bound as its constructor would bind them. A form whose constructor
    needs arguments (choices read from the database) gets its declared fields bound directly:
    the limits live on the fields' validators, not in the constructor."""
    try:
        return list(form_class())
    except TypeError:
        # WTForms gathers the declared fields on the first instantiation attempt.
        unbound = [(name, field) for name, field in form_class._unbound_fields]
        return list(BaseForm(unbound, meta=form_class._wtforms_meta()))


def test_every_text_field_of_every_form_states_its_limit(app: Flask) -> None:
    missing, checked = [], 0
    with app.test_request_context("/"):
        for form_class in _all_form_classes():
            for field in _fields(form_class):
                text = isinstance(field, StringField | TextAreaField) \
                    or field.type == "PasswordField"
                if not text or field.type in {"HiddenField", "CSRFTokenField"} \
                        or field.name in EXEMPT:
                    continue
                checked += 1
                limit = getattr(field.flags, "maxlength", None) \
                    or (field.render_kw or {}).get("maxlength")
                if not limit:
                    missing.append(f"{form_class.__qualname__}.{field.name}")
    assert checked > 20, "the walk found too few fields to mean anything"
    assert not missing, f"text fields without a stated maximum length: {missing}"
