"""The admin's "Judges" view: editors assign members to judge a challenge. Assigning a member
who already entered or voted there is allowed, with a warning (they cannot judge their own
entries; their votes stay)."""

from __future__ import annotations

from flask import flash
from flask_admin import Admin
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from ..admin.security import SecureModelView
from ..extensions import db
from ..models import ChallengeJudge
from .service import assignment_warnings


class JudgeView(SecureModelView):
    column_list = ("challenge", "user", "created_at")
    column_labels = {"challenge": _l("Challenge"), "user": _l("Judge"),
                     "created_at": _l("Assigned")}
    column_default_sort = ("created_at", True)
    form_columns = ("challenge", "user")
    form_args = {
        "user": {"label": _l("Judge"),
                 "description": _l("A judge scores every entry on the rubric and can neither "
                                   "vote in nor enter this challenge.")},
    }

    def on_model_change(self, form: FlaskForm, model: ChallengeJudge, is_created: bool) -> None:
        db.session.flush()
        for warning in assignment_warnings(model.challenge_id, model.user_id):
            flash(warning, "warning")


def add_admin_views(admin: Admin) -> None:
    """Add the judges view (``wc_admin_views``)."""
    admin.add_view(JudgeView(ChallengeJudge, db, name=_l("Judges"), endpoint="judges"))
