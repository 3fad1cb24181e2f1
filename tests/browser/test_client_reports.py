"""Client reports (A10) in a real browser: a client's custom statement shown on its Reports tab
(totals that add up), emailed now to the client's email of record (the delivery turns sent),
a monthly schedule set up and cancelled, the PortfolioAnalyst tab's chart, and a group's
statements built in the background while the page shows the progress."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from tests.browser import test_portal_in_chromium as chromium
from tests.browser.test_portal_in_chromium import log_in
from tests.browser.test_tools import OPEN, _csrf

pytestmark = pytest.mark.browser

browser, page = chromium.browser, chromium.page  # the shared fixtures


def _a_valued_client(page: Page) -> str:
    """An open client whose account the back office has valued (it has returns to chart)."""
    for _ in range(90):
        items = page.request.get("/api/v1/contacts?kind=client&page_size=50").json()["items"]
        found = [i for i in items if i["status"] == "open" and i["account_number"]
                 and Decimal(str(i.get("net_asset_value") or 0)) > 0]  # fmt: skip
        if found:
            return str(found[0]["id"])
        page.wait_for_timeout(1000)
    raise AssertionError("the simulator valued no client account")


def _amount(page: Page, field: str) -> Decimal:
    return Decimal(page.locator(f"[data-field='{field}']").inner_text().replace(",", ""))


def test_statement_delivery_schedule_performance_and_group_statements(page: Page) -> None:
    log_in(page)
    client = _a_valued_client(page)
    page.goto(f"/contacts/{client}")
    page.get_by_role("navigation", name="Record").get_by_role("link", name="Reports").click()
    form = page.get_by_role("form", name="Statement period and sections")
    form.get_by_label("From").fill("2025-01-01")
    form.get_by_role("button", name="Show the statement").click()
    expect(page.locator("[data-statement]")).to_be_visible()
    parts = ("opening_nav", "net_flows", "dividends", "interest", "change_in_value")
    assert sum(_amount(page, f) for f in parts) == _amount(page, "closing_nav")

    deliver = page.get_by_role("form", name="Email a report now")
    deliver.get_by_role("button", name="Email now").click()
    row = page.locator("tr[data-delivery]").first
    expect(row).to_be_visible()
    for _ in range(60):  # the communication center sends it and reports back
        if page.locator("tr[data-delivery]").first.get_attribute("data-status") != "requested":
            break
        page.wait_for_timeout(1000)
        page.reload()
    expect(page.locator("tr[data-delivery]").first).to_have_attribute("data-status", "sent")

    schedule = page.get_by_role("form", name="Schedule a delivery")
    schedule.get_by_label("Every").select_option("quarterly")
    schedule.get_by_role("button", name="Schedule").click()
    expect(page.locator("tr[data-schedule]")).to_have_count(1)
    page.get_by_role("form", name="Cancel the schedule").get_by_role(
        "button", name="Cancel"
    ).click()
    expect(page.locator("tr[data-schedule]")).to_have_count(0)

    page.get_by_role("navigation", name="Record").get_by_role(
        "link", name="PortfolioAnalyst"
    ).click()
    # the simulator runs days ahead of the master's calendar: a period reaching past them
    period = page.get_by_role("form", name="Report period")
    period.get_by_label("From").fill("2025-01-01")
    period.get_by_label("To").fill("2027-12-31")
    period.get_by_role("button", name="Show").click()
    expect(page.locator("[data-field='twr']")).not_to_have_text("n/a")
    expect(page.locator("table.returns-month tbody tr").first).to_be_visible()
    if page.evaluate("typeof window.uPlot") == "function":
        expect(page.locator("#performance-chart .uplot")).to_be_visible()

    name = f"Reports {uuid.uuid4().hex[:6]}"  # a segment of the open accounts to build for
    saved = page.request.post("/api/v1/tools/segments", headers=_csrf(page),
                              data={"name": name, **OPEN})  # fmt: skip
    assert saved.ok, saved.text()
    page.goto("/reports/statements")
    runs = page.get_by_role("form", name="Build statements")
    runs.get_by_label("Group or segment").select_option(label=f"Segment: {name}")
    runs.get_by_label("From").fill("2025-01-01")
    runs.get_by_label("Result").select_option("combined")
    runs.get_by_role("button", name="Build the statements").click()
    run = page.locator("tr[data-run]").first
    expect(run).to_have_attribute("data-status", "done", timeout=60_000)  # polled by the page
    expect(run.get_by_role("link", name="Download")).to_be_visible()
    with page.expect_download() as download:
        run.get_by_role("link", name="Download").click()
    assert download.value.suggested_filename.endswith(".pdf")
