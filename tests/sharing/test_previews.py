"""Link previews (issue #12, "Sharing"): every public page type carries the Open Graph and
Twitter tags, each og:image answers a 1200 x 630 PNG, and an image is rendered once per change,
never per request (the second request draws nothing: the renderer's own counter and the file's
inode and mtime say so)."""

from __future__ import annotations

import io
import os

import pytest
from flask import current_app
from PIL import Image

from challenges.extensions import db
from challenges.models import WeeklyChallenge
from challenges.sharing.cache import cached_image, image_dir, image_key, image_path
from challenges.sharing.images import THEMES, WIDTH, CardSpec, render_count

from ..support.concurrency import run_concurrently
from .helpers import RED, finalized_challenge, meta_tags, png_size, site_path

REQUIRED = ("og:title", "og:description", "og:image", "og:url", "twitter:card")
ALSO = ("og:image:width", "og:image:height", "og:image:alt", "og:type", "og:site_name")


def public_pages(results) -> dict[str, str]:
    challenge, first = results.challenge, results.entries[0]
    return {
        "home": "/",
        "landing": f"/challenges/{challenge.slug}/",
        "entry": f"/challenges/{challenge.slug}/submissions/{first.id}/",
        "profile": f"/u/{results.members[0].username}",
        "card": f"/challenges/{challenge.slug}/results/{results.members[0].username}",
        "gallery": f"/challenges/{challenge.slug}/submissions/",
        "leaderboard": f"/challenges/{challenge.slug}/leaderboard/",
        "challenge list": "/challenges/",
        "archive": "/challenges/archive/",
        "all-time leaderboard": "/leaderboard/",
        "sponsor a challenge": "/sponsor-a-challenge",
    }


def results_page(app, results) -> dict[str, str]:
    """The results page, built by the archive feature (``archive.results``), once it is there:
    its template gets the same tags from ``sharing.meta.PAGES``."""
    if "archive.results" not in app.view_functions:
        return {}
    return {"results": f"/challenges/{results.challenge.slug}/results/"}


@pytest.fixture
def results(frozen_clock):
    return finalized_challenge(frozen_clock)


def test_every_public_page_type_has_the_tags_and_a_1200_by_630_png(app, client, results):
    site = current_app.config["SITE_URL"].rstrip("/")
    for name, path in {**public_pages(results), **results_page(app, results)}.items():
        response = client.get(path)
        assert response.status_code == 200, (name, path)
        tags = meta_tags(response.get_data(as_text=True))
        missing = [tag for tag in (*REQUIRED, *ALSO) if not tags.get(tag)]
        assert not missing, f"{name} lacks {missing}"
        assert tags["twitter:card"] == "summary_large_image"
        assert (tags["og:image:width"], tags["og:image:height"]) == ("1200", "630")
        assert tags["og:url"].startswith(site + "/") and tags["og:image"].startswith(site + "/")
        image = client.get(site_path(tags["og:image"]))
        assert image.status_code == 200, (name, tags["og:image"])
        assert image.mimetype == "image/png"
        assert png_size(image.data) == (1200, 630), name
        assert "immutable" in image.headers["Cache-Control"]


def test_the_second_request_for_an_image_is_served_from_the_disk_cache(client, results):
    tags = meta_tags(client.get(f"/challenges/{results.challenge.slug}/").get_data(as_text=True))
    path = site_path(tags["og:image"])
    before = render_count()
    first = client.get(path)
    assert first.status_code == 200
    assert render_count() == before + 1  # drawn once, on the first request
    key = path.rsplit("/", 1)[-1].removesuffix(".png")
    file = image_path(image_dir(current_app.config), key)
    stat = os.stat(file)
    again = client.get(path)
    assert again.status_code == 200 and again.data == first.data
    assert render_count() == before + 1  # nothing drawn for the second request
    assert (os.stat(file).st_ino, os.stat(file).st_mtime_ns) == (stat.st_ino, stat.st_mtime_ns)
    # A browser that has it asks again with its ETag: not even the bytes are sent.
    cached = client.get(path, headers={"If-None-Match": again.headers["ETag"]})
    assert cached.status_code == 304


