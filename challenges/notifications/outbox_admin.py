"""The outbox in the admin: read-only, filterable by status and kind, failed rows with their
error, and an action that queues failed rows again."""

from __future__ import annotations

from typing import Any

from flask import flash
from flask_admin import Admin
from flask_admin.actions import action
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from ..admin.security import ReadOnlyModelView
from ..extensions import db
from ..transactions import commit_with_retry
from .outbox import EmailOutbox
from .sending import retry_failed


class OutboxView(ReadOnlyModelView):
    column_list = ("created_at", "kind", "to_address", "subject", "status", "attempts",
                   "next_attempt_at", "sent_at", "last_error")
    column_details_list = ("id", "key", "kind", "user_id", "challenge_id", "to_address",
                           "subject", "status", "attempts", "next_attempt_at", "claimed_until",
                           "last_error", "message_id", "headers", "created_at", "sent_at",
                           "text_body")
    column_filters = ("status", "kind")
    named_filter_urls = True  # /admin/outbox/?flt0_status_equals=failed, a link worth sharing
    column_searchable_list = ("to_address", "key")
    column_default_sort = ("id", True)
    column_labels = {"to_address": _l("To"), "text_body": _l("Text")}

    @action("retry", _l("Retry failed"), _l("Send the selected failed emails again?"))
    def action_retry(self, ids: list[str]) -> None:
        keys = [key for key in map(self.primary_key, ids) if isinstance(key, int)]
        moved = commit_with_retry(lambda: retry_failed(keys))
        flash(ngettext("%(num)d failed email queued again; the next sweep sends it.",
                       "%(num)d failed emails queued again; the next sweep sends them.", moved),
              "success")


def add_views(admin: Admin) -> Any:
    """Add the outbox to the admin (called by ``init_admin``)."""
    return admin.add_view(OutboxView(EmailOutbox, db, name="Outbox", endpoint="outbox",
                                     category="Email"))
