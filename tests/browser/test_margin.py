"""Margin requirements (A11) in a real browser: the back office reports a client account in
margin deficit, the dashboard flags it, and its Margin Requirements tab shows the requirements
and the positions that drive them (both pages pass axe-core); the API answers the same for that
master only.

The client is opened by the test's own back-office events, for the test master that no
simulator feeds (tests/conftest.py), so nothing else reports margin for it."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from contracts import topics
from contracts.accounts import AccountType, Applicant, ApplicationStage, ApplicationStatusChanged
from contracts.envelope import Event
from contracts.margin import AssetClass, MarginPosition, MarginRequirementsReported, MarginType
from deploy.demo import demo_user
from deploy.stack import Stack
from tests.browser import test_portal_in_chromium as chromium
from tests.browser.axe import axe_source
from tests.browser.test_accessibility import check
from tests.conftest import DEMO_PASSWORD, OTHER_MASTER, OTHER_USER
from tests.integration.conftest import publish

pytestmark = pytest.mark.browser

browser, page = chromium.browser, chromium.page  # the shared fixtures


def _publish(stack: Stack, topic: str, event: Event) -> None:
    with ThreadPoolExecutor(1) as thread:  # Playwright's sync API owns this thread's loop
        thread.submit(asyncio.run, publish(stack.bootstrap_servers, topic, event,
                                           master=OTHER_MASTER[0])).result()  # fmt: skip


def _deficit(account: str) -> MarginRequirementsReported:
    def held(symbol: str, kind: AssetClass, value: str, maintenance: str) -> MarginPosition:
        return MarginPosition(symbol=symbol, quantity=Decimal(100), price=Decimal(value) / 100,
                              market_value=Decimal(value), asset_class=kind,
                              initial_requirement=max(Decimal(maintenance), Decimal(value) / 2),
                              maintenance_requirement=Decimal(maintenance))  # fmt: skip

    return MarginRequirementsReported(
        account_number=account, as_of=datetime.now(UTC), margin_type=MarginType.REG_T,
        cash=Decimal("-60000.00"), equity_with_loan_value=Decimal("40000.00"),
        initial_requirement=Decimal("72500.00"), maintenance_requirement=Decimal("58750.00"),
        excess_liquidity=Decimal("-18750.00"),
        positions=[held("VTI", AssetClass.ETF, "30000.00", "7500.00"),
                   held("NVDA", AssetClass.STOCK, "45000.00", "45000.00"),  # raised to 100 %
                   held("KO", AssetClass.STOCK, "25000.00", "6250.00")],
    )  # fmt: skip


@contextmanager
def _api(stack: Stack, username: str) -> Iterator[httpx.Client]:
    """The public API as the user, as a script of the advisor's would use it."""
    with httpx.Client(base_url=stack.portal_url, timeout=30, trust_env=False) as api:
        login = {"username": username, "password": DEMO_PASSWORD}
        token = api.post("/api/v1/auth/login", json=login).json()["access_token"]
        api.headers["Authorization"] = f"Bearer {token}"
        yield api


def test_a_deficit_is_flagged_on_the_dashboard_and_shown_on_the_margin_tab(
    page: Page, stack: Stack
) -> None:
    account = f"U{uuid.uuid4().int % 10**8:08d}"  # eight digits: never one of the simulator's
    surname = f"Margin{uuid.uuid4().hex[:6]}"
    opened = ApplicationStatusChanged(
        account_number=account, stage=ApplicationStage.OPEN, account_type=AccountType.INDIVIDUAL,
        applicant=Applicant(first_name="Lena", last_name=surname),
    )  # fmt: skip
    _publish(stack, topics.ACCOUNT_LIFECYCLE.name, opened)
    _publish(stack, topics.ACCOUNT_MARGIN.name, _deficit(account))
    page.context.add_init_script(script=axe_source())  # the flagged pages pass axe-core too
    page.set_default_timeout(30_000)  # a stack on a busy machine: pages take their time

    page.goto("/login")
    page.get_by_label("Username").fill(OTHER_USER)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    panel = page.locator("section[aria-labelledby='panel-margin']")
    link = panel.get_by_role("link", name=account)
    for _ in range(45):  # the events reach contacts, then analytics, within seconds
        if link.count() and "/margin" in (link.get_attribute("href") or ""):
            break
        page.wait_for_timeout(2000)
        page.reload()
    expect(panel.get_by_role("heading", name=re.compile("^Margin Deficits"))).to_be_visible()
    expect(panel.get_by_role("alert")).to_contain_text("1 client account is in margin deficit")
    row = panel.get_by_role("row").filter(has=page.get_by_role("link", name=account))
    expect(row).to_contain_text(f"Lena {surname}")
    expect(row).to_contain_text("18,750.00 USD")
    check(page, "the dashboard with a margin deficit")

    link.click()
    expect(page).to_have_url(re.compile(r"/contacts/[0-9a-f-]+/margin$"))
    expect(page.get_by_role("link", name="Margin Requirements")).to_have_attribute(
        "aria-current", "page"
    )
    expect(page.get_by_role("alert")).to_contain_text("Margin deficit: 18,750.00 USD")
    expect(page.locator("[data-excess-liquidity]")).to_have_text("-18,750.00")
    drivers = page.get_by_role("table", name=re.compile("largest maintenance requirement first"))
    symbols = drivers.locator("tbody tr td:first-child")
    expect(symbols).to_have_text(["NVDA", "VTI", "KO"])
    expect(drivers.locator("tbody tr").first).to_contain_text("76.60 %")  # 45000 / 58750
    check(page, "the margin tab of an account in deficit")

    # the API: the same figures for this master; another master's user: not found
    with _api(stack, OTHER_USER) as mine, _api(stack, demo_user()) as theirs:
        view: dict[str, Any] = mine.get(f"/api/v1/margin/accounts/{account}").json()
        assert view["in_deficit"] and Decimal(view["deficit"]) == Decimal("18750.00")
        deficits = mine.get("/api/v1/margin/deficits").json()
        assert [d["account_number"] for d in deficits["items"]] == [account]
        assert theirs.get(f"/api/v1/margin/accounts/{account}").status_code == 404
        assert account not in str(theirs.get("/api/v1/margin/deficits").json())
