"""In-memory repositories and unit of work for linkage's use cases (the protocols of
``services/linkage/service_layer/unit_of_work.py``)."""

from __future__ import annotations

import copy
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from contracts.access import ClientScope
from contracts.envelope import Event
from contracts.linkage import AccessCodeKind, DeviceStatus, LinkStatus
from services.linkage.domain.devices import AccessCode, Device
from services.linkage.domain.links import ClientAccount, LinkRequest


class FakeAccounts:
    def __init__(self, accounts: Sequence[ClientAccount] = ()) -> None:
        self.rows = {a.account_number: a for a in accounts}
        self.zones: dict[str, str] = {}

    async def upsert_profiles(self, rows: Sequence[dict[str, Any]]) -> None:
        raise NotImplementedError

    async def set_open(self, rows: Sequence[tuple[str, str, bool, datetime]]) -> None:
        raise NotImplementedError

    async def upsert_contacts(self, rows: Sequence[dict[str, Any]]) -> None:
        raise NotImplementedError

    async def upsert_groups(self, rows: Sequence[dict[str, Any]]) -> None:
        raise NotImplementedError

    async def upsert_masters(self, rows: Sequence[dict[str, Any]]) -> None:
        self.zones.update({r["master_account_id"]: r["time_zone"] for r in rows})

    async def time_zone(self, master_account_id: str) -> str | None:
        return self.zones.get(master_account_id)

    async def of_master(
        self, *, master_account_id: str, scope: ClientScope, holder_id: str | None = None,
        account_numbers: Collection[str] | None = None, lock: bool = False,
    ) -> list[ClientAccount]:  # fmt: skip
        return [copy.deepcopy(a) for n, a in sorted(self.rows.items())
                if a.master_account_id == master_account_id
                and (scope.all_clients or n in scope.account_numbers)
                and (holder_id is None or a.holder_id == holder_id)
                and (account_numbers is None or n in account_numbers)]  # fmt: skip

    async def accounts_of_contact(
        self, *, master_account_id: str, scope: ClientScope, contact_id: UUID
    ) -> list[ClientAccount]:
        return []

    async def mark_linked(
        self, *, survivor: str, others: Collection[str], profile: dict[str, str]
    ) -> None:
        for number in others:
            self.rows[number].username_active = False
            self.rows[number].linked_into = survivor
        for number in [survivor, *others]:
            self.rows[number].profile.update(profile)


class FakeRequests:
    def __init__(self) -> None:
        self.rows: dict[UUID, LinkRequest] = {}

    async def save(self, request: LinkRequest) -> None:
        self.rows[request.id] = copy.deepcopy(request)

    async def get(self, *, master_account_id: str, request_id: UUID,
                  lock: bool = False) -> LinkRequest | None:  # fmt: skip
        found = self.rows.get(request_id)
        return (
            copy.deepcopy(found) if found and found.master_account_id == master_account_id else None
        )

    async def open_of_holder(self, *, master_account_id: str, holder_id: str) -> LinkRequest | None:
        return next((copy.deepcopy(r) for r in self.rows.values()
                     if r.master_account_id == master_account_id and r.holder_id == holder_id
                     and r.status in (LinkStatus.DRAFT, LinkStatus.CONFIRMED)), None)  # fmt: skip

    async def drafts_by(self, *, master_account_id: str, user_id: str) -> list[LinkRequest]:
        return [copy.deepcopy(r) for r in self.rows.values()
                if r.master_account_id == master_account_id and r.created_by == user_id
                and r.status is LinkStatus.DRAFT]  # fmt: skip

    async def of_master(self, *, master_account_id: str, limit: int = 200) -> list[LinkRequest]:
        return [copy.deepcopy(r) for r in self.rows.values()
                if r.master_account_id == master_account_id][:limit]  # fmt: skip

    async def claim_due(self, now: datetime) -> LinkRequest | None:
        due = [r for r in self.rows.values() if r.status is LinkStatus.CONFIRMED
               and r.execute_after is not None and r.execute_after <= now]  # fmt: skip
        return copy.deepcopy(min(due, key=lambda r: r.execute_after or now)) if due else None

    async def record_failure(self, request_id: UUID, error: str, retry_at: datetime) -> None:
        self.rows[request_id].failures += 1
        self.rows[request_id].execute_after = retry_at


