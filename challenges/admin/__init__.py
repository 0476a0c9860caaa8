"""Flask-Admin for editors at /admin."""

from __future__ import annotations

from flask import Flask
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import (
    ChallengeSponsor,
    ChallengeSubmission,
    ChallengeVote,
    LedgerEntry,
    Payout,
    Project,
    SponsorInquiry,
    User,
    WeeklyChallenge,
)
from ..security import csp_nonce
from .inquiries import SponsorInquiryView
from .security import SecureIndexView
from .views import ChallengeView, LedgerView, ProjectView, SponsorView, UserView, VoteView
from .workflows import PayoutView, SubmissionView


def init_admin(app: Flask) -> Admin:
    admin = Admin(
        app,
        name="Weekly Challenges",
        index_view=SecureIndexView(name=_l("Dashboard"), url="/admin"),
        theme=Bootstrap4Theme(fluid=True, base_template="admin/site_base.html"),
        csp_nonce_generator=csp_nonce,
    )
    admin.add_view(ChallengeView(WeeklyChallenge, db, name=_l("Challenges"), endpoint="challenges"))
    admin.add_view(SponsorView(ChallengeSponsor, db, name=_l("Sponsors"), endpoint="sponsors"))
    admin.add_view(SubmissionView(ChallengeSubmission, db, name=_l("Submissions"),
                                  endpoint="submissions"))
    admin.add_view(VoteView(ChallengeVote, db, name=_l("Votes"), endpoint="votes"))
    admin.add_view(UserView(User, db, name=_l("Users"), endpoint="users"))
    admin.add_view(ProjectView(Project, db, name=_l("Projects"), endpoint="projects"))
    admin.add_view(LedgerView(LedgerEntry, db, name=_l("Ledger"), endpoint="ledger"))
    admin.add_view(PayoutView(Payout, db, name=_l("Payouts"), endpoint="payouts"))
    admin.add_view(SponsorInquiryView(SponsorInquiry, db, name=_l("Sponsor inquiries"),
                                      endpoint="sponsor_inquiries"))
    # Features add their views through this list (the core never imports a feature).
    for add_views in app.extensions.get("wc_admin_views", ()):
        add_views(admin)
    return admin
