"""Account linkage in a real browser (issue 11): the wizard walked for a client the back office
reports with two accounts — the lower-level device refused with its reason, the differing
address reconciled, a banking instruction kept, the confirmation for Friday — each step's page
checked with axe-core; and the client's devices page reached from the contact record."""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from deploy.stack import Stack
from tests.browser import test_portal_in_chromium as chromium
from tests.browser.axe import axe_source
from tests.browser.test_portal_in_chromium import log_in

pytestmark = pytest.mark.browser

browser = chromium.browser  # the shared fixture


@pytest.fixture
def checked_page(browser: Browser, stack: Stack) -> Iterator[Page]:
    context = browser.new_context(base_url=stack.portal_url)
    context.add_init_script(script=axe_source())
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def an_accounts_devices(page: Page, book: Any) -> None:
    """The devices page of the book's client's account, from its linkage page (once linkage
    has heard of the account from the back office)."""
    for _ in range(60):
        page.goto(f"/contacts/{book.client}/linkage")
        link = page.get_by_role("link", name=re.compile("^Devices of "))
        if link.count():
            link.first.click()
            expect(
                page.get_by_role("heading", name=re.compile("^Security devices of"))
            ).to_be_visible()
            return
        page.wait_for_timeout(1000)
    raise AssertionError("linkage never heard of the client's account")


def test_the_wizard_is_walked_to_a_confirmation_for_friday(
    checked_page: Page, stack: Stack
) -> None:
    from tests.browser.test_accessibility import check
    from tests.e2e.test_linkage import seed_client

    page = checked_page
    with ThreadPoolExecutor(1) as thread:  # Playwright's sync API owns this thread's loop
        holder, accounts = thread.submit(seed_client, stack).result()
    log_in(page)
    for _ in range(60):
        found = page.request.get("/api/v1/linkage/eligible-clients").json()["items"]
        if holder in {item["holder_id"] for item in found}:
            break
        page.wait_for_timeout(1000)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Account linkage").click()
    check(page, "linkage")
    page.get_by_label("Client to link").select_option(value=holder)
    page.get_by_role("button", name="Start linking").click()

    expect(page.get_by_role("heading", name="1. Accounts and the username to keep")).to_be_visible()
    page.locator(f"#keep-{accounts[1]}").check()  # the Gold account: lower than the Alpine
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("highest-level security device")
    expect(page.get_by_role("alert")).to_contain_text(f"keep {accounts[0]}")
    check(page, "linkage-accounts-refused")
    page.locator(f"#keep-{accounts[0]}").check()
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="2. Account information")).to_be_visible()
    page.get_by_role("button", name="Continue").click()  # the differing address not chosen
    expect(page.locator("#residential_address-error")).to_contain_text("choose the value to keep")
    check(page, "linkage-reconciliation-refused")
    page.get_by_label(re.compile("9 Elm St")).check()
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="3. Standing banking instructions")).to_be_visible()
    page.get_by_label(re.compile("ACH — Chase")).first.check()
    check(page, "linkage-banking")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="4. Confirmation")).to_be_visible()
    expect(page.locator(".linkage-summary")).to_contain_text("9 Elm St")
    check(page, "linkage-confirmation")
    page.get_by_role("button", name="Confirm the link request").click()
    expect(page.get_by_role("status")).to_contain_text("Confirmed")
    expect(page.get_by_text(re.compile(r"weekly batch of Friday"))).to_be_visible()
    check(page, "linkage-confirmed")

    page.get_by_role("button", name="Cancel the request").click()
    expect(page.get_by_role("status")).to_contain_text("cancelled")
    page.goto(f"/devices/{accounts[1]}")
    expect(page.get_by_role("table", name=re.compile("security devices"))).to_contain_text("Gold")
    page.get_by_role("button", name="Issue a temporary code").click()
    expect(page.locator("#temporary-code")).to_have_text(re.compile(r"^[A-Z2-9]{10}$"))
    check(page, "devices-temporary-code")
