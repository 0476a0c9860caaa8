"""The "Sponsor a challenge" pages: the form, and the thank-you page it redirects to."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from ..clock import utcnow
from ..errors import ValidationFailed
from ..ratelimits import rules as ratelimits
from ..transactions import commit_with_retry
from ..web import attach_errors
from .forms import SponsorInquiryForm
from .service import submit_inquiry, validate_inquiry

bp = Blueprint("inquiries", __name__)


@bp.route("/sponsor-a-challenge", methods=["GET", "POST"])
@ratelimits.sponsor_inquiry_per_ip
def new() -> ResponseReturnValue:
    """The form. Every problem shows at its field at once; a stored inquiry redirects to the
    thank-you page (a reload there sends nothing twice)."""
    form = SponsorInquiryForm()
    if form.is_submitted():
        form.validate()  # the fields' own checks (control characters)
        data = form.to_input()
        # One message per field: the field's own check says it first.
        attach_errors(form, {name: message for name, message in validate_inquiry(data).items()
                             if not form[name].errors})
        if not form.errors:
            try:
                commit_with_retry(lambda: submit_inquiry(data, utcnow()))
            except ValidationFailed as exc:
                attach_errors(form, exc.errors)
            else:
                return redirect(url_for(".thanks"), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("inquiries/new.html", form=form), status


@bp.get("/sponsor-a-challenge/thanks")
def thanks() -> ResponseReturnValue:
    return render_template("inquiries/thanks.html")
