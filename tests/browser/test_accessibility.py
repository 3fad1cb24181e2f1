"""Every page of the portal passes axe-core's WCAG 2.0 and 2.1 A and AA rules in chromium
(issue 7): colour contrast, links told apart from text by more than colour, labelled fields …

One test per page (and per state worth seeing: a form being edited, its errors, a menu open).
A page added to the routers needs a line in ADVISOR_PAGES or VISITOR_PAGES: a test checks that
every `@router.get` page is there. The pages show real data: a demo master's agenda (of the one
master no other test uses), a client of the simulated back office, a pair of duplicates, an
invitation and its emailed link, and users in each state of two-factor authentication.

axe-core comes from the npm registry (tests/browser/axe.py). Its report names, per page, each
rule broken, its impact and the elements (CSS selectors) that break it."""

from __future__ import annotations

import asyncio
import email
import re
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from email import policy
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pyotp
import pytest
from fastapi.routing import APIRoute
from playwright.sync_api import Browser, BrowserContext, FilePayload, Page, expect

from contracts import topics
from contracts.accounts import BrokerMessageIssued, Channel
from deploy.demo import DEMO_MASTERS, demo_password, username_of
from deploy.demo_agenda import seed_agenda
from deploy.stack import Stack
from gateway.admin import create_user
from gateway.pages import PAGE_ROUTERS
from tests.browser import test_linkage as linkage_pages
from tests.browser import test_portal_in_chromium as chromium
from tests.browser.axe import axe_source
from tests.browser.test_interop import feed_turned_on
from tests.integration.conftest import publish

pytestmark = pytest.mark.browser

browser = chromium.browser  # the shared fixture
MASTER = DEMO_MASTERS[2]  # no other test uses this demo master: its agenda is seeded here
PASSWORD = demo_password()
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}


@dataclass
class Book:
    """What the pages show: ids in the master's book, and users for the login pages."""

    portal_url: str
    mail_dir: Path
    client: str
    prospect: str
    twins: tuple[str, str]
    invited: str
    invitation: str
    group: str
    household: str
    note: str
    task: str
    event: str
    event_day: date
    two_factor_user: str
    two_factor_secret: str
    setup_user: str

    def application_path(self) -> str:
        """The /apply/<token> path the invitation's email links to (it leaves right away)."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            for path in self.mail_dir.glob("*.eml"):
                message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
                if self.invitation in str(message["Message-ID"]):
                    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
                    link = re.search(r"https?://\S+(/apply/\S+)", text)
                    assert link, text
                    return link.group(1)
            time.sleep(0.3)
        raise AssertionError(f"no invitation email in {self.mail_dir}")


def _ok(response: httpx.Response) -> Any:
    assert response.status_code < 400, f"{response.request.url.path}: {response.text}"
    return response.json() if response.content else None


@contextmanager
def _api(portal_url: str, username: str) -> Iterator[httpx.Client]:
    """The public API as the user, as a script of the advisor's would use it."""
    with httpx.Client(base_url=portal_url, timeout=15, trust_env=False) as api:
        login = {"username": username, "password": PASSWORD}
        token = _ok(api.post("/api/v1/auth/login", json=login))["access_token"]
        api.headers["Authorization"] = f"Bearer {token}"
        yield api


def _new_user(stack: Stack, label: str) -> str:
    """A user of a master of its own (its two-factor state is its own)."""
    name = f"a11y-{label}-{uuid.uuid4().hex[:6]}"
    creation = create_user(
        stack.database_url("gateway"), master_account_id="A" + str(uuid.uuid4().int)[:7],
        master_name="Accessible Advisors", username=name, display_name="Alex Access",
        password=PASSWORD,
    )  # fmt: skip
    with ThreadPoolExecutor(max_workers=1) as worker:  # Playwright's loop may own this thread
        assert worker.submit(asyncio.run, creation).result() is True
    return name


def _open_clients(api: httpx.Client, within: float = 60) -> list[str]:
    """Open clients of the master, once the simulated back office has opened two."""
    deadline = time.monotonic() + within
    while True:
        page = _ok(api.get("/api/v1/contacts", params={"kind": "client", "page_size": 20}))
        clients = [str(item["id"]) for item in page["items"] if not item["closed"]]
        if len(clients) >= 2 or time.monotonic() > deadline:
            assert len(clients) >= 2, "the simulator gave the master no two open clients"
            return clients
        time.sleep(1)


