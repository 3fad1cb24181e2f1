"""The statistics row within the caller's client scope, on the real broker and PostgreSQL:
contacts and groups flow in as events, a group-scoped user counts that group's clients and every
prospect, a membership change moves the count, and a user without the CRM right is refused."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import text

from contracts import topics
from contracts.access import Access, ClientScope, Right
from contracts.accounts import ApplicationStage
from contracts.contacts import ContactCreated, ContactKind, ContactSnapshot
from contracts.crm import GroupChanged, GroupVisibility
from contracts.envelope import Envelope
from services.analytics.service_layer.statistics import apply_group_changes
from services.analytics.service_layer.unit_of_work import SqlAnalyticsUnitOfWork
from services.runtime.consumers import Delivery
from services.runtime.db import Database
from tests.integration.conftest import RunningService, a_master, eventually, publish

Counts = tuple[int, int, int]  # total, prospects, clients


def contact(kind: ContactKind, account_number: str | None = None) -> ContactCreated:
    status = ApplicationStage.OPEN if kind == ContactKind.CLIENT else None
    return ContactCreated(contact=ContactSnapshot(
        contact_id=uuid4(), version=1, kind=kind, first_name="Ada", last_name="Lovelace",
        account_number=account_number, status=status))  # fmt: skip


def group(group_id: UUID, version: int, members: list[UUID], deleted: bool = False) -> GroupChanged:
    return GroupChanged(group_id=group_id, name="Key clients", visibility=GroupVisibility.PUBLIC,
                        owner_user_id="u-ada", member_contact_ids=members, deleted=deleted,
                        version=version)  # fmt: skip


def crm_user(
    *, accounts: frozenset[str] = frozenset(), groups: frozenset[UUID] = frozenset()
) -> Access:
    scope = ClientScope(all_clients=False, account_numbers=accounts, group_ids=groups)
    return Access(rights=frozenset({Right.CRM}), scope=scope)


class Statistics:
    def __init__(self, analytics: RunningService, master: str) -> None:
        self.analytics, self.master = analytics, master

    async def get(self, access: Access) -> Any:
        headers = self.analytics.as_master(self.master, "u-bob") | access.to_headers()
        return await self.analytics.http.get("/statistics/contacts", headers=headers)

    async def counts(self, access: Access) -> Counts:
        response = await self.get(access)
        assert response.status_code == 200, response.text
        body = response.json()
        return body["total"], body["prospects"], body["clients"]

    def are(self, access: Access, expected: Counts) -> Callable[[], Awaitable[bool]]:
        async def check() -> bool:
            return await self.counts(access) == expected

        return check


async def claimed(analytics: RunningService, event_id: UUID) -> bool:
    """Whether analytics has applied the event (its inbox row commits with the effect)."""
    database: Database[Any] = Database(analytics.database_url, pool_size=1)
    try:
        async with database.engine.connect() as connection:
            found = await connection.scalar(
                text("SELECT count(*) FROM inbox WHERE event_id = :id"), {"id": event_id}
            )
            return bool(found)
    finally:
        await database.engine.dispose()


async def test_a_group_scoped_user_counts_the_groups_clients_and_every_prospect(
    analytics_service: RunningService, kafka_bootstrap: str
) -> None:
    master = a_master()
    prospect = contact(ContactKind.PROSPECT)
    grace, linus, alan = (contact(ContactKind.CLIENT, number) for number in ("U1", "U2", None))
    for event in (prospect, grace, linus, alan):
        await publish(kafka_bootstrap, topics.CONTACTS.name, event, master=master)
    key_clients = uuid4()
    await publish(kafka_bootstrap, topics.CRM_RECORDS.name,
                  group(key_clients, 1, [grace.contact.contact_id]), master=master)  # fmt: skip

    statistics = Statistics(analytics_service, master)
    in_group = crm_user(groups=frozenset({key_clients}))
    assert await eventually(statistics.are(Access.primary(), (4, 1, 3)))
    assert await eventually(statistics.are(in_group, (2, 1, 1)))
    assert await statistics.counts(crm_user()) == (1, 1, 0), "prospects only"
    assert await statistics.counts(crm_user(accounts=frozenset({"U2"}))) == (2, 1, 1)
    both = crm_user(accounts=frozenset({"U1", "U2"}), groups=frozenset({key_clients}))
    assert await statistics.counts(both) == (3, 1, 2), "a client in both counts once"
    everyone = Access(rights=frozenset({Right.CRM}), scope=ClientScope.everything())
    assert await statistics.counts(everyone) == (4, 1, 3)

    # the membership changes: the scope moves with it
    members = [linus.contact.contact_id, alan.contact.contact_id]
    await publish(kafka_bootstrap, topics.CRM_RECORDS.name, group(key_clients, 2, members),
                  master=master)  # fmt: skip
    assert await eventually(statistics.are(in_group, (3, 1, 2)))

    # an older state arriving late changes nothing
    late = await publish(kafka_bootstrap, topics.CRM_RECORDS.name,
                         group(key_clients, 1, [grace.contact.contact_id]), master=master)  # fmt: skip
    assert late is not None
    assert await eventually(lambda: claimed(analytics_service, late.event_id))
    assert await statistics.counts(in_group) == (3, 1, 2)

    # a deleted group has no members
    await publish(kafka_bootstrap, topics.CRM_RECORDS.name,
                  group(key_clients, 3, members, deleted=True), master=master)  # fmt: skip
    assert await eventually(statistics.are(in_group, (1, 1, 0)))


async def test_the_statistics_need_the_crm_right(analytics_service: RunningService) -> None:
    statistics = Statistics(analytics_service, a_master())
    no_crm = Access(rights=frozenset({Right.ACCOUNT_INFORMATION, Right.PORTFOLIO_ANALYST}),
                    scope=ClientScope.everything())  # fmt: skip
    assert (await statistics.get(no_crm)).status_code == 403
    assert (await statistics.get(Access())).status_code == 403, "nothing sent: nothing granted"
    assert (await statistics.get(crm_user())).status_code == 200


async def test_a_large_group_is_kept_and_replaced_by_difference(
    analytics_service: RunningService,
) -> None:
    """Far more members than a statement's bind parameters (asyncpg: 32,767)."""
    master, key_clients = a_master(), uuid4()
    members = [uuid4() for _ in range(40_000)]
    database = Database(analytics_service.database_url, unit_of_work=SqlAnalyticsUnitOfWork)

    async def apply(version: int, member_ids: list[UUID]) -> int:
        changed = group(key_clients, version, member_ids)
        async with database.unit_of_work() as uow:
            envelope = Envelope.wrap(changed, master_account_id=master)
            await apply_group_changes([Delivery(changed, envelope)], uow)
            await uow.commit()
        async with database.engine.connect() as connection:
            count = await connection.scalar(
                text("SELECT count(*) FROM group_members WHERE group_id = :id"), {"id": key_clients}
            )
        return int(count or 0)

    try:
        assert await apply(1, members) == 40_000
        assert await apply(2, [*members[1:], uuid4()]) == 40_000
        assert await apply(3, []) == 0
    finally:
        await database.engine.dispose()
