"""Groups, households and invitations (C10, C8) through the contacts service on the real database
and broker: visibility per user, events on Kafka, form versions, the invitation email sent exactly
once, tenancy, and moving memberships when duplicates are merged."""

from __future__ import annotations

import email
import random
import uuid
from datetime import UTC, datetime
from email import policy
from pathlib import Path
from typing import Any

import pytest

from contracts import topics
from contracts.accounts import AccountType, ApplicationStage
from contracts.contacts import ContactKind
from services.contacts.domain.contact import Contact, state_of
from services.contacts.domain.profile import Profile
from services.contacts.service_layer.contacts import add_contact as write_contact
from services.contacts.service_layer.contacts import save_changes
from services.contacts.service_layer.memberships import reassign_memberships
from services.runtime.mail import CapturingTransport
from tests.integration.conftest import RunningService, a_master, eventually, read_topic

MASTER_NAME = {"master_name": "Harbor Wealth Advisors"}


async def add_contact(
    service: RunningService,
    master: str,
    last_name: str,
    *,
    client: bool = False,
    email_address: str | None = None,
    closed: bool = False,
    pending_tasks: list[str] | None = None,
    profile: dict[str, Any] | None = None,
) -> uuid.UUID:
    """A contact written the way the service writes them (clients as the back office makes them)."""
    contact = Contact(master_account_id=master, first_name="Pat", last_name=last_name,
                      email=email_address, pending_tasks=pending_tasks or [],
                      profile=Profile.model_validate(profile or {}))  # fmt: skip
    if client:
        contact.kind = ContactKind.CLIENT
        contact.account_number = f"U{random.randint(10_000_000, 99_999_999)}"
        contact.account_type = AccountType.INDIVIDUAL
        contact.status = ApplicationStage.OPEN
    async with service.app.state.context.database.unit_of_work() as uow:
        await write_contact(uow, contact, changed_by="tester")
        if closed:
            before = state_of(contact)
            contact.closed = True
            await save_changes(uow, contact, before, changed_by="tester", action="closed")
        await uow.commit()
    return contact.id


async def crm_events(kafka: str, kind: str, key: str, value: str) -> list[dict[str, Any]]:
    messages = await read_topic(kafka, topics.CRM_RECORDS.name)
    return [m["payload"] for m in messages if m["type"] == kind and m["payload"][key] == value]


# --- groups -------------------------------------------------------------------------------


async def test_public_groups_are_shared_and_private_groups_stay_with_their_creator(
    contacts_service: RunningService,
) -> None:
    master = a_master()
    ada, bob = contacts_service.as_master(master, "ada"), contacts_service.as_master(master, "bob")
    http = contacts_service.http
    public = await http.post(
        "/groups", json={"name": "Golfers", "visibility": "public"}, headers=ada
    )
    private = await http.post("/groups", json={"name": "My  watch list ", "visibility": "private"},
                              headers=ada)  # fmt: skip
    assert public.status_code == private.status_code == 201, private.text
    assert private.json()["name"] == "My watch list" and private.json()["owned_by_me"]

    seen_by_bob = (await http.get("/groups", headers=bob)).json()["items"]
    assert [group["name"] for group in seen_by_bob] == ["Golfers"]
    assert not seen_by_bob[0]["owned_by_me"]
    assert (await http.get(f"/groups/{private.json()['id']}", headers=bob)).status_code == 404
    assert (await http.delete(f"/groups/{private.json()['id']}", headers=bob)).status_code == 404
    names = [g["name"] for g in (await http.get("/groups", headers=ada)).json()["items"]]
    assert names == ["Golfers", "My watch list"]

    # only the creator decides who sees a group; names are unique among what a user sees
    hide = await http.patch(f"/groups/{public.json()['id']}", json={"visibility": "private"},
                            headers=bob)  # fmt: skip
    assert hide.status_code == 422 and hide.json()["detail"][0]["loc"] == ["body", "visibility"]
    twin = await http.post(
        "/groups", json={"name": "golfers", "visibility": "private"}, headers=bob
    )
    assert twin.status_code == 409
    blank = await http.post("/groups", json={"name": "  ", "visibility": "public"}, headers=bob)
    assert blank.status_code == 422 and blank.json()["detail"][0]["loc"] == ["body", "name"]
    wrong = await http.post("/groups", json={"name": "X", "visibility": "secret"}, headers=bob)
    assert wrong.status_code == 422 and wrong.json()["detail"][0]["loc"] == ["body", "visibility"]


