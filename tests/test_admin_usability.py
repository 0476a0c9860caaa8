"""Issue #11: the admin is usable: the site's header, errors in plain words at their fields, a
date-time field that takes typing (read as UTC), and its words in the editor's language."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import g
from sqlalchemy import select

from challenges.extensions import db
from challenges.models import ChallengeSponsor, Role, WeeklyChallenge
from tests.test_admin import challenge_form, form_token, text_of


class FieldErrors(HTMLParser):
    """The error messages of each field of a Flask-Admin form: {field id: [message, ...]}."""

    def __init__(self) -> None:
        super().__init__()
        self.errors: dict[str, list[str]] = {}
        self._depth = 0
        self._group_depth: int | None = None
        self._feedback_depth: int | None = None
        self._field: str | None = None
        self._in_item = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if tag == "div":
            self._depth += 1
            if "form-group" in classes:
                self._group_depth, self._field = self._depth, None
            elif "invalid-feedback" in classes and self._group_depth is not None:
                self._feedback_depth = self._depth
        elif tag in ("input", "textarea", "select") and self._group_depth is not None:
            self._field = self._field or attributes.get("id")
        elif tag == "li" and self._feedback_depth is not None:
            self._in_item = True
            self.errors.setdefault(self._field or "?", []).append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "li":
            self._in_item = False
        elif tag == "div":
            if self._depth == self._feedback_depth:
                self._feedback_depth = None
            if self._depth == self._group_depth:
                self._group_depth = None
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._in_item and self._field:
            self.errors[self._field][-1] += data.strip()


def field_errors(page: str) -> dict[str, list[str]]:
    parser = FieldErrors()
    parser.feed(page)
    return parser.errors


@pytest.fixture
def editor_client(client, make_user, login):
    login(client, make_user("editor", role=Role.EDITOR))
    # The test's app context is shared by the client's requests, so Flask-WTF's cached token
    # in ``g`` would outlive the session that login cleared; drop it as a new request would.
    g.pop("csrf_token", None)
    return client


def post(client: Any, url: str, data: dict[str, Any], **kwargs: Any) -> Any:
    token = form_token(client.get(url, **kwargs).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token}, **kwargs)


def test_every_problem_is_shown_at_its_own_field_in_plain_words(editor_client):
    response = post(editor_client, "/admin/challenges/new/", challenge_form(
        submission_deadline="2026-12-31 10:00:00",
        hero_image_url="javascript:alert(1)",
        prizes='{"1st": {"type": "cash", "amount": -100, "currency": "USD"}}',
    ))
    page = text_of(response)
    assert response.status_code == 200
    errors = field_errors(page)
    assert errors["submission_deadline"] == [
        "The submission deadline must come after the start."]
    assert errors["prizes"] == ['The "1st" prize: the amount must be a positive number.']
    assert len(errors["hero_image_url"]) == 1
    assert set(errors) == {"submission_deadline", "prizes", "hero_image_url"}
    assert ".;" not in page and '".amount' not in page
    # Each field names its errors for screen readers.
    tag = re.search(r'<textarea[^>]*\bid="prizes"[^>]*>', page)
    assert tag and 'aria-describedby="prizes-errors"' in tag.group(0)
    assert 'aria-invalid="true"' in tag.group(0) and 'id="prizes-errors"' in page
    assert db.session.scalar(select(WeeklyChallenge)) is None


def test_a_sponsor_link_problem_is_shown_at_its_field(editor_client):
    response = post(editor_client, "/admin/sponsors/new/", {
        "name": "Acme", "slug": "acme", "logo_url": "ftp://acme.example/logo.png",
        "website_url": "https://acme.example/", "is_active": "y"})
    assert response.status_code == 200
    errors = field_errors(text_of(response))
    assert list(errors) == ["logo_url"] and len(errors["logo_url"]) == 1
    assert "Logo url:" not in text_of(response)
    assert db.session.scalar(select(ChallengeSponsor)) is None


def test_schedule_fields_are_native_date_time_inputs_read_as_utc(editor_client):
    page = editor_client.get("/admin/challenges/new/").get_data(as_text=True)
    for name in ("starts_at", "submission_deadline", "voting_deadline", "ends_at"):
        tag = re.search(rf'<input[^>]*\bid="{name}"[^>]*>', page)
        assert tag and 'type="datetime-local"' in tag.group(0), name
    assert 'data-role="datetimepicker"' not in page
    assert "Starts (UTC)" in page and "In UTC." in page

    response = post(editor_client, "/admin/challenges/new/", challenge_form(
        starts_at="2027-01-01T10:00", submission_deadline="2027-01-05T10:00",
        voting_deadline="2027-01-07T10:00:30", ends_at="2027-01-08 10:00"))
    assert response.status_code == 302, text_of(response)[:2000]
    db.session.expire_all()
    saved = db.session.scalar(select(WeeklyChallenge))
    assert saved.starts_at == datetime(2027, 1, 1, 10, 0, tzinfo=UTC)
    assert saved.voting_deadline == datetime(2027, 1, 7, 10, 0, 30, tzinfo=UTC)
    edit = editor_client.get(f"/admin/challenges/edit/?id={saved.id}").get_data(as_text=True)
    assert 'value="2027-01-01T10:00"' in edit
    assert 'value="2027-01-07T10:00:30"' in edit  # seconds kept (with step="1")


def test_a_garbled_date_time_is_refused_at_its_field(editor_client):
    response = post(editor_client, "/admin/challenges/new/",
                    challenge_form(starts_at="2027-13-01T10:00"))
    assert response.status_code == 200
    assert field_errors(text_of(response))["starts_at"] == [
        "Enter a date and time, such as 2027-01-31 18:00 (UTC)."]


def test_the_admin_has_the_sites_header(editor_client):
    page = editor_client.get("/admin/challenges/").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert 'data-testid="admin-view-site"' in page and ">View site<" in page
    assert 'data-testid="admin-username">@editor<' in page
    logout = page.split('action="/logout"')[1].split("</form>")[0]
    assert 'name="csrf_token"' in logout and "Log out" in logout
    assert 'class="admin-brand" href="/"' in page
    assert "css/admin.css" in page


def test_the_admin_speaks_spanish(editor_client, make_challenge):
    make_challenge("upcoming", title="Winter Light")
    spanish = {"Accept-Language": "es"}
    page = text_of(editor_client.get("/admin/challenges/", headers=spanish))
    assert '<html lang="es">' in page
    # Flask-Admin's own words (its catalogue), ours (the labels), and the header.
    assert "Crear" in page and "Añadir filtro" in page
    assert "Empieza (UTC)" in page and "Retos" in page
    assert "Ver el sitio" in page and "Cerrar sesión" in page
    form = text_of(editor_client.get("/admin/challenges/new/", headers=spanish))
    assert "Guardar" in form and "Borrador" in form and "En UTC." in form
    entries = text_of(editor_client.get("/admin/submissions/", headers=spanish))
    assert "Destacar (elección del editor)" in entries and "Participaciones" in entries
    dashboard = text_of(editor_client.get("/admin/", headers=spanish))
    assert "Pagos pendientes" in dashboard and "Retos por estado" in dashboard
