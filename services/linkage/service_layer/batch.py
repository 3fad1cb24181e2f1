"""The weekly link batch (L3): every confirmed request whose batch time has come is executed in
a transaction of its own, with the events it publishes (outbox), so a batch killed mid-way and
run again applies each link exactly once; a request that fails is retried later, never half
applied."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import structlog

from contracts import topics
from contracts.access import ClientScope
from contracts.linkage import AccountsLinked, DeviceStatus, LinkStatus, UsernameDeactivated
from services.linkage.domain.links import LinkRequest
from services.linkage.service_layer.devices import publish_device
from services.linkage.service_layer.links import record
from services.linkage.service_layer.unit_of_work import LinkageUnitOfWork
from services.runtime.errors import Conflict

log = structlog.get_logger(__name__)

BATCH = "weekly-batch"
RETRY_AFTER = timedelta(minutes=15)


async def execute(uow: LinkageUnitOfWork, request: LinkRequest, now: datetime) -> None:
    """Link the request's accounts: the other usernames and devices stop working, devices of
    return-required kinds carry their charge unless returned, the profile kept is published,
    and the accounts share fee minimums and consolidated reporting."""
    accounts = await uow.accounts.of_master(master_account_id=request.master_account_id,
                                            scope=ClientScope.everything(),
                                            account_numbers=request.accounts, lock=True)  # fmt: skip
    by_number = {a.account_number: a for a in accounts}
    survivor = by_number.get(request.surviving_account or "")
    if survivor is None or len(by_number) != len(request.accounts):
        raise Conflict("an account of the request is no longer known")
    if any(not a.open or a.linked_into for a in accounts):
        raise Conflict("an account of the request was closed or linked meanwhile")
    others = [n for n in request.accounts if n != survivor.account_number]
    await uow.accounts.mark_linked(survivor=survivor.account_number, others=others,
                                   profile=request.profile)  # fmt: skip
    master = request.master_account_id
    for number in others:
        await uow.publish(topics.LINKAGE.name, UsernameDeactivated(
            account_number=number, username=by_number[number].username or "",
            surviving_username=survivor.username or "", request_id=request.id,
            deactivated_at=now), master_account_id=master)  # fmt: skip
    for device in await uow.devices.of_accounts(others, lock=True):
        if device.status in (DeviceStatus.ACTIVE, DeviceStatus.SHIPPED, DeviceStatus.REQUESTED):
            device.stop_for_link(now)
            await uow.devices.save(device)
            await publish_device(uow, device, action="deactivated_by_link", actor=BATCH)
    request.status = LinkStatus.EXECUTED
    request.step = "executed"
    request.executed_at = now
    request.updated_at = now
    await uow.requests.save(request)
    await uow.publish(topics.LINKAGE.name, AccountsLinked(
        request_id=request.id, holder_id=request.holder_id,
        surviving_account=survivor.account_number, surviving_username=survivor.username or "",
        linked_accounts=[survivor.account_number, *others], profile=request.profile,
        banking_instruction_ids=request.banking_instruction_ids, executed_at=now,
    ), master_account_id=master)  # fmt: skip
    await record(uow, request, actor=BATCH, action="executed",
                 detail=f"linked {', '.join(request.accounts)} under {survivor.username}; "
                        f"usernames of {', '.join(others)} deactivated", at=now)  # fmt: skip


async def run_batch(
    unit_of_work: Callable[[], object], now: Callable[[], datetime], *,
    limit: int = 100, after_each: Callable[[LinkRequest], Awaitable[None]] | None = None,
) -> int:  # fmt: skip
    """Execute due requests one transaction each; returns how many were linked. ``after_each``
    runs after each commit (tests crash the batch there)."""
    done = 0
    for _ in range(limit):
        async with unit_of_work() as uow:  # type: ignore[attr-defined]
            moment = now()
            request = await uow.requests.claim_due(moment)
            if request is None:
                return done
            try:
                await execute(uow, request, moment)
            except Exception as error:  # retried later, never half applied
                await uow.rollback()
                log.warning("link failed; retrying later", request=str(request.id),
                            error=type(error).__name__)  # fmt: skip
                async with unit_of_work() as retry:  # type: ignore[attr-defined]
                    await retry.requests.record_failure(request.id, str(error),
                                                        moment + RETRY_AFTER)  # fmt: skip
                    await retry.commit()
                continue
            await uow.commit()
        done += 1
        if after_each is not None:
            await after_each(request)
    return done
