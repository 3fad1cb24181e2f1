"""The portal's pages run under their Content-Security-Policy in chromium without a single
violation: no inline script or style, no event-handler attribute, nothing from elsewhere.

A violation is caught twice: the page's ``securitypolicyviolation`` events (listened to by a
script Playwright adds before the page's own, which the policy does not apply to) and the
console errors chromium logs for it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from deploy.demo import demo_user
from deploy.stack import Stack
from tests.browser import test_portal_in_chromium as chromium
from tests.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.browser

browser = chromium.browser  # the shared fixture

LISTEN = """document.addEventListener('securitypolicyviolation', (event) => {
  (window.__violations = window.__violations || []).push(
    `${event.violatedDirective} blocked ${event.blockedURI || 'inline'} at ${event.sourceFile}:${event.lineNumber}`);
});"""
PAGES = ("/dashboard", "/contacts", "/contacts/import", "/contacts/pending-tasks", "/groups",
         "/calendar/month", "/notes", "/workflows", "/documents", "/settings",
         "/settings/audit-log")  # fmt: skip


@pytest.fixture
def page(browser: Browser, stack: Stack) -> Iterator[tuple[Page, list[str]]]:
    context = browser.new_context(base_url=stack.portal_url)
    context.add_init_script(script=LISTEN)
    page = context.new_page()
    page.set_default_timeout(15_000)
    logged: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            logged.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    yield page, logged
    context.close()


def violations(page: Page) -> list[str]:
    page.wait_for_load_state("load")
    return list(page.evaluate("() => window.__violations || []"))


def test_no_page_of_the_portal_violates_its_policy(page: tuple[Page, list[str]]) -> None:
    tab, logged = page
    tab.goto("/login")
    assert violations(tab) == []
    tab.get_by_label("Username").fill(demo_user())
    tab.get_by_label("Password").fill(DEMO_PASSWORD)
    tab.get_by_role("button", name="Log in").click()
    expect(tab.get_by_role("heading", name="Dashboard")).to_be_visible()
    seen = {}
    for path in PAGES:
        response = tab.goto(path)
        assert response is not None and response.ok, path
        assert response.headers["content-security-policy"].startswith("default-src 'self'")
        seen[path] = violations(tab)
    tab.goto("/contacts")
    tab.get_by_text("Download", exact=True).click()  # a menu the page's script opens
    first = tab.locator("table.contacts tbody a").first
    if first.count():
        first.click()
        expect(tab).to_have_url(re.compile(r"/contacts/[0-9a-f-]{36}"))
        seen[tab.url] = violations(tab)
    assert {path: found for path, found in seen.items() if found} == {}
    assert logged == []

    # and a violation would be seen: an inline style added by a script is refused
    tab.evaluate("() => { const s = document.createElement('style'); s.textContent = 'p {}'; "
                 "document.head.append(s); }")  # fmt: skip
    tab.wait_for_function("() => (window.__violations || []).length > 0")  # reported as a task
    assert any(found.startswith("style-src") for found in violations(tab))
