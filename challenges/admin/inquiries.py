"""Sponsor inquiries in the admin (SPEC §11, "sponsor interest"): newest first, filtered by
status, each readable in full; editors change only the status (the company's words stay as
they were sent)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from ..models import BUDGET_RANGES
from .labels import INQUIRY_STATUS_CHOICES, labels
from .security import SecureModelView

_STATUS_LABELS = dict(INQUIRY_STATUS_CHOICES)


def _budget(view: Any, context: Any, model: Any, name: str) -> str:
    return str(BUDGET_RANGES.get(model.budget_range, model.budget_range))


def _status(view: Any, context: Any, model: Any, name: str) -> str:
    return str(_STATUS_LABELS.get(model.status, model.status))


def _message(view: Any, context: Any, model: Any, name: str) -> Markup:
    # Escaped, with its line breaks kept (the company's text, never markup).
    return Markup('<div class="inquiry-message">{}</div>').format(escape(model.message))


class SponsorInquiryView(SecureModelView):
    can_create = False  # inquiries come from the public form only
    can_delete = False  # the history of sponsor interest stays whole (the analytics count it)
    column_list = ("created_at", "company", "contact_name", "contact_email", "budget_range",
                   "status")
    column_details_list = ("created_at", "updated_at", "company", "contact_name",
                           "contact_email", "budget_range", "status", "message")
    column_filters = ("status", "budget_range")
    named_filter_urls = True  # /admin/sponsor_inquiries/?flt0_status_equals=new
    column_searchable_list = ("company", "contact_name", "contact_email")
    column_default_sort = ("created_at", True)
    column_labels = labels()
    column_formatters = {"budget_range": _budget, "status": _status}
    column_formatters_detail = {"budget_range": _budget, "status": _status, "message": _message}
    form_columns = ("status",)
    form_choices = {"status": INQUIRY_STATUS_CHOICES}
    form_args = {"status": {"description": _l("Where you have got to with this company.")}}
