"""Register, log in, log out, change password."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask.wrappers import Response
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user, login_required, login_user, logout_user
from wtforms.widgets import PasswordInput

from ..clock import utcnow
from ..converters import INTEGER_MAX
from ..errors import Conflict, InvalidCredentials, NotFound, ValidationFailed
from ..forms import AppForm, EmptyForm
from ..i18n import remember_locale, session_locale
from ..i18n.forms import LanguageForm
from ..i18n.views import choose_language
from ..models import User
from ..ratelimits import rules as ratelimits
from ..services import accounts, api_tokens
from ..transactions import commit_with_retry
from ..web import attach_errors
from .forms import ChangePasswordForm, LoginForm, LogoutForm, RegisterForm, TokenForm
from .nexturl import safe_next

bp = Blueprint("auth", __name__)


@bp.route("/register", methods=["GET", "POST"])
@ratelimits.register_per_ip
def register() -> ResponseReturnValue:
    """Sign up. A new address and one that already has an account get the same page, status
    and words, and neither signs anyone in (that would tell them apart): the new account is
    created unverified, its owner follows the emailed link (which signs them in) or logs in
    with the password; the existing account's owner gets an email about the attempt.

    Every problem shows at once: the fields' checks and the account rules run in one pass."""
    if current_user.is_authenticated:
        return redirect(url_for("pages.home"))
    form = RegisterForm(next=request.args.get("next", ""))
    if form.is_submitted():
        username, email, password = (form.username.data or "", form.email.data or "",
                                     form.password.data or "")
        form.validate()
        problems = accounts.registration_problems(username, email, password)
        # One message per field: the field's own check (required, too long) says it first.
        attach_errors(form, {name: problem for name, problem in problems.items()
                             if not form[name].errors})
        if not form.errors:
            try:
                address = commit_with_retry(lambda: accounts.sign_up(username, email, password))
            except ValidationFailed as exc:
                attach_errors(form, exc.errors)
            except Conflict as exc:  # a username taken meanwhile: usernames are public
                attach_errors(form, {exc.details.get("errors_field", "username"): exc.message})
            else:
                return render_template("auth/register_sent.html", email=address,
                                       next=form.next.data or None)
    response = _keeping_valid_passwords(form, "auth/register.html")
    response.status_code = 422 if form.is_submitted() else 200
    return response


def _keeping_valid_passwords(form: AppForm, template: str) -> Response:
    """Render ``form`` sent back for other errors with its passwords filled in again when they
    were all valid (retyping two good passwords because the username was taken is the chore
    people hate); any password error clears them all, since we cannot tell which one is the
    typo. The page then holds a password, so no cache and no back-forward cache may keep it."""
    fields = [field for field in form if field.type == "PasswordField"]
    keep = form.is_submitted() and bool(form.errors) and not any(f.errors for f in fields)
    if keep:
        for field in fields:
            field.widget = PasswordInput(hide_value=False)
    response = make_response(render_template(template, form=form))
    if keep:
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/login", methods=["GET", "POST"])
@ratelimits.login_per_ip
@ratelimits.login_per_account
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next"), url_for("pages.home")))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = commit_with_retry(
                lambda: accounts.authenticate(form.login.data or "", form.password.data or ""))
        except InvalidCredentials as exc:
            form.password.errors = [*form.password.errors, exc.message]
        else:
            ratelimits.forget_login_failures()
            chosen = session_locale()
            session.clear()  # a fresh session on login: no fixation
            login_user(user, remember=form.remember.data)
            if user.locale is None:  # no saved language: keep the one chosen before logging in
                remember_locale(chosen)
            refresh()  # the member's saved language, from this message on
            flash(_("Welcome back, @%(username)s.", username=user.username), "success")
            return redirect(safe_next(form.next.data, url_for("pages.home")))
    status = 422 if form.is_submitted() else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["GET", "POST"])
def logout() -> ResponseReturnValue:
    """POST logs out everywhere (every copy of the session and remember cookie stops working).

    API tokens survive unless the member ticks "also revoke my API tokens": they belong to
    scripts, not to a browser (README, "API"). GET only asks for confirmation: a link or an
    image must never log anyone out.
    """
    form = LogoutForm()
    if request.method == "POST" and form.validate_on_submit():
        if current_user.is_authenticated:
            member, revoke = current_user._get_current_object(), form.revoke_tokens.data
            commit_with_retry(lambda: _end_sessions(member, revoke))
        chosen = session_locale()
        session.clear()
        logout_user()  # after clear(): it leaves the flag that deletes the remember cookie
        remember_locale(chosen)  # the same person still reads this browser in their language
        flash(_("You are logged out."), "info")
        return redirect(url_for("pages.home"))
    if not current_user.is_authenticated:
        return redirect(url_for("pages.home"))
    return render_template("auth/logout.html", form=form)


def _end_sessions(member: User, revoke_tokens: bool) -> None:
    accounts.rotate_session_token(member)
    if revoke_tokens:
        api_tokens.revoke_all_tokens(member.id, utcnow())


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account() -> ResponseReturnValue:
    """The account page: the address, the language, and the way to every other account page."""
    form = LanguageForm(locale=current_user.locale or "")
    if form.validate_on_submit():
        choose_language(form.chosen())
        flash(_("Language saved."), "success")
        return redirect(url_for("auth.account"))
    status = 422 if form.errors else 200
    return render_template("auth/account.html", form=form), status


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> ResponseReturnValue:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            commit_with_retry(lambda: accounts.change_password(
                current_user, form.current_password.data or "", form.new_password.data or ""))
        except ValidationFailed as exc:
            attach_errors(form, exc.errors)
        else:
            # The old session token is gone; sign this browser back in with the new one, and
            # re-issue its remember cookie if it had one (the old cookie now loads nobody).
            remember_cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
            session.clear()
            login_user(
                current_user._get_current_object(), remember=remember_cookie in request.cookies
            )
            flash(_("Password changed. You were signed out on every other device, and your "
                    "API tokens were revoked."), "success")
            return redirect(url_for("pages.home"))
    status = 422 if form.is_submitted() else 200
    return render_template("auth/change_password.html", form=form), status


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def tokens() -> ResponseReturnValue:
    """Personal API tokens: create (the token is shown once), list with their state, revoke."""
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        name, days = form.name.data or "", int(form.expires_in_days.data)
        try:
            _, new_token = commit_with_retry(
                lambda: api_tokens.create_token(current_user, name, utcnow(), days))
        except ValidationFailed as exc:
            attach_errors(form, exc.errors)
        else:
            form = TokenForm(formdata=None)
    status = 422 if form.errors else 200
    return render_template(
        "auth/tokens.html",
        form=form,
        new_token=new_token,
        tokens=api_tokens.tokens_of(current_user),
        now=utcnow(),
        is_live=api_tokens.is_live,  # the rule the API authenticates by, not a template copy
        revoke_form=EmptyForm(),
    ), status


# api_tokens.id is an INTEGER (32 bits on PostgreSQL): a larger id is no token (404).
@bp.post(f"/account/tokens/<int(max={INTEGER_MAX}):token_id>/revoke")
@login_required
def revoke_token(token_id: int) -> ResponseReturnValue:
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            commit_with_retry(lambda: api_tokens.revoke_token(current_user, token_id, utcnow()))
        except NotFound:
            abort(404)
        flash(_("Token revoked. Anything using it is now refused."), "info")
    return redirect(url_for("auth.tokens"))
