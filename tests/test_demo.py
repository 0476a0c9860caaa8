"""`flask demo` loads a small living world, and loading it again changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from challenges.clock import utcnow
from challenges.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from challenges.demo_art import ART_DIR, demo_files
from challenges.demo_content import ENTRIES
from challenges.extensions import db
from challenges.leaderboard import keys as board_keys
from challenges.models import (
    ChallengeSponsor,
    ChallengeSubmission,
    ChallengeVote,
    Payout,
    User,
    WeeklyChallenge,
)
from challenges.phase import phase_at


def counts():
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (User, ChallengeSponsor, WeeklyChallenge, ChallengeSubmission, ChallengeVote)
    }


def test_demo_is_idempotent_and_prints_the_logins(runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "editor" in first.output and "password" in first.output
    after_first = counts()
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert counts() == after_first


def test_demo_has_a_sponsor_and_challenges_in_every_phase(runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    challenges = db.session.scalars(select(WeeklyChallenge)).all()
    phases = {phase_at(c, utcnow()).value for c in challenges}
    assert {"draft", "upcoming", "active", "voting", "completed"} <= phases
    assert db.session.scalar(select(func.count()).select_from(ChallengeSponsor)) >= 1
    assert db.session.scalar(select(User).where(User.role == "editor")) is not None


def test_demo_if_empty_skips_a_database_with_users(runner, make_user):
    make_user()
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0
    assert "not loaded" in result.output
    assert db.session.scalar(select(func.count()).select_from(WeeklyChallenge)) == 0


def test_every_challenge_has_its_own_entries_with_their_own_art(runner):
    """No shared list of titles: each challenge's entries have titles and descriptions of their
    own, and every entry its own picture, drawn from several templates and palettes."""
    assert runner.invoke(args=["demo"]).exit_code == 0
    entries = db.session.scalars(select(ChallengeSubmission)).all()
    assert len(entries) >= 30
    titles = [e.title for e in entries]
    assert len(set(titles)) == len(titles)  # distinct within and across challenges
    assert len({e.description for e in entries}) == len(entries)
    assert len({e.image_url for e in entries}) == len(entries)
    assert len({e.image_alt_text for e in entries}) >= 20  # alt text says what each shows
    for entry in entries:
        assert (ART_DIR / entry.image_url.rsplit("/", 1)[1]).is_file(), entry.image_url
    templates = {entry.template for content in ENTRIES.values() for entry in content}
    palettes = {entry.palette for content in ENTRIES.values() for entry in content}
    assert len(templates) >= 3 and len(palettes) >= 5


def test_every_challenge_has_a_hero_image_served_from_static(runner, client):
    assert runner.invoke(args=["demo"]).exit_code == 0
    for challenge in db.session.scalars(select(WeeklyChallenge)):
        path = challenge.hero_image_url.split("://", 1)[1].split("/", 1)[1]
        assert path.startswith("static/demo/hero-"), challenge.hero_image_url
        response = client.get("/" + path)
        assert response.status_code == 200 and b"<svg" in response.data
        response.close()


def test_the_demo_art_is_small_self_contained_and_what_the_generator_draws():
    for name, (svg, alt) in demo_files().items():
        assert (ART_DIR / name).read_text() == svg, f"run python -m challenges.demo_art ({name})"
        assert len(svg) < 8000 and alt
        assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_the_past_challenge_is_finalized_with_token_prizes_and_a_payout(runner):
    """Finalized by the real service: final ranks, token prizes in the members' balances (and
    ledger, which the autouse check compares), and the cash prize's payout."""
    assert runner.invoke(args=["demo"]).exit_code == 0
    past = db.session.scalar(select(WeeklyChallenge).filter_by(slug="retro-futures"))
    assert past is not None and past.finalized_at is not None
    ranks = db.session.scalars(select(ChallengeSubmission.final_rank).where(
        ChallengeSubmission.challenge_id == past.id,
        ChallengeSubmission.final_rank.is_not(None))).all()
    assert {1, 2, 3} <= set(ranks)
    members = db.session.scalars(select(User).where(User.role == "member")).all()
    assert sum(1 for m in members if m.tokens_balance > 0) >= 8  # participation, votes, prizes
    assert max(m.tokens_balance for m in members) >= 100000  # a place prize
    assert db.session.scalar(select(func.count()).select_from(Payout).where(
        Payout.challenge_id == past.id)) == 1


def test_demo_logins_prints_every_demo_account_with_the_password(runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    result = runner.invoke(args=["demo", "logins"])
    assert result.exit_code == 0, result.output
    for username, _role, _what in DEMO_ACCOUNTS:
        assert username in result.output
    assert {"editor", "sponsor", "members"} <= set(result.output.split())
    assert DEMO_PASSWORD in result.output
    box = [line for line in result.output.splitlines() if line.startswith(("|", "+"))]
    assert len(box) >= 8
    assert max(len(line) for line in box) <= 68  # 80 columns with make run's "      run | "


def test_demo_logins_on_a_database_without_the_demo_says_how_to_load_it(runner):
    result = runner.invoke(args=["demo", "logins"])
    assert result.exit_code != 0
    assert "flask demo" in result.output


def test_the_demo_boards_are_built_so_the_first_pages_read_them_live(runner, redis_client):
    """Not left to a job queued behind the demo votes' own jobs (``make run``'s first minutes
    would show "live updates paused")."""
    assert runner.invoke(args=["demo"]).exit_code == 0
    published = db.session.scalars(
        select(WeeklyChallenge.id).where(WeeklyChallenge.is_published)).all()
    assert len(published) >= 4
    for challenge_id in published:
        assert redis_client.exists(board_keys.built(challenge_id)) == 1


def test_the_readme_starts_with_the_two_commands_then_a_tour_naming_every_demo_login():
    from challenges.config import PROJECT_ROOT

    readme = (PROJECT_ROOT / "README.md").read_text()
    blocks = readme.split("```")
    commands = [line.split("#")[0].strip() for line in blocks[1].splitlines()[1:]]
    assert commands == ["make run", "make test"]
    assert blocks[0].strip() == "# Weekly Challenges"
    tour = blocks[2].split("\n## ")[1]
    assert tour.startswith("What to try first")
    for username, _role, _what in DEMO_ACCOUNTS:
        assert f"`{username}`" in tour, username
    assert DEMO_PASSWORD in tour
    for place in ("/admin", "/sponsor/", "/api/docs", "Spanish", "leaderboard"):
        assert place in tour, place
