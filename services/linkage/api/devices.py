"""Routes of security devices (L4): an account's devices and codes, reports, temporary codes and
their check, the online security code card, replacements, activation, returns."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path, status

from contracts.access import Right
from contracts.api.linkage import (
    AccountDevices,
    CardActivation,
    CodeAccess,
    CodeCheck,
    DeviceActivation,
    DeviceReport,
    DeviceView,
    IssuedCard,
    IssuedCode,
    ReplacementRequest,
)
from services.linkage.api.deps import DatabaseDep, SettingsDep
from services.linkage.service_layer import devices
from services.linkage.service_layer.links import master_zone
from services.runtime.caller import CallerDep, requires
from services.runtime.errors import DomainError
from services.runtime.service import ClockDep

router = APIRouter(prefix="/accounts/{account_number}", tags=["devices"],
                   dependencies=[Depends(requires(Right.ACCOUNT_LINKAGE))])  # fmt: skip

Account = Annotated[str, Path(pattern=r"^[A-Z0-9]{1,32}$")]


@router.get("/devices")
async def account_devices(account_number: Account, caller: CallerDep,
                          database: DatabaseDep) -> AccountDevices:  # fmt: skip
    async with database.queries() as uow:
        return await devices.account_devices(uow, caller, account_number)


@router.post("/devices/{device_id}/report", status_code=status.HTTP_201_CREATED)
async def report(account_number: Account, device_id: UUID, command: DeviceReport,
                 caller: CallerDep, database: DatabaseDep, clock: ClockDep,
                 settings: SettingsDep) -> IssuedCode:  # fmt: skip
    async with database.transaction() as uow:
        _, code = await devices.report_device(uow, caller, settings.devices(), account_number,
                                              device_id, command.what, clock.now())  # fmt: skip
    return code


@router.post("/devices/{device_id}/return")
async def returned(account_number: Account, device_id: UUID, caller: CallerDep,
                   database: DatabaseDep, clock: ClockDep) -> DeviceView:  # fmt: skip
    async with database.transaction() as uow:
        return await devices.return_device(uow, caller, account_number, device_id, clock.now())


@router.post("/temporary-codes", status_code=status.HTTP_201_CREATED)
async def temporary_code(account_number: Account, caller: CallerDep, database: DatabaseDep,
                         clock: ClockDep, settings: SettingsDep) -> IssuedCode:  # fmt: skip
    async with database.transaction() as uow:
        return await devices.issue_temporary_code(uow, caller, settings.devices(), account_number,
                                                  clock.now())  # fmt: skip


@router.post("/temporary-codes/check")
async def check_code(account_number: Account, command: CodeCheck, caller: CallerDep,
                     database: DatabaseDep, clock: ClockDep, settings: SettingsDep) -> CodeAccess:  # fmt: skip
    async with database.transaction() as uow:  # a wrong code is committed: the limit counts it
        outcome = await devices.check_temporary_code(uow, caller, settings.devices(),
                                                     account_number, command.code, clock.now())  # fmt: skip
    if isinstance(outcome, DomainError):
        raise outcome
    return outcome


@router.post("/security-card", status_code=status.HTTP_201_CREATED)
async def security_card(account_number: Account, caller: CallerDep, database: DatabaseDep,
                        clock: ClockDep, settings: SettingsDep) -> IssuedCard:  # fmt: skip
    async with database.transaction() as uow:
        return await devices.issue_security_card(uow, caller, settings.devices(), account_number,
                                                 clock.now())  # fmt: skip


@router.post("/security-card/activate", status_code=status.HTTP_204_NO_CONTENT)
async def activate_card(account_number: Account, command: CardActivation, caller: CallerDep,
                        database: DatabaseDep, clock: ClockDep, settings: SettingsDep) -> None:  # fmt: skip
    async with database.transaction() as uow:
        refusal = await devices.activate_security_card(uow, caller, settings.devices(),
                                                       account_number, command.code, clock.now())  # fmt: skip
    if refusal is not None:
        raise refusal


@router.post("/replacements", status_code=status.HTTP_201_CREATED)
async def replacement(account_number: Account, command: ReplacementRequest, caller: CallerDep,
                      database: DatabaseDep, clock: ClockDep, settings: SettingsDep) -> DeviceView:  # fmt: skip
    async with database.transaction() as uow:
        zone = master_zone(await uow.accounts.time_zone(caller.master_account_id))
        now = clock.now()
        return await devices.request_replacement(uow, caller, settings.devices(), account_number,
                                                 command, now, now.astimezone(zone).date())  # fmt: skip


@router.post("/devices/activate")
async def activate(account_number: Account, command: DeviceActivation, caller: CallerDep,
                   database: DatabaseDep, clock: ClockDep, settings: SettingsDep) -> DeviceView:  # fmt: skip
    async with database.transaction() as uow:
        outcome = await devices.activate_device(uow, caller, settings.devices(), account_number,
                                                command.serial_number, command.passcode,
                                                clock.now())  # fmt: skip
    if isinstance(outcome, DomainError):
        raise outcome
    return outcome


@router.post("/devices/verify")
async def verify(account_number: Account, command: DeviceActivation, caller: CallerDep,
                 database: DatabaseDep, clock: ClockDep, settings: SettingsDep) -> DeviceView:  # fmt: skip
    """A login's device check (the systems holding logins): each passcode good once."""
    async with database.transaction() as uow:
        outcome = await devices.verify_passcode(uow, caller, settings.devices(), account_number,
                                                command.serial_number, command.passcode,
                                                clock.now())  # fmt: skip
    if isinstance(outcome, DomainError):
        raise outcome
    return outcome
