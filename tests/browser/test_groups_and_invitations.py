"""Groups and invitations in a real browser (C10, C8): create a group, add members, filter the
contacts table by it; send an invitation and see it listed."""

from __future__ import annotations

import asyncio
import os
import random
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from contracts import topics
from contracts.accounts import AccountType, Applicant, ApplicationStage, ApplicationStatusChanged
from deploy.demo import DEMO_MASTERS
from deploy.stack import Stack
from tests.browser import test_portal_in_chromium as chromium
from tests.browser.test_portal_in_chromium import log_in
from tests.integration.conftest import publish

pytestmark = pytest.mark.browser

browser, page = chromium.browser, chromium.page  # the shared fixtures


def add_contact(page: Page, first_name: str, last_name: str, **fields: Any) -> str:
    """A new contact of the logged-in master, through the API as the portal's own script would."""
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "portal_csrf")
    response = page.request.post(
        "/api/v1/contacts",
        data={"first_name": first_name, "last_name": last_name, **fields},
        headers={"x-csrf-token": csrf},
    )
    assert response.status == 201, response.text()
    return str(response.json()["id"])


def test_a_group_is_created_filled_and_filters_the_contacts_table(page: Page) -> None:
    log_in(page)
    family = f"Golfer-{uuid.uuid4().hex[:6]}"
    for first_name in ("Arnold", "Annika"):
        add_contact(page, first_name, family)
    add_contact(page, "Tiger", f"Other-{uuid.uuid4().hex[:6]}")

    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Groups & households"
    ).click()
    form = page.get_by_role("form", name="Create group")
    form.get_by_label("Group name").fill(f"Golf club {family}")
    form.get_by_label("Private").check()
    form.get_by_role("button", name="Create group").click()
    expect(page.get_by_role("heading", name=f"Group: Golf club {family}")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Group created")

    page.get_by_role("searchbox", name="Find contacts to add").fill(family)
    page.get_by_role("button", name="Find").click()
    adding = page.get_by_role("form", name="Add members")
    for first_name in ("Arnold", "Annika"):
        adding.get_by_label(f"{first_name} {family}").check()
    adding.get_by_role("button", name="Add selected to the group").click()
    expect(page.get_by_role("status")).to_contain_text("Members added")
    members = page.get_by_role("form", name="Members")
    expect(members.get_by_role("link", name=f"Arnold {family}")).to_be_visible()
    expect(members.get_by_role("link", name=f"Annika {family}")).to_be_visible()

    page.get_by_role("link", name="Show in the contacts table").click()
    expect(page).to_have_url(re.compile(r"/contacts\?group_id="))
    table = page.locator("table[data-contacts-table] tbody")
    expect(table.get_by_role("row")).to_have_count(2)
    expect(table.get_by_role("cell", name=f"Annika {family}")).to_be_visible()
    group_filter = page.get_by_label("Group", exact=True)
    expect(group_filter.locator("option:checked")).to_have_text(f"Golf club {family} (private)")

    # the filter bar's group choice works on its own as well
    group_filter.select_option(label="All groups")
    page.get_by_role("searchbox", name="Search contacts").fill(family)
    page.get_by_role("button", name="Search").click()
    expect(table.get_by_role("row")).to_have_count(2)
    page.get_by_label("Group", exact=True).select_option(label=f"Golf club {family} (private)")
    page.get_by_role("searchbox", name="Search contacts").fill("")
    page.get_by_role("button", name="Search").click()
    expect(table.get_by_role("row")).to_have_count(2)
    page.screenshot(path=str(Path(os.environ.get("SCREENSHOT_DIR", "/tmp")) / "group-filter.png"))


def test_an_invitation_is_sent_from_the_contact_and_listed(page: Page) -> None:
    log_in(page)
    last_name = f"Invitee-{uuid.uuid4().hex[:6]}"
    contact_id = add_contact(page, "Grace", last_name, email=f"{last_name.lower()}@example.com")

    page.goto(f"/contacts/{contact_id}/invitations")
    expect(page.get_by_role("heading", name="Account invitations")).to_be_visible()
    form = page.get_by_role("form", name="Send invitation")
    expect(form.get_by_label(re.compile("Fully electronic"))).to_be_checked()  # has an email
    form.get_by_label("Account type").select_option("roth_ira")
    form.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("status")).to_contain_text("the email goes out right away")

    invitations = page.get_by_role("table", name="Invitations")
    expect(invitations.get_by_role("row")).to_have_count(2)  # heading + the invitation
    expect(invitations).to_contain_text("Roth IRA")
    expect(invitations).to_contain_text("Invited")
    for _ in range(20):  # the email goes out from the background sender right after
        if "Sent" in invitations.inner_text():
            break
        page.wait_for_timeout(500)
        page.reload()
    expect(invitations.locator(".badge")).to_have_text("Sent")
    expect(page.get_by_text("status: Invited")).to_be_visible()

    # a printed application for a contact without an email
    paper = add_contact(page, "Ada", f"Paper-{uuid.uuid4().hex[:6]}")
    page.goto(f"/contacts/{paper}/invitations")
    form = page.get_by_role("form", name="Send invitation")
    form.get_by_label(re.compile("Fully electronic")).check()
    form.get_by_label("Account type").select_option("individual")
    form.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("alert")).to_contain_text("no email address")
    form = page.get_by_role("form", name="Send invitation")
    form.get_by_label(re.compile("Semi-electronic")).check()
    form.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("status")).to_contain_text("prefilled application is ready")
    with page.expect_download() as download:
        page.get_by_role("link", name="Prefilled application (PDF)").click()
    assert download.value.suggested_filename.endswith(".pdf")


