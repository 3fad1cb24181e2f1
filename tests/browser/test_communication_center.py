"""The communication center in a real browser (issue 9): a template written, checked and
previewed in its sandboxed frame; a message composed to one client and followed to delivery."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.browser import test_portal_in_chromium as chromium
from tests.browser.test_portal_in_chromium import log_in

pytestmark = pytest.mark.browser

browser, page = chromium.browser, chromium.page  # the shared fixtures


def test_a_template_is_written_refused_then_previewed(page: Page) -> None:
    log_in(page)
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Communication center"
    ).click()
    page.get_by_role("link", name=re.compile("^Templates")).click()
    page.get_by_role("link", name="New template").click()
    name = f"Welcome {uuid.uuid4().hex[:6]}"
    form = page.get_by_role("form", name="New template")
    form.get_by_label("Name").fill(name)
    form.get_by_label("Subject").fill("Hello {{ first_name }}")
    form.get_by_label("Body").fill("<p>Dear {{ client_name.__class__ }}</p>")
    form.get_by_role("button", name="Save template").click()
    expect(page.locator("#body-error")).to_contain_text("attribute access")

    form = page.get_by_role("form", name="New template")
    form.get_by_label("Body").fill("<p>Dear {{ client_name }}, welcome.</p>")
    form.get_by_role("button", name="Save template").click()
    expect(page.get_by_role("status")).to_contain_text("Template saved")
    expect(page.get_by_role("heading", name=f"Template: {name}")).to_be_visible()
    expect(page.get_by_role("table", name="Variables a message may use")).to_contain_text(
        "first_name"
    )

    page.get_by_role("button", name="Check and preview").click()
    expect(page.get_by_role("heading", name="Preview")).to_be_visible()
    expect(page.get_by_text("Subject: Hello Ada")).to_have_count(3)
    frame = page.frame_locator("iframe[name='preview-frame-E']")
    expect(frame.locator("body")).to_contain_text("Dear Ada Lovelace, welcome.")

    page.goto("/messages/templates")
    expect(page.get_by_role("link", name=name)).to_be_visible()


def test_a_message_is_composed_to_one_client_and_delivered(page: Page) -> None:
    log_in(page)
    for _ in range(90):  # the simulated back office opens the master's clients
        found = page.request.get("/api/v1/recipients?page_size=1").json()["items"]
        if found:
            break
        page.wait_for_timeout(1000)
    recipient = found[0]

    page.goto("/messages/compose")
    form = page.get_by_role("form", name="Compose")
    form.get_by_label("Email (E)").uncheck()
    form.get_by_role("searchbox", name="Find client accounts").fill(recipient["account_number"])
    form.get_by_role("button", name="Find").click()
    form = page.get_by_role("form", name="Compose")
    form.get_by_role("list", name="Accounts found").get_by_role("checkbox").first.check()
    form.get_by_role("button", name="Show who it reaches").click()
    expect(page.locator("[data-recipient-count]")).to_have_attribute("data-recipient-count", "1")
    form = page.get_by_role("form", name="Compose")
    subject = f"Browser letter {uuid.uuid4().hex[:6]}"
    form.get_by_label("Subject").fill(subject)
    form.get_by_role("textbox", name="Message *").fill("<p>Dear {{ first_name }}, hello.</p>")
    form.get_by_role("button", name="Send message").click()

    expect(page.get_by_role("status")).to_contain_text("Message accepted")
    expect(page.get_by_role("heading", name=subject)).to_be_visible()
    expect(page.locator("[data-status-count='delivered']")).to_have_text("1", timeout=30_000)
    page.get_by_role("link", name=re.compile("^View as")).first.click()
    expect(page.locator("[data-hash='matches']")).to_be_visible()

    page.goto(f"/contacts/{recipient['contact_id']}/message-center")
    page.get_by_role("button", name=subject).click()
    expect(page.frame_locator("iframe.mail-body").locator("body")).to_contain_text(
        f"Dear {recipient['first_name']}, hello."
    )
