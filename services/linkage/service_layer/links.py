"""Use cases of the linking wizard (L1-L2): the clients eligible to be linked, one client's
accounts, and a link request walked step by step (accounts and username kept, reconciliation,
banking instructions, confirmation), each step validated, recorded and published."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, time
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from contracts import topics
from contracts.access import ClientScope
from contracts.api.linkage import (
    AccountView,
    ClientAccounts,
    Difference,
    EligibleClient,
    EligibleClients,
    HistoryEntry,
    HistoryList,
    LinkRequestList,
    LinkRequestView,
)
from contracts.linkage import LinkRequestChanged, LinkStatus
from services.linkage.domain.devices import kind_of
from services.linkage.domain.links import (
    RECONCILED_FIELDS,
    ClientAccount,
    LinkRequest,
    differences,
    eligible_holders,
    linkable,
    next_batch,
)
from services.linkage.service_layer.unit_of_work import LinkageUnitOfWork
from services.runtime.caller import Caller
from services.runtime.errors import Conflict, NotFound


def account_view(account: ClientAccount) -> AccountView:
    return AccountView(
        account_number=account.account_number, username=account.username,
        username_active=account.username_active, open=account.open,
        linked_into=account.linked_into, device_kind=account.device_kind,
        device_label=kind_of(account.device_kind).label if account.device_kind else None,
        device_level=account.device_level, profile=account.profile, banking=account.banking,
        contact_id=account.contact_id,
    )  # fmt: skip


def client_name(accounts: Sequence[ClientAccount]) -> str:
    for account in accounts:
        if account.profile.get("first_name") or account.profile.get("last_name"):
            return f"{account.profile.get('first_name', '')} {account.profile.get('last_name', '')}".strip()
    return "—"


async def eligible_clients(uow: LinkageUnitOfWork, caller: Caller) -> EligibleClients:
    """The clients with more than one open account (within the caller's scope) not yet linked."""
    accounts = await uow.accounts.of_master(master_account_id=caller.master_account_id,
                                            scope=caller.access.scope)  # fmt: skip
    items = []
    for holder, owned in sorted(
        eligible_holders(accounts).items(), key=lambda i: client_name(i[1])
    ):
        request = await uow.requests.open_of_holder(master_account_id=caller.master_account_id,
                                                    holder_id=holder)  # fmt: skip
        items.append(EligibleClient(holder_id=holder, name=client_name(owned),
                                    accounts=[a.account_number for a in owned],
                                    open_request_id=request.id if request else None))  # fmt: skip
    return EligibleClients(items=items)


async def _linkable_of(uow: LinkageUnitOfWork, caller: Caller, holder: str,
                       lock: bool = False) -> list[ClientAccount]:  # fmt: skip
    accounts = await uow.accounts.of_master(master_account_id=caller.master_account_id,
                                            scope=caller.access.scope, holder_id=holder, lock=lock)  # fmt: skip
    return linkable(accounts)


async def client_accounts(uow: LinkageUnitOfWork, caller: Caller, holder: str) -> ClientAccounts:
    accounts = await _linkable_of(uow, caller, holder)
    if len(accounts) < 2:
        raise NotFound("client eligible to be linked")
    return ClientAccounts(holder_id=holder, name=client_name(accounts),
                          accounts=[account_view(a) for a in accounts])  # fmt: skip


async def _view(uow: LinkageUnitOfWork, caller: Caller, request: LinkRequest) -> LinkRequestView:
    accounts = await uow.accounts.of_master(master_account_id=caller.master_account_id,
                                            scope=caller.access.scope, holder_id=request.holder_id)  # fmt: skip
    available = linkable(accounts) if request.status is LinkStatus.DRAFT else accounts
    chosen = [a for a in accounts if a.account_number in request.accounts]
    survivor = next((a for a in accounts if a.account_number == request.surviving_account), None)
    found = differences(chosen) if len(chosen) > 1 else {}
    return LinkRequestView(
        id=request.id, holder_id=request.holder_id, client_name=client_name(accounts),
        status=request.status, step=request.step, accounts=request.accounts,
        surviving_account=request.surviving_account,
        surviving_username=survivor.username if survivor else None, choices=request.choices,
        profile=request.profile, banking_instruction_ids=request.banking_instruction_ids,
        differences=[Difference(field=n, label=RECONCILED_FIELDS[n], values=v)
                     for n, v in found.items()],
        available=[account_view(a) for a in available], created_by=request.created_by,
        created_at=request.created_at, confirmed_at=request.confirmed_at,
        execute_after=request.execute_after, executed_at=request.executed_at,
        last_error=request.last_error,
    )  # fmt: skip


async def _reachable(uow: LinkageUnitOfWork, caller: Caller, request_id: UUID,
                     lock: bool = False) -> LinkRequest:  # fmt: skip
    """The request, if every account it names is within the caller's scope (else 404)."""
    request = await uow.requests.get(master_account_id=caller.master_account_id,
                                     request_id=request_id, lock=lock)  # fmt: skip
    if request is None:
        raise NotFound("link request")
    if not caller.access.scope.all_clients:
        seen = {a.account_number for a in await uow.accounts.of_master(
            master_account_id=caller.master_account_id, scope=caller.access.scope,
            holder_id=request.holder_id)}  # fmt: skip
        named = set(request.accounts) or {a.account_number for a in linkable(
            await uow.accounts.of_master(master_account_id=caller.master_account_id,
                                         scope=ClientScope.everything(),
                                         holder_id=request.holder_id))}  # fmt: skip
        if not seen or not named <= seen:  # every account it names, or may name
            raise NotFound("link request")
    return request


async def record(uow: LinkageUnitOfWork, request: LinkRequest, *, actor: str, action: str,
                 detail: str, at: datetime) -> None:  # fmt: skip
    """History (who, when, what) and the request's new state on the linkage topic."""
    await uow.history.add([{"master_account_id": request.master_account_id,
                            "holder_id": request.holder_id, "account_number": None,
                            "request_id": request.id, "at": at, "actor": actor,
                            "action": action, "detail": detail}])  # fmt: skip
    await uow.publish(topics.LINKAGE.name, LinkRequestChanged(
        request_id=request.id, holder_id=request.holder_id, status=request.status,
        step=request.step, accounts=request.accounts, surviving_account=request.surviving_account,
        execute_after=request.execute_after, changed_by=actor, changed_at=at,
    ), master_account_id=request.master_account_id)  # fmt: skip


async def start(
    uow: LinkageUnitOfWork, caller: Caller, holder: str, now: datetime
) -> tuple[LinkRequestView, bool]:
    """Start linking a client, or resume the request already open for them. One client at a
    time: a user with an unfinished request for another client finishes or cancels it first."""
    accounts = await _linkable_of(uow, caller, holder)
    existing = await uow.requests.open_of_holder(master_account_id=caller.master_account_id,
                                                 holder_id=holder)  # fmt: skip
    if existing is not None:
        return await _view(uow, caller, await _reachable(uow, caller, existing.id)), False
    if len(accounts) < 2:
        raise NotFound("client eligible to be linked")
    unfinished = await uow.requests.drafts_by(master_account_id=caller.master_account_id,
                                              user_id=caller.user_id)  # fmt: skip
    if unfinished:
        raise Conflict(f"finish or cancel the link request of client {unfinished[0].holder_id} "
                       "before starting another client")  # fmt: skip
    request = LinkRequest.start(caller.master_account_id, holder, caller.user_id, now)
    await uow.requests.save(request)
    await record(uow, request, actor=caller.user_id, action="started",
                 detail=f"linking {len(accounts)} accounts of {client_name(accounts)} started", at=now)  # fmt: skip
    return await _view(uow, caller, request), True


async def get(uow: LinkageUnitOfWork, caller: Caller, request_id: UUID) -> LinkRequestView:
    return await _view(uow, caller, await _reachable(uow, caller, request_id))


async def list_requests(uow: LinkageUnitOfWork, caller: Caller) -> LinkRequestList:
    items = []
    for request in await uow.requests.of_master(master_account_id=caller.master_account_id):
        try:
            items.append(await _view(uow, caller, await _reachable(uow, caller, request.id)))
        except NotFound:
            continue
    return LinkRequestList(items=items)


async def choose_accounts(uow: LinkageUnitOfWork, caller: Caller, request_id: UUID,
                          chosen: Sequence[str], survivor: str, now: datetime) -> LinkRequestView:  # fmt: skip
    request = await _reachable(uow, caller, request_id, lock=True)
    available = await _linkable_of(uow, caller, request.holder_id)
    request.choose_accounts(available, chosen, survivor, now)
    await uow.requests.save(request)
    username = next(a.username for a in available if a.account_number == survivor)
    await record(uow, request, actor=caller.user_id, action="accounts_chosen",
                 detail=f"accounts {', '.join(request.accounts)}; username {username} "
                        f"({survivor}) kept", at=now)  # fmt: skip
    return await _view(uow, caller, request)


async def reconcile(uow: LinkageUnitOfWork, caller: Caller, request_id: UUID,
                    choices: Mapping[str, str], now: datetime) -> LinkRequestView:  # fmt: skip
    request = await _reachable(uow, caller, request_id, lock=True)
    available = await _linkable_of(uow, caller, request.holder_id)
    request.reconcile(available, choices, now)
    await uow.requests.save(request)
    kept = "; ".join(f"{RECONCILED_FIELDS[n]} from {a}" for n, a in request.choices.items())
    await record(uow, request, actor=caller.user_id, action="reconciled",
                 detail=f"personal information confirmed{': ' + kept if kept else ''}", at=now)  # fmt: skip
    return await _view(uow, caller, request)


async def keep_banking(uow: LinkageUnitOfWork, caller: Caller, request_id: UUID,
                       instruction_ids: Sequence[str], now: datetime) -> LinkRequestView:  # fmt: skip
    request = await _reachable(uow, caller, request_id, lock=True)
    available = await _linkable_of(uow, caller, request.holder_id)
    request.keep_banking(available, instruction_ids, now)
    await uow.requests.save(request)
    await record(uow, request, actor=caller.user_id, action="banking_chosen",
                 detail=f"banking instructions kept: "
                        f"{', '.join(request.banking_instruction_ids) or 'none'}", at=now)  # fmt: skip
    return await _view(uow, caller, request)


def master_zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


async def confirm(uow: LinkageUnitOfWork, caller: Caller, request_id: UUID, now: datetime, *,
                  weekday: int, at: time) -> LinkRequestView:  # fmt: skip
    request = await _reachable(uow, caller, request_id, lock=True)
    available = await _linkable_of(uow, caller, request.holder_id)
    zone = master_zone(await uow.accounts.time_zone(caller.master_account_id))
    request.confirm(available, now, next_batch(now, zone, weekday, at))
    await uow.requests.save(request)
    assert request.execute_after is not None
    local = request.execute_after.astimezone(zone)
    await record(uow, request, actor=caller.user_id, action="confirmed",
                 detail=f"confirmed; the accounts are linked in the batch of "
                        f"{local:%A %Y-%m-%d %H:%M} ({zone.key})", at=now)  # fmt: skip
    return await _view(uow, caller, request)


async def cancel(uow: LinkageUnitOfWork, caller: Caller, request_id: UUID,
                 now: datetime) -> LinkRequestView:  # fmt: skip
    request = await _reachable(uow, caller, request_id, lock=True)
    request.cancel(now)
    await uow.requests.save(request)
    await record(uow, request, actor=caller.user_id, action="cancelled", detail="cancelled",
                 at=now)  # fmt: skip
    return await _view(uow, caller, request)


async def history_of_contact(uow: LinkageUnitOfWork, caller: Caller,
                             contact_id: UUID) -> tuple[list[ClientAccount], HistoryList]:  # fmt: skip
    accounts = await uow.accounts.accounts_of_contact(
        master_account_id=caller.master_account_id, scope=caller.access.scope,
        contact_id=contact_id)  # fmt: skip
    if not accounts:
        return [], HistoryList(items=[])
    rows = await uow.history.of(master_account_id=caller.master_account_id,
                                holder_id=accounts[0].holder_id,
                                account_numbers=[a.account_number for a in accounts])  # fmt: skip
    return accounts, HistoryList(items=[_entry(r) for r in rows])


def _entry(row: Mapping[str, Any]) -> HistoryEntry:
    return HistoryEntry(at=row["at"], actor=row["actor"], action=row["action"],
                        account_number=row["account_number"], detail=row["detail"])  # fmt: skip
