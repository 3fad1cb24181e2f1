"""Access rights (G2) in the contacts service, on the real database: each route's right, and the
client scope applied alike to the table and its total, search, a record, the records' lists and
gets, an export, a group's members and the pending registration tasks.

The book: a prospect P; clients A (member of the primary user's private group G, a scope group),
B (an account chosen one by one) and C (in no scope); a public group H of P, A and C; a note, a
task and a document on each contact; pending registration tasks on each client.
"""

from __future__ import annotations

import csv
import io
import random
import string
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pytest
import pytest_asyncio

from contracts.access import Access, ClientScope, Right
from contracts.accounts import AccountType, Applicant, ApplicationStage, ApplicationStatusChanged
from contracts.envelope import Envelope
from services.contacts.service_layer.account_events import apply_application_status
from services.runtime.db import Database
from tests.integration.conftest import PDF_BYTES, RunningService, a_master

PRIMARY_USER = "u-primary"


def a_surname() -> str:
    """A last name no other test's contact has (the searches look for it)."""
    return "Zq" + "".join(random.choices(string.ascii_lowercase, k=8))


def an_account() -> str:
    return f"U{random.randint(10**7, 10**8 - 1)}"


@dataclass
class Book:
    service: RunningService
    master: str
    surname: str
    ids: dict[str, str]
    """name (P, A, B, C) -> contact id"""
    accounts: dict[str, str]
    groups: dict[str, str]
    """G (private scope group), H (public group) -> group id"""
    records: dict[str, dict[str, str]]
    """kind (notes, tasks, documents) -> contact name -> record id"""

    async def as_user(
        self, access: Access, method: str, path: str, user: str = "u-other", **kwargs: Any
    ) -> Any:
        return await self.service.http.request(
            method, path, headers=self.service.as_master(self.master, user, access), **kwargs
        )

    async def primary(self, method: str, path: str, expected: int = 200, **kwargs: Any) -> Any:
        response = await self.as_user(Access.primary(), method, path, PRIMARY_USER, **kwargs)
        assert response.status_code == expected, response.text
        return response.json() if response.content else None

    def names(self, ids: list[str]) -> list[str]:
        by_id = {contact_id: name for name, contact_id in self.ids.items()}
        return sorted(by_id.get(i, f"?{i}") for i in ids)


def database_of(service: RunningService) -> Database:
    database: Database = service.app.state.context.database
    return database


async def add_client(service: RunningService, master: str, first: str, surname: str) -> str:
    """A client, as the back office's news of its open account makes one (with pending tasks)."""
    account = an_account()
    event = ApplicationStatusChanged(
        account_number=account, stage=ApplicationStage.OPEN, account_type=AccountType.INDIVIDUAL,
        applicant=Applicant(first_name=first, last_name=surname),
        pending_tasks=[f"Upload proof of address for {first}"],
    )  # fmt: skip
    async with database_of(service).transaction() as uow:
        await apply_application_status(event, Envelope.wrap(event, master_account_id=master), uow)
    return account


async def build_book(service: RunningService) -> Book:
    master, surname = a_master(), a_surname()
    book = Book(service, master, surname, {}, {}, {}, {"notes": {}, "tasks": {}, "documents": {}})
    created = await book.primary(
        "POST", "/contacts", 201, json={"first_name": "Pat", "last_name": surname}
    )
    book.ids["P"] = str(created["id"])
    for name, first in (("A", "Ann"), ("B", "Bob"), ("C", "Cy")):
        book.accounts[name] = await add_client(service, master, first, surname)
        page = await book.primary("GET", "/contacts", params={"q": book.accounts[name]})
        book.ids[name] = page["items"][0]["id"]
    for name, visibility, members in (("G", "private", "A"), ("H", "public", "PAC")):
        group = await book.primary(
            "POST", "/groups", 201, json={"name": f"{name} {surname}", "visibility": visibility}
        )
        book.groups[name] = group["id"]
        add = [book.ids[member] for member in members]
        await book.primary("PATCH", f"/groups/{group['id']}/members", json={"add": add})
    for name, contact_id in book.ids.items():
        note = await book.primary(
            "POST", f"/contacts/{contact_id}/notes", 201, json={"body": f"note of {name}"}
        )
        task = await book.primary(
            "POST", "/tasks", 201, json={"contact_id": contact_id, "title": f"task of {name}"}
        )
        document = await book.primary(
            "POST", f"/contacts/{contact_id}/documents", 201,
            files={"file": (f"{name}.pdf", PDF_BYTES, "application/pdf")},
        )  # fmt: skip
        book.records["notes"][name] = note["id"]
        book.records["tasks"][name] = task["id"]
        book.records["documents"][name] = document["id"]
    return book


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def book(contacts_service: RunningService) -> Book:
    return await build_book(contacts_service)


