"""The contact record (C3, C9) on the real database and broker: profile edits with field-level
errors, optimistic concurrency, close/reopen events, history, the PDF, tenancy; and the
table's sort, search and capped count (C1/C2)."""

from __future__ import annotations

from typing import Any

import httpx

from contracts import topics
from contracts.accounts import AccountType, Applicant, ApplicationStage, ApplicationStatusChanged
from tests.integration.conftest import RunningService, a_master, eventually, publish, read_topic


async def create(service: RunningService, master: str, **body: Any) -> dict[str, Any]:
    response = await service.http.post(
        "/contacts", json={"first_name": "Grace", "last_name": "Hopper"} | body,
        headers=service.as_master(master, "user-1"),
    )  # fmt: skip
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def locations(response: httpx.Response) -> set[tuple[Any, ...]]:
    assert response.status_code == 422, response.text
    return {tuple(error["loc"]) for error in response.json()["detail"]}


async def test_a_section_edit_is_validated_saved_and_followed_by_the_table(
    contacts_service: RunningService,
) -> None:
    master = a_master()
    headers = contacts_service.as_master(master, "user-1")
    contact = await create(contacts_service, master, email="grace@example.com")
    url = f"/contacts/{contact['id']}"

    detail = (await contacts_service.http.get(url, headers=headers)).json()
    assert detail["profile"]["contact"] == {
        "first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com",
    }  # fmt: skip

    bad = await contacts_service.http.put(
        f"{url}/profile/contact",
        json={"version": 1, "values": {"first_name": "Grace", "last_name": "",
                                       "email": "not-an-email", "mobile_phone": "12"}},
        headers=headers,
    )  # fmt: skip
    assert locations(bad) == {
        ("body", "values", "last_name"),
        ("body", "values", "email"),
        ("body", "values", "mobile_phone"),
    }

    saved = await contacts_service.http.put(
        f"{url}/profile/contact",
        json={"version": 1, "values": {"salutation": "Dr", "first_name": "Grace",
                                       "last_name": "Murray Hopper", "email": "gmh@example.com",
                                       "mobile_phone": "+1 201 555 0123"}},
        headers=headers,
    )  # fmt: skip
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert body["version"] == 2
    assert (body["name"], body["email"], body["phone"]) == (
        "Grace Murray Hopper", "gmh@example.com", "+12015550123",
    )  # fmt: skip
    assert body["profile"]["contact"]["salutation"] == "Dr"

    table = await contacts_service.http.get(
        "/contacts", params={"q": "murray hopper"}, headers=headers
    )
    assert [item["email"] for item in table.json()["items"]] == ["gmh@example.com"]


async def test_the_whole_profile_is_validated_as_a_whole(contacts_service: RunningService) -> None:
    master = a_master()
    headers = contacts_service.as_master(master)
    contact = await create(contacts_service, master)
    profile: dict[str, Any] = {
        "contact": {"first_name": "Grace", "last_name": "Hopper"},
        "tax": {"tax_residence_country": "US", "tax_id_type": "ssn", "tax_id": "000-12-3456"},
        "employment": {"status": "employed"},
        "trading": {"permissions": ["options"]},
    }
    bad = await contacts_service.http.put(
        f"/contacts/{contact['id']}/profile", json={"version": 1, "profile": profile},
        headers=headers,
    )  # fmt: skip
    assert locations(bad) == {
        ("body", "profile", "tax", "tax_id"),
        ("body", "profile", "employment", "employer"),
        ("body", "profile", "trading", "permissions"),
    }
    profile["tax"]["tax_id"] = "536-90-4399"
    profile["employment"]["employer"] = "US Navy"
    profile["trading"] = {"options": {"knowledge": "good"}, "permissions": ["options", "stocks"]}
    profile["prospect"] = {"account_type": "joint", "priority": "high"}
    good = await contacts_service.http.put(
        f"/contacts/{contact['id']}/profile", json={"version": 1, "profile": profile},
        headers=headers,
    )  # fmt: skip
    assert good.status_code == 200, good.text
    assert good.json()["account_type"] == "joint"
    assert good.json()["profile"]["trading"]["permissions"] == ["stocks", "options"]


