"""Pages: security devices of one client account (L4) — its devices and codes, a lost or damaged
device reported (its charge and a temporary code, shown once), a new temporary code, the online
security code card (shown once) and its activation, a replacement request, activation by serial
number and passcode, and a device flagged for return marked returned."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from contracts.access import Right
from contracts.api.linkage import (
    CardActivation,
    DeviceActivation,
    DeviceReport,
    ReplacementRequest,
)
from gateway.auth.rights import needs
from gateway.clients import linkage
from gateway.deps import ClientsDep
from gateway.pages.deps import MasterClock, PageUser, PostedForm
from gateway.pages.forms import refusal_errors
from gateway.pages.rendering import render

router = APIRouter(include_in_schema=False, dependencies=[needs(Right.ACCOUNT_LINKAGE)])

_ACCOUNT = re.compile(r"^[A-Z0-9]{1,32}$")
NOTICES = {
    "card": "The online security code card is active: the replacement device can be requested.",
    "requested": "The replacement device was requested.",
    "activated": "The device is active.",
    "returned": "The device was returned: no charge applies.",
}
METHODS = {"standard": "Standard mail", "express": "Express", "courier": "Courier"}


def _checked(account: str) -> str:
    account = account.strip().upper()
    if not _ACCOUNT.match(account):
        raise HTTPException(404, "no such account")
    return account


@router.get("/devices")
async def devices_home(request: Request, user: PageUser) -> Response:
    account = request.query_params.get("account", "").strip().upper()
    if account and _ACCOUNT.match(account):
        return RedirectResponse(f"/devices/{account}", status_code=303)
    return render(request, "linkage_devices_home.html", user=user, active="devices",
                  error="Enter an account number such as U1234567." if account else None)  # fmt: skip


async def _page(request: Request, user: PageUser, clock: MasterClock, clients: ClientsDep,
                account: str, *, errors: dict[str, str] | None = None, shown: Any = None,
                form: dict[str, str] | None = None, status_code: int = 200) -> Response:  # fmt: skip
    found = await linkage.account_devices(clients, user, account)
    return render(request, "linkage_devices.html", user=user, active="devices", account=found,
                  clock=clock, errors=errors or {}, shown=shown, form=form or {},
                  methods=METHODS, today=clock.today().isoformat(), status_code=status_code,
                  notice=NOTICES.get(request.query_params.get("done", "")))  # fmt: skip


@router.get("/devices/{account}")
async def devices_page(request: Request, account: str, user: PageUser, clock: MasterClock,
                       clients: ClientsDep) -> Response:  # fmt: skip
    return await _page(request, user, clock, clients, _checked(account))


async def _refused(request: Request, user: PageUser, clock: MasterClock, clients: ClientsDep,
                   account: str, error: ValidationError | HTTPException, form: dict[str, str],
                   prefix: str) -> Response:  # fmt: skip
    if (isinstance(error, HTTPException) and error.status_code == 403) or (
        isinstance(error, HTTPException) and error.status_code == 410
    ):
        errors = {prefix: str(error.detail)}
    else:
        errors = {f"{prefix}.{k}" if k else prefix: v for k, v in refusal_errors(error).items()}
    return await _page(request, user, clock, clients, account, errors=errors, form=form,
                       status_code=422)  # fmt: skip


@router.post("/devices/{account}/report/{device_id}")
async def report(request: Request, account: str, device_id: UUID, user: PageUser,
                 clock: MasterClock, form: PostedForm, clients: ClientsDep) -> Response:  # fmt: skip
    account = _checked(account)
    try:
        command = DeviceReport.model_validate({"what": form.get("what", "")})
        issued = await linkage.report_device(clients, user, account, device_id, command)
    except (ValidationError, HTTPException) as error:
        return await _refused(request, user, clock, clients, account, error, form, "report")
    return await _page(request, user, clock, clients, account, shown={"code": issued})


@router.post("/devices/{account}/temporary-code")
async def temporary_code(request: Request, account: str, user: PageUser, clock: MasterClock,
                         form: PostedForm, clients: ClientsDep) -> Response:  # fmt: skip
    account = _checked(account)
    issued = await linkage.issue_temporary_code(clients, user, account)
    return await _page(request, user, clock, clients, account, shown={"code": issued})


@router.post("/devices/{account}/security-card")
async def security_card(request: Request, account: str, user: PageUser, clock: MasterClock,
                        form: PostedForm, clients: ClientsDep) -> Response:  # fmt: skip
    account = _checked(account)
    card = await linkage.issue_security_card(clients, user, account)
    return await _page(request, user, clock, clients, account, shown={"card": card})


@router.post("/devices/{account}/security-card/activate")
async def activate_card(request: Request, account: str, user: PageUser, clock: MasterClock,
                        form: PostedForm, clients: ClientsDep) -> Response:  # fmt: skip
    account = _checked(account)
    try:
        await linkage.activate_security_card(
            clients, user, account, CardActivation.model_validate({"code": form.get("code", "")})
        )
    except (ValidationError, HTTPException) as error:
        return await _refused(request, user, clock, clients, account, error, form, "card")
    return RedirectResponse(f"/devices/{account}?done=card", status_code=303)


@router.post("/devices/{account}/replacement")
async def replacement(request: Request, account: str, user: PageUser, clock: MasterClock,
                      form: PostedForm, clients: ClientsDep) -> Response:  # fmt: skip
    account = _checked(account)
    try:
        command = ReplacementRequest.model_validate({
            key: form.get(key, "") for key in ("device_kind", "ship_on", "method",
                                               "shipping_address", "pin")})  # fmt: skip
        await linkage.request_replacement(clients, user, account, command)
    except (ValidationError, HTTPException) as error:
        return await _refused(request, user, clock, clients, account, error, form, "replacement")
    return RedirectResponse(f"/devices/{account}?done=requested", status_code=303)


@router.post("/devices/{account}/activate")
async def activate(request: Request, account: str, user: PageUser, clock: MasterClock,
                   form: PostedForm, clients: ClientsDep) -> Response:  # fmt: skip
    account = _checked(account)
    try:
        command = DeviceActivation.model_validate({"serial_number": form.get("serial_number", ""),
                                                   "passcode": form.get("passcode", "")})  # fmt: skip
        await linkage.activate_device(clients, user, account, command)
    except (ValidationError, HTTPException) as error:
        return await _refused(request, user, clock, clients, account, error, form, "activate")
    return RedirectResponse(f"/devices/{account}?done=activated", status_code=303)


@router.post("/devices/{account}/return/{device_id}")
async def returned(request: Request, account: str, device_id: UUID, user: PageUser,
                   clock: MasterClock, form: PostedForm, clients: ClientsDep) -> Response:  # fmt: skip
    account = _checked(account)
    try:
        await linkage.return_device(clients, user, account, device_id)
    except HTTPException as error:
        return await _refused(request, user, clock, clients, account, error, form, "return")
    return RedirectResponse(f"/devices/{account}?done=returned", status_code=303)
