"""The ledger's reading of the back office's events (which are external flows, which count),
the timeline rows of other services' events, the history's 90-day window and the RMD query's
rule; pure functions, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

import pytest

from contracts.accounts import (
    CashDirection,
    Channel,
    Deposit,
    InterestPaid,
    InternalTransfer,
    PositionTransfer,
    TradeExecuted,
    TradeSide,
    Withdrawal,
)
from contracts.api.analytics_history import TransactionQuery
from contracts.crm import NoteChanged
from contracts.envelope import Envelope
from contracts.messaging import DeliveryChanged, DeliveryStatus
from services.analytics.domain.ledger import COUNTED_KINDS, HISTORY_KINDS, item_type_of, ledger_row
from services.analytics.domain.timeline import delivery_rows, record_rows
from services.analytics.service_layer.client_queries import must_take_rmd
from services.analytics.service_layer.history import _cell, history_range

DAY = date(2026, 3, 2)


def test_only_completed_external_movements_are_flows() -> None:
    deposit = ledger_row(
        Deposit(account_number="U12345", transaction_id="1", amount=Decimal(100), booked_on=DAY),
        "M1",
    )
    rejected = ledger_row(
        Deposit(
            account_number="U12345",
            transaction_id="2",
            amount=Decimal(100),
            booked_on=DAY,
            status="rejected",
        ),
        "M1",
    )
    out = ledger_row(
        Withdrawal(account_number="U12345", transaction_id="3", amount=Decimal(40), booked_on=DAY),
        "M1",
    )
    moved = ledger_row(
        PositionTransfer(
            account_number="U12345",
            transaction_id="4",
            direction=CashDirection.OUT,
            symbol="VTI",
            quantity=Decimal(2),
            market_value=Decimal(500),
            booked_on=DAY,
        ),
        "M1",
    )
    internal = ledger_row(
        InternalTransfer(
            account_number="U12345",
            transaction_id="5",
            counterparty_account="U54321",
            amount=Decimal(-70),
            booked_on=DAY,
        ),
        "M1",
    )
    trade = ledger_row(
        TradeExecuted(
            account_number="U12345",
            trade_id="6",
            symbol="VTI",
            side=TradeSide.BUY,
            quantity=Decimal(3),
            price=Decimal("10.005"),
            traded_on=DAY,
        ),
        "M1",
    )
    interest = ledger_row(
        InterestPaid(account_number="U12345", transaction_id="7", amount=Decimal(1), paid_on=DAY),
        "M1",
    )
    assert [r.flow for r in (deposit, rejected, out, moved, internal, trade, interest)] == [
        Decimal(100),
        0,
        Decimal(-40),
        Decimal(-500),
        Decimal(-70),
        0,
        0,
    ]
    assert trade.amount == Decimal("30.02")  # 3 x 10.005 = 30.015, to the cent
    assert [item_type_of(r) for r in (deposit, moved, trade)] == ["funding", "transfer", None]
    assert {moved.kind, internal.kind} <= HISTORY_KINDS and trade.kind not in HISTORY_KINDS
    assert "interest" not in COUNTED_KINDS and {"trade", "dividend"} <= COUNTED_KINDS


def test_timeline_rows_of_a_note_and_of_deliveries_are_idempotent() -> None:
    now = datetime(2026, 3, 2, 9, tzinfo=UTC)
    contact = uuid4()
    note = NoteChanged(
        contact_id=contact,
        changed_by="u",
        version=1,
        note_id=uuid4(),
        author_user_id="u",
        body="Called\nabout   the IRA",
        created_at=now,
        updated_at=now,
    )
    envelope = Envelope.wrap(note, master_account_id="M1", occurred_at=now)
    (row,) = record_rows(note, envelope)
    assert (row.category, row.summary, row.contact_id) == (
        "note",
        "Note added: Called about the IRA",
        contact,
    )
    assert record_rows(note, envelope)[0].entry_id == row.entry_id  # the same event: the same row

    others = [uuid4(), uuid4()]
    delivered = DeliveryChanged(
        message_id=uuid4(),
        contact_ids=others,
        channel=Channel.EMAIL,
        status=DeliveryStatus.FAILED,
        reason="mailbox full",
    )
    rows = delivery_rows(
        delivered, Envelope.wrap(delivered, master_account_id="M1"), "Your statement"
    )
    assert [r.contact_id for r in rows] == others and len({r.entry_id for r in rows}) == 2
    assert rows[0].summary == "“Your statement” failed by email: mailbox full"


def test_the_history_reaches_back_ninety_days_at_most() -> None:
    today = date(2026, 6, 30)
    assert history_range(TransactionQuery(), today) == (date(2026, 4, 1), today)
    early = TransactionQuery(date_from=date(2025, 1, 1), date_to=date(2026, 5, 1))
    assert history_range(early, today) == (date(2026, 4, 1), date(2026, 5, 1))
    assert _cell("=HYPERLINK(1)") == "'=HYPERLINK(1)" and _cell("-12.50") == "-12.50"


@pytest.mark.parametrize(
    ("born", "year", "due"),
    [
        (date(1950, 7, 1), 2022, True),  # 72 in 2022, born before 1951: from 72
        (date(1951, 7, 1), 2023, False),  # 72 in 2023, born 1951: from 73
        (date(1951, 7, 1), 2024, True),  # 73
        (date(1960, 1, 1), 2034, False),  # 74, born 1960: from 75
        (date(1960, 1, 1), 2035, True),
        (None, 2030, False),
    ],
)
def test_who_must_take_an_rmd(born: date | None, year: int, due: bool) -> None:
    assert must_take_rmd(born, year)[0] is due
