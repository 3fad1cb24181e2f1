"""Calendars and address books in a real browser (issue 15): an Apple Contacts export imported
after choosing the country of its national numbers (pre-filled from the master's time zone),
the calendar feed turned on, rotated and turned off, an Outlook .ics imported onto a contact's
calendar, the contacts downloaded as vCards."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from deploy.stack import Stack
from gateway.admin import create_user
from tests.browser.test_import_and_settings import browser  # noqa: F401  (the shared fixture)
from tests.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.browser

FIXTURES = Path(__file__).parents[1] / "fixtures" / "interop"


def feed_turned_on(page: Page, *_: object) -> None:
    """The settings page right after turning the feed on: its URL shown once (also a state the
    accessibility check visits)."""
    page.goto("/settings/calendar")
    page.get_by_role("button", name="Turn on the calendar feed").or_(
        page.get_by_role("button", name="Get a new address (the current one stops working)")
    ).click()
    expect(page.get_by_label("Subscription address")).to_be_visible()


@pytest.fixture
def page(browser: Browser, stack: Stack) -> Iterator[Page]:  # noqa: F811
    name = f"cal-{uuid.uuid4().hex[:8]}"
    creation = create_user(
        stack.database_url("gateway"), master_account_id="C" + str(uuid.uuid4().int)[:7],
        master_name="Zurich Advisors", username=name, display_name="Cal Endar",
        password=DEMO_PASSWORD, time_zone="Europe/Zurich",
    )  # fmt: skip
    with ThreadPoolExecutor(max_workers=1) as worker:  # Playwright's loop runs on this thread
        assert worker.submit(asyncio.run, creation).result() is True
    context = browser.new_context(base_url=stack.portal_url, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/login")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    yield page
    context.close()


def test_address_book_and_calendar_in_and_out(page: Page, stack: Stack) -> None:
    page.goto("/contacts/import")
    form = page.get_by_role("form", name="Import contacts")
    country = form.get_by_label("Country of national phone numbers")
    expect(country).to_have_value("CH")  # the master's time zone is Europe/Zurich
    form.get_by_label("File to import").set_input_files(str(FIXTURES / "apple.vcf"))
    form.get_by_role("button", name="Import contacts").click()
    expect(page.locator("table.problems tbody tr")).to_have_count(1)  # read as Swiss: refused
    form = page.get_by_role("form", name="Import contacts")
    form.get_by_label("Country of national phone numbers").select_option("US")
    form.get_by_label("File to import").set_input_files(str(FIXTURES / "apple.vcf"))
    form.get_by_role("button", name="Import contacts").click()
    expect(page.get_by_role("status")).to_contain_text("2 contacts added")

    page.get_by_role(
        "link", name="contacts as vCards, your calendar feed and calendar files"
    ).click()
    importing = page.get_by_role("form", name="Import events")
    importing.get_by_label("Contact").select_option(label="Johnny Appleseed")
    importing.get_by_label("Calendar file").set_input_files(str(FIXTURES / "apple.ics"))
    importing.get_by_role("button", name="Import events").click()
    expect(page.get_by_role("status")).to_contain_text("1 event added from apple.ics")

    feed_turned_on(page)
    first = page.get_by_label("Subscription address").input_value()
    anonymous = httpx.Client(base_url=stack.portal_url, timeout=15)
    subscribed = anonymous.get(urlsplit(first).path)
    assert subscribed.status_code == 200 and "BEGIN:VCALENDAR" in subscribed.text
    feed_turned_on(page)  # a new address: the first stops working
    second = page.get_by_label("Subscription address").input_value()
    assert second != first and anonymous.get(urlsplit(first).path).status_code == 404
    page.goto("/settings/calendar")
    expect(page.get_by_label("Subscription address")).to_have_count(0)  # never shown again
    page.get_by_role("button", name="Turn off the calendar feed").click()
    expect(page.get_by_role("status")).to_contain_text("The calendar feed is off")
    assert anonymous.get(urlsplit(second).path).status_code == 404

    exporting = page.get_by_role("form", name="Export contacts as vCards")
    exporting.get_by_label("Format").select_option("3.0")
    with page.expect_download() as download:
        exporting.get_by_role("button", name="Download .vcf").click()
    content = Path(download.value.path()).read_text()
    assert content.count("BEGIN:VCARD") == 2 and "VERSION:3.0" in content
    assert "+14155552671" in content
