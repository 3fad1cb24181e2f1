"""A user with CRM only, scoped to one group, in a real browser (G2's "done when"): the demo
master's primary user adds them through Settings, they set a password through the emailed link
and, logged in, see exactly the group's clients — table, statistics row, search, export, PDFs,
dashboard panels, agendas — and are refused everywhere else."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from deploy.demo import DEMO_MASTERS, demo_user
from deploy.stack import Stack
from tests.browser import test_portal_in_chromium as chromium
from tests.conftest import DEMO_PASSWORD
from tests.e2e.test_portal_api import eventually, login
from tests.e2e.test_user_management import captured_to, link_in

pytestmark = pytest.mark.browser

browser = chromium.browser  # the shared fixture
MASTER = DEMO_MASTERS[0]
NEW_PASSWORD = "amber-kettle-meadow-61"


@dataclass(frozen=True)
class Book:
    """What the primary user set up through the API: a group of two clients, an outsider."""

    group_name: str
    members: list[dict[str, Any]]
    outsider: dict[str, Any]
    member_note: str
    outsider_note: str
    member_event: str
    outsider_event: str


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def _distinct_clients(primary: httpx.Client) -> list[dict[str, Any]] | None:
    """Three clients with account numbers whose last names no other contact of the book shares
    (so a search or an export naming one of them is unambiguous); None while there are fewer."""
    everyone = _ok(primary.get("/api/v1/contacts", params={"page_size": 100}))["items"]
    names = [contact["last_name"] for contact in everyone]
    distinct = [contact for contact in everyone if contact["kind"] == "client"
                and contact.get("account_number") and names.count(contact["last_name"]) == 1]  # fmt: skip
    return distinct[:3] if len(distinct) >= 3 else None


@pytest.fixture
def book(stack: Stack) -> Iterator[Book]:
    primary = login(stack, demo_user())
    try:
        first, second, outsider = eventually(lambda: _distinct_clients(primary), within=60)
        suffix = uuid.uuid4().hex[:6]
        group = _ok(primary.post("/api/v1/groups", json={
            "name": f"Scoped browser {suffix}", "visibility": "public"}), 201)  # fmt: skip
        _ok(primary.patch(f"/api/v1/groups/{group['id']}/members",
                          json={"add": [first["id"], second["id"]]}))  # fmt: skip
        member_note, outsider_note = f"Member note {suffix}", f"Outsider note {suffix}"
        for contact, body in ((first, member_note), (outsider, outsider_note)):
            _ok(primary.post(f"/api/v1/contacts/{contact['id']}/notes", json={"body": body}), 201)
        now = datetime.now(UTC).replace(second=0, microsecond=0)  # today, in any zone's today
        member_event, outsider_event = f"Member meeting {suffix}", f"Outsider meeting {suffix}"
        for contact, title in ((first, member_event), (outsider, outsider_event)):
            _ok(primary.post("/api/v1/events", json={
                "contact_id": contact["id"], "title": title, "starts_at": now.isoformat(),
                "ends_at": (now + timedelta(minutes=1)).isoformat()}), 201)  # fmt: skip
        yield Book(group["name"], [first, second], outsider, member_note, outsider_note,
                   member_event, outsider_event)  # fmt: skip
    finally:
        primary.close()


def _new_context(browser: Browser, stack: Stack) -> BrowserContext:
    context = browser.new_context(base_url=stack.portal_url)
    context.set_default_timeout(15_000)
    return context


def _log_in(page: Page, username: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def _add_scoped_user(page: Page, group_name: str) -> str:
    """As the primary user, through Settings: a user with CRM only and the group as scope."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Users and access rights").click()
    page.get_by_role("link", name="Add a user").click()
    username = f"scoped-{uuid.uuid4().hex[:6]}"
    form = page.get_by_role("form", name="Add user")
    form.get_by_label("Username").fill(username)
    form.get_by_label("Display name").fill("Sam Scoped")
    form.get_by_label("Email").fill(f"{username}@example.com")
    form.get_by_role("checkbox", name="CRM", exact=True).check()
    form.get_by_label("Chosen accounts and groups only").check()
    form.get_by_role("checkbox", name=group_name, exact=True).check()
    form.get_by_role("button", name="Add user").click()
    expect(page.get_by_role("status")).to_contain_text("User added")
    return username


