"""What each public page puts in its ``<head>`` for link previews, and its share buttons.

The core's views know nothing of sharing (a feature): ``add_share_context`` listens to Flask's
``before_render_template`` and gives the public templates ``share_meta`` (base.html renders it
with ``sharing/_meta.html``) and, where the page has share buttons, ``share_links``. The preview
image URL carries the image's key (a hash of what it shows), so it changes exactly when the
image does and can be cached for ever.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from jinja2 import Template

from ..clock import utcnow
from ..i18n import current_locale
from ..models import ChallengeSubmission, User, WeeklyChallenge
from ..services.profiles import ProfilePage
from . import service
from .cache import image_key
from .images import HEIGHT, WIDTH, CardSpec
from .service import ParticipantCard, ShareLinks


@dataclass(frozen=True)
class ShareMeta:
    """The Open Graph and Twitter card values of one page (every URL absolute)."""

    title: str
    description: str
    url: str
    image: str
    image_alt: str
    type: str = "website"
    site_name: str = service.SITE_NAME
    image_width: int = WIDTH
    image_height: int = HEIGHT


def site_url() -> str:
    """The public base URL (``SITE_URL``), without a trailing slash."""
    return str(current_app.config["SITE_URL"]).rstrip("/")


def absolute(endpoint: str, **values: Any) -> str:
    """The canonical absolute URL of ``endpoint`` (on ``SITE_URL``, whatever host was asked)."""
    return site_url() + url_for(endpoint, **values)


def preview_url(kind: str, ident: str, spec: CardSpec) -> str:
    """The absolute URL of a preview image; it names the image's key, so it is immutable."""
    return absolute("sharing.preview_image", lang=current_locale(), kind=kind, ident=ident,
                    key=image_key(spec))


def card_image_url(card: ParticipantCard, spec: CardSpec | None = None) -> str:
    """The absolute URL of a participant's card image (``v``: its key, ``lang``: its words)."""
    spec = spec or service.participant_spec(card)
    return absolute("sharing.participant_card_png", slug=card.challenge.slug,
                    username=card.user.username, lang=current_locale(), v=image_key(spec))


def _sharer() -> str | None:
    return current_user.username if current_user.is_authenticated else None


def _links(url: str, text: str) -> ShareLinks:
    return service.share_links(url, text, _sharer())


def challenge_meta(challenge: WeeklyChallenge,
                   podium: list[ChallengeSubmission] | None = None) -> ShareMeta:
    """The link preview of a challenge's landing page (and of its results page)."""
    spec = service.challenge_spec(challenge, podium)
    return ShareMeta(
        title=challenge.title,
        description=challenge.prompt[:service.TEXT_MAX],
        url=absolute("pages.challenge_detail", slug=challenge.slug),
        image=preview_url("challenge", str(challenge.id), spec),
        image_alt=_("%(title)s, a Weekly Challenge", title=challenge.title),
    )


def results_meta(challenge: WeeklyChallenge) -> ShareMeta:
    """The link preview of a challenge's results page (``archive.results``)."""
    meta = challenge_meta(challenge)
    return ShareMeta(
        title=_("Results: %(title)s", title=challenge.title), description=meta.description,
        url=absolute("archive.results", slug=challenge.slug), image=meta.image,
        image_alt=meta.image_alt)


def entry_meta(entry: ChallengeSubmission) -> ShareMeta:
    challenge = entry.challenge
    spec = service.entry_spec(entry)
    return ShareMeta(
        title=_("%(title)s by @%(username)s", title=entry.title, username=entry.user.username),
        description=(entry.description[:service.TEXT_MAX] if entry.description
                     else _("An entry in %(challenge)s", challenge=challenge.title)),
        url=absolute("entries.submission_detail", slug=challenge.slug, submission_id=entry.id),
        image=preview_url("entry", str(entry.id), spec),
        image_alt=entry.image_alt_text or _("%(title)s, an entry in %(challenge)s",
                                            title=entry.title, challenge=challenge.title),
        type="article",
    )


def member_meta(user: User) -> ShareMeta:
    spec = service.member_spec(user)
    return ShareMeta(
        title=f"@{user.username}",
        description=_("@%(name)s on Weekly Challenges: entries, places and points.",
                      name=user.username),
        url=absolute("pages.profile", username=user.username),
        image=preview_url("member", user.username, spec),
        image_alt=_("The profile of @%(name)s", name=user.username),
        type="profile",
    )


def home_meta(current: WeeklyChallenge | None) -> ShareMeta:
    """The home page: the challenge open now, else the site's own card."""
    description = _("Every week a new creative prompt. Submit, vote, climb the live "
                    "leaderboard, and earn rewards for taking part.")
    if current is not None and current.is_published:
        spec = service.challenge_spec(current, [])
        image = preview_url("challenge", str(current.id), spec)
        alt = _("%(title)s, a Weekly Challenge", title=current.title)
    else:
        image = preview_url("site", service.SITE_IDENT, service.site_spec())
        alt = _("Weekly Challenges: a new creative challenge every week")
    return ShareMeta(title=service.SITE_NAME, description=description,
                     url=absolute("pages.home"), image=image, image_alt=alt)


