"""The back office's desk for Full Service requests (C12), beside the simulator's event stream.

The simulator is a deterministic generator: it publishes what its seeded book does and reads
nothing. Requests, though, come from the portal, so the desk is the one part of the simulated
back office that listens: it consumes ``backoffice.requests`` and answers each command on
``backoffice.request-status`` from the book's own state, after delays measured on the simulated
clock (``seconds_per_day`` of wall time per simulated day, the live run's pace):

- within about half an hour (simulated) it is *accepted*, or *rejected* with the reason when the
  book refuses it: an account that is not open, a withdrawal or internal transfer above the
  account's cash, a destination that is not an open account of the same master, a position
  transfer out of more shares than the account holds;
- half a day to a day later it is *processed*: cash and positions move in the book, and the
  movement is published on ``accounts.transactions`` like any other (``transaction_id``
  ``FS-`` and the request id), so balances and the transaction history follow.

Answers are deterministic per request (their delays are drawn from a generator seeded by the
request id; their event ids are derived from it, so a request answered again after a restart is
dropped by the consumers' inboxes). Offsets are committed only once a request's last answer is
sent: a desk stopped mid-way answers the rest after a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from random import Random
from typing import Any
from uuid import NAMESPACE_URL, uuid5

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from contracts import topics
from contracts.accounts import (
    ApplicationStage,
    CashDirection,
    Deposit,
    InternalTransfer,
    PositionTransfer,
    Withdrawal,
)
from contracts.envelope import Envelope, Event
from contracts.full_service import (
    CashDeposit,
    CashWithdrawal,
    ClientRequestAccepted,
    ClientRequestProcessed,
    ClientRequestRejected,
    InternalCashTransfer,
    PositionTransferIn,
    PositionTransferOut,
    SubmitClientRequest,
)
from contracts.topics import Topic

log = structlog.get_logger("deploy.simulator.requests")

ACCEPT_DAYS = (0.005, 0.03)
"""simulated days until the answer that accepts or rejects (7 to 43 minutes)"""
PROCESS_DAYS = (0.5, 1.0)
"""simulated days from acceptance until processing"""


@dataclass(frozen=True)
class Answer:
    after_seconds: float
    topic: Topic
    envelope: Envelope[Any]

    @property
    def record(self) -> tuple[str, bytes | None, bytes, list[tuple[str, bytes]]]:
        key = self.envelope.payload.partition_key()
        headers = [("event-type", self.envelope.type.encode()),
                   ("content-type", b"application/json")]  # fmt: skip
        return (self.topic.name, key.encode() if key else None,
                self.envelope.model_dump_json().encode(), headers)  # fmt: skip


class RequestDesk:
    """Decides the answers to a command from the book of ``office`` (a ``BackOffice``)."""

    def __init__(self, office: Any, seconds_per_day: float) -> None:
        self.office = office
        self.seconds_per_day = seconds_per_day

    def _account(self, master: str, number: str) -> Any | None:
        for account in self.office._accounts.get(master, []):
            if account.number == number and account.stage is ApplicationStage.OPEN:
                return account
        return None

    def refusal(self, master: str, command: SubmitClientRequest) -> str | None:
        """Why the back office rejects the request, or None when it takes it."""
        account = self._account(master, command.account_number)
        if account is None:
            return "the account is not open at the back office"
        instruction = command.instruction
        match instruction:
            case CashWithdrawal() | InternalCashTransfer() if instruction.amount > account.cash:
                return (f"insufficient available cash: {account.cash} {instruction.currency} "
                        f"in {account.number}")  # fmt: skip
            case InternalCashTransfer() if self._account(master, instruction.to_account) is None:
                return f"{instruction.to_account} is not an open account of the same master"
            case PositionTransferOut():
                held = account.holdings.get(instruction.symbol, Decimal(0))
                if held < instruction.quantity:
                    return f"the account holds {held} {instruction.symbol}, fewer than requested"
        return None

    def answers(self, envelope: Envelope[Any], now: datetime) -> list[Answer]:
        command: SubmitClientRequest = envelope.payload
        master = envelope.master_account_id
        rng = Random(command.request_id.int)
        accepted_in = rng.uniform(*ACCEPT_DAYS) * self.seconds_per_day
        reason = self.refusal(master, command)
        if reason is not None:
            rejected = ClientRequestRejected(request_id=command.request_id,
                                             account_number=command.account_number, reason=reason)  # fmt: skip
            return [self._answer(rejected, master, now, accepted_in, "rejected")]
        processed_in = accepted_in + rng.uniform(*PROCESS_DAYS) * self.seconds_per_day
        ids = {"request_id": command.request_id, "account_number": command.account_number}
        return [
            self._answer(ClientRequestAccepted(**ids), master, now, accepted_in, "accepted"),
            self._answer(ClientRequestProcessed(**ids), master, now, processed_in, "processed"),
        ]

    def _answer(self, event: Event, master: str, now: datetime, after: float, name: str) -> Answer:
        request_id = getattr(event, "request_id")  # noqa: B009 - every answer names it
        envelope = Envelope.wrap(event, master_account_id=master,
                                 occurred_at=now + timedelta(seconds=after))  # fmt: skip
        envelope = envelope.model_copy(
            update={"event_id": uuid5(NAMESPACE_URL, f"{request_id}/{name}")}
        )
        return Answer(after, topics.BACKOFFICE_REQUEST_STATUS, envelope)

    def book(self, envelope: Envelope[Any], at: datetime) -> list[Answer]:
        """Processing: the book's cash and positions move; the movements as transactions."""
        command: SubmitClientRequest = envelope.payload
        master = envelope.master_account_id
        account = self._account(master, command.account_number)
        if account is None:
            return []
        day = self.office.today
        transaction = f"FS-{str(command.request_id)[:18]}"
        out: list[tuple[str, Event]] = []
        match command.instruction:
            case CashDeposit() as deposit:
                account.cash += deposit.amount
                out.append((account.number, Deposit(
                    account_number=account.number, transaction_id=transaction,
                    amount=deposit.amount, currency=deposit.currency, method=deposit.method,
                    booked_on=day)))  # fmt: skip
            case CashWithdrawal() as withdrawal:
                account.cash -= withdrawal.amount
                out.append((account.number, Withdrawal(
                    account_number=account.number, transaction_id=transaction,
                    amount=withdrawal.amount, currency=withdrawal.currency,
                    method=withdrawal.method, booked_on=day)))  # fmt: skip
            case InternalCashTransfer() as moved:
                peer = self._account(master, moved.to_account)
                if peer is None:
                    return []
                account.cash -= moved.amount
                peer.cash += moved.amount
                for payer, payee, sign in ((account, peer, -1), (peer, account, 1)):
                    out.append((payer.number, InternalTransfer(
                        account_number=payer.number, transaction_id=transaction,
                        counterparty_account=payee.number, amount=sign * moved.amount,
                        currency=moved.currency, booked_on=day)))  # fmt: skip
            case PositionTransferIn() | PositionTransferOut() as position:
                incoming = isinstance(position, PositionTransferIn)
                change = position.quantity if incoming else -position.quantity
                held = account.holdings.get(position.symbol, Decimal(0)) + change
                if held > 0:
                    account.holdings[position.symbol] = held
                else:
                    account.holdings.pop(position.symbol, None)
                account.dirty = True
                price = Decimal(str(self.office._market.prices.get(position.symbol, 0)))
                out.append((account.number, PositionTransfer(
                    account_number=account.number, transaction_id=transaction,
                    direction=CashDirection.IN if incoming else CashDirection.OUT,
                    symbol=position.symbol, quantity=position.quantity,
                    market_value=(price * position.quantity).quantize(Decimal("0.01")),
                    booked_on=day)))  # fmt: skip
            case _:
                return []  # an information change moves nothing in the book
        answers = []
        for number, event in out:
            wrapped = Envelope.wrap(event, master_account_id=master, occurred_at=at)
            event_id = uuid5(NAMESPACE_URL, f"{command.request_id}/booked/{number}")
            answers.append(Answer(0, topics.ACCOUNT_TRANSACTIONS,
                                  wrapped.model_copy(update={"event_id": event_id})))  # fmt: skip
        return answers