def _first(api: httpx.Client, path: str, **params: Any) -> dict[str, Any]:
    items = _ok(api.get(path, params={"page_size": 50, **params}))["items"]
    assert items, f"nothing at {path}"
    return dict(items[0])


def _add(api: httpx.Client, path: str, body: dict[str, Any]) -> str:
    return str(_ok(api.post(path, json=body))["id"])


def _broker_message(stack: Stack, api: httpx.Client, within: float = 60) -> None:
    """A broker message about two of the master's clients, unless the simulator sent one."""
    if _ok(api.get("/api/v1/broker-messages"))["items"]:
        return
    deadline = time.monotonic() + within
    while len(accounts := [r["account_number"] for r in _ok(api.get(
            "/api/v1/recipients", params={"page_size": 2}))["items"]]) < 2:  # fmt: skip
        assert time.monotonic() < deadline, "no two open clients to send a broker message to"
        time.sleep(1)
    message_id = f"BM-A11Y-{uuid.uuid4().hex[:8]}"
    event = BrokerMessageIssued(
        message_id=message_id, message_type="statement_available",
        subject="Your statement is ready", template="Dear {client_name},\n\nIt is ready.",
        variables={a: {} for a in accounts}, recipient_accounts=accounts,
        channels=[Channel.MESSAGE_CENTER, Channel.EMAIL], review_required=True,
    )  # fmt: skip
    with ThreadPoolExecutor(1) as thread:  # Playwright's sync API owns this thread's loop
        thread.submit(asyncio.run, publish(stack.bootstrap_servers, topics.BROKER_MESSAGES.name,
                                           event, master=MASTER.master_account_id)).result()  # fmt: skip
    while api.get(f"/api/v1/broker-messages/{message_id}").status_code != 200:
        assert time.monotonic() < deadline, "the broker message was not kept"
        time.sleep(0.5)


@pytest.fixture(scope="module")
def book(stack: Stack) -> Book:
    username = username_of(MASTER)
    with _api(stack.portal_url, username) as api:
        clients = _open_clients(api)
        _broker_message(stack, api)
        seed_agenda(stack.portal_url, MASTER, username=username, password=PASSWORD, clients_wait=0)
        if not _ok(api.get("/api/v1/households"))["items"]:  # the demo took a closed client
            _add(api, "/api/v1/households", {"name": "The family accounts",
                                             "member_contact_ids": clients[:2],
                                             "head_contact_id": clients[0]})  # fmt: skip
        task = _first(api, "/api/v1/tasks", sort="due_at", order="asc")  # the overdue one
        event = _first(api, "/api/v1/events")
        family = f"Twin-{uuid.uuid4().hex[:6]}"
        twins = [_add(api, "/api/v1/contacts", {"first_name": first_name, "last_name": family,
                                                "email": f"{family.lower()}@example.com"})
                 for first_name in ("Katherine", "Catherine")]  # fmt: skip
        invitee = f"Invited-{uuid.uuid4().hex[:6]}"
        invited = _add(api, "/api/v1/contacts", {"first_name": "Ines", "last_name": invitee,
                                                 "email": f"{invitee.lower()}@example.com"})  # fmt: skip
        invitation = _add(api, f"/api/v1/contacts/{invited}/invitations",
                          {"method": "fully_electronic", "account_type": "joint"})  # fmt: skip
        starts = datetime.fromisoformat(event["starts_at"]).astimezone(ZoneInfo(MASTER.time_zone))
        ids = {"group": _first(api, "/api/v1/groups")["id"],
               "household": _first(api, "/api/v1/households")["id"],
               "note": _first(api, "/api/v1/notes")["id"]}  # fmt: skip
    two_factor_user, setup_user = _new_user(stack, "2fa"), _new_user(stack, "setup")
    with _api(stack.portal_url, two_factor_user) as api:
        secret = _ok(api.post("/api/v1/auth/two-factor/setup"))["secret"]
        _ok(api.post("/api/v1/auth/two-factor/enable", json={"code": pyotp.TOTP(secret).now()}))
    with _api(stack.portal_url, setup_user) as api:
        _ok(api.post("/api/v1/auth/two-factor/setup"))  # and never confirmed: the QR code shows
    return Book(
        portal_url=stack.portal_url, mail_dir=stack.mail_dir, client=clients[0],
        prospect=str(task["contact_id"]), twins=(twins[0], twins[1]), invited=invited,
        invitation=invitation, group=str(ids["group"]), household=str(ids["household"]),
        note=str(ids["note"]), task=str(task["id"]), event=str(event["id"]),
        event_day=starts.date(), two_factor_user=two_factor_user, two_factor_secret=secret,
        setup_user=setup_user,
    )  # fmt: skip


