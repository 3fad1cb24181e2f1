"""The demo agenda: a few prospects of each demo master with notes, tasks (one overdue), calendar
events this week, a document, a group, and a household of two clients once the simulated back office has
opened some. Everything goes through the gateway's public API as the master's user, so it takes
the same paths (and publishes the same events) as an advisor's own work.

A master that already has notes is left alone, so a restart on a kept database adds nothing.
"""

from __future__ import annotations

import time as clock
from datetime import date, datetime, time, timedelta
from random import Random
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from pydantic import BaseModel

from contracts.api.contacts import ContactCreate
from contracts.api.groups import GroupCreate, GroupMembersChange, HouseholdCreate
from contracts.api.records import EventCreate, NoteCreate, TaskCreate
from contracts.crm import GroupVisibility, TaskPriority
from deploy.demo import DemoMaster
from deploy.simulator import CULTURES, culture_for

PROSPECTS = 5
NOTES = (
    "Met at the spring client seminar; interested in a managed retirement portfolio.",
    "Referred by an existing client. Wants to consolidate two old brokerage accounts.",
    "Asked about fees and the minimum deposit; sent the fee schedule by email.",
    "Small-business owner: looking at a SEP IRA and a cash-management account.",
    "Prefers calls after 5 pm. Spouse will join the next meeting.",
)
TASKS = (  # title, days from today, hour, priority
    ("Call back about the account transfer", -1, 16, TaskPriority.HIGH),
    ("Send the account application", 0, 15, TaskPriority.NORMAL),
    ("Review the risk questionnaire", 3, 10, TaskPriority.NORMAL),
    ("Prepare the first portfolio proposal", 7, 9, TaskPriority.LOW),
)
DOCUMENT = (
    "fee-schedule-2026.txt",
    "Advisory fee schedule 2026\n\n"
    "Assets under management      Annual fee\n"
    "first $1,000,000             1.00 %\n"
    "next $4,000,000              0.75 %\n"
    "above $5,000,000             0.50 %\n",
)
EVENTS = (  # title, days from today, hour, minutes, location
    ("Introductory meeting", 0, 10, 60, "Office, meeting room 2"),
    ("Portfolio review call", 1, 14, 45, "Phone"),
    ("Coffee and paperwork", 4, 9, 30, "Café across the street"),
)


def seed_agenda(
    portal_url: str, master: DemoMaster, *, username: str, password: str, clients_wait: float = 10
) -> bool:
    """Give the master's book its demo agenda; False when it already has one."""
    with httpx.Client(base_url=portal_url, timeout=15, trust_env=False) as api:
        token = _ok(api.post("/api/v1/auth/login", json={"username": username,
                                                           "password": password}))  # fmt: skip
        api.headers["Authorization"] = f"Bearer {token['access_token']}"
        if _ok(api.get("/api/v1/notes", params={"page_size": 1}))["total"]:
            return False
        rng = Random(master.master_account_id)
        zone = ZoneInfo(master.time_zone)
        today = datetime.now(zone).date()
        prospects = [_prospect(api, rng, master) for _ in range(PROSPECTS)]
        for prospect, note in zip(prospects, NOTES, strict=False):
            _post(api, f"/api/v1/contacts/{prospect}/notes", NoteCreate(body=note))
        for index, (title, days, hour, priority) in enumerate(TASKS):
            due = _at(today, days, hour, zone)
            _post(api, "/api/v1/tasks", TaskCreate(contact_id=prospects[index], title=title,
                                                   priority=priority, due_at=due))  # fmt: skip
        for index, (title, days, hour, minutes, location) in enumerate(EVENTS):
            starts = _at(today, days, hour, zone)
            _post(api, "/api/v1/events", EventCreate(
                contact_id=prospects[index], title=title, location=location,
                starts_at=starts, ends_at=starts + timedelta(minutes=minutes),
            ))  # fmt: skip
        name, text = DOCUMENT
        _ok(api.post(f"/api/v1/contacts/{prospects[2]}/documents",
                     files={"file": (name, text.encode(), "text/plain")}))  # fmt: skip
        group = _post(api, "/api/v1/groups", GroupCreate(name="Seminar leads",
                                                         visibility=GroupVisibility.PUBLIC))  # fmt: skip
        _send(api, "PATCH", f"/api/v1/groups/{group['id']}/members",
              GroupMembersChange(add=prospects))  # fmt: skip
        _household(api, clients_wait)
    return True


def _prospect(api: httpx.Client, rng: Random, master: DemoMaster) -> str:
    culture = CULTURES[culture_for(master.master_account_id, rng)]
    first, last = rng.choice(culture.first_names), rng.choice(culture.last_names)
    email = None
    if f"{first}{last}".isascii() and last.isalpha():
        email = f"{first}.{last}@{rng.choice(culture.email_domains)}".lower()
    created = _post(api, "/api/v1/contacts", ContactCreate(first_name=first, last_name=last,
                                                           email=email))  # fmt: skip
    return str(created["id"])


def _household(api: httpx.Client, wait: float) -> None:
    """Two open clients of the simulated back office as a household, when there are some."""
    deadline = clock.monotonic() + wait
    while True:
        page = _ok(api.get("/api/v1/contacts", params={"kind": "client", "page_size": 2}))
        clients = [item["id"] for item in page["items"] if not item["closed"]]
        if len(clients) == 2:
            _post(api, "/api/v1/households", HouseholdCreate(
                name="The family accounts", member_contact_ids=clients, head_contact_id=clients[0],
            ))  # fmt: skip
            return
        if clock.monotonic() > deadline:
            return
        clock.sleep(1)


def _at(today: date, days: int, hour: int, zone: ZoneInfo) -> datetime:
    """``hour`` o'clock ``days`` from today; for today, never earlier than the next full hour,
    so that today's items are still ahead whenever the demo starts."""
    moment = datetime.combine(today + timedelta(days=days), time(hour), zone)
    if days == 0:
        next_hour = datetime.now(zone).replace(minute=0, second=0, microsecond=0)
        moment = max(moment, next_hour + timedelta(hours=1))
    return moment


def _post(api: httpx.Client, path: str, command: BaseModel) -> Any:
    return _send(api, "POST", path, command)


def _send(api: httpx.Client, method: str, path: str, command: BaseModel) -> Any:
    return _ok(api.request(method, path, json=command.model_dump(mode="json", exclude_unset=True)))


def _ok(response: httpx.Response) -> Any:
    if response.status_code >= 400:
        raise RuntimeError(f"{response.request.method} {response.request.url.path}: "
                           f"{response.status_code} {response.text}")  # fmt: skip
    return response.json() if response.content else None
