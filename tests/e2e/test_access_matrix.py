"""Access rights and client scope through the whole system (G2): for a matrix of users — right
sets and scopes — every route answers as its declared rule says, and the records each user
sees are exactly those within their reach (list, count, statistics, search, export, records).
"""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.routing import iter_route_contexts

from contracts.access import ClientScope, Right
from deploy.demo import DEMO_MASTERS, demo_user
from deploy.stack import Stack
from gateway import app as gateway_app
from gateway.admin import create_user
from gateway.auth.rights import AccessRule, rules_of
from gateway.settings import GatewaySettings
from tests.conftest import DEMO_PASSWORD
from tests.e2e.test_portal_api import eventually, login

pytestmark = pytest.mark.e2e

MASTER = DEMO_MASTERS[0]


@dataclass(frozen=True)
class Book:
    """What the primary user set up: clients in and out of the scopes, a group, records."""

    scoped_account: dict[str, Any]  # the client an account-scoped user sees
    group_members: list[dict[str, Any]]  # the clients of the group
    outsider: dict[str, Any]  # a client in no scope
    prospect: dict[str, Any]
    group_id: str
    notes: dict[str, str]  # contact id -> note id
    tasks: dict[str, str]  # contact id -> task id


@dataclass(frozen=True)
class Member:
    """A user of the matrix: their rights and scope, and a logged-in API client."""

    name: str
    rights: frozenset[Right]
    scope: ClientScope
    api: httpx.Client


def _new_member(stack: Stack, name: str, rights: set[Right], scope: ClientScope) -> Member:
    username = f"{name}-{uuid.uuid4().hex[:6]}"
    asyncio.run(
        create_user(
            stack.database_url("gateway"), master_account_id=MASTER.master_account_id,
            master_name=MASTER.name, username=username, display_name=name.title(),
            password=DEMO_PASSWORD, is_primary=False, time_zone=MASTER.time_zone,
            rights=frozenset(rights), scope=scope,
        )
    )  # fmt: skip
    return Member(name, frozenset(rights), scope, login(stack, username))


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


@pytest.fixture(scope="module")
def primary(stack: Stack) -> Iterator[httpx.Client]:
    client = login(stack, demo_user())
    yield client
    client.close()


@pytest.fixture(scope="module")
def book(primary: httpx.Client) -> Book:
    clients = eventually(
        lambda: (page := primary.get("/api/v1/contacts", params={"kind": "client",
                                                                  "page_size": 50}).json())
        and len(page["items"]) >= 4 and page["items"]
    )  # fmt: skip
    with_accounts = [client for client in clients if client.get("account_number")][:4]
    scoped, first, second, outsider = with_accounts
    group = _ok(primary.post("/api/v1/groups", json={
        "name": f"Scope {uuid.uuid4().hex[:6]}", "visibility": "public"}), 201)  # fmt: skip
    _ok(primary.patch(f"/api/v1/groups/{group['id']}/members",
                      json={"add": [first["id"], second["id"]]}))  # fmt: skip
    prospect = _ok(primary.post("/api/v1/contacts", json={
        "first_name": "Pia", "last_name": f"Prospect{uuid.uuid4().hex[:6]}"}), 201)  # fmt: skip
    notes, tasks = {}, {}
    for contact in (scoped, first, outsider, prospect):
        note = _ok(primary.post(f"/api/v1/contacts/{contact['id']}/notes",
                                json={"body": "Scope check"}), 201)  # fmt: skip
        task = _ok(primary.post("/api/v1/tasks", json={
            "contact_id": contact["id"], "title": "Scope check"}), 201)  # fmt: skip
        notes[contact["id"]], tasks[contact["id"]] = note["id"], task["id"]
    return Book(scoped, [first, second], outsider, prospect, group["id"], notes, tasks)


@pytest.fixture(scope="module")
def matrix(stack: Stack, book: Book) -> dict[str, Member]:
    group_scope = ClientScope(all_clients=False, group_ids=frozenset({uuid.UUID(book.group_id)}))
    account_scope = ClientScope(
        all_clients=False, account_numbers=frozenset({book.scoped_account["account_number"]})
    )
    crm, info = Right.CRM, Right.ACCOUNT_INFORMATION
    members = [
        _new_member(stack, "crm-all", {crm}, ClientScope.everything()),
        _new_member(stack, "crm-group", {crm}, group_scope),
        _new_member(stack, "crm-account", {crm}, account_scope),
        _new_member(stack, "crm-info-group", {crm, info}, group_scope),
        _new_member(stack, "info-only", {info}, ClientScope.everything()),
        _new_member(stack, "nothing", set(), ClientScope.everything()),
    ]
    return {member.name: member for member in members}


