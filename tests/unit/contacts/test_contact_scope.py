"""Access rights (G2) in the contacts use cases, against the fake unit of work: the reach rule,
and a contact, record, group or household out of the caller's reach is not found (or cannot be
added), exactly like another master's."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest

from contracts.access import Access, ClientScope, Right
from contracts.accounts import AccountType, ApplicationStage
from contracts.api.contacts import ContactVersion
from contracts.api.groups import GroupCreate, GroupMembersChange, HouseholdCreate
from contracts.api.invitations import InvitationCreate
from contracts.api.records import NoteListQuery, TaskCreate, TaskListQuery
from contracts.contacts import ContactKind
from contracts.crm import GroupVisibility, InvitationMethod
from services.contacts.domain.contact import Contact
from services.contacts.domain.reach import EVERYTHING, Reach
from services.contacts.service_layer import (
    contact_reads,
    contacts,
    groups,
    households,
    invitations,
    merge,
    records,
)
from services.runtime.caller import Caller
from services.runtime.errors import Invalid, NotFound
from tests.unit.contacts.fakes import FakeContactsUnitOfWork

MASTER = "F1000001"
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
PRIMARY = Caller(master_account_id=MASTER, user_id="u-ada")


def a_user(*rights: Right, accounts: tuple[str, ...] = (), groups: tuple[UUID, ...] = ()) -> Caller:
    scope = ClientScope(
        all_clients=False, account_numbers=frozenset(accounts), group_ids=frozenset(groups)
    )
    access = Access(rights=frozenset(rights), scope=scope)
    return Caller(master_account_id=MASTER, user_id="u-bob", access=access)


@pytest.fixture
def uow() -> FakeContactsUnitOfWork:
    return FakeContactsUnitOfWork()


async def a_contact(uow: FakeContactsUnitOfWork, name: str, account: str | None = None) -> UUID:
    """A prospect, or with ``account`` a client."""
    contact = Contact(master_account_id=MASTER, first_name=name, last_name="Lee")
    if account is not None:
        contact.kind, contact.status = ContactKind.CLIENT, ApplicationStage.OPEN
        contact.account_number, contact.account_type = account, AccountType.INDIVIDUAL
    await uow.contacts.add(contact)
    uow.contact_names[(MASTER, contact.id)] = contact.display_name
    return contact.id


async def a_group(uow: FakeContactsUnitOfWork, *members: UUID, private: bool = True) -> UUID:
    visibility = GroupVisibility.PRIVATE if private else GroupVisibility.PUBLIC
    summary = await groups.create_group(uow, PRIMARY, GroupCreate(name=f"g{uuid4().hex[:6]}", visibility=visibility))  # fmt: skip
    await groups.change_members(uow, PRIMARY, summary.group.id, GroupMembersChange(add=list(members)))  # fmt: skip
    return summary.group.id


# --- the rule -------------------------------------------------------------------------------


def test_the_reach_rule() -> None:
    group = uuid4()
    scoped = Reach(ClientScope(all_clients=False, account_numbers=frozenset({"U1"}), group_ids=frozenset({group})))  # fmt: skip
    client, prospect = ContactKind.CLIENT, ContactKind.PROSPECT
    assert EVERYTHING.unlimited and not scoped.unlimited
    assert scoped.reaches(prospect, None, ()) and scoped.reaches(prospect, "U9", ())
    assert scoped.reaches(client, "U1", ()) and scoped.reaches(client, "U9", {group})
    assert not scoped.reaches(client, "U9", {uuid4()}) and not scoped.reaches(client, None, ())
    crm_only = Reach.of(Access(rights=frozenset({Right.CRM}), scope=ClientScope.everything()))
    assert crm_only.unlimited and crm_only.for_client_records().prospects_only
    assert not crm_only.for_client_records().reaches(client, "U1", ())
    assert Reach.of(Access.primary()).for_client_records() == EVERYTHING


# --- contacts -------------------------------------------------------------------------------


async def test_a_client_out_of_scope_is_not_found_for_reads_and_edits(
    uow: FakeContactsUnitOfWork,
) -> None:
    inside, outside = await a_contact(uow, "In", "U1"), await a_contact(uow, "Out", "U2")
    prospect = await a_contact(uow, "Pat")
    user = a_user(Right.CRM, accounts=("U1",))
    assert (await contact_reads.contact_record(uow, user, inside)).id == inside
    assert (await contact_reads.contact_record(uow, user, prospect)).id == prospect
    with pytest.raises(NotFound):
        await contact_reads.contact_record(uow, user, outside)
    with pytest.raises(NotFound):
        await contact_reads.contact_history(uow, user, outside, limit=10)
    with pytest.raises(NotFound):
        await contacts.close_contact(uow, user, outside, ContactVersion(version=1))
    with pytest.raises(NotFound):
        await invitations.invitations_of(uow, user, outside)
    command = InvitationCreate(method=InvitationMethod.SEMI_ELECTRONIC, account_type=AccountType.INDIVIDUAL)  # fmt: skip
    with pytest.raises(NotFound):
        await invitations.invite(uow, user, outside, command, advisor_name="M", now=NOW, valid_for=NOW - NOW)  # fmt: skip
    with pytest.raises(NotFound):
        await merge.review(uow, user, prospect, [outside])
    assert (await contacts.close_contact(uow, PRIMARY, outside, ContactVersion(version=1))).closed


async def test_a_groups_members_are_in_scope_at_the_moment_of_the_request(
    uow: FakeContactsUnitOfWork,
) -> None:
    ann, cy = await a_contact(uow, "Ann", "U1"), await a_contact(uow, "Cy", "U3")
    scope_group = await a_group(uow, ann)  # the primary user's private group still counts
    user = a_user(Right.CRM, groups=(scope_group,))
    assert (await contact_reads.contact_record(uow, user, ann)).id == ann
    with pytest.raises(NotFound):
        await contact_reads.contact_record(uow, user, cy)
    await groups.change_members(uow, PRIMARY, scope_group, GroupMembersChange(add=[cy], remove=[ann]))  # fmt: skip
    assert (await contact_reads.contact_record(uow, user, cy)).id == cy
    with pytest.raises(NotFound):
        await contact_reads.contact_record(uow, user, ann)


# --- records ----------------------------------------------------------------------------------


async def test_records_follow_their_contact_and_client_tasks_need_account_information(
    uow: FakeContactsUnitOfWork,
) -> None:
    inside, outside = await a_contact(uow, "In", "U1"), await a_contact(uow, "Out", "U2")
    prospect = await a_contact(uow, "Pat")
    notes = {c: await records.add_note(uow, PRIMARY, c, "hi", now=NOW) for c in (inside, outside, prospect)}  # fmt: skip
    tasks = {
        c: await records.add_task(uow, PRIMARY, TaskCreate(contact_id=c, title="call"), now=NOW)
        for c in (inside, outside, prospect)
    }
    crm = a_user(Right.CRM, accounts=("U1",))
    crm_ai = a_user(Right.CRM, Right.ACCOUNT_INFORMATION, accounts=("U1",))

    listed = await records.list_notes(uow, crm, NoteListQuery())
    assert {note.contact_id for note in listed.items} == {inside, prospect} and listed.total == 2
    with pytest.raises(NotFound):
        await records.get_record(uow, records.NOTES, crm, notes[outside].id)
    with pytest.raises(NotFound):
        await records.list_notes(uow, crm, NoteListQuery(contact_id=outside))

    only_prospects = await records.list_tasks(uow, crm, TaskListQuery())
    assert [task.contact_id for task in only_prospects.items] == [prospect]
    with pytest.raises(NotFound):
        await records.get_record(uow, records.TASKS, crm, tasks[inside].id)
    assert (await records.list_tasks(uow, crm, TaskListQuery(contact_id=inside))).items == []
    with pytest.raises(NotFound):
        await records.add_task(uow, crm, TaskCreate(contact_id=inside, title="x"), now=NOW)

    with_right = await records.list_tasks(uow, crm_ai, TaskListQuery())
    assert {task.contact_id for task in with_right.items} == {inside, prospect}
    assert (
        await records.get_record(uow, records.TASKS, crm_ai, tasks[inside].id)
    ).contact_id == inside
    with pytest.raises(NotFound):
        await records.add_note(uow, crm_ai, outside, "hello", now=NOW)
    with pytest.raises(NotFound):
        await records.change_task(uow, crm_ai, tasks[prospect].id, {"contact_id": outside}, now=NOW)


# --- groups and households ------------------------------------------------------------------


async def test_a_group_counts_lists_and_takes_only_members_in_reach(
    uow: FakeContactsUnitOfWork,
) -> None:
    inside, outside = await a_contact(uow, "In", "U1"), await a_contact(uow, "Out", "U2")
    prospect = await a_contact(uow, "Pat")
    shared = await a_group(uow, inside, outside, private=False)
    user = a_user(Right.CRM, accounts=("U1",))
    assert (await groups.group_summary(uow, user, shared)).member_count == 1
    assert (await groups.group_summary(uow, PRIMARY, shared)).member_count == 2
    with pytest.raises(Invalid, match="no such contact"):
        await groups.change_members(uow, user, shared, GroupMembersChange(add=[outside]))
    # removing a member out of reach leaves it where it is
    await groups.change_members(uow, user, shared, GroupMembersChange(add=[prospect], remove=[outside, inside]))  # fmt: skip
    assert await uow.groups.member_ids(shared, master_account_id=MASTER) == {outside, prospect}


async def test_a_household_is_reached_whole_or_not_at_all(uow: FakeContactsUnitOfWork) -> None:
    inside, outside = await a_contact(uow, "In", "U1"), await a_contact(uow, "Out", "U2")
    prospect = await a_contact(uow, "Pat")
    mixed = await households.create_household(
        uow, PRIMARY, HouseholdCreate(name="Mixed", head_contact_id=inside, member_contact_ids=[inside, outside]),
        advisor_name="M", now=NOW,
    )  # fmt: skip
    user = a_user(Right.CRM, accounts=("U1",))
    assert await households.active_households(uow, user) == []
    with pytest.raises(NotFound):
        await households.household_record(uow, user, mixed.household.id)
    with pytest.raises(NotFound):
        await households.household_form(uow, user, mixed.household.id, 1)
    with pytest.raises(NotFound):
        await households.dissolve_household(uow, user, mixed.household.id)
    other = await a_contact(uow, "Other", "U4")
    with pytest.raises(Invalid, match="no such contact"):
        await households.create_household(
            uow, user, HouseholdCreate(name="New", head_contact_id=other, member_contact_ids=[other, prospect]),
            advisor_name="M", now=NOW,
        )  # fmt: skip
    assert [r.household.id for r in await households.active_households(uow, PRIMARY)] == [
        mixed.household.id
    ]
