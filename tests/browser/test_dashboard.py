"""The dashboard (A1), transaction history (A2) and client timeline (X6) in a real browser: every
panel of the seed for the primary user, the AUM chart drawn by uPlot (from the npm registry) with
hover detail, a panel hidden and remembered, Recent Activity sorted, transactions filtered and
exported as CSV, a client's timeline reached from the contact record."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser import test_portal_in_chromium as chromium
from tests.browser.test_portal_in_chromium import log_in

pytestmark = pytest.mark.browser

browser, page = chromium.browser, chromium.page  # the shared fixtures

PANELS = ["Pending Items", "Recent Activity", "Assets Under Management", "Master Account Balance",
          "Workflows", "Notes", "Calendar", "Documents", "Corporate Actions", "Messages"]  # fmt: skip


def _wait_for(page: Page, path: str, selector: str, seconds: int = 90) -> None:
    """The simulated back office's events reach analytics within seconds of the stack's start."""
    for _ in range(seconds // 2):
        page.goto(path)
        if page.locator(selector).count():
            return
        page.wait_for_timeout(2000)
    raise AssertionError(f"{selector} never appeared on {path}")


def test_every_panel_the_chart_and_a_hidden_panel(page: Page) -> None:
    log_in(page)
    for title in PANELS:
        expect(page.get_by_role("heading", name=re.compile(f"^{title}"))).to_be_visible()

    _wait_for(page, "/dashboard", "#aum-chart canvas")
    chart = page.locator("#aum-chart")
    overlay = chart.locator(".u-over")
    box = overlay.bounding_box()
    assert box is not None
    for share in (0.5, 0.9):  # the cursor over the plot shows that day's values
        overlay.hover(position={"x": box["width"] * share, "y": box["height"] / 2})
    legend = chart.locator(".u-legend")
    expect(legend).to_contain_text("Assets (USD)")
    expect(legend).to_contain_text(re.compile(r"-?\d+\.\d\d %"))  # the hovered day's YTD return

    # Recent Activity sorts on its columns
    activity = page.get_by_role("table", name=re.compile("Recent activity"))
    activity.get_by_role("link", name=re.compile("^Account$")).click()
    sorted_by = page.get_by_role("table", name=re.compile("Recent activity")).locator(
        "th[aria-sort]"
    )
    expect(sorted_by).to_have_text("Account ▼")
    expect(sorted_by).to_have_attribute("aria-sort", "descending")

    # hidden, and still hidden after signing in again; then shown again
    page.get_by_text("Add/Edit widgets").click()
    page.get_by_role("checkbox", name="Corporate Actions").uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Corporate Actions")).to_have_count(0)
    page.reload()
    expect(page.get_by_role("heading", name="Corporate Actions")).to_have_count(0)
    page.get_by_text("Add/Edit widgets").click()
    page.get_by_role("checkbox", name="Corporate Actions").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Corporate Actions")).to_be_visible()


def test_transactions_filtered_exported_and_a_clients_timeline(page: Page) -> None:
    log_in(page)
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Transaction history"
    ).click()
    _wait_for(page, "/transactions", "table.data tbody tr")
    filters = page.get_by_role("form", name="Filter transactions")
    filters.get_by_role("checkbox", name="Deposit").check()
    filters.get_by_role("button", name="Filter").click()
    types = page.locator("table.data tbody tr td:nth-child(4)")
    expect(types.first).to_have_text("Deposit")
    assert set(types.all_inner_texts()) == {"Deposit"}
    export = page.get_by_role("link", name="Export CSV").get_attribute("href")
    assert export is not None and "type=deposit" in export
    csv_text = page.request.get(export).text()
    assert csv_text.startswith("booked_on,account_number,account_title,type")
    assert ",withdrawal," not in csv_text

    account = page.locator("table.data tbody tr td:nth-child(2)").first.inner_text()
    found = page.request.get(f"/api/v1/contacts?q={account}").json()["items"]
    page.goto(f"/contacts/{found[0]['id']}")
    page.get_by_role("link", name="Timeline").click()
    expect(page.get_by_role("heading", name="Client timeline")).to_be_visible()
    filters = page.get_by_role("form", name="Filter the timeline")
    filters.get_by_role("checkbox", name="Transaction").check()
    filters.get_by_role("button", name="Filter").click()
    rows = page.get_by_role("table", name=re.compile("Timeline entries"))
    expect(rows).to_contain_text("Deposit of")
