"""The Full Service program (C12) in a real browser: the signed form recorded and accepted on the
client's Transfer & Pay tab, a withdrawal refused for a bad amount then held, confirmed by the
Funding Authorizer (the primary user holds the right) and rejected by the simulated back office,
whose reason the tab shows; held withdrawals cancelled on the tab and declined, with the reason,
from the Funding Authorizer's list."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import FilePayload, Page, expect

from tests.browser import test_portal_in_chromium as chromium
from tests.browser.test_portal_in_chromium import log_in

pytestmark = pytest.mark.browser

browser, page = chromium.browser, chromium.page  # the shared fixtures
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _an_open_client(page: Page, which: int = -1) -> str:
    for _ in range(90):  # the simulated back office opens the master's clients
        items = page.request.get("/api/v1/contacts?kind=client&page_size=50").json()["items"]
        found = [i for i in items if i["status"] == "open" and i["account_number"]]
        if found:
            return str(found[which]["id"])
        page.wait_for_timeout(1000)
    raise AssertionError("the simulator opened no client account")


def _a_client_not_enrolled(page: Page) -> str:
    """An open client that no earlier test (the stack is shared) has enrolled."""
    _an_open_client(page)  # once the simulator has opened some
    items = page.request.get("/api/v1/contacts?kind=client&page_size=50").json()["items"]
    for item in reversed([i for i in items if i["status"] == "open" and i["account_number"]]):
        page.goto(f"/contacts/{item['id']}/full-service")
        if page.locator("[data-enrolment]").get_attribute("data-enrolment") == "none":
            return str(item["id"])
    raise AssertionError("every open client of the first page is enrolled")


def test_a_withdrawal_is_held_confirmed_and_its_rejection_shown(page: Page) -> None:
    log_in(page)
    client = _a_client_not_enrolled(page)
    page.goto(f"/contacts/{client}")
    page.get_by_role("navigation", name="Record").get_by_role("link", name="Transfer & Pay").click()
    expect(page.locator("[data-enrolment]")).to_have_text("Not enrolled")
    form = page.get_by_role("form", name="Record the signed form")
    form.get_by_label("Signed Supplemental Limited Power of Attorney form").set_input_files(
        FilePayload(name="slpoa.pdf", mimeType="application/pdf", buffer=PDF)
    )
    form.get_by_role("button", name="Record the form").click()
    expect(page.locator("[data-enrolment]")).to_have_text("Pending")
    page.get_by_role("button", name="Accept the form").click()
    expect(page.locator("[data-enrolment]")).to_have_text("Enrolled")

    page.get_by_text("Deposit or withdrawal").click()
    form = page.get_by_role("form", name="Deposit or withdrawal")
    form.get_by_label("Kind").select_option("withdrawal")
    form.get_by_label("Amount").fill("lots")
    form.get_by_role("button", name="Submit the request").click()
    form = page.get_by_role("form", name="Deposit or withdrawal")
    expect(form.get_by_role("alert")).to_contain_text("decimal")
    form.get_by_label("Amount").fill("90000000000")
    form.get_by_role("button", name="Submit the request").click()
    row = page.locator("tr[data-status]").first
    expect(row).to_have_attribute("data-status", "awaiting_confirmation")
    expect(row).to_contain_text("Awaiting Funding Authorizer")
    row.get_by_role("button", name="Confirm the withdrawal").click()
    row = page.locator("tr[data-status]").first
    expect(row).not_to_contain_text("Awaiting Funding Authorizer")
    expect(row.locator("td").nth(4)).not_to_have_text("—")  # who confirmed, and when
    for _ in range(60):  # the back office answers on its simulated clock
        if page.locator("tr[data-status='rejected']").count():
            break
        page.wait_for_timeout(1000)
        page.reload()
    rejected = page.locator("tr[data-status='rejected']").first
    expect(rejected).to_contain_text("Rejected")
    expect(rejected.locator(".request-reason")).to_contain_text("insufficient available cash")


def _hold_a_withdrawal(page: Page, amount: str) -> None:
    page.get_by_text("Deposit or withdrawal").click()
    form = page.get_by_role("form", name="Deposit or withdrawal")
    form.get_by_label("Kind").select_option("withdrawal")
    form.get_by_label("Amount").fill(amount)
    form.get_by_role("button", name="Submit the request").click()
    expect(page.locator("tr[data-status]").first).to_have_attribute(
        "data-status", "awaiting_confirmation"
    )


def test_held_withdrawals_are_cancelled_on_the_tab_and_declined_from_the_list(page: Page) -> None:
    log_in(page)
    client = _an_open_client(page, which=0)
    page.goto(f"/contacts/{client}/full-service")
    if page.locator("[data-enrolment]").inner_text() != "Enrolled":
        form = page.get_by_role("form", name="Record the signed form")
        form.get_by_label("Signed Supplemental Limited Power of Attorney form").set_input_files(
            FilePayload(name="slpoa.pdf", mimeType="application/pdf", buffer=PDF)
        )
        form.get_by_role("button", name="Record the form").click()
        page.get_by_role("button", name="Accept the form").click()
        expect(page.locator("[data-enrolment]")).to_have_text("Enrolled")

    _hold_a_withdrawal(page, "123.45")
    row = page.locator("tr[data-status]").first
    cancel = row.get_by_role("form", name="Cancel the request")
    cancel.get_by_label("Reason for cancelling").fill("entered twice")
    cancel.get_by_role("button", name="Cancel the request").click()
    row = page.locator("tr[data-status]").first
    expect(row).to_have_attribute("data-status", "cancelled")
    expect(row).to_contain_text("entered twice")
    expect(row.locator("[data-ended]")).to_contain_text("Cancelled")
    expect(row.get_by_role("button", name="Confirm the withdrawal")).to_have_count(0)

    _hold_a_withdrawal(page, "678.90")
    page.goto("/funding/confirmations")
    waiting = page.get_by_role("row").filter(has_text="678.90")
    decline = waiting.get_by_role("form", name=re.compile("^Decline the withdrawal for "))
    decline.get_by_label("Reason for declining").fill("the client asked to stop it")
    decline.get_by_role("button", name="Decline").click()
    expect(page.get_by_role("status")).to_contain_text("declined")
    expect(page.get_by_role("row").filter(has_text="678.90")).to_have_count(0)
    page.goto(f"/contacts/{client}/full-service")
    row = page.locator("tr[data-status]").first
    expect(row).to_have_attribute("data-status", "declined")
    expect(row).to_contain_text("the client asked to stop it")
