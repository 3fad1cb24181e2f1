"""In-memory repositories of the staging service and a unit of work holding them: the use cases
run against these with no database (the SQL ones follow the same protocols)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from contracts.access import ClientScope
from contracts.api.staging import HoldStatus
from contracts.envelope import Event
from contracts.staging import ReleaseReason
from services.runtime.consumers import Delivery
from services.staging.domain.holds import (
    ClientState,
    Election,
    GroupMembers,
    HistoryEntry,
    Hold,
    MasterZone,
    Outcome,
)


@dataclass
class FakeClients:
    rows: dict[UUID, ClientState] = field(default_factory=dict)
    groups: dict[UUID, GroupMembers] = field(default_factory=dict)

    async def upsert(self, states: Sequence[ClientState]) -> None:
        for state in states:
            current = self.rows.get(state.contact_id)
            if current is None or state.supersedes(current):
                self.rows[state.contact_id] = state

    async def masters_of(self, accounts: Collection[str]) -> dict[str, str]:
        return {c.account_number: c.master_account_id for c in self.rows.values()
                if c.account_number and c.account_number in accounts and not c.removed}  # fmt: skip

    def _within(self, client: ClientState, scope: ClientScope) -> bool:
        if scope.all_clients:
            return True
        in_groups = any(client.contact_id in self.groups[g].member_contact_ids
                        for g in scope.group_ids if g in self.groups)  # fmt: skip
        return client.account_number in scope.account_numbers or in_groups

    async def reached(
        self, *, master_account_id: str, scope: ClientScope, accounts: Collection[str]
    ) -> dict[str, str]:
        return {c.account_number: c.name for c in self.rows.values()
                if c.account_number and c.account_number in accounts
                and c.master_account_id == master_account_id
                and not c.removed and self._within(c, scope)}  # fmt: skip


@dataclass
class FakeGroups:
    clients: FakeClients

    async def upsert(self, groups: Sequence[GroupMembers]) -> None:
        for group in groups:
            current = self.clients.groups.get(group.group_id)
            if current is None or group.version > current.version:
                self.clients.groups[group.group_id] = group


@dataclass
class FakeZones:
    rows: dict[str, MasterZone] = field(default_factory=dict)

    async def upsert(self, zones: Sequence[MasterZone]) -> None:
        for zone in zones:
            current = self.rows.get(zone.master_account_id)
            if current is None or zone.changed_at > current.changed_at:
                self.rows[zone.master_account_id] = zone

    async def of(self, masters: Collection[str]) -> dict[str, str]:
        return {m: z.time_zone for m, z in self.rows.items() if m in masters}


@dataclass
class FakeElections:
    rows: list[Election] = field(default_factory=list)
    locks: int = 0

    async def add(self, election: Election) -> None:
        self.rows.append(election)

    async def of_masters(self, masters: Collection[str]) -> dict[str, list[Election]]:
        found: dict[str, list[Election]] = {}
        for e in self.rows:
            if e.master_account_id in masters:
                found.setdefault(e.master_account_id, []).append(e)
        return found

    async def lock(self, master_account_id: str) -> None:
        self.locks += 1


@dataclass
class FakeAlwaysRejects:
    rows: dict[tuple[str, str], tuple[bool, str, datetime]] = field(default_factory=dict)

    async def save(
        self, *, master_account_id: str, message_type: str, active: bool, by: str, at: datetime
    ) -> bool:
        current = self.rows.get((master_account_id, message_type))
        if current is not None and current[0] == active:
            return False
        self.rows[(master_account_id, message_type)] = (active, by, at)
        return True

    async def of_master(self, master_account_id: str) -> list[tuple[str, bool, str, datetime]]:
        return sorted((kind, *value) for (m, kind), value in self.rows.items()
                      if m == master_account_id)  # fmt: skip

    async def active(self, pairs: Collection[tuple[str, str]]) -> set[tuple[str, str]]:
        return {p for p in pairs if p in self.rows and self.rows[p][0]}


@dataclass
class FakeHolds:
    clients: FakeClients
    rows: dict[tuple[str, str], Hold] = field(default_factory=dict)
    entries: list[HistoryEntry] = field(default_factory=list)

    async def add(self, rows: Sequence[Hold]) -> list[Hold]:
        new = []
        for hold in rows:
            key = (hold.master_account_id, hold.message_id)
            if key not in self.rows:
                self.rows[key] = hold
                new.append(hold)
        return new

    def _reached(self, hold: Hold, scope: ClientScope) -> bool:
        return scope.all_clients or any(
            c.account_number in hold.accounts and c.master_account_id == hold.master_account_id
            and self.clients._within(c, scope) for c in self.clients.rows.values()
        )  # fmt: skip

    @staticmethod
    def _staged(hold: Hold) -> bool:
        return hold.release_reason is not ReleaseReason.NOT_STAGED

    async def get(
        self, *, master_account_id: str, message_id: str, scope: ClientScope
    ) -> Hold | None:
        hold = self.rows.get((master_account_id, message_id))
        if hold is None or not self._staged(hold) or not self._reached(hold, scope):
            return None
        return hold

    async def page(
        self, *, master_account_id: str, scope: ClientScope, status: HoldStatus | None,
        offset: int, limit: int,
    ) -> tuple[list[Hold], int]:  # fmt: skip
        found = sorted((h for h in self.rows.values() if h.master_account_id == master_account_id
                        and self._staged(h) and (status is None or h.status is status)
                        and self._reached(h, scope)),
                       key=lambda h: h.received_at, reverse=True)  # fmt: skip
        return found[offset : offset + limit], len(found)

    async def decide(
        self, *, master_account_id: str, message_id: str, outcome: Outcome, by: str | None,
        at: datetime,
    ) -> Hold | None:  # fmt: skip
        hold = self.rows.get((master_account_id, message_id))
        if hold is None or hold.status is not HoldStatus.HELD:
            return None
        ended = replace(hold, status=outcome.status, release_reason=outcome.release_reason,
                        reject_reason=outcome.reject_reason, decided_by_user_id=by,
                        decided_at=at)  # fmt: skip
        self.rows[(master_account_id, message_id)] = ended
        return ended

    async def release_due(self, *, now: datetime, limit: int) -> list[Hold]:
        due = sorted((h for h in self.rows.values() if h.status is HoldStatus.HELD
                      and h.deadline is not None and h.deadline <= now),
                     key=lambda h: h.deadline or now)[:limit]  # fmt: skip
        released = []
        for hold in due:
            ended = replace(hold, status=HoldStatus.RELEASED, decided_at=now,
                            release_reason=ReleaseReason.DEADLINE)  # fmt: skip
            self.rows[(hold.master_account_id, hold.message_id)] = ended
            released.append(ended)
        return released

    async def reached_counts(
        self, *, master_account_id: str, scope: ClientScope, message_ids: Sequence[str]
    ) -> dict[str, int]:
        counts = {}
        for message_id in message_ids:
            hold = self.rows[(master_account_id, message_id)]
            counts[message_id] = len(await self.clients.reached(
                master_account_id=master_account_id, scope=scope, accounts=hold.accounts))  # fmt: skip
        return counts

    async def add_history(self, entries: Sequence[HistoryEntry]) -> None:
        self.entries.extend(entries)

    async def history(self, *, master_account_id: str, message_id: str) -> list[HistoryEntry]:
        return [e for e in self.entries
                if (e.master_account_id, e.message_id) == (master_account_id, message_id)]  # fmt: skip


class FakeStagingUnitOfWork:
    def __init__(self) -> None:
        self.clients = FakeClients()
        self.groups = FakeGroups(self.clients)
        self.master_zones = FakeZones()
        self.elections = FakeElections()
        self.always_rejects = FakeAlwaysRejects()
        self.holds = FakeHolds(self.clients)
        self.published: list[tuple[str, Event, str]] = []

    async def publish(
        self, topic: str, event: Event, *, master_account_id: str,
        correlation_id: str | None = None, caused_by: Delivery[Any] | None = None,
    ) -> None:  # fmt: skip
        self.published.append((topic, event, master_account_id))

    async def publish_all(
        self, topic: str, events: Sequence[Event], *, master_account_id: str,
        caused_by: Delivery[Any] | None = None,
    ) -> None:  # fmt: skip
        for event in events:
            await self.publish(topic, event, master_account_id=master_account_id)

    def events(self, kind: type[Event] | None = None) -> list[Any]:
        return [e for _, e, _ in self.published if kind is None or isinstance(e, kind)]