async def test_members_filter_the_contacts_table_and_every_change_is_published(
    contacts_service: RunningService, kafka_bootstrap: str
) -> None:
    master = a_master()
    ada, bob = contacts_service.as_master(master, "ada"), contacts_service.as_master(master, "bob")
    http = contacts_service.http
    members = [await add_contact(contacts_service, master, f"Member{i}") for i in range(3)]
    await add_contact(contacts_service, master, "Outsider")
    group = (await http.post("/groups", json={"name": "Seminar", "visibility": "private"},
                             headers=ada)).json()  # fmt: skip
    path = f"/groups/{group['id']}"

    added = await http.patch(f"{path}/members", json={"add": [str(m) for m in members]},
                             headers=ada)  # fmt: skip
    assert added.status_code == 200 and added.json()["member_count"] == 3
    again = await http.patch(f"{path}/members", json={"add": [str(members[0])]}, headers=ada)
    assert again.json()["member_count"] == 3 and again.json()["version"] == 2  # no change

    async def table(headers: dict[str, str]) -> list[str]:
        page = await http.get("/contacts", params={"group_id": group["id"]}, headers=headers)
        assert page.status_code == 200, page.text
        return sorted(item["last_name"] for item in page.json()["items"])

    assert await table(ada) == ["Member0", "Member1", "Member2"]
    assert await table(bob) == []  # a private group of someone else filters nothing in

    removed = await http.patch(f"{path}/members", json={"remove": [str(members[1])]}, headers=ada)
    assert removed.json()["member_count"] == 2
    assert await table(ada) == ["Member0", "Member2"]

    stranger = str(uuid.uuid4())
    unknown = await http.patch(f"{path}/members", json={"add": [stranger]}, headers=ada)
    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["loc"] == ["body", "add"]
    assert stranger in unknown.json()["detail"][0]["msg"]
    renamed = await http.patch(path, json={"name": "Spring seminar"}, headers=ada)
    assert renamed.json()["name"] == "Spring seminar" and renamed.json()["version"] == 4
    assert (await http.delete(path, headers=ada)).status_code == 204
    assert (await http.get(path, headers=ada)).status_code == 404

    async def published() -> list[dict[str, Any]]:
        events = await crm_events(kafka_bootstrap, "crm.group_changed", "group_id", group["id"])
        return events if len(events) == 5 else []

    events = await eventually(published)
    assert [event["version"] for event in events] == [1, 2, 3, 4, 5]
    assert len(events[1]["member_contact_ids"]) == 3 and len(events[2]["member_contact_ids"]) == 2
    assert events[3]["name"] == "Spring seminar" and events[3]["owner_user_id"] == "ada"
    assert events[4]["deleted"] and events[4]["visibility"] == "private"


# --- households ---------------------------------------------------------------------------


