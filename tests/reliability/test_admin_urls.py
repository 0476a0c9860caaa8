"""RELIABILITY #24 in Flask-Admin: every URL field an editor can type into the admin takes
absolute http(s) links only (the one rule, ``services/urls.url_problem``); anything else is
refused beside the form and nothing is saved."""

from __future__ import annotations

import html
from typing import Any

import pytest

from challenges.extensions import db
from challenges.models import ChallengeSponsor, Project, Role, WeeklyChallenge
from tests.core.test_bad_input import admin_form

BAD_URLS = {
    "javascript": "javascript:alert(1)",
    "javascript-spaced": " javascript:alert(1)",
    "data": "data:text/html,<script>alert(1)</script>",
    "relative": "/relative.png",
    "5-kb": "https://img.example/" + "a" * 5000,
}


@pytest.fixture
def editor(client, login, make_user):
    login(client, make_user(role=Role.EDITOR))
    return client


def refused(response: Any) -> str:
    """The admin sends the form back (200) with the URL rule's message."""
    assert response.status_code == 200, response.status_code
    page = html.unescape(response.get_data(as_text=True))
    assert any(message in page for message in (
        "Use a full link starting with https://", "Links cannot contain spaces",
        "Links can be at most 2,048 characters",
        "cannot be longer than 2048 characters")), page[-3000:]  # the column's length check
    return page


@pytest.mark.parametrize("case", list(BAD_URLS))
def test_admin_challenge_hero_image_url_takes_absolute_http_links_only(editor, make_challenge,
                                                                       case):
    """RELIABILITY #24: the challenge form's hero image link."""
    challenge = make_challenge("upcoming", title="Before")
    url = f"/admin/challenges/edit/?id={challenge.id}"
    data = {**admin_form(challenge, title="After", hero_image_url=BAD_URLS[case]),
            "csrf_token": editor.csrf_token()}
    refused(editor.post(url, data=data))
    db.session.expire_all()
    saved = db.session.get(WeeklyChallenge, challenge.id)
    assert (saved.title, saved.hero_image_url or "") == ("Before", "")


@pytest.mark.parametrize("field", ["logo_url", "website_url"])
@pytest.mark.parametrize("case", list(BAD_URLS))
def test_admin_sponsor_links_take_absolute_http_links_only(editor, make_sponsor, field, case):
    """RELIABILITY #24: the sponsor form's logo and website links."""
    sponsor = make_sponsor(name="Acme")
    data = {"name": "Acme 2", "slug": sponsor.slug, "logo_url": sponsor.logo_url,
            "website_url": sponsor.website_url, field: BAD_URLS[case],
            "csrf_token": editor.csrf_token()}
    refused(editor.post(f"/admin/sponsors/edit/?id={sponsor.id}", data=data))
    db.session.expire_all()
    saved = db.session.get(ChallengeSponsor, sponsor.id)
    assert (saved.name, getattr(saved, field)) == ("Acme", getattr(sponsor, field))


@pytest.mark.parametrize("field", ["url", "image_url"])
@pytest.mark.parametrize("case", list(BAD_URLS))
def test_admin_project_links_take_absolute_http_links_only(editor, make_user, make_project,
                                                          field, case):
    """RELIABILITY #24: the project form's link and image link."""
    owner = make_user()
    project = make_project(owner, title="Mine", url="https://work.example/p")
    data = {"owner": str(owner.id), "title": "Changed", "url": "https://work.example/p",
            "image_url": "", "description": "", field: BAD_URLS[case],
            "csrf_token": editor.csrf_token()}
    refused(editor.post(f"/admin/projects/edit/?id={project.id}", data=data))
    db.session.expire_all()
    saved = db.session.get(Project, project.id)
    assert (saved.title, saved.url, saved.image_url or "") == ("Mine", "https://work.example/p",
                                                               "")


def test_admin_accepts_an_absolute_https_link(editor, make_sponsor):
    """The refusals above are the URL rule's, not a form that refuses everything."""
    sponsor = make_sponsor(name="Acme")
    data = {"name": "Acme", "slug": sponsor.slug, "logo_url": "https://cdn.example/logo.png",
            "website_url": "https://acme.example/", "csrf_token": editor.csrf_token()}
    response = editor.post(f"/admin/sponsors/edit/?id={sponsor.id}", data=data)
    assert response.status_code == 302, html.unescape(response.get_data(as_text=True))[-2000:]
    db.session.expire_all()
    assert db.session.get(ChallengeSponsor, sponsor.id).logo_url == "https://cdn.example/logo.png"