def test_a_change_to_what_the_image_shows_makes_a_new_key_and_old_links_follow(client,
                                                                               results):
    landing = f"/challenges/{results.challenge.slug}/"
    old = meta_tags(client.get(landing).get_data(as_text=True))["og:image"]
    challenge = db.session.get(WeeklyChallenge, results.challenge.id)
    challenge.title = "Dream Week, renamed"
    db.session.commit()
    new = meta_tags(client.get(landing).get_data(as_text=True))["og:image"]
    assert new != old
    stale = client.get(site_path(old))
    assert stale.status_code == 302 and stale.headers["Location"] == new
    assert "no-store" in stale.headers["Cache-Control"]
    assert client.get(site_path(new)).status_code == 200


def test_an_unchanged_page_keeps_its_image_url(client, results):
    landing = f"/challenges/{results.challenge.slug}/"
    first = meta_tags(client.get(landing).get_data(as_text=True))["og:image"]
    second = meta_tags(client.get(landing).get_data(as_text=True))["og:image"]
    assert first == second


def test_an_uploaded_picture_is_shown_and_a_linked_one_falls_back_to_the_theme_colour(
        client, results):
    slug = results.challenge.slug
    accent = THEMES["teal"][0]
    accent_rgb = tuple(int(accent[i:i + 2], 16) for i in (1, 3, 5))
    for entry, expected in ((results.entries[0], RED), (results.entries[1], accent_rgb)):
        page = client.get(f"/challenges/{slug}/submissions/{entry.id}/").get_data(as_text=True)
        data = client.get(site_path(meta_tags(page)["og:image"])).data
        with Image.open(io.BytesIO(data)) as image:
            pixel = image.convert("RGB").getpixel((WIDTH - 200, 300))
        assert all(abs(a - b) <= 8 for a, b in zip(pixel, expected, strict=True)), pixel


def test_two_first_requests_at_once_draw_once_and_never_a_torn_file(app):
    spec = CardSpec(theme="blue", eyebrow="Weekly Challenges", title="Concurrent")
    folder = image_dir(app.config)
    before = render_count()
    paths = run_concurrently(app, lambda i: cached_image(spec, folder), 4)
    assert all(not isinstance(path, BaseException) for path in paths), paths
    assert len(set(paths)) == 1
    assert render_count() == before + 1
    assert png_size(paths[0].read_bytes()) == (1200, 630)
    leftovers = [p.name for p in paths[0].parent.iterdir() if p.name.startswith(".")]
    assert not leftovers  # no temporary file, no lock file
    assert paths[0].name == f"{image_key(spec)}.png"


def test_drafts_unknown_ids_and_bad_keys_have_no_preview(client, make_challenge):
    draft = make_challenge("active", status="draft")
    spec_key = "0" * 20
    assert client.get(f"/share/en/challenge/{draft.id}/{spec_key}.png").status_code == 404
    assert client.get(f"/share/en/challenge/not-a-uuid/{spec_key}.png").status_code == 404
    assert client.get(f"/share/en/nothing/x/{spec_key}.png").status_code == 404
    assert client.get(f"/share/xx/site/home/{spec_key}.png").status_code == 404
    assert client.get("/share/en/site/home/NOT-A-KEY.png").status_code == 404
    assert client.get(f"/share/en/member/nobody/{spec_key}.png").status_code == 404


def test_the_preview_speaks_the_page_language(client, results):
    landing = f"/challenges/{results.challenge.slug}/"
    english = meta_tags(client.get(landing).get_data(as_text=True))["og:image"]
    spanish = meta_tags(client.get(landing, headers={"Accept-Language": "es"})
                        .get_data(as_text=True))["og:image"]
    assert "/share/en/" in english and "/share/es/" in spanish and english != spanish
    # A crawler fetching the Spanish image sends no language: it still gets that image.
    assert client.get(site_path(spanish)).status_code == 200


def test_the_home_page_previews_the_challenge_open_now(client, frozen_clock, make_challenge):
    site_only = meta_tags(client.get("/").get_data(as_text=True))["og:image"]
    assert "/share/en/site/home/" in site_only
    current = make_challenge("active", now=frozen_clock(), title="Open Now")
    tags = meta_tags(client.get("/").get_data(as_text=True))
    assert f"/share/en/challenge/{current.id}/" in tags["og:image"]
    assert "Open Now" in tags["og:image:alt"]
    image = client.get(site_path(tags["og:image"]))
    assert image.status_code == 200 and png_size(image.data) == (1200, 630)
    # The landing page names the very same image.
    landing = meta_tags(client.get(f"/challenges/{current.slug}/").get_data(as_text=True))
    assert landing["og:image"] == tags["og:image"]
