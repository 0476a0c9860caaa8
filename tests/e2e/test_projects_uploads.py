"""In real Chromium (SPEC §3): a member with no projects enters a challenge that requires one,
with JavaScript (the modal, and the picker's inline "Create project") and without (the submit
form's own new-project fields), uploading an image each time; the gallery shows it as a 480 px
WebP thumbnail with srcset. A 20 MB file is refused with a message, by app.js the moment it is
chosen and, without JavaScript, by the server (413) with the form sent back. The submit form is
photographed at 1280 and 375 px wide (set E2E_SCREENSHOTS to a folder to keep the pictures)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.projects.images import image_bytes

from .conftest import LiveServer
from .entries_support import log_in as log_in_by_field_names
from .test_core_loop import ENTRY_URL, Browsers, browsers, log_in, wait_for_htmx  # noqa: F401

pytestmark = pytest.mark.e2e
THUMBNAIL = r"/uploads/[0-9a-f]{64}-480\.webp$"


@pytest.fixture
def picture(tmp_path: Path) -> Path:
    path = tmp_path / "my art.png"
    path.write_bytes(image_bytes("PNG", (1600, 1000)))
    return path


def gallery_shows_the_thumbnail(page: Page, slug: str, title: str) -> None:
    page.goto(f"/challenges/{slug}/submissions/")
    card = page.locator(".entry-card", has_text=title)
    img = card.locator(".entry-media img")
    expect(img).to_have_attribute("src", re.compile(THUMBNAIL))
    expect(img).to_have_attribute("srcset", re.compile(r"-480\.webp 480w, .*\.webp 1200w$"))
    expect(img).to_have_attribute("sizes", re.compile(r"vw"))
    img.scroll_into_view_if_needed()
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0",
                           arg=img.element_handle())
    loaded = img.evaluate("(img) => img.currentSrc")
    response = page.request.get(loaded)
    assert response.headers["content-type"] == "image/webp"
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    photograph(page, f"gallery-{page.viewport_size['width']}")


def photograph(page: Page, name: str) -> None:
    """Save a screenshot when E2E_SCREENSHOTS names a folder; always check that nothing
    overflows the viewport sideways."""
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, name
    if folder := os.environ.get("E2E_SCREENSHOTS"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.evaluate("window.scrollTo(0, 0)")  # the sticky header belongs at the top
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


def test_with_javascript_a_member_creates_a_project_inline_and_uploads_an_image(
        page: Page, live_server: LiveServer, make_user, make_challenge, picture: Path) -> None:
    challenge = make_challenge("active", require_project_link=True)
    member = make_user()
    log_in(page, member.username)
    page.goto(f"/challenges/{challenge.slug}/")
    wait_for_htmx(page)
    page.get_by_role("link", name="Submit Your Entry").click()
    modal = page.get_by_role("dialog", name="Submit your entry")
    expect(modal).to_be_visible()

    # No projects yet: the picker offers to create one, open, with a working button.
    expect(modal.get_by_label("Link a project")).to_have_count(0)
    modal.get_by_label("New project name").fill("My portfolio")
    modal.get_by_label("New project link").fill("https://portfolio.example")
    modal.get_by_label("Title", exact=True).fill("Inline dream")
    modal.get_by_role("button", name="Create project").click()

    # The picker comes back with the new project selected; the rest of the form is intact.
    picker = modal.get_by_label("Link a project")
    expect(picker.locator("option:checked")).to_have_text("My portfolio")
    expect(picker).to_be_focused()
    expect(modal.get_by_role("status")).to_contain_text("created and selected")
    expect(modal.get_by_label("Title", exact=True)).to_have_value("Inline dream")

    modal.get_by_label("Or upload an image").set_input_files(picture)
    modal.get_by_label("Image description (alt text)").fill("Purple and gold")
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        photograph(page, f"submit-modal-{width}")
    modal.get_by_role("button", name="Submit entry").click()

    expect(page).to_have_url(re.compile(ENTRY_URL.format(slug=challenge.slug)))
    expect(page.get_by_role("heading", name="Inline dream")).to_be_visible()
    expect(page.get_by_role("img", name="Purple and gold")).to_have_attribute(
        "src", re.compile(r"/uploads/[0-9a-f]{64}\.webp$"))
    gallery_shows_the_thumbnail(page, challenge.slug, "Inline dream")


def test_without_javascript_the_submit_form_creates_the_project_with_the_entry(
        page: Page, browsers: Browsers, make_user, make_challenge,  # noqa: F811
        picture: Path) -> None:
    challenge = make_challenge("active", require_project_link=True)
    member = make_user()
    plain = browsers.page(javascript=False)
    log_in(plain, member.username)
    plain.goto(f"/challenges/{challenge.slug}/")
    plain.get_by_role("link", name="Submit Your Entry").click()
    expect(plain).to_have_url(re.compile(rf"/challenges/{challenge.slug}/submit$"))

    # The "Create project" button needs JavaScript, so it is not shown; the fields are.
    expect(plain.get_by_role("button", name="Create project")).to_have_count(0)
    plain.get_by_label("Title", exact=True).fill("Quiet dream")
    plain.get_by_label("New project name").fill("Sketchbook")
    plain.get_by_label("New project link").fill("https://sketchbook.example")
    plain.get_by_label("Or upload an image").set_input_files(picture)
    plain.get_by_label("Image description (alt text)").fill("A quiet purple field")
    for width in (1280, 375):
        plain.set_viewport_size({"width": width, "height": 900})
        photograph(plain, f"submit-page-{width}")
    plain.get_by_role("button", name="Submit entry").click()

    expect(plain).to_have_url(re.compile(ENTRY_URL.format(slug=challenge.slug)))
    expect(plain.get_by_text("Your entry is in!")).to_be_visible()
    plain.goto("/me/projects")
    expect(plain.get_by_test_id("project-list")).to_contain_text("Sketchbook")
    expect(plain.get_by_test_id("project-list")).to_contain_text("1 entry")
    photograph(plain, "my-projects-375")

    # The gallery, seen with JavaScript (the page fixture watches its console).
    gallery_shows_the_thumbnail(page, challenge.slug, "Quiet dream")


def test_without_javascript_a_20_mb_file_comes_back_with_a_message(
        page: Page, browsers: Browsers, make_user, make_challenge,  # noqa: F811
        console, tmp_path: Path) -> None:
    """The browser sends 20 MB; the server refuses it unread (413) and the member sees the form
    with the reason at the file field, not a broken connection or an error page."""
    console.allow(r"status of 413")
    challenge = make_challenge("active")
    huge = tmp_path / "huge.png"
    huge.write_bytes(b"\0" * (20 * 1024 * 1024))
    plain = browsers.page(javascript=False)
    log_in(plain, make_user().username)
    plain.goto(f"/challenges/{challenge.slug}/submit")
    plain.get_by_label("Title", exact=True).fill("Too big")
    plain.get_by_label("Or upload an image").set_input_files(huge)
    plain.get_by_label("Image description (alt text)").fill("Nothing")
    plain.get_by_role("button", name="Submit entry").click()
    expect(plain.locator("#image_file-error")).to_contain_text("larger than 10 MB")
    expect(plain.get_by_role("heading", name="Submit your entry")).to_be_visible()


# The page's language: the submit link, the dialog, the file field and app.js's refusal (the
# server's own message, handed over in data-too-large).
TOO_LARGE_IN = {
    "en": ("Submit Your Entry", "Submit your entry", "Or upload an image",
           "That file is larger than 10 MB. Choose a smaller image."),
    "es": ("Envía tu participación", "Envía tu participación", "O sube una imagen",
           "Ese archivo pesa más de 10 MB. Elige una imagen más pequeña."),
}


@pytest.mark.parametrize("locale", list(TOO_LARGE_IN))
def test_with_javascript_a_file_over_the_limit_is_refused_as_soon_as_it_is_chosen(
        open_page, make_user, make_challenge, tmp_path: Path, locale: str) -> None:
    link, dialog, label, refusal = TOO_LARGE_IN[locale]
    challenge = make_challenge("active")
    huge = tmp_path / "huge.png"
    huge.write_bytes(b"\0" * (20 * 1024 * 1024))
    page = open_page(locale=locale)
    log_in_by_field_names(page, make_user().username)
    page.goto(f"/challenges/{challenge.slug}/")
    wait_for_htmx(page)
    page.get_by_role("link", name=link).click()
    modal = page.get_by_role("dialog", name=dialog)
    modal.get_by_label(label).set_input_files(huge)
    expect(modal.get_by_role("alert")).to_have_text(refusal)
    expect(modal.get_by_label(label)).to_have_value("")
