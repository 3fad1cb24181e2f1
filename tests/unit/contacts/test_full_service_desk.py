"""The simulated back office's desk for Full Service requests (deploy/simulator_requests.py):
answers decided from the simulated book, and the book moved when a request is processed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

from contracts.accounts import ApplicationStage, Deposit, Withdrawal
from contracts.envelope import Envelope
from contracts.full_service import (
    ClientRequestAccepted,
    ClientRequestProcessed,
    ClientRequestRejected,
    SubmitClientRequest,
)
from deploy.simulator import BackOffice
from deploy.simulator_requests import RequestDesk

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def an_office() -> tuple[BackOffice, Any]:
    office = BackOffice(["F1000001"], 12, seed=3, start=date(2026, 3, 2))
    office.opening_book()
    funded = [a for a in office._accounts["F1000001"]
              if a.stage is ApplicationStage.OPEN and a.cash > 100]  # fmt: skip
    return office, funded[0]


def command(account: Any, **instruction: Any) -> Envelope[Any]:
    event = SubmitClientRequest.model_validate({
        "request_id": uuid4(), "account_number": account.number, "instruction": instruction,
        "requested_by": "u-ada"})  # fmt: skip
    return Envelope.wrap(event, master_account_id="F1000001")


def test_a_withdrawal_above_the_cash_is_rejected_with_the_reason() -> None:
    office, account = an_office()
    desk = RequestDesk(office, seconds_per_day=10)
    [answer] = desk.answers(command(account, kind="withdrawal", amount=str(account.cash + 1)), NOW)
    assert isinstance(answer.envelope.payload, ClientRequestRejected)
    assert answer.envelope.payload.reason.startswith("insufficient available cash")
    unknown = command(account, kind="deposit", amount="5")
    unknown = unknown.model_copy(update={"master_account_id": "F9999999"})
    [refused] = desk.answers(unknown, NOW)
    assert refused.envelope.payload.reason == "the account is not open at the back office"


def test_a_deposit_is_accepted_then_processed_and_moves_the_book() -> None:
    office, account = an_office()
    desk = RequestDesk(office, seconds_per_day=10)
    request = command(account, kind="deposit", amount="250.00")
    accepted, processed = desk.answers(request, NOW)
    assert isinstance(accepted.envelope.payload, ClientRequestAccepted)
    assert isinstance(processed.envelope.payload, ClientRequestProcessed)
    assert 0 < accepted.after_seconds < 1 < processed.after_seconds <= 10.5
    assert [a.after_seconds for a in desk.answers(request, NOW)] == [
        accepted.after_seconds, processed.after_seconds]  # deterministic per request  # fmt: skip
    assert accepted.envelope.event_id != processed.envelope.event_id
    before = account.cash
    [booked] = desk.book(request, NOW)
    assert isinstance(booked.envelope.payload, Deposit) and account.cash == before + Decimal(250)
    [withdrawn] = desk.book(command(account, kind="withdrawal", amount="50"), NOW)
    assert isinstance(withdrawn.envelope.payload, Withdrawal) and account.cash == before + 200
