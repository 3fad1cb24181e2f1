"""The calendar and a contact's agenda in a real browser (C7)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, FilePayload, Page, expect, sync_playwright

from deploy.demo import DEMO_MASTERS
from deploy.stack import Stack
from tests.browser import test_portal_in_chromium as chromium
from tests.browser.test_portal_in_chromium import log_in

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium_browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium.CHROMIUM, args=chromium.CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


@pytest.fixture
def portal(chromium_browser: Browser, stack: Stack) -> Iterator[Page]:
    context = chromium_browser.new_context(base_url=stack.portal_url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


MASTER_ZONE = ZoneInfo(DEMO_MASTERS[0].time_zone)


def add_contact(page: Page) -> tuple[str, str]:
    """A new contact of the logged-in master, through the API as the portal's own script would."""
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "portal_csrf")
    last_name = f"Agenda-{uuid.uuid4().hex[:6]}"
    response = page.request.post(
        "/api/v1/contacts",
        data={"first_name": "Dorothy", "last_name": last_name},
        headers={"x-csrf-token": csrf},
    )
    assert response.status == 201, response.text()
    return str(response.json()["id"]), f"Dorothy {last_name}"


def test_an_event_added_from_the_month_view_shows_on_the_day_and_the_dashboard(
    portal: Page,
) -> None:
    page = portal
    log_in(page)
    _, name = add_contact(page)
    today = datetime.now(MASTER_ZONE).date().isoformat()
    title = f"Portfolio review {uuid.uuid4().hex[:4]}"

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Calendar").click()
    expect(page.locator("table.calendar-month")).to_be_visible()
    expect(page.get_by_text(f"Times in {DEMO_MASTERS[0].time_zone}")).to_be_visible()
    page.get_by_role("link", name=f"New event on {today}").click()

    form = page.get_by_role("form", name="New event")
    form.get_by_role("searchbox", name="Find a contact").fill(name.split()[-1])
    contact_select = form.locator("select[name=contact_id]")
    expect(contact_select.locator("option", has_text=name)).to_have_count(1)
    contact_select.select_option(label=name)
    form.get_by_label("Title").fill(title)
    expect(form.get_by_label("Start date")).to_have_value(today)
    form.get_by_label("Start time").fill("10:00")
    # an end before the start is refused with the reason, keeping what was typed
    form.get_by_label("End time").fill("09:00")
    form.get_by_role("button", name="Save event").click()
    expect(page.get_by_text("the end must be after the start")).to_be_visible()
    form = page.get_by_role("form", name="New event")
    expect(form.get_by_label("Title")).to_have_value(title)
    form.get_by_label("End time").fill("11:30")
    form.get_by_role("button", name="Save event").click()

    expect(page).to_have_url(f"{page.url.split('/calendar')[0]}/calendar/day?date={today}")
    row = page.locator("table.calendar-day tr", has_text="10:00").filter(has_text=title)
    expect(row).to_contain_text("10:00–11:30")
    expect(row.get_by_role("link", name=name)).to_be_visible()

    page.get_by_role("link", name="Month").click()
    expect(page.locator(f'td[data-date="{today}"]')).to_contain_text(title)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    panel = page.get_by_role("region", name="Calendar")
    expect(panel).to_contain_text(title)
    expect(panel).to_contain_text(name)
    page.screenshot(
        path=str(Path(os.environ.get("SCREENSHOT_DIR", "/tmp")) / "dashboard-records.png")
    )


def screenshot(page: Page, name: str) -> None:
    page.screenshot(path=str(Path(os.environ.get("SCREENSHOT_DIR", "/tmp")) / name), full_page=True)


def test_a_note_added_on_the_agenda_can_be_edited_and_deleted(portal: Page) -> None:
    page = portal
    log_in(page)
    contact_id, name = add_contact(page)
    page.goto(f"/contacts/{contact_id}/agenda")
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    expect(page.get_by_role("link", name="Agenda")).to_have_attribute("aria-current", "page")

    notes = page.get_by_role("region", name="Notes")
    notes.get_by_label("New note").fill("Prefers calls after 5pm")
    notes.get_by_role("button", name="Add note").click()
    expect(page).to_have_url(f"{page.url.split('/contacts')[0]}/contacts/{contact_id}/agenda")
    notes = page.get_by_role("region", name="Notes")
    expect(notes).to_contain_text("Prefers calls after 5pm")

    notes.get_by_role("link", name="Edit note").click()
    page.get_by_role("textbox", name="Note").fill("Prefers calls after 6pm")
    page.get_by_role("button", name="Save note").click()
    notes = page.get_by_role("region", name="Notes")
    expect(notes).to_contain_text("Prefers calls after 6pm")
    expect(page.get_by_role("region", name="Notifications")).to_be_visible()

    page.once("dialog", lambda dialog: dialog.accept())
    notes.get_by_role("button", name="Delete note").click()
    expect(page.get_by_role("region", name="Notes")).to_contain_text("No notes.")


def test_a_workflow_and_a_document_added_from_the_agenda(portal: Page) -> None:
    page = portal
    log_in(page)
    contact_id, _ = add_contact(page)
    page.goto(f"/contacts/{contact_id}/agenda")

    page.get_by_role("region", name="Workflows").get_by_role("link", name="Add workflow").click()
    form = page.get_by_role("form", name="New workflow")
    form.get_by_label("Title").fill("Collect the signed form")
    form.get_by_label("Priority").select_option("high")
    form.get_by_label("Due on").fill("2031-01-15")
    form.get_by_role("button", name="Save workflow").click()
    workflows = page.get_by_role("region", name="Workflows")
    expect(workflows).to_contain_text("Collect the signed form")
    expect(workflows).to_contain_text("Due 2031-01-15 09:00")

    documents = page.get_by_role("region", name="Documents")
    documents.get_by_label("Document to upload").set_input_files(
        files=[
            FilePayload(name="tool.pdf", mimeType="application/pdf", buffer=b"MZ\x90\x00program")
        ]
    )
    documents.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("not accepted")
    page.get_by_label("File").set_input_files(
        files=[
            FilePayload(name="plan.pdf", mimeType="application/pdf", buffer=b"%PDF-1.4\n%%EOF\n")
        ]
    )
    page.get_by_role("button", name="Upload", exact=True).click()
    documents = page.get_by_role("region", name="Documents")
    expect(documents).to_contain_text("plan.pdf")
    with page.expect_download() as download:
        documents.get_by_role("link", name="Download plan.pdf").click()
    assert download.value.suggested_filename == "plan.pdf"
    screenshot(page, "contact-agenda.png")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Calendar").click()
    screenshot(page, "calendar-month.png")
