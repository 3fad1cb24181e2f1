"""Routes of the linking wizard (L1-L2) and the client's linkage history."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Response, status

from contracts.access import Right
from contracts.api.linkage import (
    AccountChoice,
    BankingChoice,
    ClientAccounts,
    EligibleClients,
    HistoryList,
    LinkRequestList,
    LinkRequestView,
    LinkStart,
    Reconciliation,
)
from services.linkage.api.deps import DatabaseDep, SettingsDep
from services.linkage.service_layer import links
from services.runtime.caller import CallerDep, requires
from services.runtime.service import ClockDep

router = APIRouter(tags=["linkage"], dependencies=[Depends(requires(Right.ACCOUNT_LINKAGE))])

Holder = Annotated[str, Path(pattern=r"^[A-Z0-9-]{1,32}$")]


@router.get("/eligible-clients")
async def eligible_clients(caller: CallerDep, database: DatabaseDep) -> EligibleClients:
    async with database.queries() as uow:
        return await links.eligible_clients(uow, caller)


@router.get("/eligible-clients/{holder_id}")
async def client_accounts(holder_id: Holder, caller: CallerDep,
                          database: DatabaseDep) -> ClientAccounts:  # fmt: skip
    async with database.queries() as uow:
        return await links.client_accounts(uow, caller, holder_id)


@router.get("/link-requests")
async def list_requests(caller: CallerDep, database: DatabaseDep) -> LinkRequestList:
    async with database.queries() as uow:
        return await links.list_requests(uow, caller)


@router.post("/link-requests", status_code=status.HTTP_201_CREATED)
async def start(command: LinkStart, caller: CallerDep, database: DatabaseDep, clock: ClockDep,
                response: Response) -> LinkRequestView:  # fmt: skip
    async with database.transaction() as uow:
        view, new = await links.start(uow, caller, command.holder_id, clock.now())
    response.status_code = status.HTTP_201_CREATED if new else status.HTTP_200_OK
    return view


@router.get("/link-requests/{request_id}")
async def get_request(
    request_id: UUID, caller: CallerDep, database: DatabaseDep
) -> LinkRequestView:
    async with database.queries() as uow:
        return await links.get(uow, caller, request_id)


@router.put("/link-requests/{request_id}/accounts")
async def choose_accounts(request_id: UUID, command: AccountChoice, caller: CallerDep,
                          database: DatabaseDep, clock: ClockDep) -> LinkRequestView:  # fmt: skip
    async with database.transaction() as uow:
        return await links.choose_accounts(uow, caller, request_id, command.accounts,
                                           command.surviving_account, clock.now())  # fmt: skip


@router.put("/link-requests/{request_id}/reconciliation")
async def reconcile(request_id: UUID, command: Reconciliation, caller: CallerDep,
                    database: DatabaseDep, clock: ClockDep) -> LinkRequestView:  # fmt: skip
    async with database.transaction() as uow:
        return await links.reconcile(uow, caller, request_id, command.choices, clock.now())


@router.put("/link-requests/{request_id}/banking")
async def keep_banking(request_id: UUID, command: BankingChoice, caller: CallerDep,
                       database: DatabaseDep, clock: ClockDep) -> LinkRequestView:  # fmt: skip
    async with database.transaction() as uow:
        return await links.keep_banking(uow, caller, request_id, command.instruction_ids,
                                        clock.now())  # fmt: skip


@router.post("/link-requests/{request_id}/confirm")
async def confirm(request_id: UUID, caller: CallerDep, database: DatabaseDep, clock: ClockDep,
                  settings: SettingsDep) -> LinkRequestView:  # fmt: skip
    async with database.transaction() as uow:
        return await links.confirm(uow, caller, request_id, clock.now(),
                                   weekday=settings.link_batch_weekday,
                                   at=settings.link_batch_time)  # fmt: skip


@router.post("/link-requests/{request_id}/cancel")
async def cancel(request_id: UUID, caller: CallerDep, database: DatabaseDep,
                 clock: ClockDep) -> LinkRequestView:  # fmt: skip
    async with database.transaction() as uow:
        return await links.cancel(uow, caller, request_id, clock.now())


@router.get("/contacts/{contact_id}/history")
async def contact_history(contact_id: UUID, caller: CallerDep,
                          database: DatabaseDep) -> HistoryList:  # fmt: skip
    async with database.queries() as uow:
        _, found = await links.history_of_contact(uow, caller, contact_id)
    return found


@router.get("/contacts/{contact_id}/accounts")
async def contact_accounts(contact_id: UUID, caller: CallerDep,
                           database: DatabaseDep) -> ClientAccounts:  # fmt: skip
    async with database.queries() as uow:
        accounts, _ = await links.history_of_contact(uow, caller, contact_id)
    return ClientAccounts(holder_id=accounts[0].holder_id or "" if accounts else "",
                          name=links.client_name(accounts),
                          accounts=[links.account_view(a) for a in accounts])  # fmt: skip