async def test_a_stale_version_gets_409_and_changes_nothing(
    contacts_service: RunningService,
) -> None:
    master = a_master()
    headers = contacts_service.as_master(master)
    contact = await create(contacts_service, master)
    url = f"/contacts/{contact['id']}"
    first = await contacts_service.http.patch(
        url, json={"version": 1, "title": "Rear Admiral"}, headers=headers
    )
    assert first.status_code == 200 and first.json()["version"] == 2
    stale = await contacts_service.http.patch(
        url, json={"version": 1, "title": "Commodore"}, headers=headers
    )
    assert stale.status_code == 409
    assert "version 2" in stale.json()["detail"]
    for late in (
        contacts_service.http.put(f"{url}/profile/address", json={"version": 1, "values": {}},
                                  headers=headers),
        contacts_service.http.post(f"{url}/close", json={"version": 1}, headers=headers),
    ):  # fmt: skip
        assert (await late).status_code == 409
    current = (await contacts_service.http.get(url, headers=headers)).json()
    assert (current["title"], current["version"], current["closed"]) == ("Rear Admiral", 2, False)
    missing_version = await contacts_service.http.patch(url, json={"title": "x"}, headers=headers)
    assert locations(missing_version) == {("body", "version")}
    wrong_column = await contacts_service.http.patch(
        url, json={"version": 2, "phone": "call me"}, headers=headers
    )
    assert locations(wrong_column) == {("body", "phone")}


async def test_close_and_reopen_are_recorded_and_published(
    contacts_service: RunningService, kafka_bootstrap: str
) -> None:
    master = a_master()
    headers = contacts_service.as_master(master, "user-7")
    contact = await create(contacts_service, master)
    url = f"/contacts/{contact['id']}"
    closed = await contacts_service.http.post(f"{url}/close", json={"version": 1}, headers=headers)
    assert closed.status_code == 200 and closed.json()["closed"] is True
    again = await contacts_service.http.post(f"{url}/close", json={"version": 2}, headers=headers)
    assert again.status_code == 409
    reopened = await contacts_service.http.post(
        f"{url}/reopen", json={"version": 2}, headers=headers
    )
    assert reopened.status_code == 200 and reopened.json()["closed"] is False

    async def events() -> list[str]:
        messages = await read_topic(kafka_bootstrap, topics.CONTACTS.name)
        return [
            message["payload"]["type"]
            for message in messages
            if message["payload"]["contact"]["contact_id"] == contact["id"]
        ]

    published = await eventually(lambda: _has_all(events, 3))
    assert published == ["contact.created", "contact.closed", "contact.reopened"]

    history = await contacts_service.http.get(f"{url}/history", headers=headers)
    items = history.json()["items"]
    assert [item["action"] for item in items] == ["reopened", "closed", "created"]
    assert items[0]["changes"] == {"closed": [True, False]}
    assert {item["changed_by"] for item in items} == {"user-1", "user-7"}


async def _has_all(events: Any, count: int) -> list[str] | None:
    found: list[str] = await events()
    return found if len(found) >= count else None


async def test_another_master_gets_404_everywhere(contacts_service: RunningService) -> None:
    owner = a_master()
    contact = await create(contacts_service, owner)
    url = f"/contacts/{contact['id']}"
    intruder = contacts_service.as_master(a_master())
    http = contacts_service.http
    responses = [
        await http.get(url, headers=intruder),
        await http.patch(url, json={"version": 1, "title": "mine"}, headers=intruder),
        await http.put(f"{url}/profile", json={"version": 1, "profile": {}}, headers=intruder),
        await http.put(f"{url}/profile/address", json={"version": 1, "values": {}},
                       headers=intruder),
        await http.post(f"{url}/close", json={"version": 1}, headers=intruder),
        await http.post(f"{url}/reopen", json={"version": 1}, headers=intruder),
        await http.get(f"{url}/history", headers=intruder),
        await http.get(f"{url}/client-information.pdf", params={"master_name": "X"},
                       headers=intruder),
    ]  # fmt: skip
    assert [response.status_code for response in responses] == [404] * len(responses)
    owner_view = (await http.get(url, headers=contacts_service.as_master(owner))).json()
    assert (owner_view["version"], owner_view["title"], owner_view["closed"]) == (1, None, False)


