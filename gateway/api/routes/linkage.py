"""/api/v1: account linkage (L1-L3) — the clients eligible to be linked, their accounts, link
requests walked step by step and executed by the weekly batch, a client's linkage history.
Owned by the linkage service, which applies the user's client scope."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Response, status

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
from gateway.api.responses import NOT_FOUND, SERVICE_CALL
from gateway.auth.deps import CurrentUser
from gateway.auth.rights import needs
from gateway.clients import linkage
from gateway.deps import ClientsDep

router = APIRouter(tags=["account linkage"], responses=SERVICE_CALL,
                   dependencies=[needs(Right.ACCOUNT_LINKAGE)])  # fmt: skip

Holder = Annotated[
    str, Path(pattern=r"^[A-Z0-9-]{1,32}$", description="the back office's holder id")
]


@router.get("/linkage/eligible-clients")
async def eligible_clients(user: CurrentUser, clients: ClientsDep) -> EligibleClients:
    """Clients with more than one open account (in the user's scope) not yet linked."""
    return await linkage.eligible_clients(clients, user)


@router.get("/linkage/eligible-clients/{holder_id}", responses=NOT_FOUND)
async def client_accounts(
    holder_id: Holder, user: CurrentUser, clients: ClientsDep
) -> ClientAccounts:
    """The client's accounts eligible to be linked: username, device, personal information."""
    return await linkage.client_accounts(clients, user, holder_id)


@router.get("/linkage/requests")
async def list_requests(user: CurrentUser, clients: ClientsDep) -> LinkRequestList:
    return await linkage.list_requests(clients, user)


@router.post("/linkage/requests", status_code=status.HTTP_201_CREATED, responses=NOT_FOUND)
async def start(body: LinkStart, user: CurrentUser, clients: ClientsDep,
                response: Response) -> LinkRequestView:  # fmt: skip
    """Start linking a client (201), or resume the request open for them (200). One client at
    a time: 409 while the user has an unfinished request for another client."""
    view, new = await linkage.start_request(clients, user, body)
    response.status_code = status.HTTP_201_CREATED if new else status.HTTP_200_OK
    return view


@router.get("/linkage/requests/{request_id}", responses=NOT_FOUND)
async def get_request(request_id: UUID, user: CurrentUser, clients: ClientsDep) -> LinkRequestView:
    return await linkage.get_request(clients, user, request_id)


@router.put("/linkage/requests/{request_id}/accounts", responses=NOT_FOUND)
async def choose_accounts(request_id: UUID, body: AccountChoice, user: CurrentUser,
                          clients: ClientsDep) -> LinkRequestView:  # fmt: skip
    """Step 1: the accounts and the one whose username is kept (it must hold the
    highest-level security device: 422 with the reason otherwise)."""
    return await linkage.choose_accounts(clients, user, request_id, body)


@router.put("/linkage/requests/{request_id}/reconciliation", responses=NOT_FOUND)
async def reconcile(request_id: UUID, body: Reconciliation, user: CurrentUser,
                    clients: ClientsDep) -> LinkRequestView:  # fmt: skip
    """Step 2: for each field that differs between the accounts, the account whose value is kept."""
    return await linkage.reconcile(clients, user, request_id, body)


@router.put("/linkage/requests/{request_id}/banking", responses=NOT_FOUND)
async def keep_banking(request_id: UUID, body: BankingChoice, user: CurrentUser,
                       clients: ClientsDep) -> LinkRequestView:  # fmt: skip
    """Step 3: the standing banking instructions kept (any or all)."""
    return await linkage.keep_banking(clients, user, request_id, body)


@router.post("/linkage/requests/{request_id}/confirm", responses=NOT_FOUND)
async def confirm(request_id: UUID, user: CurrentUser, clients: ClientsDep) -> LinkRequestView:
    """Step 4: confirmed; executed by the next weekly batch (Friday, in the master's zone)."""
    return await linkage.confirm(clients, user, request_id)


@router.post("/linkage/requests/{request_id}/cancel", responses=NOT_FOUND)
async def cancel(request_id: UUID, user: CurrentUser, clients: ClientsDep) -> LinkRequestView:
    return await linkage.cancel(clients, user, request_id)


@router.get("/contacts/{contact_id}/linkage-history")
async def contact_history(contact_id: UUID, user: CurrentUser, clients: ClientsDep) -> HistoryList:
    """Every linkage and device step about the client's accounts: who, when, what."""
    return await linkage.contact_history(clients, user, contact_id)
