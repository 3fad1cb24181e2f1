"""Security devices, access codes and wrong-code counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, fields
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.linkage import AccessCodeKind, ChargeStatus, DeviceStatus
from services.linkage.domain.devices import AccessCode, Device
from services.linkage.store.tables import access_codes, code_failures, devices

_DEVICE_FIELDS = [f.name for f in fields(Device)]
_CODE_FIELDS = [f.name for f in fields(AccessCode)]


def _device(row: Any) -> Device:
    values = {name: getattr(row, name) for name in _DEVICE_FIELDS}
    values["status"] = DeviceStatus(values["status"])
    values["charge_status"] = ChargeStatus(values["charge_status"])
    return Device(**values)


def _code(row: Any) -> AccessCode:
    values = {name: getattr(row, name) for name in _CODE_FIELDS}
    values["kind"] = AccessCodeKind(values["kind"])
    values["code_hashes"] = list(values["code_hashes"])
    return AccessCode(**values)


class DeviceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def save(self, device: Device) -> None:
        row = asdict(device)
        row["status"] = device.status.value
        row["charge_status"] = device.charge_status.value
        statement = insert(devices).values(**row)
        await self.session.execute(statement.on_conflict_do_update(
            index_elements=[devices.c.id],
            set_={k: v for k, v in row.items() if k != "id"}))  # fmt: skip

    async def add_if_new_serial(self, device: Device) -> bool:
        row = asdict(device)
        row["status"] = device.status.value
        row["charge_status"] = device.charge_status.value
        statement = insert(devices).values(**row).on_conflict_do_nothing()
        result = await self.session.execute(statement.returning(devices.c.id))
        return result.first() is not None

    async def of_accounts(
        self, account_numbers: Sequence[str], *, lock: bool = False
    ) -> list[Device]:
        query = select(devices).where(devices.c.account_number.in_(list(account_numbers)))
        if lock:
            query = query.with_for_update()
        rows = (await self.session.execute(query.order_by(devices.c.created_at))).all()
        return [_device(row) for row in rows]

    async def get(self, device_id: UUID, *, lock: bool = False) -> Device | None:
        query = select(devices).where(devices.c.id == device_id)
        if lock:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        return _device(row) if row else None

    async def by_serial(self, serial_number: str, *, lock: bool = False) -> Device | None:
        query = select(devices).where(devices.c.serial_number == serial_number)
        if lock:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        return _device(row) if row else None

    async def claim_due_activations(self, now: datetime, limit: int) -> list[Device]:
        rows = (await self.session.execute(
            select(devices)
            .where(devices.c.status.in_([DeviceStatus.REQUESTED.value, DeviceStatus.SHIPPED.value]),
                   devices.c.activate_at <= now)
            .order_by(devices.c.activate_at).limit(limit).with_for_update(skip_locked=True)
        )).all()  # fmt: skip
        return [_device(row) for row in rows]


class AccessCodeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def save(self, code: AccessCode) -> None:
        row = asdict(code)
        row["kind"] = code.kind.value
        statement = insert(access_codes).values(**row)
        await self.session.execute(statement.on_conflict_do_update(
            index_elements=[access_codes.c.id],
            set_={k: v for k, v in row.items() if k != "id"}))  # fmt: skip

    async def current(self, account_number: str, kind: AccessCodeKind, *,
                      lock: bool = False) -> AccessCode | None:  # fmt: skip
        """The account's latest code of the kind that is not revoked."""
        query = (select(access_codes)
                 .where(access_codes.c.account_number == account_number,
                        access_codes.c.kind == kind.value, access_codes.c.status != "revoked")
                 .order_by(access_codes.c.issued_at.desc()).limit(1))  # fmt: skip
        if lock:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        return _code(row) if row else None

    async def of_accounts(self, account_numbers: Sequence[str]) -> list[AccessCode]:
        rows = (await self.session.execute(
            select(access_codes).where(access_codes.c.account_number.in_(list(account_numbers)))
            .order_by(access_codes.c.issued_at.desc())
        )).all()  # fmt: skip
        return [_code(row) for row in rows]

    async def failures_since(self, account_number: str, since: datetime) -> int:
        return int(await self.session.scalar(
            select(func.count()).select_from(code_failures)
            .where(code_failures.c.account_number == account_number, code_failures.c.at > since)
        ) or 0)  # fmt: skip

    async def add_failure(self, account_number: str, at: datetime) -> None:
        await self.session.execute(insert(code_failures).values(account_number=account_number,
                                                                at=at))  # fmt: skip