def a_pending_application(stack: Stack, tasks: list[str]) -> str:
    """The back office reports an application of the demo master waiting on these tasks."""
    account = f"U{random.randint(10_000_000, 99_999_999)}"
    event = ApplicationStatusChanged(
        account_number=account, stage=ApplicationStage.PENDING,
        account_type=AccountType.INDIVIDUAL, pending_tasks=tasks,
        applicant=Applicant(first_name="Penny", last_name=f"Pending-{account}"),
    )  # fmt: skip
    master = DEMO_MASTERS[0].master_account_id
    with ThreadPoolExecutor(1) as thread:  # Playwright's sync API owns this thread's loop
        thread.submit(asyncio.run, publish(stack.bootstrap_servers, topics.ACCOUNT_LIFECYCLE.name,
                                           event, master=master)).result()  # fmt: skip
    return account


def test_the_pending_tasks_page_shows_three_tasks_and_the_rest_on_demand(
    page: Page, stack: Stack
) -> None:
    tasks = ["Upload ID", "Sign W-9", "Fund account", "Verify address", "Sign margin agreement"]
    account = a_pending_application(stack, tasks)
    log_in(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Contacts").click()
    page.get_by_role("link", name="Pending tasks").click()  # the red pill
    expect(page.get_by_role("heading", name="Pending registration tasks")).to_be_visible()
    search = page.get_by_role("searchbox", name="Search accounts")
    table = page.get_by_role("table", name="Accounts with pending registration tasks")
    for _ in range(30):  # the event reaches the contacts service through Kafka
        search.fill(account)
        page.get_by_role("button", name="Search").click()
        if table.get_by_role("cell", name=account).count():
            break
        page.wait_for_timeout(500)
    row = table.get_by_role("row", name=re.compile(account))
    for task in tasks[:3]:
        expect(row.get_by_text(task)).to_be_visible()
    expect(row.get_by_text("Verify address")).to_be_hidden()
    row.get_by_label("Show 2 more tasks").click()
    expect(row.get_by_text("Verify address")).to_be_visible()
    expect(row.get_by_text("Sign margin agreement")).to_be_visible()
