"""Groups, households and invitations (C10, C8) through the gateway's public API, with the whole
system running: per-user visibility, household forms, an invitation email in the stack's mail
capture whose link opens the prefilled application, pending registration tasks, tenancy."""

from __future__ import annotations

import asyncio
import email
import re
import uuid
from email import policy
from typing import Any

import httpx
import pytest

from contracts.access import ClientScope, Right
from deploy.demo import DEMO_MASTERS, demo_user
from deploy.stack import Stack
from tests.conftest import DEMO_PASSWORD, OTHER_USER
from tests.e2e.test_portal_api import eventually, login

pytestmark = pytest.mark.e2e


def a_colleague(stack: Stack) -> httpx.Client:
    """A second user of the demo master."""
    from gateway.admin import create_user

    username = f"colleague-{uuid.uuid4().hex[:6]}"
    master = DEMO_MASTERS[0]
    asyncio.run(
        create_user(
            stack.database_url("gateway"), master_account_id=master.master_account_id,
            master_name=master.name, username=username, display_name="A colleague",
            password=DEMO_PASSWORD, is_primary=False, time_zone=master.time_zone,
            rights=frozenset({Right.CRM}), scope=ClientScope.everything(),
        )
    )  # fmt: skip
    return login(stack, username)


def new_contact(client: httpx.Client, last_name: str, **fields: Any) -> dict[str, Any]:
    created = client.post("/api/v1/contacts", json={"first_name": "Pat", "last_name": last_name,
                                                    **fields})  # fmt: skip
    assert created.status_code == 201, created.text
    result: dict[str, Any] = created.json()
    return result


