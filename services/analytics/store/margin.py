"""Margin requirements (A11): the newest snapshot per client account (one row, its positions as
JSON), kept with one statement per batch, and the two reads over it — one account, and the
accounts in deficit — within the caller's client scope."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    Numeric,
    String,
    Table,
    func,
    select,
    text,
    tuple_,
)
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.access import ClientScope
from contracts.margin import AssetClass, MarginType
from services.analytics.domain.margin import MarginSnapshot, Named, PositionRequirement
from services.analytics.store.scope import accounts_within
from services.analytics.store.tables import account_facts, contact_states, metadata

margin_snapshots = Table(
    "margin_snapshots",
    metadata,
    Column("master_account_id", String(32), primary_key=True),
    Column("account_number", String(32), primary_key=True),
    Column("as_of", DateTime(timezone=True), nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("margin_type", String(32), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("cash", Numeric(20, 2), nullable=False),
    Column("equity_with_loan_value", Numeric(20, 2), nullable=False),
    Column("initial_requirement", Numeric(20, 2), nullable=False),
    Column("maintenance_requirement", Numeric(20, 2), nullable=False),
    Column("excess_liquidity", Numeric(20, 2), nullable=False),
    Column("positions", JSONB, nullable=False),
    Index(
        "ix_margin_snapshots_deficits",
        "master_account_id",
        "excess_liquidity",
        postgresql_where=text("excess_liquidity < 0"),
    ),
)
"""Each margin account's newest snapshot; the accounts in deficit have an index of their own."""

_AMOUNTS = ("cash", "equity_with_loan_value", "initial_requirement", "maintenance_requirement",
            "excess_liquidity")  # fmt: skip
_POSITION_NUMBERS = ("quantity", "price", "market_value", "initial_requirement",
                     "maintenance_requirement")  # fmt: skip


def _row(snapshot: MarginSnapshot) -> dict[str, Any]:
    return {
        "master_account_id": snapshot.master_account_id,
        "account_number": snapshot.account_number,
        "as_of": snapshot.as_of,
        "occurred_at": snapshot.occurred_at,
        "margin_type": snapshot.margin_type.value,
        "currency": snapshot.currency,
        **{name: getattr(snapshot, name) for name in _AMOUNTS},
        "positions": [
            {"symbol": p.symbol, "asset_class": p.asset_class.value,
             **{name: str(getattr(p, name)) for name in _POSITION_NUMBERS}}
            for p in snapshot.positions
        ],
    }  # fmt: skip


def _snapshot(row: Any) -> MarginSnapshot:
    return MarginSnapshot(
        master_account_id=row.master_account_id, account_number=row.account_number,
        as_of=row.as_of, occurred_at=row.occurred_at, margin_type=MarginType(row.margin_type),
        currency=row.currency, **{name: getattr(row, name) for name in _AMOUNTS},
        positions=tuple(
            PositionRequirement(symbol=p["symbol"], asset_class=AssetClass(p["asset_class"]),
                                **{name: Decimal(p[name]) for name in _POSITION_NUMBERS})
            for p in row.positions
        ),
    )  # fmt: skip


def _contact_of_account() -> Any:
    """The (first) contact holding the row's account, if analytics knows it."""
    return (
        select(contact_states.c.contact_id)
        .where(
            contact_states.c.master_account_id == margin_snapshots.c.master_account_id,
            contact_states.c.account_number == margin_snapshots.c.account_number,
            contact_states.c.removed.is_(False),
        )
        .order_by(contact_states.c.contact_id)
        .limit(1)
        .scalar_subquery()
    )


def _with_names() -> Any:
    return select(
        margin_snapshots, account_facts.c.title, _contact_of_account().label("contact_id")
    ).outerjoin(
        account_facts,
        (account_facts.c.master_account_id == margin_snapshots.c.master_account_id)
        & (account_facts.c.account_number == margin_snapshots.c.account_number),
    )


class MarginRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def upsert(self, snapshots: Sequence[MarginSnapshot]) -> None:
        """Keep each account's newest snapshot; ``snapshots`` holds at most one per account."""
        if not snapshots:
            return
        statement = insert(margin_snapshots).values([_row(s) for s in snapshots])
        keys = ("master_account_id", "account_number")
        kept, incoming = margin_snapshots.c, statement.excluded
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[kept.master_account_id, kept.account_number],
                set_={c.name: incoming[c.name] for c in margin_snapshots.c if c.name not in keys},
                where=tuple_(kept.as_of, kept.occurred_at)
                < tuple_(incoming.as_of, incoming.occurred_at),
            )
        )

    async def of_account(
        self, master_account_id: str, account_number: str, scope: ClientScope
    ) -> Named | None:
        row = (
            await self._session.execute(
                _with_names().where(
                    margin_snapshots.c.master_account_id == master_account_id,
                    margin_snapshots.c.account_number == account_number,
                    accounts_within(margin_snapshots.c.account_number, scope),
                )
            )
        ).first()
        return None if row is None else (_snapshot(row), row.title, row.contact_id)

    async def deficits(
        self, master_account_id: str, scope: ClientScope, *, limit: int
    ) -> tuple[list[Named], int]:
        """The accounts in deficit, the largest deficit first, and how many there are."""
        conditions = (
            margin_snapshots.c.master_account_id == master_account_id,
            margin_snapshots.c.excess_liquidity < 0,
            accounts_within(margin_snapshots.c.account_number, scope),
        )
        total = await self._session.scalar(
            select(func.count()).select_from(margin_snapshots).where(*conditions)
        )
        rows = await self._session.execute(
            _with_names()
            .where(*conditions)
            .order_by(margin_snapshots.c.excess_liquidity, margin_snapshots.c.account_number)
            .limit(limit)
        )
        return [(_snapshot(r), r.title, r.contact_id) for r in rows], int(total or 0)
