"""Importing contacts and turning on two-factor authentication in a real browser."""

from __future__ import annotations

import asyncio
import io
import os
import re
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyotp
import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, FilePayload, Page, expect, sync_playwright

from deploy.stack import Stack
from gateway.admin import create_user
from tests.browser.test_portal_in_chromium import CHROMIUM, CHROMIUM_FLAGS
from tests.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: `make test` installs Debian's chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, stack: Stack) -> Iterator[Page]:
    context = browser.new_context(base_url=stack.portal_url, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def username(stack: Stack) -> str:
    """A user of a master of its own: its contacts and its two-factor setting are its own."""
    name = f"web-{uuid.uuid4().hex[:8]}"
    creation = create_user(
        stack.database_url("gateway"), master_account_id="W" + str(uuid.uuid4().int)[:7],
        master_name="Browser Advisors", username=name, display_name="Wendy Browser",
        password=DEMO_PASSWORD,
    )  # fmt: skip
    # Playwright's sync API keeps an event loop running on this thread: use another one.
    with ThreadPoolExecutor(max_workers=1) as worker:
        assert worker.submit(asyncio.run, creation).result() is True
    return name


def log_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def csv_upload(name: str, text: str) -> FilePayload:
    return {"name": name, "mimeType": "text/csv", "buffer": text.encode("utf-8")}


def test_an_import_shows_each_bad_cell_then_adds_the_fixed_file(page: Page, username: str) -> None:
    log_in(page, username)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Contacts").click()
    page.get_by_text("Add contact", exact=True).click()
    page.get_by_role("link", name="Import contacts from a spreadsheet or vCard").click()
    expect(page.get_by_role("heading", name="Add contacts by spreadsheet or vCard")).to_be_visible()
    expect(page.get_by_role("link", name="Download the Excel template")).to_be_visible()

    header = "first_name,last_name,email\n"
    form = page.get_by_role("form", name="Import contacts")
    form.get_by_label("File to import").set_input_files(
        csv_upload("book.csv", header + "Ada,Lovelace,ada@example.com\nAlan,Turing,alan@\n")
    )
    form.get_by_role("button", name="Import contacts").click()
    problems = page.locator("table.problems tbody tr")
    expect(problems).to_have_count(1)
    expect(problems.first.locator("td")).to_have_text(["3", "email", re.compile(r".+")])
    expect(page.get_by_role("heading", name="Nothing was imported from book.csv")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "import-errors.png"))

    form = page.get_by_role("form", name="Import contacts")
    form.get_by_label("File to import").set_input_files(
        csv_upload(
            "book.csv", header + "Ada,Lovelace,ada@example.com\nAlan,Turing,alan@example.com\n"
        )
    )
    form.get_by_role("button", name="Import contacts").click()
    expect(page.get_by_role("status")).to_contain_text("2 contacts added from book.csv")

    page.get_by_role("link", name="← Contacts").click()
    expect(page.locator('td[data-column="contact"]', has_text="Alan Turing")).to_be_visible()


def test_two_factor_is_turned_on_in_settings_and_asked_for_at_login(
    page: Page, username: str
) -> None:
    log_in(page, username)
    page.goto("/contacts")
    page.get_by_text("Download", exact=True).click()
    expect(page.get_by_role("link", name="Contact summary (CSV)")).to_be_visible()
    expect(page.get_by_role("link", name="Client data (Excel)")).to_have_count(0)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    expect(page).to_have_url(re.compile(r"/settings$"))
    page.get_by_role("button", name="Set up two-factor authentication").click()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "two-factor-setup.png"))
    secret = page.locator("[data-totp-secret]").inner_text().replace(" ", "")
    authenticator = pyotp.TOTP(secret)
    form = page.get_by_role("form", name="Turn on two-factor authentication")
    form.get_by_label("Code from the app").fill(authenticator.now())
    form.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("status")).to_contain_text("Two-factor authentication is on")

    page.goto("/contacts")
    page.get_by_text("Download", exact=True).click()
    page.screenshot(path=str(SCREENSHOTS / "contacts-download-menu.png"))
    with page.expect_download() as download:
        page.get_by_role("link", name="Client data (Excel)").click()
    workbook = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert workbook.sheetnames == ["Data", "Export"]

    page.get_by_role("button", name="Log out").click()
    log_in(page, username)
    expect(page.get_by_label("Two-factor code")).to_be_visible()
    page.get_by_label("Two-factor code").fill("000000")
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong code")
    page.get_by_label("Two-factor code").fill(authenticator.at(time.time() + 30))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
