"""``/account/notifications`` (a member chooses which emails they get) and the one-click
unsubscribe link every notification email carries."""

from __future__ import annotations

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import BooleanField

from ..clock import utcnow
from ..extensions import csrf, db
from ..forms import AppForm
from ..models import User
from ..transactions import commit_with_retry
from . import preferences
from .kinds import KINDS, NotificationKind, kind_info
from .unsubscribe import BadUnsubscribeLink, check_site_url, read_unsubscribe_link

# Not "notifications": the in-app bell has its own blueprint in this package.
bp = Blueprint("notification_prefs", __name__)


class PreferencesForm(AppForm):
    """One checkbox per kind (its field name is the kind's value), built from ``KINDS``."""

    @classmethod
    def for_kinds(cls) -> type[PreferencesForm]:
        fields = {kind.value: BooleanField(info.label, description=info.description)
                  for kind, info in KINDS.items()}
        return type("KindPreferencesForm", (cls,), fields)

    def kind_fields(self) -> list[BooleanField]:
        return [self[kind.value] for kind in KINDS]

    def choices(self) -> dict[NotificationKind, bool]:
        return {kind: bool(self[kind.value].data) for kind in KINDS}


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def preferences_page() -> ResponseReturnValue:
    """Every kind with a checkbox; unticked means "don't send me this". Works without
    JavaScript: a plain form that posts and redirects."""
    form_class = PreferencesForm.for_kinds()
    user_id = current_user.id
    if request.method == "POST":
        form = form_class()
        if form.validate_on_submit():
            commit_with_retry(
                lambda: preferences.set_preferences(user_id, form.choices(), utcnow()))
            flash(_("Your email preferences are saved."), "success")
            return redirect(url_for("notification_prefs.preferences_page"))
        return render_template("notifications/preferences.html", form=form), 422
    current = preferences.preferences_of(user_id)
    db.session.rollback()  # a read: end the transaction before rendering
    form = form_class(data={kind.value: on for kind, on in current.items()})
    return render_template("notifications/preferences.html", form=form)


@bp.route("/notifications/unsubscribe/<kind>/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: mail providers POST this link without a session or a CSRF token
def unsubscribe(kind: str, token: str) -> ResponseReturnValue:
    """GET asks for confirmation (a link scanner must not unsubscribe anyone); POST, from the
    confirmation page or a mail provider's one-click button, turns that kind off for that
    member. Unsubscribing twice is fine."""
    try:
        link = read_unsubscribe_link(kind, token)
    except BadUnsubscribeLink as exc:
        return render_template("notifications/unsubscribe_invalid.html", reason=str(exc)), 400
    if db.session.get(User, link.user_id) is None:
        return render_template("notifications/unsubscribe_invalid.html",
                               reason=_("The account this link was sent to no longer exists.")), 400
    info = kind_info(link.kind)
    if request.method == "POST":
        commit_with_retry(lambda: preferences.turn_off(link.user_id, link.kind, utcnow()))
        return render_template("notifications/unsubscribed.html", info=info)
    db.session.rollback()
    return render_template("notifications/unsubscribe_confirm.html", info=info,
                           action=url_for("notification_prefs.unsubscribe", kind=kind,
                                                          token=token))


def init_app(app: Flask) -> None:
    """Register the pages; warn about a production SITE_URL that is not https."""
    check_site_url(app.config.get("SITE_URL", ""), app.config.get("ENV_NAME") == "production")
    app.register_blueprint(bp)
