"""/api/v1: security devices (L4) of one client account — devices and codes, a lost or damaged
device (charge and temporary code), temporary codes and their check, the online security code
card, replacements, activation by serial number and passcode, a login's device check, returns.
Owned by the linkage service, which applies the user's client scope."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, status

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
from gateway.api.responses import NOT_FOUND, SERVICE_CALL
from gateway.auth.deps import CurrentUser
from gateway.auth.rights import needs
from gateway.clients import linkage
from gateway.deps import ClientsDep

router = APIRouter(prefix="/accounts/{account_number}", tags=["security devices"],
                   responses={**SERVICE_CALL, **NOT_FOUND},
                   dependencies=[needs(Right.ACCOUNT_LINKAGE)])  # fmt: skip

Account = Annotated[str, Path(pattern=r"^[A-Z0-9]{1,32}$")]


@router.get("/devices")
async def account_devices(account_number: Account, user: CurrentUser,
                          clients: ClientsDep) -> AccountDevices:  # fmt: skip
    return await linkage.account_devices(clients, user, account_number)


@router.post("/devices/{device_id}/report", status_code=status.HTTP_201_CREATED)
async def report(account_number: Account, device_id: UUID, body: DeviceReport, user: CurrentUser,
                 clients: ClientsDep) -> IssuedCode:  # fmt: skip
    """Lost, damaged or stolen: the device stops working, its charge applies, and a temporary
    code is issued (shown once)."""
    return await linkage.report_device(clients, user, account_number, device_id, body)


@router.post("/devices/{device_id}/return")
async def returned(account_number: Account, device_id: UUID, user: CurrentUser,
                   clients: ClientsDep) -> DeviceView:  # fmt: skip
    """A device flagged for return came back: its charge is waived."""
    return await linkage.return_device(clients, user, account_number, device_id)


@router.post("/temporary-codes", status_code=status.HTTP_201_CREATED)
async def temporary_code(account_number: Account, user: CurrentUser,
                         clients: ClientsDep) -> IssuedCode:  # fmt: skip
    """A new temporary code (the previous one stops working): full access for 2 days,
    restricted access for 10."""
    return await linkage.issue_temporary_code(clients, user, account_number)


@router.post("/temporary-codes/check")
async def check_code(account_number: Account, body: CodeCheck, user: CurrentUser,
                     clients: ClientsDep) -> CodeAccess:  # fmt: skip
    """What a login with the code may do now; 410 once expired, 422 if wrong, 403 after too
    many wrong codes."""
    return await linkage.check_temporary_code(clients, user, account_number, body)


@router.post("/security-card", status_code=status.HTTP_201_CREATED)
async def security_card(account_number: Account, user: CurrentUser,
                        clients: ClientsDep) -> IssuedCard:  # fmt: skip
    """A new online security code card, shown once."""
    return await linkage.issue_security_card(clients, user, account_number)


@router.post("/security-card/activate", status_code=status.HTTP_204_NO_CONTENT)
async def activate_card(account_number: Account, body: CardActivation, user: CurrentUser,
                        clients: ClientsDep) -> None:  # fmt: skip
    await linkage.activate_security_card(clients, user, account_number, body)


@router.post("/replacements", status_code=status.HTTP_201_CREATED)
async def replacement(account_number: Account, body: ReplacementRequest, user: CurrentUser,
                      clients: ClientsDep) -> DeviceView:  # fmt: skip
    """A replacement device (kind, address, ship date, method, PIN where needed); it activates by
    itself a set time after its ship date."""
    return await linkage.request_replacement(clients, user, account_number, body)


@router.post("/devices/activate")
async def activate(account_number: Account, body: DeviceActivation, user: CurrentUser,
                   clients: ClientsDep) -> DeviceView:  # fmt: skip
    """Activation by the serial number on the device and a passcode it shows."""
    return await linkage.activate_device(clients, user, account_number, body)


@router.post("/devices/verify")
async def verify(account_number: Account, body: DeviceActivation, user: CurrentUser,
                 clients: ClientsDep) -> DeviceView:  # fmt: skip
    """A login's device check: each passcode works once; a deactivated device is refused."""
    return await linkage.verify_device(clients, user, account_number, body)
