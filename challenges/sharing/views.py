"""Sharing's pages: preview images, the participant card (page and image), and the Mastodon
step of the share buttons. Thin: parse, ask the service, render."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from werkzeug.wrappers import Response as BaseResponse

from ..clock import utcnow
from ..errors import NotFound
from ..i18n import LANGUAGES, current_locale
from ..uploads.storage import display_name, upload_dir
from . import service
from .cache import KEY_RE, cached_image, image_dir, image_key
from .forms import MastodonForm
from .images import CardSpec
from .meta import card_image_url, preview_url, site_url

bp = Blueprint("sharing", __name__)

ONE_YEAR = 31_536_000
# An image whose URL names its key never changes; one without (card.png as people link it)
# follows the card, so caches keep it briefly.
IMMUTABLE = f"public, max-age={ONE_YEAR}, immutable"
SHORT = "public, max-age=300"
MASTODON_COOKIE = "mastodon_instance"


def _picture_path(spec: CardSpec) -> Path | None:
    """The stored upload a spec shows (``challenges.uploads`` names files by content hash)."""
    if not spec.picture:
        return None
    return upload_dir(current_app.config) / display_name(spec.picture)


def _png(spec: CardSpec, cache_control: str) -> Response:
    """The image of ``spec`` from the disk cache (drawn first if it is not there yet)."""
    path = cached_image(spec, image_dir(current_app.config), _picture_path(spec))
    response = Response(path.read_bytes(), mimetype="image/png")
    response.headers["Cache-Control"] = cache_control
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.set_etag(path.stem)
    response.make_conditional(request)
    return response


def _language(lang: str | None) -> str:
    if lang is None:
        return current_locale()
    if lang not in LANGUAGES:
        abort(404)
    return lang


@bp.get("/share/<lang>/<kind>/<ident>/<key>.png")
def preview_image(lang: str, kind: str, ident: str, key: str) -> ResponseReturnValue:
    """A page's preview image. A stale key (the page changed since the link was made) is
    redirected to the current image; the current one is served from the disk cache."""
    if kind not in service.KINDS or not KEY_RE.fullmatch(key) or len(ident) > 64:
        abort(404)
    with force_locale(_language(lang)):
        try:
            # As a visitor sees it, whoever asks: a public cache may keep the answer.
            spec = service.preview_spec(kind, ident, None)
        except NotFound:
            abort(404)
        if image_key(spec) != key:
            return _no_store(redirect(preview_url(kind, ident, spec)))
    return _png(spec, IMMUTABLE)


@bp.get("/challenges/<slug>/results/<username>")
def participant_card(slug: str, username: str) -> ResponseReturnValue:
    """A participant's share card (SPEC §12): 404 for drafts, unfinished challenges and
    members without a counting entry."""
    try:
        card = service.participant_card(slug, username, None, utcnow())
    except NotFound:
        abort(404)
    if username != card.user.username:  # /results/AiArtist -> the canonical lowercase page
        return redirect(request.path.replace(f"/results/{username}",
                                             f"/results/{card.user.username}"), 301)
    spec = service.participant_spec(card)
    # The page shows the image from wherever it was opened (SITE_URL is for other sites).
    image_url = card_image_url(card, spec).removeprefix(site_url())
    return render_template("sharing/card.html", card=card, stat=service.card_stat(card),
                           image_url=image_url,
                           image_alt=service.participant_alt(card))


@bp.get("/challenges/<slug>/results/<username>/card.png")
def participant_card_png(slug: str, username: str) -> ResponseReturnValue:
    """The card as an image, in ``?lang=`` (else the viewer's language). With ``?v=<key>``
    (what the page's ``og:image`` names) it is immutable; a stale ``v`` is redirected."""
    with force_locale(_language(request.args.get("lang"))):
        try:
            card = service.participant_card(slug, username, None, utcnow())
        except NotFound:
            abort(404)
        spec = service.participant_spec(card)
        wanted = request.args.get("v")
        if wanted is not None and wanted != image_key(spec):
            return _no_store(redirect(card_image_url(card, spec)))
    return _png(spec, IMMUTABLE if wanted is not None else SHORT)


@bp.get("/share/mastodon")
def mastodon() -> ResponseReturnValue:
    """Share on Mastodon without JavaScript: ask for the member's server once (a GET form with
    a CSRF token, so a crafted link cannot send anyone anywhere), remember it in a cookie, and
    lead to that server's compose page with the text; later links go straight there."""
    text = request.args.get("text", "")[:2 * service.TEXT_MAX + 100]
    submitted = "instance" in request.args
    form = MastodonForm(formdata=request.args if submitted else None, text=text)
    if submitted:
        if form.validate():
            instance = service.mastodon_instance(form.instance.data or "")
            assert instance is not None  # the form's own check
            # A page with the link, not a redirect: the CSP's form-action 'self' rightly
            # stops a form from redirecting to another site (share.js follows the link).
            response = Response(render_template(
                "sharing/mastodon_go.html", instance=instance,
                go_url=service.mastodon_share_url(instance, text)))
            response.set_cookie(MASTODON_COOKIE, instance, max_age=ONE_YEAR, httponly=True,
                                samesite="Lax",
                                secure=current_app.config["SESSION_COOKIE_SECURE"])
            return _no_store(response)
        return _no_store(Response(render_template("sharing/mastodon.html", form=form),
                                  status=422))
    remembered = service.mastodon_instance(request.cookies.get(MASTODON_COOKIE, ""))
    if remembered and text and "change" not in request.args:
        return _no_store(redirect(service.mastodon_share_url(remembered, text)))
    if remembered:
        form.instance.data = remembered
    return _no_store(Response(render_template("sharing/mastodon.html", form=form)))


def _no_store(response: BaseResponse) -> BaseResponse:
    response.headers["Cache-Control"] = "no-store"
    return response
