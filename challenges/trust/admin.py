"""The admin's vote-ring review (editors): every flag with its evidence; void or restore its
votes in bulk. The rules stay in ``rings`` (and the core's ``votes.set_votes_voided``)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask_admin import Admin, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from ..admin.security import ReadOnlyModelView
from ..clock import utcnow
from ..converters import INTEGER_MAX
from ..errors import DomainError
from ..extensions import db
from ..models import VoteRingFlag
from ..transactions import commit_with_retry
from .rings import evidence, restore_flag, void_flag

STATUS_LABELS = {"open": _l("To review"), "voided": _l("Voided"), "restored": _l("Restored")}


def _status(view: Any, context: Any, model: VoteRingFlag, name: str) -> str:
    return str(STATUS_LABELS.get(model.status, model.status))


class VoteRingFlagView(ReadOnlyModelView):
    """Flags the detection job raised, newest first; the details page shows the evidence and
    the void / restore forms."""

    column_list = ("detected_at", "challenge", "target", "network_prefix", "accounts", "status",
                   "window_start", "window_end", "decided_by", "decided_at")
    column_labels = {
        **ReadOnlyModelView.column_labels,
        "detected_at": _l("Detected"),
        "target": _l("Votes for"),
        "network_prefix": _l("Network (hash prefix)"),
        "accounts": _l("New accounts"),
        "window_start": _l("Hour from"),
        "window_end": _l("Hour to"),
        "decided_by": _l("Decided by"),
        "decided_at": _l("Decided"),
        "status": _l("Status"),
        "note": _l("Note"),
    }
    column_filters = ("status", "challenge.slug")
    column_formatters = {"status": _status}
    column_formatters_detail = {"status": _status}
    column_default_sort = ("detected_at", True)
    column_details_list = ("challenge", "target", "network_prefix", "accounts", "status",
                           "window_start", "window_end", "detected_at", "updated_at",
                           "decided_by", "decided_at", "note")
    details_template = "trust/admin_flag_details.html"

    def render(self, template: str, **kwargs: Any) -> str:
        if template == self.details_template and kwargs.get("model") is not None:
            kwargs["evidence"] = evidence(kwargs["model"].id)
        return super().render(template, **kwargs)

    @expose("/void/", methods=["POST"])
    def void(self) -> WerkzeugResponse:
        return self._decide(void_flag, voided=True)

    @expose("/restore/", methods=["POST"])
    def restore(self) -> WerkzeugResponse:
        return self._decide(restore_flag, voided=False)

    def _decide(self, work: Any, *, voided: bool) -> WerkzeugResponse:
        try:
            flag_id = int(request.form.get("id", ""))
        except ValueError:
            flag_id = 0
        if not 1 <= flag_id <= INTEGER_MAX:  # beyond any id: no query the database would refuse
            flash(_("No such vote-ring flag."), "error")
            return redirect(url_for(".index_view"))
        note = request.form.get("note", "")
        try:
            changed = commit_with_retry(lambda: work(flag_id, current_user, utcnow(), note))
        except DomainError as error:
            flash(error.message, "error")
        else:
            if voided:
                flash(ngettext("%(num)d vote voided: it counts 0 and the boards follow.",
                               "%(num)d votes voided: they count 0 and the boards follow.",
                               changed), "success")
            else:
                flash(ngettext("%(num)d vote restored: it counts again.",
                               "%(num)d votes restored: they count again.", changed), "success")
        return redirect(url_for(".details_view", id=str(flag_id)))


def add_admin_views(admin: Admin) -> None:
    """Add the vote-ring review to the admin (called by ``init_admin``)."""
    admin.add_view(VoteRingFlagView(VoteRingFlag, db, name=_l("Vote rings"),
                                    endpoint="vote_rings"))