def card_meta(card: ParticipantCard) -> ShareMeta:
    spec = service.participant_spec(card)
    return ShareMeta(
        title=_("@%(name)s in %(challenge)s", name=card.user.username,
                challenge=card.challenge.title),
        description=service.card_stat(card),
        url=absolute("sharing.participant_card", slug=card.challenge.slug,
                     username=card.user.username),
        image=card_image_url(card, spec),
        image_alt=service.participant_alt(card),
        type="article",
    )


# --- The templates that get them -------------------------------------------------------------


def _landing(context: dict[str, Any]) -> None:
    challenge = context.get("challenge")
    if isinstance(challenge, WeeklyChallenge):
        podium = context.get("podium")
        meta = challenge_meta(challenge, podium if isinstance(podium, list) else None)
        context["share_meta"] = meta
        context["share_links"] = _links(meta.url, challenge.title)


def _results(context: dict[str, Any]) -> None:
    challenge = context.get("challenge")
    if isinstance(challenge, WeeklyChallenge):
        context["share_meta"] = results_meta(challenge)


def _entry(context: dict[str, Any]) -> None:
    entry = context.get("entry")
    if isinstance(entry, ChallengeSubmission):
        meta = entry_meta(entry)
        context["share_meta"] = meta
        context["share_links"] = _links(meta.url, meta.title)


def _profile(context: dict[str, Any]) -> None:
    page = context.get("page")
    if isinstance(page, ProfilePage):
        meta = member_meta(page.user)
        context["share_meta"] = meta
        context["share_links"] = _links(meta.url, meta.title)
        context["share_cards"] = service.member_card_links(page.user.id, utcnow())


def _home(context: dict[str, Any]) -> None:
    current = context.get("current")
    context["share_meta"] = home_meta(current if isinstance(current, WeeklyChallenge) else None)


def _card(context: dict[str, Any]) -> None:
    card = context.get("card")
    if isinstance(card, ParticipantCard):
        meta = card_meta(card)
        context["share_meta"] = meta
        context["share_links"] = _links(meta.url, _("%(stat)s in %(challenge)s",
                                                    stat=service.card_stat(card),
                                                    challenge=card.challenge.title))


def _page_url() -> str:
    """The canonical absolute URL of the page being rendered: its path on ``SITE_URL`` (a
    filter or cursor in the query is not part of what is shared)."""
    return site_url() + request.path


def _site_page(title: Callable[[], str]) -> Callable[[dict[str, Any]], None]:
    """A page about the site as a whole (a list, the archive, a form): the site's card."""
    def add(context: dict[str, Any]) -> None:
        home = home_meta(None)
        context["share_meta"] = ShareMeta(
            title=f"{title()} · {service.SITE_NAME}", description=home.description,
            url=_page_url(), image=home.image, image_alt=home.image_alt)
    return add


def _challenge_page(title: Callable[[WeeklyChallenge], str]) -> Callable[[dict[str, Any]], None]:
    """A page of one challenge besides its landing (gallery, leaderboard): its card."""
    def add(context: dict[str, Any]) -> None:
        challenge = context.get("challenge")
        if isinstance(challenge, WeeklyChallenge):
            meta = challenge_meta(challenge)
            context["share_meta"] = ShareMeta(
                title=title(challenge), description=meta.description, url=_page_url(),
                image=meta.image, image_alt=meta.image_alt)
    return add


PAGES = {
    "pages/challenge_list.html": _site_page(lambda: _("Challenges")),
    "archive/index.html": _site_page(lambda: _("Archive of past challenges")),
    "pages/all_time.html": _site_page(lambda: _("All-time leaderboard")),
    "inquiries/new.html": _site_page(lambda: _("Sponsor a challenge")),
    "entries/gallery.html": _challenge_page(
        lambda c: _("Submissions · %(challenge)s", challenge=c.title)),
    "pages/leaderboard.html": _challenge_page(
        lambda c: _("Leaderboard · %(title)s", title=c.title)),
    "pages/home.html": _home,
    "pages/challenge_detail.html": _landing,
    "entries/detail.html": _entry,
    "pages/profile.html": _profile,
    "sharing/card.html": _card,
    "archive/results.html": _results,  # built by the archive feature
}


def add_share_context(sender: Flask, template: Template, context: dict[str, Any],
                      **extra: Any) -> None:
    """Give each public page its link preview and share links (see ``PAGES``)."""
    add = PAGES.get(template.name or "")
    if add is not None and "share_meta" not in context:
        add(context)