@pytest.fixture(scope="module")
def axe_script() -> str:
    return axe_source()


def _context(browser: Browser, book: Book, axe_script: str) -> BrowserContext:
    context = browser.new_context(base_url=book.portal_url, viewport={"width": 1280, "height": 900})
    context.add_init_script(script=axe_script)  # evaluated in every page, past any CSP
    context.set_default_timeout(15_000)
    return context


def log_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


@pytest.fixture(scope="module")
def advisor(browser: Browser, book: Book, axe_script: str) -> Iterator[Page]:
    """The master's user, logged in once for the module."""
    context = _context(browser, book, axe_script)
    page = context.new_page()
    log_in(page, username_of(MASTER))
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    page.on("dialog", lambda dialog: dialog.dismiss())
    yield page
    context.close()


@pytest.fixture
def visitor(browser: Browser, book: Book, axe_script: str) -> Iterator[Page]:
    """Nobody logged in, in a context of its own."""
    context = _context(browser, book, axe_script)
    yield context.new_page()
    context.close()


# --- the pages ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Visit:
    path: str
    """where the page is, formatted with the book (`{client}`, `{group}` …)"""
    steps: Callable[[Page, Book], None] | None = None
    """what brings the page up when it takes more than going to the path"""
    status: int = 200

    def __call__(self, page: Page, book: Book) -> None:
        if self.steps is not None:
            self.steps(page, book)
            return
        response = page.goto(self.path.format(**vars(book)))
        assert response is not None, self.path
        assert response.status == self.status, f"{self.path}: {response.status}"
        assert self.path.startswith("/login") or "/login" not in page.url, f"sent to {page.url}"


def a_captured_message(page: Page, _: Book) -> None:
    page.goto("/messages/mail")
    page.locator("td a[href^='/messages/mail/']").first.click()
    expect(page.get_by_role("heading", name="Captured email")).to_be_visible()


def a_user(page: Page, _: Book) -> None:
    page.goto("/users")
    page.locator("td a[href^='/users/']").first.click()
    expect(page.get_by_role("heading", level=2).first).to_be_visible()


def login_refused(page: Page, book: Book) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(book.setup_user)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_be_visible()


def login_second_step(page: Page, book: Book) -> None:
    log_in(page, book.two_factor_user)
    expect(page.get_by_label("Two-factor code")).to_be_visible()


def settings_two_factor_on(page: Page, book: Book) -> None:
    login_second_step(page, book)
    code = pyotp.TOTP(book.two_factor_secret).at(time.time() + 30)  # a step not used yet
    page.get_by_label("Two-factor code").fill(code)
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    page.goto("/settings")
    expect(page.locator('[data-two-factor="on"]')).to_be_visible()


def settings_two_factor_setup(page: Page, book: Book) -> None:
    log_in(page, book.setup_user)
    page.goto("/settings")
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()


def import_with_problems(page: Page, book: Book) -> None:
    page.goto("/contacts/import")
    form = page.get_by_role("form", name="Import contacts")
    form.get_by_label("File to import").set_input_files(
        files=FilePayload(
            name="book.csv",
            mimeType="text/csv",
            buffer=b"first_name,last_name,email\nAlan,Turing,alan@\n",
        )
    )
    form.get_by_role("button", name="Import contacts").click()
    expect(page.locator("table.problems tbody tr")).to_have_count(1)


def profile_with_errors(page: Page, book: Book) -> None:
    page.goto(f"/contacts/{book.prospect}?edit=contact")
    form = page.get_by_role("form", name="Edit Contact information")
    form.get_by_label("Mobile phone").fill("12")
    form.get_by_role("button", name="Save contact information").click()
    expect(page.locator("[aria-invalid=true]").first).to_be_visible()