def test_groups_are_shared_or_private_and_filter_the_contacts_table(stack: Stack) -> None:
    demo, colleague, other = login(stack, demo_user()), a_colleague(stack), login(stack, OTHER_USER)
    family = f"Grouped-{uuid.uuid4().hex[:6]}"
    members = [new_contact(demo, family) for _ in range(2)]
    public = demo.post("/api/v1/groups", json={"name": f"Golf {family}", "visibility": "public"})
    private = demo.post("/api/v1/groups", json={"name": f"Mine {family}", "visibility": "private"})
    assert public.status_code == private.status_code == 201
    changed = demo.patch(f"/api/v1/groups/{public.json()['id']}/members",
                         json={"add": [member["id"] for member in members]})  # fmt: skip
    assert changed.status_code == 200 and changed.json()["member_count"] == 2

    page = demo.get("/api/v1/contacts", params={"group_id": public.json()["id"]}).json()
    assert sorted(item["id"] for item in page["items"]) == sorted(m["id"] for m in members)
    seen = {group["name"] for group in colleague.get("/api/v1/groups").json()["items"]}
    assert f"Golf {family}" in seen and f"Mine {family}" not in seen
    assert colleague.get(f"/api/v1/groups/{private.json()['id']}").status_code == 404
    shared = colleague.get("/api/v1/contacts", params={"group_id": public.json()["id"]}).json()
    assert shared["total"] == 2
    assert other.get(f"/api/v1/groups/{public.json()['id']}").status_code == 404
    assert other.get("/api/v1/contacts", params={"group_id": public.json()["id"]}).json()[
        "items"] == []  # fmt: skip
    bad = demo.post("/api/v1/groups", json={"name": "", "visibility": "public"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "name"]


def test_a_household_gets_a_form_to_sign_on_every_change(stack: Stack) -> None:
    demo, other = login(stack, demo_user()), login(stack, OTHER_USER)

    def clients() -> list[dict[str, Any]]:
        page = demo.get("/api/v1/contacts", params={"kind": "client", "page_size": 50}).json()
        return [item for item in page["items"] if not item["closed"]]

    candidates = eventually(clients, within=60)
    family = f"House-{uuid.uuid4().hex[:6]}"
    spouse, child = new_contact(demo, family), new_contact(demo, family)
    created = None
    for head in candidates:  # a simulated client that is in no household yet
        created = demo.post("/api/v1/households", json={
            "name": f"{family} family", "member_contact_ids": [head["id"], spouse["id"]],
            "head_contact_id": head["id"]})  # fmt: skip
        if created.status_code != 409:
            break
    assert created is not None
    assert created.status_code == 201, created.text
    household = created.json()
    assert [form["version"] for form in household["forms"]] == [1]
    prospect_head = demo.patch(f"/api/v1/households/{household['id']}",
                               json={"head_contact_id": spouse["id"]})  # fmt: skip
    assert prospect_head.status_code == 422
    assert prospect_head.json()["detail"][0]["loc"] == ["body", "head_contact_id"]
    members = [member["contact_id"] for member in household["members"]] + [child["id"]]
    changed = demo.patch(f"/api/v1/households/{household['id']}",
                         json={"member_contact_ids": members})  # fmt: skip
    assert changed.status_code == 200 and len(changed.json()["members"]) == 3
    assert [form["version"] for form in changed.json()["forms"]] == [2, 1]
    pdf = demo.get(f"/api/v1/households/{household['id']}/forms/2.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert other.get(f"/api/v1/households/{household['id']}/forms/2.pdf").status_code == 404
    assert demo.delete(f"/api/v1/households/{household['id']}").status_code == 204
    assert demo.get(f"/api/v1/households/{household['id']}").status_code == 404


def test_an_email_invitation_arrives_with_a_link_to_the_prefilled_application(
    stack: Stack,
) -> None:
    demo, other = login(stack, demo_user()), login(stack, OTHER_USER)
    last_name = f"Invited-{uuid.uuid4().hex[:6]}"
    address = f"{last_name.lower()}@example.com"
    contact = new_contact(demo, last_name, email=address)
    assert other.post(f"/api/v1/contacts/{contact['id']}/invitations",
                      json={"method": "fully_electronic"}).status_code == 404  # fmt: skip
    created = demo.post(f"/api/v1/contacts/{contact['id']}/invitations",
                        json={"method": "fully_electronic", "account_type": "individual"})  # fmt: skip
    assert created.status_code == 201, created.text
    invitation = created.json()
    assert demo.get(f"/api/v1/contacts/{contact['id']}").json()["status"] == "invited"

    def captured() -> list[email.message.EmailMessage]:
        found = []
        for path in stack.mail_dir.glob("*.eml"):
            message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            if invitation["id"] in message["Message-ID"]:
                found.append(message)
        return found

    message = eventually(captured)[0]
    assert message["To"].addresses[0].addr_spec == address
    assert "Harbor Wealth Advisors" in message["Subject"]
    link = re.search(r"https?://\S+/apply/\S+", message.get_body(("plain",)).get_content())
    assert link and link.group(0).startswith(stack.portal_url)
    page = httpx.get(link.group(0))  # the client is not logged in
    assert page.status_code == 200 and f"Pat {last_name}" in page.text
    assert httpx.get(link.group(0)[:-3] + "xyz").status_code == 404

    def sent() -> list[dict[str, Any]]:
        items = demo.get(f"/api/v1/contacts/{contact['id']}/invitations").json()["items"]
        return items if items[0]["status"] == "sent" else []

    assert eventually(sent)[0]["application_stage"] == "invited"
    assert len(captured()) == 1
    no_email = new_contact(demo, f"Paper-{uuid.uuid4().hex[:6]}")
    refused = demo.post(f"/api/v1/contacts/{no_email['id']}/invitations",
                        json={"method": "fully_electronic", "account_type": "individual"})  # fmt: skip
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "email"]
    printed = demo.post(f"/api/v1/contacts/{no_email['id']}/invitations",
                        json={"method": "semi_electronic", "account_type": "trust"})  # fmt: skip
    assert printed.status_code == 201 and printed.json()["status"] == "prepared"
    application = demo.get(f"/api/v1/contacts/{no_email['id']}/invitations/"
                           f"{printed.json()['id']}/application.pdf")  # fmt: skip
    assert application.status_code == 200 and application.content.startswith(b"%PDF")


def test_pending_registration_tasks_through_the_gateway(stack: Stack) -> None:
    demo, other = login(stack, demo_user()), login(stack, OTHER_USER)

    def pending() -> dict[str, Any]:
        page: dict[str, Any] = demo.get("/api/v1/contacts/pending-tasks").json()
        return page if page["total"] else {}

    page = eventually(pending, within=60)
    assert all(row["tasks"] for row in page["items"])
    account = next(row["account_number"] for row in page["items"] if row["account_number"])
    found = demo.get("/api/v1/contacts/pending-tasks", params={"q": account}).json()
    assert [row["account_number"] for row in found["items"]] == [account]
    assert other.get("/api/v1/contacts/pending-tasks", params={"q": account}).json()["total"] == 0
    assert demo.get("/api/v1/contacts/pending-tasks", params={"page": 0}).status_code == 422