class FakeHistory:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    async def add(self, rows: Sequence[dict[str, Any]]) -> None:
        self.rows += rows

    async def of(self, *, master_account_id: str, holder_id: str | None,
                 account_numbers: Sequence[str], limit: int = 200) -> list[dict[str, Any]]:  # fmt: skip
        return [r for r in self.rows if r["master_account_id"] == master_account_id]


class FakeDevices:
    def __init__(self, devices: Sequence[Device] = ()) -> None:
        self.rows = {d.id: d for d in devices}

    async def save(self, device: Device) -> None:
        self.rows[device.id] = copy.deepcopy(device)

    async def add_if_new_serial(self, device: Device) -> bool:
        if any(d.serial_number == device.serial_number for d in self.rows.values()):
            return False
        await self.save(device)
        return True

    async def of_accounts(
        self, account_numbers: Sequence[str], *, lock: bool = False
    ) -> list[Device]:
        return [copy.deepcopy(d) for d in self.rows.values() if d.account_number in account_numbers]

    async def get(self, device_id: UUID, *, lock: bool = False) -> Device | None:
        return copy.deepcopy(self.rows.get(device_id))

    async def by_serial(self, serial_number: str, *, lock: bool = False) -> Device | None:
        return next((copy.deepcopy(d) for d in self.rows.values()
                     if d.serial_number == serial_number), None)  # fmt: skip

    async def claim_due_activations(self, now: datetime, limit: int) -> list[Device]:
        return [copy.deepcopy(d) for d in self.rows.values()
                if d.status in (DeviceStatus.REQUESTED, DeviceStatus.SHIPPED)
                and d.activate_at is not None and d.activate_at <= now][:limit]  # fmt: skip


class FakeCodes:
    def __init__(self) -> None:
        self.rows: dict[UUID, AccessCode] = {}
        self.failures: list[tuple[str, datetime]] = []

    async def save(self, code: AccessCode) -> None:
        self.rows[code.id] = copy.deepcopy(code)

    async def current(self, account_number: str, kind: AccessCodeKind, *,
                      lock: bool = False) -> AccessCode | None:  # fmt: skip
        found = [c for c in self.rows.values() if c.account_number == account_number
                 and c.kind is kind and c.status != "revoked"]  # fmt: skip
        return copy.deepcopy(max(found, key=lambda c: c.issued_at)) if found else None

    async def of_accounts(self, account_numbers: Sequence[str]) -> list[AccessCode]:
        return [c for c in self.rows.values() if c.account_number in account_numbers]

    async def failures_since(self, account_number: str, since: datetime) -> int:
        return sum(1 for a, at in self.failures if a == account_number and at > since)

    async def add_failure(self, account_number: str, at: datetime) -> None:
        self.failures.append((account_number, at))


class FakeUnitOfWork:
    def __init__(
        self, accounts: Sequence[ClientAccount] = (), devices: Sequence[Device] = ()
    ) -> None:
        self.accounts = FakeAccounts(accounts)
        self.requests = FakeRequests()
        self.history = FakeHistory()
        self.devices = FakeDevices(devices)
        self.codes = FakeCodes()
        self.published: list[tuple[str, Event]] = []
        self.committed = 0

    async def publish(self, topic: str, event: Event, *, master_account_id: str,
                      correlation_id: str | None = None, caused_by: Any = None) -> None:  # fmt: skip
        self.published.append((topic, event))

    async def commit(self) -> None:
        self.committed += 1