async def test_household_rules_forms_and_events(
    contacts_service: RunningService, kafka_bootstrap: str
) -> None:
    master = a_master()
    ada = contacts_service.as_master(master, "ada")
    http = contacts_service.http
    head = await add_contact(contacts_service, master, "Head", client=True)
    spouse = await add_contact(contacts_service, master, "Spouse")
    child = await add_contact(contacts_service, master, "Child", client=True)
    closed = await add_contact(contacts_service, master, "Gone", client=True, closed=True)

    async def create(members: list[uuid.UUID], head_id: uuid.UUID, name: str = "Doe family") -> Any:
        body = {"name": name, "member_contact_ids": [str(m) for m in members],
                "head_contact_id": str(head_id)}  # fmt: skip
        return await http.post("/households", json=body, params=MASTER_NAME, headers=ada)

    def refused(response: Any, field: str, status: int = 422) -> None:
        assert response.status_code == status, response.text
        if status == 422:
            assert response.json()["detail"][0]["loc"] == ["body", field]

    refused(await create([head, head], head), "member_contact_ids")  # one person only
    refused(await create([head, spouse], spouse), "head_contact_id")  # a prospect
    refused(await create([head, spouse], child), "head_contact_id")  # not a member
    refused(await create([head, closed], head), "member_contact_ids")
    refused(await create([head, uuid.uuid4()], head), "member_contact_ids")
    refused(await create([head, spouse], head, name=" "), "name")

    created = await create([head, spouse], head)
    assert created.status_code == 201, created.text
    household = created.json()
    assert household["head_contact_id"] == str(head)
    assert [(m["name"], m["head"]) for m in household["members"]] == [
        ("Pat Head", True), ("Pat Spouse", False)]  # fmt: skip
    assert [form["version"] for form in household["forms"]] == [1]
    refused(await create([spouse, child], child, name="Other"), "member_contact_ids", status=409)

    path = f"/households/{household['id']}"
    changed = await http.patch(path, params=MASTER_NAME, headers=ada, json={
        "member_contact_ids": [str(head), str(spouse), str(child)], "head_contact_id": str(child)})  # fmt: skip
    assert changed.status_code == 200, changed.text
    assert [form["version"] for form in changed.json()["forms"]] == [2, 1]
    assert changed.json()["members"][0]["name"] == "Pat Child"
    unchanged = await http.patch(path, params=MASTER_NAME, json={"name": "Doe family"}, headers=ada)
    assert len(unchanged.json()["forms"]) == 2  # nothing changed: no new form
    refused(await http.patch(path, params=MASTER_NAME, json={"head_contact_id": None},
                             headers=ada), "head_contact_id")  # fmt: skip

    for version in (1, 2):
        pdf = await http.get(f"{path}/forms/{version}.pdf", headers=ada)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert pdf.headers["content-type"] == "application/pdf"
    assert (await http.get(f"{path}/forms/3.pdf", headers=ada)).status_code == 404

    assert (await http.delete(path, headers=ada)).status_code == 204
    assert (await http.get(path, headers=ada)).status_code == 404
    assert (await http.get(f"{path}/forms/2.pdf", headers=ada)).status_code == 200  # kept
    again = await create([spouse, child], child, name="Doe family")  # free to join again
    assert again.status_code == 201

    async def published() -> list[dict[str, Any]]:
        events = await crm_events(kafka_bootstrap, "crm.household_changed", "household_id",
                                  household["id"])  # fmt: skip
        return events if len(events) == 3 else []

    events = await eventually(published)
    assert [event["version"] for event in events] == [1, 2, 3]
    assert events[0]["head_contact_id"] == str(head) and len(events[0]["member_contact_ids"]) == 2
    assert events[1]["head_contact_id"] == str(child) and len(events[1]["member_contact_ids"]) == 3
    assert events[2]["dissolved"]


