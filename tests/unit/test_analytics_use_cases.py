"""Analytics use cases against a fake unit of work: the statistics read model and the group
members that client scopes name, no database."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID, uuid4

from contracts.access import ClientScope
from contracts.accounts import ApplicationStage
from contracts.contacts import (
    ContactChanged,
    ContactCreated,
    ContactKind,
    ContactRemoved,
    ContactSnapshot,
)
from contracts.crm import GroupChanged, GroupVisibility
from contracts.envelope import Envelope, Event
from services.analytics.domain.statistics import ContactState, GroupMembers, within_scope
from services.analytics.service_layer.statistics import (
    apply_contact_states,
    apply_group_changes,
    contact_statistics,
)
from services.runtime.consumers import Delivery

EVERYONE = ClientScope.everything()


class InMemoryGroupMembers:
    def __init__(self) -> None:
        self.kept: dict[UUID, GroupMembers] = {}
        self.upserts: list[int] = []

    async def upsert(self, groups: Sequence[GroupMembers]) -> None:
        assert len({group.group_id for group in groups}) == len(groups), "one per group"
        self.upserts.append(len(groups))
        for group in groups:
            current = self.kept.get(group.group_id)
            if current is None or group.version > current.version:
                self.kept[group.group_id] = group

    def groups_of(self, contact_id: UUID) -> set[UUID]:
        return {g.group_id for g in self.kept.values() if contact_id in g.member_contact_ids}


class InMemoryContactStates:
    def __init__(self, group_members: InMemoryGroupMembers) -> None:
        self.group_members = group_members
        self.rows: dict[UUID, ContactState] = {}
        self.upserts: list[int] = []  # how many states each statement carried

    async def upsert(self, states: Sequence[ContactState]) -> None:
        assert len({state.contact_id for state in states}) == len(states), "one per contact"
        self.upserts.append(len(states))
        for state in states:
            current = self.rows.get(state.contact_id)
            if current is None or state.supersedes(current):
                self.rows[state.contact_id] = state

    async def count_by_kind_and_status(
        self, *, master_account_id: str, scope: ClientScope
    ) -> list[tuple[str, str | None, bool, int]]:
        counts: dict[tuple[str, str | None, bool], int] = {}
        for row in self.rows.values():
            seen = within_scope(scope, kind=row.kind, account_number=row.account_number,
                                group_ids=self.group_members.groups_of(row.contact_id))  # fmt: skip
            if row.master_account_id == master_account_id and not row.removed and seen:
                key = (row.kind, row.status, row.closed)
                counts[key] = counts.get(key, 0) + 1
        return [(*key, count) for key, count in counts.items()]


class FakeAnalyticsUnitOfWork:
    def __init__(self) -> None:
        self.group_members = InMemoryGroupMembers()
        self.contact_states = InMemoryContactStates(self.group_members)
        self.published: list[Event] = []

    async def publish(
        self,
        topic: str,
        event: Event,
        *,
        master_account_id: str,
        correlation_id: str | None = None,
        caused_by: Delivery[Any] | None = None,
    ) -> None:
        self.published.append(event)


def snapshot(contact_id: UUID, version: int, **fields: Any) -> ContactSnapshot:
    values: dict[str, Any] = {"kind": ContactKind.PROSPECT, "first_name": "Ada",
                              "last_name": "Lovelace"} | fields  # fmt: skip
    return ContactSnapshot(contact_id=contact_id, version=version, **values)


def delivered(event: Event, master: str = "F1000001") -> Delivery[Any]:
    return Delivery(event, Envelope.wrap(event, master_account_id=master))


async def test_a_batch_keeps_each_contacts_newest_state_in_one_statement() -> None:
    uow = FakeAnalyticsUnitOfWork()
    ada, bob = uuid4(), uuid4()
    client = {"kind": ContactKind.CLIENT, "status": ApplicationStage.OPEN}
    await apply_contact_states(
        [delivered(ContactCreated(contact=snapshot(ada, 1))),
         delivered(ContactChanged(contact=snapshot(ada, 3, **client), changed_fields=["kind"])),
         delivered(ContactChanged(contact=snapshot(ada, 2), changed_fields=["kind"])),
         delivered(ContactCreated(contact=snapshot(bob, 1)))],
        uow,
    )  # fmt: skip
    assert uow.contact_states.upserts == [2]
    assert uow.contact_states.rows[ada].version == 3
    assert uow.published == [], "a read model publishes nothing"
    statistics = await contact_statistics(uow, "F1000001", scope=EVERYONE)
    assert (statistics.total, statistics.clients, statistics.prospects) == (2, 1, 1)
    assert statistics.by_status[ApplicationStage.OPEN] == 1


async def test_an_older_event_arriving_late_changes_nothing() -> None:
    uow = FakeAnalyticsUnitOfWork()
    ada = uuid4()
    await apply_contact_states([delivered(ContactCreated(contact=snapshot(ada, 5)))], uow)
    await apply_contact_states([delivered(ContactCreated(contact=snapshot(ada, 4)))], uow)
    assert uow.contact_states.rows[ada].version == 5


async def test_a_removed_contact_leaves_the_statistics_even_at_the_same_version() -> None:
    uow = FakeAnalyticsUnitOfWork()
    ada = uuid4()
    await apply_contact_states([delivered(ContactCreated(contact=snapshot(ada, 2)))], uow)
    await apply_contact_states([delivered(ContactRemoved(contact=snapshot(ada, 2)))], uow)
    assert (await contact_statistics(uow, "F1000001", scope=EVERYONE)).total == 0


async def test_statistics_count_only_the_callers_master() -> None:
    uow = FakeAnalyticsUnitOfWork()
    await apply_contact_states(
        [delivered(ContactCreated(contact=snapshot(uuid4(), 1)), master="F1000001"),
         delivered(ContactCreated(contact=snapshot(uuid4(), 1)), master="F2000002")],
        uow,
    )  # fmt: skip
    assert (await contact_statistics(uow, "F2000002", scope=EVERYONE)).total == 1


def group_changed(group_id: UUID, version: int, members: list[UUID], *,
                  deleted: bool = False) -> GroupChanged:  # fmt: skip
    return GroupChanged(group_id=group_id, name="Key clients", visibility=GroupVisibility.PUBLIC,
                        owner_user_id="u-ada", member_contact_ids=members, deleted=deleted,
                        version=version)  # fmt: skip


def client(contact_id: UUID, account_number: str | None) -> ContactCreated:
    return ContactCreated(contact=snapshot(contact_id, 1, kind=ContactKind.CLIENT,
                                           status=ApplicationStage.OPEN,
                                           account_number=account_number))  # fmt: skip


def scope(*, accounts: set[str] = set(), groups: set[UUID] = set()) -> ClientScope:  # noqa: B006
    return ClientScope(all_clients=False, account_numbers=frozenset(accounts),
                       group_ids=frozenset(groups))  # fmt: skip


async def a_book(uow: FakeAnalyticsUnitOfWork) -> tuple[UUID, UUID, UUID]:
    """One prospect and three clients (U1, U2, and one without an account yet); a group holding
    the U2 client."""
    grace, linus, alan, group = uuid4(), uuid4(), uuid4(), uuid4()
    await apply_contact_states(
        [delivered(ContactCreated(contact=snapshot(uuid4(), 1))),
         delivered(client(grace, "U1")), delivered(client(linus, "U2")),
         delivered(client(alan, None))],
        uow,
    )  # fmt: skip
    await apply_group_changes([delivered(group_changed(group, 1, [linus]))], uow)
    return linus, alan, group


async def counts(uow: FakeAnalyticsUnitOfWork, scope: ClientScope) -> tuple[int, int, int]:
    statistics = await contact_statistics(uow, "F1000001", scope=scope)
    return statistics.total, statistics.prospects, statistics.clients


async def test_every_client_counts_for_a_scope_of_all_clients() -> None:
    uow = FakeAnalyticsUnitOfWork()
    await a_book(uow)
    assert await counts(uow, EVERYONE) == (4, 1, 3)


async def test_a_scope_of_nothing_still_counts_the_prospects() -> None:
    uow = FakeAnalyticsUnitOfWork()
    await a_book(uow)
    assert await counts(uow, ClientScope.nothing()) == (1, 1, 0)


async def test_a_client_counts_when_the_scope_names_its_account_or_one_of_its_groups() -> None:
    uow = FakeAnalyticsUnitOfWork()
    _, _, group = await a_book(uow)
    assert await counts(uow, scope(accounts={"U1"})) == (2, 1, 1)
    assert await counts(uow, scope(groups={group})) == (2, 1, 1)
    assert await counts(uow, scope(accounts={"U1"}, groups={group})) == (3, 1, 2)
    assert await counts(uow, scope(accounts={"U2"}, groups={group})) == (2, 1, 1), "once"
    assert await counts(uow, scope(groups={uuid4()})) == (1, 1, 0)
    statistics = await contact_statistics(uow, "F1000001", scope=scope(groups={group}))
    assert statistics.by_status[ApplicationStage.OPEN] == 1


async def test_a_membership_change_moves_the_scope_with_it() -> None:
    uow = FakeAnalyticsUnitOfWork()
    linus, alan, group = await a_book(uow)
    await apply_group_changes([delivered(group_changed(group, 2, [alan]))], uow)
    assert uow.group_members.groups_of(linus) == set()
    assert await counts(uow, scope(groups={group})) == (2, 1, 1)
    await apply_group_changes([delivered(group_changed(group, 3, [alan, linus]))], uow)
    assert await counts(uow, scope(groups={group})) == (3, 1, 2)


async def test_a_batch_keeps_each_groups_newest_members_and_a_late_change_is_ignored() -> None:
    uow = FakeAnalyticsUnitOfWork()
    linus, alan, group = await a_book(uow)
    other = uuid4()
    await apply_group_changes(
        [delivered(group_changed(group, 4, [alan])), delivered(group_changed(other, 1, [linus])),
         delivered(group_changed(group, 3, [linus, alan]))],
        uow,
    )  # fmt: skip
    assert uow.group_members.upserts[-1] == 2
    assert uow.group_members.kept[group].member_contact_ids == (alan,)
    await apply_group_changes([delivered(group_changed(group, 2, [linus]))], uow)
    assert uow.group_members.kept[group].version == 4


async def test_a_deleted_group_has_no_members() -> None:
    uow = FakeAnalyticsUnitOfWork()
    linus, _, group = await a_book(uow)
    await apply_group_changes([delivered(group_changed(group, 2, [linus], deleted=True))], uow)
    assert uow.group_members.kept[group].member_contact_ids == ()
    assert await counts(uow, scope(groups={group})) == (1, 1, 0)


async def test_a_client_keeps_its_account_number_in_the_read_model() -> None:
    uow = FakeAnalyticsUnitOfWork()
    grace = uuid4()
    await apply_contact_states([delivered(client(grace, "U7"))], uow)
    assert uow.contact_states.rows[grace].account_number == "U7"