def _ids(page: dict[str, Any]) -> set[str]:
    return {item["id"] for item in page["items"]}


def _total(api: httpx.Client) -> int:
    total: int = _ok(api.get("/api/v1/contacts", params={"kind": "client", "page_size": 1}))[
        "total"
    ]
    return total


def _visible_clients(book: Book, member: Member) -> set[str] | None:
    """The clients of the book the member sees (None: all of them)."""
    if member.scope.all_clients:
        return None
    if member.scope.group_ids:
        return {client["id"] for client in book.group_members}
    return {book.scoped_account["id"]}


def test_the_contacts_table_count_and_search_show_exactly_the_scope(
    primary: httpx.Client, book: Book, matrix: dict[str, Member]
) -> None:
    for member in matrix.values():
        response = member.api.get("/api/v1/contacts", params={"kind": "client", "page_size": 100})
        if Right.CRM not in member.rights:
            assert response.status_code == 403, member.name
            continue
        page = _ok(response)
        expected = _visible_clients(book, member)
        if expected is None:  # the simulator may add a client between the two reads
            api = member.api
            eventually(lambda: _total(api) == _total(primary))  # noqa: B023 - called at once
            continue
        assert _ids(page) == expected, member.name
        assert page["total"] == len(expected), member.name
        outsider = book.outsider
        found = _ok(member.api.get("/api/v1/contacts", params={"q": outsider["last_name"]}))
        assert outsider["id"] not in _ids(found), member.name


def test_the_statistics_row_counts_what_the_table_shows(
    book: Book, matrix: dict[str, Member]
) -> None:
    for name in ("crm-group", "crm-account"):
        member = matrix[name]
        expected = _visible_clients(book, member)
        assert expected is not None
        statistics = eventually(lambda: _statistics_show(member, len(expected)))  # noqa: B023
        assert statistics["clients"] == len(expected)
    assert matrix["info-only"].api.get("/api/v1/dashboard/statistics").status_code == 403


def _statistics_show(member: Member, clients: int) -> dict[str, Any] | None:
    statistics: dict[str, Any] = _ok(member.api.get("/api/v1/dashboard/statistics"))
    return statistics if statistics["clients"] == clients else None


def test_a_contact_outside_the_scope_is_not_found(book: Book, matrix: dict[str, Member]) -> None:
    contacts = {
        "scoped": book.scoped_account, "member": book.group_members[0],
        "outsider": book.outsider, "prospect": book.prospect,
    }  # fmt: skip
    sees = {
        "crm-all": {"scoped", "member", "outsider", "prospect"},
        "crm-group": {"member", "prospect"},
        "crm-account": {"scoped", "prospect"},
        "crm-info-group": {"member", "prospect"},
    }
    for name, visible in sees.items():
        api = matrix[name].api
        for label, contact in contacts.items():
            expected = 200 if label in visible else 404
            answered = api.get(f"/api/v1/contacts/{contact['id']}").status_code
            assert answered == expected, (name, label)
            notes = api.get(f"/api/v1/contacts/{contact['id']}/notes").status_code
            assert notes == expected, (name, label, "notes")
            note = api.get(f"/api/v1/notes/{book.notes[contact['id']]}").status_code
            assert note == expected, (name, label, "note")
            pdf = api.get(f"/api/v1/contacts/{contact['id']}/client-information.pdf")
            assert pdf.status_code == expected, (name, label, "pdf")
    for name in ("info-only", "nothing"):
        assert matrix[name].api.get(f"/api/v1/contacts/{book.prospect['id']}").status_code == 403


def test_tasks_about_clients_need_account_information(
    book: Book, matrix: dict[str, Member]
) -> None:
    scoped_task = book.tasks[book.scoped_account["id"]]
    member_task = book.tasks[book.group_members[0]["id"]]
    prospect_task = book.tasks[book.prospect["id"]]
    outsider_task = book.tasks[book.outsider["id"]]
    crm_only = matrix["crm-account"].api  # the client is in scope, but CRM alone
    assert crm_only.get(f"/api/v1/tasks/{scoped_task}").status_code == 404
    assert crm_only.get(f"/api/v1/tasks/{prospect_task}").status_code == 200
    listed = _ok(crm_only.get("/api/v1/tasks", params={"page_size": 100}))
    assert scoped_task not in _ids(listed)
    assert matrix["crm-all"].api.get(f"/api/v1/tasks/{outsider_task}").status_code == 404
    informed = matrix["crm-info-group"].api
    assert informed.get(f"/api/v1/tasks/{member_task}").status_code == 200
    assert informed.get(f"/api/v1/tasks/{prospect_task}").status_code == 200
    assert informed.get(f"/api/v1/tasks/{outsider_task}").status_code == 404
    listed = _ok(informed.get("/api/v1/tasks", params={"page_size": 100}))
    assert member_task in _ids(listed) and outsider_task not in _ids(listed)


