"""/sponsor/webhooks: a sponsor's users manage the endpoints of their own challenges (the same
service functions as the admin). Only the sponsor's own endpoints are ever found; anyone
else's is a 404."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..clock import utcnow
from ..errors import DomainError, Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..forms import EmptyForm
from ..transactions import commit_with_retry
from ..web import attach_errors
from .forms import EndpointForm
from .jobs import enqueue_delivery
from .models import WebhookEndpoint
from .service import (
    MAX_ENDPOINTS_PER_SPONSOR,
    apply_endpoint,
    create_endpoint,
    disable_endpoint,
    enable_endpoint,
    recent_deliveries,
    replay_delivery,
    rotate_secret,
    sponsor_endpoint,
    sponsor_endpoints,
    sponsor_of,
)

# "webhooks" is the admin's endpoint for its webhook view.
bp = Blueprint("sponsor_webhooks", __name__, url_prefix="/sponsor/webhooks")


def _sponsor_id() -> uuid.UUID:
    try:
        return sponsor_of(current_user)
    except Forbidden:
        abort(403)


def _endpoint_or_404(endpoint_id: uuid.UUID) -> WebhookEndpoint:
    try:
        return sponsor_endpoint(_sponsor_id(), endpoint_id)
    except NotFound:
        abort(404)


@bp.route("/", methods=["GET", "POST"])
@login_required
def index() -> ResponseReturnValue:
    """The sponsor's endpoints, and the form that adds one."""
    sponsor_id = _sponsor_id()
    form = EndpointForm()
    if form.validate_on_submit():
        data = form.to_input()
        try:
            endpoint = commit_with_retry(
                lambda: create_endpoint(current_user, data, sponsor_id=sponsor_id)
            )
        except ValidationFailed as error:
            attach_errors(form, error.errors)
        except DomainError as error:
            form.form_errors.append(error.message)
        else:
            flash(_("Endpoint added. Copy its signing secret below."), "success")
            return redirect(url_for(".endpoint", endpoint_id=endpoint.id))
    status = 422 if form.is_submitted() else 200
    return render_template("webhooks/index.html", form=form,
                           endpoints=sponsor_endpoints(sponsor_id),
                           max_endpoints=MAX_ENDPOINTS_PER_SPONSOR), status


@bp.route("/<uuid:endpoint_id>", methods=["GET", "POST"])
@login_required
def endpoint(endpoint_id: uuid.UUID) -> ResponseReturnValue:
    """One endpoint: its secret, its settings (editable) and its delivery log."""
    found = _endpoint_or_404(endpoint_id)
    form = EndpointForm(obj=found, data={"events": found.events})
    if form.validate_on_submit():
        data = form.to_input()
        try:
            commit_with_retry(lambda: apply_endpoint(_endpoint_or_404(endpoint_id), data))
        except ValidationFailed as error:
            db.session.rollback()
            attach_errors(form, error.errors)
        else:
            flash(_("Endpoint saved."), "success")
            return redirect(url_for(".endpoint", endpoint_id=endpoint_id))
    status = 422 if form.is_submitted() else 200
    return render_template("webhooks/endpoint.html", endpoint=found, form=form,
                           deliveries=recent_deliveries(found.id), button=EmptyForm()), status


def _button_posted() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


def _endpoint_action(endpoint_id: uuid.UUID, work: Callable[[], object],
                     done: str) -> ResponseReturnValue:
    """One button on an endpoint's page: the sponsor's own endpoint (404 otherwise), a valid
    CSRF token (400 otherwise), the service call committed, then back to the page."""
    _endpoint_or_404(endpoint_id)
    _button_posted()
    commit_with_retry(work)
    flash(done, "success")
    return redirect(url_for(".endpoint", endpoint_id=endpoint_id))


@bp.post("/<uuid:endpoint_id>/rotate")
@login_required
def rotate(endpoint_id: uuid.UUID) -> ResponseReturnValue:
    return _endpoint_action(endpoint_id, lambda: rotate_secret(_endpoint_or_404(endpoint_id)),
                            _("New signing secret created; the old one no longer verifies."))


@bp.post("/<uuid:endpoint_id>/enable")
@login_required
def enable(endpoint_id: uuid.UUID) -> ResponseReturnValue:
    return _endpoint_action(endpoint_id, lambda: enable_endpoint(_endpoint_or_404(endpoint_id)),
                            _("Endpoint enabled."))


@bp.post("/<uuid:endpoint_id>/disable")
@login_required
def disable(endpoint_id: uuid.UUID) -> ResponseReturnValue:
    reason = f"Disabled by @{current_user.username}."
    return _endpoint_action(endpoint_id,
                            lambda: disable_endpoint(endpoint_id, reason, utcnow()),
                            _("Endpoint disabled."))


@bp.post("/<uuid:endpoint_id>/delete")
@login_required
def delete(endpoint_id: uuid.UUID) -> ResponseReturnValue:
    _endpoint_or_404(endpoint_id)
    _button_posted()

    def work() -> None:
        db.session.delete(_endpoint_or_404(endpoint_id))

    commit_with_retry(work)
    flash(_("Endpoint deleted."), "success")
    return redirect(url_for(".index"))


@bp.post("/<uuid:endpoint_id>/deliveries/<uuid:delivery_id>/replay")
@login_required
def replay(endpoint_id: uuid.UUID, delivery_id: uuid.UUID) -> ResponseReturnValue:
    """Send a delivery of this endpoint again, with the same webhook-id."""
    found = _endpoint_or_404(endpoint_id)
    _button_posted()
    try:
        delivery = commit_with_retry(
            lambda: replay_delivery(delivery_id, utcnow(), endpoint_id=found.id)
        )
    except NotFound:
        abort(404)
    except DomainError as error:
        flash(error.message, "error")
    else:
        enqueue_delivery(delivery.id, delivery.attempts)
        flash(_("Delivery queued again."), "success")
    return redirect(url_for(".endpoint", endpoint_id=endpoint_id))