def application(page: Page, book: Book) -> None:
    response = page.goto(book.application_path())
    assert response is not None and response.ok
    expect(page.get_by_role("heading", level=1)).to_contain_text("account application")


_SENT: dict[str, str] = {}


def _first_recipient(page: Page) -> dict[str, Any]:
    """An open client account the master may message (once the messaging service knows it)."""
    for _ in range(90):
        found = page.request.get("/api/v1/recipients?page_size=1").json()["items"]
        if found:
            return dict(found[0])
        page.wait_for_timeout(1000)
    raise AssertionError("the messaging service knows no open client of the master")


def _sent_message(page: Page) -> dict[str, str]:
    """A message of the master's to one of its clients on every channel (sent once per run)."""
    if not _SENT:
        csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "portal_csrf")
        headers = {"x-csrf-token": csrf}
        recipient = _first_recipient(page)
        sent = page.request.post(
            "/api/v1/messages",
            data={"subject": "Accessible letter", "body": "<p>Dear {{ first_name }}</p>",
                  "channels": ["W", "E", "B"],
                  "recipients": {"account_numbers": [recipient["account_number"]]}},
            headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
        )  # fmt: skip
        assert sent.status == 202, sent.text()
        _SENT.update(message=str(sent.json()["id"]), contact=str(recipient["contact_id"]))
    return _SENT


def a_sent_message(page: Page, _: Book) -> None:
    page.goto(f"/messages/sent/{_sent_message(page)['message']}")
    expect(page.get_by_role("heading", name="Accessible letter")).to_be_visible()


def a_broker_message(page: Page, _: Book) -> None:
    """The first message of Sent By Broker (the book publishes one if the simulator has not)."""
    page.goto("/messages/broker")
    page.locator("td a[href^='/messages/broker/']").first.click()
    expect(page.get_by_role("heading", name="Broker message")).to_be_visible()


def a_broker_message_as_received(page: Page, book: Book) -> None:
    a_broker_message(page, book)
    page.get_by_role("link", name=re.compile("^View as ")).first.click()
    expect(page.get_by_role("heading", name="As the recipient receives it")).to_be_visible()


def a_rendered_message(page: Page, _: Book) -> None:
    a_sent_message(page, _)
    page.get_by_role("link", name=re.compile("^View as .*Email")).first.click()
    expect(page.get_by_role("heading", name="As the recipient got it")).to_be_visible()


def a_client_message(page: Page, _: Book) -> None:
    sent = _sent_message(page)
    page.goto(f"/contacts/{sent['contact']}/message-center")
    page.get_by_role("button", name="Accessible letter").first.click()
    expect(page.locator("iframe.mail-body")).to_be_visible()


def a_message_with_recipients(page: Page, _: Book) -> None:
    number = _first_recipient(page)["account_number"]
    page.goto("/messages/compose")
    form = page.get_by_role("form", name="Compose")
    form.get_by_role("searchbox", name="Find client accounts").fill(number)
    form.get_by_role("button", name="Find").click()
    page.get_by_role("list", name="Accounts found").get_by_role("checkbox").first.check()
    page.get_by_role("button", name="Show who it reaches").click()
    expect(page.locator("[data-recipient-count]")).to_be_visible()


def _new_template(page: Page, body: str) -> None:
    page.goto("/messages/templates/new")
    form = page.get_by_role("form", name="New template")
    form.get_by_label("Name").fill(f"Accessible {uuid.uuid4().hex[:6]}")
    form.get_by_label("Subject").fill("Hello {{ first_name }}")
    form.get_by_label("Body").fill(body)


def a_template_previewed(page: Page, _: Book) -> None:
    _new_template(page, "<p>Dear {{ client_name }}</p>")
    page.get_by_role("button", name="Save template").click()
    expect(page.get_by_role("status")).to_contain_text("Template saved")
    page.get_by_role("button", name="Check and preview").click()
    expect(page.get_by_role("heading", name="Preview")).to_be_visible()


def a_template_refused(page: Page, _: Book) -> None:
    _new_template(page, "{{ client_name.__class__ }}")
    page.get_by_role("button", name="Check and preview").click()
    expect(page.locator("#body-error")).to_be_visible()


_TOOLS: dict[str, str] = {}