def _status(page: Page, path: str) -> int:
    response = page.goto(path)
    assert response is not None
    return response.status


def _contact_links(page: Page) -> set[str]:
    links = page.locator("table.contacts tbody td[data-column='contact'] a")
    return {href for href in links.evaluate_all("links => links.map(a => a.getAttribute('href'))")}


def test_a_crm_user_scoped_to_one_group_sees_exactly_its_clients(
    browser: Browser, stack: Stack, book: Book
) -> None:
    members = {f"/contacts/{client['id']}" for client in book.members}
    outsider = book.outsider
    primary_context = _new_context(browser, stack)
    try:
        page = primary_context.new_page()
        _log_in(page, demo_user(), DEMO_PASSWORD)
        notes = page.get_by_role("region", name="Notes")  # an unscoped user sees both notes
        expect(notes).to_contain_text(book.outsider_note)
        expect(page.get_by_role("region", name="Calendar")).to_contain_text(book.outsider_event)
        username = _add_scoped_user(page, book.group_name)
    finally:
        primary_context.close()

    link = link_in(eventually(lambda: captured_to(stack, f"{username}@example.com"))[0])
    context = _new_context(browser, stack)
    try:
        page = context.new_page()
        page.goto(link)
        page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
        page.get_by_label("New password again").fill(NEW_PASSWORD)
        page.get_by_role("button", name="Set password").click()
        expect(page.get_by_role("status")).to_contain_text("Your password is set")
        _log_in(page, username, NEW_PASSWORD)

        # the dashboard: the statistics row and the panels hold the group's clients only
        expect(page.locator('[data-stat="clients"]')).to_have_text("2", timeout=30_000)
        notes = page.get_by_role("region", name="Notes")
        expect(notes).to_contain_text(book.member_note)
        expect(notes).not_to_contain_text(book.outsider_note)
        calendar = page.get_by_role("region", name="Calendar")
        expect(calendar).to_contain_text(book.member_event)
        expect(calendar).not_to_contain_text(book.outsider_event)

        # the contacts table and its statistics row
        page.goto("/contacts?kind=client")
        expect(page.locator('[data-stat="clients"]')).to_have_text("2", timeout=30_000)
        assert _contact_links(page) == members
        expect(page.get_by_role("navigation", name="Pages")).to_contain_text("2 contacts")

        # a search for the outsider finds nothing
        page.goto(f"/contacts?q={outsider['last_name']}")
        expect(page.locator("table.contacts")).to_contain_text("No contacts match.")
        assert _contact_links(page) == set()
        page.goto(f"/contacts?q={book.members[0]['last_name']}")
        assert _contact_links(page) == {f"/contacts/{book.members[0]['id']}"}

        # the outsider's record, agenda and PDF are not found; a member's are there
        assert _status(page, f"/contacts/{outsider['id']}") == 404
        assert _status(page, f"/contacts/{outsider['id']}/agenda") == 404
        assert _status(page, f"/contacts/{book.members[0]['id']}/agenda") == 200
        expect(page.locator("main")).to_contain_text(book.member_note)
        api = page.request
        pdf = api.get(f"/api/v1/contacts/{outsider['id']}/client-information.pdf")
        assert pdf.status == 404, pdf.text()
        pdf = api.get(f"/api/v1/contacts/{book.members[0]['id']}/client-information.pdf")
        assert pdf.status == 200, pdf.text()
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.body().startswith(b"%PDF")
        assert api.get(f"/api/v1/contacts/{outsider['id']}").status == 404

        # the summary export holds the members and not the outsider
        exported = api.get("/api/v1/contacts/export/summary.csv")
        assert exported.status == 200, exported.text()
        rows = list(csv.reader(io.StringIO(exported.body().decode("utf-8-sig"))))
        text = "\n".join(",".join(row) for row in rows)
        for member in book.members:
            assert member["last_name"] in text
        assert outsider["last_name"] not in text
        assert outsider["account_number"] not in text

        # what CRM alone does not open
        assert _status(page, "/users") == 403
        assert _status(page, "/settings/audit-log") == 403
        assert _status(page, "/contacts/pending-tasks") == 403
        expect(page.get_by_role("heading", name="No access")).to_be_visible()
    finally:
        context.close()
