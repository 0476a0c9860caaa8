"""The admin's model views. Rules stay in the services; these views only call them."""

from __future__ import annotations

from typing import Any

from flask import current_app, g
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import Boolean, Integer
from sqlalchemy import inspect as sa_inspect
from wtforms.fields import FloatField
from wtforms.validators import Optional

from .. import events
from ..clock import utcnow
from ..errors import ValidationFailed
from ..extensions import db
from ..leaderboard.updates import refresh_meta
from ..models import ChallengeSponsor, Project, User, WeeklyChallenge
from ..models.challenge import PUBLISHED_STATUSES
from ..services.accounts import set_role
from ..services.challenges import prepare_challenge
from ..services.sponsors import refresh_sponsor_stats
from ..services.urls import url_problem
from ..services.votes import note_flag, reweigh_votes
from ..transactions import commit_with_retry
from .labels import JUDGING_CHOICES, ROLE_CHOICES, STATUS_CHOICES, THEME_CHOICES
from .security import ReadOnlyModelView, SecureModelView


def _check_urls(model: Any, *fields: str) -> None:
    """Refuse a link no member should be sent to, naming each field it is in."""
    problems = {}
    for name in fields:
        value = getattr(model, name, "") or ""
        if value and (problem := url_problem(value)):
            problems[name] = problem
    if problems:
        raise ValidationFailed(problems)


def _was_published(model: WeeklyChallenge) -> bool:
    """Whether the challenge was public before this edit (its status as loaded)."""
    history = sa_inspect(model).attrs.status.history
    before = history.deleted[0] if history.deleted else model.status
    return before in PUBLISHED_STATUSES


class ChallengeView(SecureModelView):
    column_list = ("title", "slug", "status", "starts_at", "submission_deadline",
                   "voting_deadline", "sponsor", "submission_count", "participant_count")
    column_searchable_list = ("title", "slug")
    column_filters = ("status", "is_featured", "year", "week_number")
    column_default_sort = ("starts_at", True)
    form_columns = (
        "title", "slug", "description", "prompt", "status",
        "starts_at", "submission_deadline", "voting_deadline", "ends_at",
        "week_number", "year", "is_featured", "max_submissions_per_user", "allow_voting",
        "require_project_link", "hero_image_url", "theme_color", "sponsor", "prizes",
        "points_config", "freeze_hours", "judging_mode", "community_share", "rubric",
    )
    # Week and year may be left empty (derived from the start), so integers are not required.
    form_optional_types = (Boolean, Integer)
    # Flask-Admin's converter leaves Float columns out of the form: the blend's share is a number.
    form_overrides = {"community_share": FloatField}
    form_choices = {"status": STATUS_CHOICES, "theme_color": THEME_CHOICES,
                    "judging_mode": JUDGING_CHOICES}
    form_args = {
        "starts_at": {"description": _l("In UTC. The challenge opens for entries.")},
        "submission_deadline": {"description": _l("In UTC. Entries close here; voting opens.")},
        "voting_deadline": {"description": _l("In UTC. Voting closes; results are computed.")},
        "ends_at": {"description": _l("In UTC. When results are final and published.")},
        "week_number": {"description": _l("Leave empty to derive the ISO week from the start."),
                        "validators": [Optional()]},
        "year": {"description": _l("Leave empty to derive from the start."),
                 "validators": [Optional()]},
        "prizes": {"description": _l('For example {"1st": {"type": "cash", "amount": 100, '
                                     '"currency": "USD"}, "participation": {"type": "tokens", '
                                     '"amount": 10000}}')},
        "sponsor": {"blank_text": _l("No sponsor")},
        "freeze_hours": {"description": _l("Optional. For this many last hours of voting the "
                                           "public board shows its state at the freeze; votes "
                                           "keep counting. Empty: no freeze."),
                         "validators": [Optional()]},
        "community_share": {"description": _l("Blend only: the votes' share of the final "
                                               "score, 0 to 1 (0.7: 70 % votes, 30 % judges)."),
                            "validators": [Optional()]},
        "rubric": {"description": _l('Judged challenges: 1 to 3 criteria whose weights add up '
                                     'to 1, for example [{"name": "Originality", "weight": '
                                     '0.6}, {"name": "Craft", "weight": 0.4}]. Judges score '
                                     'each from 1 to 10. Assign judges under Judges.')},
        "status": {"description": _l("Draft hides the challenge. Once published, the schedule "
                                     "decides the phase; the phase job keeps this column in "
                                     "step.")},
    }

    def on_model_change(self, form: FlaskForm, model: WeeklyChallenge, is_created: bool) -> None:
        prepare_challenge(model)  # a ValidationFailed is shown at its fields (SecureModelView)
        # The form sets the ``sponsor`` relationship; ``sponsor_id`` follows only at the flush.
        previous = [model.sponsor_id, *sa_inspect(model).attrs.sponsor_id.history.deleted]
        was_hidden = is_created or not _was_published(model)
        db.session.flush()
        refresh_sponsor_stats([model.sponsor_id, *previous])
        if was_hidden and model.is_published:
            events.publish(events.ChallengePublished(model.id))

    def after_model_change(self, form: FlaskForm, model: WeeklyChallenge, is_created: bool) -> None:
        # Committed: polls read the slug, visibility and deadline from Redis (no SQL).
        refresh_meta(model)

    def after_model_delete(self, model: WeeklyChallenge) -> None:
        # Flask-Admin has already committed the delete; the recount is a transaction of its own.
        sponsor_id = model.sponsor_id
        commit_with_retry(lambda: refresh_sponsor_stats([sponsor_id]))
        refresh_meta(model, deleted=True)