def _analytics_account(api: httpx.Client, within: float = 60) -> str:
    """An open client account the analytics service knows (fed by the simulated back office)."""
    deadline = time.monotonic() + within
    query = {"criteria": [{"field": "status", "op": "eq", "value": "open"}], "match": "all"}
    while not (found := _ok(api.post("/api/v1/tools/segments/query", json=query))["items"]):
        assert time.monotonic() < deadline, "analytics knows no open client account of the master"
        time.sleep(1)
    return str(found[0]["account_number"])


def _tools(book: Book) -> dict[str, str]:
    """A saved segment and an ESG invitation's link token of the master (made once per run)."""
    if not _TOOLS:
        with _api(book.portal_url, username_of(MASTER)) as api:
            account = _analytics_account(api)
            segment = {"name": f"Open accounts {uuid.uuid4().hex[:6]}", "match": "all",
                       "criteria": [{"field": "status", "op": "eq", "value": "open"}]}  # fmt: skip
            invitations = {"account_numbers": [account]}
            _TOOLS.update(segment=_add(api, "/api/v1/tools/segments", segment),
                          esg_token=_ok(api.post("/api/v1/tools/esg/invitations",
                                                 json=invitations))["items"][0]["link_token"])  # fmt: skip
    return _TOOLS


def a_segment(page: Page, book: Book) -> None:
    page.goto(f"/tools/segments/{_tools(book)['segment']}")
    expect(page.get_by_role("button", name="Refresh members")).to_be_visible()


def a_goal_projected(page: Page, _: Book) -> None:
    page.goto("/tools/goals")
    page.get_by_role("button", name="Project").click()
    expect(page.locator(".fan-chart")).to_be_visible()


def an_esg_invitation(page: Page, book: Book) -> None:
    response = page.goto(f"/esg/{_tools(book)['esg_token']}")
    assert response is not None and response.ok
    expect(page.get_by_role("button", name="Save my preferences")).to_be_visible()


