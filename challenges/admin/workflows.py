"""Admin views with workflows beyond CRUD: payouts (approve / pay / fail, CSV export, the flag a
re-ranking raises on a paid payout) and submissions (feature, disqualify, reinstate, with their
audit trail). They call the same services as everything else (the CLI too)."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Any

from flask import Response, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response as WerkzeugResponse

from ..clock import utcnow
from ..errors import DomainError
from ..services.entries import (
    disqualify_entry,
    moderation_history,
    reinstate_entry,
    set_featured,
)
from ..services.payouts import (
    allowed_actions,
    exportable_challenges,
    move_payout,
    payouts_csv,
    resolve_review,
)
from ..transactions import commit_with_retry
from .security import ReadOnlyModelView


def _uuid(raw: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw or "")
    except ValueError:
        return None


class PayoutView(ReadOnlyModelView):
    """Payouts are created by finalization; editors move them along and export them."""

    column_list = ("challenge", "place", "user", "amount", "currency", "status", "needs_review",
                   "reference", "approved_by", "approved_at", "paid_by", "paid_at", "created_at")
    column_filters = ("status", "needs_review", "challenge.slug")
    column_default_sort = ("created_at", True)
    details_template = "admin/payouts/details.html"
    list_template = "admin/payouts/list.html"

    def render(self, template: str, **kwargs: Any) -> str:
        kwargs["allowed_actions"] = allowed_actions
        kwargs["challenges"] = exportable_challenges()
        return super().render(template, **kwargs)

    @expose("/move/", methods=["POST"])
    def move(self) -> WerkzeugResponse:
        payout_id = _uuid(request.form.get("id"))
        back = url_for(".details_view", id=str(payout_id)) if payout_id else url_for(".index_view")
        if payout_id is None:
            flash(_("No such payout."), "error")
            return redirect(url_for(".index_view"))
        try:
            commit_with_retry(lambda: move_payout(
                payout_id, request.form.get("action", ""), current_user, utcnow(),
                reference=request.form.get("reference", ""),
                reason=request.form.get("reason", "")))
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("Payout updated."), "success")
        return redirect(back)

    @expose("/resolve/", methods=["POST"])
    def resolve(self) -> WerkzeugResponse:
        """Clear the review flag a re-ranking put on a paid payout, saying what was done."""
        payout_id = _uuid(request.form.get("id"))
        if payout_id is None:
            flash(_("No such payout."), "error")
            return redirect(url_for(".index_view"))
        try:
            commit_with_retry(lambda: resolve_review(payout_id, current_user,
                                                     request.form.get("note", ""), utcnow()))
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("Review resolved."), "success")
        return redirect(url_for(".details_view", id=str(payout_id)))

    @expose("/export.csv")
    def export_csv(self) -> WerkzeugResponse:
        challenge_id = _uuid(request.args.get("challenge"))
        if challenge_id is None:
            flash(_("Choose a challenge to export."), "error")
            return redirect(url_for(".index_view"))
        try:
            filename, text = payouts_csv(challenge_id)
        except DomainError as error:
            flash(error.message, "error")
            return redirect(url_for(".index_view"))
        return Response(text, mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="{filename}"'})


class SubmissionView(ReadOnlyModelView):
    """Entries as editors see them: feature (editor's pick), disqualify with a reason and
    reinstate; the details page lists every such decision (who, when, why, what it changed)."""

    column_list = ("title", "challenge", "user", "vote_count", "counted_votes", "final_rank",
                   "is_featured", "is_disqualified", "is_withdrawn", "submitted_at")
    column_searchable_list = ("title",)
    column_filters = ("is_featured", "is_disqualified", "is_withdrawn", "challenge.slug")
    column_default_sort = ("submitted_at", True)
    details_template = "admin/submissions/details.html"
    column_formatters = {
        "image_url": lambda v, c, m, n: Markup(
            '<a href="{0}" rel="noopener nofollow">{0}</a>').format(m.image_url)
        if m.image_url else "",
    }

    @action("feature", _l("Feature (editor's pick)"))
    def action_feature(self, ids: list[str]) -> None:
        self._feature(ids, True)

    @action("unfeature", _l("Remove editor's pick"))
    def action_unfeature(self, ids: list[str]) -> None:
        self._feature(ids, False)

    def _feature(self, ids: list[str], featured: bool) -> None:
        done = 0
        for raw in ids:
            entry_id = _uuid(raw)
            if entry_id is None:
                continue
            try:
                commit_with_retry(partial(set_featured, entry_id, current_user, featured,
                                          utcnow()))
                done += 1
            except DomainError as error:
                flash(error.message, "error")
        flash(ngettext("%(num)d entry updated.", "%(num)d entries updated.", done), "success")

    def render(self, template: str, **kwargs: Any) -> str:
        if template == self.details_template and kwargs.get("model") is not None:
            kwargs["history"] = moderation_history(kwargs["model"].id)
        return super().render(template, **kwargs)

    @expose("/disqualify/", methods=["POST"])
    def disqualify(self) -> WerkzeugResponse:
        return self._moderate(
            lambda entry_id: disqualify_entry(entry_id, current_user,
                                              request.form.get("reason", ""), utcnow()),
            _("Entry disqualified. It left every ranking; its votes no longer count (after "
              "results: re-ranked, points and payouts compensated)."))

    @expose("/reinstate/", methods=["POST"])
    def reinstate(self) -> WerkzeugResponse:
        return self._moderate(
            lambda entry_id: reinstate_entry(entry_id, current_user, utcnow(),
                                             request.form.get("reason", "")),
            _("Entry reinstated. Its votes count again (after results: re-ranked, points and "
              "payouts compensated)."))

    def _moderate(self, work: Any, done: str) -> WerkzeugResponse:
        entry_id = _uuid(request.form.get("id"))
        if entry_id is None:
            flash(_("No such entry."), "error")
            return redirect(url_for(".index_view"))
        try:
            commit_with_retry(lambda: work(entry_id))
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(done, "success")
        return redirect(url_for(".details_view", id=str(entry_id)))