async def test_the_client_information_pdf(contacts_service: RunningService) -> None:
    master = a_master()
    headers = contacts_service.as_master(master)
    contact = await create(contacts_service, master)
    url = f"/contacts/{contact['id']}/client-information.pdf"
    response = await contacts_service.http.get(
        url, params={"master_name": "Harbor Wealth"}, headers=headers
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "client-information-Grace-Hopper.pdf" in response.headers["content-disposition"]
    assert locations(await contacts_service.http.get(url, headers=headers)) == {
        ("query", "master_name")
    }


async def test_sort_puts_empty_values_last_both_ways_and_pages_are_stable(
    contacts_service: RunningService,
) -> None:
    master = a_master()
    headers = contacts_service.as_master(master)
    for index in range(7):
        await create(contacts_service, master, first_name=f"P{index}", last_name="Sorter",
                     **({"email": f"p{index}@example.com"} if index % 2 else {}))  # fmt: skip

    async def emails(order: str, page: int) -> tuple[list[str | None], dict[str, Any]]:
        response = await contacts_service.http.get(
            "/contacts", params={"sort": "email", "order": order, "page": page, "page_size": 2},
            headers=headers,
        )  # fmt: skip
        body = response.json()
        return [item["email"] for item in body["items"]], body

    pages_asc = [(await emails("asc", page))[0] for page in (1, 2, 3, 4)]
    pages_desc = [(await emails("desc", page))[0] for page in (1, 2, 3, 4)]
    assert pages_asc[:2] == [["p1@example.com", "p3@example.com"], ["p5@example.com", None]]
    assert pages_desc[:2] == [["p5@example.com", "p3@example.com"], ["p1@example.com", None]]
    assert sum(len(page) for page in pages_desc) == 7
    assert [e for page in pages_desc for e in page].count(None) == 4
    _, first_page = await emails("desc", 1)
    assert (first_page["total"], first_page["total_exact"]) == (7, True)
    _, last_page = await emails("desc", 4)
    assert (len(last_page["items"]), last_page["total"]) == (1, 7)
    _, beyond = await emails("desc", 9)
    assert (beyond["items"], beyond["total"]) == ([], 7)


async def test_words_of_a_search_may_come_in_any_order(contacts_service: RunningService) -> None:
    master = a_master()
    headers = contacts_service.as_master(master)
    await create(contacts_service, master, first_name="Ada", last_name="Lovelace")
    await create(contacts_service, master, first_name="Ada", last_name="Byron")
    response = await contacts_service.http.get(
        "/contacts", params={"q": "lovelace ADA"}, headers=headers
    )
    assert [item["name"] for item in response.json()["items"]] == ["Ada Lovelace"]


async def test_pending_registration_tasks_are_counted_for_the_red_pill(
    contacts_service: RunningService, kafka_bootstrap: str
) -> None:
    master = a_master()
    headers = contacts_service.as_master(master)
    for number, tasks in (("U5550001", ["Upload ID", "Sign W-9"]), ("U5550002", [])):
        event = ApplicationStatusChanged(
            account_number=number, stage=ApplicationStage.PENDING,
            account_type=AccountType.INDIVIDUAL, pending_tasks=tasks,
            applicant=Applicant(first_name="Pat", last_name=f"Pending {number}"),
        )  # fmt: skip
        await publish(kafka_bootstrap, topics.ACCOUNT_LIFECYCLE.name, event, master=master)

    async def summary() -> int | None:
        contacts = await contacts_service.http.get("/contacts", headers=headers)
        if contacts.json()["total"] < 2:
            return None
        response = await contacts_service.http.get("/contacts/pending-tasks/summary",
                                                   headers=headers)  # fmt: skip
        value: int = response.json()["contacts"]
        return value

    assert await eventually(summary) == 1


async def test_search_wildcards_are_taken_literally(contacts_service: RunningService) -> None:
    master = a_master()
    headers = contacts_service.as_master(master)
    await create(contacts_service, master, first_name="Per%cent", last_name="Under_Score")
    await create(contacts_service, master, first_name="Back\\slash", last_name="O'Hara")
    await create(contacts_service, master, first_name="Perxcent", last_name="Underxscore")

    async def names(query: str) -> list[str]:
        response = await contacts_service.http.get(
            "/contacts", params={"q": query}, headers=headers
        )
        return sorted(item["first_name"] for item in response.json()["items"])

    assert await names("r%c") == ["Per%cent"]
    assert await names("r_s") == ["Per%cent"]
    assert await names("k\\s") == ["Back\\slash"]
    assert await names("o'hara") == ["Back\\slash"]
    assert await names("%") == ["Per%cent"]
