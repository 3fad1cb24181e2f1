"""What the back office's account events mean to analytics: one ledger row per transaction
(the history, the queries, the external flows that the time-weighted return removes) and the
account facts the panels show (title, type, stage)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from contracts.accounts import (
    CashDirection,
    Deposit,
    DividendPaid,
    InterestPaid,
    InternalTransfer,
    PositionTransfer,
    TradeExecuted,
    Withdrawal,
)

COMPLETED = "completed"

AccountTransaction = (
    Deposit
    | Withdrawal
    | PositionTransfer
    | InternalTransfer
    | TradeExecuted
    | DividendPaid
    | InterestPaid
)

HISTORY_KINDS = frozenset(
    {
        "deposit",
        "withdrawal",
        "position_transfer_in",
        "position_transfer_out",
        "internal_transfer",
    }
)
"""The kinds the transaction history (A2) shows."""
COUNTED_KINDS = frozenset({"trade", "dividend", "position_transfer_in", "position_transfer_out"})
"""The kinds the transaction-count query counts (not interest)."""


@dataclass(frozen=True, slots=True)
class LedgerRow:
    transaction_id: str
    account_number: str
    master_account_id: str
    kind: str
    booked_on: date
    amount: Decimal
    currency: str
    method: str | None
    status: str
    symbol: str | None = None
    quantity: Decimal | None = None
    counterparty_account: str | None = None
    flow: Decimal = Decimal(0)
    """The external cash flow into the account (negative: out); 0 for returns and trades."""


def ledger_row(event: AccountTransaction, master_account_id: str) -> LedgerRow:
    """The ledger row of one transaction event; flows only count once completed."""
    base: dict[str, Any] = {
        "account_number": event.account_number,
        "master_account_id": master_account_id,
    }
    match event:
        case Deposit() | Withdrawal():
            sign = 1 if isinstance(event, Deposit) else -1
            kind = "deposit" if isinstance(event, Deposit) else "withdrawal"
            return LedgerRow(
                transaction_id=event.transaction_id,
                kind=kind,
                booked_on=event.booked_on,
                amount=event.amount,
                currency=event.currency,
                method=event.method,
                status=event.status,
                flow=_flow(event.status, sign * event.amount),
                **base,
            )
        case PositionTransfer():
            inward = event.direction is CashDirection.IN
            return LedgerRow(
                transaction_id=event.transaction_id,
                kind="position_transfer_in" if inward else "position_transfer_out",
                booked_on=event.booked_on,
                amount=event.market_value,
                currency="USD",
                method=event.method,
                status=event.status,
                symbol=event.symbol,
                quantity=event.quantity,
                flow=_flow(event.status, event.market_value if inward else -event.market_value),
                **base,
            )
        case InternalTransfer():
            return LedgerRow(
                transaction_id=event.transaction_id,
                kind="internal_transfer",
                booked_on=event.booked_on,
                amount=event.amount,
                currency=event.currency,
                method="internal",
                status=event.status,
                counterparty_account=event.counterparty_account,
                flow=_flow(event.status, event.amount),
                **base,
            )
        case TradeExecuted():
            return LedgerRow(
                transaction_id=event.trade_id,
                kind="trade",
                booked_on=event.traded_on,
                amount=(event.quantity * event.price).quantize(Decimal("0.01")),
                currency="USD",
                method=event.side.value,
                status=COMPLETED,
                symbol=event.symbol,
                quantity=event.quantity,
                **base,
            )
        case DividendPaid():
            return LedgerRow(
                transaction_id=event.transaction_id,
                kind="dividend",
                booked_on=event.paid_on,
                amount=event.amount,
                currency="USD",
                method=None,
                status=COMPLETED,
                symbol=event.symbol,
                **base,
            )
        case InterestPaid():
            return LedgerRow(
                transaction_id=event.transaction_id,
                kind="interest",
                booked_on=event.paid_on,
                amount=event.amount,
                currency="USD",
                method=None,
                status=COMPLETED,
                **base,
            )
    raise TypeError(f"not a transaction event: {type(event).__name__}")


def _flow(status: str, amount: Decimal) -> Decimal:
    return amount if status == COMPLETED else Decimal(0)


def describe(row: LedgerRow) -> str:
    """One line for the activity panels and the timeline."""
    money = f"{row.amount:,.2f} {row.currency}"
    match row.kind:
        case "deposit":
            return f"Deposit of {money} by {row.method}"
        case "withdrawal":
            return f"Withdrawal of {money} by {row.method}"
        case "position_transfer_in" | "position_transfer_out":
            way = "in" if row.kind.endswith("_in") else "out"
            return f"Position transfer {way}: {row.quantity} {row.symbol} ({money})"
        case "internal_transfer":
            way = "from" if row.amount >= 0 else "to"
            return f"Internal transfer {way} {row.counterparty_account}: {money}"
        case "trade":
            return f"{(row.method or '').capitalize()} {row.quantity} {row.symbol} ({money})"
        case "dividend":
            return f"Dividend on {row.symbol}: {money}"
        case _:
            return f"Interest: {money}"


def item_type_of(row: LedgerRow) -> str | None:
    """The dashboard item type of a transaction (None: not shown as activity)."""
    if row.kind in ("deposit", "withdrawal", "internal_transfer"):
        return "funding"
    if row.kind.startswith("position_transfer"):
        return "transfer"
    return None
