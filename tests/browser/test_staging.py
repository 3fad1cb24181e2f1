"""Message staging in a real browser (issue 10), as the Alpine demo master (Europe/Zurich): from
the navigation to To Be Sent By Broker, staging enabled (taking effect at the next local
midnight, shown in the master's zone); once in effect, a review-flagged broker message is listed
(date, delivery date, subject, recipients, status, channels W/E), opened, viewed as one account
would receive it by email (messaging's rendering in a sandboxed frame), and sent as is — the
decision and who made it shown in its history. Every page passes axe-core and the CSP."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from contracts import topics
from contracts.accounts import BrokerMessageIssued, Channel
from deploy.demo import DEMO_MASTERS, username_of
from deploy.stack import Stack
from tests.browser import test_portal_in_chromium as chromium
from tests.browser.axe import axe_source
from tests.browser.test_accessibility import check
from tests.browser.test_content_security_policy import LISTEN
from tests.conftest import DEMO_PASSWORD
from tests.e2e.test_staging import _sql
from tests.integration.conftest import publish

pytestmark = pytest.mark.browser

browser = chromium.browser  # the shared fixture
ALPINE = next(m for m in DEMO_MASTERS if m.time_zone == "Europe/Zurich")


@pytest.fixture
def context(browser: Browser, stack: Stack) -> Iterator[BrowserContext]:
    context = browser.new_context(base_url=stack.portal_url)
    context.add_init_script(script=axe_source())
    context.add_init_script(script=LISTEN)
    context.set_default_timeout(15_000)
    yield context
    context.close()


def checked(page: Page, name: str) -> None:
    """The CSP held (before axe's own checks add a style of theirs), then axe-core passes."""
    page.wait_for_load_state("load")
    assert page.evaluate("() => window.__violations || []") == [], name
    check(page, name)


def in_worker(stack: Stack, query: str) -> None:
    """SQL on staging's database (Playwright's loop may own this thread)."""
    with ThreadPoolExecutor(max_workers=1) as worker:
        worker.submit(asyncio.run, _sql(stack, query, ALPINE.master_account_id)).result()


def test_staging_is_enabled_and_a_held_message_viewed_and_sent_as_is(
    context: BrowserContext, stack: Stack
) -> None:
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("Username").fill(username_of(ALPINE))
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Message staging").click()
    expect(page.get_by_role("heading", name="To be sent by broker")).to_be_visible()
    checked(page, "staging")

    if page.get_by_role("button", name="Enable staging").count():
        page.get_by_role("button", name="Enable staging").click()
        expect(page.get_by_role("status")).to_contain_text("enabled at the next cut-over")
        pending = page.locator("[data-staging-pending]")
        expect(pending).to_contain_text(re.compile(r"\d{4}-\d\d-\d\d 00:00 CES?T"))
    in_worker(stack, "UPDATE elections SET effective_at = now() - interval '10 days' "
                     "WHERE master_account_id = $1")  # fmt: skip  # the cut-over came
    page.reload()
    expect(page.locator("[data-staging-state]")).to_have_text("enabled")

    for _ in range(90):  # the simulated back office opens the master's clients
        found = page.request.get("/api/v1/recipients?page_size=1").json()["items"]
        if found:
            break
        page.wait_for_timeout(1000)
    account = found[0]["account_number"]
    message_id = f"BM-BRW-{uuid.uuid4().hex[:8]}"
    subject = f"Margin rules {message_id}"
    event = BrokerMessageIssued(
        message_id=message_id, message_type=f"margin_{uuid.uuid4().hex[:6]}", subject=subject,
        template="Dear {client_name},\n\nYour margin changes on {effective_date}.",
        variables={account: {"effective_date": "2026-05-04"}}, recipient_accounts=[account],
        channels=[Channel.MESSAGE_CENTER, Channel.EMAIL], review_required=True,
    )  # fmt: skip
    with ThreadPoolExecutor(max_workers=1) as worker:
        worker.submit(asyncio.run, publish(stack.bootstrap_servers, topics.BROKER_MESSAGES.name,
                                           event, master=ALPINE.master_account_id)).result()  # fmt: skip
    row = page.locator(f"tr[data-hold='{message_id}']")
    for _ in range(60):
        page.reload()
        if row.count():
            break
        page.wait_for_timeout(1000)
    expect(row.locator("[data-status]")).to_have_text("Pending decision")
    expect(row).to_contain_text("W E")
    expect(row).to_contain_text(datetime.now(UTC).strftime("%Y"))
    checked(page, "staging with a held message")

    row.get_by_role("link", name=subject).click()
    expect(page.get_by_role("heading", name="Staged message")).to_be_visible()
    checked(page, "staged message")
    page.get_by_role("link", name=f"As {account} receives it (Email)").click()
    expect(page.get_by_role("heading", name="As the recipient would receive it")).to_be_visible()
    expect(page.locator("pre.mail-text")).to_contain_text("2026-05-04")
    frame = page.frame_locator("iframe.mail-body")
    expect(frame.locator("body")).to_contain_text("2026-05-04")
    checked(page, "staged message as received")

    page.go_back()
    page.get_by_role("button", name="Send As Is").click()
    expect(page.get_by_role("status")).to_contain_text("Done: Send As Is.")
    expect(page.locator("dd[data-status]")).to_contain_text("Sent — Send As Is by")
    expect(page.locator("[data-history]")).to_contain_text("Send As Is by")
    expect(page.get_by_role("button", name="Reject Once")).to_have_count(0)

    page.goto("/messages/staging")  # leave Alpine unstaged for the other tests
    page.get_by_role("button", name="Disable staging").click()
    expect(page.get_by_role("status")).to_contain_text("disabled at the next cut-over")
    in_worker(stack, "UPDATE elections SET effective_at = now() - interval '10 days' "
                     "WHERE master_account_id = $1")  # fmt: skip
