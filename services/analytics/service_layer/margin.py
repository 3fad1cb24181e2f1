"""Use cases of margin requirements (A11): fold the back office's margin snapshots into the read
model (each account's newest), answer one account's requirements and the accounts in deficit,
within the caller's rights and client scope (an account out of reach is not found)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from contracts.access import Access, ClientScope
from contracts.api.margin import MarginAccountView, MarginDeficitList, MarginDeficitQuery
from contracts.margin import MarginRequirementsReported
from services.analytics.domain.margin import (
    MarginSnapshot,
    Named,
    PositionRequirement,
    account_view,
    deficit_view,
    newest_snapshots,
)
from services.runtime.consumers import Delivery
from services.runtime.db import EventPublisher
from services.runtime.errors import NotFound


class MarginSnapshots(Protocol):
    async def upsert(self, snapshots: Sequence[MarginSnapshot]) -> None: ...

    async def of_account(
        self, master_account_id: str, account_number: str, scope: ClientScope
    ) -> Named | None: ...

    async def deficits(
        self, master_account_id: str, scope: ClientScope, *, limit: int
    ) -> tuple[list[Named], int]: ...


class MarginUnitOfWork(EventPublisher, Protocol):
    @property
    def margin(self) -> MarginSnapshots: ...


def snapshot_of(delivery: Delivery[Any]) -> MarginSnapshot:
    event: MarginRequirementsReported = delivery.event
    return MarginSnapshot(
        master_account_id=delivery.envelope.master_account_id,
        account_number=event.account_number, as_of=event.as_of,
        occurred_at=delivery.envelope.occurred_at, margin_type=event.margin_type,
        currency=event.currency, cash=event.cash,
        equity_with_loan_value=event.equity_with_loan_value,
        initial_requirement=event.initial_requirement,
        maintenance_requirement=event.maintenance_requirement,
        excess_liquidity=event.excess_liquidity,
        positions=tuple(
            PositionRequirement(symbol=p.symbol.upper(), asset_class=p.asset_class,
                                quantity=p.quantity, price=p.price, market_value=p.market_value,
                                initial_requirement=p.initial_requirement,
                                maintenance_requirement=p.maintenance_requirement)
            for p in event.positions
        ),
    )  # fmt: skip


async def apply_margin_reports(deliveries: Sequence[Delivery[Any]], uow: MarginUnitOfWork) -> None:
    """Every snapshot of a poll in one statement: each account's newest is kept (an older one
    arriving late changes nothing, here or in the table)."""
    await uow.margin.upsert(newest_snapshots(snapshot_of(d) for d in deliveries))


async def account_margin(
    uow: MarginUnitOfWork, master_account_id: str, access: Access, account_number: str
) -> MarginAccountView:
    """One account's requirements and the positions that drive them; an account out of the
    caller's scope, of another master or with no margin reported is not found."""
    found = await uow.margin.of_account(master_account_id, account_number.upper(), access.scope)
    if found is None:
        raise NotFound("no margin requirements reported for this account")
    snapshot, title, contact_id = found
    return account_view(snapshot, title=title, contact_id=contact_id)


async def margin_deficits(
    uow: MarginUnitOfWork, master_account_id: str, access: Access, query: MarginDeficitQuery
) -> MarginDeficitList:
    """The master's accounts in margin deficit within the caller's scope, the largest first."""
    rows, total = await uow.margin.deficits(master_account_id, access.scope, limit=query.limit)
    return MarginDeficitList(
        items=[deficit_view(s, title=title, contact_id=contact) for s, title, contact in rows],
        total=total,
    )
