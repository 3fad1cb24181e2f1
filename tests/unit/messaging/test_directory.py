"""What messaging knows of clients, groups, households and users, kept from their events against
an in-memory unit of work: the newest version wins, a late older one changes nothing, a deleted
group or dissolved household has no members."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from contracts.contacts import (
    ContactChanged,
    ContactCreated,
    ContactKind,
    ContactRemoved,
    ContactSnapshot,
)
from contracts.crm import GroupChanged, GroupVisibility, HouseholdChanged
from contracts.users import UserChanged
from services.messaging.service_layer.directory import (
    apply_contact_states,
    apply_group_changes,
    apply_household_changes,
    apply_user_changes,
)
from tests.unit.messaging.fakes_directory import MASTER, FakeDirectoryUnitOfWork, delivered

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)


def snapshot(contact_id: UUID, version: int, **fields: Any) -> ContactSnapshot:
    values: dict[str, Any] = {"kind": ContactKind.CLIENT, "first_name": "Ada",
                              "last_name": "Lovelace", "account_number": "U100"} | fields  # fmt: skip
    return ContactSnapshot(contact_id=contact_id, version=version, **values)


def group(group_id: UUID, version: int, members: list[UUID], **fields: Any) -> GroupChanged:
    values: dict[str, Any] = {"name": "Golfers", "visibility": GroupVisibility.PUBLIC,
                              "owner_user_id": "u-1"} | fields  # fmt: skip
    return GroupChanged(group_id=group_id, version=version, member_contact_ids=members, **values)


def user(user_id: str, at: datetime, **fields: Any) -> UserChanged:
    values: dict[str, Any] = {"master_account_id": MASTER, "display_name": "Alice",
                              "email": "alice@example.com", "active": True,
                              "is_primary": False} | fields  # fmt: skip
    return UserChanged(user_id=user_id, changed_at=at, **values)


async def test_a_batch_keeps_each_contacts_newest_state_in_one_statement() -> None:
    uow: Any = FakeDirectoryUnitOfWork()
    ada, bob = uuid4(), uuid4()
    await apply_contact_states(
        [delivered(ContactCreated(contact=snapshot(ada, 1))),
         delivered(ContactChanged(contact=snapshot(ada, 3, title="Dr"))),
         delivered(ContactChanged(contact=snapshot(ada, 2, title="Late"))),
         delivered(ContactCreated(contact=snapshot(bob, 1, account_number="U200")))],
        uow,
    )  # fmt: skip
    assert uow.clients.upserts == [2]
    assert (uow.clients.rows[ada].version, uow.clients.rows[ada].title) == (3, "Dr")
    await apply_contact_states([delivered(ContactChanged(contact=snapshot(ada, 2)))], uow)
    assert uow.clients.rows[ada].version == 3, "a late older version changes nothing"
    await apply_contact_states([delivered(ContactRemoved(contact=snapshot(bob, 1)))], uow)
    assert uow.clients.rows[bob].removed, "a removal wins over the same version"
    assert uow.published == []


async def test_overlong_values_are_cut_to_what_the_read_model_keeps() -> None:
    uow: Any = FakeDirectoryUnitOfWork()
    ada = uuid4()
    await apply_contact_states(
        [
            delivered(
                ContactCreated(contact=snapshot(ada, 1, first_name="A" * 300, title="T" * 500))
            )
        ],
        uow,
    )
    row = uow.clients.rows[ada]
    assert (len(row.first_name), len(row.title)) == (100, 200)


async def test_groups_keep_their_newest_members_and_a_deleted_group_has_none() -> None:
    uow: Any = FakeDirectoryUnitOfWork()
    golfers, a, b = uuid4(), uuid4(), uuid4()
    await apply_group_changes(
        [delivered(group(golfers, 2, [a, b, a])), delivered(group(golfers, 1, [a]))], uow
    )
    assert uow.client_groups.kept[golfers].member_contact_ids == (a, b)
    await apply_group_changes([delivered(group(golfers, 3, [a, b], deleted=True))], uow)
    assert uow.client_groups.kept[golfers].member_contact_ids == ()
    await apply_group_changes([delivered(group(golfers, 2, [a]))], uow)
    assert uow.client_groups.kept[golfers].deleted, "a late older state changes nothing"


async def test_a_dissolved_household_has_no_members_and_no_head() -> None:
    uow: Any = FakeDirectoryUnitOfWork()
    home, head, spouse = uuid4(), uuid4(), uuid4()
    changed = HouseholdChanged(household_id=home, name="Lovelace", head_contact_id=head,
                               member_contact_ids=[head, spouse], version=1)  # fmt: skip
    await apply_household_changes([delivered(changed)], uow)
    assert uow.households.kept[home].member_contact_ids == (head, spouse)
    dissolved = changed.model_copy(update={"version": 2, "dissolved": True})
    await apply_household_changes([delivered(dissolved), delivered(changed)], uow)
    kept = uow.households.kept[home]
    assert (kept.member_contact_ids, kept.head_contact_id, kept.version) == ((), None, 2)


async def test_each_users_latest_change_is_kept() -> None:
    uow: Any = FakeDirectoryUnitOfWork()
    await apply_user_changes(
        [delivered(user("u-1", T0)),
         delivered(user("u-1", T0 + timedelta(seconds=2), display_name="Alice B.", email_reminders=True)),
         delivered(user("u-1", T0 + timedelta(seconds=1), active=False))],
        uow,
    )  # fmt: skip
    kept = uow.master_users.kept["u-1"]
    assert (kept.display_name, kept.active, kept.email_reminders) == ("Alice B.", True, True)
    await apply_user_changes([delivered(user("u-1", T0, display_name="Old"))], uow)
    assert uow.master_users.kept["u-1"].display_name == "Alice B."


async def test_the_gateway_announces_each_change_of_what_messaging_knows_of_a_user() -> None:
    from contracts.api.users import UserCreate, UserUpdate
    from gateway.users import use_cases
    from tests.unit.test_user_admin import FakeUserStore, actor_of

    store = FakeUserStore()
    events = FakeDirectoryUnitOfWork()
    work = use_cases.UsersWork(store, events)
    primary = actor_of(store, store.seed(MASTER, "pat", primary=True))
    link = await use_cases.add_user(work, primary, UserCreate.model_validate(
        {"username": "nina", "display_name": "Nina", "email": "nina@example.com"}))  # fmt: skip
    nina = link.user.id
    await use_cases.change_details(work, primary, nina, UserUpdate(display_name="Nina N."))
    await use_cases.deactivate(work, primary, nina)
    await use_cases.reactivate(work, primary, nina)
    await use_cases.change_primacy(work, primary, nina, is_primary=True)
    await use_cases.change_details(work, primary, nina, UserUpdate(display_name="Nina N."))
    published = [e for e in events.published if isinstance(e, UserChanged)]
    assert len(published) == len(events.published)
    announced = [(e.display_name, e.active, e.is_primary) for e in published]
    assert announced == [("Nina", True, False), ("Nina N.", True, False), ("Nina N.", False, False),
                         ("Nina N.", True, False), ("Nina N.", True, True)], "no change: no event"  # fmt: skip
    assert all(e.user_id == str(nina) for e in published)


async def test_a_saved_segment_becomes_a_recipient_list_of_its_accounts_clients() -> None:
    from contracts.access import ClientScope
    from contracts.tools import SegmentMembershipChanged
    from services.messaging.service_layer.directory import apply_segment_changes

    uow: Any = FakeDirectoryUnitOfWork()
    ada, bob = uuid4(), uuid4()
    await apply_contact_states(
        [delivered(ContactCreated(contact=snapshot(ada, 1, account_number="U1000001"))),
         delivered(ContactCreated(contact=snapshot(bob, 1, account_number="U1000002")))],
        uow,
    )  # fmt: skip
    segment_id = uuid4()

    def saved(version: int, accounts: list[str], **fields: Any) -> Any:
        return delivered(SegmentMembershipChanged(segment_id=segment_id, version=version,
                                                  name="High NAV", account_numbers=accounts,
                                                  created_by="u-1", **fields))  # fmt: skip

    await apply_segment_changes([saved(1, ["U1000001"]), saved(2, ["U1000001", "U1000002"])], uow)
    [(found_id, name, _, members)] = await uow.client_groups.visible(
        master_account_id=MASTER, user_id="u-2", scope=ClientScope.everything()
    )
    assert (found_id, name, members) == (segment_id, "Segment: High NAV", 2)
    chosen = await uow.clients.open_clients(master_account_id=MASTER,
                                            scope=ClientScope.everything(), group_ids=[segment_id])  # fmt: skip
    assert {r.contact_id for r in chosen} == {ada, bob}
    await apply_segment_changes([saved(3, [], deleted=True)], uow)
    assert await uow.client_groups.visible(master_account_id=MASTER, user_id="u-2",
                                           scope=ClientScope.everything()) == []  # fmt: skip