async def test_another_master_gets_404_for_groups_households_and_invitations(
    contacts_service: RunningService,
) -> None:
    alpha, beta = a_master(), a_master()
    as_alpha, as_beta = contacts_service.as_master(alpha), contacts_service.as_master(beta)
    http = contacts_service.http
    head = await add_contact(contacts_service, alpha, "Alpha", client=True)
    other = await add_contact(contacts_service, alpha, "Beta", email_address="b@example.com")
    group = (await http.post("/groups", json={"name": "Alpha only", "visibility": "public"},
                             headers=as_alpha)).json()  # fmt: skip
    household = (await http.post("/households", params=MASTER_NAME, headers=as_alpha, json={
        "name": "Alphas", "member_contact_ids": [str(head), str(other)],
        "head_contact_id": str(head)})).json()  # fmt: skip
    invitation = (await http.post(f"/contacts/{other}/invitations", params=MASTER_NAME,
                                  json={"method": "semi_electronic", "account_type": "joint"},
                                  headers=as_alpha)).json()  # fmt: skip

    for path in [f"/groups/{group['id']}", f"/households/{household['id']}",
                 f"/households/{household['id']}/forms/1.pdf", f"/contacts/{other}/invitations",
                 f"/contacts/{other}/invitations/{invitation['id']}/application.pdf"]:  # fmt: skip
        assert (await http.get(path, headers=as_beta)).status_code == 404, path
    assert (await http.get("/groups", headers=as_beta)).json()["items"] == []
    assert (await http.get("/households", headers=as_beta)).json()["items"] == []
    members = await http.patch(f"/groups/{group['id']}/members", json={"add": [str(head)]},
                               headers=as_beta)  # fmt: skip
    assert members.status_code == 404
    invite = await http.post(f"/contacts/{other}/invitations", params=MASTER_NAME,
                             json={"method": "semi_electronic"}, headers=as_beta)  # fmt: skip
    assert invite.status_code == 404
    # beta cannot put alpha's contacts in its own group or household either
    own = (await http.post("/groups", json={"name": "Beta", "visibility": "public"},
                           headers=as_beta)).json()  # fmt: skip
    steal = await http.patch(f"/groups/{own['id']}/members", json={"add": [str(head)]},
                             headers=as_beta)  # fmt: skip
    assert steal.status_code == 422
    filtered = await http.get("/contacts", params={"group_id": group["id"]}, headers=as_beta)
    assert filtered.json()["items"] == []


# --- invitations --------------------------------------------------------------------------


@pytest.fixture
def captured(contacts_service: RunningService, tmp_path: Path) -> Any:
    """The service's invitation emails go to a capturing transport writing into a tmp dir."""
    sender = contacts_service.app.state.invitation_sender
    previous, sender.transport = sender.transport, CapturingTransport(tmp_path)
    yield sender.transport
    sender.transport = previous