# --- the users of the matrix --------------------------------------------------------------


def scoped(*rights: Right, accounts: tuple[str, ...] = (), groups: tuple[str, ...] = ()) -> Any:
    """An access whose scope names accounts and groups of the book by their letters."""

    def access(book: Book) -> Access:
        scope = ClientScope(
            all_clients=False,
            account_numbers=frozenset(book.accounts[name] for name in accounts),
            group_ids=frozenset(UUID(book.groups[name]) for name in groups),
        )
        return Access(rights=frozenset(rights), scope=scope)

    return access


def every_client(*rights: Right) -> Any:
    return lambda book: Access(rights=frozenset(rights), scope=ClientScope.everything())


@dataclass(frozen=True)
class Expected:
    """What one user sees: None for 403, else the letters of the contacts (or their records)."""

    contacts: str | None
    client_records: str | None
    """the contacts whose tasks and documents the user sees"""
    pending: str | None
    """the clients in the pending registration tasks list"""
    members_of_h: str | None


USERS: dict[str, tuple[Any, Expected]] = {
    "primary": (lambda book: Access.primary(), Expected("ABCP", "ABCP", "ABC", "ACP")),
    "crm, every client": (every_client(Right.CRM), Expected("ABCP", "P", None, "ACP")),
    "crm, group G": (scoped(Right.CRM, groups=("G",)), Expected("AP", "P", None, "AP")),
    "crm, account B": (scoped(Right.CRM, accounts=("B",)), Expected("BP", "P", None, "P")),
    "crm + account information, group G": (
        scoped(Right.CRM, Right.ACCOUNT_INFORMATION, groups=("G",)),
        Expected("AP", "AP", "A", "AP"),
    ),
    "account information only, account B": (
        scoped(Right.ACCOUNT_INFORMATION, accounts=("B",)),
        Expected(None, None, "B", None),
    ),
    "no rights": (lambda book: Access(), Expected(None, None, None, None)),
}


def letters(text: str | None) -> list[str]:
    return sorted(text or "")


