"""Gallery cards rendered once per what they show (issue #14: the cards were a fifth of a
gallery page's CPU, re-rendered for every viewer on every view).

A card (``entries/_card.html`` with its vote control) reads the entry, the challenge's slug,
whether the viewer voted for it, the rule's refusal of their vote (none, "log in", or another
reason), the page's path (the control's ``next``), the language and the app's root, and one
thing per request: the CSRF token in the vote form. So a card is rendered once per key that
holds all of them but the token, with a hole for the token (``fragments.Holes``), and each page
fills in its own. The gallery and a challenge's landing page both show cards this way, for
members and visitors alike; what differs between two members is their own bits (voted,
refusal), which are in the key.

Changing what ``_card.html`` or ``_vote_button.html`` shows means changing ``_card_key`` too:
``tests/pages14/test_cards.py`` holds the memo's card equal to a full render for each state.
"""

from __future__ import annotations

from collections.abc import Hashable

from flask import request
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from ..errors import Refusal
from ..fragments import Frame, Holes, Memo
from ..models import ChallengeSubmission, WeeklyChallenge
from ..templating import render_bare
from ..timefmt import locale

CARD = "entries/_card.html"

_TOKEN = Holes("csrf_token")
# A few pages of cards per live challenge, in each state a viewer can see them in.
_cards: Memo[Frame] = Memo(4096)


def entry_card(challenge: WeeklyChallenge, entry: ChallengeSubmission, voted: bool,
               refusal: Refusal | None) -> Markup:
    """``entry``'s card for the page being served: ``voted``, whether the viewer voted for it;
    ``refusal``, the rule's reason they may not vote on it now (``vote_refusals``)."""
    frame = _cards.get(_card_key(challenge, entry, voted, refusal), lambda: _TOKEN.frame(
        render_bare(CARD, challenge=challenge, entry=entry, voted=voted, refusal_here=refusal,
                    csrf_token=lambda: _TOKEN.marks["csrf_token"])))
    # Template output with the token escaped into its hole: markup, as Jinja would include it.
    return Markup(frame.fill(lambda _hole: generate_csrf()))  # noqa: S704


def _card_key(challenge: WeeklyChallenge, entry: ChallengeSubmission, voted: bool,
              refusal: Refusal | None) -> Hashable:
    """Everything the card's templates read, but the CSRF token."""
    return (entry.id, entry.title, entry.image_upload, entry.image_url, entry.image_alt_text,
            entry.is_featured, entry.user.username, entry.vote_count, voted,
            refusal.code if refusal is not None else None, challenge.slug, str(locale()),
            request.script_root, request.full_path)


def forget() -> None:
    """Drop every rendered card (tests; a deploy starts new processes anyway)."""
    _cards.clear()


__all__ = ["entry_card", "forget"]
