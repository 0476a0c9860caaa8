"""Issue #11 in real Chromium: the admin's date-time fields take a date and time typed
character by character (the browser's own datetime-local control, read as UTC)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from challenges.extensions import db
from challenges.models import Role, WeeklyChallenge
from tests.e2e.test_admin_a11y import log_in

pytestmark = [pytest.mark.e2e]


def test_a_date_and_time_typed_key_by_key_is_saved_as_utc(open_page, make_user) -> None:
    make_user("editor", role=Role.EDITOR)
    page = open_page(locale="en-US", width=1280, height=800)
    log_in(page, "editor")
    page.goto("/admin/challenges/new/")
    page.locator("#title").fill("Typed Times")
    page.locator("#slug").fill("typed-times")
    page.locator("#description").fill("Dates typed by hand.")
    page.locator("#prompt").fill("Type.")
    typed = {
        # month, day, year, hour, minute, AM/PM (en-US order), one key at a time as a person
        # types them; the year takes up to six digits, so they step on to the hour with ->.
        "starts_at": ("01312027", "0630P", "2027-01-31T18:30"),
        "submission_deadline": ("02052027", "0900A", "2027-02-05T09:00"),
        "voting_deadline": ("02072027", "1000A", "2027-02-07T10:00"),
        "ends_at": ("02082027", "1200P", "2027-02-08T12:00"),
    }
    for name, (date_keys, time_keys, expected) in typed.items():
        field = page.locator(f"#{name}")
        expect(field).to_have_attribute("type", "datetime-local")
        field.focus()
        for key in [*date_keys, "ArrowRight", *time_keys]:
            page.keyboard.press(key)
        expect(field).to_have_value(expected)
    expect(page.locator(".daterangepicker:visible")).to_have_count(0)  # no picker rewrites it
    page.locator("form.admin-form input[type=submit]").first.click()
    expect(page.get_by_text("Record was successfully created.")).to_be_visible()

    db.session.expire_all()
    saved = db.session.scalar(select(WeeklyChallenge).where(WeeklyChallenge.slug == "typed-times"))
    assert saved is not None
    assert saved.starts_at == datetime(2027, 1, 31, 18, 30, tzinfo=UTC)
    assert saved.ends_at == datetime(2027, 2, 8, 12, 0, tzinfo=UTC)
