"""Merging duplicates in a real browser (C6): find two prospects, select them, resolve the
conflicting value, keep one, and see a single record left."""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser import test_portal_in_chromium as chromium
from tests.browser.test_portal_in_chromium import log_in

pytestmark = pytest.mark.browser

browser, page = chromium.browser, chromium.page  # the shared fixtures
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp"))


def add_prospect(page: Page, first_name: str, last_name: str, **fields: str) -> str:
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "portal_csrf")
    response = page.request.post(
        "/api/v1/contacts",
        data={"first_name": first_name, "last_name": last_name, **fields},
        headers={"x-csrf-token": csrf},
    )
    assert response.status == 201, response.text()
    return str(response.json()["id"])


def test_two_prospects_are_merged_into_one(page: Page) -> None:
    log_in(page)
    family = f"Twin-{uuid.uuid4().hex[:6]}"
    add_prospect(page, "Katherine", family, email=f"{family.lower()}@example.com")
    add_prospect(page, "Catherine", family, phone="+1 201 555 0163")

    page.goto("/contacts")
    page.get_by_role("link", name="Merge duplicates").click()
    expect(page.get_by_role("heading", name="Likely duplicates")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "merge.png"), full_page=True)
    page.get_by_role("searchbox", name="Search prospects").fill(family)
    page.get_by_role("button", name="Search").click()
    selection = page.get_by_role("form", name="Selected prospects")
    selection.get_by_label(f"Select Katherine {family}").check()
    selection.get_by_label(f"Select Catherine {family}").check()
    selection.get_by_role("button", name="Review merge").click()

    expect(page.get_by_role("heading", name="Review merge")).to_be_visible()
    first_name = page.locator('tr[data-path="profile.contact.first_name"]')
    expect(first_name).to_have_class(re.compile(r"\bconflict\b"))
    page.screenshot(path=str(SCREENSHOTS / "merge_review.png"), full_page=True)
    # without the browser's own check, the service names the unresolved conflict
    page.evaluate("document.querySelectorAll('[required]').forEach(e => e.required = false)")
    page.get_by_role("button", name="Merge 2 records").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose a value for every highlighted field")
    expect(first_name).to_have_class(re.compile(r"\binvalid\b"))
    first_name.get_by_label(f"First name: Catherine (Catherine {family})").check()
    page.get_by_role("columnheader", name=f"Catherine {family}").get_by_label(
        "Keep this record"
    ).check()
    page.get_by_role("button", name="Merge 2 records").click()

    expect(page.get_by_role("status")).to_contain_text(f"Merged 1 record into Catherine {family}")
    expect(page.get_by_text(f"{family.lower()}@example.com")).to_be_visible()
    expect(page.get_by_text("+12015550163")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "merged.png"))

    page.goto(f"/contacts?q={family}")
    rows = page.locator("table.contacts tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(f"Catherine {family}")
