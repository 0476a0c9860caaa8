"""The admin's webhook views (editors): endpoints (create, edit, secret, rotate, enable) with
their delivery log, and every delivery (filter, replay). Rules stay in the service."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Any

from flask import flash, redirect, request, url_for
from flask_admin import Admin, expose
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy import inspect as sa_inspect
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms.validators import ValidationError

from ..admin.security import ReadOnlyModelView, SecureModelView
from ..clock import utcnow
from ..errors import DomainError
from ..extensions import db
from ..transactions import commit_with_retry
from .forms import EventTypesField
from .jobs import enqueue_delivery
from .models import WebhookDelivery, WebhookEndpoint
from .service import (
    enable_endpoint,
    endpoint_url_problem,
    new_secret,
    recent_deliveries,
    replay_delivery,
    rotate_secret,
)


def _uuid(raw: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw or "")
    except ValueError:
        return None


def _safe_url(form: FlaskForm, field: Any) -> None:
    if problem := endpoint_url_problem(field.data or ""):
        raise ValidationError(problem)


def _some_events(form: FlaskForm, field: Any) -> None:
    if not field.data:
        raise ValidationError(_("Choose at least one event."))


class EndpointFilter(BaseSQLAFilter):
    """The deliveries of one endpoint (its id), which the endpoint list links to."""

    def __init__(self) -> None:
        super().__init__(WebhookDelivery.endpoint_id, _l("Endpoint id"))

    def validate(self, value: str) -> bool:
        return _uuid(value) is not None

    def apply(self, query: Any, value: Any, alias: Any = None) -> Any:
        return query.filter(WebhookDelivery.endpoint_id == _uuid(str(value)))

    def operation(self) -> str:
        return "equals"


def deliveries_url(endpoint_id: uuid.UUID) -> str:
    """The delivery log of one endpoint (EndpointFilter is the deliveries view's filter 0)."""
    return url_for("webhook_deliveries.index_view", flt0_0=str(endpoint_id))


def _deliveries_link(view: Any, context: Any, model: WebhookEndpoint, name: str) -> Markup:
    return Markup('<a href="{}">Deliveries</a>').format(deliveries_url(model.id))


class WebhookEndpointView(SecureModelView):
    """Endpoints. Sponsor-scoped ones receive only that sponsor's challenges' events."""

    column_list = ("url", "description", "event_types", "owner", "sponsor", "enabled",
                   "consecutive_failures", "disabled_reason", "created_at", "deliveries")
    column_details_list = ("url", "description", "event_types", "secret", "owner", "sponsor",
                           "enabled", "disabled_reason", "consecutive_failures", "failing_since",
                           "created_at")
    column_labels = {"event_types": _l("Events"), "secret": _l("Signing secret"),
                     "consecutive_failures": _l("Failures in a row")}
    column_searchable_list = ("url", "description")
    column_filters = ("enabled",)
    column_default_sort = ("created_at", True)
    column_formatters = {"deliveries": _deliveries_link}
    form_columns = ("url", "description", "event_types", "sponsor", "enabled")
    form_overrides = {"event_types": EventTypesField}
    form_args = {
        "url": {"label": _l("Endpoint URL"), "validators": [_safe_url],
                "description": _l("Public http(s) URL; each event is POSTed there, signed.")},
        "event_types": {"label": _l("Events"), "validators": [_some_events]},
        "sponsor": {"description": _l("Leave empty to receive every challenge's events; a "
                                      "sponsor limits the endpoint to that sponsor's "
                                      "challenges.")},
    }
    details_template = "webhooks/admin_endpoint_details.html"

    def on_model_change(self, form: FlaskForm, model: WebhookEndpoint, is_created: bool) -> None:
        model.url = model.url.strip()
        model.description = (model.description or "").strip()
        if is_created:
            model.owner_id = current_user.id
            model.secret = new_secret()
            model.consecutive_failures = 0
            model.disabled_reason = ""
        elif model.enabled and sa_inspect(model).attrs.enabled.history.deleted == [False]:
            enable_endpoint(model)  # switched back on: a clean failure record

    def render(self, template: str, **kwargs: Any) -> str:
        if template == self.details_template and kwargs.get("model") is not None:
            kwargs["deliveries"] = recent_deliveries(kwargs["model"].id)
        return super().render(template, **kwargs)

    @expose("/rotate/", methods=["POST"])
    def rotate(self) -> WerkzeugResponse:
        """A new signing secret for one endpoint (the old one stops verifying)."""
        endpoint_id = _uuid(request.form.get("id"))
        endpoint = db.session.get(WebhookEndpoint, endpoint_id) if endpoint_id else None
        if endpoint is None:
            flash(_("No such endpoint."), "error")
            return redirect(url_for(".index_view"))
        commit_with_retry(lambda: rotate_secret(endpoint))
        flash(_("New signing secret created; the old one no longer verifies."), "success")
        return redirect(url_for(".details_view", id=str(endpoint_id)))

    @action("rotate_secret", _l("Rotate secret"),
            _l("Give the selected endpoints new secrets? The old ones stop verifying at once."))
    def action_rotate_secret(self, ids: list[str]) -> None:
        keys = [k for k in map(_uuid, ids) if k is not None]

        def work() -> int:
            endpoints = [e for e in map(lambda k: db.session.get(WebhookEndpoint, k), keys) if e]
            for endpoint in endpoints:
                rotate_secret(endpoint)
            return len(endpoints)

        done = commit_with_retry(work)
        flash(ngettext("%(num)d secret rotated.", "%(num)d secrets rotated.", done), "success")


def _attempt_log(view: Any, context: Any, model: WebhookDelivery, name: str) -> Markup:
    rows = Markup("").join(
        Markup("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>").format(
            a.attempt, a.started_at.strftime("%Y-%m-%d %H:%M:%S"),
            a.response_status if a.response_status is not None else "—",
            f"{a.latency_ms} ms" if a.latency_ms is not None else "—", a.error or "")
        for a in model.attempt_log
    )
    return Markup('<table class="table table-sm" data-testid="attempt-log"><thead><tr>'
                  "<th>Attempt</th><th>Started (UTC)</th><th>Status</th><th>Latency</th>"
                  "<th>Error</th></tr></thead><tbody>{}</tbody></table>").format(rows)


def _payload(view: Any, context: Any, model: WebhookDelivery, name: str) -> Markup:
    return Markup("<pre>{}</pre>").format(model.payload)


class WebhookDeliveryView(ReadOnlyModelView):
    """Every delivery (the log): what was sent where, each attempt, and replay."""

    column_list = ("created_at", "endpoint", "event_type", "event_id", "status", "attempts",
                   "response_status", "latency_ms", "last_error", "next_attempt_at",
                   "delivered_at")
    column_details_list = ("endpoint", "event_type", "event_id", "status", "attempts",
                           "max_attempts", "response_status", "latency_ms", "last_error",
                           "next_attempt_at", "created_at", "delivered_at", "payload",
                           "attempt_log")
    column_labels = {"event_id": "webhook-id", "latency_ms": _l("Latency (ms)"),
                     "response_status": _l("Response"), "attempt_log": _l("Attempts")}
    column_searchable_list = ("event_id",)
    column_filters = (EndpointFilter(), "status", "event_type", "endpoint.url")
    column_default_sort = ("created_at", True)
    column_formatters_detail = {"attempt_log": _attempt_log, "payload": _payload}

    @expose("/replay/", methods=["POST"])
    def replay(self) -> WerkzeugResponse:
        """Send one delivery again with the same webhook-id (from an endpoint's page)."""
        delivery_id = _uuid(request.form.get("id"))
        back = request.form.get("back", "")
        self._replay([delivery_id] if delivery_id else [])
        if back.startswith("/admin/") and not back.startswith("//"):
            return redirect(back)
        return redirect(url_for(".index_view"))

    @action("replay", _l("Replay"),
            _l("Send the selected deliveries again (same webhook-id)?"))
    def action_replay(self, ids: list[str]) -> None:
        self._replay([k for k in map(_uuid, ids) if k is not None])

    def _replay(self, keys: list[uuid.UUID]) -> None:
        queued = 0
        for key in keys:
            try:
                delivery = commit_with_retry(partial(replay_delivery, key, utcnow()))
            except DomainError as error:
                flash(error.message, "error")
                continue
            enqueue_delivery(delivery.id, delivery.attempts)
            queued += 1
        flash(ngettext("%(num)d delivery queued again.", "%(num)d deliveries queued again.",
                       queued), "success")


def add_admin_views(admin: Admin) -> None:
    """Add the webhook views to the admin (called by ``init_admin``)."""
    admin.add_view(WebhookEndpointView(WebhookEndpoint, db, name="Webhooks",
                                       endpoint="webhooks", category="Webhooks"))
    admin.add_view(WebhookDeliveryView(WebhookDelivery, db, name="Deliveries",
                                       endpoint="webhook_deliveries", category="Webhooks"))
