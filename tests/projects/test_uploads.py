"""SPEC §3: an image may be uploaded (PNG/JPEG/WebP, at most 10 MB, re-encoded). Pillow decodes
and re-encodes it (metadata stripped) into a 1200 px display image and a 480 px WebP thumbnail
that the gallery shows with srcset; a file too large, a non-image and a decompression bomb are
refused with a message at the field, and nothing is stored."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlalchemy import func, select
from werkzeug.test import encode_multipart

from challenges.extensions import db
from challenges.models import ChallengeSubmission
from challenges.uploads.images import MAX_PIXELS, UploadRefused, process_image

from .conftest import stored_files
from .images import MIME, SUFFIX, bomb_png, image_bytes, jpeg_with_gps, upload

MB = 1024 * 1024
HTMX = {"HX-Request": "true"}


@pytest.fixture
def member(make_user, client, login):
    user = make_user()
    login(client, user)
    return user


@pytest.fixture
def challenge(make_challenge):
    return make_challenge("active")


def post_entry(client, challenge, file, headers=None, **fields):
    """POST the submit form as multipart, encoded up front: the test client would spool a
    large body to a temporary file it never closes (a ResourceWarning, an error here)."""
    data = {"csrf_token": client.csrf_token(), "title": "Uploaded",
            "image_alt_text": "Purple and gold", "image_file": file, **fields}
    boundary, body = encode_multipart(data)
    return client.post(f"/challenges/{challenge.slug}/submit", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}",
                       headers=headers or {})


def entries() -> int:
    return db.session.scalar(select(func.count()).select_from(ChallengeSubmission))


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_each_accepted_format_becomes_a_webp_display_image_and_thumbnail(fmt):
    result = process_image(image_bytes(fmt, (1600, 1000)), 10 * MB)
    display, thumbnail = decoded(result.display), decoded(result.thumbnail)
    assert (display.format, display.size) == ("WEBP", (1200, 750))
    assert (thumbnail.format, thumbnail.size) == ("WEBP", (480, 300))


def test_metadata_is_stripped():
    source = jpeg_with_gps()
    assert Image.open(io.BytesIO(source)).getexif()  # the fixture really carries EXIF
    result = process_image(source, 10 * MB)
    for data in (result.display, result.thumbnail):
        image = decoded(data)
        assert not image.getexif() and "exif" not in image.info and "icc_profile" not in image.info


def test_a_small_image_is_never_enlarged():
    result = process_image(image_bytes("PNG", (300, 200)), 10 * MB)
    assert decoded(result.display).size == decoded(result.thumbnail).size == (300, 200)


def test_the_file_is_named_by_its_content():
    data = image_bytes("PNG")
    assert process_image(data, 10 * MB).key == process_image(data, 10 * MB).key
    assert process_image(image_bytes("PNG", (800, 600)), 10 * MB).key != \
        process_image(data, 10 * MB).key


@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty"),
    (b"not an image, just text\n" * 100, "not a PNG, JPEG or WebP image"),
    (image_bytes("GIF", (50, 50)), "not a PNG, JPEG or WebP image"),
    (bomb_png(), "too large in pixels"),  # 10 gigapixels: Pillow's DecompressionBombError
    (bomb_png(7000, 7000), "too large in pixels"),  # 49 MP: Pillow's warning, as an error
    (image_bytes("PNG")[:300], "could not be read"),  # truncated
    (b"\0" * (10 * MB + 1), "larger than 10 MB"),
])
def test_what_is_not_an_acceptable_image_is_refused_with_a_reason(data, message):
    with pytest.raises(UploadRefused, match=message):
        process_image(data, 10 * MB)


def test_the_pixel_limit_is_pillows_own_guard():
    assert Image.MAX_IMAGE_PIXELS == MAX_PIXELS


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_an_uploaded_image_shows_in_the_gallery_as_a_webp_thumbnail(client, member, challenge,
                                                                    uploads, fmt):
    response = post_entry(client, challenge,
                          upload(image_bytes(fmt), f"art.{SUFFIX[fmt]}", MIME[fmt]))
    assert response.status_code == 302, response.get_data(as_text=True)
    entry = db.session.scalar(select(ChallengeSubmission))
    key = entry.image_upload
    assert stored_files(uploads) == sorted([f"{key}.webp", f"{key}-480.webp"])

    gallery = client.get(f"/challenges/{challenge.slug}/submissions/").get_data(as_text=True)
    img = re.search(r'<img src="([^"]+)" srcset="([^"]+)"\s+sizes="([^"]+)"', gallery)
    assert img, gallery
    assert img.group(1) == f"/uploads/{key}-480.webp"
    assert img.group(2) == f"/uploads/{key}-480.webp 480w, /uploads/{key}.webp 1200w"
    served = client.get(img.group(1))
    body = served.get_data()
    served.close()  # the file behind send_from_directory
    assert served.status_code == 200 and served.mimetype == "image/webp"
    assert decoded(body).format == "WEBP" and decoded(body).width == 480
    assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert served.headers["X-Content-Type-Options"] == "nosniff"

    page = client.get(f"/challenges/{challenge.slug}/submissions/{entry.id}/")
    assert f'src="/uploads/{key}.webp"' in page.get_data(as_text=True)


def test_the_api_gives_the_uploaded_image_as_an_absolute_url(client, member, challenge,
                                                             uploads):
    post_entry(client, challenge, upload(image_bytes("PNG"), "art.png"))
    key = db.session.scalar(select(ChallengeSubmission)).image_upload
    listed = client.get(f"/api/challenges/{challenge.slug}/submissions/").get_json()
    assert listed["results"][0]["image_url"] == f"http://localhost/uploads/{key}.webp"


def refused_at_the_field(response, message: str) -> None:
    page = response.get_data(as_text=True)
    error = re.search(r'<p class="error" id="image_file-error">([^<]*)</p>', page)
    assert error and message in error.group(1), page[:3000]


@pytest.mark.parametrize(("file", "status", "message"), [
    (upload(b"\0" * (20 * MB), "huge.png"), 413, "larger than 10 MB"),
    (upload(b"\0" * (10 * MB + 100), "big.png"), 422, "larger than 10 MB"),
    (upload(b"I am a text file.\n" * 50, "cat.png"), 422, "not a PNG, JPEG or WebP image"),
    (upload(bomb_png(), "bomb.png"), 422, "too large in pixels"),
], ids=["20MB", "just-over-10MB", "text-renamed-png", "decompression-bomb"])
def test_a_refused_upload_is_explained_at_the_field_and_nothing_is_stored(
        client, member, challenge, uploads, file, status, message):
    response = post_entry(client, challenge, file)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    refused_at_the_field(response, message)
    assert 'id="form-title"' in response.get_data(as_text=True)  # the form, not an error page
    assert stored_files(uploads) == [] and entries() == 0


@pytest.mark.parametrize("size", [20 * MB, 10 * MB + 100], ids=["413", "just-over"])
def test_the_refusal_of_a_large_file_is_in_the_members_language(client, member, challenge,
                                                                uploads, size):
    """Spanish, both where the server refuses (the body over the request limit, and a file
    over the upload limit) and where app.js does (``data-too-large`` on the file input)."""
    spanish = {"Accept-Language": "es"}
    message = "Ese archivo pesa más de 10 MB. Elige una imagen más pequeña."
    form = client.get(f"/challenges/{challenge.slug}/submit", headers=spanish)
    assert f'data-too-large="{message}"' in form.get_data(as_text=True)
    response = post_entry(client, challenge, upload(b"\0" * size, "big.png"), headers=spanish)
    refused_at_the_field(response, message)
    assert stored_files(uploads) == []


def test_with_htmx_a_20_mb_file_comes_back_in_the_modal(client, member, challenge, uploads):
    response = post_entry(client, challenge, upload(b"\0" * (20 * MB), "huge.png"),
                          headers=HTMX)
    assert response.status_code == 422  # htmx swaps 422 (base.html), not 413
    assert 'role="dialog"' in response.get_data(as_text=True)
    refused_at_the_field(response, "larger than 10 MB")
    assert stored_files(uploads) == []


def test_a_form_sent_back_for_other_errors_keeps_the_upload(client, member, challenge,
                                                            uploads):
    response = post_entry(client, challenge, upload(image_bytes("PNG"), "art.png"), title="")
    assert response.status_code == 422
    key = re.search(r'name="image_upload" type="hidden" value="([0-9a-f]{64})"',
                    response.get_data(as_text=True))
    assert key, response.get_data(as_text=True)
    response = client.post_form(f"/challenges/{challenge.slug}/submit", {
        "title": "Second try", "image_alt_text": "Purple", "image_upload": key.group(1)})
    assert response.status_code == 302
    assert db.session.scalar(select(ChallengeSubmission)).image_upload == key.group(1)


def test_a_key_that_names_no_stored_image_is_dropped(client, member, challenge, uploads):
    response = client.post_form(f"/challenges/{challenge.slug}/submit", {
        "title": "Forged", "image_alt_text": "x", "image_upload": "f" * 64})
    assert response.status_code == 422  # no image left: "add an image, a link, or a project"
    assert entries() == 0


def test_the_author_removes_an_uploaded_image_when_editing(client, member, challenge,
                                                          uploads):
    post_entry(client, challenge, upload(image_bytes("PNG"), "art.png"),
               external_url="https://me.example/work")
    entry = db.session.scalar(select(ChallengeSubmission))
    url = f"/challenges/{challenge.slug}/submissions/{entry.id}/edit"
    form = client.get(url).get_data(as_text=True)
    assert "Remove the uploaded image" in form
    response = client.post_form(url, {"title": "Uploaded", "image_upload": entry.image_upload,
                                      "remove_upload": "y",
                                      "external_url": "https://me.example/work"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ChallengeSubmission, entry.id).image_upload == ""


@pytest.mark.parametrize("name", ["../secret_key", "x.webp", "A" * 64 + ".webp",
                                  "0" * 64 + ".png", "0" * 64 + ".webp"])
def test_the_upload_route_serves_only_stored_images(client, uploads, name):
    assert client.get(f"/uploads/{name}").status_code == 404


def test_editing_with_a_20_mb_file_keeps_the_entry_and_says_why(client, member, challenge,
                                                                uploads):
    post_entry(client, challenge, upload(image_bytes("PNG"), "art.png"))
    entry = db.session.scalar(select(ChallengeSubmission))
    boundary, body = encode_multipart({"csrf_token": client.csrf_token(), "title": "Changed",
                                       "image_file": upload(b"\0" * (20 * MB), "huge.png")})
    response = client.post(f"/challenges/{challenge.slug}/submissions/{entry.id}/edit",
                           data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413
    refused_at_the_field(response, "larger than 10 MB")
    assert 'value="Uploaded"' in response.get_data(as_text=True)  # the saved entry, as it was
    db.session.expire_all()
    assert db.session.get(ChallengeSubmission, entry.id).title == "Uploaded"
