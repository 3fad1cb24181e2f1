"""The demo agenda `make up` gives each demo master, seeded through the gateway's API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from deploy.demo import DEMO_MASTERS, demo_password, username_of
from deploy.demo_agenda import DOCUMENT, EVENTS, NOTES, PROSPECTS, TASKS, seed_agenda
from deploy.stack import Stack
from tests.e2e.test_portal_api import eventually, login

pytestmark = pytest.mark.e2e
ALPINE = DEMO_MASTERS[1]  # no other test uses this demo master


def test_each_demo_master_gets_an_agenda_once(stack: Stack) -> None:
    # the household needs two clients of the simulated back office
    api = login(stack, username_of(ALPINE))

    def clients() -> Any:
        page = api.get("/api/v1/contacts", params={"kind": "client", "page_size": 2}).json()
        return len([item for item in page["items"] if not item["closed"]]) == 2

    eventually(clients, within=60)

    seeded = seed_agenda(stack.portal_url, ALPINE, username=username_of(ALPINE),
                         password=demo_password(), clients_wait=0)  # fmt: skip
    assert seeded is True

    notes = api.get("/api/v1/notes", params={"page_size": 50}).json()
    tasks = api.get("/api/v1/tasks", params={"page_size": 50}).json()["items"]
    events = api.get("/api/v1/events", params={"page_size": 50}).json()["items"]
    assert notes["total"] == min(PROSPECTS, len(NOTES))
    assert sorted(task["title"] for task in tasks) == sorted(title for title, *_ in TASKS)
    now = datetime.now().astimezone()
    overdue = {t["title"] for t in tasks if datetime.fromisoformat(t["due_at"]) < now}
    assert overdue == {title for title, days, *_ in TASKS if days < 0}  # today's are still ahead
    assert sorted(event["title"] for event in events) == sorted(title for title, *_ in EVENTS)
    assert all(datetime.fromisoformat(event["starts_at"]) > now for event in events)
    [document] = api.get("/api/v1/documents").json()["items"]
    assert document["filename"] == DOCUMENT[0]
    [group] = api.get("/api/v1/groups").json()["items"]
    assert (group["name"], group["member_count"]) == ("Seminar leads", PROSPECTS)
    [household] = api.get("/api/v1/households").json()["items"]
    assert len(household["members"]) == 2 and household["head_contact_id"] is not None

    again = seed_agenda(stack.portal_url, ALPINE, username=username_of(ALPINE),
                        password=demo_password(), clients_wait=0)  # fmt: skip
    assert again is False
    assert api.get("/api/v1/notes", params={"page_size": 1}).json()["total"] == notes["total"]
