"""Every page of the core loop renders, for visitors, members and editors."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from challenges.extensions import db
from challenges.models import ChallengeSubmission, Role, User, WeeklyChallenge


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output


def pages(slug, entry):
    return [
        "/",
        "/challenges/",
        f"/challenges/{slug}/",
        f"/challenges/{slug}/submissions/",
        f"/challenges/{slug}/submissions/?sort=newest",
        f"/challenges/{slug}/submissions/?sort=featured",
        f"/challenges/{slug}/leaderboard/",
        f"/challenges/{slug}/leaderboard/live",
        f"/challenges/{slug}/submissions/{entry.id}/",
        f"/u/{entry.user.username}",
    ]


@pytest.mark.parametrize("who", ["visitor", "member", "editor"])
def test_core_pages_render(demo, client, login, who):
    # An entry of the demo's open challenge (its live fragment answers 200; a completed one's
    # answers 286), named rather than left to the database's row order.
    entry = db.session.scalars(
        select(ChallengeSubmission).join(ChallengeSubmission.challenge)
        .where(WeeklyChallenge.slug == "ai-art-week-dreamscapes")
        .order_by(ChallengeSubmission.entry_number)
    ).first()
    slug = entry.challenge.slug
    if who != "visitor":
        user = db.session.scalar(
            select(User).where(User.role == (Role.EDITOR if who == "editor" else Role.MEMBER))
        )
        from challenges.services.accounts import hash_password
        from tests.support.factories import PASSWORD

        user.password_hash = hash_password(PASSWORD)
        db.session.commit()
        login(client, user)
    for url in pages(slug, entry):
        response = client.get(url)
        assert response.status_code == 200, (url, response.get_data(as_text=True)[:3000])