class SponsorView(SecureModelView):
    column_list = ("name", "slug", "is_active", "is_verified", "total_challenges_sponsored",
                   "total_prize_value")
    column_searchable_list = ("name", "slug")
    form_excluded_columns = ("challenges", "users", "created_at", "total_challenges_sponsored",
                             "total_prize_value")

    def on_model_change(self, form: FlaskForm, model: ChallengeSponsor, is_created: bool) -> None:
        _check_urls(model, "logo_url", "website_url")


class UserView(SecureModelView):
    can_create = False  # accounts come from registration or `flask users create`
    can_delete = False
    column_list = ("username", "email", "role", "is_verified", "is_flagged", "sponsor",
                   "points_balance", "tokens_balance", "created_at", "last_seen_at")
    column_searchable_list = ("username", "email")
    column_filters = ("role", "is_verified", "is_flagged")
    column_details_exclude_list = ("password_hash", "session_token")
    # Trust (issue 13): flagging a member for review makes their votes count 0.
    form_columns = ("role", "is_verified", "sponsor", "is_flagged", "flagged_reason")
    column_labels = {**SecureModelView.column_labels, "is_flagged": _l("Flagged for review"),
                     "flagged_reason": _l("Why flagged"), "flagged_at": _l("Flagged (UTC)")}
    form_args = {"sponsor": {"blank_text": _l("No sponsor")}}
    form_choices = {"role": ROLE_CHOICES}

    def on_model_change(self, form: FlaskForm, model: User, is_created: bool) -> None:
        # The form has set the column; set_role adds what a role change needs after the
        # commit (the poll's copy of the session).
        state: Any = sa_inspect(model).attrs
        if state.role.history.has_changes():
            set_role(model, model.role)
        if state.is_flagged.history.has_changes():
            note_flag(model, current_user, utcnow())
        if state.is_flagged.history.has_changes() or state.is_verified.history.has_changes():
            g.wc_reweigh_user = model.id

    def after_model_change(self, form: FlaskForm, model: User, is_created: bool) -> None:
        # After the commit that flagged (the user row's lock comes last in the lock order):
        # the member's votes where voting is open take their new weight; the boards follow.
        if g.pop("wc_reweigh_user", None) == model.id:
            config = current_app.config
            commit_with_retry(lambda: reweigh_votes(
                db.session.get(User, model.id) or model, utcnow(),
                verified_weight=config["VERIFIED_VOTE_WEIGHT"],
                unverified_weight=config["UNVERIFIED_VOTE_WEIGHT"]))


class ProjectView(SecureModelView):
    column_list = ("title", "owner", "url", "created_at")
    column_searchable_list = ("title",)
    form_columns = ("owner", "title", "url", "image_url", "description")

    def on_model_change(self, form: FlaskForm, model: Project, is_created: bool) -> None:
        _check_urls(model, "url", "image_url")


class VoteView(ReadOnlyModelView):
    column_list = ("submission", "voter", "weight", "created_at")
    column_default_sort = ("created_at", True)


class LedgerView(ReadOnlyModelView):
    column_list = ("created_at", "user", "currency", "amount", "reason", "idempotency_key")
    column_filters = ("currency", "reason")
    column_default_sort = ("id", True)
