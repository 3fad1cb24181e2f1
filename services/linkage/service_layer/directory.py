"""Use cases keeping what linkage knows of accounts, contacts, groups, masters and the devices
accounts hold, from their owners' events (never their databases): each batch set-based, the
newest version of each record kept."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from contracts.account_profiles import AccountProfileReported, SecurityDeviceIssued
from contracts.accounts import AccountClosed, SecurityDeviceShipped
from contracts.contacts import ContactRemoved
from contracts.crm import GroupChanged
from contracts.linkage import DeviceStatus
from contracts.users import MasterChanged
from services.linkage.domain.devices import Device, activation_time
from services.linkage.service_layer.unit_of_work import LinkageUnitOfWork
from services.runtime.consumers import Delivery

BACK_OFFICE = "back-office"


def _profile_row(delivery: Delivery[Any]) -> dict[str, Any]:
    event: AccountProfileReported = delivery.event
    profile = {
        "first_name": event.first_name, "last_name": event.last_name,
        "date_of_birth": event.date_of_birth.isoformat() if event.date_of_birth else "",
        "email": event.email or "", "phone": event.phone or "",
        "residential_address": event.residential_address.one_line(),
    }  # fmt: skip
    return {
        "account_number": event.account_number,
        "master_account_id": delivery.envelope.master_account_id,
        "holder_id": event.holder_id, "username": event.username, "profile": profile,
        "banking": [b.model_dump() for b in event.banking_instructions],
        "profile_version": event.version,
    }  # fmt: skip


def _newest(rows: list[dict[str, Any]], key: str, version: str) -> list[dict[str, Any]]:
    kept: dict[Any, dict[str, Any]] = {}
    for row in rows:
        if row[key] not in kept or kept[row[key]][version] < row[version]:
            kept[row[key]] = row
    return list(kept.values())


async def apply_profiles(deliveries: Sequence[Delivery[Any]], uow: LinkageUnitOfWork) -> None:
    rows = _newest([_profile_row(d) for d in deliveries], "account_number", "profile_version")
    await uow.accounts.upsert_profiles(rows)


async def apply_profiles_and_devices(
    deliveries: Sequence[Delivery[Any]], uow: LinkageUnitOfWork
) -> None:
    """The profiles topic's two kinds with one handler, so that a poll is one run: its
    ``client_accounts`` rows are then locked once, in account order, and never wait in a later
    run for a row the lifecycle consumer holds while it waits for one of these (a deadlock).
    Devices live in their own table, so applying them after the profiles changes nothing."""
    profiles = [d for d in deliveries if isinstance(d.event, AccountProfileReported)]
    devices = [d for d in deliveries if isinstance(d.event, SecurityDeviceIssued)]
    if profiles:
        await apply_profiles(profiles, uow)
    if devices:
        await apply_devices_issued(devices, uow)


async def apply_lifecycle(deliveries: Sequence[Delivery[Any]], uow: LinkageUnitOfWork) -> None:
    """Opened and reopened accounts may be linked; closed ones not."""
    await uow.accounts.set_open([
        (d.event.account_number, d.envelope.master_account_id,
         not isinstance(d.event, AccountClosed), d.envelope.occurred_at)
        for d in deliveries
    ])  # fmt: skip


async def apply_contacts(deliveries: Sequence[Delivery[Any]], uow: LinkageUnitOfWork) -> None:
    rows = [{"contact_id": d.event.contact.contact_id,
             "master_account_id": d.envelope.master_account_id,
             "account_number": (d.event.contact.account_number or None),
             "version": d.event.contact.version,
             "removed": isinstance(d.event, ContactRemoved)} for d in deliveries]  # fmt: skip
    await uow.accounts.upsert_contacts(_newest(rows, "contact_id", "version"))


async def apply_groups(deliveries: Sequence[Delivery[Any]], uow: LinkageUnitOfWork) -> None:
    rows = []
    for d in deliveries:
        event: GroupChanged = d.event
        rows.append({"group_id": event.group_id, "master_account_id": d.envelope.master_account_id,
                     "version": event.version,
                     "contact_ids": [] if event.deleted else list(event.member_contact_ids)})  # fmt: skip
    await uow.accounts.upsert_groups(_newest(rows, "group_id", "version"))


async def apply_masters(deliveries: Sequence[Delivery[Any]], uow: LinkageUnitOfWork) -> None:
    rows = []
    for d in deliveries:
        event: MasterChanged = d.event
        rows.append({"master_account_id": event.master_account_id,
                     "time_zone": event.time_zone, "changed_at": event.changed_at})  # fmt: skip
    await uow.accounts.upsert_masters(rows)


async def apply_devices_issued(deliveries: Sequence[Delivery[Any]], uow: LinkageUnitOfWork) -> None:
    """A device the account holds, active (once per serial number)."""
    for d in deliveries:
        event: SecurityDeviceIssued = d.event
        now = d.envelope.occurred_at
        device = Device(uuid4(), d.envelope.master_account_id, event.account_number,
                        event.device_kind, event.serial_number, DeviceStatus.ACTIVE, now, now,
                        activated_at=now)  # fmt: skip
        if await uow.devices.add_if_new_serial(device):
            await _record(uow, d, event.account_number, "device_issued",
                          f"{device.info.label} {event.serial_number} in use")  # fmt: skip


def shipment_activation_delay(days: float) -> timedelta:
    return timedelta(days=days)


async def apply_devices_shipped(
    deliveries: Sequence[Delivery[Any]], uow: LinkageUnitOfWork, *, activation_days: float = 7
) -> None:
    """A device the back office shipped: known (our replacement) or new, it activates by itself
    a set time after its ship date unless activated before."""
    for d in deliveries:
        event: SecurityDeviceShipped = d.event
        now = d.envelope.occurred_at
        activate_at = activation_time(event.shipped_on, shipment_activation_delay(activation_days))
        known = await uow.devices.by_serial(event.serial_number, lock=True)
        if known is not None:
            if known.status is DeviceStatus.REQUESTED:
                known.status, known.ship_on, known.activate_at = (
                    DeviceStatus.SHIPPED,
                    event.shipped_on,
                    activate_at,
                )
                known.back_office_request_id, known.updated_at = event.request_id, now
                await uow.devices.save(known)
            continue
        device = Device(uuid4(), d.envelope.master_account_id, event.account_number,
                        event.device_kind, event.serial_number, DeviceStatus.SHIPPED, now, now,
                        ship_on=event.shipped_on, activate_at=activate_at,
                        back_office_request_id=event.request_id)  # fmt: skip
        await uow.devices.save(device)
        await _record(uow, d, event.account_number, "device_shipped",
                      f"{device.info.label} {event.serial_number} shipped on "
                      f"{event.shipped_on.isoformat()}")  # fmt: skip


async def _record(uow: LinkageUnitOfWork, d: Delivery[Any], account: str, action: str,
                  detail: str) -> None:  # fmt: skip
    await uow.history.add([{"master_account_id": d.envelope.master_account_id,
                            "account_number": account, "holder_id": None, "request_id": None,
                            "at": d.envelope.occurred_at or datetime.now(UTC),
                            "actor": BACK_OFFICE, "action": action, "detail": detail}])  # fmt: skip