def emails_for(directory: Path, invitation_id: str) -> list[email.message.EmailMessage]:
    found = []
    for path in sorted(directory.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        if message["Message-ID"].startswith(f"<invitation-{invitation_id}@"):
            found.append(message)
    return found


async def test_an_email_invitation_is_sent_once_and_its_link_shows_the_application(
    contacts_service: RunningService, kafka_bootstrap: str, captured: CapturingTransport
) -> None:
    master = a_master()
    ada = contacts_service.as_master(master, "ada")
    http = contacts_service.http
    contact_id = await add_contact(contacts_service, master, "Invitee", email_address="inv@example.com", profile={
        "contact": {"first_name": "Pat", "last_name": "Invitee", "email": "inv@example.com"},
        "tax": {"tax_residence_country": "US", "tax_id_type": "ssn", "tax_id": "536-90-4399"},
        "employment": {"status": "employed", "employer": "Acme Corp"}})  # fmt: skip

    created = await http.post(f"/contacts/{contact_id}/invitations", params=MASTER_NAME,
                              json={"method": "fully_electronic", "account_type": "roth_ira"},
                              headers=ada)  # fmt: skip
    assert created.status_code == 201, created.text
    invitation = created.json()
    assert invitation["status"] == "pending_send" and invitation["email"] == "inv@example.com"
    assert invitation["application_stage"] == "invited"
    contact = (await http.get(f"/contacts/{contact_id}", headers=ada)).json()
    assert contact["status"] == "invited" and contact["account_type"] == "roth_ira"

    async def sent() -> Any:
        items = (await http.get(f"/contacts/{contact_id}/invitations", headers=ada)).json()["items"]
        return items if items[0]["status"] == "sent" else None

    listed = await eventually(sent)
    assert listed[0]["sent_at"] is not None and listed[0]["attempts"] == 1
    # the background sender already ran; running it twice more sends nothing again
    context = contacts_service.app.state.context
    sender = contacts_service.app.state.invitation_sender
    assert await sender.send_due(context.database, context.clock) == 0
    assert await sender.send_due(context.database, context.clock) == 0
    assert captured.directory is not None
    messages = emails_for(captured.directory, invitation["id"])
    assert len(messages) == 1
    message = messages[0]
    assert message["To"] == "Pat Invitee <inv@example.com>"
    assert "Harbor Wealth Advisors" in message["Subject"] and "Roth IRA" in message["Subject"]
    plain = message.get_body(("plain",))
    assert plain is not None
    body = plain.get_content()
    link = next(line for line in body.splitlines() if "/apply/" in line).strip()
    token = link.rsplit("/", 1)[1]
    assert token.startswith(f"{master}.") and len(token) > 40

    view = await http.get(f"/applications/{token}", headers=ada)
    assert view.status_code == 200, view.text
    application = view.json()
    assert application["applicant"] == "Pat Invitee" and application["account_type"] == "roth_ira"
    fields = {f["label"]: f["value"] for s in application["sections"] for f in s["fields"]}
    assert fields["Employer"] == "Acme Corp" and fields["Tax id"].endswith("4399")
    assert "536" not in fields["Tax id"]
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert (await http.get(f"/applications/{forged}", headers=ada)).status_code == 404
    other_master = contacts_service.as_master(a_master())
    assert (await http.get(f"/applications/{token}", headers=other_master)).status_code == 404

    async def published() -> list[dict[str, Any]]:
        return await crm_events(kafka_bootstrap, "crm.invitation_sent", "invitation_id",
                                invitation["id"])  # fmt: skip

    events = await eventually(published)
    assert len(events) == 1
    assert events[0]["method"] == "fully_electronic" and events[0]["sent_by"] == "ada"


async def test_concurrent_senders_send_each_email_once(
    contacts_service: RunningService, captured: CapturingTransport
) -> None:
    import asyncio

    master = a_master()
    ada = contacts_service.as_master(master, "ada")
    ids = []
    for i in range(4):
        contact_id = await add_contact(contacts_service, master, f"Many{i}",
                                       email_address=f"many{i}@example.com")  # fmt: skip
        created = await contacts_service.http.post(
            f"/contacts/{contact_id}/invitations", params=MASTER_NAME, headers=ada,
            json={"method": "fully_electronic", "account_type": "individual"})  # fmt: skip
        ids.append(created.json()["id"])
    sender = contacts_service.app.state.invitation_sender
    context = contacts_service.app.state.context
    await asyncio.gather(*(sender.send_due(context.database, context.clock) for _ in range(3)))
    directory = captured.directory
    assert directory is not None
    await eventually(lambda: _all_sent(directory, ids))
    assert [len(emails_for(directory, invitation_id)) for invitation_id in ids] == [1, 1, 1, 1]


async def _all_sent(directory: Path, ids: list[str]) -> bool:
    return all(emails_for(directory, invitation_id) for invitation_id in ids)


async def test_invitation_bad_inputs_and_the_printable_application(
    contacts_service: RunningService, kafka_bootstrap: str
) -> None:
    master = a_master()
    ada = contacts_service.as_master(master, "ada")
    http = contacts_service.http
    no_email = await add_contact(contacts_service, master, "Noemail")
    closed = await add_contact(contacts_service, master, "Closed", email_address="c@example.com",
                               closed=True)  # fmt: skip

    def invite(contact_id: uuid.UUID | str, body: dict[str, Any]) -> Any:
        return http.post(f"/contacts/{contact_id}/invitations", params=MASTER_NAME, json=body,
                         headers=ada)  # fmt: skip

    missing = await invite(no_email, {"method": "fully_electronic", "account_type": "individual"})
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["body", "email"]
    untyped = await invite(no_email, {"method": "semi_electronic"})
    assert untyped.status_code == 422
    assert untyped.json()["detail"][0]["loc"] == ["body", "account_type"]
    bad = await invite(no_email, {"method": "carrier_pigeon", "account_type": "individual"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "method"]
    assert (await invite(closed, {"method": "semi_electronic", "account_type": "joint"})
            ).status_code == 409  # fmt: skip
    assert (await invite(uuid.uuid4(), {"method": "semi_electronic", "account_type": "joint"})
            ).status_code == 404  # fmt: skip
    nameless = await http.post(f"/contacts/{no_email}/invitations", headers=ada,
                               json={"method": "semi_electronic", "account_type": "joint"})  # fmt: skip
    assert nameless.status_code == 422
    assert nameless.json()["detail"][0]["loc"] == ["query", "master_name"]

    printed = await invite(no_email, {"method": "semi_electronic", "account_type": "joint"})
    assert printed.status_code == 201 and printed.json()["status"] == "prepared"
    pdf = await http.get(
        f"/contacts/{no_email}/invitations/{printed.json()['id']}/application.pdf", headers=ada)  # fmt: skip
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    listed = (await http.get(f"/contacts/{no_email}/invitations", headers=ada)).json()["items"]
    assert [(i["method"], i["status"], i["application_stage"]) for i in listed] == [
        ("semi_electronic", "prepared", "invited")]  # fmt: skip

    async def published() -> list[dict[str, Any]]:
        return await crm_events(kafka_bootstrap, "crm.invitation_sent", "invitation_id",
                                printed.json()["id"])  # fmt: skip

    assert len(await eventually(published)) == 1


async def test_pending_registration_tasks_are_listed_searchable_and_paged(
    contacts_service: RunningService,
) -> None:
    master = a_master()
    headers = contacts_service.as_master(master)
    http = contacts_service.http
    tasks = ["Upload ID", "Sign W-9", "Fund account", "Verify address"]
    for i in range(3):
        await add_contact(contacts_service, master, f"Pending{i}", pending_tasks=tasks[: i + 2])
    await add_contact(contacts_service, master, "Done")
    await add_contact(contacts_service, master, "Shut", closed=True, pending_tasks=["Upload ID"])

    page = (
        await http.get("/contacts/pending-tasks", params={"page_size": 2}, headers=headers)
    ).json()
    assert page["total"] == 3 and [row["name"] for row in page["items"]] == [
        "Pat Pending0", "Pat Pending1"]  # fmt: skip
    assert page["items"][1]["tasks"] == tasks[:3]
    second = (await http.get("/contacts/pending-tasks", params={"page_size": 2, "page": 2},
                             headers=headers)).json()  # fmt: skip
    assert [row["name"] for row in second["items"]] == ["Pat Pending2"]
    found = (
        await http.get("/contacts/pending-tasks", params={"q": "pending1"}, headers=headers)
    ).json()
    assert [row["name"] for row in found["items"]] == ["Pat Pending1"]
    other = contacts_service.as_master(a_master())
    assert (await http.get("/contacts/pending-tasks", headers=other)).json()["total"] == 0
    too_big = await http.get("/contacts/pending-tasks", params={"page_size": 1000}, headers=headers)
    assert too_big.status_code == 422


# --- merging duplicates -------------------------------------------------------------------


async def test_reassign_contact_moves_memberships_to_the_kept_contact(
    contacts_service: RunningService, kafka_bootstrap: str
) -> None:
    master = a_master()
    ada = contacts_service.as_master(master, "ada")
    http = contacts_service.http
    kept = await add_contact(contacts_service, master, "Kept")
    duplicate = await add_contact(contacts_service, master, "Duplicate", client=True)
    partner = await add_contact(contacts_service, master, "Partner")
    both = (await http.post("/groups", json={"name": "Both", "visibility": "public"},
                            headers=ada)).json()  # fmt: skip
    only_dup = (await http.post("/groups", json={"name": "Dup only", "visibility": "public"},
                                headers=ada)).json()  # fmt: skip
    await http.patch(f"/groups/{both['id']}/members", json={"add": [str(kept), str(duplicate)]},
                     headers=ada)  # fmt: skip
    await http.patch(f"/groups/{only_dup['id']}/members", json={"add": [str(duplicate)]},
                     headers=ada)  # fmt: skip
    household = (await http.post("/households", params=MASTER_NAME, headers=ada, json={
        "name": "Dups", "member_contact_ids": [str(duplicate), str(partner)],
        "head_contact_id": str(duplicate)})).json()  # fmt: skip

    async with contacts_service.app.state.context.database.unit_of_work() as uow:
        moved = await reassign_memberships(uow, master_account_id=master,
                                       from_ids=[duplicate], to_id=kept)  # fmt: skip
        # nothing of another master is touched, nor taken as the kept contact
        stranger = await add_contact(contacts_service, a_master(), "Stranger")
        assert await reassign_memberships(uow, master_account_id=master,
                                      from_ids=[stranger], to_id=partner) == 0  # fmt: skip
        with pytest.raises(ValueError, match="not a contact of this master"):
            await reassign_memberships(uow, master_account_id=master,
                                   from_ids=[partner], to_id=stranger)  # fmt: skip
        await uow.commit()
    assert moved == 3

    async def member_names(group_id: str) -> list[str]:
        page = await http.get("/contacts", params={"group_id": group_id}, headers=ada)
        return sorted(item["last_name"] for item in page.json()["items"])

    assert await member_names(both["id"]) == ["Kept"]
    assert await member_names(only_dup["id"]) == ["Kept"]
    after = (await http.get(f"/households/{household['id']}", headers=ada)).json()
    assert after["head_contact_id"] == str(kept)
    assert sorted(m["name"] for m in after["members"]) == ["Pat Kept", "Pat Partner"]
    assert after["version"] == 2

    async def published() -> list[dict[str, Any]]:
        events = await crm_events(kafka_bootstrap, "crm.group_changed", "group_id", both["id"])
        return events if len(events) == 3 else []

    events = await eventually(published)
    assert events[-1]["member_contact_ids"] == [str(kept)] and events[-1]["version"] == 3


async def test_an_expired_link_is_refused(contacts_service: RunningService) -> None:
    from sqlalchemy import update

    from services.contacts.store.invitations import invitations

    master = a_master()
    ada = contacts_service.as_master(master, "ada")
    contact_id = await add_contact(contacts_service, master, "Late", email_address="l@example.com")
    sender = contacts_service.app.state.invitation_sender
    capture = CapturingTransport()
    previous, sender.transport = sender.transport, capture
    try:
        created = await contacts_service.http.post(
            f"/contacts/{contact_id}/invitations", params=MASTER_NAME, headers=ada,
            json={"method": "fully_electronic", "account_type": "individual"})  # fmt: skip
        invitation_id = created.json()["id"]

        async def delivered() -> Any:
            return [m for m in capture.messages if invitation_id in m["Message-ID"]]

        message = (await eventually(delivered))[0]
    finally:
        sender.transport = previous
    token = next(line for line in message.get_content().splitlines() if "/apply/" in line)
    token = token.strip().rsplit("/", 1)[1]
    assert (
        await contacts_service.http.get(f"/applications/{token}", headers=ada)
    ).status_code == 200
    async with contacts_service.app.state.context.database.unit_of_work() as uow:
        await uow.session.execute(
            update(invitations).where(invitations.c.id == uuid.UUID(invitation_id))
            .values(expires_at=datetime(2000, 1, 1, tzinfo=UTC)))  # fmt: skip
        await uow.commit()
    expired = await contacts_service.http.get(f"/applications/{token}", headers=ada)
    assert expired.status_code == 410 and "expired" in expired.json()["detail"]


async def test_a_group_filter_of_an_unknown_group_matches_nothing(
    contacts_service: RunningService,
) -> None:
    master = a_master()
    await add_contact(contacts_service, master, "Anyone")
    headers = contacts_service.as_master(master)
    page = await contacts_service.http.get("/contacts", params={"group_id": str(uuid.uuid4())},
                                           headers=headers)  # fmt: skip
    assert page.status_code == 200 and page.json()["items"] == []
    bad = await contacts_service.http.get("/contacts", params={"group_id": "nope"}, headers=headers)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "group_id"]