@pytest.mark.parametrize("user", list(USERS))
async def test_each_user_sees_exactly_the_contacts_and_records_in_reach(
    book: Book, user: str
) -> None:
    make_access, expected = USERS[user]
    access: Access = make_access(book)

    async def call(method: str, path: str, **kwargs: Any) -> Any:
        return await book.as_user(access, method, path, **kwargs)

    def status(visible: bool) -> int:
        return 200 if visible else 404

    # the contacts table: rows and total, search, a filter
    table = await call("GET", "/contacts", params={"q": book.surname, "page_size": 100})
    search = await call("GET", "/contacts", params={"q": f"{book.surname} ann"})
    clients = await call("GET", "/contacts", params={"q": book.surname, "kind": "client"})
    if expected.contacts is None:
        for response in (table, search, clients):
            assert response.status_code == 403, response.text
    else:
        listed = table.json()
        assert book.names([row["id"] for row in listed["items"]]) == letters(expected.contacts)
        assert (listed["total"], listed["total_exact"]) == (len(expected.contacts), True)
        found = search.json()
        assert book.names([r["id"] for r in found["items"]]) == letters(
            "A" if "A" in expected.contacts else ""
        )
        assert book.names([r["id"] for r in clients.json()["items"]]) == letters(
            expected.contacts.replace("P", "")
        )
        assert clients.json()["total"] == len(expected.contacts.replace("P", ""))

    # a contact: in scope, out of scope, a prospect
    for name in "ABCP":
        response = await call("GET", f"/contacts/{book.ids[name]}")
        wanted = 403 if expected.contacts is None else status(name in expected.contacts)
        assert response.status_code == wanted, (name, response.text)
        history = await call("GET", f"/contacts/{book.ids[name]}/history")
        assert history.status_code == wanted, (name, history.text)

    # notes follow their contact; tasks and documents about clients need Account Information
    for kind, shown in (
        ("notes", expected.contacts),
        ("tasks", expected.client_records),
        ("documents", expected.client_records),
    ):
        listing = await call("GET", f"/{kind}", params={"page_size": 100})
        if shown is None:
            assert listing.status_code == 403, listing.text
        else:
            items = listing.json()["items"]
            record_names = {record_id: n for n, record_id in book.records[kind].items()}
            mine = sorted(record_names[i["id"]] for i in items if i["id"] in record_names)
            assert mine == letters(shown), kind
            assert listing.json()["total"] == len(shown), kind
        for name, record_id in book.records[kind].items():
            response = await call("GET", f"/{kind}/{record_id}")
            wanted = 403 if shown is None else status(name in shown)
            assert response.status_code == wanted, (kind, name, response.text)
        of_a = await call("GET", f"/contacts/{book.ids['A']}/{kind}")
        if kind in ("notes", "documents"):
            if expected.contacts is None:
                assert of_a.status_code == 403
            elif "A" not in expected.contacts:
                assert of_a.status_code == 404, (kind, of_a.text)
            else:
                assert of_a.status_code == 200
                assert len(of_a.json()["items"]) == (1 if "A" in (shown or "") else 0), kind

    # an export: the same contacts as the table
    export = await call("GET", "/contacts/export/summary.csv")
    if expected.contacts is None:
        assert export.status_code == 403
    else:
        assert export.status_code == 200, export.text
        header, *rows = csv.reader(io.StringIO(export.content.decode("utf-8-sig")))
        named = [row[header.index("Contact")].split()[0] for row in rows]
        firsts = {"Pat": "P", "Ann": "A", "Bob": "B", "Cy": "C"}
        assert sorted(firsts[first] for first in named) == letters(expected.contacts)

    # a group's members (the public group H) and its member count
    members = await call("GET", "/contacts", params={"group_id": book.groups["H"]})
    group = await call("GET", f"/groups/{book.groups['H']}")
    if expected.members_of_h is None:
        assert (members.status_code, group.status_code) == (403, 403)
    else:
        ids = [row["id"] for row in members.json()["items"]]
        assert book.names(ids) == letters(expected.members_of_h)
        assert members.json()["total"] == group.json()["member_count"] == len(ids)

    # the pending registration tasks
    pending = await call("GET", "/contacts/pending-tasks", params={"q": book.surname})
    if expected.pending is None:
        assert pending.status_code == 403, pending.text
    else:
        assert pending.status_code == 200, pending.text
        ids = [row["contact_id"] for row in pending.json()["items"]]
        assert book.names(ids) == letters(expected.pending)
        assert pending.json()["total"] == len(expected.pending)
    # and their export
    tasks_export = await call("GET", "/contacts/export/pending-tasks.csv")
    if expected.pending is None:
        assert tasks_export.status_code == 403, tasks_export.text
    else:
        assert tasks_export.status_code == 200, tasks_export.text
        _, *rows = csv.reader(io.StringIO(tasks_export.content.decode("utf-8-sig")))
        accounts = {account: name for name, account in book.accounts.items()}
        assert sorted(accounts[row[1]] for row in rows) == letters(expected.pending)


