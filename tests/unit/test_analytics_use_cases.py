"""Analytics use cases against a fake unit of work: the statistics read model, no database."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID, uuid4

from contracts.accounts import ApplicationStage
from contracts.contacts import (
    ContactChanged,
    ContactCreated,
    ContactKind,
    ContactRemoved,
    ContactSnapshot,
)
from contracts.envelope import Envelope, Event
from services.analytics.domain.statistics import ContactState
from services.analytics.service_layer.statistics import apply_contact_states, contact_statistics
from services.runtime.consumers import Delivery


class InMemoryContactStates:
    def __init__(self) -> None:
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
        self, *, master_account_id: str
    ) -> list[tuple[str, str | None, bool, int]]:
        counts: dict[tuple[str, str | None, bool], int] = {}
        for row in self.rows.values():
            if row.master_account_id == master_account_id and not row.removed:
                key = (row.kind, row.status, row.closed)
                counts[key] = counts.get(key, 0) + 1
        return [(*key, count) for key, count in counts.items()]


class FakeAnalyticsUnitOfWork:
    def __init__(self) -> None:
        self.contact_states = InMemoryContactStates()
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
    statistics = await contact_statistics(uow, "F1000001")
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
    assert (await contact_statistics(uow, "F1000001")).total == 0


async def test_statistics_count_only_the_callers_master() -> None:
    uow = FakeAnalyticsUnitOfWork()
    await apply_contact_states(
        [delivered(ContactCreated(contact=snapshot(uuid4(), 1)), master="F1000001"),
         delivered(ContactCreated(contact=snapshot(uuid4(), 1)), master="F2000002")],
        uow,
    )  # fmt: skip
    assert (await contact_statistics(uow, "F2000002")).total == 1