AREAS: tuple[str, ...] = ()  # areas not ready yet (tools and fees are now: issue 12)
ADVISOR_PAGES: dict[str, Visit] = {
    "dashboard": Visit("/dashboard"),
    "contacts": Visit("/contacts"),
    "contacts-filtered": Visit("/contacts?kind=client&sort=net_asset_value&order=desc"),
    "contact-profile": Visit("/contacts/{client}"),
    "contact-profile-editing": Visit("/contacts/{client}?edit=address"),
    "contact-profile-errors": Visit("/contacts/{prospect}", profile_with_errors),
    "contact-financial": Visit("/contacts/{client}/financial"),
    "contact-financial-editing": Visit("/contacts/{client}/financial?edit=financial"),
    "contact-trading": Visit("/contacts/{client}/trading"),
    "contact-trading-editing": Visit("/contacts/{client}/trading?edit=trading"),
    "contact-configuration": Visit("/contacts/{prospect}/configuration"),
    "contact-agenda": Visit("/contacts/{prospect}/agenda"),
    "contact-sub-accounts": Visit("/contacts/{client}/sub-accounts"),
    "contact-timeline": Visit("/contacts/{client}/timeline"),
    "transactions": Visit("/transactions"),
    "client-queries": Visit(
        "/tools/client-queries?report=transaction-count&date_from=2020-01-01&date_to=2030-01-01&threshold=0"
    ),
    "contact-invitations": Visit("/contacts/{invited}/invitations"),
    "import": Visit("/contacts/import"),
    "import-problems": Visit("/contacts/import", import_with_problems),
    "merge": Visit("/contacts/merge?q=Twin"),
    "merge-review": Visit("/contacts/merge/review?ids={twins[0]}&ids={twins[1]}"),
    "merge-done": Visit("/contacts/merge/done?id={twins[0]}&merged=1"),
    "pending-tasks": Visit("/contacts/pending-tasks"),
    "groups": Visit("/groups"),
    "group": Visit("/groups/{group}?add_q=a&done=group-created"),
    "household-new": Visit("/households/new?q=a"),
    "household": Visit("/households/{household}"),
    "calendar-month": Visit("/calendar/month?month={event_day:%Y-%m}"),
    "calendar-day": Visit("/calendar/day?date={event_day}"),
    "calendar-event-new": Visit("/calendar/events/new?date={event_day}"),
    "calendar-event-edit": Visit("/calendar/events/{event}/edit"),
    "notes": Visit("/notes"),
    "note-new": Visit("/notes/new"),
    "note-edit": Visit("/notes/{note}/edit"),
    "workflows": Visit("/workflows"),
    "workflow-new": Visit("/workflows/new"),
    "workflow-edit": Visit("/workflows/{task}/edit"),
    "documents": Visit("/documents"),
    "document-new": Visit("/documents/new"),
    "settings": Visit("/settings"),
    "calendar-feed": Visit("/settings/calendar"),
    "calendar-feed-on": Visit("/settings/calendar", feed_turned_on),
    "users": Visit("/users"),
    "user-new": Visit("/users/new"),
    "user": Visit("/users/{user_id}", a_user),
    "audit-log": Visit("/settings/audit-log"),
    "captured-mail": Visit("/messages/mail"),
    "captured-message": Visit("/messages/mail/{name}", a_captured_message),
    "messages": Visit("/messages"),
    "message-compose": Visit("/messages/compose"),
    "message-compose-recipients": Visit("/messages/compose", a_message_with_recipients),
    "messages-sent": Visit("/messages/sent"),
    "broker-messages": Visit("/messages/broker"),
    "broker-message": Visit("/messages/broker/{broker_message}", a_broker_message),
    "broker-message-rendered": Visit(
        "/messages/broker/{broker_message}/recipients/{account}/W", a_broker_message_as_received
    ),
    "message-sent": Visit("/messages/sent/{message}", a_sent_message),
    "message-rendered": Visit(
        "/messages/sent/{message}/recipients/{contact}/E", a_rendered_message
    ),
    "message-templates": Visit("/messages/templates"),
    "message-template-new": Visit("/messages/templates/new"),
    "message-template-refused": Visit("/messages/templates/new", a_template_refused),
    "message-template": Visit("/messages/templates/{template}", a_template_previewed),
    "message-branding": Visit("/messages/branding"),
    "notices": Visit("/messages/notices"),
    "contact-message-center": Visit("/contacts/{client}/message-center"),
    "contact-message-center-item": Visit(
        "/contacts/{client}/message-center/{message}", a_client_message
    ),
    "linkage": Visit("/linkage"),
    "linkage-request-missing": Visit(f"/linkage/requests/{uuid.UUID(int=0)}", status=404),
    "contact-linkage": Visit("/contacts/{client}/linkage"),
    "contact-full-service": Visit("/contacts/{client}/full-service"),
    "contact-margin": Visit("/contacts/{client}/margin"),  # with a deficit: test_margin.py
    "funding-confirmations": Visit("/funding/confirmations"),
    "devices": Visit("/devices"),
    "devices-of-account": Visit("/devices/{account}", linkage_pages.an_accounts_devices),
    "tools": Visit("/tools"),
    "tools-goals": Visit("/tools/goals"),
    "tools-goals-projected": Visit("/tools/goals", a_goal_projected),
    "tools-rmd": Visit("/tools/rmd"),
    "tools-segments": Visit("/tools/segments"),
    "tools-segment": Visit("/tools/segments/{segment}", a_segment),
    "tools-risk": Visit("/tools/risk"),
    "tools-esg": Visit("/tools/esg"),
    "fees": Visit("/fees"),
    "contact-reports": Visit("/contacts/{client}/reports"),
    "contact-reports-statement": Visit(
        "/contacts/{client}/reports?show=1&period_start=2025-01-01&period_end=2027-12-31"
    ),
    "contact-performance": Visit("/contacts/{client}/performance"),
    "statement-runs": Visit("/reports/statements"),
    "staging": Visit("/messages/staging"),  # a held message's pages: tests/browser/test_staging.py
    "staging-hold-missing": Visit("/messages/staging/BM-NONE", status=404),
    "staging-content-missing": Visit("/messages/staging/BM-NONE/recipients/U0000000/W", status=404),
    **{f"area-{area}": Visit(f"/areas/{area}") for area in AREAS},
}
VISITOR_PAGES: dict[str, Visit] = {
    "login": Visit("/login"),
    "login-refused": Visit("/login", login_refused),
    "login-two-factor": Visit("/login", login_second_step),
    "settings-two-factor-on": Visit("/settings", settings_two_factor_on),
    "settings-two-factor-setup": Visit("/settings", settings_two_factor_setup),
    "apply": Visit("/apply/{token}", application),
    "apply-invalid-link": Visit("/apply/not-a-token", status=404),
    "esg-invitation": Visit("/esg/{esg_token}", an_esg_invitation),
    "set-password-invalid-link": Visit("/set-password/not-a-token", status=404),
}
NOT_PAGES = {"/", "/calendar", "/documents/{document_id}/view", "/documents/{document_id}/download",
             "/messages/mail/{name}/body",
             "/messages/sent/{message_id:uuid}/recipients/{contact_id:uuid}/{channel}/body",
             "/messages/broker/{message_id}/recipients/{account_number}/{channel}/body",
             "/contacts/{contact_id:uuid}/message-center/{message_id:uuid}/body",
             "/messages/staging/{message_id}/recipients/{account_number}/{channel}/body",
             "/transactions/export.csv", "/vendor/{name}",
             "/fees/invoices.csv", "/fees/invoices/{invoice_id}.pdf",
             "/contacts/{contact_id:uuid}/reports/statement.{fmt}",
             "/contacts/{contact_id:uuid}/performance/report.{fmt}",
             "/reports/statements/{run_id:uuid}/progress", "/reports/statements/{run_id:uuid}/result",
             "/areas/{slug}"}  # fmt: skip