def test_the_export_holds_only_the_scope(book: Book, matrix: dict[str, Member]) -> None:
    exported = matrix["crm-group"].api.get("/api/v1/contacts/export/summary.csv")
    assert exported.status_code == 200, exported.text
    text = exported.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    body = "\n".join(",".join(row) for row in rows)
    assert book.outsider["last_name"] not in body
    assert book.scoped_account["last_name"] not in body
    assert book.group_members[0]["last_name"] in body


def test_pending_items_follow_their_rights(matrix: dict[str, Member]) -> None:
    assert matrix["crm-group"].api.get("/api/v1/contacts/pending-tasks").status_code == 403
    assert matrix["info-only"].api.get("/api/v1/contacts/pending-tasks").status_code == 200
    assert matrix["nothing"].api.get("/api/v1/contacts/pending-tasks").status_code == 403


def test_a_group_membership_change_moves_the_scope(
    primary: httpx.Client, book: Book, matrix: dict[str, Member]
) -> None:
    api = matrix["crm-group"].api
    outsider = book.outsider["id"]
    assert api.get(f"/api/v1/contacts/{outsider}").status_code == 404
    _ok(primary.patch(f"/api/v1/groups/{book.group_id}/members", json={"add": [outsider]}))
    try:
        assert api.get(f"/api/v1/contacts/{outsider}").status_code == 200
    finally:
        _ok(primary.patch(f"/api/v1/groups/{book.group_id}/members",
                          json={"remove": [outsider]}))  # fmt: skip
    assert api.get(f"/api/v1/contacts/{outsider}").status_code == 404


# --- every route, as its declared rule says -----------------------------------------------


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    rule: AccessRule

    @property
    def page(self) -> bool:
        return not self.path.startswith("/api/")

    def url(self) -> str:
        path = self.path
        while "{" in path:
            start, end = path.index("{"), path.index("}")
            name = path[start + 1 : end]
            value = str(uuid.uuid4()) if name.endswith("id") else "x"
            path = path[:start] + value + path[end + 1 :]
        return path


def _declared_routes() -> list[Route]:
    app = gateway_app.create_app(GatewaySettings(database_url="postgresql://127.0.0.1:1/unused"))
    routes: list[Route] = []
    for context in iter_route_contexts(app.routes):
        dependant = getattr(context, "dependant", None)
        if dependant is None:
            continue
        (rule,) = rules_of(dependant)
        path, methods = context.path_format, context.methods
        assert path is not None and methods is not None
        routes.extend(Route(method, path, rule) for method in methods)
    return routes


ROUTES = _declared_routes()


def _refused(route: Route, response: httpx.Response, *, signed_in: bool) -> bool:
    """Whether the access rule refused the request (not, say, a missing second factor)."""
    if not signed_in:
        return response.status_code == (303 if route.page else 401)
    reasons = ("access right", "only the primary user")
    return response.status_code == 403 and any(reason in response.text for reason in reasons)


def test_every_route_answers_as_its_rule_says(stack: Stack, matrix: dict[str, Member]) -> None:
    anonymous = httpx.Client(base_url=stack.portal_url, timeout=15, follow_redirects=False)
    wrong: list[str] = []
    for route in ROUTES:
        if not route.rule.login:
            continue
        response = anonymous.request(route.method, route.url())
        if not _refused(route, response, signed_in=False):
            wrong.append(f"anonymous {route.method} {route.path}: {response.status_code}")
        for member in matrix.values():
            allowed = not route.rule.primary_only and (
                not route.rule.rights or bool(member.rights & set(route.rule.rights))
            )
            if allowed and route.method != "GET":
                continue  # a change the member may make is not made blindly here
            response = _as_member(member, route)
            if _refused(route, response, signed_in=True) == allowed:
                wrong.append(f"{member.name} {route.method} {route.path}: {response.status_code}")
    assert not wrong, "\n".join(wrong)


def _as_member(member: Member, route: Route) -> httpx.Response:
    if not route.page:
        return member.api.request(route.method, route.url())
    # pages take the session cookie: the bearer token's session works as the cookie too
    token = member.api.headers["Authorization"].removeprefix("Bearer ")
    with httpx.Client(base_url=str(member.api.base_url), cookies={"portal_session": token},
                      timeout=15, follow_redirects=False) as browser:  # fmt: skip
        return browser.request(route.method, route.url())