async def answer_requests(
    bootstrap_servers: str, kafka: AIOKafkaProducer, office: Callable[[], Any],
    seconds_per_day: float, stop: asyncio.Event,
) -> None:  # fmt: skip
    """Consume ``backoffice.requests`` until ``stop`` and answer each command in its time."""
    group = os.environ.get("KAFKA_GROUP_PREFIX", "") + "back-office-simulator.requests"
    consumer = AIOKafkaConsumer(
        topics.BACKOFFICE_REQUESTS.name, bootstrap_servers=bootstrap_servers, group_id=group,
        enable_auto_commit=False, auto_offset_reset="earliest",
    )  # fmt: skip
    await consumer.start()
    outstanding: dict[TopicPartition, set[int]] = {}
    seen: dict[TopicPartition, int] = {}

    async def commit(partition: TopicPartition) -> None:
        waiting = outstanding.get(partition)
        upto = min(waiting) if waiting else seen[partition] + 1
        with contextlib.suppress(Exception):  # committed again with the next answer
            await consumer.commit({partition: upto})

    async def handle(partition: TopicPartition, offset: int, envelope: Envelope[Any]) -> None:
        desk = RequestDesk(office(), seconds_per_day)
        began = asyncio.get_running_loop().time()
        for answer in desk.answers(envelope, datetime.now(UTC)):
            wait = answer.after_seconds - (asyncio.get_running_loop().time() - began)
            if wait > 0:
                await asyncio.sleep(wait)
            records = [answer]
            if isinstance(answer.envelope.payload, ClientRequestProcessed):
                records = desk.book(envelope, datetime.now(UTC)) + records
            for record in records:
                topic, key, value, headers = record.record
                await kafka.send_and_wait(topic, value=value, key=key, headers=headers)
        outstanding[partition].discard(offset)
        await commit(partition)
        log.info("request answered", request_id=str(envelope.payload.request_id))

    tasks: set[asyncio.Task[None]] = set()
    try:
        while not stop.is_set():
            batches = await consumer.getmany(timeout_ms=500)
            for partition, messages in batches.items():
                for message in messages:
                    seen[partition] = message.offset
                    try:
                        envelope = topics.BACKOFFICE_REQUESTS.envelope.model_validate_json(
                            message.value
                        )
                    except ValueError:
                        log.warning("a request the desk cannot read", offset=message.offset)
                        await commit(partition)
                        continue
                    outstanding.setdefault(partition, set()).add(message.offset)
                    task = asyncio.create_task(handle(partition, message.offset, envelope))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
    finally:
        for task in tasks:
            task.cancel()
        await consumer.stop()
