"""Gallery cards rendered once per what they show (issue #14, challenges/entries/cards.py): the
memo's card is byte for byte the card rendered afresh in every state a viewer can see it in,
viewers in the same state share one rendering with their own CSRF token in it, and whatever
the card shows is in its key (a vote, an edit, a language make a new card)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import render_template_string
from flask_wtf.csrf import generate_csrf

from challenges.clock import utcnow
from challenges.entries import cards
from challenges.extensions import db
from challenges.services.votes import vote_refusal

from ..core.helpers import submit, vote

GALLERY = "/challenges/{}/submissions/"


@pytest.fixture(autouse=True)
def empty_memo() -> Iterator[None]:
    cards.forget()
    yield
    cards.forget()


def afresh(challenge: Any, entry: Any, voted: bool, refusal: Any) -> str:
    """The card as the page rendered it before the memo: the template included in a full
    render, with the app's own ``csrf_token``."""
    return render_template_string('{% include "entries/_card.html" %}', challenge=challenge,
                                  entry=entry, voted=voted, refusal_here=refusal)


def both(app: Any, challenge: Any, entry: Any, viewer: Any, voted: bool = False,
         language: str = "en") -> tuple[str, str, str]:
    """The memo's card twice (cold, then from the memo) and the card afresh, in one request
    (its own app context: Flask-Babel and Flask-WTF keep the locale and token on ``g``)."""
    with app.app_context(), app.test_request_context(GALLERY.format(challenge.slug),
                                                     headers={"Accept-Language": language}):
        refusal = vote_refusal(entry, viewer, utcnow())
        cold = str(cards.entry_card(challenge, entry, voted, refusal))
        warm = str(cards.entry_card(challenge, entry, voted, refusal))
        return cold, warm, afresh(challenge, entry, voted, refusal)


@pytest.mark.parametrize("state", ["may vote", "voted", "own entry", "visitor", "closed"])
@pytest.mark.parametrize("language", ["en", "es"])
def test_the_memos_card_is_the_card_rendered_afresh(app, frozen_clock, make_challenge, make_user,
                                                    state, language):
    challenge = make_challenge("active")
    author, member = make_user(), make_user()
    entry = submit(challenge, author, title='Dusk <"&"> dawn', image_alt_text="A <b>tag</b>")
    if state == "closed":  # voting over: the count alone
        frozen_clock.set(challenge.voting_deadline + timedelta(minutes=1))
    viewer = {"own entry": author, "visitor": None}.get(state, member)
    cold, warm, fresh = both(app, challenge, entry, viewer, voted=state == "voted",
                             language=language)
    assert cold == warm == fresh
    assert "&lt;&#34;&amp;&#34;&gt;" in fresh  # the title escaped, as the template writes it
    spanish = "voto" in fresh.lower() or "votar" in fresh.lower()  # English never says so
    assert spanish == (language == "es")
    if state in ("may vote", "voted"):
        assert 'name="csrf_token"' in fresh and 'aria-pressed' in fresh
    elif state == "visitor":
        assert 'data-testid="login-to-vote-' in fresh and "csrf_token" not in fresh
    else:
        assert 'class="vote-static"' in fresh and "csrf_token" not in fresh


@pytest.mark.parametrize("image", ["upload", "none", "featured"])
def test_images_and_the_editors_pick_render_as_before(app, make_challenge, make_user, image):
    challenge = make_challenge("active")
    images = {"image_upload": "a" * 64, "image_alt_text": "Glow"} if image == "upload" \
        else {"image_alt_text": "", "external_url": "https://example.com/dream"}
    entry = submit(challenge, make_user(), image_url="", **images)  # "none": a link only
    entry.is_featured = image == "featured"
    cold, warm, fresh = both(app, challenge, entry, make_user())
    assert cold == warm == fresh
    assert ("srcset=" in fresh) == (image == "upload")
    assert ('class="featured-badge"' in fresh) == (image == "featured")


def test_viewers_in_one_state_share_one_rendering_each_with_their_own_token(
        app, make_challenge, make_user):
    challenge = make_challenge("active")
    entry = submit(challenge, make_user())
    first, second = make_user(), make_user()
    tokens, html = [], []
    for viewer in (first, second):  # two requests (each its own ``g``), two sessions
        with app.app_context(), app.test_request_context(GALLERY.format(challenge.slug)):
            card = str(cards.entry_card(challenge, entry, False, vote_refusal(entry, viewer,
                                                                              utcnow())))
            tokens.append(generate_csrf())
            html.append(card)
    assert len(cards._cards) == 1  # noqa: SLF001 - one rendering for both
    assert tokens[0] != tokens[1]
    for token, card in zip(tokens, html, strict=True):
        assert f'name="csrf_token" value="{token}"' in card
    assert html[0].replace(tokens[0], "") == html[1].replace(tokens[1], "")


def test_what_a_card_shows_is_in_its_key(app, make_challenge, make_user):
    challenge = make_challenge("active")
    entry = submit(challenge, make_user(), title="Before")
    member = make_user()
    before, _, _ = both(app, challenge, entry, member)
    vote(entry, make_user())
    entry.title = "After"  # an editor's edit, as the page would load it
    after, _, fresh = both(app, challenge, entry, member)
    assert after == fresh and after != before
    assert ">After</a>" in after and '<span class="vote-count">1</span>' in after
    spanish, _, fresh = both(app, challenge, entry, member, language="es")
    assert spanish == fresh and "Votar por" in spanish
    assert len(cards._cards) == 3  # noqa: SLF001


def test_members_vote_without_javascript_with_the_token_in_their_card(
        app, login, make_challenge, make_user):
    """End to end: two members see the gallery (the second's card comes from the memo), and
    the form in each one's card carries a token their vote is accepted with."""
    challenge = make_challenge("active")
    entry = submit(challenge, make_user())
    browsers, tokens = [app.test_client(), app.test_client()], []
    for browser in browsers:
        login(browser, make_user())
        page = browser.get(GALLERY.format(challenge.slug)).get_data(as_text=True)
        form = page.split(f'data-entry="{entry.id}"')[1]
        tokens.append(form.split('name="csrf_token" value="')[1].split('"')[0])
    assert len(cards._cards) == 1 and tokens[0] != tokens[1]  # noqa: SLF001
    for browser, token in zip(browsers, tokens, strict=True):
        answer = browser.post(f"/challenges/{challenge.slug}/submissions/{entry.id}/vote",
                              data={"csrf_token": token, "next": GALLERY.format(challenge.slug)})
        assert answer.status_code == 302, answer.status_code
    db.session.refresh(entry)
    assert entry.vote_count == 2
