"""Pages of the account emails: confirm an address, forgot and reset a password, change the
address. Views parse, call one service in ``commit_with_retry`` and render."""

from __future__ import annotations

import logging

import redis
from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from ..auth.nexturl import safe_next
from ..errors import EmailTaken, ValidationFailed
from ..extensions import db, get_queue, limiter
from ..forms import EmptyForm
from ..services import accounts
from ..transactions import commit_with_retry
from ..web import attach_errors, htmx_vary, is_htmx
from . import service, tokens
from .forms import EmailChangeForm, ForgotPasswordForm, ResetPasswordForm
from .jobs import RESET_JOB, queue_reweigh
from .service import LinkRefused

log = logging.getLogger(__name__)
bp = Blueprint("account_email", __name__)


def _secret_key() -> str:
    return str(current_app.config["SECRET_KEY"])


def _reset_limit() -> str:
    return str(current_app.config["PASSWORD_RESET_RATE_LIMIT"])


def _resend_limit() -> str:
    return str(current_app.config["VERIFY_RESEND_RATE_LIMIT"])


def _change_limit() -> str:
    return str(current_app.config["EMAIL_CHANGE_RATE_LIMIT"])


def _refused(message: str, status: int, again_url: str, again_label: str) -> ResponseReturnValue:
    """A link that cannot be used: say why and where to get a new one (never a 500)."""
    return render_template("account_email/link_refused.html", message=message,
                           again_url=again_url, again_label=again_label), status


# --- verification --------------------------------------------------------------------------


@bp.get("/account/verify/<token>")
def verify(token: str) -> ResponseReturnValue:
    """The link of the verification email: works signed in or not, and twice; its first use
    signs a signed-out member in."""
    try:
        outcome = commit_with_retry(lambda: service.verify_email(token, secret_key=_secret_key()))
    except LinkRefused as refusal:
        if current_user.is_authenticated and not current_user.is_verified:
            return _refused(refusal.message, 400, url_for(".change_email"),
                            _("Send a new confirmation link"))
        return _refused(refusal.message, 400, url_for("auth.login"),
                        _("Log in to ask for a new link"))
    if outcome.newly_verified:
        queue_reweigh(outcome.user.id)
        if not current_user.is_authenticated:
            # Registering signs nobody in (that would tell a new address from a taken one);
            # the first use of the link finishes signing up. Later uses only confirm, so an
            # old link found in a mailbox is no way into the account.
            session.clear()  # a fresh session, as on login
            login_user(outcome.user)
    return render_template("account_email/verified.html", user=outcome.user,
                           already=outcome.already)


@bp.post("/account/verify/resend")
@login_required
@limiter.limit(_resend_limit)
def resend_verification() -> ResponseReturnValue:
    """The banner's "Resend" button: a fresh link to the member's address."""
    form = EmptyForm()
    sent = False
    if form.validate_on_submit():
        sent = commit_with_retry(
            lambda: service.send_verification(current_user, secret_key=_secret_key()))
    if is_htmx():
        return htmx_vary(current_app.make_response(
            render_template("account_email/_verify_banner.html", sent=sent)))
    if sent:
        flash(_("We sent a new confirmation link to %(email)s.", email=current_user.email),
              "success")
    return htmx_vary(redirect(safe_next(request.form.get("next"), url_for("pages.home"))))


# --- forgotten password --------------------------------------------------------------------


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def forgot_password() -> ResponseReturnValue:
    """Ask for a reset link. The answer is the same page whether or not an account uses the
    address, and takes the same time: this view only queues a job, which looks it up."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        email = accounts.normalize_email(form.email.data or "")
        if problem := accounts.email_problem(email):  # the format only, never the accounts
            attach_errors(form, {"email": problem})
        else:
            _queue_reset(email)
            return render_template("account_email/forgot_sent.html")
    status = 422 if form.is_submitted() else 200
    return render_template("account_email/forgot.html", form=form), status


def _queue_reset(email: str) -> None:
    # The nonce is chosen here so that a job retried by RQ queues the same email (outbox key).
    try:
        get_queue().enqueue(RESET_JOB, email, tokens.new_nonce(), result_ttl=0,
                            failure_ttl=24 * 3600)
    except redis.RedisError as error:
        # The answer must not change: the member asks again once Redis is back.
        log.warning("password reset: could not queue the job (%s)", error)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> ResponseReturnValue:
    """The link of the reset email: a form for the new password. Setting it ends every
    session of the account and logs this browser in."""
    try:
        service.password_reset_user(token, secret_key=_secret_key())
    except LinkRefused as refusal:
        db.session.rollback()
        return _refused(refusal.message, 400, url_for(".forgot_password"),
                        _("Ask for a new link"))
    db.session.rollback()  # only a check: release the row until the form is sent
    form = ResetPasswordForm()
    if form.validate_on_submit():
        password = form.password.data or ""
        try:
            outcome = commit_with_retry(
                lambda: service.reset_password(token, password, secret_key=_secret_key()))
        except LinkRefused as refusal:  # used by another tab meanwhile
            return _refused(refusal.message, 400, url_for(".forgot_password"),
                            _("Ask for a new link"))
        except ValidationFailed as exc:
            attach_errors(form, exc.errors)
        else:
            if outcome.newly_verified:
                queue_reweigh(outcome.user.id)
            session.clear()  # a fresh session, as on login
            login_user(outcome.user)
            flash(_("Your password is changed and you are logged in. Every other device was "
                    "signed out."), "success")
            return redirect(url_for("pages.home"))
    status = 422 if form.is_submitted() else 200
    return render_template("account_email/reset.html", form=form, token=token), status


# --- changing the address ------------------------------------------------------------------


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
@limiter.limit(_change_limit, methods=["POST"])
def change_email() -> ResponseReturnValue:
    """Ask to change the account's address (current password required); also where an
    unverified member can have the confirmation link sent again."""
    form = EmailChangeForm()
    if form.validate_on_submit():
        email, password = form.email.data or "", form.password.data or ""
        try:
            new = commit_with_retry(lambda: service.request_email_change(
                current_user, password, email, secret_key=_secret_key()))
        except ValidationFailed as exc:
            attach_errors(form, exc.errors)
        else:
            flash(_("Almost done: follow the link we sent to %(email)s to confirm it. Your "
                    "address stays the same until then.", email=new), "success")
            return redirect(url_for(".change_email"))
    status = 422 if form.is_submitted() else 200
    return render_template("account_email/change_email.html", form=form,
                           resend_form=EmptyForm()), status


@bp.get("/account/email/confirm/<token>")
def confirm_email_change(token: str) -> ResponseReturnValue:
    """The link sent to the new address: the change happens here."""
    again = url_for(".change_email")
    try:
        outcome = commit_with_retry(
            lambda: service.confirm_email_change(token, secret_key=_secret_key()))
    except LinkRefused as refusal:
        return _refused(refusal.message, 400, again, _("Change your email"))
    except EmailTaken as taken:
        return _refused(taken.message, 409, again, _("Choose another address"))
    if outcome.newly_verified:
        queue_reweigh(outcome.user.id)
    return render_template("account_email/email_changed.html", user=outcome.user,
                           already=outcome.already)
