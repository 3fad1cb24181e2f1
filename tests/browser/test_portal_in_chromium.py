"""The portal in a real browser: Debian's chromium driven by Playwright (no browser download)."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from deploy.demo import demo_user
from deploy.stack import Stack
from tests.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync"]  # fmt: skip


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: `make test` installs Debian's chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, stack: Stack) -> Iterator[Page]:
    context = browser.new_context(base_url=stack.portal_url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def log_in(page: Page) -> None:
    page.goto("/dashboard")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("Username").fill(demo_user())
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def test_a_wrong_password_shows_an_error(page: Page) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(demo_user())
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong username or password")


def test_adding_a_contact_updates_the_dashboard_statistics(page: Page) -> None:
    log_in(page)
    total = page.locator('[data-stat="total"]')
    before = int(total.inner_text())

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Contacts").click()
    page.get_by_text("Add contact").click()
    last_name = f"Browser-{uuid.uuid4().hex[:6]}"
    form = page.get_by_role("form", name="Add contact")
    form.get_by_label("First name").fill("Katherine")
    form.get_by_label("Last name").fill(last_name)
    form.get_by_role("button", name="Save contact").click()
    expect(page.get_by_role("status")).to_contain_text(f"Katherine {last_name} added")
    expect(page.get_by_role("cell", name=f"Katherine {last_name}")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    # The figure arrives through Kafka (contacts -> outbox -> analytics) and the page refreshes it.
    expect(total).not_to_have_text(str(before), timeout=20_000)
    assert int(total.inner_text()) > before
    page.screenshot(path=str(Path(os.environ.get("SCREENSHOT_DIR", "/tmp")) / "dashboard.png"))


def test_the_contacts_form_names_the_bad_field(page: Page) -> None:
    log_in(page)
    page.goto("/contacts")
    page.get_by_text("Add contact").click()
    form = page.get_by_role("form", name="Add contact")
    form.get_by_label("First name").fill("Ada")
    form.get_by_label("Last name").fill("Lovelace")
    form.get_by_label("Phone").fill("call me maybe")
    form.get_by_role("button", name="Save contact").click()
    expect(page.locator(".error")).to_contain_text("String should match pattern")
