"""Judges (SPEC §4a): a challenge's judging mode and rubric, the judges editors assign, the
judging page, and the judged final ranking.

The core never imports this package: it registers its rules in the core's hook lists at start
(``votes.refusal_checks``: a judge may not vote; ``entries.submission_checks``: nor enter;
``challenges.challenge_checks``: the rubric is validated on save;
``finalization.final_rankers``: a judged challenge's final ranks), its admin view through
``wc_admin_views``, and its template helpers as globals.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the blueprint, the hooks into the core's rules and the admin view."""
    from ..services.challenges import on_challenge_check, on_member_lookup
    from ..services.entries import on_submission_check
    from ..services.finalization import on_final_ranking
    from ..services.votes import on_vote_check
    from . import service
    from .admin import add_admin_views
    from .views import bp

    app.register_blueprint(bp)
    on_vote_check(service.judge_vote_refusal)
    on_submission_check(service.judge_entry_refusal)
    on_challenge_check(service.judging_problems)
    on_member_lookup(service.JUDGE_LOOKUP)
    on_final_ranking(service.final_ranking)
    app.extensions.setdefault("wc_admin_views", []).append(add_admin_views)
    app.jinja_env.globals["judged_standings"] = service.results_standings
    app.jinja_env.globals["judging_share_percent"] = service.judges_share_percent
    app.jinja_env.globals["judges_challenge"] = service.viewer_judges