async def test_out_of_scope_contacts_cannot_be_changed_or_recorded_on(book: Book) -> None:
    """A CRM user scoped to group G: C (out of scope) is not found for any change, and B's and
    C's records are out of reach; a client's task needs Account Information even in scope."""
    access = scoped(Right.CRM, groups=("G",))(book)
    c = book.ids["C"]
    refused: list[tuple[str, str, dict[str, Any]]] = [
        ("PATCH", f"/contacts/{c}", {"json": {"version": 1, "title": "x"}}),
        ("POST", f"/contacts/{c}/close", {"json": {"version": 1}}),
        ("POST", f"/contacts/{c}/notes", {"json": {"body": "hello"}}),
        ("POST", "/tasks", {"json": {"contact_id": c, "title": "call"}}),
        ("POST", "/tasks", {"json": {"contact_id": book.ids["A"], "title": "call"}}),
        ("POST", "/events", {"json": {"contact_id": c, "title": "lunch",
                                      "starts_at": "2030-01-01T12:00:00Z",
                                      "ends_at": "2030-01-01T13:00:00Z"}}),
        ("GET", f"/contacts/{c}/invitations", {}),
        ("GET", f"/contacts/{c}/client-information.pdf", {"params": {"master_name": "M"}}),
        ("PATCH", f"/notes/{book.records['notes']['C']}", {"json": {"body": "changed"}}),
        ("DELETE", f"/notes/{book.records['notes']['C']}", {}),
        ("DELETE", f"/documents/{book.records['documents']['A']}", {}),
        ("GET", f"/documents/{book.records['documents']['A']}/content", {}),
        ("GET", "/contacts/merge/review", {"params": {"ids": [book.ids["P"], c]}}),
    ]  # fmt: skip
    for method, path, kwargs in refused:
        response = await book.as_user(access, method, path, **kwargs)
        assert response.status_code == 404, (method, path, response.text)
    # C cannot be added to (or removed from) a group by this user
    change = await book.as_user(
        access, "PATCH", f"/groups/{book.groups['H']}/members", json={"add": [c]}
    )
    assert change.status_code == 422, change.text
    await book.as_user(access, "PATCH", f"/groups/{book.groups['H']}/members", json={"remove": [c]})
    members = await book.primary("GET", "/contacts", params={"group_id": book.groups["H"]})
    assert book.names([row["id"] for row in members["items"]]) == ["A", "C", "P"]
    # but a note on A (in scope) is fine, and so is a task on the prospect
    note = await book.as_user(
        access, "POST", f"/contacts/{book.ids['A']}/notes", json={"body": "in scope"}
    )
    assert note.status_code == 201, note.text
    note_id = note.json()["id"]
    task = await book.as_user(
        access, "POST", "/tasks", json={"contact_id": book.ids["P"], "title": "call"}
    )
    assert task.status_code == 201, task.text
    await book.primary("DELETE", f"/notes/{note_id}", 204)
    await book.primary("DELETE", f"/tasks/{task.json()['id']}", 204)


async def test_the_application_link_needs_no_right(book: Book) -> None:
    """The gateway asks for the invited applicant's application with a user without rights: an
    unknown token is not found (never forbidden)."""
    response = await book.as_user(Access(), "GET", f"/applications/{book.master}.{'x' * 40}")
    assert response.status_code == 404, response.text


async def test_a_membership_change_moves_the_scope_at_once(
    contacts_service: RunningService,
) -> None:
    master, surname = a_master(), a_surname()
    book = Book(contacts_service, master, surname, {}, {}, {}, {})
    for name, first in (("A", "Ann"), ("C", "Cy")):
        book.accounts[name] = await add_client(contacts_service, master, first, surname)
        page = await book.primary("GET", "/contacts", params={"q": book.accounts[name]})
        book.ids[name] = page["items"][0]["id"]
    group = await book.primary(
        "POST", "/groups", 201, json={"name": "Scope", "visibility": "private"}
    )
    book.groups["G"] = group["id"]
    members = f"/groups/{group['id']}/members"
    await book.primary("PATCH", members, json={"add": [book.ids["A"]]})
    access = scoped(Right.CRM, groups=("G",))(book)

    async def seen() -> list[str]:
        response = await book.as_user(access, "GET", "/contacts", params={"q": surname})
        assert response.status_code == 200, response.text
        return book.names([row["id"] for row in response.json()["items"]])

    async def get(name: str) -> int:
        response = await book.as_user(access, "GET", f"/contacts/{book.ids[name]}")
        return int(response.status_code)

    assert (await seen(), await get("A"), await get("C")) == (["A"], 200, 404)
    await book.primary("PATCH", members, json={"add": [book.ids["C"]], "remove": [book.ids["A"]]})
    assert (await seen(), await get("A"), await get("C")) == (["C"], 404, 200)
    # a group of another master named in the scope reaches nothing here
    other = Book(contacts_service, a_master(), surname, {}, {}, {}, {})
    foreign = await other.primary(
        "POST", "/groups", 201, json={"name": "X", "visibility": "public"}
    )
    book.groups["X"] = foreign["id"]
    foreign_scope = scoped(Right.CRM, groups=("X",))(book)
    response = await book.as_user(foreign_scope, "GET", "/contacts", params={"q": surname})
    assert response.json()["items"] == []
