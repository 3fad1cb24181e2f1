"""Groups' and households' use cases against the fake unit of work: who sees what, the rules a
change must keep, what each publishes, and moving memberships when duplicates are merged."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest

from contracts.accounts import AccountType, ApplicationStage
from contracts.api.groups import (
    GroupCreate,
    GroupMembersChange,
    GroupUpdate,
    HouseholdCreate,
    HouseholdUpdate,
)
from contracts.contacts import ContactKind
from contracts.crm import GroupChanged, GroupVisibility, HouseholdChanged
from services.contacts.domain.contact import Contact
from services.contacts.service_layer import groups, households
from services.contacts.service_layer.memberships import reassign_memberships
from services.runtime.caller import Caller
from services.runtime.errors import Conflict, Invalid, NotFound
from tests.unit.contacts.fakes import FakeContactsUnitOfWork

ADA = Caller(master_account_id="F1000001", user_id="u-ada")
BOB = Caller(master_account_id="F1000001", user_id="u-bob")
EVE = Caller(master_account_id="F2000002", user_id="u-eve")
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
FIRM = "Harbor Wealth Advisors"


@pytest.fixture
def uow() -> FakeContactsUnitOfWork:
    return FakeContactsUnitOfWork()


async def a_contact(
    uow: FakeContactsUnitOfWork, last_name: str, *, client: bool = False, caller: Caller = ADA
) -> UUID:
    contact = Contact(master_account_id=caller.master_account_id, first_name="Pat",
                      last_name=last_name)  # fmt: skip
    if client:
        contact.kind, contact.status = ContactKind.CLIENT, ApplicationStage.OPEN
        contact.account_number, contact.account_type = (
            f"U{last_name[:7]:0>7}",
            AccountType.INDIVIDUAL,
        )
    await uow.contacts.add(contact)
    return contact.id


async def a_group(
    uow: FakeContactsUnitOfWork,
    name: str = "Golfers",
    visibility: GroupVisibility = GroupVisibility.PUBLIC,
    caller: Caller = ADA,
) -> UUID:
    summary = await groups.create_group(uow, caller, GroupCreate(name=name, visibility=visibility))
    uow.published.clear()
    return summary.group.id


# --- groups -------------------------------------------------------------------------------


async def test_creating_a_group_publishes_it_and_a_second_of_the_same_name_conflicts(
    uow: FakeContactsUnitOfWork,
) -> None:
    summary = await groups.create_group(uow, ADA, GroupCreate(name="  Golf   club ", visibility=GroupVisibility.PUBLIC))  # fmt: skip
    assert summary.group.name == "Golf club" and summary.member_count == 0
    [published] = uow.events_of(GroupChanged)
    assert published.version == 1 and published.member_contact_ids == []
    with pytest.raises(Conflict, match="already have a group named"):
        await groups.create_group(uow, ADA, GroupCreate(name="golf CLUB", visibility=GroupVisibility.PUBLIC))  # fmt: skip


async def test_a_private_group_is_its_creators_alone(uow: FakeContactsUnitOfWork) -> None:
    private = await a_group(uow, "Mine", GroupVisibility.PRIVATE)
    assert [s.group.id for s in await groups.visible_groups(uow, ADA)] == [private]
    assert await groups.visible_groups(uow, BOB) == []
    for attempt in (
        groups.group_summary(uow, BOB, private),
        groups.update_group(uow, BOB, private, GroupUpdate(name="Taken")),
        groups.delete_group(uow, BOB, private),
    ):
        with pytest.raises(NotFound, match="no such group"):
            await attempt
    assert uow.published == []


async def test_only_the_creator_changes_who_sees_a_group(uow: FakeContactsUnitOfWork) -> None:
    group_id = await a_group(uow)
    with pytest.raises(Invalid) as refused:
        await groups.update_group(uow, BOB, group_id, GroupUpdate(visibility=GroupVisibility.PRIVATE))  # fmt: skip
    assert refused.value.field == "visibility" and uow.published == []
    renamed = await groups.update_group(uow, BOB, group_id, GroupUpdate(name="Golf"))
    assert renamed.group.version == 2
    [published] = uow.events_of(GroupChanged)
    assert (published.name, published.version) == ("Golf", 2)


async def test_members_are_added_and_removed_in_one_change(uow: FakeContactsUnitOfWork) -> None:
    group_id = await a_group(uow)
    first, second = await a_contact(uow, "First"), await a_contact(uow, "Second")
    summary = await groups.change_members(uow, ADA, group_id, GroupMembersChange(add=[first, second]))  # fmt: skip
    assert summary.member_count == 2 and summary.group.version == 2
    summary = await groups.change_members(uow, ADA, group_id, GroupMembersChange(add=[first], remove=[second]))  # fmt: skip
    assert summary.member_count == 1
    assert [e.member_contact_ids for e in uow.events_of(GroupChanged)] == [
        sorted([first, second], key=str),
        [first],
    ]
    await groups.change_members(uow, ADA, group_id, GroupMembersChange(add=[first]))
    assert len(uow.published) == 2, "a change of nothing publishes nothing"


async def test_another_masters_contact_cannot_join_a_group(uow: FakeContactsUnitOfWork) -> None:
    group_id = await a_group(uow)
    stranger = await a_contact(uow, "Stranger", caller=EVE)
    with pytest.raises(Invalid) as refused:
        await groups.change_members(uow, ADA, group_id, GroupMembersChange(add=[stranger]))
    assert refused.value.field == "add" and str(stranger) in refused.value.message


async def test_deleting_a_group_publishes_its_last_state_as_deleted(
    uow: FakeContactsUnitOfWork,
) -> None:
    group_id = await a_group(uow)
    await groups.delete_group(uow, ADA, group_id)
    [published] = uow.events_of(GroupChanged)
    assert published.deleted and published.version == 2
    with pytest.raises(NotFound):
        await groups.group_summary(uow, ADA, group_id)


# --- households ---------------------------------------------------------------------------


async def a_household(
    uow: FakeContactsUnitOfWork, head: UUID, *members: UUID, name: str = "Does"
) -> UUID:
    command = HouseholdCreate(name=name, head_contact_id=head, member_contact_ids=[head, *members])
    record = await households.create_household(uow, ADA, command, advisor_name=FIRM, now=NOW)
    return record.household.id


async def test_a_household_is_created_with_its_first_form(uow: FakeContactsUnitOfWork) -> None:
    head, spouse = await a_contact(uow, "Head", client=True), await a_contact(uow, "Spouse")
    household_id = await a_household(uow, head, spouse)
    record = await households.household_record(uow, ADA, household_id)
    assert {m.contact_id for m in record.members} == {head, spouse}
    assert [(f.version, f.household_version) for f in record.forms] == [(1, 1)]
    pdf, name = await households.household_form(uow, ADA, household_id, 1)
    assert pdf.startswith(b"%PDF") and name == "Does"
    [published] = uow.events_of(HouseholdChanged)
    assert published.head_contact_id == head and published.version == 1


async def test_the_head_of_household_must_be_a_client(uow: FakeContactsUnitOfWork) -> None:
    prospect, other = await a_contact(uow, "Prospect"), await a_contact(uow, "Other")
    with pytest.raises(Invalid) as refused:
        await a_household(uow, prospect, other)
    assert refused.value.field == "head_contact_id" and "client" in refused.value.message
    assert uow.published == []


async def test_a_contact_belongs_to_one_household_at_most(uow: FakeContactsUnitOfWork) -> None:
    head, spouse = await a_contact(uow, "Head", client=True), await a_contact(uow, "Spouse")
    await a_household(uow, head, spouse)
    other_head = await a_contact(uow, "Other", client=True)
    with pytest.raises(Conflict, match="already belongs to another household"):
        await a_household(uow, other_head, spouse, name="Others")


async def test_changing_a_household_makes_a_new_form_and_dissolving_publishes_it(
    uow: FakeContactsUnitOfWork,
) -> None:
    head, spouse = await a_contact(uow, "Head", client=True), await a_contact(uow, "Spouse")
    household_id = await a_household(uow, head, spouse)
    changed = await households.update_household(
        uow, ADA, household_id, HouseholdUpdate(name="The Does"), advisor_name=FIRM, now=NOW
    )
    assert changed.household.version == 2 and [f.version for f in changed.forms] == [2, 1]
    same = await households.update_household(
        uow, ADA, household_id, HouseholdUpdate(name="The Does"), advisor_name=FIRM, now=NOW
    )
    assert same.household.version == 2, "a change of nothing makes no new form"
    await households.dissolve_household(uow, ADA, household_id)
    assert [(e.version, e.dissolved) for e in uow.events_of(HouseholdChanged)] == [
        (1, False),
        (2, False),
        (3, True),
    ]
    assert await households.active_households(uow, ADA) == []


async def test_another_masters_household_is_not_found(uow: FakeContactsUnitOfWork) -> None:
    head, spouse = await a_contact(uow, "Head", client=True), await a_contact(uow, "Spouse")
    household_id = await a_household(uow, head, spouse)
    with pytest.raises(NotFound, match="no such household"):
        await households.household_record(uow, EVE, household_id)
    with pytest.raises(NotFound):
        await households.dissolve_household(uow, EVE, household_id)
    with pytest.raises(NotFound, match="no such household form"):
        await households.household_form(uow, EVE, household_id, 1)


# --- merging duplicates -------------------------------------------------------------------


async def test_a_merge_moves_memberships_and_hands_over_the_head_role(
    uow: FakeContactsUnitOfWork,
) -> None:
    kept, duplicate = await a_contact(uow, "Kept"), await a_contact(uow, "Dup", client=True)
    partner = await a_contact(uow, "Partner")
    both, only_dup = await a_group(uow, "Both"), await a_group(uow, "Dup only")
    await groups.change_members(uow, ADA, both, GroupMembersChange(add=[kept, duplicate]))
    await groups.change_members(uow, ADA, only_dup, GroupMembersChange(add=[duplicate]))
    household_id = await a_household(uow, duplicate, partner)
    uow.published.clear()

    moved = await reassign_memberships(
        uow, master_account_id=ADA.master_account_id, from_ids=[duplicate], to_id=kept
    )
    assert moved == 3
    for group_id in (both, only_dup):
        assert await uow.groups.member_ids(group_id, master_account_id="F1000001") == {kept}
    household = (await households.household_record(uow, ADA, household_id)).household
    assert household.head_contact_id == kept and set(household.member_ids) == {kept, partner}
    assert {type(p.event) for p in uow.published} == {GroupChanged, HouseholdChanged}
    assert len(uow.published) == 3


async def test_a_merge_keeps_to_the_master_and_needs_a_kept_contact_of_it(
    uow: FakeContactsUnitOfWork,
) -> None:
    mine, stranger = await a_contact(uow, "Mine"), await a_contact(uow, "Stranger", caller=EVE)
    master = ADA.master_account_id
    assert await reassign_memberships(uow, master_account_id=master, from_ids=[stranger], to_id=mine) == 0  # fmt: skip
    with pytest.raises(ValueError, match="not a contact of this master"):
        await reassign_memberships(uow, master_account_id=master, from_ids=[mine], to_id=stranger)
    assert await reassign_memberships(uow, master_account_id=master, from_ids=[mine], to_id=mine) == 0  # fmt: skip
    assert uow.published == []
