"""In-memory repositories of what messaging knows of clients, groups, households and users, and
of the users' notices: the SQL ones' rules (newest version wins, open clients within a scope) in
plain Python, for the use cases' unit tests."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from contracts.access import ClientScope
from contracts.envelope import Envelope, Event
from services.messaging.domain.recipients import (
    ClientState,
    GroupState,
    HouseholdLink,
    HouseholdState,
    MasterProfile,
    MasterUser,
    Recipient,
    group_visible_to,
    is_open_client,
    recipient_order,
    within_scope,
)
from services.messaging.store.notices import MAX_EMAIL_ATTEMPTS, NewNotice, Notice
from services.runtime.consumers import Delivery

MASTER, OTHER_MASTER = "F1000001", "F2000002"


def delivered(event: Event, master: str = MASTER) -> Delivery[Any]:
    return Delivery(event, Envelope.wrap(event, master_account_id=master))


class InMemoryGroups:
    def __init__(self) -> None:
        self.kept: dict[UUID, GroupState] = {}
        self.upserts: list[int] = []

    async def upsert(self, groups: Sequence[GroupState]) -> None:
        assert len({g.group_id for g in groups}) == len(groups), "one per group"
        self.upserts.append(len(groups))
        for group in groups:
            current = self.kept.get(group.group_id)
            if current is None or group.version > current.version:
                self.kept[group.group_id] = group

    def of(self, contact_id: UUID) -> set[UUID]:
        return {g.group_id for g in self.kept.values() if contact_id in g.member_contact_ids}

    async def visible(
        self, *, master_account_id: str, user_id: str, scope: ClientScope
    ) -> list[tuple[UUID, str, str, int]]:
        assert self.clients is not None
        shown = [
            g for g in self.kept.values()
            if g.master_account_id == master_account_id and not g.deleted
            and group_visible_to(visibility=g.visibility, owner_user_id=g.owner_user_id, user_id=user_id)
        ]  # fmt: skip
        shown.sort(key=lambda g: (g.name.lower(), str(g.group_id)))
        result = []
        for group in shown:
            members = await self.clients.open_clients(
                master_account_id=master_account_id, scope=scope, group_ids=[group.group_id]
            )
            result.append((group.group_id, group.name, group.visibility, len(members)))
        return result

    clients: InMemoryClients | None = None


class InMemoryClients:
    def __init__(self, groups: InMemoryGroups) -> None:
        self.groups = groups
        self.rows: dict[UUID, ClientState] = {}
        self.upserts: list[int] = []

    async def upsert(self, states: Sequence[ClientState]) -> None:
        assert len({s.contact_id for s in states}) == len(states), "one per contact"
        self.upserts.append(len(states))
        for state in states:
            current = self.rows.get(state.contact_id)
            if current is None or state.supersedes(current):
                self.rows[state.contact_id] = state

    def _reached(self, master_account_id: str, scope: ClientScope) -> list[ClientState]:
        return [
            row for row in self.rows.values()
            if row.master_account_id == master_account_id
            and is_open_client(kind=row.kind, closed=row.closed, removed=row.removed,
                               account_number=row.account_number)
            and within_scope(scope, account_number=row.account_number,
                             group_ids=self.groups.of(row.contact_id))
        ]  # fmt: skip

    @staticmethod
    def _recipient(row: ClientState) -> Recipient:
        assert row.account_number is not None
        return Recipient(row.contact_id, row.account_number, row.first_name, row.last_name,
                         row.title, row.email)  # fmt: skip

    async def open_clients(
        self, *, master_account_id: str, scope: ClientScope, account_numbers: Collection[str] = (),
        group_ids: Collection[UUID] = (), contact_ids: Collection[UUID] = (),
    ) -> list[Recipient]:  # fmt: skip
        chosen = [
            row for row in self._reached(master_account_id, scope)
            if row.account_number in set(account_numbers) or row.contact_id in set(contact_ids)
            or not self.groups.of(row.contact_id).isdisjoint(group_ids)
        ]  # fmt: skip
        return sorted(map(self._recipient, chosen), key=recipient_order)

    async def page(
        self, *, master_account_id: str, scope: ClientScope, search: str | None,
        group_id: UUID | None, offset: int, limit: int,
    ) -> tuple[int, list[Recipient]]:  # fmt: skip
        found = [self._recipient(row) for row in self._reached(master_account_id, scope)
                 if group_id is None or group_id in self.groups.of(row.contact_id)]  # fmt: skip
        if search:
            term = search.lower()
            found = [r for r in found if term in r.account_number.lower()
                     or term in r.name.lower() or term in (r.title or "").lower()]  # fmt: skip
        found.sort(key=recipient_order)
        return len(found), found[offset : offset + limit]


class InMemoryHouseholds:
    def __init__(self) -> None:
        self.kept: dict[UUID, HouseholdState] = {}

    async def upsert(self, households_: Sequence[HouseholdState]) -> None:
        assert len({h.household_id for h in households_}) == len(households_)
        for household in households_:
            current = self.kept.get(household.household_id)
            if current is None or household.version > current.version:
                self.kept[household.household_id] = household

    async def of_contacts(
        self, *, master_account_id: str, contact_ids: Collection[UUID]
    ) -> dict[UUID, HouseholdLink]:
        links: dict[UUID, HouseholdLink] = {}
        ordered = sorted(self.kept.values(), key=lambda h: (h.name.lower(), str(h.household_id)))
        for household in ordered:
            if household.master_account_id != master_account_id or household.dissolved:
                continue
            for member in household.member_contact_ids:
                if member in contact_ids:
                    links.setdefault(member, HouseholdLink(household.household_id, household.name,
                                                           household.head_contact_id))  # fmt: skip
        return links


class InMemoryUsers:
    def __init__(self) -> None:
        self.kept: dict[str, MasterUser] = {}

    async def upsert(self, users: Sequence[MasterUser]) -> None:
        assert len({u.user_id for u in users}) == len(users)
        for user in users:
            current = self.kept.get(user.user_id)
            if current is None or user.changed_at > current.changed_at:
                self.kept[user.user_id] = user

    async def by_ids(self, user_ids: Collection[str]) -> dict[str, MasterUser]:
        return {i: self.kept[i] for i in user_ids if i in self.kept}

    async def active(self, master_account_id: str) -> list[MasterUser]:
        found = [
            u for u in self.kept.values() if u.master_account_id == master_account_id and u.active
        ]
        return sorted(found, key=lambda u: (u.display_name.lower(), u.user_id))


class InMemoryMasters:
    def __init__(self) -> None:
        self.rows: dict[str, MasterProfile] = {}

    async def upsert(self, profiles: Sequence[MasterProfile]) -> None:
        for profile in profiles:
            current = self.rows.get(profile.master_account_id)
            if current is None or current.changed_at <= profile.changed_at:
                self.rows[profile.master_account_id] = profile

    async def get(self, master_account_id: str) -> MasterProfile | None:
        return self.rows.get(master_account_id)


class InMemoryNotices:
    def __init__(self) -> None:
        self.rows: dict[UUID, Notice] = {}
        self.clock = datetime(2026, 1, 5, 9, tzinfo=UTC)

    async def add(self, notices: Sequence[NewNotice]) -> list[UUID]:
        added = []
        for new in notices:
            if any((n.user_id, n.kind, n.source_id) == (new.user_id, new.kind, new.source_id)
                   for n in self.rows.values()):  # fmt: skip
                continue
            self.clock += timedelta(seconds=1)
            self.rows[new.id] = Notice(**dataclasses.asdict(new), created_at=self.clock,
                                       read_at=None, emailed_at=None, email_attempts=0)  # fmt: skip
            added.append(new.id)
        return added

    async def of_user(
        self, *, master_account_id: str, user_id: str, limit: int
    ) -> tuple[int, list[Notice]]:
        mine = [n for n in self.rows.values()
                if n.master_account_id == master_account_id and n.user_id == user_id]  # fmt: skip
        mine.sort(key=lambda n: (n.created_at, str(n.id)), reverse=True)
        return sum(1 for n in mine if n.read_at is None), mine[:limit]

    async def mark_read(
        self, *, master_account_id: str, user_id: str, notice_id: UUID, at: datetime
    ) -> Notice | None:
        notice = self.rows.get(notice_id)
        if notice is None or (notice.master_account_id, notice.user_id) != (
            master_account_id,
            user_id,
        ):
            return None
        self.rows[notice_id] = dataclasses.replace(notice, read_at=notice.read_at or at)
        return self.rows[notice_id]

    async def next_unsent_email(self, *, besides: Collection[UUID] = ()) -> Notice | None:
        due = [n for n in self.rows.values()
               if n.email_to and n.emailed_at is None and n.email_attempts < MAX_EMAIL_ATTEMPTS
               and n.id not in besides]  # fmt: skip
        return min(due, key=lambda n: (n.created_at, str(n.id)), default=None)

    async def email_sent(self, notice_id: UUID, at: datetime) -> None:
        notice = self.rows[notice_id]
        self.rows[notice_id] = dataclasses.replace(notice, emailed_at=at,
                                                   email_attempts=notice.email_attempts + 1)  # fmt: skip

    async def email_failed(self, notice_id: UUID, *, permanent: bool) -> None:
        notice = self.rows[notice_id]
        attempts = MAX_EMAIL_ATTEMPTS if permanent else notice.email_attempts + 1
        self.rows[notice_id] = dataclasses.replace(notice, email_attempts=attempts)


class FakeDirectoryUnitOfWork:
    """The directory's and notices' part of ``MessagingUnitOfWork``, in memory."""

    def __init__(self) -> None:
        self.client_groups = InMemoryGroups()
        self.clients = InMemoryClients(self.client_groups)
        self.client_groups.clients = self.clients
        self.households = InMemoryHouseholds()
        self.master_users = InMemoryUsers()
        self.user_notices = InMemoryNotices()
        self.published: list[Event] = []
        self.committed = 0

    async def publish(self, topic: str, event: Event, **_: Any) -> None:
        self.published.append(event)

    async def commit(self) -> None:
        self.committed += 1
