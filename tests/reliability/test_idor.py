"""RELIABILITY #11: member B cannot enter member A's project, through the form, the edit form or
the API: refused at the field, nothing stored. (Editing or withdrawing A's entry, and A's ids in
B's URLs, are covered in tests/core: see the README's table.)"""

from __future__ import annotations

from sqlalchemy import func, select

from challenges.clock import utcnow
from challenges.extensions import db
from challenges.models import ChallengeSubmission
from challenges.services.api_tokens import create_token
from tests.core.helpers import submit


def entries() -> int:
    return db.session.scalar(select(func.count()).select_from(ChallengeSubmission))


def test_a_member_cannot_enter_another_members_project(client, login, make_challenge, make_user,
                                                       make_project):
    """RELIABILITY #11: A's project id in B's submit form, edit form and API call: refused."""
    challenge, alice, bob = make_challenge("active"), make_user(), make_user()
    alices = make_project(alice, title="Alice's", url="https://alice.example/")
    login(client, bob)
    url = f"/challenges/{challenge.slug}/submit"
    response = client.post_form(url, {"title": "Mine now", "project_id": str(alices.id)})
    assert response.status_code == 422
    assert 'id="project_id-error"' in response.get_data(as_text=True)
    assert entries() == 0

    _, token = create_token(bob, "tests", utcnow())
    db.session.commit()
    response = client.post(f"/api/challenges/{challenge.slug}/submit/",
                           json={"title": "Mine now", "project_id": str(alices.id)},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422
    assert "project_id" in response.get_json()["error"]["details"]["fields"]
    assert entries() == 0

    own = submit(challenge, bob, title="Bob's")
    edit = f"/challenges/{challenge.slug}/submissions/{own.id}/edit"
    response = client.post_form(edit, {"title": "Bob's", "project_id": str(alices.id),
                                       "image_url": "https://img.example/b.png",
                                       "image_alt_text": "B"})
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(ChallengeSubmission, own.id).project_id is None
