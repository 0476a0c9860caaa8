"""Flask-Admin for editors at /admin."""

from __future__ import annotations

from flask import Flask
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme

from ..extensions import db
from ..models import (
    ChallengeSponsor,
    ChallengeSubmission,
    ChallengeVote,
    LedgerEntry,
    Payout,
    Project,
    User,
    WeeklyChallenge,
)
from ..security import csp_nonce
from .security import SecureIndexView
from .views import ChallengeView, LedgerView, ProjectView, SponsorView, UserView, VoteView
from .workflows import PayoutView, SubmissionView


def init_admin(app: Flask) -> Admin:
    admin = Admin(
        app,
        name="Weekly Challenges",
        index_view=SecureIndexView(name="Dashboard", url="/admin"),
        theme=Bootstrap4Theme(fluid=True),
        csp_nonce_generator=csp_nonce,
    )
    admin.add_view(ChallengeView(WeeklyChallenge, db, name="Challenges", endpoint="challenges"))
    admin.add_view(SponsorView(ChallengeSponsor, db, name="Sponsors", endpoint="sponsors"))
    admin.add_view(SubmissionView(ChallengeSubmission, db, name="Submissions",
                                  endpoint="submissions"))
    admin.add_view(VoteView(ChallengeVote, db, name="Votes", endpoint="votes"))
    admin.add_view(UserView(User, db, name="Users", endpoint="users"))
    admin.add_view(ProjectView(Project, db, name="Projects", endpoint="projects"))
    admin.add_view(LedgerView(LedgerEntry, db, name="Ledger", endpoint="ledger"))
    admin.add_view(PayoutView(Payout, db, name="Payouts", endpoint="payouts"))
    # Features add their views through this list (the core never imports a feature).
    for add_views in app.extensions.get("wc_admin_views", ()):
        add_views(admin)
    return admin
