"""User management (G2) in a real browser: the primary user adds a user with the CRM right only
and one group as their client scope; the new user sets a password through the emailed link,
logs in and sees only the areas their rights open. Each page passes axe-core too."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from deploy.stack import Stack
from tests.browser import test_portal_in_chromium as chromium
from tests.browser.axe import axe_source
from tests.browser.test_accessibility import check
from tests.conftest import DEMO_PASSWORD
from tests.e2e.conftest import new_user
from tests.e2e.test_portal_api import eventually
from tests.e2e.test_user_management import captured_to, link_in

pytestmark = pytest.mark.browser

browser = chromium.browser  # the shared fixture
NEW_PASSWORD = "amber-kettle-meadow-61"


@pytest.fixture
def context(browser: Browser, stack: Stack) -> Iterator[BrowserContext]:
    context = browser.new_context(base_url=stack.portal_url)
    context.add_init_script(script=axe_source())  # for the accessibility checks
    context.set_default_timeout(15_000)
    yield context
    context.close()


def log_in(page: Page, username: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def test_the_primary_user_adds_a_crm_user_scoped_to_one_group(
    context: BrowserContext, stack: Stack
) -> None:
    with ThreadPoolExecutor(max_workers=1) as worker:  # Playwright's loop may own this thread
        primary = worker.submit(new_user, stack).result()
    page = context.new_page()
    log_in(page, primary, DEMO_PASSWORD)
    csrf = next(c["value"] for c in context.cookies() if c["name"] == "portal_csrf")
    group_name = f"Scope group {uuid.uuid4().hex[:6]}"
    for name in (group_name, f"Other group {uuid.uuid4().hex[:6]}"):
        created = page.request.post("/api/v1/groups", data={"name": name, "visibility": "public"},
                                    headers={"x-csrf-token": csrf})  # fmt: skip
        assert created.status == 201, created.text()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Users and access rights").click()
    expect(page.get_by_role("heading", name="Users", exact=True)).to_be_visible()
    check(page, "users")
    page.get_by_role("link", name="Add a user").click()
    check(page, "user-new")

    username = f"nina-{uuid.uuid4().hex[:6]}"
    form = page.get_by_role("form", name="Add user")
    form.get_by_label("Username").fill(username)
    form.get_by_label("Display name").fill("Nina Browser")
    form.get_by_label("Email").fill(f"{username}@example.com")
    form.get_by_role("checkbox", name="CRM", exact=True).check()
    form.get_by_label("Chosen accounts and groups only").check()
    form.get_by_role("checkbox", name=group_name).check()
    form.get_by_role("button", name="Add user").click()

    expect(page.get_by_role("heading", name="User: Nina Browser")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("User added")
    access = page.get_by_role("form", name="Access rights and scope")
    expect(access.get_by_role("checkbox", name="CRM", exact=True)).to_be_checked()
    expect(access.get_by_role("checkbox", name="Tools", exact=True)).not_to_be_checked()
    expect(access.get_by_role("checkbox", name=group_name)).to_be_checked()
    expect(access.get_by_label("Chosen accounts and groups only")).to_be_checked()
    check(page, "user")

    page.get_by_role("link", name="Users", exact=True).click()
    row = page.locator(f"tr[data-username='{username}']")
    expect(row).to_contain_text("CRM")
    expect(row).to_contain_text("1 group")
    expect(row).to_contain_text("password not set yet")

    # the new user, in a browser of their own, follows the emailed link
    link = link_in(eventually(lambda: captured_to(stack, f"{username}@example.com"))[0])
    newcomer = context.browser.new_context(base_url=stack.portal_url)  # type: ignore[union-attr]
    newcomer.add_init_script(script=axe_source())
    try:
        visitor = newcomer.new_page()
        visitor.goto(link)
        expect(visitor.get_by_role("form", name="Set your password")).to_contain_text(username)
        check(visitor, "set-password")
        visitor.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
        visitor.get_by_label("New password again").fill(NEW_PASSWORD)
        visitor.get_by_role("button", name="Set password").click()
        expect(visitor.get_by_role("status")).to_contain_text("Your password is set")
        visitor.get_by_role("link", name="Log in").click()
        log_in(visitor, username, NEW_PASSWORD)
        navigation = visitor.get_by_role("navigation", name="Main")
        expect(navigation.get_by_role("link", name="Contacts")).to_be_visible()
        expect(navigation.get_by_role("link", name="Fee administration")).to_have_count(0)
        expect(navigation.get_by_role("link", name="Communication center")).to_have_count(0)
        refused = visitor.goto("/fees")
        assert refused is not None and refused.status == 403
        expect(visitor.get_by_role("heading", name="No access")).to_be_visible()
        assert visitor.goto("/users").status == 403  # type: ignore[union-attr]
        visitor.goto(link)  # used: the link no longer works
        expect(visitor.get_by_role("alert")).to_contain_text(re.compile("does not work"))
    finally:
        newcomer.close()

    # the buttons of the user's page, and the refusals the page shows
    page.get_by_role("link", name="Nina Browser").click()
    for button, notice in (("End all sessions", "Every session"),
                           ("Reset two-factor authentication", "Two-factor authentication reset"),
                           ("Deactivate", "User deactivated"), ("Reactivate", "User reactivated")):  # fmt: skip
        page.get_by_role("button", name=button).click()
        expect(page.get_by_role("status")).to_contain_text(notice)
    page.goto("/users")
    page.locator("tr", has_text="(you)").get_by_role("link").click()
    page.get_by_role("button", name="Remove primacy").click()
    expect(page.get_by_role("alert")).to_contain_text("needs another active primary user")
    page.goto("/users/new")
    form = page.get_by_role("form", name="Add user")
    form.get_by_label("Username").fill(username)
    form.get_by_label("Display name").fill("Nina Again")
    form.get_by_label("Email").fill("again@example.com")
    form.get_by_role("button", name="Add user").click()
    expect(page.get_by_role("alert")).to_contain_text("is taken")
    expect(page.get_by_role("form", name="Add user").get_by_label("Display name")).to_have_value(
        "Nina Again"
    )
