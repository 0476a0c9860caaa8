"""Issue #11 on the gallery, the entry page and the submit form: a vote without JavaScript comes
back to its card, visitors are asked to log in to vote, every text field states its limit and a
value over it gets a message at that field (page and modal, all errors at once), and the pages
read in Spanish for ``Accept-Language: es``."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from sqlalchemy import func, select

from challenges.entries.forms import EntryForm
from challenges.extensions import db
from challenges.models import ChallengeSubmission
from challenges.services.entries import ALT_MAX, DESCRIPTION_MAX, PROMPT_MAX, TITLE_MAX, TOOL_MAX
from challenges.services.urls import MAX_URL_LENGTH
from tests.support.factories import PASSWORD

from .helpers import submit, vote

HTMX = {"HX-Request": "true"}
SPANISH = {"Accept-Language": "es-ES,es;q=0.9"}


@pytest.fixture
def challenge(make_challenge):
    return make_challenge("active")


@pytest.fixture
def entry(challenge, make_user):
    return submit(challenge, make_user(), title="Sunrise")


def gallery_url(challenge) -> str:
    return f"/challenges/{challenge.slug}/submissions/"


def vote_url(entry) -> str:
    return f"/challenges/{entry.challenge.slug}/submissions/{entry.id}/vote"


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def saved_entries() -> int:
    return db.session.scalar(select(func.count()).select_from(ChallengeSubmission)) or 0


# --- A vote without JavaScript lands back at its card ----------------------------------------

def test_a_vote_without_javascript_returns_to_the_cards_anchor_keeping_sort_and_cursor(
        client, login, entry, make_user):
    login(client, make_user())
    back = f"{gallery_url(entry.challenge)}?sort=newest&after=7"
    response = client.post_form(vote_url(entry), {"next": back})
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == gallery_url(entry.challenge)
    assert parse_qs(location.query) == {"sort": ["newest"], "after": ["7"]}
    assert location.fragment == f"entry-{entry.id}"
    db.session.expire_all()
    assert db.session.get(ChallengeSubmission, entry.id).vote_count == 1


@pytest.mark.parametrize(("query", "kept"), [
    ("sort=newest&after=not-a-cursor", {"sort": ["newest"]}),
    ("sort=newest&after=99999999999", {"sort": ["newest"]}),
    ("sort=votes&after=-1", {"sort": ["votes"]}),
    # An unknown sort is the default one: Discover while votes are open (issue 13).
    ("sort=bogus&after=3", {"sort": ["discover"], "after": ["3"]}),
    ("sort=featured&evil=%0d%0aSet-Cookie:x", {"sort": ["featured"]}),
    ("", {}),
])
def test_a_vote_keeps_only_gallery_parameters_the_gallery_could_have_made(
        client, login, entry, make_user, query, kept):
    login(client, make_user())
    back = gallery_url(entry.challenge) + (f"?{query}" if query else "")
    response = client.post_form(vote_url(entry), {"next": back})
    location = urlsplit(response.headers["Location"])
    assert location.path == gallery_url(entry.challenge)
    assert parse_qs(location.query) == kept
    assert location.fragment == f"entry-{entry.id}"
    if kept:  # and the page it names is one the gallery serves
        assert client.get(f"{location.path}?{location.query}").status_code == 200


def test_a_vote_from_the_landing_page_returns_to_its_card_there(client, login, entry, make_user):
    login(client, make_user())
    landing = f"/challenges/{entry.challenge.slug}/"
    response = client.post_form(vote_url(entry), {"next": landing})
    assert response.headers["Location"] == f"{landing}#entry-{entry.id}"
    assert f'id="entry-{entry.id}"' in client.get(landing).get_data(as_text=True)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil"])
def test_a_vote_never_returns_off_site(client, login, entry, make_user, target):
    login(client, make_user())
    response = client.post_form(vote_url(entry), {"next": target})
    detail = f"/challenges/{entry.challenge.slug}/submissions/{entry.id}/"
    assert response.headers["Location"] == f"{detail}#entry-{entry.id}"


def test_every_card_and_the_entry_page_carry_the_anchor(client, entry):
    gallery = client.get(gallery_url(entry.challenge)).get_data(as_text=True)
    assert f'<li class="entry-card" id="entry-{entry.id}">' in gallery
    detail = client.get(f"{gallery_url(entry.challenge)}{entry.id}/").get_data(as_text=True)
    assert f'id="entry-{entry.id}"' in detail


# --- Visitors: "Log in to vote", the count still visible ---------------------------------------

def test_visitors_see_log_in_to_vote_on_each_card_with_the_count(client, entry, make_user):
    vote(entry, make_user())
    body = text_of(client.get(f"{gallery_url(entry.challenge)}?sort=newest"))
    link = re.search(rf'<a class="vote-login" data-testid="login-to-vote-{entry.id}"\s+'
                     r'href="([^"]+)">(.*?)</a>', body, re.S)
    assert link, body
    assert "Log in to vote" in link.group(2)
    assert "♡ 1" in link.group(2) and "1 vote" in link.group(2)
    target = urlsplit(link.group(1))
    assert target.path == "/login"
    back = unquote(parse_qs(target.query)["next"][0])
    assert back == f"{gallery_url(entry.challenge)}?sort=newest#entry-{entry.id}"
    assert 'class="vote-form"' not in body


def test_logging_in_from_the_card_comes_back_to_it(client, entry, make_user):
    voter = make_user()
    body = client.get(gallery_url(entry.challenge)).get_data(as_text=True)
    href = html.unescape(re.search(r'class="vote-login"[^>]*href="([^"]+)"', body, re.S)[1])
    response = client.post_form(href, {"login": voter.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == f"{gallery_url(entry.challenge)}#entry-{entry.id}"


def test_visitors_are_not_asked_to_log_in_when_voting_is_closed(client, entry, frozen_clock):
    frozen_clock.set(entry.challenge.voting_deadline)
    body = text_of(client.get(gallery_url(entry.challenge)))
    assert "Log in to vote" not in body
    assert "0 votes" in body  # the count stays


# --- Length limits: stated from the service's numbers, enforced with a message at the field ---

def test_every_text_field_states_the_services_limit(app):
    expected = {"title": TITLE_MAX, "image_url": MAX_URL_LENGTH, "image_alt_text": ALT_MAX,
                "external_url": MAX_URL_LENGTH, "description": DESCRIPTION_MAX,
                "prompt_used": PROMPT_MAX, "tool_used": TOOL_MAX}
    with app.test_request_context():
        form = EntryForm(meta={"csrf": False})
        for name, limit in expected.items():
            field = getattr(form, name)
            maxima = [v.max for v in field.validators if hasattr(v, "max")]
            assert maxima == [limit], name
            assert field.flags.maxlength == limit, name  # what the forms macro states
            assert f'maxlength="{limit}"' in str(field()), name


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "modal"])
def test_a_huge_title_and_url_get_messages_at_their_fields_with_every_other_error(
        client, member_in, headers):
    data = {"title": "T" * 5000, "image_url": "https://img.example/" + "a" * 3000,
            "image_alt_text": "", "description": "bad\x00byte"}
    response = client.post_form(f"/challenges/{member_in.slug}/submit", data, headers=headers)
    assert response.status_code == 422
    body = text_of(response)
    if headers:
        assert body.lstrip().startswith('<div class="modal-backdrop"')

    def error_at(field: str) -> str:
        found = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', body)
        assert found, f"no error at {field}"
        return found.group(1)

    assert "at most 200 characters" in error_at("title")
    assert "at most 2,048 characters" in error_at("image_url")
    assert "control characters" in error_at("description")  # the form's own check, same round
    assert "Describe the image" in error_at("image_alt_text")
    assert 'aria-invalid="true"' in body
    assert saved_entries() == 0


def test_the_edit_form_reports_a_huge_title_at_its_field(client, login, entry):
    login(client, entry.user)
    url = f"{gallery_url(entry.challenge)}{entry.id}/edit"
    response = client.post_form(url, {"title": "T" * 5000, "image_url": entry.image_url,
                                      "image_alt_text": "x", "tool_used": "t\x07"})
    assert response.status_code == 422
    body = text_of(response)
    assert re.search(r'id="title-error">[^<]*at most 200', body)
    assert re.search(r'id="tool_used-error">[^<]*control characters', body)


# --- Spanish -------------------------------------------------------------------------------

def test_the_gallery_reads_in_spanish(client, entry, make_user):
    vote(entry, make_user())
    body = text_of(client.get(gallery_url(entry.challenge), headers=SPANISH))
    assert '<html lang="es">' in body
    for phrase in ("Participaciones", "Más votadas", "Más recientes", "Destacadas",
                   "Inicia sesión para votar", "1 voto"):
        assert phrase in body, phrase
    for english in ("Submissions", "Most voted", "Log in to vote", "1 vote<"):
        assert english not in body, english


def test_the_entry_page_and_the_vote_button_read_in_spanish(client, login, entry, make_user):
    login(client, make_user())
    detail = text_of(client.get(f"{gallery_url(entry.challenge)}{entry.id}/", headers=SPANISH))
    assert "Votar por «Sunrise»" in detail and "0 votos" in detail
    assert f"de @{entry.user.username}" in detail
    response = client.post(vote_url(entry), headers={**HTMX, **SPANISH,
                                                     "X-CSRFToken": client.csrf_token()})
    assert "Quitar tu voto a «Sunrise»" in text_of(response)


def test_the_submit_modal_reads_in_spanish(client, member_in):
    body = text_of(client.get(f"/challenges/{member_in.slug}/submit",
                              headers={**HTMX, **SPANISH}))
    for phrase in ("Envía tu participación", "Título", "Enlace a la imagen", "Tu trabajo",
                   "Cómo lo hiciste (opcional)", "Enviar participación", "Cancelar"):
        assert phrase in body, phrase


@pytest.fixture
def member_in(client, login, make_challenge, make_user):
    challenge = make_challenge("active")
    login(client, make_user())
    return challenge


def test_my_submissions_read_in_spanish(client, login, entry, make_user):
    vote(entry, make_user())
    login(client, entry.user)
    body = text_of(client.get("/me/submissions", headers=SPANISH))
    assert "Mis participaciones" in body and "Sunrise" in body and "1 voto" in body


def test_an_empty_my_submissions_reads_in_spanish(client, login, make_user):
    login(client, make_user())
    body = text_of(client.get("/me/submissions", headers=SPANISH))
    assert "Aún no has enviado nada." in body and ">Busca un reto</a>" in body