"""redirects and files; and /areas/{slug}, which answers 404 now that every area is ready"""

# Opened <details> (menus, forms behind a button) are checked too, laid out in the flow so that
# no menu covers what it opens over.
OPEN_EVERYTHING = """() => {
  for (const details of document.querySelectorAll('details')) details.open = true;
  const style = document.createElement('style');
  style.textContent = 'details[open] > :not(summary) { position: static !important; }';
  document.head.append(style);
}"""
RUN_AXE = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                           resultTypes: ['violations']});
  return results.violations.map((rule) => ({
    id: rule.id, impact: rule.impact, help: rule.help,
    nodes: rule.nodes.map((node) => ({target: node.target.map(String).join(' '),
                                      summary: node.failureSummary || ''})),
  }));
}"""


def violations_on(page: Page) -> list[dict[str, Any]]:
    page.wait_for_load_state("load")
    page.evaluate(OPEN_EVERYTHING)
    return list(page.evaluate(RUN_AXE, TAGS))


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for rule in violations:
        lines.append(f"  {rule['id']} ({rule['impact']}): {rule['help']} — {len(rule['nodes'])} "
                     f"element(s)")  # fmt: skip
        for node in rule["nodes"][:4]:
            summary = " ".join(node["summary"].split())[:300]
            lines.append(f"      {node['target']}  {summary}")
    return "\n".join(lines)


def check(page: Page, name: str) -> None:
    violations = violations_on(page)
    blocking = [rule for rule in violations if rule["impact"] in BLOCKING]
    assert not blocking, f"axe-core on {name} ({page.url}):\n{describe(blocking)}"


@pytest.mark.parametrize("name", ADVISOR_PAGES)
def test_the_advisors_pages_pass_axe(name: str, advisor: Page, book: Book) -> None:
    ADVISOR_PAGES[name](advisor, book)
    check(advisor, name)


@pytest.mark.parametrize("name", VISITOR_PAGES)
def test_the_public_pages_pass_axe(name: str, visitor: Page, book: Book) -> None:
    VISITOR_PAGES[name](visitor, book)
    check(visitor, name)


def test_every_page_of_the_routers_is_checked() -> None:
    """Each page the routers serve (`@router.get`, but redirects and files) is visited above."""
    served = {route.path for module in PAGE_ROUTERS for route in module.router.routes
              if isinstance(route, APIRoute) and "GET" in (route.methods or ())}  # fmt: skip
    visited = [visit.path.split("?")[0] for visit in [*ADVISOR_PAGES.values(),
                                                      *VISITOR_PAGES.values()]]  # fmt: skip
    missing = [path for path in sorted(served - NOT_PAGES)
               if not any(re.fullmatch(_pattern(path), seen) for seen in visited)]  # fmt: skip
    assert not missing, f"pages with no accessibility check in this module: {missing}"


def _pattern(route: str) -> str:
    """A route's path as a pattern: a parameter matches a segment (or a `{…}` of the book)."""
    return re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(route))
